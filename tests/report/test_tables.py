"""Reading a run back from the output: which files are a run's, Parquet and JSON lines alike."""
import glob
import json
import os

import pytest

from pipeline.report.tables import (RunNotFound, cluster_rows, latest_run_id, list_runs, read_run, read_rows,
                                    run_files)
from tests.report.conftest import CLUSTER, RUN_ID
from tests.support import read_summary, read_table


def _touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").close()


def test_run_files_name_one_run_only(tmp_path):
    folder = tmp_path / "stories" / "date=2026-11-27" / "lang=en"
    for name in ("part-00000-x.parquet", "part-00000-x.jsonl", "part-00001-x.jsonl", "part-00000-a-x.parquet",
                 "part-00000-x.2.parquet", "part-00000-x-w1764201600-p0.parquet", "notes-x.parquet"):
        _touch(str(folder / name))
    got = [os.path.basename(p) for p in run_files(str(tmp_path), "stories", "x")]
    # Parquet wins over JSON lines for one part; 'a-x' and 'x.2' are other runs; a streaming pane counts
    assert sorted(got) == ["part-00000-x-w1764201600-p0.parquet", "part-00000-x.parquet", "part-00001-x.jsonl"]
    assert [os.path.basename(p) for p in run_files(str(tmp_path), "stories", "x.2")] == ["part-00000-x.2.parquet"]
    assert len(run_files(str(tmp_path), "stories")) == 5     # every run's parts


def test_read_run_gives_the_rows_the_tables_hold(example_output):
    rows = read_run(str(example_output), RUN_ID)
    summary = read_summary(example_output)
    assert rows.summary == summary
    assert len(rows.stories) == summary["counts"]["stories"] == len(read_table(example_output, "stories"))
    assert len(rows.duplicates) == summary["counts"]["duplicates"] == 4
    assert len(rows.dead_letters) == summary["counts"]["dead_letters"] == 1
    assert [h["run_id"] for h in rows.history] == [RUN_ID]
    assert {d["cluster_id"] for d in rows.duplicates} == {CLUSTER}


def test_jsonl_output_reads_like_parquet(example_copy):
    parquet = read_run(str(example_copy), RUN_ID)
    for f in glob.glob(str(example_copy / "*" / "*" / "*" / "*.parquet")):
        os.remove(f)
    jsonl = read_run(str(example_copy), RUN_ID)
    key = lambda r: r["story_id"]   # noqa: E731
    assert sorted(jsonl.stories, key=key) == sorted(parquet.stories, key=key)
    assert sorted(jsonl.duplicates, key=key) == sorted(parquet.duplicates, key=key)
    assert all(r["published"] is None or r["published"].tzinfo for r in jsonl.stories)


def test_latest_run_and_history_are_by_finish_time(example_copy):
    runs = example_copy / "runs"
    base = json.loads((runs / f"{RUN_ID}.json").read_text())
    for run_id, finished in (("zz-older", "2000-01-01T00:00:00+00:00"), ("aa-newer", "2999-01-01T00:00:00+00:00")):
        (runs / f"{run_id}.json").write_text(json.dumps(dict(base, run_id=run_id, finished_at=finished)))
    (runs / "broken.json").write_text("{not json")
    assert latest_run_id(str(example_copy)) == "aa-newer"
    assert [s["run_id"] for s in list_runs(str(example_copy))] == ["zz-older", RUN_ID, "aa-newer"]
    # a report of RUN_ID shows the runs before it, never one that finished later
    assert [h["run_id"] for h in read_run(str(example_copy), RUN_ID).history] == ["zz-older", RUN_ID]


def test_unknown_run_and_id_raise_run_not_found(example_output, tmp_path):
    with pytest.raises(RunNotFound, match="no run nope"):
        read_run(str(example_output), "nope")
    with pytest.raises(RunNotFound, match="no committed run"):
        latest_run_id(str(tmp_path))
    with pytest.raises(RunNotFound, match="no story or cluster abc"):
        cluster_rows(str(example_output), "abc")


def test_cluster_rows_from_any_member(example_output):
    by_cluster = cluster_rows(str(example_output), CLUSTER, ["story_id", "cluster_id", "duplicate_of", "published"])
    member = by_cluster[-1]["story_id"]
    assert cluster_rows(str(example_output), member, ["story_id", "cluster_id", "duplicate_of", "published"]) == by_cluster
    assert by_cluster[0]["story_id"] == CLUSTER and by_cluster[0]["duplicate_of"] is None
    assert [r["duplicate_of"] for r in by_cluster[1:]] == [CLUSTER] * 4
    published = [r["published"] for r in by_cluster[1:]]
    assert published == sorted(published)


def test_read_rows_adds_link_evidence_columns_when_present(tmp_path):
    path = tmp_path / "part-00000-r.jsonl"
    path.write_text(json.dumps({"story_id": "a", "title": "t", "published": "2026-11-27T01:00:00+00:00",
                                "containment": 0.7, "link_rule": "lead"}) + "\n"
                    + json.dumps({"story_id": "b", "title": "u", "published": None}) + "\n")
    rows = read_rows([str(path)], ["story_id", "published"])
    assert rows[0]["containment"] == 0.7 and rows[0]["link_rule"] == "lead"
    assert rows[0]["published"].isoformat() == "2026-11-27T01:00:00+00:00"
    assert rows[1] == {"story_id": "b", "published": None}
