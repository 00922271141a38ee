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

__all__ = ["AGENCIES", "Attribution", "attribute", "credit_spans", "strip_credits"]

AGENCIES: Tuple[str, ...] = (
    "Reuters", "AP", "AFP", "Xinhua", "TASS", "RIA Novosti", "Interfax", "dpa", "EFE", "ANSA",
    "Kyodo", "Yonhap", "PTI", "IANS", "ANI", "Anadolu", "UPI", "Bloomberg",
    "Sputnik", "KCNA", "IRNA", "Bernama", "Jiji", "Lusa", "Europa Press",
    "Agencies",
)


@dataclass(frozen=True)
class Attribution:
    agencies: Tuple[str, ...]     # canonical names, deduplicated, in order of first appearance
    credit: Optional[str]         # matched credit text(s), stripped, joined with " | "; None if none
    dateline: Optional[str]       # e.g. "MOSCOW" from "MOSCOW, Oct 7 (Reuters) -"; None if none


class _Hit(NamedTuple):
    start: int
    end: int
    canon: str
    cls: str


class _Span(NamedTuple):
    start: int
    end: int
    strip: bool


class _Analysis(NamedTuple):
    agencies: Tuple[Tuple[int, str], ...]    # (position, canonical) of every accepted credit
    spans: Tuple[_Span, ...]                 # accepted credit texts, sorted
    dateline: Optional[str]


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------

def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _find_hits(text: str) -> List[_Hit]:
    hits = []
    n = len(text)
    for m in _p.ANCHOR.finditer(text):
        s, e = m.span()
        if not _p.is_cjk(text[s]) and ((s and _is_word(text[s - 1])) or (e < n and _is_word(text[e]))):
            continue
        canon, cls = _p.SPELLING[m.group()]
        hits.append(_Hit(s, e, canon, cls))
    found = False
    for key in _p.GENERIC_KEYS:
        i = text.find(key)
        while i >= 0:
            m = _p.GENERIC.match(text, i)
            if m:
                s, e = m.span()
                if not ((s and _is_word(text[s - 1])) or (e < n and _is_word(text[e]))):
                    hits.append(_Hit(s, e, "Agencies", _p.GEN))
                    found = True
            i = text.find(key, i + 1)
    if found:
        hits.sort()
    for k, h in enumerate(hits):
        if h.cls == _p.GEN:          # "news agencies", "Wire agencies", "press agencies"
            pre = _p.GENERIC_PREFIX.search(text, max(0, h.start - 12), h.start)
            if pre:
                hits[k] = h._replace(start=pre.start())
    return hits


