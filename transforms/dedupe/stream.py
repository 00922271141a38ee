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
stories of the dedupe window — bottom-k sketch, LSH band keys, content key, first- and
last-seen times, cluster root. A new story looks its LSH keys and content key up, verifies the
candidates by shingle containment (`fingerprint.similarity` / `is_duplicate`, the batch
thresholds) and joins the cluster of the earliest-seen root it matches, else starts its own.

Time and memory. "Now" is the fetch time of the arriving story (wall clock at the poll). An
entry seen last more than `window_days` before it is ignored on arrival (correctness) and
removed when the language's newest fetch time has moved past it. Event-time timers only free
memory: a timer callback removes entries older than max(newest fetch time seen,
min(timer time, wall clock)) minus the window, so a timer that fires early (the FnApiRunner
fires event-time timers after every bundle) removes nothing that is still live.

Approximations, compared with the batch Dedupe (also in docs/streaming.md):
- the canonical story is the first to arrive, not the agency's own item or the earliest
  published: rows already written are never re-pointed;
- a story that matches two existing clusters joins the earliest one; clusters are not merged;
- `agencies_inferred` comes from the cluster as known on arrival (later agency items of the
  cluster do not update rows already written);
- remembered stories are compared through their bottom-k sketch (as batch cross-run state is).
"""
from __future__ import annotations

import datetime as _dt
import time
import uuid
import zlib
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms import userstate
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from transforms.clean.stories import stable_id
from transforms.dedupe.fingerprint import CONTAINMENT, shingles, without_paragraphs
from transforms.records import ALREADY_SEEN, CANONICAL, Story, safe_language
from transforms.dedupe.index import NearDuplicateIndex
from transforms.clean.text import normalize_for_hash

__all__ = ["StreamDedupe", "NearDuplicateIndex", "identity_step"]

FEED_MEMORY = 64          # stories per feed whose paragraphs are remembered (boilerplate)
DAY = 86400.0


def epoch(when: Optional[_dt.datetime]) -> float:
    return when.timestamp() if when is not None else time.time()


def cleanup_reference(newest_seen: float, timer_time: float, wall: Optional[float] = None) -> float:
    """The 'now' a cleanup timer may expire against: never later than the wall clock, so an
    early-fired timer cannot remove entries that are still inside the window."""
    wall = time.time() if wall is None else wall
    return max(newest_seen, min(timer_time, wall))


# --------------------------------------------------------------------------- identity

def identity_step(entry: Optional[dict], story: Story, window_s: float) -> Tuple[dict, Story, Optional[str], bool]:
    """One arrival at the identity state of `story.story_id`.

    Returns (new entry, story, exact_of, expired): `story` carries its (possibly derived) id
    and, for a re-poll, disposition ALREADY_SEEN; `exact_of` is the first sighting's id when
    the story is an exact copy from another feed (or a second entry of the same feed); `expired`
    says an entry existed but had left the window (it is forgotten)."""
    head = story.story_id
    fetched = epoch(story.fetched_at)
    expired = False
    if entry is not None and fetched - entry["seen"] > window_s:
        entry, expired = None, True
    if entry is None:
        entry = {"seen": fetched, "first": fetched, "ids": {head},
                 "feeds": {story.feed_url: {"ids": [head], "poll": fetched, "k": 1}}}
        return entry, story, None, expired
    entry["seen"] = max(entry["seen"], fetched)
    feed = entry["feeds"].setdefault(story.feed_url, {"ids": [], "poll": None, "k": 0})
    if feed["poll"] != fetched:           # a new poll of this feed: count its occurrences afresh
        feed["poll"], feed["k"] = fetched, 0
    k = feed["k"]
    feed["k"] = k + 1
    if k < len(feed["ids"]):              # the k-th occurrence in this feed was seen before
        story.story_id = feed["ids"][k]
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
    ENTRY = userstate.ReadModifyWriteStateSpec("entry", PickleCoder())
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float):
        self._window_s = float(window_days) * DAY
        self._expired = Metrics.counter("stream_dedupe", "identity_expired_on_arrival")
        self._freed = Metrics.counter("stream_dedupe", "identity_state_freed")
        self._seen = Metrics.counter("stream_dedupe", "already_seen")

    def process(self, element, entry_state=beam.DoFn.StateParam(ENTRY),
                cleanup=beam.DoFn.TimerParam(CLEANUP)):
        _, story = element
        entry, story, exact_of, expired = identity_step(entry_state.read(), story, self._window_s)
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
    RECENT = userstate.ReadModifyWriteStateSpec("recent", PickleCoder())

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

class _NearDuplicates(beam.DoFn):
    """Keyed by language. The index lives in an append-only BagState of log records (one record
    per new story, and per story seen again at most once per TOUCH_EVERY), compacted when
    entries expire; each worker keeps the decoded index in memory and reuses it while the
    VERSION state still holds the token it wrote last (otherwise — another worker, a retried
    bundle — it replays the log). So a bundle costs what its stories cost, not the index size."""

    LOG = userstate.BagStateSpec("log", PickleCoder())
    VERSION = userstate.ReadModifyWriteStateSpec("version", PickleCoder())
    CLEANUP = userstate.TimerSpec("cleanup", userstate.TimeDomain.WATERMARK)

    def __init__(self, window_days: float, threshold: float):
        self._window_s = float(window_days) * DAY
        self._threshold = threshold
        self._slack = max(3600.0, self._window_s / 20)     # expiry is batched by this much
        self._touch_every = min(3600.0, self._window_s / 20)
        self._cache: Dict[str, Tuple[str, NearDuplicateIndex]] = {}
        self._expired = Metrics.counter("stream_dedupe", "index_expired")
        self._freed = Metrics.counter("stream_dedupe", "index_freed_by_timer")
        self._rebuilt = Metrics.counter("stream_dedupe", "index_replayed")
        self._canonical = Metrics.counter("stream_dedupe", "canonical")
        self._duplicates = Metrics.counter("stream_dedupe", "duplicates")

    def _load(self, key: str, log_state, version_state) -> NearDuplicateIndex:
        cached = self._cache.pop(key, None)   # back in the cache only once saved: an exception
        version = version_state.read()        # in between leaves no half-updated index behind
        if cached is not None and version is not None and cached[0] == version:
            return cached[1]
        index = NearDuplicateIndex()
        for record in log_state.read():
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
        index = self._load(key, log_state, version_state)
        when = epoch(story.fetched_at)
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
        else:
            record = index.decide(story, exact_of, ordered, when, self._window_s, self._threshold)
            (self._canonical if story.disposition == CANONICAL else self._duplicates).inc()
        if record is not None:
            log_state.add(record)
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
    forgotten ('identity' and 'index' by cleanup timers, 'index_on_arrival' on arrival)}."""

    def __init__(self, window_days: float = 7.0, threshold: float = CONTAINMENT,
                 feed_memory: int = FEED_MEMORY):
        super().__init__()
        self._window_days = window_days
        self._threshold = threshold
        self._feed_memory = feed_memory

    def expand(self, stories):
        identity = (stories
                    | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
                    | "KeyById" >> beam.Map(lambda s: (s.story_id, s)).with_output_types(Tuple[str, Any])
                    | "Identity" >> beam.ParDo(_Identity(self._window_days)).with_outputs("freed", main="stories"))
        near = (identity.stories
                | "KeyByFeed" >> beam.Map(lambda t: (t[0].feed_url, t)).with_output_types(Tuple[str, Any])
                | "Fingerprint" >> beam.ParDo(_Fingerprint(self._feed_memory))
                | "KeyByLanguage" >> beam.Map(lambda t: (safe_language(t[0].language), t)).with_output_types(
                    Tuple[str, Any])
                | "NearDuplicates" >> beam.ParDo(_NearDuplicates(self._window_days, self._threshold)).with_outputs(
                    "freed", main="stories"))
        freed = ((identity.freed, near.freed) | "Freed" >> beam.Flatten()
                 | "OnlyFreed" >> beam.Filter(lambda f: isinstance(f, tuple) and len(f) == 2 and f[0] in _STAGES))
        return {"stories": near.stories | "OnlyStories" >> beam.Filter(lambda s: isinstance(s, Story)),
                "freed": freed}


_STAGES = ("identity", "index", "index_on_arrival")
