"""StreamDedupe: exact and near-duplicate dedupe while streaming, decided on arrival.

    Story ─Identity (state keyed by story_id)─► first sighting | re-poll (already seen) | exact copy
          ─Fingerprint (state keyed by feed)─► shingles without the feed's boilerplate
          ─NearDuplicates (state keyed by language)─► canonical | duplicate (duplicate_of, similarity)

Every story that goes in comes out once, with its disposition, in the global window.

Identity, keyed by `story_id` (canonical URL, else guid, else title + date): the first sighting
keeps the id. The same feed delivering it again (the next poll) makes it ALREADY_SEEN (counted,
not written — the batch pipeline's cross-run rule). Another feed delivering the same id makes an
exact copy: a derived id exactly as the batch ExactIdentity derives it, a DUPLICATE of the first.

Fingerprint, keyed by feed: the batch pipeline removes paragraphs a feed repeats in two or more
of its stories (site chrome) before shingling; here each feed remembers the paragraph hashes of
its last FEED_MEMORY stories, so the same paragraphs are removed (from the second story on).

NearDuplicates, keyed by language (a reprint has its original's language): an index of the
stories of the dedupe window — bottom-k sketch, LSH keys, content key, facts, first- and
last-seen times, cluster root. A new story looks its keys up and verifies the candidates with
the batch decision core (`rules.verify`: containment both ways, the same-feed rule) and joins
the cluster of the earliest-seen root it matches (an earlier run's story ranks first, as in
batch), else starts its own. At a language's first story the index is seeded from the state
(the current generation and the stream deltas after it), and each decision leaves a state row
in the output, committed with the story's row (transforms/write/units.py).

Later changes are written, not lost (events.py, the same rules as batch): a story that matches
two clusters merges them (a `merged` event; the cluster's later members carry the winner's
id), and a member that ranks before its cluster's origin (the agency's own item arriving after
its reprint, or an earlier publication) makes an `origin` event. Rows already written are never
rewritten: a reader applies the events (README, "Cluster events").

Time and memory. "Now" is the fetch time of the arriving story (wall clock at the poll). An
entry seen last more than `window_days` before it is ignored on arrival (correctness) and
removed when the language's newest fetch time has moved past it. Event-time timers only free
memory: a timer callback removes entries older than max(newest fetch time seen,
min(timer time, wall clock)) minus the window, so a timer that fires early (the FnApiRunner
fires event-time timers after every bundle) removes nothing that is still live.

Differences from the batch Dedupe (also in docs/streaming.md):
- the row of the first story to arrive says canonical; when the agency's own item or an earlier
  publication arrives later, an `origin` event names it (batch orders a run's stories first);
- `agencies_inferred` comes from the cluster as known on arrival (later agency items of the
  cluster do not update rows already written);
- remembered stories are compared through their bottom-k sketch (as batch cross-run state is);
- versions (versions.py): a new version of an identity is found by the Identity step (its entry
  keeps each version's sentence hashes) and joins its previous version's cluster; slug versions
  and `stale` are decided on arrival against the versions the cluster knows then (batch decides
  a run's stories together), so a reprint that arrives before the newer version is not stale.
"""
from __future__ import annotations

import datetime as _dt
import time
import uuid
import zlib
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.transforms import userstate
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from transforms.clean.stories import stable_id
from transforms.coders import STATE_CODER
from transforms.clean.text import normalize_for_hash
from transforms.dedupe.events import merge_events, origin_change, origin_rank
from transforms.dedupe.exact import label_id, order_key
from transforms.dedupe.fingerprint import CONTAINMENT, shingles, without_paragraphs
from transforms.dedupe.index import NearDuplicateIndex
from transforms.dedupe.state import PROVENANCE_COLUMNS, frozen_root, redacted_row, remembered_rows
from transforms.dedupe.versions import (VERSION_RULE, chains_by_identity, identity_version, info_of_row, info_of_story,
                                        resolve_cluster, state_columns)
from transforms.provenance.alignment import copy_columns, copy_of_row, copy_of_story
from transforms.provenance.rows import cluster_rows
from transforms.records import (ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, ClusterEvent, ProvenanceRow, Story,
                                safe_language)

__all__ = ["StreamDedupe", "NearDuplicateIndex", "StreamIndex", "identity_step", "remembered_snapshot"]

FEED_MEMORY = 64          # stories per feed whose paragraphs are remembered (boilerplate)
DAY = 86400.0


