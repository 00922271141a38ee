"""The throughput benchmark's Beam-free loops (benchmarks/throughput.py) do the work they are
compared with: `full` decides the duplicates the pipeline decides on the same feeds, and writes
stories, provenance tables and state that read back; `baseline` writes every story as canonical.
"""
import collections
import glob
import json
import os

import pyarrow.parquet as pq

from benchmarks.reprints import generate, to_feed_files
from benchmarks.throughput import DEDUPE_TIMER, baseline
from pipeline.main import run


def rows(pattern: str) -> list:
    return [r for path in sorted(glob.glob(pattern, recursive=True)) for r in pq.read_table(path).to_pylist()]


def test_the_full_loop_finds_the_pipelines_duplicates(tmp_path):
    to_feed_files(generate(40, seed=23, source="synthetic"), tmp_path / "feeds")
    feeds = str(tmp_path / "feeds" / "feeds.opml")
    timers, counts = collections.defaultdict(float), {}
    n = baseline([feeds], str(tmp_path / "full"), timers, full=True, counts=counts)
    assert run(["--feeds", feeds, "--output", str(tmp_path / "beam"), "--run-id", "b"]) == 0
    with open(tmp_path / "beam" / "runs" / "b.json") as f:
        summary = json.load(f)["counts"]
    assert n == summary["stories"] + summary["duplicates"] > 100
    stories, duplicates = (rows(str(tmp_path / "full" / t / "**" / "*.parquet")) for t in ("stories", "duplicates"))
    beam = {r["story_id"]: r["duplicate_of"] for r in rows(str(tmp_path / "beam" / "duplicates" / "**" / "*.parquet"))}
    assert len(stories) + len(duplicates) == n
    assert len(duplicates) == counts["duplicates"] and len(beam) > 50
    # the same decisions (the streaming engine's rules are batch's), give or take a story or two
    same = sum(beam.get(r["story_id"]) == r["duplicate_of"] for r in duplicates)
    assert same >= 0.98 * max(len(beam), len(duplicates))
    assert {r["duplicate_of"] for r in stories} == {None}
    reprints = rows(str(tmp_path / "full" / "reprints" / "**" / "*.parquet"))
    assert {r["story_id"] for r in reprints} >= {r["story_id"] for r in duplicates}
    assert rows(str(tmp_path / "full" / "clusters" / "**" / "*.parquet"))
    state = rows(str(tmp_path / "full" / "state" / "*.parquet"))
    assert sorted(r["story_id"] for r in state) == sorted(r["story_id"] for r in stories + duplicates)
    assert timers[DEDUPE_TIMER] > 0


def test_the_front_half_loop_writes_every_story_as_canonical(tmp_path):
    to_feed_files(generate(10, seed=24, source="synthetic"), tmp_path / "feeds")
    n = baseline([str(tmp_path / "feeds" / "feeds.opml")], str(tmp_path / "out"))
    stories = rows(str(tmp_path / "out" / "stories" / "**" / "*.parquet"))
    assert len(stories) == n > 20
    assert {r["duplicate_of"] for r in stories} == {None}
    assert not os.path.exists(tmp_path / "out" / "state") and not os.path.exists(tmp_path / "out" / "duplicates")