def _analyse_uncached(text: str) -> _Analysis:
    hits = _find_hits(text)
    agencies: List[Tuple[int, str]] = []
    spans: List[_Span] = []
    dl_credit: Optional[Tuple[int, str]] = None
    n = len(text)
    covered_to = -1            # hits before this position were consumed by an accepted credit

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
                spans.append(_Span(span[0], span[1], True))
                agencies.append((span[0], "Reuters"))
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
        result = None  # (span_start, span_end, strip, consumed_to)

        # 1. "(Reuters)", "[Xinhua]", "(AP Photo/John Smith)", "MOSCOW, Oct 7 (Reuters) -".
        if cls != _p.QUAL and before:
            op = max(before.rfind("("), before.rfind("["))
            if op >= 0 and s - (bstart + op) <= 80 and ")" not in before[op:] and "]" not in before[op:]:
                open_pos = bstart + op
                closer = ")" if text[open_pos] == "(" else "]"
                close_pos = text.find(closer, e, min(line_end, e + 100))
                if close_pos >= 0:
                    content = text[open_pos + 1:close_pos]
                    if _p.CREDIT_CONTENT.fullmatch(content):
                        result = paren_credit(text, hits, idx, open_pos, close_pos, content, line_start, line_end)
                        if result and result[3] is not None:
                            dl_credit = dl_credit or (result[0], result[3])
                        if result:
                            result = result[:3] + (close_pos + 1,)

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
                    result = (span_start, span_end, True, rest_end)
                elif _p.EOL_TAIL.match(text, rest_end, line_end):
                    result = (slash_pos, eol_end(text, rest_end, line_end), True, rest_end)
            if result is None and cls in (_p.FULL, _p.NAME, _p.VERB, _p.SHORT) and not photo_before(tail):
                m2 = _p.SLASH_PHOTO.match(text, e, line_end)
                if m2 and (cls != _p.SHORT or m2.group("photo")):
                    result = (s, m2.end(), True, e)
                else:
                    m2 = _p.VIA_GETTY.match(text, rest_end, line_end)
                    if m2:
                        result = (s, m2.end(), True, rest_end)

        # 3. Trailing "— AFP", "- Reuters", "| Reuters" at the end of a line.
        if result is None and cls != _p.QUAL and _p.EOL_TAIL.match(text, rest_end, line_end):
            if btrim.endswith(_p.DASHES):
                dash = btrim.rstrip("—–-|")
                if len(btrim) - len(dash) <= 2 and (not dash or dash[-1] in " \t"):
                    result = (bstart + len(dash), eol_end(text, rest_end, line_end), True, rest_end)

        # 4. A line that is only a credit: "Agencies", "By Reuters Staff", "Source: AP".
        if result is None and cls != _p.QUAL and s - line_start <= 40:
            if _p.CREDIT_LINE_BEFORE.fullmatch(text, line_start, s) and _p.CREDIT_LINE_AFTER.fullmatch(text, rest_end, line_end):
                ls = line_start + (len(text[line_start:s]) - len(text[line_start:s].lstrip()))
                result = (ls, eol_end(text, rest_end, line_end), True, rest_end)

        # 5. "Photo: Reuters", "Photograph: Jane Doe/AFP", "Photo by AFP".
        if result is None and cls != _p.QUAL:
            pb = photo_before(tail)
            if pb:
                m2 = _p.SLASH_PHOTO.match(text, rest_end, line_end)
                end = m2.end() if m2 else rest_end
                result = (tstart + pb.start(), end, True, rest_end)

        # 6. "Copyright 2024 The Associated Press. All rights reserved."
        if result is None and cls not in (_p.QUAL, _p.GEN) and _p.COPYRIGHT_GATE.search(tail):
            cb = _p.COPYRIGHT_BEFORE.search(tail)
            if cb:
                m2 = _p.COPYRIGHT_AFTER.match(text, rest_end, line_end)
                result = (tstart + cb.start(), m2.end(), True, rest_end)

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
                result = (span_start, end, True, rest_end)

        # 8. "AFP contributed to this report.", "Associated Press writer ... contributed to this report."
        if result is None and cls != _p.QUAL and "contributed" in after:
            m2 = _p.CONTRIB_AFTER.match(text, rest_end, line_end)
            if m2:
                sb = _p.SENTENCE_START.search(before)
                if sb:
                    ss = bstart + sb.start()
                    ss += len(text[ss:s]) - len(text[ss:s].lstrip(".!?\"”) \t"))
                    result = (ss, m2.end(), True, m2.end())

        # 9. Attribution phrases (stay in the body; not stripped).
        if result is None:
            result = attribution_phrase(text, h, tail, tstart, rest_end, line_end)

        # 10. Full names count wherever they are.
        if result is None and cls == _p.FULL:
            result = (s, e, False, e)

        if result is None:
            continue
        span_start, span_end, strip, consumed_to = result
        consumed_to = max(consumed_to, e)
        for x in hits[idx:]:
            if x.start >= consumed_to:
                break
            if (x.cls != _p.QUAL or x is h) and x.cls != _p.FOOTER:
                agencies.append((x.start, x.canon))
        covered_to = max(consumed_to, span_end if strip else consumed_to)
        spans.append(_Span(span_start, span_end, strip))

    dateline = dl_credit[1] if dl_credit else staff_dateline(text)
    agencies.sort(key=lambda a: a[0])
    spans.sort()
    return _Analysis(tuple(agencies), tuple(spans), dateline)


@lru_cache(maxsize=64)
def _analyse(text: str) -> _Analysis:
    return _analyse_uncached(text)


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
    for part in (title, text):
        if not part:
            continue
        a = _analyse(part)
        for _pos, canon in a.agencies:
            if canon not in names:
                names.append(canon)
        for start, end in _merged(a.spans, only_strip=False):
            c = part[start:end].strip()
            if c and c not in credits:
                credits.append(c)
    dateline = _analyse(text).dateline if text else None
    return Attribution(tuple(names), " | ".join(credits) if credits else None, dateline)


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
