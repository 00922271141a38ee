"""The append-only state logs of the streaming dedupe (stream.py `_LoggedKeyState`: `_Shards`,
`_Clusters`): how large they grow and when they are rewritten.

- a shard that answers the queries of other shards' stories logs each one ("recent", the whole
  probe): the log is compacted once it holds well more records than the index compacts to, so
  it stays within a bound while the first window fills, and replaying it gives the same index as
  replaying the uncompacted log (and as the object the worker caches);
- a cluster's log gains a "touch" record at most once per interval for a story seen again;
- the cleanup timers wait for the same slack as the expiry on arrival: entries expiring within
  less than the slack are removed by one compaction, not one each (TestStream, counted by the
  `*_log_compacted` counters).

The DoFns are driven directly with in-memory states where a unit test shows it (the states
round-trip every record through the state coder, as Beam stores them)."""
import datetime as _dt

import apache_beam as beam
import numpy as np
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to

from tests.dedupe.test_stream import QUAKE, T0, at, story, streaming_pipeline
from tests.dedupe.test_stream_clusters import decided
from tests.support.states import ValueState
from transforms.coders import STATE_CODER
from transforms.dedupe.clusters import ClusterMemory, settle, touch
from transforms.dedupe.fingerprint import CONTAINMENT, shingles
from transforms.dedupe.shards import ShardIndex, make_probe
from transforms.dedupe.stream import LOG_FLOOR, StreamDedupe, _Clusters, _LoggedKeyState, _Shards, shard_key
from transforms.records import CANONICAL, DUPLICATE

MIN = 60.0
HOUR = 3600.0


class Bag:
    """A BagState: records stored encoded, as Beam stores them."""

    def __init__(self):
        self.items = []

    def add(self, value):
        self.items.append(STATE_CODER.encode(value))

    def read(self):
        return [STATE_CODER.decode(b) for b in self.items]

    def clear(self):
        self.items = []

    def bytes(self):
        return sum(map(len, self.items))


class Timer:
    def __init__(self):
        self.at = None

    def set(self, t):
        self.at = float(t)


class Key:
    """The states of one key of a logged step."""

    def __init__(self):
        self.log, self.version, self.cleanup = Bag(), ValueState(), Timer()

    def kwargs(self):
        return {"log_state": self.log, "version_state": self.version, "cleanup": self.cleanup}


def norm(x):
    """A comparable form of an index's or a memory's fields (arrays as lists, tuples as lists)."""
    if isinstance(x, np.ndarray):
        return [int(v) for v in x]
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [norm(v) for v in x]
    return x


def shard_fields(index: ShardIndex) -> dict:
    return {"entries": norm(index.entries), "buckets": norm(index.buckets), "agencies": norm(index.agencies),
            "labels": index.labels, "firsts": index.firsts, "aliases": norm(index.aliases),
            "alias_buckets": norm(index.alias_buckets), "meta": norm(index.meta),
            "recent": [(sid, norm(tuple(p))) for sid, p in index.recent.items()],
            "newest": index.newest, "oldest": index.oldest}


def replayed(records, build=ShardIndex):
    obj = build()
    for r in records:
        obj.apply(r)
    return obj


def text_of(k):
    """A distinct story text (70 words of a seeded random vocabulary)."""
    rng = np.random.default_rng(k)
    words = [f"w{int(x)}" for x in rng.integers(0, 5000, 70)]
    return " ".join(words[:35]) + ".\n\n" + " ".join(words[35:]) + "."


def loaded(records):
    """A shard's index as `_Shards` rebuilds it from its log after a cache miss."""
    bag = Bag()
    bag.items = [r if isinstance(r, bytes) else STATE_CODER.encode(r) for r in records]
    step = _Shards(window_days=7, threshold=CONTAINMENT, shards=16, settle=300.0)
    version = ValueState()
    version.write("another worker's")
    index, logged = step._load(shard_key("en", 0), bag, version)
    assert logged == len(records)
    return index


def stories(n, minutes=1.0):
    """`n` stories a minute apart, one in five a reprint of the story before it (another feed)."""
    out = []
    for i in range(n):
        text = ("From the wires.\n\n" + text_of(i - 1)) if i % 5 == 4 else text_of(i)
        s = story(f"http://f{i % 7}/s{i}", text, f"f{i % 7}", T0 + _dt.timedelta(minutes=minutes * i))
        s.feed_agency = "Reuters" if i % 7 == 0 else None
        out.append(s)
    return out


