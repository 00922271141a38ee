"""The progress line: on a terminal (a real pseudo-terminal), never in a pipe or with --no-progress."""
import os
import pty
import select
import subprocess
import sys
import time

from pipeline.report.progress import ProgressDisplay, progress_line, progress_wanted
from tests.report.conftest import AS_OF
from tests.support import EXAMPLES, ROOT
from transforms.progress import note_progress, set_progress_listener


def test_progress_line():
    assert progress_line({"feeds_listed": 10, "feeds_fetched": 7, "entries_parsed": 132}, 12.0) == \
        "feeds 7/10 fetched · 132 entries parsed · 12.0 s · 11.0 entries/s"
    assert progress_line({"feeds_fetched": 3}, 0) == "feeds 3/3 fetched · 0 entries parsed · 0.0 s · 0.0 entries/s"


def test_notes_reach_only_a_listener():
    seen = []
    note_progress("entries_parsed", 5)            # nobody listens: nothing happens
    set_progress_listener(lambda kind, n: seen.append((kind, n)))
    try:
        note_progress("entries_parsed", 5)
        note_progress("feeds_fetched")
    finally:
        set_progress_listener(None)
    note_progress("feeds_fetched")
    assert seen == [("entries_parsed", 5), ("feeds_fetched", 1)]


def test_a_disabled_display_costs_nothing():
    display = ProgressDisplay(False)
    with display:
        note_progress("entries_parsed", 3)
    assert display.counts == {}
    started = time.perf_counter()
    for _ in range(100_000):
        note_progress("entries_parsed", 1)
    assert (time.perf_counter() - started) / 100_000 < 2e-6     # < 2 µs per note with no listener


def test_progress_is_wanted_only_on_a_terminal_in_process():
    class Tty:
        def isatty(self):
            return True
    assert progress_wanted([], False, Tty())
    assert not progress_wanted([], True, Tty())                                       # --no-progress
    assert not progress_wanted([], False, open(os.devnull, "w"))                      # not a terminal
    assert not progress_wanted(["--runner", "DataflowRunner"], False, Tty())          # other processes
    assert not progress_wanted(["--direct_running_mode", "multi_processing"], False, Tty())


def _command(out):
    return [sys.executable, "-m", "pipeline.main", "--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out),
            "--as-of", AS_OF, "--run-id", "progress"]


def _run_with_pty_stderr(cmd):
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:       # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    stdout = proc.stdout.read().decode("utf-8", "replace")
    proc.wait(timeout=300)
    os.close(master)
    return proc.returncode, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_shows_on_a_terminal(tmp_path):
    code, stdout, terminal = _run_with_pty_stderr(_command(tmp_path / "out"))
    assert code == 0, terminal
    assert "wirefeed: feeds " in terminal and " fetched · " in terminal and "entries parsed" in terminal
    assert "feeds 10/10 fetched · 47 entries parsed" in terminal     # the last redraw saw every feed
    assert "\x1b[" in terminal                                          # redrawn in place
    assert "wirefeed run progress" in stdout and "entries parsed" not in stdout


def test_no_progress_flag_on_a_terminal(tmp_path):
    code, _, terminal = _run_with_pty_stderr(_command(tmp_path / "out") + ["--no-progress"])
    assert code == 0
    assert "entries parsed" not in terminal and "\x1b[" not in terminal


def test_nothing_progress_like_in_a_pipe(tmp_path):
    done = subprocess.run(_command(tmp_path / "out"), capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env=dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    for text in (done.stderr, done.stdout):
        assert "entries parsed" not in text and "fetched ·" not in text and "\r" not in text and "\x1b[" not in text
