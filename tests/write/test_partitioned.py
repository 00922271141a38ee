"""WritePartitioned: partitioned Parquet/JSONL, dead letters, the run summary, atomic commit."""
import contextlib
import datetime as dt
import io
import json
import os

import apache_beam as beam
import pyarrow.dataset as ds
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.main import run
from tests.support import EXAMPLES, assert_conserved, read_dead_letters, read_summary, read_table
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, DeadLetter, FeedStatus, Story
from transforms.write.schema import STORY_COLUMNS
from transforms.write.partitioned import PartitionWritten, RunSummaryFn, WritePartitioned

UTC = dt.timezone.utc


def stories():
    a = Story(story_id="a1", title="Alpha", text="alpha text", language="en", agencies=["Reuters"],
              agency_sourced=True, published=dt.datetime(2026, 11, 26, 23, 30, tzinfo=UTC),
              fetched_at=dt.datetime(2026, 11, 28, tzinfo=UTC), authors=["X"], word_count=2)
    b = Story(story_id="b2", title="Beta", text="beta", language="de",
              published=dt.datetime(2026, 11, 27, 1, 0, tzinfo=UTC), word_count=1)
    c = Story(story_id="c3", title="Alpha copy", text="alpha text", language="en", disposition=DUPLICATE,
              duplicate_of="a1", cluster_id="a1", similarity=1.0,
              published=dt.datetime(2026, 11, 27, 5, 0, tzinfo=UTC), agencies=["Reuters"])
    d = Story(story_id="d4", language="en", disposition=ALREADY_SEEN,
              published=dt.datetime(2026, 11, 27, 5, 0, tzinfo=UTC))
    e = Story(story_id="e5", language="../../etc", title="Evil",
              published=dt.datetime(2026, 11, 27, 5, 0, tzinfo=UTC))
    return [a, b, c, d, e]


def dead():
    return [DeadLetter("fetch", "https://x.example/rss", None, "FetchError: HTTP 404", None, "2026-11-28T01:00:00+00:00"),
            DeadLetter("parse", "https://y.example/rss", "g-7", "KeyError: 'x'", "t", "2026-11-28T01:00:00+00:00")]


def statuses():
    return [FeedStatus("https://x.example/rss", "failed"), FeedStatus("https://y.example/rss", "ok", entries=6),
            FeedStatus("https://z.example/rss", "not_modified")]


def write(tmp_path, fmt=("parquet",), fail=False):
    with TestPipeline() as p:
        s = p | "S" >> beam.Create(stories())
        if fail:
            def boom(story):
                if story.story_id == "b2":
                    raise RuntimeError("injected write-stage failure")
                return story
            s = s | beam.Map(boom)
        inputs = {"stories": s, "dead_letter": p | "D" >> beam.Create(dead()),
                  "status": p | "F" >> beam.Create(statuses())}
        inputs | WritePartitioned(str(tmp_path), "run1", formats=fmt,
                                  header={"started_at": "t0", "runner": "DirectRunner", "options": {}})


