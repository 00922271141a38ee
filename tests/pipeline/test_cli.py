"""The command line: one-line errors with exit code 2, --help, exit codes."""
import subprocess
import sys

import pytest

from tests.support import FIXTURES, ROOT
from pipeline.main import run

FEEDS = FIXTURES / "feeds"


@pytest.mark.parametrize("argv,message", [
    ([], "--feeds is required"),
    (["--feeds", "x.opml"], "--output is required"),
    (["--feeds", "/nonexistent/list.opml", "--output", "o"], "cannot read --feeds /nonexistent/list.opml: no such file"),
    (["--feeds", str(FEEDS / "coastal-rss.xml"), "--output", "o", "--format", "csv"], "unknown --format 'csv'"),
    (["--feeds", str(FEEDS / "*.xml"), "--output", str(FEEDS / "out")], "is inside the input folder"),
    (["--feeds", str(FEEDS), "--output", str(FEEDS)], "is inside the input folder"),
    (["--feeds", str(FEEDS / "coastal-rss.xml"), "--output", str(FEEDS / "coastal-rss.xml")], "is an input file"),
    (["--feeds", str(FEEDS / "coastal-rss.xml"), "--output", "o", "--shards", "0"], "--shards must be positive"),
    (["--feeds", str(FEEDS / "coastal-rss.xml"), "--output", "o", "--fetch-timeout", "abc"], "invalid float value"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("wirefeed: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("runner", ["DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner"])
def test_dask_runner_is_refused_with_the_reason_and_what_to_use(runner, tmp_path, capsys):
    argv = ["--feeds", str(FEEDS / "coastal-rss.xml"), "--output", str(tmp_path / "out"), "--runner", runner]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"wirefeed: error: --runner {runner} is not supported: ")
    assert "finish_bundle" in err and "DirectRunner" in err and "PortableRunner" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()       # refused before anything is written


def test_console_script_help_and_error():
    exe = ROOT / ".venv" / "bin" / "wirefeed"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.main"]
    helped = subprocess.run(cmd + ["--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0
    for flag in ("--feeds", "--output", "--format", "--state", "--fetch-timeout", "--max-feed-bytes",
                 "--allow-private-networks", "--fail-on-dead-letters", "examples:"):
        assert flag in helped.stdout
    bad = subprocess.run([sys.executable, "-m", "pipeline.main", "--output", "x"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "wirefeed: error: --feeds is required (an OPML file, a URL list, feed files or a URL)"


def test_beams_apitools_warning_is_not_shown():
    """Beam logs 'apitools not found …' at import when its BigQuery client is absent (a venv
    from `make run` has no gcp extra): wirefeed's entry point keeps it off the user's screen."""
    code = ("import logging, sys; import pipeline.main; "
            "logging.warning('apitools not found, and bigquery client libraries are not available'); "
            "logging.warning('a real warning')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    assert done.returncode == 0, done.stderr
    assert "apitools" not in done.stderr and "a real warning" in done.stderr
