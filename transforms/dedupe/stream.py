"""StreamDedupe: exact and near-duplicate dedupe while streaming, decided once settled.

    Story ─Identity (state keyed by story_id)─► first sighting | re-poll (already seen) | exact copy
          ─Fingerprint (state keyed by feed)─► shingles without the feed's boilerplate
          ─FanOut─► the story's probe to the S shards of its language (and a tick per poll round)
          ─Shards (state keyed by language|shard)─► answers: the verified candidates held there
          ─Decide (state keyed by home shard)─► canonical | duplicate (duplicate_of, similarity)

Every story that goes in comes out once, with its disposition, in the global window.

Identity, keyed by `story_id` (canonical URL, else guid, else title + date): the first sighting
keeps the id. The same feed delivering it again (the next poll) makes it ALREADY_SEEN (counted,
not written — the batch pipeline's cross-run rule). Another feed delivering the same id makes an
exact copy: a derived id exactly as the batch ExactIdentity derives it, a DUPLICATE of the first.

Fingerprint, keyed by feed: the batch pipeline removes paragraphs a feed repeats in two or more
of its stories (site chrome) before shingling; here each feed remembers the paragraph hashes of
its last FEED_MEMORY stories, so the same paragraphs are removed (from the second story on).

Near duplicates, sharded (shards.py has the design: why no key holds a language, the crossing
check that makes concurrent near-duplicates on two shards meet, roots resolved lazily through
aliases, the settle time). Shards, keyed by language|shard, hold the stories of the dedupe window
whose home shard (crc32(story_id) % S) it is — bottom-k sketch, LSH keys, content key, facts,
first- and last-seen times, root hint — and answer every story's probe with the batch decision
core (`rules.verify`: containment both ways, the same-feed rule). Decide, keyed by home shard,
counts a story's S answers, holds it for the settle time and decides by the batch order (an
earlier run's story first, then the earliest arrival, and among arrivals within the settle time
the agency's own item first, then the earliest published). At a shard's first message it is
seeded from the state (the current generation and the stream deltas after it) with its own
stories, and each decision leaves a state row in the output, committed with the story's row
(transforms/write/units.py).

Later changes are written, not lost (events.py, the same rules as batch): a story whose answers
know two clusters merges them (a `merged` event), and a member that ranks before its cluster's
known origin (the agency's own item arriving after the settle time, or an earlier publication)
makes an `origin` event. Rows already written are never rewritten: a reader applies the events
(README, "Cluster events").

Time and memory. "Now" is the fetch time of the arriving story (wall clock at the poll). An
entry seen last more than `window_days` before it is ignored on arrival (correctness) and
removed when the shard's newest fetch time has moved past it. Event-time timers only free
memory or release held stories: a timer callback compares with max(newest fetch time seen,
min(timer time, wall clock)), so a timer that fires early (the FnApiRunner fires event-time
timers after every bundle) removes or releases nothing before its time.

Versions and provenance, keyed by the decided cluster root (Clusters, clusters.py): each
cluster's members of the window (their version columns and provenance copy, seeded from the
state rows whose root it is). A decided story gets its versions (versions.py) and its cluster's
provenance rows (transforms/provenance) there, and its state row their columns; a story seen
again gets its columns from there. A story that merges two clusters is decided under the
winner's key, which does not see the loser's members.

Differences from the batch Dedupe (also in docs/streaming.md):
- the row of the first story to arrive says canonical; when the agency's own item or an earlier
  publication arrives later, an `origin` event names it (batch orders a run's stories first);
- `agencies_inferred` comes from the cluster as known on arrival (later agency items of the
  cluster do not update rows already written);
- remembered stories are compared through their bottom-k sketch (as batch cross-run state is);
- versions (versions.py): a new version of an identity is found by the Identity step (its entry
  keeps each version's sentence hashes) and joins its previous version's cluster; slug versions
  and `stale` are decided when the story is decided, against the versions its cluster knows then
  (batch decides a run's stories together), so a reprint decided before the newer version is not
  stale.
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
from apache_beam.transforms.window import GlobalWindow, GlobalWindows, TimestampedValue
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from transforms.clean.stories import stable_id
from transforms.coders import STATE_CODER
from transforms.clean.text import normalize_for_hash
from transforms.dedupe.candidates import unpack_keys
from transforms.dedupe.exact import label_id, order_key
from transforms.dedupe.fingerprint import CONTAINMENT, shingles, without_paragraphs
from transforms.dedupe.index import NearDuplicateIndex
from transforms.dedupe.clusters import ClusterMemory, cluster_of, complete_row, group_by_root, seed_records, settle, touch
from transforms.dedupe.fingerprint import sketch
from transforms.dedupe.shards import (DEFAULT_SHARDS, REMEMBERED_FIRST, UNKNOWN_LABEL, Decision, Probe, ShardIndex,
                                      decide, default_horizon, home_shard, make_probe)
from transforms.dedupe.state import PROVENANCE_COLUMNS, frozen_root, redacted_row, remembered_rows
from transforms.dedupe.versions import chains_by_identity, identity_version, info_of_row, info_of_story
from transforms.records import ALREADY_SEEN, CANONICAL, UTC, ClusterEvent, Story, safe_language

__all__ = ["StreamDedupe", "NearDuplicateIndex", "StreamIndex", "decided_row", "identity_step", "remembered_snapshot",
           "shard_key"]

FEED_MEMORY = 64          # stories per feed whose paragraphs are remembered (boilerplate)
DAY = 86400.0
LOG_FLOOR = 64            # a logged key's log is not compacted for holding fewer records than this,
LOG_GROWTH = 1.0          # and is once it holds more than (1 + LOG_GROWTH) x the records it compacts to


def compaction_due(logged: int, live: int) -> bool:
    """A logged key's log of `logged` records, whose object compacts to `live` records: rewrite it?
    Dead records (the answered queries a shard has forgotten, superseded touches) make the
    difference; rewriting when they reach LOG_GROWTH x the live ones keeps the log within
    (1 + LOG_GROWTH) x its compacted size (in records) and costs O(1) rewritten records per
    appended one (amortized)."""
    return logged > max(LOG_FLOOR, (1.0 + LOG_GROWTH) * live)


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
            row["sketch"] = np.asarray(row["sketch"] if row["sketch"] is not None else [], dtype=np.uint32)
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

UNKNOWN_ROOT_KEY = "0|1|9999-12-31T23:59:59.999999||999999999|"


class StreamIndex(NearDuplicateIndex):
    """The near-duplicate index plus what a state row needs of each story: its cluster's root
    key (a frozen order key, as batch state rows hold), feed agency and language, kept as
    "meta" log records; so the stream's decisions become state rows that a batch run or the
    next stream reads, and state rows from earlier runs seed the shards (`seed_records`). The
    provenance and version columns are the cluster step's (clusters.py)."""

    def __init__(self):
        super().__init__()
        self.meta: Dict[str, tuple] = {}

    def apply(self, record: tuple) -> None:
        if record[0] == "meta":
            _, sid, root_key, agency, language = record
            self.meta[sid] = (root_key, agency, language)
        else:
            super().apply(record)

    def records(self):
        return super().records() + [("meta", sid) + m for sid, m in self.meta.items() if sid in self.entries]

    def expire(self, before: float):
        gone = super().expire(before)
        for sid in gone:
            self.meta.pop(sid, None)
        return gone

    @staticmethod
    def seed_records(row: dict) -> List[tuple]:
        """The log records that remember a state row of an earlier run in its home shard."""
        sid = row["story_id"]
        return [("add", sid, _row_seen(row), REMEMBERED_FIRST, label_id(row["root_key"]), row["sketch"],
                 int(row["n_shingles"] or 0), tuple(unpack_keys(row["keys"]) if row["keys"] is not None else ()),
                 row["content_key"],
                 row["feed_agency"]),
                ("meta", sid, row["root_key"], row["feed_agency"], row.get("language"))]

    def meta_record(self, story: Story) -> tuple:
        """The meta record of a story just decided."""
        root = story.cluster_id or story.story_id
        if root == story.story_id:
            root_key = frozen_root(order_key(story))
        else:
            known = self.meta.get(root)
            root_key = known[0] if known else UNKNOWN_ROOT_KEY + root
        return ("meta", story.story_id, root_key, story.feed_agency, story.language)

    def state_row(self, sid: str) -> Optional[dict]:
        """The state row of a story, seen last at its entry's time; its provenance columns null
        (the cluster step fills them, and the version columns)."""
        e, m = self.entries.get(sid), self.meta.get(sid)
        if e is None or m is None:
            return None
        root_key, agency, language = m
        return redacted_row(dict({"story_id": sid, "root_key": root_key,
                                  "seen_at": _dt.datetime.fromtimestamp(e[0], UTC), "content_key": e[6],
                                  "feed_agency": agency, "n_shingles": int(e[4]),
                                  "sketch": [int(x) for x in e[3]], "keys": [int(k) for k in e[5]],
                                  "language": language}, **dict.fromkeys(PROVENANCE_COLUMNS)))


