"""The sharded streaming index and the settle time (transforms/dedupe/shards.py, stream.py).

- two near-duplicates homed on different shards are found whatever order their inserts and
  queries reach the shards in (the crossing check), and decided consistently;
- no key holds a language: every shard key gets 1/S of a language's messages;
- settle time, with TestStream: the agency's own item arriving after its reprint within the settle
  time is the canonical story and the reprint its duplicate, no event; after it, an origin event.
"""
import datetime as _dt
import itertools

import apache_beam as beam
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to

from tests.dedupe.test_stream import BUDGET, QUAKE, RAIL, T0, at, story, streaming_pipeline
from transforms.dedupe.events import AGENCY_ITEM, ORIGIN
from transforms.dedupe.fingerprint import CONTAINMENT, shingles
from transforms.dedupe.shards import ShardedReplay, ShardIndex, decide, home_shard, make_probe
from transforms.dedupe.stream import StreamDedupe
from transforms.records import CANONICAL, DUPLICATE

MIN = _dt.timedelta(minutes=1)
WEEK = 7 * 86400.0


def on_other_shards(shards=2):
    """A story and its reprint whose home shards differ."""
    original = story("http://wire/quake", QUAKE, "wire", T0)
    for i in itertools.count():
        reprint = story(f"http://daily/quake-{i}", "From the wires.\n\n" + QUAKE, "daily", T0)
        if home_shard(reprint.story_id, shards) != home_shard(original.story_id, shards):
            return original, reprint


def run_order(order, horizon=600.0, settle=0.0):
    """Delivers the four messages of two concurrent stories to two shards in `order` (a list of
    (story index, shard)); returns the two stories decided from what their answers say."""
    a, b = on_other_shards()
    stories = [a, b]
    probes = [make_probe(s, None, shingles(s.text), T0.timestamp(), 2) for s in stories]
    shards = [ShardIndex(), ShardIndex()]
    reports = {s.story_id: [] for s in stories}
    for i, j in order:
        _, answer, others = shards[j].receive(probes[i], probes[i].home == j, WEEK, CONTAINMENT, settle, horizon)
        reports[stories[i].story_id] += answer
        for r in others:
            reports[r.query].append(r)
    for s, p in zip(stories, probes, strict=True):
        decide(s, p, reports[s.story_id], settle, T0)
    return stories


def every_interleaving():
    """Each shard's own order of the two messages it gets (home insert vs the other's query)."""
    a, b = on_other_shards()
    ha, hb = home_shard(a.story_id, 2), home_shard(b.story_id, 2)
    for first_at_a, first_at_b in itertools.product((0, 1), (0, 1)):
        at_a = [(0, ha), (1, ha)] if first_at_a == 0 else [(1, ha), (0, ha)]
        at_b = [(1, hb), (0, hb)] if first_at_b == 0 else [(0, hb), (1, hb)]
        for merged in ([*at_a, *at_b], [*at_b, *at_a], [at_a[0], at_b[0], at_a[1], at_b[1]]):
            yield merged


def test_concurrent_near_duplicates_on_two_shards_always_meet():
    for order in every_interleaving():
        a, b = run_order(order)
        canonical = [s for s in (a, b) if s.disposition == CANONICAL]
        duplicate = [s for s in (a, b) if s.disposition == DUPLICATE]
        assert len(canonical) == 1 and len(duplicate) == 1, order
        assert duplicate[0].duplicate_of == canonical[0].story_id == duplicate[0].cluster_id, order


def test_without_the_crossing_check_a_crossing_pair_is_missed():
    """The control: with no memory of recent queries (horizon -1), the crossing order (each query
    reaches the other's shard before the other's insert) leaves both canonical."""
    a, b = on_other_shards()
    ha, hb = home_shard(a.story_id, 2), home_shard(b.story_id, 2)
    crossing = [(1, ha), (0, hb), (0, ha), (1, hb)]
    missed = run_order(crossing, horizon=-1.0)
    assert [s.disposition for s in missed] == [CANONICAL, CANONICAL]
    found = run_order(crossing)
    assert sorted(s.disposition for s in found) == sorted([CANONICAL, DUPLICATE])


def test_a_reprint_of_a_reprint_joins_the_first_story_across_shards():
    """W on one shard, X (a copy of W) and Z (a copy of X that no longer matches W): Z's answers
    know X's root through the alias X left on W's shard."""
    lead = QUAKE.split(". ")
    w = story("http://wire/quake", QUAKE, "wire", T0)
    x = story("http://a/quake", QUAKE + " " + RAIL, "a", T0 + MIN)
    z = story("http://b/quake", lead[0] + ". " + RAIL + " " + BUDGET, "b", T0 + 2 * MIN)
    replay = ShardedReplay(shards=4)
    for s in (w, x, z):
        replay.arrive(s, None, shingles(s.text), s.fetched_at.timestamp())
    assert (w.disposition, x.duplicate_of) == (CANONICAL, w.story_id)
    assert z.cluster_id == w.story_id or z.disposition == CANONICAL


