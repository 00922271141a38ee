"""Streaming output in units (transforms/write/units.py): rows and their state delta committed
together while the stream runs, retried records never written twice, a process killed in the
middle of a unit's commit finished or rolled back by the next start, and the summary of a killed
stream written from its units."""
import datetime as _dt
import glob
import json
import os
import subprocess
import sys

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing import test_stream
from apache_beam.transforms.window import TimestampedValue

from tests.support import ROOT, read_dead_letters, read_table
from transforms.dedupe.state import STATE_SCHEMA, delta_files, remembered_rows
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, DeadLetter, FeedStatus, Story
from transforms.write.commit import recover
from transforms.write.units import WriteUnits, commit_unit, recover_stream_summaries, unit_id

T = _dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
RUN = "20261120T100000Z-test01"


def story(sid, disposition=CANONICAL, duplicate_of=None, published=T):
    return Story(story_id=sid, cluster_id=duplicate_of or sid, duplicate_of=duplicate_of,
                 similarity=0.9 if duplicate_of else None, feed_url="http://f/feed.xml", source_name="F",
                 url=f"http://f/{sid}", canonical_url=f"http://f/{sid}", title=f"title {sid}",
                 text="some text", published=published, fetched_at=T, language="en",
                 language_confidence=0.99, disposition=disposition, word_count=2)


def row(sid, seen=T):
    return {"story_id": sid, "root_key": f"0|0|x|f|000000000|{sid}", "seen_at": seen, "content_key": None,
            "feed_agency": None, "n_shingles": 3, "sketch": [1, 2, 3], "keys": [7, 8], "language": "en"}


def test_a_unit_commits_rows_and_their_state_together(tmp_path):
    out, state = tmp_path / "out", tmp_path / "out" / "state"
    stories = [story("a"), story("b", DUPLICATE, "a"), story("c", published=T - _dt.timedelta(days=2))]
    dead = [DeadLetter.make("parse", "http://f/feed.xml", "XMLSyntaxError: bad", entry="e1")]
    rows = [row("a"), row("b"), row("c")]
    receipts, ids = commit_unit(str(out), RUN, ("parquet", "jsonl"), 1, stories, dead, rows, str(state), STATE_SCHEMA)
    unit = unit_id(RUN, stories, dead, rows)
    assert sorted(r["story_id"] for r in read_table(out, "stories")) == ["a", "c"]
    assert [r["duplicate_of"] for r in read_table(out, "duplicates")] == ["a"]
    assert len(read_dead_letters(out)) == 1
    names = sorted(os.path.basename(f) for f in glob.glob(str(out / "stories" / "*" / "*" / "*")))
    assert names == sorted([f"part-00000-{RUN}-u{unit}.jsonl", f"part-00000-{RUN}-u{unit}.parquet"] * 2)
    # the state delta holds the unit's rows, and a stream or batch run reading the state sees them
    assert [os.path.basename(p) for p in delta_files(str(state))] == [f"{RUN}-u{unit}.parquet"]
    assert sorted(remembered_rows(str(state))) == ["a", "b", "c"]
    record = json.loads((out / ".units" / RUN / f"{unit}.json").read_text())
    assert record["counts"] == {"stories": 2, "duplicates": 1, "dead_letters": 1, "state_rows": 3, "cluster_events": 0}
    assert record["ids"] == ids and "s:a" in ids and "r:a|2026-11-20 10:00:00+00:00" in ids
    assert not glob.glob(str(out / ".staging" / "*"))
    assert {r.table for r in receipts} == {"stories", "duplicates", "dead_letter", "state"}
    # the unit's id is a digest of what it holds: the same records give the same names
    assert unit_id(RUN, list(reversed(stories)), dead, rows) == unit
    assert unit_id(RUN, stories[:2], dead, rows) != unit


def run_units(tmp_path, events, flush=3600.0):
    out = tmp_path / "out"
    p = beam.Pipeline(options=PipelineOptions(["--streaming"]))
    records = p | events
    (
        {"decisions": records | "S" >> beam.Filter(lambda r: isinstance(r, (Story, dict))),
         "dead_letters": (records | "D" >> beam.Filter(lambda r: isinstance(r, DeadLetter)),),
         "status": records | "F" >> beam.Filter(lambda r: isinstance(r, FeedStatus))}
        | WriteUnits(str(out), RUN, header={"runner": "test", "mode": "streaming"}, state_dir=str(out / "state"),
                     state_schema=STATE_SCHEMA, flush_seconds=flush))
    p.run().wait_until_finish()
    return out


def at(record, seconds=0):
    return TimestampedValue(record, T.timestamp() + seconds)