def decided_row(story: Story, probe: Probe, decision: Decision) -> Optional[dict]:
    """The state row of a story just decided, through StreamIndex (meta_record, state_row), so
    the rows the sharded path writes are the ones StreamIndex defines."""
    index = StreamIndex()
    index.apply(("add", story.story_id, probe.first, probe.first, decision.root, sketch(probe.full), probe.n,
                 probe.keys, probe.ckey, story.feed_agency, probe.feed, probe.facts))
    if decision.root != story.story_id:
        index.apply(("meta", decision.root, frozen_root(decision.root_label) if decision.root_label != UNKNOWN_LABEL
                     else UNKNOWN_ROOT_KEY + decision.root, None, story.language))
    index.apply(index.meta_record(story))
    return index.state_row(story.story_id)


class _LoggedKeyState(beam.DoFn):
    """What _Shards and _Clusters share: a key's object (an index, a cluster memory) kept as an
    append-only BagState of log records, cached decoded on the worker while the VERSION state
    holds the token this worker wrote last (otherwise the log is replayed: another worker, a
    retried bundle). Subclasses declare the LOG and VERSION specs and build the object."""

    def _cached(self, key, version_state):
        """(the cached object, or None when the log must be replayed; the number of records in its
        log; the VERSION token)."""
        cached = self._cache.pop(key, None)   # back in the cache only once saved: an exception
        version = version_state.read()        # in between leaves no half-updated object behind
        if cached is not None and version is not None and cached[0] == version:
            return cached[1], cached[2], version
        return None, 0, version

    def _save(self, key, obj, logged: int, version_state) -> None:
        token = uuid.uuid4().hex
        version_state.write(token)
        self._cache[key] = (token, obj, logged)

    def _keep(self, key, obj, logged: int, version_state) -> None:
        """Back in the cache, unchanged (the log and the VERSION token as they were)."""
        self._cache[key] = (version_state.read(), obj, logged)

    def _append(self, obj, records, logged: int, log_state) -> int:
        """Adds `records` (already applied to `obj`) to the log, compacted when it has grown well
        past what `obj` compacts to (`compaction_due`); returns the log's length."""
        for record in records:
            log_state.add(record)
        logged += len(records)
        if compaction_due(logged, obj.record_count()):
            return self._compact(obj, log_state)
        return logged

    def _compact(self, obj, log_state) -> int:
        """The log rewritten as `obj.records()`; returns its length."""
        records = obj.records()
        log_state.clear()
        for record in records:
            log_state.add(record)
        self._compacted.inc()
        return len(records)


