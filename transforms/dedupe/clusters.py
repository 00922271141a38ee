"""What the streaming dedupe remembers per cluster for versions and provenance: plain Python
(no Beam), called by StreamDedupe's last keyed step (stream.py `_Clusters`, keyed by the decided
cluster root) and replayed by the benchmarks (`ClusterReplay`) after `shards.ShardedReplay`.

A cluster's memory (`ClusterMemory`) holds, per member of the dedupe window, its state row's
version columns (versions.state_columns) and its provenance Copy (transforms/provenance), as
"member" log records (an append-only BagState, compacted when members expire). It is seeded from
the remembered state rows whose root is the cluster (`seed_records`).

A decided story (`settle`): the versions rules against the versions its cluster knows
(versions.resolve_cluster: slug versions, stale; a new version of an identity linked to its
previous version gets link_rule VERSION) and the provenance rows of its cluster
(provenance.rows.cluster_rows against the members' copies, measured against the current origin;
when the story becomes the origin every member is measured again). Both return what its state row
needs (`columns`). A story seen again (`touch`): its columns from the memory, when known.

Limit: a story that merges two clusters is decided under the winner's root; the loser's members
stay under their own key, so the winner's versions and provenance rows do not see them (as
provenance's README says of merges).
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from transforms.dedupe.rules import label_id
from transforms.dedupe.state import parquet_row, redacted_row
from transforms.dedupe.versions import (
    VERSION_RULE,
    VersionInfo,
    info_of_row,
    resolve_cluster,
    state_columns,
)
from transforms.provenance.alignment import (
    Copy,
    copy_columns,
    copy_of_row,
    copy_of_story,
)
from transforms.provenance.rows import cluster_rows
from transforms.records import ProvenanceRow, Story

__all__ = ["VERSION_COLUMNS", "ClusterMemory", "ClusterReplay", "cluster_of", "complete_row", "group_by_root",
           "seed_records", "settle", "touch"]

VERSION_COLUMNS = ("guid", "canonical_url", "version", "version_of", "version_title", "version_feed",
                   "version_published", "version_sentences", "identity_id")


def cluster_of(story: Story) -> str:
    """The key of a decided story's cluster."""
    return story.cluster_id or story.story_id


def _row_seen(row: dict) -> float:
    return row["seen_at"].timestamp() if row.get("seen_at") is not None else 0.0


class ClusterMemory:
    """One cluster's members: sid -> [last seen, version columns, VersionInfo, Copy or None]."""

    def __init__(self):
        self.members: dict[str, list] = {}
        self.oldest = float("inf")
        self.newest = 0.0

    def __len__(self) -> int:
        return len(self.members)

    def apply(self, record: tuple) -> None:
        kind = record[0]
        if kind == "member":
            _, sid, seen, columns, copy = record
            info = info_of_row(dict(columns, story_id=sid))
            old = self.members.get(sid)
            seen = max(seen, old[0]) if old is not None else seen
            self.members[sid] = [seen, columns, info, copy]
        elif kind == "touch":
            _, sid, seen = record
            m = self.members.get(sid)
            if m is not None:
                m[0] = max(m[0], seen)
                seen = m[0]
        else:
            return
        self.oldest = min(self.oldest, seen)
        self.newest = max(self.newest, seen)

    def records(self) -> list[tuple]:
        return [("member", sid, m[0], m[1], m[3]) for sid, m in self.members.items()]

    def record_count(self) -> int:
        """len(self.records()), without building them."""
        return len(self.members)

    def expire(self, before: float) -> list[str]:
        """Forget the members last seen before `before`; returns their ids."""
        if self.oldest >= before:
            return []
        gone = [sid for sid, m in self.members.items() if m[0] < before]
        for sid in gone:
            del self.members[sid]
        self.oldest = min((m[0] for m in self.members.values()), default=float("inf"))
        return gone

    def known_versions(self, sid: str) -> list[VersionInfo]:
        return [m[2] for other, m in self.members.items() if other != sid]

    def copies(self, sid: str) -> list[Copy]:
        return [m[3] for other, m in sorted(self.members.items()) if other != sid and m[3] is not None]

    def columns(self, sid: str) -> dict | None:
        """The provenance and version columns of a member's state row (None: not a member)."""
        m = self.members.get(sid)
        if m is None:
            return None
        prov = copy_columns(m[3]) if m[3] is not None else {}
        return dict(prov, **m[1])