def epoch(when: Optional[_dt.datetime]) -> float:
    return when.timestamp() if when is not None else time.time()


# --------------------------------------------------------------------------- what earlier runs remember

_SNAPSHOTS: Dict[Tuple[str, str], dict] = {}


def remembered_snapshot(state_dir: Optional[str], token: str = "") -> dict:
    """story_id -> state row (sketch as a uint32 array) of the current generation and the deltas
    after it, read once per worker and stream (`token`): what the stream remembers at start.
    Beam state takes over from there (rows this stream commits are in its keyed state)."""
    if not state_dir:
        return {}
    key = (state_dir, token)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        snapshot = remembered_rows(state_dir)
        for row in snapshot.values():
            row["sketch"] = np.asarray(row["sketch"] or [], dtype=np.uint32)
        for old in [k for k in _SNAPSHOTS if k[0] == state_dir]:
            del _SNAPSHOTS[old]                # one stream per output at a time (the lock)
        _SNAPSHOTS[key] = snapshot
    return snapshot


def _row_seen(row: dict) -> float:
    return row["seen_at"].timestamp() if row.get("seen_at") is not None else 0.0


def cleanup_reference(newest_seen: float, timer_time: float, wall: Optional[float] = None) -> float:
    """The 'now' a cleanup timer may expire against: never later than the wall clock, so an
    early-fired timer cannot remove entries that are still inside the window."""
    wall = time.time() if wall is None else wall
    return max(newest_seen, min(timer_time, wall))


# --------------------------------------------------------------------------- identity

def identity_step(entry: Optional[dict], story: Story, window_s: float,
                  remembered: Optional[dict] = None, versions: Optional[list] = None
                  ) -> Tuple[dict, Story, Optional[str], bool]:
    """One arrival at the identity state of `story.story_id`.

    Returns (new entry, story, exact_of, expired): `story` carries its (possibly derived) id
    and, for a re-poll, disposition ALREADY_SEEN; `exact_of` is the first sighting's id when
    the story is an exact copy from another feed (or a second entry of the same feed); `expired`
    says an entry existed but had left the window (it is forgotten). `remembered` is the state
    row of this id from earlier runs (batch or stream), if any: within the window, every arrival
    of the id is ALREADY_SEEN, as the batch pipeline decides across runs.

    Versions (versions.identity_version, as batch decides them): the entry keeps what each
    version of the id said (`versions`: the state rows' versions of the id when remembered);
    other content is a new version, returned with its new id and `exact_of` = the previous
    version, and the same content as a known version is that version seen again."""
    head = story.story_id
    fetched = epoch(story.fetched_at)
    expired = False
    if entry is not None and fetched - entry["seen"] > window_s:
        entry, expired = None, True
    if entry is None and remembered is not None and fetched - _row_seen(remembered) <= window_s:
        entry = {"seen": fetched, "first": _row_seen(remembered), "ids": {head}, "feeds": {}, "remembered": True,
                 "versions": list(versions or ())}
    matched = None
    if entry is not None and entry.get("versions"):
        matched = identity_version(story, entry["versions"])
        if matched is None and story.previous_story_id is not None:       # a new version
            entry["seen"] = max(entry["seen"], fetched)
            entry["versions"].append(info_of_story(story))
            entry["ids"].add(story.story_id)
            return entry, story, story.previous_story_id, expired
    if entry is not None and entry.get("remembered"):
        entry["seen"] = max(entry["seen"], fetched)
        story.disposition = ALREADY_SEEN
        story.story_id = matched.story_id if matched is not None else head
        return entry, story, None, expired
    if entry is None:
        entry = {"seen": fetched, "first": fetched, "ids": {head},
                 "feeds": {story.feed_url: {"ids": [head], "poll": fetched, "k": 1}},
                 "versions": [info_of_story(story)]}
        return entry, story, None, expired
    entry["seen"] = max(entry["seen"], fetched)
    feed = entry["feeds"].setdefault(story.feed_url, {"ids": [], "poll": None, "k": 0})
    if feed["poll"] != fetched:           # a new poll of this feed: count its occurrences afresh
        feed["poll"], feed["k"] = fetched, 0
    k = feed["k"]
    feed["k"] = k + 1
    if k < len(feed["ids"]):              # the k-th occurrence in this feed was seen before
        story.story_id = feed["ids"][k]
        if matched is not None and matched.story_id != head:
            story.story_id = matched.story_id          # a later version seen again
        story.disposition = ALREADY_SEEN
        return entry, story, None, expired
    n = 0                                 # a new exact copy: the batch ExactIdentity's derived id
    while True:
        copy_id = stable_id(head, story.feed_url, story.guid or "", story.content_hash or "", str(n))
        if copy_id not in entry["ids"]:
            break
        n += 1
    entry["ids"].add(copy_id)
    feed["ids"].append(copy_id)
    story.story_id = copy_id
    return entry, story, head, expired