class _Shards(_LoggedKeyState):
    """Keyed by (language, shard): the home stories of one shard (ShardIndex, shards.py) in an
    append-only BagState of log records, compacted when entries expire, cached decoded on the
    worker while the VERSION state holds the token it wrote last (otherwise the log is
    replayed). Answers every story's query, inserts the stories homed here, and sends the
    answers (keyed by the story's home shard) to _Decide; ticks pass through."""

    LOG = userstate.BagStateSpec("log", STATE_CODER)
    VERSION = userstate.ReadModifyWriteStateSpec("version", STATE_CODER)
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, threshold: float, shards: int, settle: float,
                 state_dir: Optional[str] = None, token: str = ""):
        self._window_s = float(window_days) * DAY
        self._threshold = threshold
        self._shards, self._settle = int(shards), float(settle)
        self._horizon = default_horizon(settle)
        self._state_dir, self._token = state_dir, token
        self._remembered: dict = {}
        self._slack = max(3600.0, self._window_s / 20)     # expiry is batched by this much
        self._touch_every = min(3600.0, self._window_s / 20)
        self._cache: Dict[Any, Tuple[str, ShardIndex]] = {}
        self._expired = Metrics.counter("stream_dedupe", "index_expired")
        self._freed = Metrics.counter("stream_dedupe", "index_freed_by_timer")
        self._rebuilt = Metrics.counter("stream_dedupe", "index_replayed")
        self._seeded = Metrics.counter("stream_dedupe", "index_seeded_from_state")
        self._compacted = Metrics.counter("stream_dedupe", "shards_log_compacted")

    def setup(self):
        self._remembered = remembered_snapshot(self._state_dir, self._token)

    def _load(self, key, log_state, version_state, when: Optional[float] = None) -> Tuple[ShardIndex, int]:
        """(the shard's index, the number of records in its log)."""
        cached, logged, version = self._cached(key, version_state)
        if cached is not None:
            return cached, logged
        index = ShardIndex()
        records = list(log_state.read())
        logged = len(records)
        if not records and version is None and when is not None:
            # This shard's first message of the stream: its stories that earlier runs remember.
            language, j = _shard_of(key)
            for row in self._remembered.values():
                if (row.get("language") in (None, language) and home_shard(row["story_id"], self._shards) == j
                        and when - _row_seen(row) <= self._window_s):
                    for record in StreamIndex.seed_records(row):
                        log_state.add(record)
                        index.apply(record)
                        logged += 1
            self._seeded.inc(len(index))
        for record in records:
            index.apply(record)
        index.forget_recent(index.newest - self._horizon)    # as `receive` leaves it: the live queries only
        self._rebuilt.inc()
        return index, logged

    def process(self, element, log_state=beam.DoFn.StateParam(LOG),
                version_state=beam.DoFn.StateParam(VERSION), cleanup=beam.DoFn.TimerParam(CLEANUP)):
        key, message = element
        kind = message[0]
        language, j = _shard_of(key)
        if kind == "tick":
            yield str(j), message
            return
        story = message[1]
        when = epoch(story.fetched_at) if kind == "touch" else message[2].first
        index, logged = self._load(key, log_state, version_state, when)
        index.newest = max(index.newest, when)
        if index.oldest < index.newest - self._window_s - self._slack:     # batched expiry
            gone = index.expire(index.newest - self._window_s, index.newest - self._horizon)
            logged = self._compact(index, log_state)
            for sid in gone:
                self._expired.inc()
                yield beam.pvalue.TaggedOutput("freed", ("index_on_arrival", sid))
        if kind == "touch":
            root, record = index.touch(story.story_id, when, self._touch_every)
            records = [record] if record is not None else []
            e = index.entries.get(story.story_id)
            add = (("add", story.story_id, e[0], e[1], e[2], e[3], e[4], e[5], e[6], story.feed_agency, e[7], e[8])
                   if record is not None and e is not None else None)
            yield str(j), ("touch", story, root, add, index.meta.get(story.story_id))
        else:
            probe = message[2]
            records, answer, others = index.receive(probe, kind == "home", self._window_s, self._threshold,
                                                    self._settle, self._horizon)
            yield str(probe.home), ("answer", probe.sid, answer, story if kind == "home" else None,
                               probe if kind == "home" else None)
            for report in others:
                yield str(home_shard(report.query, self._shards)), ("reverse", report)
        logged = self._append(index, records, logged, log_state)
        self._save(key, index, logged, version_state)
        if len(index):
            cleanup.set(_timer_time(index.oldest + self._window_s + self._slack))

    @userstate.on_timer(CLEANUP)
    def on_cleanup(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                   log_state=beam.DoFn.StateParam(LOG), version_state=beam.DoFn.StateParam(VERSION),
                   cleanup=beam.DoFn.TimerParam(CLEANUP)):
        index, logged = self._load(key, log_state, version_state)
        reference = cleanup_reference(index.newest, float(fired))
        freed = index.expire(reference - self._window_s, reference - self._horizon)
        if not freed:      # early (or nothing due): the next arrival sets the timer again
            self._keep(key, index, logged, version_state)
            return
        self._freed.inc(len(freed))
        for sid in freed:
            yield beam.pvalue.TaggedOutput("freed", ("index", sid))
        if len(index):
            logged = self._compact(index, log_state)
            self._save(key, index, logged, version_state)
            # only after progress (no loop), and with the slack of the expiry on arrival: the
            # entries of the next `slack` seconds leave together, by one compaction
            cleanup.set(_timer_time(index.oldest + self._window_s + self._slack))
        else:
            log_state.clear()
            version_state.clear()
            self._cache.pop(key, None)