def feed_shards(n, shards=16):
    """`n` stories through a `_Shards` DoFn (every story's probe to every shard, as FanOut sends
    them), with a plain ShardIndex per shard beside it keeping the log as written (uncompacted)."""
    dofn = _Shards(window_days=7, threshold=CONTAINMENT, shards=shards, settle=300.0)
    dofn.setup()
    keys = {j: Key() for j in range(shards)}
    plain = {j: ShardIndex() for j in range(shards)}
    written = {j: [] for j in range(shards)}
    largest = {j: 0 for j in range(shards)}
    for s in stories(n):
        when = s.fetched_at.timestamp()
        probe = make_probe(s, None, shingles(s.text), when, shards)
        for j in range(shards):
            kind = "home" if j == probe.home else "probe"
            list(dofn.process((shard_key("en", j), (kind, s if kind == "home" else None, probe)), **keys[j].kwargs()))
            records, _, _ = plain[j].receive(probe, kind == "home", dofn._window_s, CONTAINMENT, 300.0, dofn._horizon)
            written[j] += records
            largest[j] = max(largest[j], len(keys[j].log.items))
    return dofn, keys, plain, written, largest


def test_a_shard_log_is_compacted_while_the_first_window_fills_and_replays_to_the_same_index():
    dofn, keys, plain, written, largest = feed_shards(480)
    for j, key in keys.items():
        cached = dofn._cache[shard_key("en", j)][1]
        live = len(cached.records())
        assert cached.record_count() == live
        # bounded by the records the index compacts to, not by the probes it ever answered
        assert len(written[j]) > 2 * max(LOG_FLOOR, 2 * live), (len(written[j]), live)   # the case shows it
        assert largest[j] <= max(LOG_FLOOR, 2 * live) + 8, (largest[j], live)
        compact_bytes = sum(len(STATE_CODER.encode(r)) for r in cached.records())
        written_bytes = sum(len(STATE_CODER.encode(r)) for r in written[j])
        assert key.log.bytes() < 0.5 * written_bytes
        assert key.log.bytes() <= 3 * compact_bytes
        # the same index: the log as kept and the log as written, replayed as the DoFn replays a log
        # after a cache miss; the object the worker cached; a ShardIndex that answered the same
        kept = shard_fields(loaded(key.log.items))
        assert kept == shard_fields(loaded(written[j])) == shard_fields(cached) == shard_fields(plain[j])
        assert len(cached.recent) < 20                      # the queries of the horizon (600 s)


def test_a_replayed_shard_answers_as_the_cached_one():
    """After a cache miss (another worker) the shard replays its compacted log: same answers."""
    dofn, keys, _, _, _ = feed_shards(200)
    again = _Shards(window_days=7, threshold=CONTAINMENT, shards=16, settle=300.0)
    again.setup()
    late = story("http://late/q", "From the late desk.\n\n" + text_of(42), "late",
                 T0 + _dt.timedelta(minutes=201))
    probe = make_probe(late, None, shingles(late.text), late.fetched_at.timestamp(), 16)
    answers = []
    for step in (dofn, again):
        out = []
        for j in range(16):
            kind = "home" if j == probe.home else "probe"
            k = Key()
            k.log.items, k.version.value = list(keys[j].log.items), keys[j].version.value
            out += [m for m in step.process((shard_key("en", j), (kind, late if kind == "home" else None, probe)),
                                            **k.kwargs()) if m[1][0] == "answer"]
        answers.append(sorted((m[0], [(r.kind, r.match, r.root) for r in m[1][2]]) for m in out))
    assert answers[0] == answers[1] and any(a[1] for a in answers[0])




def test_a_cluster_logs_a_touch_at_most_once_per_interval():
    memory = ClusterMemory()
    wire = decided(story("http://wire/quake", QUAKE, "wire", T0), None, CANONICAL)
    records, columns, _ = settle(memory, wire, None, T0.timestamp(), T0, "run")
    t = T0.timestamp()
    assert touch(memory, wire.story_id, t + 5 * MIN, every=HOUR) == ([], columns)     # columns still known
    assert memory.members[wire.story_id][0] == t                                     # and not moved
    logged, columns_again = touch(memory, wire.story_id, t + HOUR, every=HOUR)
    assert logged == [("touch", wire.story_id, t + HOUR)] and columns_again == columns
    assert memory.members[wire.story_id][0] == t + HOUR