class _Identity(beam.DoFn):
    ENTRY = userstate.ReadModifyWriteStateSpec("entry", STATE_CODER)
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, state_dir: Optional[str] = None, token: str = ""):
        self._window_s = float(window_days) * DAY
        self._state_dir, self._token = state_dir, token
        self._remembered: dict = {}
        self._chains: dict = {}
        self._expired = Metrics.counter("stream_dedupe", "identity_expired_on_arrival")
        self._freed = Metrics.counter("stream_dedupe", "identity_state_freed")
        self._seen = Metrics.counter("stream_dedupe", "already_seen")

    def setup(self):
        self._remembered = remembered_snapshot(self._state_dir, self._token)
        self._chains = chains_by_identity(self._remembered.values())

    def process(self, element, entry_state=beam.DoFn.StateParam(ENTRY),
                cleanup=beam.DoFn.TimerParam(CLEANUP)):
        _, story = element
        chain = self._chains.get(story.story_id, ())
        entry, story, exact_of, expired = identity_step(entry_state.read(), story, self._window_s,
                                                        self._remembered.get(story.story_id),
                                                        [info_of_row(r) for r in chain])
        if expired:
            self._expired.inc()
        if story.disposition == ALREADY_SEEN:
            self._seen.inc()
        entry_state.write(entry)
        cleanup.set(_timer_time(entry["seen"] + self._window_s))
        yield story, exact_of

    @userstate.on_timer(CLEANUP)
    def on_cleanup(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                   entry_state=beam.DoFn.StateParam(ENTRY)):
        entry = entry_state.read()
        if entry is None:
            return
        if entry["seen"] + self._window_s <= cleanup_reference(entry["seen"], float(fired)):
            entry_state.clear()
            self._freed.inc()
            yield beam.pvalue.TaggedOutput("freed", ("identity", key))


def _timer_time(seconds: float) -> Timestamp:
    return min(Timestamp(seconds + 1), MAX_TIMESTAMP - 1)


# --------------------------------------------------------------------------- boilerplate

def _paragraphs(text: str) -> Dict[int, str]:
    out = {}
    for p in (text or "").split("\n\n"):
        norm = normalize_for_hash(p)
        if norm:
            out[zlib.crc32(norm.encode("utf-8"))] = norm
    return out


def fingerprint_step(recent: "OrderedDict[str, frozenset]", story: Story,
                     memory: int = FEED_MEMORY) -> np.ndarray:
    """Shingles of `story` without the paragraphs its feed repeated in another remembered story;
    updates `recent` (story id -> paragraph hashes, the feed's last `memory` stories)."""
    paragraphs = _paragraphs(story.text)
    others = set()
    for sid, hashes in recent.items():
        if sid != story.story_id:
            others |= hashes
    drop = {norm for h, norm in paragraphs.items() if h in others}
    recent.pop(story.story_id, None)
    recent[story.story_id] = frozenset(paragraphs)
    while len(recent) > memory:
        recent.popitem(last=False)
    return shingles(without_paragraphs(story.text, drop))


class _Fingerprint(beam.DoFn):
    RECENT = userstate.ReadModifyWriteStateSpec("recent", STATE_CODER)

    def __init__(self, memory: int = FEED_MEMORY):
        self._memory = memory

    def process(self, element, recent_state=beam.DoFn.StateParam(RECENT)):
        _, (story, exact_of) = element
        if story.disposition == ALREADY_SEEN:
            yield story, exact_of, None
            return
        recent = recent_state.read() or OrderedDict()
        ordered = fingerprint_step(recent, story, self._memory)
        recent_state.write(recent)
        yield story, exact_of, ordered


# --------------------------------------------------------------------------- near duplicates

VERSION_COLUMNS = ("guid", "canonical_url", "version", "version_of", "version_title", "version_feed",
                   "version_published", "version_sentences", "identity_id")