class _Decide(beam.DoFn):
    """Keyed by home shard: gathers each story's S answers (counted) and the reverse reports of
    later arrivals, holds it until its fetch time + settle is at or before this key's "now" (the
    newest fetch time or tick it has seen), then decides (shards.decide) and sends the story, its
    state row and its cluster events to the cluster step (keyed by the decided root). Released on the next message for the key (answers, ticks
    that every poll round's first story sends to every shard) and, at the end of the stream, by
    an event-time timer at the end of the global window. Also keeps each decided story's root (a
    log in a BagState, compacted as it expires) for the state rows of stories seen again."""

    PENDING = userstate.ReadModifyWriteStateSpec("pending", STATE_CODER)
    ROOTS = userstate.BagStateSpec("roots", STATE_CODER)
    ROOTS_ADDED = userstate.ReadModifyWriteStateSpec("roots_added", STATE_CODER)
    RELEASE = userstate.TimerSpec("release", userstate.TimeDomain.WATERMARK)
    END = userstate.TimerSpec("end", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, shards: int, settle: float, state_dir: Optional[str] = None,
                 token: str = ""):
        self._window_s = float(window_days) * DAY
        self._shards, self._settle = int(shards), float(settle)
        self._horizon = default_horizon(settle)
        self._state_dir, self._token = state_dir, token
        self._remembered: dict = {}
        self._canonical = Metrics.counter("stream_dedupe", "canonical")
        self._duplicates = Metrics.counter("stream_dedupe", "duplicates")
        self._held = Metrics.distribution("stream_dedupe", "pending_stories")

    def setup(self):
        self._remembered = remembered_snapshot(self._state_dir, self._token)

    def process(self, element, pending_state=beam.DoFn.StateParam(PENDING), roots=beam.DoFn.StateParam(ROOTS),
                added=beam.DoFn.StateParam(ROOTS_ADDED), release=beam.DoFn.TimerParam(RELEASE),
                end=beam.DoFn.TimerParam(END)):
        key, message = element
        kind = message[0]
        pending = pending_state.read() or {"now": 0.0, "stories": {}}
        stories = pending["stories"]
        if kind == "tick":
            pending["now"] = max(pending["now"], message[1])
        elif kind == "answer":
            _, sid, answer, story, probe = message
            held = stories.setdefault(sid, {"story": None, "probe": None, "count": 0, "reports": []})
            held["count"] += 1
            held["reports"] += answer
            if story is not None:
                held["story"], held["probe"] = story, probe
                pending["now"] = max(pending["now"], probe.first)
        elif kind == "reverse":
            report = message[1]
            held = stories.setdefault(report.query, {"story": None, "probe": None, "count": 0, "reports": []})
            held["reports"].append(report)
            held.setdefault("since", report.match_first)
        elif kind == "touch":
            yield from self._touch(key, message, roots)
        decided = self._release(pending, pending["now"])
        for story, probe, decision in decided:
            yield from self._emit(story, probe, decision, roots, added, pending["now"])
        if decided or kind != "touch":
            pending_state.write(pending)
        self._held.update(len(stories))
        self._arm(stories, release, end)

    def _arm(self, stories: dict, release, end) -> None:
        due = [h["probe"].first + self._settle for h in stories.values() if h["probe"] is not None]
        if due:
            release.set(_timer_time(min(due)))
        if stories:
            end.set(GlobalWindow().max_timestamp())

    @userstate.on_timer(RELEASE)
    def on_release(self, fired=beam.DoFn.TimestampParam, pending_state=beam.DoFn.StateParam(PENDING),
                   roots=beam.DoFn.StateParam(ROOTS), added=beam.DoFn.StateParam(ROOTS_ADDED),
                   release=beam.DoFn.TimerParam(RELEASE), end=beam.DoFn.TimerParam(END)):
        """The watermark passed a held story's settle time (no later message came for this key).
        Compared with the wall clock too, as the cleanup timers: a runner firing event-time
        timers early (the FnApiRunner, after every bundle) releases nothing before its time."""
        pending = pending_state.read()
        if not pending or not pending["stories"]:
            return
        reference = cleanup_reference(pending["now"], float(fired) - 1)
        decided = self._release(pending, reference)
        for story, probe, decision in decided:
            yield from self._emit(story, probe, decision, roots, added, pending["now"])
        if decided:
            pending_state.write(pending)
            self._arm(pending["stories"], release, end)

    def _release(self, pending: dict, now: float) -> list:
        out = []
        stories = pending["stories"]
        for sid in list(stories):
            held = stories[sid]
            probe = held["probe"]
            if probe is None:      # only reverse reports: the story was decided before they came
                if held.get("since", now) < now - self._horizon - self._settle:
                    del stories[sid]
                continue
            if (held["count"] >= self._shards or now == float("inf")) and probe.first + self._settle <= now:
                story = held["story"]
                decision = decide(story, probe, held["reports"], self._settle,
                                  story.fetched_at or _dt.datetime.now(UTC), self._token)
                out.append((story, probe, decision))
                del stories[sid]
        return out

    def _emit(self, story, probe, decision, roots, added, now):
        """The decided story, its state row (provenance and version columns still null) and its
        events, as one message to the cluster step, keyed by the decided root."""
        (self._canonical if story.disposition == CANONICAL else self._duplicates).inc()
        row = decided_row(story, probe, decision)
        if row is not None:
            roots.add((story.story_id, decision.root, row["root_key"], probe.first))
            count = (added.read() or 0) + 1
            if count >= 1000:                 # compact: drop the roots that left the window
                live = [r for r in roots.read() if r[3] >= now - self._window_s]
                roots.clear()
                for r in live:
                    roots.add(r)
                count = 0
            added.write(count)
        yield cluster_of(story), ("decided", story, row, list(decision.events), probe.exact_of, probe.first)

    def _touch(self, key, message, roots):
        """A story seen again: its state row (when its shard logged the sighting) with the root
        this key decided for it (or the state's, for a story an earlier run remembers), to the
        cluster step (which fills its provenance and version columns)."""
        _, story, hint, add, meta = message
        row = None
        story.cluster_id = hint or story.cluster_id or story.story_id
        if add is not None:
            mine = next((r for r in roots.read() if r[0] == story.story_id), None)
            if mine is None and story.story_id in self._remembered:
                known = self._remembered[story.story_id]
                mine = (story.story_id, label_id(known["root_key"]), known["root_key"], 0.0)
            index = StreamIndex()
            if mine is not None:
                story.cluster_id = mine[1]
            index.apply(add[:4] + (story.cluster_id,) + add[5:])
            if meta is not None:
                index.apply(("meta", story.story_id) + tuple(meta))
            if mine is not None:
                m = index.meta.get(story.story_id)
                index.meta[story.story_id] = ((mine[2],) + tuple(m[1:])) if m else (mine[2], story.feed_agency,
                                                                                     story.language)
            row = index.state_row(story.story_id)
        yield cluster_of(story), ("touch", story, row)

    @userstate.on_timer(END)
    def on_end(self, pending_state=beam.DoFn.StateParam(PENDING), roots=beam.DoFn.StateParam(ROOTS),
               added=beam.DoFn.StateParam(ROOTS_ADDED)):
        """The end of the stream (drain; the watermark at the end of the global window): every
        story still held is decided with what its answers know."""
        pending = pending_state.read()
        if not pending or not pending["stories"]:
            return
        for story, probe, decision in self._release(pending, float("inf")):
            for out in self._emit(story, probe, decision, roots, added, pending["now"]):
                # at the story's own time: not behind the watermark of what reads the decisions
                yield TimestampedValue(out, probe.first + self._settle)
        pending_state.write(pending)