def test_a_record_delivered_again_is_committed_once_and_the_summary_adds_up(tmp_path):
    first = [at(story("a")), at(row("a")), at(story("b", DUPLICATE, "a")), at(row("b")),
             at(FeedStatus("http://f/feed.xml", "ok", entries=3))]
    again = [at(story("a"), 5), at(row("a"), 5), at(story("b", DUPLICATE, "a"), 5), at(row("b"), 5),
             at(story("old", ALREADY_SEEN), 5)]                 # a retried bundle, grouped otherwise
    events = (test_stream.TestStream().advance_watermark_to(T.timestamp())
              .add_elements(first).advance_watermark_to(T.timestamp() + 1)
              .add_elements(again).advance_watermark_to(T.timestamp() + 2)
              .add_elements([at(story("c"), 10), at(DeadLetter.make("clean", "http://f/feed.xml", "E: x"), 10)])
              .advance_watermark_to_infinity())
    out = run_units(tmp_path, events, flush=0.0)                    # every arrival commits a unit
    assert sorted(r["story_id"] for r in read_table(out, "stories")) == ["a", "c"]
    assert [r["story_id"] for r in read_table(out, "duplicates")] == ["b"]
    deltas = [pq.read_table(p).column("story_id").to_pylist() for p in delta_files(str(out / "state"))]
    assert sorted(sid for d in deltas for sid in d) == ["a", "b"]
    summary = json.loads((out / "runs" / f"{RUN}.json").read_text())
    c = summary["counts"]
    assert (c["stories"], c["duplicates"], c["already_seen"], c["dead_letters"]) == (2, 1, 1, 1)
    assert summary["state"]["deltas_rows"] == 2
    assert summary["files_written"] == 4      # stories ×2 units, duplicates, dead letters; no deltas


KILL = """
import os
import sys
from transforms.write import commit
from transforms.write.units import commit_unit
from transforms.dedupe.state import STATE_SCHEMA
from tests.write.test_units import story, row, RUN

output, point = sys.argv[1], sys.argv[2]
write_text = commit.write_text_atomically
if point == "before_journal":      # the process dies as it would write the journal
    commit.write_text_atomically = lambda path, text: os._exit(9) if path.endswith("COMMIT.json") else write_text(path, text)
else:                              # the journal is written; the process dies before applying it
    commit.apply_journal = lambda journal: os._exit(9)
commit_unit(output, RUN, ("parquet",), 1, [story("a"), story("b")], [], [row("a"), row("b")], output + "/state",
            STATE_SCHEMA)
"""


def kill_during_commit(out, point):
    done = subprocess.run([sys.executable, "-c", KILL, str(out), point], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 9, done.stderr[-2000:]


def test_killed_before_the_journal_nothing_is_visible_and_recovery_cleans_up(tmp_path):
    out = tmp_path / "out"
    kill_during_commit(out, "before_journal")
    assert glob.glob(str(out / ".staging" / "*" / "**" / "*.parquet"), recursive=True)   # staged only
    assert read_table(out, "stories") == [] and delta_files(str(out / "state")) == []
    actions = recover(str(out))
    assert len(actions) == 1 and "removed the staged files" in actions[0]
    assert not glob.glob(str(out / ".staging" / "*"))
    assert recover_stream_summaries(str(out)) == []         # nothing was committed: no summary


def test_killed_after_the_journal_recovery_finishes_the_unit_and_writes_the_summary(tmp_path):
    out = tmp_path / "out"
    kill_during_commit(out, "after_journal")
    assert read_table(out, "stories") == []                 # journaled, not applied
    actions = recover(str(out))
    assert len(actions) == 1 and "finished the interrupted commit" in actions[0]
    assert sorted(r["story_id"] for r in read_table(out, "stories")) == ["a", "b"]
    assert sorted(remembered_rows(str(out / "state"))) == ["a", "b"]
    assert recover(str(out)) == []                          # applying again changes nothing
    assert sorted(r["story_id"] for r in read_table(out, "stories")) == ["a", "b"]
    actions = recover_stream_summaries(str(out))
    assert len(actions) == 1
    summary = json.loads((out / "runs" / f"{RUN}.json").read_text())
    assert summary["recovered"] is True and summary["streaming"]["stopped_by"] == "killed"
    assert summary["counts"] == {"stories": 2, "duplicates": 0, "dead_letters": 0, "cluster_events": 0}
    assert summary["files_written"] == 1
    assert recover_stream_summaries(str(out)) == []         # written once


def test_two_units_of_the_same_failure_at_two_polls_are_both_kept(tmp_path):
    """A feed failing the same way at two polls: two dead letters, two units, two files."""
    out = tmp_path / "out"
    first = DeadLetter("fetch", "http://f/broken.xml", None, "HTTPError: 500", None, "2026-11-20T10:00:00+00:00")
    second = DeadLetter("fetch", "http://f/broken.xml", None, "HTTPError: 500", None, "2026-11-20T10:00:02+00:00")
    commit_unit(str(out), RUN, ("parquet",), 1, [], [first], [], None, None)
    commit_unit(str(out), RUN, ("parquet",), 1, [], [second], [], None, None)
    assert unit_id(RUN, [], [first], []) != unit_id(RUN, [], [second], [])
    assert sorted(d["at"] for d in read_dead_letters(out)) == [first.at, second.at]
