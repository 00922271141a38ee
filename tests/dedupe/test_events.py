"""Cluster events (transforms/dedupe/events.py): later changes to clusters whose rows are written
— the agency's own item arriving after its reprint, two clusters merged by a story that matches
both — decided by the same rules in batch (across runs) and in streaming (on arrival)."""
import datetime as _dt
import json
import shutil

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that, equal_to

from tests.dedupe.test_cross_run import WIRE_URL, feeds_without, rows
from tests.dedupe.test_stream import BUDGET, QUAKE, T0, at, story
from tests.support import EXAMPLES
from transforms.dedupe.events import (AGENCY_ITEM, EARLIER_PUBLISHED, MERGED, ORIGIN, best_origin_events,
                                      current_clusters, merge_events, origin_event, origin_rank)
from transforms.dedupe.exact import order_key
from transforms.dedupe.state import frozen_root
from transforms.dedupe.stream import StreamDedupe
from transforms.records import CANONICAL, DUPLICATE, Story
from pipeline.main import run

MIN = _dt.timedelta(minutes=1)


def labelled(sid, published, agency=None, feed="http://outlet/feed"):
    s = Story(story_id=sid, feed_url=feed, published=published, feed_agency=agency)
    return order_key(s)


def test_origin_rank_puts_the_agency_item_first_then_the_earliest():
    reprint = labelled("r", T0)
    agency = labelled("a", T0 + MIN, agency="Reuters")
    earlier = labelled("e", T0 - MIN)
    assert origin_rank(agency) < origin_rank(earlier) < origin_rank(reprint)
    # a remembered root key (frozen: "0|" first) ranks by the same fields
    assert origin_rank(frozen_root(reprint)) == origin_rank(reprint)
    e = origin_event("r", frozen_root(reprint), agency, "a", T0)
    assert (e.event, e.target, e.reason, e.origin_rank) == (ORIGIN, "a", AGENCY_ITEM, origin_rank(agency))
    assert origin_event("r", frozen_root(reprint), earlier, "e", T0).reason == EARLIER_PUBLISHED
    assert origin_event("r", agency, reprint, "r", T0) is None           # later and not the agency's
    merged = merge_events("x", ["y", "x", "z", "y"], "bridge", T0)
    assert [(m.cluster_id, m.event, m.target) for m in merged] == [("y", MERGED, "x"), ("z", MERGED, "x")]
    best = best_origin_events([origin_event("r", reprint, earlier, "e", T0),
                               origin_event("r", reprint, agency, "a", T0)] + merged)
    assert [(b.cluster_id, b.target) for b in best if b.event == ORIGIN] == [("r", "a")]


def test_current_clusters_follow_merges_and_keep_the_best_origin():
    a_late = labelled("a2", T0 + MIN, agency="AP")
    events = merge_events("x", ["y"], "b1", T0) + merge_events("y", ["z"], "b0", T0) + [
        origin_event("z", labelled("z", T0), labelled("e", T0 - MIN), "e", T0),
        origin_event("x", labelled("x", T0), a_late, "a2", T0)]
    rows = [vars(e) for e in events]                # as read back from the table
    assert current_clusters(rows) == current_clusters(events) == {
        "x": ("x", "a2"), "y": ("x", "a2"), "z": ("x", "a2")}
    assert current_clusters([]) == {}


def read_events(out):
    """The table as README reads it (pyarrow dataset, hive partitions)."""
    import pyarrow.dataset as ds
    if not (out / "cluster_events").exists():
        return []
    return ds.dataset(str(out / "cluster_events"), partitioning="hive").to_table().to_pylist()


def test_batch_agency_item_after_its_reprint_is_an_origin_event(tmp_path):
    # day 1: an outlet's reprint of a Xinhua story, without the agency's own feed (nor the copy
    # that has the agency item's URL); day 2: every feed
    folder, listing = feeds_without(tmp_path, ["xinhua-world.xml", "pacific-rim-digest.xml"])
    out = tmp_path / "out"
    assert run(["--feeds", str(listing), "--output", str(out), "--run-id", "day1"]) == 0
    copy = next(r for r in rows(out) if r["feed_url"].endswith("lakeland-courier.xml") and r["agencies"] == ["Xinhua"])
    assert copy["duplicate_of"] is None              # the outlet's copy is the cluster's canonical story
    assert read_events(out) == []
    shutil.copy(EXAMPLES / "feeds.opml", tmp_path / "all.opml")
    assert run(["--feeds", str(tmp_path / "all.opml"), "--output", str(out), "--run-id", "day2"]) == 0
    wire = next(r for r in rows(out) if r["feed_url"].endswith("xinhua-world.xml") and r["canonical_url"] == WIRE_URL)
    assert wire["duplicate_of"] == copy["story_id"]          # the earlier run's story stays canonical
    events = read_events(out)
    assert [(e["cluster_id"], e["event"], e["target"], e["reason"], e["run_id"]) for e in events] == [
        (copy["cluster_id"], ORIGIN, wire["story_id"], AGENCY_ITEM, "day2")]
    summary = json.loads((out / "runs" / "day2.json").read_text())
    assert summary["counts"]["cluster_events"] == 1
    assert current_clusters(events) == {copy["cluster_id"]: (copy["cluster_id"], wire["story_id"])}


def streaming_pipeline():
    return beam.Pipeline(options=PipelineOptions(["--streaming"]))


def test_stream_agency_item_after_its_reprint_and_a_merge_of_two_clusters():
    reprint = story("http://outlet/quake", QUAKE, "http://outlet/feed", T0, published=T0 - 5 * MIN)
    wire = story("http://wire/quake", QUAKE + " Reuters", "http://wire/feed", T0 + MIN, published=T0 - 10 * MIN)
    wire.feed_agency = "Reuters"
    budget = story("http://outlet/budget", BUDGET, "http://outlet2/feed", T0 + 2 * MIN)
    both = story("http://digest/both", QUAKE + "\n\n" + BUDGET, "http://digest/feed", T0 + 3 * MIN)
    quake, budget_id = reprint.story_id, budget.story_id
    events = test_stream.TestStream().advance_watermark_to(T0.timestamp())
    for s in (reprint, wire, budget, both):
        events = events.add_elements([at(s)]).advance_watermark_to(s.fetched_at.timestamp() + 1)
    p = streaming_pipeline()
    out = p | events.advance_watermark_to_infinity() | StreamDedupe(window_days=7)
    assert_that(out["stories"] | beam.Map(lambda s: (s.url, s.disposition, s.duplicate_of, s.cluster_id)), equal_to([
        ("http://outlet/quake", CANONICAL, None, quake),            # first to arrive: its row says canonical
        ("http://wire/quake", DUPLICATE, quake, quake),
        ("http://outlet/budget", CANONICAL, None, budget_id),
        ("http://digest/both", DUPLICATE, quake, quake)]))          # joins the earliest cluster ...
    assert_that(out["events"] | beam.Map(lambda e: (e.cluster_id, e.event, e.target, e.story_id, e.reason)),
                equal_to([(quake, ORIGIN, wire.story_id, wire.story_id, AGENCY_ITEM),   # the agency's own item
                          (budget_id, MERGED, quake, both.story_id, "merge")]),         # ... and merges the other
                label="events")
    p.run().wait_until_finish()
