"""Streaming dedupe (transforms/dedupe/stream.py): decisions on arrival, driven by TestStream,
and expiry of the keyed state when the watermark passes the dedupe window.

TestStream runs on Beam's BundleBasedDirectRunner, whose event-time timers fire when the
watermark passes them. Event times here are in the past (January 2026), so a cleanup timer's
time is also earlier than the wall clock, which the cleanup compares against (see
`cleanup_reference`)."""
import datetime as _dt

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from transforms.clean.stories import content_hash, stable_id
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, Story
from transforms.dedupe.stream import (NearDuplicateIndex, StreamDedupe, cleanup_reference, fingerprint_step,
                                      identity_step)
from transforms.dedupe.fingerprint import shingles

T0 = _dt.datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
HOUR = _dt.timedelta(hours=1)

QUAKE = ("A strong earthquake struck the coastal province early on Tuesday, damaging hundreds of homes "
         "and cutting power to several towns, officials said. Rescue teams searched collapsed buildings "
         "in the port city while aftershocks continued through the morning. The seismology institute "
         "measured the quake at magnitude 6.4 at a depth of ten kilometres.")
BUDGET = ("The finance ministry unveiled a draft budget on Monday that raises spending on schools and "
          "hospitals while cutting subsidies for fuel, in a plan lawmakers will debate next month. The "
          "minister said the deficit would narrow to three percent of output by the end of the decade.")
RAIL = ("Engineers began testing the new high speed rail line between the two largest cities on "
        "Wednesday, a project delayed for years by land disputes and rising costs. Trains will reach "
        "three hundred kilometres an hour and cut the journey to ninety minutes, the operator said.")
CHROME = ("Subscribe to our newsletter for the best stories of the day delivered to your inbox every "
          "morning, and follow us on every social network where you can find our reporters and editors.")


def story(url, text, feed, fetched, published=None, title="t", guid=None, language="en"):
    s = Story(feed_url=feed, url=url, canonical_url=url, guid=guid, title=title, text=text,
              fetched_at=fetched, published=published or fetched, language=language,
              word_count=len(text.split()))
    s.content_hash = content_hash(title, text)
    s.story_id = stable_id("url:" + url)
    return s


def streaming_pipeline():
    return beam.Pipeline(options=PipelineOptions(["--streaming"]))


def summary(s):
    return (s.url, s.feed_url, s.disposition, s.duplicate_of, s.story_id)


def at(s):
    return TimestampedValue(s, s.fetched_at.timestamp())


def test_decisions_on_arrival_reprint_repoll_and_exact_copy():
    original = story("http://wire/quake", QUAKE, "wire", T0)
    budget = story("http://wire/budget", BUDGET, "wire", T0)
    # an hour later: the wire polled again, a reprint elsewhere, the same URL in a third feed
    repoll = story("http://wire/quake", QUAKE, "wire", T0 + HOUR)
    reprint = story("http://daily/quake-copy", "By our correspondent.\n\n" + QUAKE, "daily", T0 + HOUR,
                    title="Coastal quake")
    same_url = story("http://wire/budget", BUDGET, "aggregator", T0 + HOUR)
    other = story("http://daily/rail", RAIL, "daily", T0 + HOUR)
    oid, bid = original.story_id, budget.story_id
    copy_id = stable_id(bid, "aggregator", "", same_url.content_hash, "0")   # as batch ExactIdentity

    stream = (test_stream.TestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([at(original), at(budget)])
              .advance_watermark_to((T0 + HOUR).timestamp())
              .add_elements([at(repoll), at(reprint), at(same_url), at(other)])
              .advance_watermark_to_infinity())
    p = streaming_pipeline()
    out = (p | stream | StreamDedupe(window_days=7))["stories"]
    assert_that(out | beam.Map(summary), equal_to([
        ("http://wire/quake", "wire", CANONICAL, None, oid),
        ("http://wire/budget", "wire", CANONICAL, None, bid),
        ("http://wire/quake", "wire", ALREADY_SEEN, None, oid),
        ("http://daily/quake-copy", "daily", DUPLICATE, oid, reprint.story_id),
        ("http://wire/budget", "aggregator", DUPLICATE, bid, copy_id),
        ("http://daily/rail", "daily", CANONICAL, None, other.story_id),
    ]))
    sims = out | beam.Filter(lambda s: s.disposition == DUPLICATE) | beam.Map(lambda s: (s.url, s.cluster_id, s.similarity))
    assert_that(sims, equal_to([("http://daily/quake-copy", oid, 1.0), ("http://wire/budget", bid, 1.0)]),
                label="similarity")
    p.run().wait_until_finish()


