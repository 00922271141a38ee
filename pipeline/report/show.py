"""`wirefeed show OUTPUT ID`: one cluster in the terminal.

The canonical story (the cluster's origin) first, then each duplicate by publication time: its
outlet, headline, lag behind the origin, the evidence of its link (the `similarity` column, and
`link_rule` / `containment` when the rows carry them), and what it kept, cut and added — a
sentence-level diff of its text against the origin's (difflib), with the share of the origin's
words it kept. Plain text, no colours, no absolute paths, no fetch times: the same rows give
the same lines.
"""
from __future__ import annotations

import difflib
import re
import textwrap
from typing import List, Optional

from pipeline.report.model import evidence_parts, format_lag
from pipeline.report.tables import cluster_rows

__all__ = ["SHOW_COLUMNS", "diff_texts", "render_cluster", "sentences", "show_cluster"]

SHOW_COLUMNS = ("story_id", "cluster_id", "duplicate_of", "similarity", "source_name", "url", "title",
                "text", "published", "language", "agencies", "agencies_inferred", "word_count")
# A sentence ends at . ! ? followed by space and a capital (so "Nov. 27" and "U.S. dollars"
# stay whole), at CJK full stops, and at line breaks.
_SENTENCE = re.compile(r"(?<=[.!?][\"'”’»)])\s+(?=[\"'“‘«(\[]?[^\W\d_a-z])|(?<=[.!?])\s+(?=[\"'“‘«(\[]?[^\W\d_a-z])"
                       r"|(?<=[。！？])|\n+")
EDITED = 0.6   # word-level similarity from which a changed sentence counts as edited, not cut + added
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_LISTED = 3
WIDTH = 100


def sentences(text: str) -> List[str]:
    """The text's sentences (and paragraphs), stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


def _norm(sentence: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(sentence))


def diff_texts(origin: str, copy: str) -> dict:
    """What `copy` kept, cut and added of `origin`: sentences matched after normalising case,
    punctuation and spacing; `kept_words` the share of the origin's words found in matching
    runs of the copy's words (word-level difflib)."""
    a, b = sentences(origin), sentences(copy)
    sm = difflib.SequenceMatcher(None, [_norm(s) for s in a], [_norm(s) for s in b], autojunk=False)
    kept, cut, added, edited = 0, [], [], []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            kept += i2 - i1
            continue
        gone, new = list(a[i1:i2]), list(b[j1:j2])
        for s in list(gone):      # a sentence reworded rather than replaced
            words = _norm(s).split()
            scored = [(difflib.SequenceMatcher(None, words, _norm(t).split(), autojunk=False).ratio(), t)
                      for t in new]
            best = max(scored, key=lambda x: x[0], default=(0.0, None))
            if best[0] >= EDITED:
                edited.append((s, best[1]))
                gone.remove(s)
                new.remove(best[1])
        cut.extend(gone)
        added.extend(new)
    wa = [w.lower() for w in _WORD.findall(origin or "")]
    wb = [w.lower() for w in _WORD.findall(copy or "")]
    words = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    matched = sum(block.size for block in words.get_matching_blocks())
    return {"sentences": len(a), "kept": kept, "edited": edited, "cut": cut, "added": added,
            "kept_words": matched / len(wa) if wa else 0.0}


def _changed_words(before: str, after: str) -> str:
    """A word-level diff of one edited sentence: [-cut-] {+added+}, unchanged words between."""
    a, b = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2] if i2 - i1 <= 6 else a[i1:i1 + 3] + ["…"] + a[i2 - 2:i2])
        else:
            if i2 > i1:
                out.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def _clip(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def _when(row) -> str:
    p = row.get("published")
    return p.strftime("%Y-%m-%d %H:%M UTC") if p else "no date"


def _agencies(row) -> str:
    credited, inferred = list(row.get("agencies") or []), list(row.get("agencies_inferred") or [])
    parts = ([", ".join(credited)] if credited else []) + ([f"inferred {', '.join(inferred)}"] if inferred else [])
    return "; ".join(parts) or "none"


def _evidence(row) -> str:
    return ", ".join(evidence_parts(row, rule_prefix="rule ")) or "no evidence recorded"


def _wrap(prefix: str, text: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix)) or [prefix]


def render_cluster(rows: List[dict]) -> str:
    """The terminal view of one cluster's rows (canonical row first, as tables.cluster_rows
    returns them)."""
    origin: Optional[dict] = rows[0] if rows and rows[0].get("duplicate_of") is None else None
    copies = [r for r in rows if r is not origin]
    cid = rows[0]["cluster_id"]
    outlets = {r.get("source_name") for r in rows}
    headlines = {r.get("title") for r in rows}
    lines = [f"cluster {cid}: {len(rows)} copies, {len(outlets)} outlets, {len(headlines)} headlines", ""]
    if origin is None:
        lines += [f"origin  {cid} (not found in this output)", ""]
    else:
        lines += [f"origin  {origin['story_id']}  {origin.get('source_name') or '(no name)'}  {_when(origin)}  "
                  f"[{origin.get('language') or 'und'}]",
                  *_wrap("  title:    ", origin.get("title") or ""),
                  f"  url:      {origin.get('url') or ''}",
                  f"  agencies: {_agencies(origin)}",
                  f"  text:     {len(sentences(origin.get('text') or ''))} sentences, "
                  f"{origin.get('word_count') or 0} words", ""]
    for n, row in enumerate(copies, 1):
        base = origin.get("published") if origin else None
        lag = format_lag((row["published"] - base).total_seconds()) if base and row.get("published") else ""
        lines.append(f"copy {n}/{len(copies)}  {row['story_id']}  {row.get('source_name') or '(no name)'}  "
                     f"{_when(row)}" + (f"  lag {lag or '0m'}" if base and row.get("published") else "")
                     + f"  [{row.get('language') or 'und'}]")
        lines.append(f"  link:     {_evidence(row)} -> {row.get('duplicate_of') or cid}")
        same = origin is not None and (row.get("title") or "") == (origin.get("title") or "")
        lines += _wrap("  title:    ", (row.get("title") or "") + ("  (same headline)" if same else ""))
        lines.append(f"  url:      {row.get('url') or ''}")
        lines.append(f"  agencies: {_agencies(row)}")
        if origin is not None:
            d = diff_texts(origin.get("text") or "", row.get("text") or "")
            lines.append(f"  kept:     {d['kept']} of {d['sentences']} sentences as they were, "
                         f"{len(d['edited'])} edited; {d['kept_words']:.0%} of the origin's words")
            for before, after in d["edited"][:MAX_LISTED]:
                lines += _wrap("    ~ ", _clip(_changed_words(before, after)))
            if len(d["edited"]) > MAX_LISTED:
                lines.append(f"    … {len(d['edited']) - MAX_LISTED} more edited")
            for label, items in (("cut", d["cut"]), ("added", d["added"])):
                if not items:
                    lines.append(f"  {label + ':':<9} nothing")
                    continue
                lines.append(f"  {label + ':':<9} {len(items)} sentence{'s' if len(items) != 1 else ''}")
                for s in items[:MAX_LISTED]:
                    lines += _wrap("    " + ("- " if label == "cut" else "+ "), _clip(s))
                if len(items) > MAX_LISTED:
                    lines.append(f"    … {len(items) - MAX_LISTED} more")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def show_cluster(output: str, ident: str) -> str:
    """The view of the cluster `ident` names (a cluster id or any member's story id), from every
    run's rows in OUTPUT; tables.RunNotFound when no row has that id."""
    return render_cluster(cluster_rows(output, ident, SHOW_COLUMNS))
