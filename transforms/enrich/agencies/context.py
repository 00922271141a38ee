"""Context judges for agency mentions: credit parentheses, attribution phrases, footers, datelines.

Used by transforms/enrich/agencies/attribution.py, which finds the mentions; each function here decides, from the
text around one mention, whether and where it is a credit.
"""
from __future__ import annotations

from typing import Optional, Tuple

from transforms.enrich.agencies import patterns as _p

__all__ = ["attribution_phrase", "eol_end", "footer", "paren_credit", "photo_before", "place_ok",
           "staff_dateline"]


def _is_abbreviation(text: str, line_start: int, open_pos: int, acronym: str) -> bool:
    """'Unified Payments Interface (UPI)': the words before the parenthesis spell the acronym."""
    words = [w for w in _p.ABBR_WORDS.findall(text[max(line_start, open_pos - 120):open_pos])
             if w not in _p.ABBR_SKIP]
    k = len(acronym)
    if len(words) < k:
        return False
    return "".join(w[0] for w in words[-k:]).upper() == acronym.upper()


def footer(text: str, s: int, line_start: int, line_end: int) -> Optional[Tuple[int, int]]:
    """'(Reporting by ...; Editing by ...)' and 'Our Standards: The Thomson Reuters Trust Principles.'"""
    if text.startswith("Our", s):
        m = _p.TRUST.match(text, s, line_end)
        return m.span() if m else None
    prefix = text[line_start:s].rstrip(" \t")
    if prefix.endswith("("):
        close = text.find(")", s, line_end)
        return (line_start + len(prefix) - 1, close + 1) if close >= 0 else None
    if not prefix and _p.EDITING.search(text, s, line_end):
        return (s, eol_end(text, s, line_end))
    return None


def eol_end(text: str, pos: int, line_end: int) -> int:
    """End of a credit that runs to the end of its line: include a final '.', drop trailing space."""
    seg = text[pos:line_end]
    stripped = seg.rstrip(" \t\r")
    return pos + len(stripped)


def photo_before(tail: str):
    """A photo credit ("Photo:", "Foto:", "图片来源" …) just before an agency name, or None."""
    return _p.PHOTO_BEFORE.search(tail) if _p.PHOTO_GATE.search(tail) else None


def place_ok(place: str) -> bool:
    """Whether the words before a credit can be a dateline's place (mostly letters, short)."""
    letters = sum(ch.isalpha() for ch in place)
    return letters >= 2 and place.upper() not in _p.DL_STOP and place.split()[0].upper() not in _p.DL_STOP


def paren_credit(text, hits, idx, open_pos, close_pos, content, line_start, line_end):
    """A credit in parentheses/brackets; returns (start, end, strip, dateline-or-None) or None."""
    inner = content.strip(" \t.")
    h = hits[idx]
    single = (text[h.start:h.end] == inner
              and (idx + 1 == len(hits) or hits[idx + 1].start >= close_pos))
    prefix = text[line_start:open_pos]
    after_close = text[close_pos + 1:line_end]
    if single and _p.ACRONYM.fullmatch(inner):
        if _is_abbreviation(text, line_start, open_pos, inner):
            return None
        # A lone acronym in parentheses is a credit only where credits go: at the start of a
        # line or after a dateline, at the end of a line or sentence, or before a separator.
        at_start = not prefix.strip() or bool(_p.DL_PREFIX.fullmatch(prefix))
        at_end = bool(_p.EOL_TAIL.match(after_close)) or bool(_p.SEP_SPACE.match(after_close))
        after_sentence = prefix.rstrip().endswith((".", "!", "?", "\"", "”", ":"))
        if not (at_start or at_end or after_sentence):
            return None
    start, end = open_pos, close_pos + 1
    place = None
    plain = text[open_pos] == "(" and _p.PLAIN_NAMES.fullmatch(content) is not None
    if plain:
        sep = _p.SEP_AFTER.match(text, end, line_end)
        if not prefix.strip():
            if sep:
                end = sep.end()
        else:
            dl = _p.DL_PREFIX.fullmatch(prefix)
            if dl and place_ok(dl.group("place")):
                p = dl.group("place")
                uc = not any(ch.islower() for ch in p)
                if uc or dl.group("date") or _p.SEP_SPACE.match(after_close):
                    place = p
                    start = line_start + dl.start("place")
                    if sep:
                        end = sep.end()
    if place is None and start == open_pos:
        # "... until December 4. — (IANS)": the dash belongs to the credit.
        lead = prefix.rstrip(" \t")
        if lead.endswith(_p.DASHES) and _p.EOL_TAIL.match(after_close):
            dash = lead.rstrip("—–-|")
            if len(lead) - len(dash) <= 2 and (not dash or dash[-1] in " \t"):
                start = line_start + len(dash)
    return (start, end, True, place)


