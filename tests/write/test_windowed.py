"""Windowed streaming output (transforms/write/windowed.py), driven by TestStream: per-window
files named by window start and pane, late data in late panes (never dropped), event times
from published bounded by the fetch time, and one run summary whose counts are conserved."""
import datetime as _dt
import glob
import json
import os
import subprocess
import sys

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.transforms.window import TimestampedValue

from tests.support import SHARED, assert_conserved, read_dead_letters, read_table
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, DeadLetter, FeedStatus, Story
from transforms.write.windowed import WindowedWrite, event_time

T = _dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)       # a window boundary (windows of 300 s)
RUN = "20261120T100000Z-test01"


def sec(n):
    return _dt.timedelta(seconds=n)


def story(sid, disposition, published, fetched, duplicate_of=None):
    return Story(story_id=sid, cluster_id=duplicate_of or sid, duplicate_of=duplicate_of,
                 similarity=0.9 if duplicate_of else None, feed_url="http://f/feed.xml", source_name="F",
                 url=f"http://f/{sid}", canonical_url=f"http://f/{sid}", title=f"title {sid}",
                 text="some text", published=published, fetched_at=fetched, language="en",
                 language_confidence=0.99, disposition=disposition, word_count=2)


def arriving(record, when):
    return TimestampedValue(record, when.timestamp())


def run_windows(tmp_path, events):
    out = tmp_path / "out"
    p = beam.Pipeline(options=PipelineOptions(["--streaming"]))
    records = p | events
    (
        {"stories": records | "S" >> beam.Filter(lambda r: isinstance(r, Story)),
         "dead_letter": records | "D" >> beam.Filter(lambda r: isinstance(r, DeadLetter)),
         "status": records | "F" >> beam.Filter(lambda r: isinstance(r, FeedStatus))}
        | WindowedWrite(str(out), RUN, window_seconds=300, header={"runner": "test", "mode": "streaming"}))
    p.run().wait_until_finish()
    return out


def files_of(out, table):
    return sorted(os.path.relpath(f, out) for f in glob.glob(str(out / table / "**" / "*.*"), recursive=True))


def ids_in(path):
    import pyarrow.parquet as pq
    return sorted(pq.read_table(path).column("story_id").to_pylist())


def test_windows_late_panes_and_summary(tmp_path):
    a = story("a", CANONICAL, T + sec(10), T + sec(20))                    # window 10:00
    b = story("b", DUPLICATE, T + sec(400), T + sec(410), duplicate_of="a")  # window 10:05
    seen = story("a", ALREADY_SEEN, T + sec(10), T + sec(410))               # counted, not written
    c = story("c", CANONICAL, T + sec(30), T + sec(720))                    # late for 10:00
    old = story("old", CANONICAL, T - _dt.timedelta(days=3), T + sec(720))  # older than the horizon
    future = story("fut", CANONICAL, T + _dt.timedelta(hours=5), T + sec(30))  # published after fetch
    dead = DeadLetter.make("fetch", "http://g/feed.xml", "FetchError: HTTP 500")
    events = (test_stream.TestStream()
              .advance_watermark_to(T.timestamp())
              .add_elements([arriving(a, T + sec(20)), arriving(future, T + sec(30)),
                             arriving(FeedStatus("http://f/feed.xml", "ok", entries=3), T + sec(20))])
              .add_elements([arriving(b, T + sec(410)), arriving(seen, T + sec(410))])
              .advance_watermark_to((T + sec(700)).timestamp())       # 10:00 and 10:05 fire on time
              .add_elements([arriving(c, T + sec(720)), arriving(old, T + sec(720)),
                             arriving(FeedStatus("http://f/feed.xml", "ok", entries=3), T + sec(720)),
                             arriving(FeedStatus("http://g/feed.xml", "failed"), T + sec(720)),
                             arriving(dead, T + sec(720))])
              .advance_watermark_to((T + sec(1000)).timestamp())
              .advance_watermark_to_infinity())
    out = run_windows(tmp_path, events)

    horizon = T + sec(720) - _dt.timedelta(days=1) + sec(300)         # arrival - lateness + window
    h_start = _dt.datetime.fromtimestamp(horizon.timestamp() // 300 * 300, UTC).strftime("%Y%m%dT%H%M%SZ")
    part = f"part-00000-{RUN}"
    stories = files_of(out, "stories")
    by_name = {os.path.basename(f): f for f in stories}
    assert ids_in(out / by_name[f"{part}-w20261120T100000Z-p000.parquet"]) == ["a", "fut"]
    assert ids_in(out / by_name[f"{part}-w20261120T100000Z-p001.parquet"]) == ["c"]
    assert ids_in(out / by_name[f"{part}-w{h_start}-p000.parquet"]) == ["old"]
    assert by_name[f"{part}-w{h_start}-p000.parquet"].startswith("stories/date=2026-11-17/")
    assert len(stories) == 3
    assert files_of(out, "duplicates") == [
        f"duplicates/date=2026-11-20/lang=en/{part}-w20261120T100500Z-p000.parquet"]
    assert [d["source"] for d in read_dead_letters(out)] == ["http://g/feed.xml"]
    assert not [f for f in glob.glob(str(out / ".staging" / "**"), recursive=True) if os.path.isfile(f)]

    rows = read_table(out, "stories") + read_table(out, "duplicates")
    assert sorted(r["story_id"] for r in rows) == ["a", "b", "c", "fut", "old"]     # each exactly once
    with open(out / "runs" / f"{RUN}.json") as f:
        summary = json.load(f)
    c = summary["counts"]
    assert (c["stories"], c["duplicates"], c["already_seen"], c["dead_letters"]) == (4, 1, 1, 1)
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"], c["entries_total"]) == (3, 2, 1, 6)
    assert_conserved(summary)
    assert summary["files_written"] == 5 and summary["mode"] == "streaming"
    checker = SHARED / "tools" / "check_output.py"
    if checker.exists():
        done = subprocess.run([sys.executable, str(checker), str(out)], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr


def test_event_time_is_published_bounded_by_fetch_and_horizon():
    fetched = T + sec(100)
    assert event_time(story("x", CANONICAL, T + sec(10), fetched), fetched.timestamp(), 300, 86400) \
        == (T + sec(10)).timestamp()
    future = story("y", CANONICAL, T + _dt.timedelta(hours=3), fetched)     # Clean keeps < 24 h ahead
    assert event_time(future, fetched.timestamp(), 300, 86400) == fetched.timestamp()
    ancient = story("z", CANONICAL, T - _dt.timedelta(days=400), fetched)
    assert event_time(ancient, fetched.timestamp(), 300, 86400) == fetched.timestamp() - 86400 + 300
    undated = story("u", CANONICAL, None, fetched)
    assert event_time(undated, fetched.timestamp(), 300, 86400) == fetched.timestamp()


def test_nothing_processed_still_writes_the_tables_and_summary(tmp_path):
    events = test_stream.TestStream().advance_watermark_to(T.timestamp()).add_elements(
        [arriving(FeedStatus("http://f/feed.xml", "not_modified"), T + sec(5))]).advance_watermark_to_infinity()
    out = run_windows(tmp_path, events)
    for folder in ("stories", "duplicates", "dead_letter", "runs"):
        assert (out / folder).is_dir()
    with open(out / "runs" / f"{RUN}.json") as f:
        c = json.load(f)["counts"]
    assert (c["feeds_total"], c["feeds_not_modified"], c["entries_total"]) == (1, 1, 0)