def test_tables_partitions_and_summary(tmp_path):
    write(tmp_path)
    rows = read_table(tmp_path, "stories")
    assert sorted((r["story_id"], r["_date"], r["_lang"]) for r in rows) == [
        ("a1", "2026-11-26", "en"), ("b2", "2026-11-27", "de"), ("e5", "2026-11-27", "und")]
    assert all(r["cluster_id"] == r["story_id"] and r["duplicate_of"] is None for r in rows)
    dups = read_table(tmp_path, "duplicates")
    assert [(r["story_id"], r["duplicate_of"], r["similarity"]) for r in dups] == [("c3", "a1", 1.0)]
    assert set(STORY_COLUMNS) <= set(rows[0])
    a1 = next(r for r in rows if r["story_id"] == "a1")
    assert a1["published"] == dt.datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert a1["agencies"] == ["Reuters"] and a1["authors"] == ["X"]
    dls = read_dead_letters(tmp_path)
    assert sorted(d["stage"] for d in dls) == ["fetch", "parse"]
    assert set(dls[0]) == {"stage", "source", "entry", "error", "excerpt", "at"}
    summary = read_summary(tmp_path)
    c = summary["counts"]
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"], c["feeds_not_modified"]) == (3, 1, 1, 1)
    assert (c["stories"], c["duplicates"], c["already_seen"], c["dead_letters"], c["entry_dead_letters"]) == (3, 1, 1, 2, 1)
    assert c["entries_total"] == 6
    assert_conserved(summary)
    assert summary["run_id"] == "run1" and summary["finished_at"]
    assert summary["by_language"] == {"en": 2, "de": 1, "und": 1}
    assert summary["by_agency"] == {"Reuters": 2}
    assert not os.path.exists(tmp_path / ".staging" / "run1")
    # One dataset with Hive partitions, as users open it.
    table = ds.dataset(str(tmp_path / "stories"), format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 3 and "lang" in table.column_names


def test_jsonl_and_parquet_side_by_side(tmp_path):
    write(tmp_path, fmt=("parquet", "jsonl"))
    jsonl = sorted((tmp_path / "stories").glob("date=*/lang=*/*.jsonl"))
    parquet = sorted((tmp_path / "stories").glob("date=*/lang=*/*.parquet"))
    assert len(jsonl) == len(parquet) == 3
    rows = [json.loads(l) for f in jsonl for l in f.read_text().splitlines()]
    assert sorted(r["story_id"] for r in rows) == ["a1", "b2", "e5"]
    assert next(r for r in rows if r["story_id"] == "a1")["published"] == "2026-11-26T23:30:00+00:00"


def test_failed_run_leaves_no_visible_files(tmp_path):
    with pytest.raises(Exception, match="injected write-stage failure"):
        write(tmp_path, fail=True)
    for table in ("stories", "duplicates", "dead_letter", "runs"):
        assert not list((tmp_path / table).rglob("*.*")) if (tmp_path / table).exists() else True


def test_output_that_does_not_add_up_is_never_committed(tmp_path):
    """A runner that loses rows must fail the run, not report success (conservation guard)."""
    lying = statuses() + [FeedStatus("https://lost.example/rss", "ok", entries=4)]  # 4 entries vanished
    with pytest.raises(Exception, match="refusing to commit run run1: entries do not add up"):
        with TestPipeline() as p:
            inputs = {"stories": p | "S" >> beam.Create(stories()), "dead_letter": p | "D" >> beam.Create(dead()),
                      "status": p | "F" >> beam.Create(lying)}
            inputs | WritePartitioned(str(tmp_path), "run1", header={})
    assert not (tmp_path / "runs" / "run1.json").exists()
    assert not list((tmp_path / "stories").rglob("*.parquet")) if (tmp_path / "stories").exists() else True


def test_by_outlet_receipts_merge_into_shares():
    """by_outlet: per source_name, rows written and agency-sourced ones (credited or inferred),
    added across receipts and across accumulators as by_agency is."""
    fn = RunSummaryFn()
    first = PartitionWritten(table="stories", files=[], rows=3, by_outlet={"A": [2, 1], "B": [1, 0]})
    second = PartitionWritten(table="duplicates", files=[], rows=3, by_outlet={"A": [1, 1], "C": [2, 2]})
    accs = [fn.add_input(fn.create_accumulator(), first), fn.add_input(fn.create_accumulator(), second)]
    out = fn.extract_output(fn.merge_accumulators(accs))
    none = {"reprints": 0, "verbatim_share": None, "median_lag_seconds": None}   # no reprints/ rows
    assert out["by_outlet"] == {"A": {"stories": 3, "agency_sourced": 2, "share": 0.667, **none},
                                "C": {"stories": 2, "agency_sourced": 2, "share": 1.0, **none},
                                "B": {"stories": 1, "agency_sourced": 0, "share": 0.0, **none}}
    assert list(out["by_outlet"]) == ["A", "C", "B"]          # most stories first
    assert fn.extract_output(fn.create_accumulator())["by_outlet"] == {}


def test_by_outlet_counts_credited_and_inferred_stories(tmp_path):
    def story(sid, outlet, disposition=CANONICAL, **kw):
        return Story(story_id=sid, source_name=outlet, title=sid, text=sid, language="en",
                     disposition=disposition, published=dt.datetime(2026, 11, 27, tzinfo=UTC), **kw)
    rows = [story("a1", "Wire", agencies=["Reuters"]),
            story("a2", "Post", disposition=DUPLICATE, duplicate_of="a1", agencies_inferred=["Reuters"]),
            story("a3", "Post"), story("a4", "Post", agencies=["Agencies"]),
            story("a5", "Post", disposition=ALREADY_SEEN, agencies=["AP"])]   # not written: not counted
    with TestPipeline() as p:
        {"stories": p | "S" >> beam.Create(rows), "dead_letter": p | "D" >> beam.Create([]),
         "status": p | "F" >> beam.Create([FeedStatus("https://x.example/rss", "ok", entries=5)])
         } | WritePartitioned(str(tmp_path), "run1", header={})
    none = {"reprints": 0, "verbatim_share": None, "median_lag_seconds": None}   # no reprints/ rows given
    assert read_summary(tmp_path)["by_outlet"] == {
        "Post": {"stories": 3, "agency_sourced": 2, "share": 0.667, **none},
        "Wire": {"stories": 1, "agency_sourced": 1, "share": 1.0, **none}}


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples-outlets") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert run(["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]) == 0
    return out, printed.getvalue()


