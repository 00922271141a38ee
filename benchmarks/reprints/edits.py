"""Light text edits of a reprint, in place on paragraphs of sentences: word edits (synonyms and
typos), a changed figure, and a new headline that shares as few words as possible."""
from __future__ import annotations

import bisect
import random
import re
from typing import List

from .grammar import Grammar, cap, choice, fmt_int, randint
from .vocabulary import STOPWORDS, SYNONYMS, WORD


def _typo(r: random.Random, w: str) -> str:
    if len(w) < 4:
        return w + w[-1]
    i = randint(r, 1, len(w) - 2)
    k = randint(r, 0, 2)
    if k == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if k == 1:
        return w[:i] + w[i + 1:]
    return w[:i] + w[i] + w[i:]


def _edit_word(r: random.Random, w: str) -> str:
    m = re.match(r"^([^\w]*)([A-Za-z][A-Za-z'-]*)([^\w]*)$", w)
    if not m:
        return w
    pre, core, post = m.groups()
    low = core.lower()
    if low in SYNONYMS and r.random() < 0.65:
        rep = SYNONYMS[low]
        if core[0].isupper():
            rep = cap(rep)
    elif len(core) >= 3:
        rep = _typo(r, core)
    else:
        return w
    return pre + rep + post


def word_edits(r: random.Random, paras: List[List[str]]) -> bool:
    """Replace 1-3% of the words (at least one) in place; True if anything changed."""
    flat = [(pi, si) for pi, p in enumerate(paras) for si in range(len(p))]
    counts = [len(paras[pi][si].split(" ")) for pi, si in flat]
    total = sum(counts)
    if total == 0:
        return False
    cum, acc = [], 0
    for c in counts:
        acc += c
        cum.append(acc)
    m = max(1, round(total * r.uniform(0.01, 0.03)))
    changed = False
    for g in sorted(r.sample(range(total), min(m, total))):
        j = bisect.bisect_right(cum, g)
        pi, si = flat[j]
        words = paras[pi][si].split(" ")
        wi = g - (cum[j - 1] if j else 0)
        if wi >= len(words):
            continue
        new = _edit_word(r, words[wi])
        if new != words[wi]:
            words[wi] = new
            paras[pi][si] = " ".join(words)
            changed = True
    return changed


_FIGURE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w,]*\d)(?![A-Za-z])")


def change_number(r: random.Random, paras: List[List[str]]) -> bool:
    """Change one figure (not a year) in place, e.g. 275,000 -> 281,000; True if there was one."""
    spots = []
    for pi, p in enumerate(paras):
        for si, s in enumerate(p):
            for m in _FIGURE.finditer(s):
                val = int(m.group(1).replace(",", ""))
                if 1900 <= val <= 2100 and "," not in m.group(1):
                    continue  # a year
                spots.append((pi, si, m))
    if not spots:
        return False
    pi, si, m = choice(r, spots)
    ip, dec = m.group(1), m.group(2)
    val = int(ip.replace(",", ""))
    if val >= 100:
        step = max(1, int(val * r.uniform(0.01, 0.1)))
        if val >= 10000:
            step = max(1000, step // 1000 * 1000)
        new = val + choice(r, (-1, 1)) * step
    else:
        new = val + choice(r, (-3, -2, -1, 1, 2, 3))
    if new <= 0:
        new = val + randint(r, 1, 3)
    txt = fmt_int(new) if "," in ip else str(new)
    if dec is not None:
        txt += "." + dec
    s = paras[pi][si]
    paras[pi][si] = s[:m.start()] + txt + s[m.end():]
    return True


def headline_unlike(r: random.Random, g: Grammar, old: str) -> str:
    """A new headline from `g` sharing as few content words with `old` as 8 tries find."""
    old_words = {w for w in WORD.findall(old.lower()) if w not in STOPWORDS}
    best, best_overlap = None, None
    for _ in range(8):
        h = g.headline()
        ov = len(old_words & {w for w in WORD.findall(h.lower()) if w not in STOPWORDS})
        if h != old and (best is None or ov < best_overlap):
            best, best_overlap = h, ov
            if ov == 0:
                break
    return best or g.headline() + " " + g.place()