def complete_row(row: dict | None, columns: dict | None) -> dict | None:
    """A state row (provenance columns null, no version columns) with its cluster's columns, as
    a stream's delta file takes it (state.parquet_row: the packed columns as lists)."""
    if row is None or columns is None:
        return row
    return redacted_row(parquet_row(dict(row, **columns)))


def seed_records(row: dict) -> list[tuple]:
    """The log record that remembers a state row of an earlier run in its cluster's memory."""
    return [("member", row["story_id"], _row_seen(row), {k: row.get(k) for k in VERSION_COLUMNS},
             copy_of_row(row))]


def group_by_root(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Remembered state rows by the cluster their root key names (the key of their memory)."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(label_id(row["root_key"]), []).append(row)
    return out


def settle(memory: ClusterMemory, story: Story, exact_of: str | None, when: float, at: _dt.datetime,
           run_id: str = "") -> tuple[list[tuple], dict, list[ProvenanceRow]]:
    """A decided story in its cluster: sets version, previous_story_id, version_of, stale (and
    link_rule VERSION for a new version of an identity linked to its previous version); returns
    (log records, the provenance and version columns of its state row, its cluster's provenance
    rows)."""
    if exact_of is not None and story.previous_story_id == exact_of and story.linked_to == exact_of:
        story.link_rule = VERSION_RULE           # a new version of an identity (stream.identity_step)
    sid = story.story_id
    info = resolve_cluster([story], memory.known_versions(sid))[sid]
    versions = state_columns(story, info.sentences)
    copy = copy_of_story(story)
    rows = cluster_rows(cluster_of(story), [copy], memory.copies(sid), at, run_id)
    record = ("member", sid, float(when), versions, copy._replace(texts=(), remembered=True, disposition=""))
    memory.apply(record)
    return [record], memory.columns(sid), rows


def touch(memory: ClusterMemory, sid: str, when: float, every: float = 0.0) -> tuple[list[tuple], dict | None]:
    """A story seen again: (log records, its state row's provenance and version columns, or None
    when the memory does not know it). Its last-seen time moves (and is logged) only when it moved
    by `every` seconds or more, as the shards log their touches: a story re-polled every few
    minutes adds a record per `every`, not per poll."""
    m = memory.members.get(sid)
    if m is None:
        return [], None
    if when - m[0] < every:
        return [], memory.columns(sid)
    record = ("touch", sid, float(when))
    memory.apply(record)
    return [record], memory.columns(sid)


class ClusterReplay:
    """The `_Clusters` step without Beam: a memory per cluster (seeded from `remembered` state
    rows on first use), fed the stories ShardedReplay decides, in order."""

    def __init__(self, window_s: float = 7 * 86400.0, remembered: Iterable[dict] = (), run_id: str = ""):
        self.window_s, self.run_id = window_s, run_id
        self.touch_every = min(3600.0, window_s / 20)        # as _Clusters
        self.memories: dict[str, ClusterMemory] = {}
        self.seeds = group_by_root(remembered)
        self.rows: list[ProvenanceRow] = []

    def memory(self, key: str, when: float) -> ClusterMemory:
        memory = self.memories.get(key)
        if memory is None:
            memory = self.memories[key] = ClusterMemory()
            for row in self.seeds.get(key, ()):
                if when - _row_seen(row) <= self.window_s:
                    for record in seed_records(row):
                        memory.apply(record)
        memory.expire(when - self.window_s)
        return memory

    def settle(self, story: Story, exact_of: str | None, when: float,
               at: _dt.datetime | None = None) -> tuple[dict, list[ProvenanceRow]]:
        at = at or story.fetched_at or _dt.datetime.fromtimestamp(when, _dt.UTC)
        _, columns, rows = settle(self.memory(cluster_of(story), when), story, exact_of, when, at, self.run_id)
        self.rows += rows
        return columns, rows

    def touch(self, story: Story, when: float) -> dict | None:
        return touch(self.memory(cluster_of(story), when), story.story_id, when, self.touch_every)[1]