def test_every_shard_key_gets_a_share_of_one_language():
    replay = ShardedReplay(shards=8)
    texts = [QUAKE, BUDGET, RAIL]
    for i in range(120):
        s = story(f"http://f{i % 7}/s{i}", f"Item {i} of the day. " + texts[i % 3] + f" Number {i}.", f"f{i % 7}",
                  T0 + i * MIN)
        replay.arrive(s, None, shingles(s.text), s.fetched_at.timestamp())
    replay.finish()
    sizes = [len(replay.index[("en", j)]) for j in range(8)]
    assert sum(sizes) == 120 and max(sizes) < 120 / 2       # no shard holds the language


def settle_run(agency_after: _dt.timedelta, settle: float = 300.0):
    reprint = story("http://outlet/quake", QUAKE, "http://outlet/feed", T0, published=T0 - 5 * MIN)
    wire = story("http://wire/quake", QUAKE + " Reuters", "http://wire/feed", T0 + agency_after,
                 published=T0 - 10 * MIN)
    wire.feed_agency = "Reuters"
    later = story("http://other/rail", RAIL, "http://other/feed", T0 + agency_after + 10 * MIN)
    events = test_stream.TestStream().advance_watermark_to(T0.timestamp())
    for s in (reprint, wire, later):
        events = events.add_elements([at(s)]).advance_watermark_to(s.fetched_at.timestamp() + 1)
    # the watermark passes the last story's settle time: its release timer fires (TestStream's
    # runner does not hold the watermark of downstream steps for a timer at infinity)
    events = events.advance_watermark_to(later.fetched_at.timestamp() + settle + 10)
    p = streaming_pipeline()
    out = p | events.advance_watermark_to_infinity() | StreamDedupe(window_days=7, settle_seconds=settle)
    return p, out, reprint, wire, later


def test_settle_time_the_agency_item_after_its_reprint_is_canonical():
    p, out, reprint, wire, later = settle_run(agency_after=MIN)
    assert_that(out["stories"] | beam.Map(lambda s: (s.url, s.disposition, s.duplicate_of, s.cluster_id)), equal_to([
        ("http://outlet/quake", DUPLICATE, wire.story_id, wire.story_id),
        ("http://wire/quake", CANONICAL, None, wire.story_id),
        ("http://other/rail", CANONICAL, None, later.story_id)]))
    assert_that(out["events"] | beam.Map(lambda e: (e.cluster_id, e.event)), equal_to([]), label="no events")
    assert_that(out["state_rows"] | beam.Map(lambda r: (r["story_id"], r["root_key"].rsplit("|", 1)[1])),
                equal_to([(reprint.story_id, wire.story_id), (wire.story_id, wire.story_id),
                          (later.story_id, later.story_id)]), label="state rows")
    p.run().wait_until_finish()


def test_after_the_settle_time_the_agency_item_is_an_origin_event():
    p, out, reprint, wire, later = settle_run(agency_after=6 * MIN)
    assert_that(out["stories"] | beam.Map(lambda s: (s.url, s.disposition, s.duplicate_of)), equal_to([
        ("http://outlet/quake", CANONICAL, None),
        ("http://wire/quake", DUPLICATE, reprint.story_id),
        ("http://other/rail", CANONICAL, None)]))
    assert_that(out["events"] | beam.Map(lambda e: (e.cluster_id, e.event, e.target, e.reason)),
                equal_to([(reprint.story_id, ORIGIN, wire.story_id, AGENCY_ITEM)]), label="events")
    p.run().wait_until_finish()


def test_the_replay_decides_as_the_graph_does_for_the_settle_cases():
    for after, settle, expect in ((MIN, 300.0, "agency"), (6 * MIN, 300.0, "reprint"), (MIN, 0.0, "reprint")):
        reprint = story("http://outlet/quake", QUAKE, "http://outlet/feed", T0, published=T0 - 5 * MIN)
        wire = story("http://wire/quake", QUAKE + " Reuters", "http://wire/feed", T0 + after, published=T0 - 10 * MIN)
        wire.feed_agency = "Reuters"
        replay = ShardedReplay(shards=16, settle=settle)
        for s in (reprint, wire):
            replay.arrive(s, None, shingles(s.text), s.fetched_at.timestamp())
        replay.finish()
        root = wire if expect == "agency" else reprint
        assert reprint.cluster_id == wire.cluster_id == root.story_id
        assert [e.event for e in replay.events] == ([] if expect == "agency" else [ORIGIN])