REMEMBERED_FIRST = -1.0        # an earlier run's story ranks before every story of this stream
UNKNOWN_ROOT_KEY = "0|1|9999-12-31T23:59:59.999999||999999999|"


class StreamIndex(NearDuplicateIndex):
    """The near-duplicate index plus what a state row needs of each story: its cluster's root
    key (a frozen order key, as batch state rows hold), feed agency and language, kept as
    "meta" log records; so the stream's decisions become state rows that a batch run or the
    next stream reads, and state rows from earlier runs seed the index."""

    def __init__(self):
        super().__init__()
        self.meta: Dict[str, tuple] = {}
        self.origins: Dict[str, Tuple[str, str]] = {}     # cluster -> (origin rank, origin story)
        self.copies: Dict[str, Any] = {}    # story -> provenance Copy (transforms/provenance), "prov" records
        self.versions: Dict[str, dict] = {}               # story -> versions.state_columns
        self.version_infos: Dict[str, Any] = {}           # story -> versions.VersionInfo of them
        self.by_root: Dict[str, set] = {}                 # cluster -> its stories in the index

    def apply(self, record: tuple) -> None:
        kind = record[0]
        if kind == "add":
            super().apply(record)
            e = self.entries.get(record[1])
            if e is not None:
                self.by_root.setdefault(e[2], set()).add(record[1])
        elif kind == "version":
            _, sid, columns = record
            self.versions[sid] = columns
            self.version_infos[sid] = info_of_row(dict(columns, story_id=sid))
        elif kind == "meta":
            _, sid, root_key, agency, language = record
            self.meta[sid] = (root_key, agency, language)
        elif kind == "prov":
            _, sid, copy = record
            self.copies[sid] = copy
        elif kind == "origin":
            _, cluster, rank, sid = record
            if cluster not in self.origins or (rank, sid) < self.origins[cluster]:
                self.origins[cluster] = (rank, sid)
        elif kind == "merge":
            _, other, winner = record
            for e in self.entries.values():
                if e[2] == other:
                    e[2] = winner
            if other in self.by_root:
                self.by_root.setdefault(winner, set()).update(self.by_root.pop(other))
            if other in self.agencies:
                self.agencies[winner] = sorted(set(self.agencies.get(winner, ())) | set(self.agencies.pop(other)))
            if other in self.origins:
                self.apply(("origin", winner) + self.origins.pop(other))
        else:
            super().apply(record)

    def records(self):
        live_roots = {e[2] for e in self.entries.values()}
        return (super().records() + [("meta", sid) + m for sid, m in self.meta.items() if sid in self.entries]
                + [("prov", sid, c) for sid, c in self.copies.items() if sid in self.entries]
                + [("origin", c) + o for c, o in self.origins.items() if c in live_roots]
                + [("version", sid, v) for sid, v in self.versions.items() if sid in self.entries])

    def arrive(self, story: Story, exact_of: Optional[str], ordered, when: float, window_s: float,
               threshold: float, at: _dt.datetime, run_id: str = "") -> Tuple[List[tuple], list]:
        """A new story's whole decision, as _NearDuplicates makes it (and the benchmarks replay
        it): `decide`, its meta record, its cluster changes. Returns (log records, events)."""
        record = self.decide(story, exact_of, ordered, when, window_s, threshold)
        meta = self.meta_record(story)
        self.apply(meta)
        changes, events = self.cluster_changes(story, at, run_id)
        version = self.version_record(story, exact_of)
        prov, rows = self.provenance(story, at, run_id)
        self.provenance_rows = rows
        return [record, meta] + changes + [version, prov], events

    def version_record(self, story: Story, exact_of: Optional[str]) -> tuple:
        """After `decide`: the story's version against its cluster's known versions
        (versions.resolve_cluster, as batch decides per component) and its version record."""
        if exact_of is not None and story.previous_story_id == exact_of and story.linked_to == exact_of:
            story.link_rule = VERSION_RULE           # a new version of an identity (identity_step)
        root = story.cluster_id or story.story_id
        known = [self.version_infos[sid] for sid in self.by_root.get(root, ())
                 if sid != story.story_id and sid in self.version_infos]
        info = resolve_cluster([story], known)[story.story_id]
        record = ("version", story.story_id, state_columns(story, info.sentences))
        self.apply(record)
        return record

    def provenance(self, story: Story, at: _dt.datetime, run_id: str = "") -> Tuple[tuple, List[ProvenanceRow]]:
        """After `cluster_changes`: the story's "prov" record (its provenance Copy, kept for the
        later members of its cluster and for its state row) and its cluster's provenance rows,
        measured on arrival against the cluster's current origin (provenance/rows.py, as batch):
        a clusters/ row with the members the index holds, the story's reprints/ row, and — when
        the story becomes the origin (an agency item after its reprints) — every other member's
        row measured again against it. A reader keeps the newest row per key (`updated_at`)."""
        copy = copy_of_story(story)
        cluster = story.cluster_id or story.story_id
        others = [self.copies[sid] for sid in sorted(self.by_root.get(cluster, ()))
                  if sid != story.story_id and sid in self.copies and self.entries[sid][2] == cluster]
        rows = cluster_rows(cluster, [copy], others, at, run_id)
        record = ("prov", story.story_id, copy._replace(texts=(), remembered=True, disposition=""))
        self.apply(record)
        return record, rows

    def cluster_changes(self, story: Story, at: _dt.datetime, run_id: str = "") -> Tuple[List[tuple], list]:
        """After `decide`: the log records and cluster events (events.py) of what the story
        changed: the clusters it merged (every cluster it matched but the one it joined) and its
        cluster's origin, when it ranks before the current one (the agency's own item arriving
        after its reprint, or an earlier publication)."""
        root, label = story.cluster_id or story.story_id, order_key(story)
        if story.disposition != DUPLICATE:
            return [("origin", root, origin_rank(label), story.story_id)], []
        records, events = [], []
        others = [r for r in getattr(self, "matched_roots", []) if r != root]
        if others:
            events += merge_events(root, others, story.story_id, at, run_id)
            records += [("merge", other, root) for other in others]
            for record in records:
                self.apply(record)
        current = self.origins.get(root)
        if current is None:
            known = self.meta.get(root)
            current = (origin_rank(known[0]) if known else "~", root)
        change = origin_change(root, current[0], label, story.story_id, at, run_id)
        if change is not None:
            events.append(change)
            records.append(("origin", root, change.origin_rank, story.story_id))
            self.apply(records[-1])
        return records, events

    def expire(self, before: float):
        roots = {sid: e[2] for sid, e in self.entries.items() if e[0] < before}
        gone = super().expire(before)
        for sid in gone:
            self.meta.pop(sid, None)
            self.copies.pop(sid, None)
            self.versions.pop(sid, None)
            self.version_infos.pop(sid, None)
            members = self.by_root.get(roots.get(sid))
            if members is not None:
                members.discard(sid)
                if not members:
                    del self.by_root[roots[sid]]
        return gone

    @staticmethod
    def seed_records(row: dict) -> List[tuple]:
        """The log records that remember a state row of an earlier run."""
        sid = row["story_id"]
        copy = copy_of_row(row)
        prov = [("prov", sid, copy)] if copy is not None else []
        return [("add", sid, _row_seen(row), REMEMBERED_FIRST, label_id(row["root_key"]), row["sketch"],
                 int(row["n_shingles"] or 0), tuple(int(k) for k in row["keys"] or ()), row["content_key"],
                 row["feed_agency"]),
                ("meta", sid, row["root_key"], row["feed_agency"], row.get("language")),
                ("version", sid, {k: row.get(k) for k in VERSION_COLUMNS}),
                ("origin", label_id(row["root_key"]), origin_rank(row["root_key"]), label_id(row["root_key"]))] + prov

    def meta_record(self, story: Story) -> tuple:
        """The meta record of a story just decided (`decide`)."""
        root = story.cluster_id or story.story_id
        if root == story.story_id:
            root_key = frozen_root(order_key(story))
        else:
            known = self.meta.get(root)
            root_key = known[0] if known else UNKNOWN_ROOT_KEY + root
        return ("meta", story.story_id, root_key, story.feed_agency, story.language)

    def state_row(self, sid: str) -> Optional[dict]:
        """The state row of a remembered story, seen last at its entry's time."""
        e, m = self.entries.get(sid), self.meta.get(sid)
        if e is None or m is None:
            return None
        root_key, agency, language = m
        copy = self.copies.get(sid)
        prov = copy_columns(copy) if copy is not None else dict.fromkeys(PROVENANCE_COLUMNS)
        return redacted_row(dict({"story_id": sid, "root_key": root_key,
                                  "seen_at": _dt.datetime.fromtimestamp(e[0], UTC), "content_key": e[6],
                                  "feed_agency": agency, "n_shingles": int(e[4]),
                                  "sketch": [int(x) for x in e[3]], "keys": [int(k) for k in e[5]],
                                  "language": language}, **prov, **self.versions.get(sid, {})))