def test_state_expires_after_the_dedupe_window():
    """window 1 day: the original is forgotten once the watermark passes it by a day, by timers
    (memory) — and a reprint arriving after that starts a new cluster (correctness on arrival)."""
    original = story("http://wire/quake", QUAKE, "wire", T0)
    within = story("http://daily/quake-copy", QUAKE + " Updated.", "daily", T0 + 20 * HOUR)
    late_reprint = story("http://weekly/quake", QUAKE, "weekly", T0 + 50 * HOUR)
    late_repoll = story("http://wire/quake", QUAKE, "wire", T0 + 50 * HOUR)
    stream = (test_stream.TestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([at(original)])
              .advance_watermark_to((T0 + 20 * HOUR).timestamp())
              .add_elements([at(within)])
              .advance_watermark_to((T0 + 48 * HOUR).timestamp())   # past seen + 1 day: timers fire
              .advance_watermark_to((T0 + 50 * HOUR).timestamp())
              .add_elements([at(late_reprint)])
              .advance_watermark_to((T0 + 50 * HOUR).timestamp() + 60)
              .add_elements([at(late_repoll)])
              .advance_watermark_to_infinity())
    p = streaming_pipeline()
    deduped = p | stream | StreamDedupe(window_days=1)
    out = deduped["stories"]
    assert_that(out | beam.Map(lambda s: (s.url, s.disposition, s.duplicate_of)), equal_to([
        ("http://wire/quake", CANONICAL, None),
        ("http://daily/quake-copy", DUPLICATE, original.story_id),
        # both forgotten: the identity entry and the index entries left the window
        ("http://weekly/quake", CANONICAL, None),
        ("http://wire/quake", DUPLICATE, late_reprint.story_id),
    ]))
    # the timers freed the state of both ids and both index entries when the watermark passed
    # their last sighting by a day (before the late arrivals: nothing was left to expire then)
    freed_before_late = [("identity", original.story_id), ("identity", within.story_id),
                         ("index", original.story_id), ("index", within.story_id)]
    assert_that(deduped["freed"] | beam.Filter(lambda f: f[1] in (original.story_id, within.story_id)),
                equal_to(freed_before_late), label="freed")
    p.run().wait_until_finish()


def test_boilerplate_of_a_feed_does_not_make_its_stories_duplicates():
    """Two different stories of one outlet share a long chrome paragraph: the feed's memory
    removes it from the second story's shingles (the batch Dedupe removes it per run)."""
    a = story("http://outlet/a", "Short note on the harbour works.\n\n" + CHROME, "outlet", T0)
    b = story("http://outlet/b", "Brief item about the school fair.\n\n" + CHROME, "outlet", T0 + HOUR)
    stream = (test_stream.TestStream().advance_watermark_to(T0.timestamp()).add_elements([at(a)])
              .advance_watermark_to((T0 + HOUR).timestamp()).add_elements([at(b)])
              .advance_watermark_to_infinity())
    p = streaming_pipeline()
    out = (p | stream | StreamDedupe(window_days=7))["stories"]
    assert_that(out | beam.Map(lambda s: (s.url, s.disposition)),
                equal_to([("http://outlet/a", CANONICAL), ("http://outlet/b", CANONICAL)]))
    p.run().wait_until_finish()


# --------------------------------------------------------------------------- pure logic

def test_identity_step_repolls_and_copies_in_one_feed():
    t, w = T0.timestamp(), 86400.0
    first = story("http://x/1", QUAKE, "f", T0)
    twin = story("http://x/1", QUAKE + " Again.", "f", T0)             # same URL twice in one document
    entry, s1, exact1, _ = identity_step(None, first, w)
    entry, s2, exact2, _ = identity_step(entry, twin, w)
    assert (s1.disposition, exact1) == (CANONICAL, None)
    assert exact2 == s1.story_id and s2.story_id != s1.story_id
    # the next poll of the same document: both occurrences are already seen, with their ids
    again1, again2 = story("http://x/1", QUAKE, "f", T0 + HOUR), story("http://x/1", QUAKE, "f", T0 + HOUR)
    entry, r1, _, _ = identity_step(entry, again1, w)
    entry, r2, _, _ = identity_step(entry, again2, w)
    assert (r1.disposition, r1.story_id) == (ALREADY_SEEN, s1.story_id)
    assert (r2.disposition, r2.story_id) == (ALREADY_SEEN, s2.story_id)
    # after the window the id is new again
    entry, r3, exact3, expired = identity_step(entry, story("http://x/1", QUAKE, "f", T0 + 30 * HOUR), w)
    assert expired and exact3 is None and r3.disposition == CANONICAL and entry["seen"] == t + 30 * 3600


