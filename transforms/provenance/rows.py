"""A cluster's provenance rows from its members: the clusters/ row and the reprints/ rows.

Plain Python, no Beam: the batch Provenance transform (batch.py) calls `cluster_rows` once per
cluster touched by the run, the streaming dedupe's cluster step (transforms/dedupe/clusters.py) on
every decided story.

The members are the run's new copies and the copies remembered from earlier runs (state rows
with the provenance columns, or a stream's cluster memory). The origin is the agency's own item when the
cluster has one, else the earliest published (alignment.choose_origin). Each new copy other than
the origin gets a reprint row; when the origin itself is new (an agency item arriving after its
reprints were written) the remembered copies are measured again against it, so a reader that
keeps the newest row per story (`updated_at`) sees every copy against the current origin.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from transforms.provenance.alignment import Copy, choose_origin, cluster_row, measure
from transforms.records import ProvenanceRow

__all__ = ["cluster_of_row", "cluster_rows"]


def cluster_of_row(row: dict) -> str:
    """The cluster of a remembered state row: the story id its root key (an order key, see
    transforms/dedupe/rules.py order_key) ends with."""
    return row["root_key"].rsplit("|", 1)[1]


def cluster_rows(cluster_id: str, new: Iterable[Copy], remembered: Iterable[Copy | None],
                 at: _dt.datetime, run_id: str = "") -> list[ProvenanceRow]:
    """The provenance rows of one cluster (see the module docstring); none without a new copy."""
    new = sorted(new, key=lambda c: c.story_id)
    if not new:
        return []
    ids = {c.story_id for c in new}
    old = sorted((c for c in remembered if c is not None and c.story_id not in ids), key=lambda c: c.story_id)
    members = new + old
    origin = choose_origin(members)
    stamp = {"updated_at": at, "run_id": run_id}
    out = [ProvenanceRow("clusters", dict(cluster_row(cluster_id, members, origin, at), run_id=run_id))]
    again = old if not origin.remembered else []
    for copy in new + again:
        if copy.story_id != origin.story_id:
            out.append(ProvenanceRow("reprints", dict(measure(origin, copy, cluster_id), **stamp)))
    return out
