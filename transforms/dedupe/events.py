"""Cluster events: later changes to clusters whose rows are already written, in both modes.

Rows are written once. When a cluster changes after its rows were written, the change is a row
of the `cluster_events` table instead, which a reader applies:

- `merged`: a new story linked two clusters; `cluster_id` now belongs to `target` (follow
  merged events transitively to a cluster's current id);
- `origin`: a new member ranks before the cluster's canonical story by the batch order without
  the earlier-run precedence (the agency's own item first, then the earliest published), so it
  is the cluster's origin now: `target` is that story, `origin_rank` its rank; of several
  origin events of a cluster (after merges: of the clusters merged into it) the smallest
  `origin_rank` names the origin. Reasons: `agency_item` (the agency's own item arrived after
  its reprint) or `earlier_published`.

Plain Python: the batch graph (transforms/dedupe/batch.py, per component) and the streaming
index (transforms/dedupe/stream.py, per arrival) call the same functions.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterable, List, Optional

from transforms.records import ClusterEvent

MERGED = "merged"
ORIGIN = "origin"
AGENCY_ITEM = "agency_item"
EARLIER_PUBLISHED = "earlier_published"
MERGE = "merge"

__all__ = ["ClusterEvent", "best_origin_events", "current_clusters", "merge_events", "origin_change",
           "origin_event", "origin_rank"]


def origin_rank(label: str) -> str:
    """The part of an order key (exact.order_key, or a frozen root key of the state) that ranks
    origins: agency's own item first ('0'), then the earliest published."""
    parts = label.split("|")
    return "|".join(parts[1:3]) if len(parts) >= 3 else "|"


def origin_event(cluster_id: str, current_label: str, member_label: str, story_id: str,
                 at: _dt.datetime, run_id: str = "") -> Optional[ClusterEvent]:
    """An ORIGIN event when `member_label` (a new member) ranks before `current_label` (the
    cluster's canonical or current origin), else None."""
    return origin_change(cluster_id, origin_rank(current_label), member_label, story_id, at, run_id)


def origin_change(cluster_id: str, current_rank: str, member_label: str, story_id: str,
                  at: _dt.datetime, run_id: str = "") -> Optional[ClusterEvent]:
    """`origin_event` against the rank of the cluster's current origin."""
    new, old = origin_rank(member_label), current_rank
    if new >= old:
        return None
    reason = AGENCY_ITEM if new.startswith("0|") and not old.startswith("0|") else EARLIER_PUBLISHED
    return ClusterEvent(cluster_id, ORIGIN, story_id, story_id, reason, new, at, run_id)


def merge_events(winner: str, others: Iterable[str], story_id: str, at: _dt.datetime,
                 run_id: str = "") -> List[ClusterEvent]:
    """MERGED events: every cluster in `others` now belongs to `winner`."""
    return [ClusterEvent(other, MERGED, winner, story_id, MERGE, None, at, run_id)
            for other in sorted(set(others)) if other != winner]


def best_origin_events(events: Iterable[ClusterEvent]) -> List[ClusterEvent]:
    """Of several ORIGIN events of one cluster, the one with the smallest rank (then story id);
    MERGED events pass unchanged."""
    best, out = {}, []
    for e in events:
        if e.event != ORIGIN:
            out.append(e)
            continue
        key = (e.origin_rank or "", e.target)
        if e.cluster_id not in best or key < (best[e.cluster_id].origin_rank or "", best[e.cluster_id].target):
            best[e.cluster_id] = e
    return out + [best[c] for c in sorted(best)]


def current_clusters(events) -> dict:
    """Applies cluster events (ClusterEvent records, or rows of the cluster_events table as
    dicts): cluster_id -> (its current cluster id, that cluster's origin story id or None when
    no origin event names one, so the canonical story's row stands), for every cluster named in
    an event. Merges are followed transitively; of several origins the smallest rank wins."""
    def get(e, name):
        return e[name] if isinstance(e, dict) else getattr(e, name)
    events = list(events)
    merged = {get(e, "cluster_id"): get(e, "target") for e in events if get(e, "event") == MERGED}

    def find(cluster):
        seen = set()
        while cluster in merged and cluster not in seen:
            seen.add(cluster)
            cluster = merged[cluster]
        return cluster
    origins: dict = {}
    for e in events:
        if get(e, "event") == ORIGIN:
            cluster, key = find(get(e, "cluster_id")), (get(e, "origin_rank") or "", get(e, "target"))
            if cluster not in origins or key < origins[cluster]:
                origins[cluster] = key
    named = {get(e, "cluster_id") for e in events} | set(merged.values())
    return {c: (find(c), origins.get(find(c), (None, None))[1]) for c in sorted(named)}