class _NearDuplicates(beam.DoFn):
    """Keyed by language. The index lives in an append-only BagState of log records (one record
    per new story, and per story seen again at most once per TOUCH_EVERY), compacted when
    entries expire; each worker keeps the decoded index in memory and reuses it while the
    VERSION state still holds the token it wrote last (otherwise — another worker, a retried
    bundle — it replays the log). So a bundle costs what its stories cost, not the index size."""

    LOG = userstate.BagStateSpec("log", STATE_CODER)
    VERSION = userstate.ReadModifyWriteStateSpec("version", STATE_CODER)
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, threshold: float, state_dir: Optional[str] = None, token: str = ""):
        self._window_s = float(window_days) * DAY
        self._threshold = threshold
        self._state_dir, self._token = state_dir, token
        self._remembered: dict = {}
        self._slack = max(3600.0, self._window_s / 20)     # expiry is batched by this much
        self._touch_every = min(3600.0, self._window_s / 20)
        self._cache: Dict[str, Tuple[str, NearDuplicateIndex]] = {}
        self._expired = Metrics.counter("stream_dedupe", "index_expired")
        self._freed = Metrics.counter("stream_dedupe", "index_freed_by_timer")
        self._rebuilt = Metrics.counter("stream_dedupe", "index_replayed")
        self._seeded = Metrics.counter("stream_dedupe", "index_seeded_from_state")
        self._canonical = Metrics.counter("stream_dedupe", "canonical")
        self._duplicates = Metrics.counter("stream_dedupe", "duplicates")

    def setup(self):
        self._remembered = remembered_snapshot(self._state_dir, self._token)

    def _load(self, key: str, log_state, version_state, when: Optional[float] = None) -> StreamIndex:
        cached = self._cache.pop(key, None)   # back in the cache only once saved: an exception
        version = version_state.read()        # in between leaves no half-updated index behind
        if cached is not None and version is not None and cached[0] == version:
            return cached[1]
        index = StreamIndex()
        records = list(log_state.read())
        if not records and version is None and when is not None:
            # This language's first story of the stream: start from what earlier runs remember.
            for row in self._remembered.values():
                if row.get("language") in (None, key) and when - _row_seen(row) <= self._window_s:
                    for record in StreamIndex.seed_records(row):
                        log_state.add(record)
                        index.apply(record)
            self._seeded.inc(len(index))
        for record in records:
            index.apply(record)
        self._rebuilt.inc()
        return index

    def _save(self, key: str, index: NearDuplicateIndex, version_state) -> None:
        token = uuid.uuid4().hex
        version_state.write(token)
        self._cache[key] = (token, index)

    @staticmethod
    def _compact(index: NearDuplicateIndex, log_state) -> None:
        log_state.clear()
        for record in index.records():
            log_state.add(record)

    def process(self, element, log_state=beam.DoFn.StateParam(LOG),
                version_state=beam.DoFn.StateParam(VERSION), cleanup=beam.DoFn.TimerParam(CLEANUP)):
        key, (story, exact_of, ordered) = element
        when = epoch(story.fetched_at)
        index = self._load(key, log_state, version_state, when)
        index.newest = max(index.newest, when)
        if index.oldest < index.newest - self._window_s - self._slack:     # batched expiry
            gone = index.expire(index.newest - self._window_s)
            self._compact(index, log_state)
            for sid in gone:
                self._expired.inc()
                yield beam.pvalue.TaggedOutput("freed", ("index_on_arrival", sid))
        if story.disposition == ALREADY_SEEN:
            root, record = index.touch(story.story_id, when, self._touch_every)
            story.cluster_id = root or story.cluster_id or story.story_id
            records = [record] if record is not None else []
        else:
            records, events = index.arrive(story, exact_of, ordered, when, self._window_s, self._threshold,
                                           story.fetched_at or _dt.datetime.now(UTC), self._token)
            yield from events      # decisions too: written in the unit of the story that caused them
            yield from index.provenance_rows     # clusters/ and reprints/ rows, in the same unit
            (self._canonical if story.disposition == CANONICAL else self._duplicates).inc()
        for record in records:
            log_state.add(record)
        if records:                 # what the next run (batch or stream) remembers of this story
            row = index.state_row(story.story_id)
            if row is not None:       # main output too: written in the same unit as the story
                yield row
        self._save(key, index, version_state)
        if len(index):
            cleanup.set(_timer_time(index.oldest + self._window_s))
        yield story

    @userstate.on_timer(CLEANUP)
    def on_cleanup(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                   log_state=beam.DoFn.StateParam(LOG), version_state=beam.DoFn.StateParam(VERSION),
                   cleanup=beam.DoFn.TimerParam(CLEANUP)):
        index = self._load(key, log_state, version_state)
        freed = index.expire(cleanup_reference(index.newest, float(fired)) - self._window_s)
        if not freed:      # early (or nothing due): the next arrival sets the timer again
            self._cache[key] = (version_state.read(), index)
            return
        self._freed.inc(len(freed))
        for sid in freed:
            yield beam.pvalue.TaggedOutput("freed", ("index", sid))
        if len(index):
            self._compact(index, log_state)
            self._save(key, index, version_state)
            cleanup.set(_timer_time(index.oldest + self._window_s))   # only after progress: no loop
        else:
            log_state.clear()
            version_state.clear()
            self._cache.pop(key, None)


