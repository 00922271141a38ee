"""The report never fails a run: its failure is logged, recorded in the summary, exit code unchanged."""
import json

from pipeline.report.writer import report_path, write_run_report
from tests.report.conftest import RUN_ID, run_examples
from tests.support import assert_conserved, read_summary


def test_every_run_writes_its_report(example_output):
    page = example_output / "reports" / f"{RUN_ID}.html"
    assert report_path(str(example_output), RUN_ID) == str(page)
    assert page.stat().st_size > 10_000
    assert "report" not in read_summary(example_output)                 # nothing to say when it worked


def test_a_failing_report_leaves_the_run_a_success(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "reports").write_text("a file where the reports folder should be")
    assert run_examples(out, "blocked") == 0                                # exit code unchanged
    captured = capsys.readouterr()
    assert "wirefeed run blocked" in captured.out                           # the summary is printed as usual
    summary = json.loads((out / "runs" / "blocked.json").read_text())
    assert summary["report"]["error"].split(":")[0] in ("NotADirectoryError", "FileExistsError", "OSError",
                                                         "IOError", "BeamIOError")
    assert summary["counts"]["stories"] == 43 and summary["files_written"] > 0
    assert_conserved(summary)
    assert (out / "reports").read_text() == "a file where the reports folder should be"
    assert not list((out / "runs").glob(".*.tmp"))                         # rewritten atomically


def test_fail_on_dead_letters_keeps_exit_3_when_the_report_fails(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "reports").write_text("")
    assert run_examples(out, "blocked", "--fail-on-dead-letters") == 3


def test_write_run_report_never_raises(tmp_path, caplog):
    assert write_run_report(str(tmp_path / "nothing-here"), "r1", None) is None
    assert "the report of run r1 failed" in caplog.text
    got = write_run_report(str(tmp_path / "elsewhere"), "r1", {"run_id": "r1"})
    assert got["run_id"] == "r1" and got["report"]["error"].startswith("RunNotFound: no run r1 in ")
    summary = {"run_id": "r2", "counts": {}, "by_outlet": ["not", "a", "mapping"]}     # a damaged summary
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r2.json").write_text(json.dumps(summary))
    got = write_run_report(str(tmp_path), "r2", summary)
    assert got["report"]["error"].startswith("AttributeError: 'list' object has no attribute 'items'")
    assert json.loads((tmp_path / "runs" / "r2.json").read_text()) == got
