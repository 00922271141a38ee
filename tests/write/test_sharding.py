"""Partitions sharded by size: ceil(rows / --rows-per-file) files per (table, date, lang), decided
by a count first and a hash of each row's id, so no group holds a whole partition and a retry
writes the same files; --shards N overrides; readers read every file of a partition."""
import datetime as dt
import glob
import hashlib
import math
import os

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.main import run
from pipeline.report.tables import read_run
from tests.support import EXAMPLES, read_summary, read_table
from tests.support.runner_services import table_rows
from transforms.records import CANONICAL, DUPLICATE, ClusterEvent, DeadLetter, FeedStatus, Story
from transforms.write.partitioned import (ROWS_PER_FILE, WritePartitioned, partition_key, partition_of, row_hash,
                                          shard_count)
from transforms.write.units import commit_unit

UTC = dt.timezone.utc
DAY = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def story(i: int, lang="en", disposition=CANONICAL) -> Story:
    sid = hashlib.sha256(f"story-{i}".encode()).hexdigest()[:32]
    extra = {"duplicate_of": "x", "cluster_id": "x", "similarity": 0.9} if disposition == DUPLICATE else {}
    return Story(story_id=sid, title=f"Story {i}", text=f"text of story {i}", language=lang, disposition=disposition,
                 published=DAY + dt.timedelta(seconds=i), word_count=4, **extra)


def write(out, records, run_id="r1", **kwargs):
    with TestPipeline() as p:
        inputs = {"stories": p | "S" >> beam.Create(records),
                  "dead_letter": p | "D" >> beam.Create([], reshuffle=False),
                  "status": p | "F" >> beam.Create([FeedStatus("f", "ok", entries=len(records))])}
        inputs | WritePartitioned(str(out), run_id, header={"started_at": "t0", "runner": "DirectRunner",
                                                            "options": {}}, **kwargs)


def files_of(out, table="stories"):
    return sorted(glob.glob(os.path.join(str(out), table, "date=*", "lang=*", "*.parquet")))


def test_shard_count_is_ceil_of_rows_over_target_and_shards_overrides():
    assert [shard_count(n, 100) for n in (0, 1, 99, 100, 101, 250, 1000)] == [1, 1, 1, 1, 2, 3, 10]
    assert shard_count(1000, 100, shards=4) == 4 and shard_count(1, 100, shards=4) == 4
    assert shard_count(10 ** 6) == math.ceil(10 ** 6 / ROWS_PER_FILE)


def test_a_row_goes_to_the_same_shard_every_time_and_shards_are_even():
    rows = [story(i) for i in range(5000)]
    first = [partition_key(s, 7) for s in rows]
    assert first == [partition_key(s, 7) for s in rows]           # deterministic
    assert {k[:3] for k in first} == {("stories", "2026-11-20", "en")}
    sizes = [sum(1 for k in first if k[3] == shard) for shard in range(7)]
    assert min(sizes) > 5000 / 7 * 0.85 and max(sizes) < 5000 / 7 * 1.15, sizes
    # the hash is of the row's identity, never of run-specific values (a dead letter's time)
    a = DeadLetter("parse", "https://x.example/rss", "g1", "KeyError: 'x'", "t", "2026-11-28T01:00:00+00:00")
    b = DeadLetter("parse", "https://x.example/rss", "g1", "KeyError: 'x'", "t", "2026-11-28T05:00:00+00:00")
    assert row_hash(a) == row_hash(b) and row_hash(a) != row_hash(DeadLetter("fetch", a.source, a.entry, a.error, a.excerpt, a.at))
    e = ClusterEvent(cluster_id="c", event="merged", target="t", story_id="s", reason="merge", origin_rank=None,
                     at=DAY, run_id="r")
    assert partition_of(e)[0] == "cluster_events" and row_hash(e) == row_hash(e)


def test_a_partition_of_n_rows_with_target_t_is_ceil_n_over_t_files_all_rows_once(tmp_path):
    n, target = 530, 100
    records = [story(i) for i in range(n)] + [story(10_000 + i, disposition=DUPLICATE) for i in range(40)]
    write(tmp_path / "a", records, rows_per_file=target)
    files = files_of(tmp_path / "a")
    assert len(files) == math.ceil(n / target) == 6
    sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
    assert sum(sizes) == n and max(sizes) <= 1.4 * target, sizes
    ids = [r["story_id"] for r in read_table(tmp_path / "a", "stories")]
    assert len(ids) == len(set(ids)) == n and set(ids) == {s.story_id for s in records[:n]}
    for f in files:                                  # sorted inside a file
        got = pq.read_table(f, columns=["story_id"]).column(0).to_pylist()
        assert got == sorted(got)
    assert len(files_of(tmp_path / "a", "duplicates")) == 1          # 40 rows: one file
    assert read_summary(tmp_path / "a")["counts"]["stories"] == n


