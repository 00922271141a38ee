"""One command-line parser (issue: data safety): run ids are names, unknown flags and
abbreviations are refused, numbers are finite and in range; every bad value is one line, exit 2."""
import json

import pytest

from tests.support import EXAMPLES, read_summary, read_table
from pipeline.main import run

FEED = str(EXAMPLES / "feeds" / "rheinblick.xml")


def one_line_exit_2(argv, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("wirefeed: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("run_id", ["../..", "..", "/tmp/elsewhere", "a/b", "x" * 300, "", "-x", "a b",
                                    "ok..no", "ümlaut"])
def test_a_run_id_that_is_not_a_name_is_refused_before_anything_is_written(run_id, tmp_path, capsys):
    out = tmp_path / "deep" / "out"
    err = one_line_exit_2(["--feeds", FEED, "--output", str(out), "--run-id", run_id], capsys)
    assert "--run-id" in err
    assert not (tmp_path / "deep").exists()      # nothing created, inside OUTPUT or outside


@pytest.mark.parametrize("argv,message", [
    (["--bogus"], "unrecognised argument --bogus"),
    (["--fail-on-dead-letter"], "unrecognised argument --fail-on-dead-letter"),   # abbreviation
    (["--shard", "4"], "unrecognised argument --shard"),
    (["--shards", "4", "stray"], "unrecognised argument stray"),
    (["--direct_num_worker", "2"], "unrecognised argument --direct_num_worker"),  # Beam flag misspelt
    (["--fetch-timeout", "nan"], "'nan' is not a finite number"),
    (["--fetch-timeout", "inf"], "'inf' is not a finite number"),
    (["--near-duplicate-threshold", "NaN"], "is not a finite number"),
    (["--max-future-hours=-inf"], "is not a finite number"),
    (["--dedupe-window-days", "1e308"], "--dedupe-window-days 1e+308 is too large"),
    (["--shards", "1000000"], "--shards 1e+06 is too large"),
    (["--max-retries", "1000"], "--max-retries 1000 is too large"),
])
def test_unknown_flags_abbreviations_and_bad_numbers_are_one_line_exit_2(argv, message, tmp_path, capsys):
    err = one_line_exit_2(["--feeds", FEED, "--output", str(tmp_path / "out")] + argv, capsys)
    assert message in err, err
    assert not (tmp_path / "out").exists()


def test_beam_flags_still_pass_through(tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", FEED, "--output", str(out), "--runner", "DirectRunner",
                "--direct_num_workers", "1", "--fetch-timeout", "5.5"]) == 0
    assert read_summary(out)["counts"]["stories"] > 0


def test_the_same_run_id_twice_keeps_the_first_attempts_output(tmp_path, capsys):
    """An Airflow retry reuses its run id: the second attempt must not replace the first one's
    files (whose stories the state now knows, so they would never be written again)."""
    out = tmp_path / "out"
    argv = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out), "--run-id", "airflow-1"]
    assert run(argv) == 0
    def files_of_first():
        return sorted((str(p.relative_to(out)), p.stat().st_mtime_ns) for p in out.rglob("*")
                      if p.name.endswith(("-airflow-1.parquet", "-airflow-1.jsonl")))
    first = files_of_first()
    stories = len(read_table(out, "stories")) + len(read_table(out, "duplicates"))
    assert first and stories == 47
    capsys.readouterr()
    assert run(argv) == 0
    assert "this attempt runs as airflow-1.2" in capsys.readouterr().err
    assert files_of_first() == first                                   # untouched
    assert len(read_table(out, "stories")) + len(read_table(out, "duplicates")) == 47
    second = json.loads((out / "runs" / "airflow-1.2.json").read_text())
    assert second["attempt_of"] == "airflow-1" and second["run_id"] == "airflow-1.2"
    assert second["counts"]["already_seen"] == 47 and second["counts"]["stories"] == 0
    assert json.loads((out / "runs" / "airflow-1.json").read_text())["counts"]["stories"] > 0
    assert run(argv) == 0                        # a third attempt
    assert (out / "runs" / "airflow-1.3.json").exists()