def test_by_outlet_on_the_examples(examples_run):
    out, printed = examples_run
    by_outlet = read_summary(out)["by_outlet"]
    # Independently, from the rows written to stories/ and duplicates/.
    expected = {}
    for r in read_table(out, "stories") + read_table(out, "duplicates"):
        n, k = expected.get(r["source_name"], (0, 0))
        expected[r["source_name"]] = (n + 1, k + bool(r["agencies"] or r["agencies_inferred"]))
    assert {name: (o["stories"], o["agency_sourced"]) for name, o in by_outlet.items()} == expected
    assert all(o["share"] == round(o["agency_sourced"] / o["stories"], 3) for o in by_outlet.values())
    assert sum(o["stories"] for o in by_outlet.values()) == 47
    # Verified by hand: The Harbour Times credits AP (CHICAGO (AP) —) and Xinhua + Agencies;
    # The Meridian Post credits PTI and IANS, and runs Xinhua's data-network story uncredited
    # (agencies_inferred); Coastal Daily is all local; the agencies' own wires are all agency.
    assert by_outlet["The Harbour Times"] == {"stories": 7, "agency_sourced": 2, "share": 0.286, "reprints": 1,
                                              "verbatim_share": 1.0, "median_lag_seconds": 9763.0}
    assert by_outlet["The Meridian Post"] == {"stories": 6, "agency_sourced": 3, "share": 0.5, "reprints": 1,
                                              "verbatim_share": 1.0, "median_lag_seconds": 13843.0}
    none = {"reprints": 0, "verbatim_share": None, "median_lag_seconds": None}
    assert by_outlet["Coastal Daily"] == {"stories": 3, "agency_sourced": 0, "share": 0.0, **none}
    assert by_outlet["Xinhua"] == {"stories": 5, "agency_sourced": 5, "share": 1.0, **none}   # the origin
    assert list(by_outlet)[0] == "The Harbour Times"                      # most stories first
    line = next(ln for ln in printed.splitlines() if ln.strip().startswith("by outlet"))
    assert line.strip().startswith("by outlet    The Harbour Times 7 (29% agency), Lakeland Courier 6 (17% agency)")
    assert line.count("% agency)") == 8 and line.endswith("… 1 more")
