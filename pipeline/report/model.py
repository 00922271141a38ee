"""What the report shows, computed from a run's rows (tables.RunRows) as plain values.

`report_model(rows)` returns one dict that html.py renders and tests check: feed health (with
each feed's error from the dead letters and its outcomes in earlier runs), the run trend, the
distributions of the summary, dedupe clusters (sizes, the biggest with their copies), dead
letters grouped by stage and error, and the quality counters.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter, defaultdict
from typing import Dict, List, Optional

from pipeline.report.tables import RunRows

__all__ = ["BIGGEST_CLUSTERS", "DEAD_LETTER_EXAMPLES", "changes", "cluster_summary", "dead_letter_groups",
           "error_type", "feed_health", "format_lag", "report_model"]

BIGGEST_CLUSTERS = 10
DEAD_LETTER_EXAMPLES = 3
FEED_FETCH_STAGES = ("read", "fetch", "parse")


def error_type(error: Optional[str]) -> str:
    """'NotAFeed' of 'NotAFeed: not a feed: …'."""
    head = (error or "").split(":", 1)[0].strip()
    return head if head and " " not in head else "Error"


def evidence_parts(row: dict, rule_prefix: str = "") -> List[str]:
    """The link evidence of a duplicate row, as short phrases: similarity, containment and the
    rule that linked it (the page and `wirefeed show` word them alike)."""
    parts = []
    if row.get("similarity") is not None:
        parts.append(f"similarity {row['similarity']:.2f}")
    if row.get("containment") is not None:
        parts.append(f"containment {row['containment']:.2f}")
    if row.get("link_rule"):
        parts.append(f"{rule_prefix}{row['link_rule']}")
    return parts


def changes(row: dict) -> List[str]:
    """What a copy changed against its origin (a reprints/ row, or a copy dict carrying its
    columns), as short phrases: the page and `wirefeed show` word them alike."""
    parts = []
    if row.get("lead_only"):
        parts.append("lead only")
    if row.get("headline_changed"):
        parts.append("new headline")
    credit = row.get("credit_change")
    if credit and credit not in ("kept", "none"):
        parts.append(f"credit {credit}")
    if row.get("sentences_added"):
        parts.append(f"+{row['sentences_added']} sentence{'s' if row['sentences_added'] != 1 else ''}")
    if row.get("boilerplate_removed"):
        parts.append("boilerplate removed")
    return parts


def format_lag(seconds: Optional[float]) -> str:
    """'+1h20m', '-5m', '0m'; '' when unknown."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else "+"
    minutes = int(round(abs(seconds) / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days}d{hours:02d}h{mins:02d}m"
    elif hours:
        text = f"{hours}h{mins:02d}m"
    else:
        text = f"{mins}m"
    return ("" if minutes == 0 else sign) + text


def _iso(when: Optional[_dt.datetime]) -> str:
    return when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if when else ""


def feed_health(rows: RunRows) -> List[dict]:
    """One row per feed of the run: the summary's feed record, the first fetch/parse error of
    that feed from the dead letters, and its outcome in each earlier run of the history."""
    errors: Dict[str, str] = {}
    for d in rows.dead_letters:
        if d.get("stage") in FEED_FETCH_STAGES and not d.get("entry"):
            errors.setdefault(d.get("source") or "", d.get("error") or "")
    earlier = [{f["feed"]: f["outcome"] for f in (s.get("feeds") or [])} for s in rows.history[:-1]]
    out = []
    for feed in rows.summary.get("feeds") or []:
        rec = dict(feed)
        rec["error"] = errors.get(feed["feed"], "")
        rec["trend"] = [run.get(feed["feed"]) for run in earlier] + [feed["outcome"]]
        out.append(rec)
    out.sort(key=lambda r: ({"failed": 0, "not_modified": 2}.get(r["outcome"], 1), r["feed"]))
    return out


def _published_key(row: dict) -> tuple:
    return (row.get("published") is None,
            row.get("published") or _dt.datetime.min.replace(tzinfo=_dt.timezone.utc), row["story_id"])


def cluster_summary(rows: RunRows, biggest: int = BIGGEST_CLUSTERS) -> dict:
    """Dedupe as the run wrote it: cluster sizes (a canonical story and its duplicates of this
    run; a duplicate of an earlier run's story counts in a cluster whose canonical row is not
    this run's), and the biggest clusters with their origin and copies. The origin, the headline
    variants and what each copy kept come from the run's provenance rows (clusters/, reprints/)
    when it wrote them; else the canonical row is the origin."""
    canon = {s["story_id"]: s for s in rows.stories}
    members: Dict[str, List[dict]] = defaultdict(list)
    for d in rows.duplicates:
        members[d.get("cluster_id") or d.get("duplicate_of")].append(d)
    sizes = Counter()
    for sid in canon:
        sizes[1 + len(members.get(sid, ()))] += 1
    earlier = [cid for cid in members if cid not in canon]
    for cid in earlier:
        sizes[1 + len(members[cid])] += 1
    provenance = {c["cluster_id"]: c for c in rows.clusters}
    measured = {r["story_id"]: r for r in rows.reprints}
    clusters = []
    for cid, dups in members.items():
        cluster_row = provenance.get(cid) or {}
        written = ([canon[cid]] if cid in canon else []) + list(dups)
        origin = next((r for r in written if r["story_id"] == cluster_row.get("origin_story_id")), canon.get(cid))
        copies = sorted((r for r in written if r is not origin), key=_published_key)
        titles = {r.get("title") for r in written}
        titles.discard(None)
        variants = sorted(cluster_row.get("headlines") or [{"headline": t, "count": sum(
            1 for r in written if r.get("title") == t)} for t in titles], key=lambda h: (-h["count"], h["headline"]))
        base = (origin or {}).get("published")
        clusters.append({
            "cluster_id": cid,
            "size": 1 + len(dups),
            "origin": None if origin is None else {
                "story_id": origin["story_id"], "source_name": origin.get("source_name") or "",
                "title": origin.get("title") or "", "published": _iso(origin.get("published")),
                "agency": cluster_row.get("origin_agency") or ""},
            "origin_source_name": cluster_row.get("origin_source_name") or "",
            "outlets": len({r.get("source_name") for r in written}),
            "headlines": len(titles),
            "headline_variants": variants,
            "copies": [_copy(d, measured.get(d["story_id"]), base) for d in copies],
        })
    clusters.sort(key=lambda c: (-c["size"], c["cluster_id"]))
    return {"sizes": dict(sorted(sizes.items())), "clusters": len(canon) + len(earlier),
            "with_duplicates": len(members), "linked_to_earlier_runs": len(earlier),
            "duplicates_of_earlier_runs": sum(len(members[c]) for c in earlier),
            "biggest": clusters[:biggest]}


def _copy(row: dict, reprint: Optional[dict], base: Optional[_dt.datetime]) -> dict:
    """One copy of a cluster as the page lists it: its row, the evidence of its link and, when
    provenance measured it against the origin, what it kept and changed."""
    lag = (reprint or {}).get("lag_seconds")
    if lag is None and base and row.get("published"):
        lag = (row["published"] - base).total_seconds()
    r = reprint or {}
    return {"story_id": row["story_id"], "source_name": row.get("source_name") or "",
            "title": row.get("title") or "", "published": _iso(row.get("published")),
            "similarity": row.get("similarity"), "lag": format_lag(lag),
            "link_rule": row.get("link_rule"), "containment": row.get("containment"),
            "kept_share": r.get("kept_share"), "lead_only": r.get("lead_only"),
            "headline_changed": r.get("headline_changed"), "credit_change": r.get("credit_change"),
            "sentences_added": r.get("sentences_added"), "first_added_sentence": r.get("first_added_sentence")}


def dead_letter_groups(dead_letters: List[dict], examples: int = DEAD_LETTER_EXAMPLES) -> List[dict]:
    """Dead letters by (stage, error type), biggest group first, with a few examples each."""
    groups: Dict[tuple, List[dict]] = defaultdict(list)
    for d in dead_letters:
        groups[(d.get("stage") or "", error_type(d.get("error")))].append(d)
    out = []
    for (stage, kind), items in groups.items():
        items = sorted(items, key=lambda d: (d.get("source") or "", d.get("entry") or ""))
        out.append({"stage": stage, "error_type": kind, "count": len(items),
                    "examples": [{"source": d.get("source") or "", "entry": d.get("entry") or "",
                                  "error": (d.get("error") or "")[:300],
                                  "excerpt": (d.get("excerpt") or "")[:160]} for d in items[:examples]]})
    out.sort(key=lambda g: (-g["count"], g["stage"], g["error_type"]))
    return out


def report_model(rows: RunRows) -> dict:
    """Everything the page shows, from the run's rows."""
    s = rows.summary
    c = s.get("counts") or {}
    quality = dict(s.get("quality") or {})
    for key in ("bozo_feeds", "fetch_retries"):
        if c.get(key):
            quality.setdefault(key, c[key])
    by_outlet = s.get("by_outlet") or {}
    return {
        "run_id": s["run_id"], "runner": s.get("runner") or "", "mode": s.get("mode") or "batch",
        "started_at": s.get("started_at") or "", "finished_at": s.get("finished_at") or "",
        "attempt_of": s.get("attempt_of"),
        "counts": c,
        "feeds": feed_health(rows),
        "history": [{"run_id": h["run_id"], "finished_at": h.get("finished_at") or "",
                     **{k: (h.get("counts") or {}).get(k, 0) for k in (
                         "feeds_ok", "feeds_not_modified", "feeds_failed", "stories", "duplicates",
                         "already_seen", "dead_letters")}} for h in rows.history],
        "by_language": s.get("by_language") or {},
        "by_agency": s.get("by_agency") or {},
        "by_outlet": by_outlet,
        "dedupe": cluster_summary(rows),
        "dead_letters": dead_letter_groups(rows.dead_letters),
        "quality": quality,
        "permanent_redirects": s.get("permanent_redirects") or [],
        "discovered_feeds": s.get("discovered_feeds") or [],
    }