class _Clusters(_LoggedKeyState):
    """Keyed by the decided cluster root: the cluster's members of the window (ClusterMemory,
    clusters.py) in an append-only BagState of log records, cached decoded on the worker while
    the VERSION state holds the token it wrote last, as _Shards; seeded at the key's first
    message from the remembered state rows whose root it is. For a decided story: its versions
    and its cluster's provenance rows (clusters.settle), its state row completed with their
    columns; for a story seen again, its row's columns from the memory. Emits the stories, state
    rows, cluster events and provenance rows: the `decisions` WriteUnits commits."""

    LOG = userstate.BagStateSpec("log", STATE_CODER)
    VERSION = userstate.ReadModifyWriteStateSpec("version", STATE_CODER)
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, state_dir: Optional[str] = None, token: str = ""):
        self._window_s = float(window_days) * DAY
        self._state_dir, self._token = state_dir, token
        self._slack = max(3600.0, self._window_s / 20)
        self._touch_every = min(3600.0, self._window_s / 20)     # a story seen again: logged this often
        self._by_root: dict = {}
        self._cache: Dict[Any, Tuple[str, ClusterMemory]] = {}
        self._freed = Metrics.counter("stream_dedupe", "cluster_members_freed")
        self._provenance = Metrics.counter("stream_dedupe", "provenance_rows")
        self._compacted = Metrics.counter("stream_dedupe", "clusters_log_compacted")

    def setup(self):
        self._by_root = group_by_root(remembered_snapshot(self._state_dir, self._token).values())

    def _load(self, key, log_state, version_state, when: Optional[float] = None) -> Tuple[ClusterMemory, int]:
        """(the cluster's memory, the number of records in its log)."""
        cached, logged, version = self._cached(key, version_state)
        if cached is not None:
            return cached, logged
        memory = ClusterMemory()
        records = list(log_state.read())
        logged = len(records)
        if not records and version is None and when is not None:
            for row in self._by_root.get(key, ()):       # the key's first message: what earlier runs remember
                if when - _row_seen(row) <= self._window_s:
                    for record in seed_records(row):
                        log_state.add(record)
                        memory.apply(record)
                        logged += 1
        for record in records:
            memory.apply(record)
        return memory, logged

    def process(self, element, log_state=beam.DoFn.StateParam(LOG),
                version_state=beam.DoFn.StateParam(VERSION), cleanup=beam.DoFn.TimerParam(CLEANUP)):
        key, message = element
        kind, story, row = message[0], message[1], message[2]
        when = message[5] if kind == "decided" else epoch(story.fetched_at)
        memory, logged = self._load(key, log_state, version_state, when)
        memory.newest = max(memory.newest, when)
        if memory.oldest < memory.newest - self._window_s - self._slack:     # batched expiry
            self._freed.inc(len(memory.expire(memory.newest - self._window_s)))
            logged = self._compact(memory, log_state)
        if kind == "decided":
            _, _, _, events, exact_of, _ = message
            records, columns, rows = settle(memory, story, exact_of, when,
                                            story.fetched_at or _dt.datetime.now(UTC), self._token)
            yield from events       # written in the unit of the story that caused them
            yield from rows         # clusters/ and reprints/ rows, in the same unit
            self._provenance.inc(len(rows))
        else:
            records, columns = touch(memory, story.story_id, when, self._touch_every)
        logged = self._append(memory, records, logged, log_state)
        if row is not None:         # what the next run (batch or stream) remembers of this story
            yield complete_row(row, columns)
        self._save(key, memory, logged, version_state)
        if len(memory):
            cleanup.set(_timer_time(memory.oldest + self._window_s + self._slack))
        yield story

    @userstate.on_timer(CLEANUP)
    def on_cleanup(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                   log_state=beam.DoFn.StateParam(LOG), version_state=beam.DoFn.StateParam(VERSION),
                   cleanup=beam.DoFn.TimerParam(CLEANUP)):
        memory, logged = self._load(key, log_state, version_state)
        freed = memory.expire(cleanup_reference(memory.newest, float(fired)) - self._window_s)
        if not freed:      # early (or nothing due): the next message sets the timer again
            self._keep(key, memory, logged, version_state)
            return
        self._freed.inc(len(freed))
        if len(memory):
            logged = self._compact(memory, log_state)
            self._save(key, memory, logged, version_state)
            cleanup.set(_timer_time(memory.oldest + self._window_s + self._slack))   # as _Shards
        else:
            log_state.clear()
            version_state.clear()
            self._cache.pop(key, None)


