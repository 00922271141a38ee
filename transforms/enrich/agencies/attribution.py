"""Agency attribution: which news agencies a story credits, and where the credits sit.

Outlets republish agency copy with credit lines ("MOSCOW, Oct 7 (Reuters) -", "[Xinhua]",
"with inputs from Agencies", "according to the Russian news agency TASS"). `attribute()` names
the agencies a story credits, `credit_spans()` / `strip_credits()` locate / remove the credit
lines so that a near-duplicate detector compares the agency copy itself, not the outlet's
packaging around it.

How it works. One regex pass (a trie of literal spellings, so the engine skips most positions)
finds every occurrence of an agency name ("Reuters", "AP", "ТАСС", "新华社", ...), of the
capitalised generic credits and of the Reuters footers ("Reporting by ..."); two str.find
loops add the lower-case generic credits ("agencies", "wire services", "agency reports").
Each occurrence is then judged by its neighbourhood on the same line (paragraph): is it inside
a credit parenthesis/bracket, a dateline, a "/TASS/" slash credit, a trailing "— AFP", a photo
credit, a by-line, a copyright line, a "with inputs from" or "contributed to this report"
footer, or an attribution phrase ("told Reuters", "Xinhua reported", "the news agency PTI")?
How much evidence a name needs depends on its class:

* full names ("Associated Press", "Agence France-Presse", "Press Trust of India", "ТАСС",
  "РИА Новости", "新华社", "연합뉴스", ...) count wherever they appear;
* plain names ("Reuters", "AFP", "Xinhua", "TASS", "Interfax", "Yonhap", "Bloomberg", "IANS")
  count in a credit position or in an attribution phrase;
* "Kyodo" (and "Jiji") bare counts only in a credit position, as "Kyodo reported" or with
  "news agency"; "Kyodo News" is a full name;
* the ambiguous short names (AP, UPI, ANI, PTI, AA, EFE, dpa, ANSA, Lusa) count only in a
  credit position or when called a news agency ("the news agency PTI", "agencia EFE");
* "Anadolu" counts only as "Anadolu Agency"/"Anadolu Ajansı", as "(AA)", or when called a
  news agency;
* the generic credits map to "Agencies" and need a credit position or an attribution phrase.

A parenthesised acronym that spells out the words before it ("Unified Payments Interface
(UPI)", "Advanced Placement (AP)") is an abbreviation, not a credit; a lone parenthesised
acronym in the middle of a sentence ("the party (PTI) said") is not a credit either.

A credit says the copy (or part of it) came from the agency; a mention has the agency as its
subject, employer or product, and does not count: "worked as an AFP correspondent", "a former
Reuters photographer", "the AP Stylebook", "Thomson Reuters shares", "AFP is suing ..."
(NOT_AFTER, MENTION_BEFORE, SUBJECT_AFTER). Every agency of a credit list counts ("(Additional
reporting by AFP and AP)", "compiled from AFP and Reuters dispatches", "Mit Material von dpa und
AFP", "综合新华社、路透社报道"), and so do the generic credits ("wire services", "Agenturen",
"Agencias", "Источник: агентства", "综合外电" -> "Agencies"). Links, e-mail addresses, paths and
file names are not text (`link_at()`): nothing in them is a credit, and a credit span never
takes part of one, so `strip_credits()` leaves every URL byte-identical.

Each credit also says where it stood (Attribution.position, POSITIONS): "dateline" (a credit
in a dateline or slug in the first lines), "lead" (in the first line or the title), "closing"
(a credit line or footer in the last lines), "body" (anywhere else) or "photo" (a caption's
credit); a story with several gives the distinct ones comma-joined in that order.

Credit lines, captions' credits, datelines-with-credit and footers are what `credit_spans()`
returns; in-text attribution phrases and mentions are part of the body's sentences, so they are
reported in `Attribution.credit` but not stripped.

Everything is pure and deterministic; the patterns are compiled once at import. The analysis of
a text is memoised (small LRU keyed by the text) because a pipeline typically calls
`attribute()` and `strip_credits()` on the same text.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import List, NamedTuple, Optional, Tuple

from transforms.enrich.agencies import patterns as _p
from transforms.enrich.agencies.context import (attribution_phrase, eol_end, footer, paren_credit, photo_before,
                                               place_ok, staff_dateline)

__all__ = ["AGENCIES", "POSITIONS", "Attribution", "attribute", "clear_cache", "credit_spans", "link_at",
           "strip_credits"]

AGENCIES: Tuple[str, ...] = (
    "Reuters", "AP", "AFP", "Xinhua", "TASS", "RIA Novosti", "Interfax", "dpa", "EFE", "ANSA",
    "Kyodo", "Yonhap", "PTI", "IANS", "ANI", "Anadolu", "UPI", "Bloomberg",
    "Sputnik", "KCNA", "IRNA", "Bernama", "Jiji", "Lusa", "Europa Press",
    "Agencies",
)


# Where a credit stood, strongest first; Attribution.position joins the distinct ones in this order.
POSITIONS: Tuple[str, ...] = ("dateline", "lead", "closing", "body", "photo")


@dataclass(frozen=True)
class Attribution:
    agencies: Tuple[str, ...]     # canonical names, deduplicated, in order of first appearance
    credit: Optional[str]         # matched credit text(s), stripped, joined with " | "; None if none
    dateline: Optional[str]       # e.g. "MOSCOW" from "MOSCOW, Oct 7 (Reuters) -"; None if none
    position: Optional[str] = None  # where the credits stood: POSITIONS, comma-joined in that order


class _Hit(NamedTuple):
    start: int
    end: int
    canon: str
    cls: str


class _Span(NamedTuple):
    start: int
    end: int
    strip: bool
    position: str = "body"


class _Analysis(NamedTuple):
    agencies: Tuple[Tuple[int, str], ...]    # (position, canonical) of every accepted credit
    spans: Tuple[_Span, ...]                 # accepted credit texts, sorted
    dateline: Optional[str]


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------

def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _glued(ch: str) -> bool:
    """A character that glues a Latin/Cyrillic name to a longer word (CJK may touch a name)."""
    return (ch.isalnum() or ch == "_") and not _p.is_cjk(ch)


def _token(text: str, s: int, e: int) -> Tuple[int, int]:
    """The whitespace-delimited token around text[s:e] (looking at most 300 characters each way)."""
    lo = max(0, s - 300)
    ts = max(text.rfind(" ", lo, s), text.rfind("\n", lo, s), text.rfind("\t", lo, s), lo - 1) + 1
    te = min(len(text), e + 300)
    for ch in (" ", "\n", "\t"):
        k = text.find(ch, e, te)
        if k >= 0:
            te = k
    return ts, te


def _path_ok(path: str) -> bool:
    """Whether a/b/c is a path or link (a digit, lower-case or file-name segment), not a credit such
    as "/TASS/" or "Jane Doe/AFP/Getty"."""
    segs = path.split("/")
    if segs[0] in (".", "..", "~", "…") or "." in segs[0].strip("."):
        return True
    return any(_p.PATH_SEGMENT.fullmatch(x) for x in segs[1:] if x)


def link_at(text: str, s: int, e: int) -> Optional[Tuple[int, int]]:
    """The link, e-mail address, path or file name overlapping text[s:e], or None: such tokens are
    not text, so nothing in them is a credit and strip_credits() never changes them."""
    ts, te = _token(text, s, e)
    if not _p.LINK_GATE.search(text, ts, te):
        return None
    for m in _p.LINK.finditer(text, ts, te):
        if m.start() < e and m.end() > s and (m.group("path") is None or _path_ok(m.group("path"))):
            return m.span()
    return None


def _find_cjk(text: str, hits: List[_Hit]) -> bool:
    """Add the Han/kana/Hangul spellings found from their key strings; whether any was found."""
    cjk: List[_Hit] = []
    for key in _p.CJK_KEYS:
        if key not in text:
            continue
        i = text.find(key)
        while i >= 0:
            for w, j in _p.CJK_BY_KEY[key]:
                if i >= j and text.startswith(w, i - j):
                    canon, cls = _p.SPELLING[w]
                    cjk.append(_Hit(i - j, i - j + len(w), canon, cls))
                    break
            i = text.find(key, i + 1)
    if not cjk:
        return False
    cjk.sort(key=lambda h: (h.start, -h.end))
    end = -1
    for h in cjk:               # the longest spelling at each place; no overlaps
        if h.start >= end:
            hits.append(h)
            end = h.end
    return True


def _find_hits(text: str) -> List[_Hit]:
    hits = []
    n = len(text)
    for m in _p.ANCHOR.finditer(text):
        s, e = m.span()
        if not _p.is_cjk(text[s]) and ((s and _glued(text[s - 1])) or (e < n and _glued(text[e]))):
            continue
        canon, cls = _p.SPELLING[m.group()]
        hits.append(_Hit(s, e, canon, cls))
    found = False
    if not text.isascii():
        found = _find_cjk(text, hits)
    for key in _p.GENERIC_KEYS if not text.isascii() else _p.GENERIC_KEYS_ASCII:
        if key not in text:
            continue
        i = text.find(key)
        while i >= 0:
            m = _p.GENERIC.match(text, i)
            if m:
                s, e = m.span()
                if not ((s and _glued(text[s - 1])) or (e < n and _glued(text[e]))):
                    hits.append(_Hit(s, e, "Agencies", _p.GEN))
                    found = True
            i = text.find(key, i + 1)
    if found:
        hits.sort()
        hits = [h for k, h in enumerate(hits) if not k or h.start >= hits[k - 1].end]
    for k, h in enumerate(hits):
        if h.cls == _p.GEN:          # "news agencies", "Wire agencies", "press agencies"
            pre = _p.GENERIC_PREFIX.search(text, max(0, h.start - 12), h.start)
            if pre:
                hits[k] = h._replace(start=pre.start())
    if hits:
        hits = [h for h in hits if link_at(text, h.start, h.end) is None]
    return hits


def _mention(text: str, h: _Hit, tail: str, after: str) -> bool:
    """The agency as employer, subject or title, not as the source of the copy."""
    if _p.is_cjk(text[h.start]) or _p.is_cjk(text[h.end - 1]):
        return bool(_p.CJK_MENTION_BEFORE.search(tail[-4:]) or _p.CJK_MENTION_AFTER.match(after))
    return bool(_p.MENTION_BEFORE.search(tail) or _p.SUBJECT_AFTER.match(after))


def _intro_credit(text, hits, idx, s, rest_end, line_start, line_end):
    """'compiled from AFP and Reuters dispatches', 'Mit Material von dpa und AFP', 'Fuente: EFE',
    '综合新华社、路透社报道': (start, end, strip, consumed_to, kind) or None."""
    lo = max(line_start, s - 120)
    ib = None
    for g in _p.INTRO_GATE.finditer(text, lo, s):
        ib = _p.INTRO_BEFORE.match(text, g.start(), s)
        if ib:
            break
    if ib is None:
        return None
    start = ib.start()
    tr = _p.INTRO_TRAILER.match(text, rest_end, line_end)
    end = tr.end() if tr else rest_end
    opener = text[start:s].lstrip()[:1]
    if opener in ("(", "["):
        close = text.find(")" if opener == "(" else "]", rest_end, line_end)
        if close >= 0 and not text[rest_end:close].strip(" \t.;"):
            end = close + 1
    strip = False
    if not text[end:line_end].strip(" \t."):
        end = eol_end(text, end, line_end)
        prefix = text[line_start:start]
        ls = line_start + len(prefix) - len(prefix.lstrip())
        # "This story was compiled from ...": a few words before the intro belong to the credit line.
        if start == ls or (len(prefix.split()) <= 8 and not any(c in prefix for c in ".!?:")
                           and not any(line_start <= x.start < start for x in hits[:idx])):
            start, strip = ls, True
    return (start, end, strip, rest_end, "line")


def _analyse_uncached(text: str) -> _Analysis:
    hits = _find_hits(text)
    agencies: List[Tuple[int, str]] = []
    spans: List[_Span] = []
    dl_credit: Optional[Tuple[int, str]] = None
    n = len(text)
    covered_to = -1            # hits before this position were consumed by an accepted credit
    lines: Optional[_Lines] = None

    for idx, h in enumerate(hits):
        if h.start < covered_to:
            continue
        s, e, canon, cls = h
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        if line_end < 0:
            line_end = n
        if cls == _p.FOOTER:
            span = footer(text, s, line_start, line_end)
            if span:
                lines = lines or _Lines(text)
                spans.append(_Span(span[0], span[1], True, _position(lines, line_start, True, "line")))
                # "(Additional reporting by AFP and AP)": the agencies named; else Reuters' house style.
                named = [(x.start, x.canon) for x in hits[idx + 1:]
                         if x.start < span[1] and x.cls not in (_p.FOOTER, _p.QUAL)]
                agencies.extend(named or [(span[0], "Reuters")])
                covered_to = span[1]
            continue
        bstart = max(line_start, s - 200)
        before = text[bstart:s]
        after = text[e:min(line_end, e + 250)]
        # The last few words before the name: enough for every "... <name>" pattern, and short
        # enough that the end-anchored searches below stay cheap.
        parts = before.rsplit(" ", 11)
        tstart = bstart + len(parts[0]) if len(parts) == 12 else bstart
        tail = text[tstart:s]
        btrim = before.rstrip(" \t")

        # Names that are not the agency at all.
        if _p.NOT_AFTER.match(after):
            continue
        if canon == "Reuters" and cls == _p.NAME:
            if before.endswith(("Thomson ", "THOMSON ")) or _p.REUTERS_NOT.match(after):
                continue
        elif canon == "Bloomberg" and cls == _p.NAME:
            pw = _p.PREV_WORD.search(tail)
            if (pw and pw.group(1) not in _p.BLOOMBERG_OK_PREV) or _p.BLOOMBERG_NOT.match(after):
                continue
        elif canon == "AFP" and cls == _p.NAME and _p.AFP_NOT.match(after):
            continue

        rest_end = _p.NAMES_REST.match(text, e, line_end).end() if cls != _p.QUAL else e
        result = None  # (span_start, span_end, strip, consumed_to, kind)

        # 1. "(Reuters)", "[Xinhua]", "(AP Photo/John Smith)", "MOSCOW, Oct 7 (Reuters) -", "（共同）".
        if cls != _p.QUAL and before:
            op = max(before.rfind("("), before.rfind("["))
            if not before.isascii():
                op = max(op, max(before.rfind(o) for o in _p.OPENERS))
            if op >= 0 and s - (bstart + op) <= 80 and not any(c in before[op:] for c in _p.CLOSERS_ALL):
                open_pos = bstart + op
                closer = _p.CLOSER[text[open_pos]]
                close_pos = text.find(closer, e, min(line_end, e + 100))
                if close_pos >= 0:
                    content = text[open_pos + 1:close_pos]
                    if _p.CREDIT_CONTENT.fullmatch(content):
                        result = paren_credit(text, hits, idx, open_pos, close_pos, content, line_start, line_end)
                        if result:
                            kind = _paren_kind(text, content, open_pos, close_pos, line_start, line_end, result)
                            if result[3] is not None:
                                dl_credit = dl_credit or (result[0], result[3])
                            result = result[:3] + (close_pos + 1, kind)
                    elif (text[open_pos] not in "([" or _p.CJK_GATE.search(content)) and _p.CJK_CONTENT.fullmatch(content):
                        kind = _paren_kind(text, content, open_pos, close_pos, line_start, line_end, (0, 0, 0, None))
                        if kind == "paren" and not text[line_start:open_pos].strip() and text[close_pos + 1:line_end].strip():
                            kind = "dl"     # "(서울=연합뉴스) ...", "［東京　２日　ロイター］ - ..."
                        result = (open_pos, close_pos + 1, True, close_pos + 1, kind)

        # 2. "/TASS/", "MOSCOW, March 1. /TASS/.", "... in Gaza /AFP", "REUTERS/Jane Doe".
        if result is None and cls != _p.QUAL:
            if btrim.endswith("/") and len(before) - len(btrim) <= 1:
                slash_pos = bstart + len(btrim) - 1
                m2 = _p.SLASH_AFTER.match(text, rest_end, line_end)
                if m2:
                    span_start, span_end = slash_pos, m2.end()
                    prefix = text[line_start:slash_pos]
                    dl = _p.DL_PREFIX.fullmatch(prefix) if prefix.strip() else None
                    if dl and place_ok(dl.group("place")):
                        span_start = line_start + dl.start("place")
                        dl_credit = dl_credit or (span_start, dl.group("place"))
                    sep = _p.SEP_AFTER.match(text, span_end, line_end)
                    if sep:
                        span_end = sep.end()
                    kind = "dl" if (dl or not prefix.strip()) and span_end < line_end else "paren"
                    result = (span_start, span_end, True, rest_end, kind)
                elif _p.EOL_TAIL.match(text, rest_end, line_end):
                    # "... harbour at dawn /AFP" ends a caption; "H. M. G. / AGENCIAS" is a by-line.
                    kind = "line" if len(text[line_start:slash_pos].strip()) <= 24 else "photo"
                    result = (slash_pos, eol_end(text, rest_end, line_end), True, rest_end, kind)
            if result is None and cls in (_p.FULL, _p.NAME, _p.VERB, _p.SHORT) and not photo_before(tail):
                m2 = _p.SLASH_PHOTO.match(text, e, line_end)
                if m2 and (cls != _p.SHORT or m2.group("photo")):
                    result = (s, m2.end(), True, e, "photo")
                else:
                    m2 = _p.VIA_GETTY.match(text, rest_end, line_end)
                    if m2:
                        result = (s, m2.end(), True, rest_end, "photo")

        # 3. Trailing "— AFP", "- Reuters", "| Reuters" at the end of a line.
        if result is None and cls != _p.QUAL and _p.EOL_TAIL.match(text, rest_end, line_end):
            if btrim.endswith(_p.DASHES):
                dash = btrim.rstrip("—–-|")
                if len(btrim) - len(dash) <= 2 and (not dash or dash[-1] in " \t"):
                    result = (bstart + len(dash), eol_end(text, rest_end, line_end), True, rest_end, "line")

        # 4. A line that is only a credit: "Agencies", "By Reuters Staff", "Source: AP", "Fuente: agencias".
        if result is None and cls != _p.QUAL and s - line_start <= 40:
            if _p.CREDIT_LINE_BEFORE.fullmatch(text, line_start, s) and _p.CREDIT_LINE_AFTER.fullmatch(text, rest_end, line_end):
                ls = line_start + (len(text[line_start:s]) - len(text[line_start:s].lstrip()))
                result = (ls, eol_end(text, rest_end, line_end), True, rest_end, "line")

        # 5. "Photo: Reuters", "Photograph: Jane Doe/AFP", "Photo by AFP".
        if result is None and cls != _p.QUAL:
            pb = photo_before(tail)
            if pb:
                m2 = _p.SLASH_PHOTO.match(text, rest_end, line_end)
                end = m2.end() if m2 else rest_end
                kind = "line" if _p.SOURCE_WORD.match(pb.group()) else "photo"
                result = (tstart + pb.start(), end, True, rest_end, kind)

        # 6. "Copyright 2024 The Associated Press. All rights reserved."
        if result is None and cls not in (_p.QUAL, _p.GEN) and _p.COPYRIGHT_GATE.search(tail):
            cb = _p.COPYRIGHT_BEFORE.search(tail)
            if cb:
                m2 = _p.COPYRIGHT_AFTER.match(text, rest_end, line_end)
                result = (tstart + cb.start(), m2.end(), True, rest_end, "line")

        # 7. "with inputs from Agencies", "(With inputs from Reuters and AFP)", "with agency inputs".
        if result is None and cls != _p.QUAL and ("nput" in tail or "NPUT" in tail
                                                or (cls == _p.GEN and "nput" in text[s:e])):
            ib = _p.INPUTS_BEFORE.search(tail)
            if ib is None and cls == _p.GEN and "nput" in text[s:e]:
                ib = _p.WITH_BEFORE.search(tail)
            if ib:
                span_start = tstart + ib.start()
                end = rest_end
                if text.startswith("(", span_start):
                    close = text.find(")", end, line_end)
                    if close >= 0 and not text[end:close].strip():
                        end = close + 1
                end = eol_end(text, end, line_end) if _p.EOL_TAIL.match(text, end, line_end) else end
                # "The BRICS Post with inputs from Agencies": the outlet's name goes with the footer.
                if end >= line_end - 1 or not text[end:line_end].strip():
                    op = _p.OUTLET_PREFIX.fullmatch(text, line_start, span_start)
                    if op and not any(line_start <= x.start < span_start for x in hits):
                        span_start = line_start + (len(text[line_start:span_start])
                                                   - len(text[line_start:span_start].lstrip()))
                result = (span_start, end, True, rest_end, "line")

        # 8. "AFP contributed to this report.", "Associated Press writer ... contributed to this report."
        if result is None and cls != _p.QUAL and "contributed" in after:
            m2 = _p.CONTRIB_AFTER.match(text, rest_end, line_end)
            if m2:
                sb = _p.SENTENCE_START.search(before)
                if sb:
                    ss = bstart + sb.start()
                    ss += len(text[ss:s]) - len(text[ss:s].lstrip(".!?\"”) \t"))
                    result = (ss, m2.end(), True, m2.end(), "line")

        # 8b. Credit lists introduced in words, in every supported language.
        if result is None and cls != _p.QUAL:
            result = _intro_credit(text, hits, idx, s, rest_end, line_start, line_end)

        # 9. Attribution phrases (stay in the body; not stripped), unless the agency is a subject.
        if result is None:
            result = attribution_phrase(text, h, tail, tstart, rest_end, line_end)
            if result is not None and _mention(text, h, tail, after):
                result = None
            elif result is not None:
                result = result + ("phrase",)

        # 10. Full names count wherever they are, unless the agency is a subject or an employer.
        if result is None and cls == _p.FULL and not _mention(text, h, tail, after):
            zh = _p.ZH_DATELINE.match(text, e, line_end) if _p.is_cjk(text[s]) else None
            if zh and not text[line_start:s].strip():
                result = (s, zh.end(), True, e, "dl")
            else:
                result = (s, e, False, e, "phrase")

        if result is None:
            continue
        span_start, span_end, strip, consumed_to, kind = result
        if strip and _p.LINK_GATE.search(text, span_start, span_end):
            # A credit never takes part of a link with it.
            cut = _first_link(text, span_start, span_end)
            if cut is not None:
                if cut <= s:
                    continue
                span_end = cut
        consumed_to = max(consumed_to, e)
        for x in hits[idx:]:
            if x.start >= consumed_to:
                break
            if (x.cls != _p.QUAL or x is h) and x.cls != _p.FOOTER:
                agencies.append((x.start, x.canon))
        covered_to = max(consumed_to, span_end if strip else consumed_to)
        lines = lines or _Lines(text)
        ls = text.rfind("\n", 0, span_start) + 1
        le = text.find("\n", span_end)
        at_eol = not text[span_end:le if le >= 0 else n].strip(" \t.")
        spans.append(_Span(span_start, span_end, strip, _position(lines, ls, at_eol, kind)))

    dateline = dl_credit[1] if dl_credit else staff_dateline(text)
    agencies.sort(key=lambda a: a[0])
    spans.sort()
    return _Analysis(tuple(agencies), tuple(spans), dateline)


def _first_link(text: str, a: int, b: int) -> Optional[int]:
    """Start of the first link overlapping text[a:b], or None."""
    pos = a
    while pos < b:
        ts, te = _token(text, pos, pos)
        ln = link_at(text, max(ts, a), min(te, b)) if te > ts else None
        if ln is not None:
            return max(ln[0], a)
        pos = te + 1
    return None


def _paren_kind(text, content, open_pos, close_pos, line_start, line_end, result) -> str:
    """How a parenthesised credit stood: a dateline credit, a photo credit or a plain one."""
    if _p.PHOTO_CONTENT.search(content):
        return "photo"
    prefix = text[line_start:open_pos]
    if result[3] is not None or (len(prefix) <= 50 and not any(c in prefix for c in ".!?\"“”")
                                 and close_pos + 1 < line_end and _p.SEP_AFTER.match(text, close_pos + 1, line_end)):
        return "dl"     # "(UPI) --", "BERLIN/ZURICH (Reuters) -"
    if text[open_pos] == "[" and text[line_start:open_pos].strip() and not text[close_pos + 1:line_end].strip():
        return "photo"     # "Fishermen mend nets at dawn [Xinhua]": a caption's credit
    return "paren"


class _Lines:
    """The first and last three non-blank lines of a text: enough to place a credit (_position)."""

    def __init__(self, text: str):
        self.head = self._walk(text, forward=True)
        self.tail = self._walk(text, forward=False)

    @staticmethod
    def _walk(text: str, forward: bool) -> List[int]:
        out: List[int] = []
        n = len(text)
        pos = 0 if forward else n
        while len(out) < 3 and (pos <= n if forward else pos >= 0):
            if forward:
                nl = text.find("\n", pos)
                nl = n if nl < 0 else nl
                if text[pos:nl].strip():
                    out.append(pos)
                pos = nl + 1
            else:
                start = text.rfind("\n", 0, pos) + 1
                if text[start:pos].strip():
                    out.append(start)
                pos = start - 1
        return out


def _position(lines: _Lines, line_start: int, at_eol: bool, kind: str) -> str:
    """Where a credit stood (POSITIONS), from its kind and its line's place among the text's lines."""
    if kind == "photo":
        return "photo"
    k = lines.head.index(line_start) if line_start in lines.head else 3
    from_end = lines.tail.index(line_start) if line_start in lines.tail else 3
    if kind == "dl" and k < 3:
        return "dateline"
    if kind == "line" and (from_end == 0 or (from_end < 3 and k > 0)):
        return "closing"
    if from_end == 0 and at_eol and kind in ("paren", "dl") and k > 0:
        return "closing"
    return "lead" if k == 0 else "body"


@lru_cache(maxsize=64)
def _analyse(text: str) -> _Analysis:
    return _analyse_uncached(text)


def clear_cache() -> None:
    """Forget the memoised analyses (benchmarks time attribute() from a cold cache)."""
    _analyse.cache_clear()


def _merged(spans, only_strip: bool) -> List[Tuple[int, int]]:
    out: List[List[int]] = []
    for sp in spans:
        if only_strip and not sp.strip:
            continue
        if out and sp.start < out[-1][1]:
            out[-1][1] = max(out[-1][1], sp.end)
        else:
            out.append([sp.start, sp.end])
    return [(a, b) for a, b in out]


# --------------------------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------------------------

def attribute(title: str, text: str) -> Attribution:
    """Agency credits found in a story's title and plain text (paragraphs separated by blank lines)."""
    title = title or ""
    text = text or ""
    names: List[str] = []
    credits: List[str] = []
    positions = set()
    for part in (title, text):
        if not part:
            continue
        a = _analyse(part)
        for _pos, canon in a.agencies:
            if canon not in names:
                names.append(canon)
        if not a.spans:
            continue
        for start, end in _merged(a.spans, only_strip=False):
            c = part[start:end].strip()
            if c and c not in credits:
                credits.append(c)
        # A credit in the title stands at the top of the story: "lead".
        positions.update(("lead",) if part is title else (sp.position for sp in a.spans))
    dateline = _analyse(text).dateline if text else None
    position = ",".join(p for p in POSITIONS if p in positions) if positions else None
    return Attribution(tuple(names), " | ".join(credits) if credits else None, dateline, position)


def credit_spans(text: str) -> List[Tuple[int, int]]:
    """Character spans of every credit line / credit phrase / dateline-with-credit in text, so that
    a near-duplicate detector can remove them before shingling. Sorted, non-overlapping."""
    if not text:
        return []
    return _merged(_analyse(text).spans, only_strip=True)


def strip_credits(text: str) -> str:
    """text with every credit_spans() span removed and whitespace tidied."""
    if not text:
        return ""
    out: List[str] = []
    pos = 0
    for start, end in credit_spans(text):
        out.append(text[pos:start])
        pos = end
        nxt = text[end:end + 1]
        if nxt and nxt in ".,;:!?)" and out and out[-1][-1:] in (" ", "\t"):
            out[-1] = out[-1].rstrip(" \t")
    out.append(text[pos:])
    lines = [_p.TIDY_SPACES.sub(" ", ln).strip() for ln in "".join(out).split("\n")]
    return _p.TIDY_LINES.sub("\n\n", "\n".join(lines)).strip()
