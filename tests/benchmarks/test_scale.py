"""benchmarks.scale keys: the whole batch graph's keyed steps, measured on the runner it is given."""
import json

import pytest

from benchmarks import scale

N = 400


@pytest.fixture
def bench_out(tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "OUT", tmp_path)
    monkeypatch.setattr(scale, "RESULTS", tmp_path / "scale.jsonl")
    return tmp_path


@pytest.mark.timeout(900)   # a whole run on multi_processing, on a shared 2-core machine
def test_keys_on_multi_processing_counts_every_story(bench_out):
    flags = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    result = scale.keys(N, flags)
    assert result["flags"] == flags
    rows = {r["step"]: r for r in result["rows"]}
    made = json.loads((bench_out / "scale-corpus" / f"n{N}" / "corpus.json").read_text())
    entries = made["entries"]
    assert entries == N
    # every entry, each under its own id, in the steps that join a story to its own records: a
    # runner that dropped an element (as Beam's local data plane did) would count fewer
    for step in ("Dedupe/JoinState", "Dedupe/JoinLabels"):
        assert rows[step]["keys"] == entries, rows[step]
    assert rows["Dedupe/JoinState"]["elements"] == entries
    # one partition day and language: the partition step's keys are files, its elements tables
    assert any("GroupByPartition" in s for s in rows)
    # what was recorded is what was returned
    recorded = [json.loads(line) for line in (bench_out / "scale.jsonl").read_text().splitlines()]
    assert recorded[-1]["rows"] == result["rows"] and recorded[-1]["flags"] == flags


@pytest.mark.timeout(900)
def test_keys_with_bounded_bundles_counts_every_story_and_restores_the_runner(bench_out):
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    beams_own = fn_runner.ParallelBundleManager.process_bundle
    flags = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    result = scale.keys(N, flags, bundle_mb=0.25)
    assert result["flags"] == flags + ["--bundle-mb=0.25"]
    rows = {r["step"]: r for r in result["rows"]}
    assert rows["Dedupe/JoinState"]["keys"] == rows["Dedupe/JoinState"]["elements"] == N
    assert rows["Dedupe/JoinLabels"]["keys"] == N
    assert fn_runner.ParallelBundleManager.process_bundle is beams_own


def test_keys_bounded_bundles_need_multi_processing(capsys):
    with pytest.raises(SystemExit) as e:
        scale.main(["keys", "--n", "10", "--bundle-mb", "1"])
    assert e.value.code == 2 and "multi_processing" in capsys.readouterr().err


@pytest.mark.timeout(900)
def test_a_run_with_bounded_bundles_commits_every_entry(bench_out):
    result = scale.run_one(N, "multi", bundle_mb=0.25)     # bundles of 256 KB: several per stage
    assert result["exit"] == 0, result.get("error")
    assert result["extra"] == ["--bundle-mb=0.25"]
    assert result["counts"]["stories"] + result["counts"]["duplicates"] == N
    assert result["roles"]["main"]["processes"] == 1 and result["roles"]["sdk worker"]["cpu_s"] > 0


def test_bounded_bundles_are_refused_on_another_runner(bench_out):
    with pytest.raises(SystemExit, match="--runner multi"):
        scale.run_one(N, "portable", bundle_mb=32)