def test_a_story_re_polled_every_five_minutes_for_a_day_adds_a_touch_an_hour_to_its_cluster():
    dofn = _Clusters(window_days=7)
    dofn.setup()
    key = Key()
    wire = decided(story("http://wire/quake", QUAKE, "wire", T0), None, CANONICAL)
    list(dofn.process((wire.story_id, ("decided", wire, None, [], None, T0.timestamp())), **key.kwargs()))
    after_decided = len(key.log.items)
    rows = []
    for k in range(1, 24 * 12 + 1):
        again = story("http://wire/quake", QUAKE, "wire", T0 + _dt.timedelta(minutes=5 * k))
        again.cluster_id = wire.story_id
        row = {"story_id": wire.story_id, "root_key": f"1|x|{wire.story_id}"}
        rows += [m for m in dofn.process((wire.story_id, ("touch", again, row)), **key.kwargs()) if isinstance(m, dict)]
    assert len(rows) == 24 * 12 and all(r.get("version") == 1 for r in rows)   # every sighting gets its columns
    assert len(key.log.items) - after_decided <= 24 + 1, len(key.log.items)
    memory = dofn._cache[wire.story_id][1]
    assert memory.members[wire.story_id][0] == T0.timestamp() + 24 * HOUR     # last seen: the last logged touch
    assert norm(replayed(key.log.read(), ClusterMemory).members) == norm(memory.members)


# --------------------------------------------------------------------------- cleanup timers

COMPACTIONS: list = []      # (step, records written) of every log compaction (the runner is in-process)
FREED: list = []


def keep_freed(freed):
    FREED.append(freed)


def test_entries_expiring_within_the_slack_are_removed_by_one_compaction(monkeypatch):
    """One cluster on one shard: an original and 7 reprints a minute apart (all within the slack,
    1.2 h for a 1-day window), and a reprint 3 h later that stays. When the watermark passes them by
    the window, one timer removes the 8 (one compaction a step), not one timer each."""
    compact = _LoggedKeyState._compact

    def counted(self, obj, log_state):
        COMPACTIONS.append((type(self).__name__, obj.record_count()))
        return compact(self, obj, log_state)
    monkeypatch.setattr(_LoggedKeyState, "_compact", counted)
    COMPACTIONS.clear()
    FREED.clear()
    n = 8
    first = story("http://wire/quake", QUAKE, "wire", T0)
    copies = [story(f"http://f{i}/quake", f"From outlet {i}.\n\n" + QUAKE, f"f{i}", T0 + _dt.timedelta(minutes=i))
              for i in range(1, n)]
    late = story("http://late/quake", "From the late desk.\n\n" + QUAKE, "late", T0 + _dt.timedelta(hours=3))
    events = test_stream.TestStream().advance_watermark_to(T0.timestamp())
    for s in [first, *copies, late]:
        events = events.add_elements([at(s)]).advance_watermark_to(s.fetched_at.timestamp() + 1)
    day = 86400.0
    for i in range(n):      # the watermark passes each early entry by the window, one at a time
        events = events.advance_watermark_to(T0.timestamp() + day + i * MIN + 2)
    events = events.advance_watermark_to(T0.timestamp() + day + 2 * HOUR)   # past the slack, before the late one
    p = streaming_pipeline()
    out = p | events.advance_watermark_to_infinity() | StreamDedupe(window_days=1, shards=1)
    _ = out["freed"] | beam.Map(keep_freed)
    assert_that(out["stories"] | beam.Map(lambda s: (s.disposition, s.cluster_id)),
                equal_to([(CANONICAL, first.story_id)] + [(DUPLICATE, first.story_id)] * n))
    p.run().wait_until_finish()
    assert sorted(sid for stage, sid in FREED if stage == "index") == sorted(
        s.story_id for s in [first, *copies, late])                       # everything was freed in the end
    # the 8 early entries by one compaction of each step's key (the late one: its log cleared)
    assert sorted(step for step, _ in COMPACTIONS) == ["_Clusters", "_Shards"], COMPACTIONS