def test_an_early_timer_frees_nothing_that_is_still_in_the_window():
    """The FnApiRunner fires event-time timers after every bundle: the cleanup compares with the
    wall clock too, so an early firing cannot expire live entries."""
    now = _dt.datetime.now(UTC)
    index = NearDuplicateIndex()
    s = story("http://wire/quake", QUAKE, "wire", now)
    index.decide(s, None, shingles(QUAKE), now.timestamp(), 86400.0)
    timer_time = now.timestamp() + 86400.0 + 1        # what the DoFn sets
    reference = cleanup_reference(index.newest, timer_time)     # fired "now", long before its time
    assert reference < timer_time
    assert index.expire(reference - 86400.0) == [] and len(index) == 1
    assert index.expire(timer_time - 86400.0 + 1) == [s.story_id] and len(index) == 0 and not index.buckets


def test_index_joins_the_earliest_cluster_and_skips_expired_entries():
    w = 86400.0
    index = NearDuplicateIndex()
    first = story("http://a/1", QUAKE, "a", T0)
    second = story("http://b/1", QUAKE + " More.", "b", T0 + HOUR)
    index.decide(first, None, shingles(first.text), T0.timestamp(), w)
    index.decide(second, None, shingles(second.text), (T0 + HOUR).timestamp(), w)
    assert (second.disposition, second.duplicate_of) == (DUPLICATE, first.story_id)
    assert second.similarity == pytest.approx(1.0)
    third = story("http://c/1", QUAKE, "c", T0 + 30 * HOUR)      # first left the window (seen T0)
    index.decide(third, None, shingles(third.text), (T0 + 30 * HOUR).timestamp(), w)
    assert third.disposition == CANONICAL


def test_fingerprint_memory_is_bounded():
    from collections import OrderedDict
    recent = OrderedDict()
    for i in range(100):
        fingerprint_step(recent, story(f"http://f/{i}", f"story {i} " + RAIL, "f", T0), memory=8)
    assert len(recent) == 8
    assert isinstance(fingerprint_step(recent, story("http://f/x", BUDGET, "f", T0)), np.ndarray)


def test_index_log_replays_to_the_same_decisions():
    """The streaming index state is an append-only log; replaying it (another worker, a retried
    bundle) or its compaction gives the same index."""
    w = 7 * 86400.0
    live, log = NearDuplicateIndex(), []
    texts = [("http://a/q", QUAKE, "a"), ("http://b/q", "Reporters say. " + QUAKE, "b"),
             ("http://a/b", BUDGET, "a"), ("http://c/r", RAIL, "c")]
    for i, (url, text, feed) in enumerate(texts):
        s = story(url, text, feed, T0 + i * HOUR)
        s.feed_agency = "Reuters" if feed == "a" else None
        log.append(live.decide(s, None, shingles(text), (T0 + i * HOUR).timestamp(), w))
    _, touched = live.touch(story("http://a/q", QUAKE, "a", T0).story_id, (T0 + 5 * HOUR).timestamp(), 3600)
    log.append(touched)
    for records in (log, live.records()):
        replayed = NearDuplicateIndex()
        for r in records:
            replayed.apply(r)
        assert replayed.entries.keys() == live.entries.keys()
        assert {k: (e[0], e[1], e[2], e[4], e[5], e[6]) for k, e in replayed.entries.items()} == \
            {k: (e[0], e[1], e[2], e[4], e[5], e[6]) for k, e in live.entries.items()}
        assert replayed.buckets == live.buckets and replayed.agencies == live.agencies
        probe = story("http://d/q", QUAKE + " Later.", "d", T0 + 6 * HOUR)
        replayed.decide(probe, None, shingles(probe.text), (T0 + 6 * HOUR).timestamp(), w)
        assert probe.duplicate_of == story("http://a/q", QUAKE, "a", T0).story_id
        assert probe.agencies_inferred == ["Reuters"]