def shard_key(language: str, j: int) -> str:
    """The key of one shard of one language's index ('en|3')."""
    return f"{language}|{j}"


def _shard_of(key: str) -> Tuple[str, int]:
    language, j = key.rsplit("|", 1)
    return language, int(j)


class _FanOut(beam.DoFn):
    """A story -> its probe to every shard of its language (home first); a story seen again ->
    its home shard; and, when the stream's fetch time moves on (a new poll round), a tick to
    every shard's decider so that settled stories are released."""

    def __init__(self, shards: int, settle: float):
        self._shards, self._settle = int(shards), float(settle)

    def setup(self):
        self._tick = 0.0

    def process(self, element):
        story, exact_of, ordered = element
        language = safe_language(story.language)
        when = epoch(story.fetched_at)
        if self._settle > 0 and when > self._tick:
            self._tick = when
            for j in range(self._shards):
                yield shard_key(language, j), ("tick", when)
        if story.disposition == ALREADY_SEEN:
            yield shard_key(language, home_shard(story.story_id, self._shards)), ("touch", story)
            return
        probe = make_probe(story, exact_of, ordered, when, self._shards)
        yield shard_key(language, probe.home), ("home", story, probe)
        for j in range(self._shards):
            if j != probe.home:
                yield shard_key(language, j), ("probe", None, probe)


