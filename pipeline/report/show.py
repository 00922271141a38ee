"""`wirefeed show OUTPUT ID`: one cluster in the terminal.

The cluster's origin first (the `clusters/` row's `origin_story_id` when provenance wrote one,
else the canonical story), then each other member by publication time: its outlet, headline,
lag behind the origin, the evidence of its link (`similarity`, `link_rule`, `containment`), what
provenance measured (`reprints/`: kept share, lead only, new headline, credit change), and what
it kept, cut and added sentence by sentence — the same alignment `reprints/` is computed with
(transforms/provenance: sentences split and normalised, datelines and credit lines set apart,
one-to-one alignment with near matches), an edited sentence shown as a word diff. Plain text,
no colours, no absolute paths, no fetch times: the same rows give the same lines.
"""
from __future__ import annotations

import difflib
import textwrap
from typing import Dict, List, Optional

from pipeline.report.model import changes, evidence_parts, format_lag
from pipeline.report.tables import REPRINT_COLUMNS, cluster_rows, provenance_rows
from transforms.provenance import align, copy_of_story
from transforms.records import Story

__all__ = ["SHOW_COLUMNS", "diff_texts", "render_cluster", "sentences", "show_cluster"]

SHOW_COLUMNS = ("story_id", "cluster_id", "duplicate_of", "similarity", "source_name", "url", "title",
                "text", "published", "language", "agencies", "agencies_inferred", "word_count")
MAX_LISTED = 3
WIDTH = 100


def sentences(text: str) -> List[str]:
    """The text's content sentences as provenance splits them (datelines, credit lines and
    boilerplate set apart)."""
    return list(copy_of_story(Story(text=text or "")).texts)


def diff_texts(origin: str, copy: str) -> dict:
    """What `copy` kept, cut and added of `origin`, by provenance's sentence alignment: `kept`
    origin sentences found in the copy (`verbatim` of them unchanged after normalising, the
    others `edited`: (before, after) pairs), `cut` and `added` sentences as written."""
    o, c = copy_of_story(Story(text=origin or "")), copy_of_story(Story(text=copy or ""))
    a = align(o.sentences, c.sentences)
    edited = [(o.texts[i], c.texts[j]) for j, i in sorted(a.matched.items(), key=lambda kv: kv[1])
              if o.sentences[i][0] != c.sentences[j][0]]
    return {"sentences": len(o.sentences), "kept": len(a.kept), "verbatim": len(a.kept) - len(edited),
            "edited": edited, "cut": [o.texts[i] for i in range(len(o.texts)) if i not in set(a.kept)],
            "added": [c.texts[j] for j in a.added]}


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


def render_cluster(rows: List[dict], measured: Optional[Dict[str, dict]] = None,
                   origin_id: Optional[str] = None) -> str:
    """The terminal view of one cluster's rows (canonical row first, as tables.cluster_rows
    returns them); `measured` its reprints/ rows by story id, `origin_id` the origin its
    clusters/ row names (default: the canonical row)."""
    measured = measured or {}
    origin: Optional[dict] = next((r for r in rows if r["story_id"] == origin_id), None) or (
        rows[0] if rows and rows[0].get("duplicate_of") is None else None)
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
            m = measured.get(row["story_id"])
            share = f" ({m['kept_share']:.0%})" if m and m.get("kept_share") is not None else ""
            if m and changes(m):
                lines.append(f"  changed:  {', '.join(changes(m))}")
            lines.append(f"  kept:     {d['kept']} of {d['sentences']} sentences{share}, {d['verbatim']} as they "
                         f"were, {len(d['edited'])} edited")
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
    rows = cluster_rows(output, ident, SHOW_COLUMNS)
    clusters, reprints = provenance_rows(output, rows[0]["cluster_id"], REPRINT_COLUMNS)
    origin = clusters[0]["origin_story_id"] if clusters else None
    return render_cluster(rows, {r["story_id"]: r for r in reprints}, origin)