def attribution_phrase(text, h, before, bstart, rest_end, line_end):
    """An in-text attribution ("told Reuters", "Xinhua reported", "the news agency PTI") around
    hit `h`; the judged span and its class, or None."""
    s, e, canon, cls = h
    if cls == _p.GEN and text[s:e].lower() in _p.BARE_GENERIC:
        # Bare "agencies" (intelligence agencies, federal agencies ...) only as "according to agencies".
        m = _p.BARE_AGENCIES_BEFORE.search(before)
        return (bstart + m.start(), e, False, e) if m and not _p.GENERIC_QUALIFIED.match(text, e, line_end) else None
    if _p.is_cjk(text[s]):
        # 据路透社报道, ロイターが報じた, 로이터에 따르면.
        m = _p.CJK_ATTR_AFTER.match(text, rest_end, line_end)
        if m:
            return (s, m.end(), False, rest_end)
        m = _p.CJK_ATTR_BEFORE.search(before[-8:])
        return (s, rest_end, False, rest_end) if m else None
    qual_before = _p.QUAL_BEFORE.search(before) if _p.QUAL_GATE.search(before) else None
    qual_after = _p.QUAL_AFTER.match(text, rest_end, line_end)
    elided = before.endswith(("l'", "l’")) and _p.FRENCH_AFP.search(before)   # "selon l'AP"
    qualified = bool(qual_before or qual_after or elided)
    if cls in (_p.SHORT, _p.QUAL) and not qualified:
        return None
    start, end = s, rest_end
    ok = qualified
    if qual_before:
        start = bstart + qual_before.start()
    if qual_after:
        end = qual_after.end()
    ab = _p.ATTR_BEFORE.search(before)
    if ab and cls != _p.VERB:
        start = min(start, bstart + ab.start())
        ok = True
        an = _p.ATTR_NOUN.match(text, rest_end, line_end)
        if an:
            end = max(end, an.end())
    elif before.endswith(("l'", "l’")) and _p.FRENCH_AFP.search(before):
        start = bstart + _p.FRENCH_AFP.search(before).start()
        ok = True
    aa = _p.ATTR_AFTER.match(text, rest_end, line_end)
    if aa:
        verb = aa.group("verb")
        quiet = verb in _p.QUIET_VERBS or verb.startswith("was")
        if cls == _p.VERB:
            quiet = verb in ("reported", "reports")
        if quiet or qualified or aa.group("qual") or cls == _p.GEN:
            end = max(end, aa.end())
            ok = True
    if not ok and cls in (_p.NAME,):
        an = _p.ATTR_NOUN.match(text, rest_end, line_end)
        if an:
            end = an.end()
            ok = True
    if not ok:
        return None
    return (start, end, False, rest_end)


def staff_dateline(text: str) -> Optional[str]:
    """'LONDON —' at the start of one of the first few paragraphs (no agency credit)."""
    pos, seen, n = 0, 0, len(text)
    while pos < n and seen < 3:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        if text[pos:nl].strip():
            seen += 1
            m = _p.DL_STAFF.match(text, pos, nl)
            if m and place_ok(m.group("place")):
                return m.group("place")
        pos = nl + 1
    return None