# --------------------------------------------------------------------------- the transform

class StreamDedupe(beam.PTransform):
    """Story -> {'stories': the same stories with disposition, cluster_id, duplicate_of,
    similarity and inferred agencies, decided on arrival (see the module docstring), in the
    global window with their timestamps kept; 'freed': (stage, story_id) for every state entry
    forgotten ('identity' and 'index' by cleanup timers, 'index_on_arrival' on arrival);
    'state_rows': a state row (dedupe/state.py STATE_SCHEMA) for every story decided or seen
    again, for the deltas that the next batch run or stream reads; 'events': cluster events
    (events.py: merges, origin changes); 'decisions': all three in one
    PCollection, straight from the deciding step, for WriteUnits (a Flatten there would hold
    its elements until the stream ends on the local runner, measured)}.

    With `state_dir`, the stream starts from what earlier runs remember there (the current
    generation and the deltas after it, read once per worker; `token` names the stream)."""

    def __init__(self, window_days: float = 7.0, threshold: float = CONTAINMENT,
                 feed_memory: int = FEED_MEMORY, state_dir: Optional[str] = None, token: str = ""):
        super().__init__()
        self._window_days = window_days
        self._threshold = threshold
        self._feed_memory = feed_memory
        self._state_dir, self._token = state_dir, token

    def expand(self, stories):
        identity = (stories
                    | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
                    | "KeyById" >> beam.Map(lambda s: (s.story_id, s)).with_output_types(Tuple[str, Any])
                    | "Identity" >> beam.ParDo(_Identity(self._window_days, self._state_dir, self._token)).with_outputs(
                        "freed", main="stories"))
        near = (identity.stories
                | "KeyByFeed" >> beam.Map(lambda t: (t[0].feed_url, t)).with_output_types(Tuple[str, Any])
                | "Fingerprint" >> beam.ParDo(_Fingerprint(self._feed_memory))
                | "KeyByLanguage" >> beam.Map(lambda t: (safe_language(t[0].language), t)).with_output_types(
                    Tuple[str, Any])
                | "NearDuplicates" >> beam.ParDo(_NearDuplicates(
                    self._window_days, self._threshold, self._state_dir, self._token)).with_outputs(
                    "freed", main="decisions"))
        freed = ((identity.freed, near.freed) | "Freed" >> beam.Flatten()
                 | "OnlyFreed" >> beam.Filter(lambda f: isinstance(f, tuple) and len(f) == 2 and f[0] in _STAGES))
        return {"stories": near.decisions | "OnlyStories" >> beam.Filter(lambda s: isinstance(s, Story)),
                "freed": freed,
                "state_rows": near.decisions | "OnlyRows" >> beam.Filter(lambda r: isinstance(r, dict)),
                "events": near.decisions | "OnlyEvents" >> beam.Filter(lambda e: isinstance(e, ClusterEvent)),
                "decisions": near.decisions}


_STAGES = ("identity", "index", "index_on_arrival")