# --------------------------------------------------------------------------- the transform

class StreamDedupe(beam.PTransform):
    """Story -> {'stories': the same stories with disposition, cluster_id, duplicate_of,
    similarity and inferred agencies, decided once settled (see the module docstring), in the
    global window with their timestamps kept; 'freed': (stage, story_id) for every state entry
    forgotten ('identity' and 'index' by cleanup timers, 'index_on_arrival' on arrival);
    'state_rows': a state row (dedupe/state.py STATE_SCHEMA) for every story decided or seen
    again, for the deltas that the next batch run or stream reads; 'events': cluster events
    (events.py: merges, origin changes); 'decisions': all three and the provenance rows
    (ProvenanceRow: clusters/, reprints/) in one PCollection, straight from the last keyed
    step (Clusters), for WriteUnits (a Flatten there would hold
    its elements until the stream ends on the local runner, measured)}.

    `shards`: the near-duplicate index of a language is split over this many keys (shards.py);
    `settle_seconds`: how long a story is held so that later arrivals of its poll round are
    ordered before it as batch orders them (0: decided as soon as its answers are in).
    With `state_dir`, the stream starts from what earlier runs remember there (the current
    generation and the deltas after it, read once per worker; `token` names the stream)."""

    def __init__(self, window_days: float = 7.0, threshold: float = CONTAINMENT,
                 feed_memory: int = FEED_MEMORY, state_dir: Optional[str] = None, token: str = "",
                 shards: int = DEFAULT_SHARDS, settle_seconds: float = 0.0):
        super().__init__()
        self._window_days = window_days
        self._threshold = threshold
        self._feed_memory = feed_memory
        self._state_dir, self._token = state_dir, token
        self._shards = max(1, int(shards))
        self._settle = max(0.0, float(settle_seconds))

    def expand(self, stories):
        identity = (stories
                    | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
                    | "KeyById" >> beam.Map(lambda s: (s.story_id, s)).with_output_types(Tuple[str, Any])
                    | "Identity" >> beam.ParDo(_Identity(self._window_days, self._state_dir, self._token)).with_outputs(
                        "freed", main="stories"))
        shards = (identity.stories
                  | "KeyByFeed" >> beam.Map(lambda t: (t[0].feed_url, t)).with_output_types(Tuple[str, Any])
                  | "Fingerprint" >> beam.ParDo(_Fingerprint(self._feed_memory))
                  | "FanOut" >> beam.ParDo(_FanOut(self._shards, self._settle)).with_output_types(
                      Tuple[str, Any])
                  | "Shards" >> beam.ParDo(_Shards(self._window_days, self._threshold, self._shards, self._settle,
                                                   self._state_dir, self._token)).with_outputs(
                      "freed", main="answers"))
        near = (shards.answers
                | "ByHomeShard" >> beam.Map(lambda kv: kv).with_output_types(Tuple[str, Any])
                | "Decide" >> beam.ParDo(_Decide(self._window_days, self._shards, self._settle, self._state_dir,
                                                 self._token)).with_output_types(Tuple[str, Any])
                | "Clusters" >> beam.ParDo(_Clusters(self._window_days, self._state_dir, self._token)))
        freed = ((identity.freed, shards.freed) | "Freed" >> beam.Flatten()
                 | "OnlyFreed" >> beam.Filter(lambda f: isinstance(f, tuple) and len(f) == 2 and f[0] in _STAGES))
        return {"stories": near | "OnlyStories" >> beam.Filter(lambda s: isinstance(s, Story)),
                "freed": freed,
                "state_rows": near | "OnlyRows" >> beam.Filter(lambda r: isinstance(r, dict)),
                "events": near | "OnlyEvents" >> beam.Filter(lambda e: isinstance(e, ClusterEvent)),
                "decisions": near}


_STAGES = ("identity", "index", "index_on_arrival")