def test_two_runs_write_the_same_files_with_the_same_rows(tmp_path):
    records = [story(i) for i in range(300)]
    write(tmp_path / "a", records, rows_per_file=70)
    write(tmp_path / "b", list(reversed(records)), rows_per_file=70)     # another arrival order
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert [os.path.relpath(f, tmp_path / "a") for f in a] == [os.path.relpath(f, tmp_path / "b") for f in b]
    assert len(a) == 5
    for fa, fb in zip(a, b, strict=True):
        assert pq.read_table(fa).to_pylist() == pq.read_table(fb).to_pylist()


def test_shards_overrides_the_size_rule(tmp_path):
    write(tmp_path, [story(i) for i in range(50)], rows_per_file=10, shards=2)
    assert len(files_of(tmp_path)) == 2


def test_each_partition_is_sized_on_its_own(tmp_path):
    records = [story(i) for i in range(250)] + [story(1000 + i, lang="de") for i in range(30)]
    write(tmp_path, records, rows_per_file=100)
    by_lang = {}
    for f in files_of(tmp_path):
        by_lang.setdefault(f.split(os.sep)[-2], []).append(f)
    assert {k: len(v) for k, v in by_lang.items()} == {"lang=en": 3, "lang=de": 1}


def test_a_streaming_unit_uses_the_same_rule(tmp_path):
    records = [story(i) for i in range(45)]
    receipts, ids = commit_unit(str(tmp_path), "s1", ("parquet",), None, records, [], [], None, None,
                                rows_per_file=10)
    assert len(files_of(tmp_path)) == 5 and len(ids) == 45
    assert sum(r.rows for r in receipts) == 45


@pytest.mark.parametrize("value,message", [
    ("0", "--rows-per-file must be positive"), ("-5", "--rows-per-file must be positive"),
    ("abc", "invalid int value"), ("2.5", "invalid int value"),
    ("1000000000", "--rows-per-file 1e+09 is too large"),
])
def test_bad_rows_per_file_exits_2_with_one_line(value, message, tmp_path, capsys):
    argv = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(tmp_path / "out"), "--rows-per-file", value]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("wirefeed: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_whole_run_with_small_files_reads_back_whole(tmp_path):
    """The examples with 3 rows per file: many files per partition, and the readers (tests'
    read_table, the report's read_run) see every row once, as with one file per partition."""
    base = ["--feeds", str(EXAMPLES / "feeds.opml"), "--as-of", "2026-11-28T06:00:00Z", "--no-progress"]
    assert run(base + ["--output", str(tmp_path / "one"), "--run-id", "r", "--shards", "1"]) in (0, 3)
    assert run(base + ["--output", str(tmp_path / "many"), "--run-id", "r", "--rows-per-file", "3"]) in (0, 3)
    one = table_rows(tmp_path / "one")        # sorted rows, fetch times aside
    assert one == table_rows(tmp_path / "many") and len(one["stories"]) > 3
    assert len(read_table(tmp_path / "many", "stories")) == len(one["stories"])
    parts = {}
    for f in files_of(tmp_path / "many"):
        parts.setdefault(os.path.dirname(f), []).append(f)
    assert max(len(v) for v in parts.values()) > 1                 # several files in a partition
    assert max(pq.ParquetFile(f).metadata.num_rows for f in files_of(tmp_path / "many")) <= 6
    report_one, report_many = read_run(str(tmp_path / "one"), "r"), read_run(str(tmp_path / "many"), "r")
    assert sorted(r["story_id"] for r in report_many.stories) == sorted(r["story_id"] for r in report_one.stories)
    assert read_summary(tmp_path / "many")["counts"] == read_summary(tmp_path / "one")["counts"]


def test_the_state_generation_is_sized_by_rows_too_and_read_back_whole(tmp_path, monkeypatch):
    """The next state generation is ceil(rows / STATE_ROWS_PER_FILE) files (once 4 fixed shards,
    each a quarter of the whole window under one key); a second run reads every file: all its
    entries are already seen."""
    import transforms.dedupe.state as state
    monkeypatch.setattr(state, "STATE_ROWS_PER_FILE", 7)
    base = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(tmp_path / "out"), "--no-progress",
            "--as-of", "2026-11-28T06:00:00Z"]
    assert run(base + ["--run-id", "a"]) in (0, 3)
    first = read_summary(tmp_path / "out")
    files = sorted(glob.glob(str(tmp_path / "out" / "state" / "gen-a" / "stories-*.parquet")))
    rows = first["state"]["rows"]
    assert len(files) == math.ceil(rows / 7) and rows >= 40
    assert all(f.endswith(f"-of-{len(files):05d}.parquet") for f in files)
    assert max(pq.ParquetFile(f).metadata.num_rows for f in files) <= 12
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == rows
    assert run(base + ["--run-id", "b"]) in (0, 3)
    second = read_summary(tmp_path / "out")["counts"]
    assert second["stories"] == second["duplicates"] == 0
    assert second["already_seen"] == first["counts"]["stories"] + first["counts"]["duplicates"]

