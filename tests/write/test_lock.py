"""The output lock: taken atomically, released by the kernel when its holder dies, and every
lock error one line. Real processes race for it."""
import json
import os
import subprocess
import sys
import time

import pytest

from tests.support import ROOT
from transforms.write.commit import LockHeld, acquire_lock, release_lock

RACER = """
import json, sys, time
from transforms.write.commit import LockHeld, acquire_lock, release_lock
import os
out, go, me = sys.argv[1], sys.argv[2], sys.argv[3]
print("ready", flush=True)
while go != "now" and not os.path.exists(go):
    time.sleep(0.0005)
try:
    acquire_lock(out, me)
except LockHeld as e:
    print(json.dumps({"me": me, "held": False, "error": str(e)}), flush=True)
    sys.exit(0)
got = time.time()
time.sleep(2.0)                           # hold it while the others try
print(json.dumps({"me": me, "held": True, "from": got, "to": time.time()}), flush=True)
release_lock(out, me)
"""


@pytest.mark.parametrize("trial", range(3))
def test_a_stale_lock_broken_by_many_starters_at_once_has_one_holder(tmp_path, trial):
    out = tmp_path / "out"
    out.mkdir()
    # left by a run that died (pid that does not exist) long ago
    (out / ".lock").write_text(json.dumps({"run_id": "dead", "host": os.uname().nodename,
                                           "pid": 999999999, "since": "2020-01-01T00:00:00+00:00"}))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(out), str(go), f"r{i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
             for i in range(6)]
    for proc in procs:                      # every racer imported and waits: then all start at once
        assert proc.stdout.readline().strip() == "ready"
    go.write_text("go")
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr[-2000:]          # no racer crashes
        results.append(json.loads(stdout))
    holders = [r for r in results if r["held"]]
    assert len(holders) == 1, results
    for loser in (r for r in results if not r["held"]):
        assert loser["error"].startswith("another run (") and "\n" not in loser["error"]
    assert not (out / ".lock").exists()                      # released by its holder


def test_the_holder_dying_releases_the_lock(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", RACER, str(out), "now", "holder"],
                              stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    deadline = time.time() + 30
    while not (out / ".lock").exists() or "holder" not in (out / ".lock").read_text():
        assert time.time() < deadline
        time.sleep(0.05)
    with pytest.raises(LockHeld, match=r"another run \(holder, pid \d+"):
        acquire_lock(str(out), "second")
    holder.kill()
    holder.wait()
    assert acquire_lock(str(out), "second") == str(out / ".lock")
    release_lock(str(out), "second")
    assert not (out / ".lock").exists()


def test_an_output_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(LockHeld) as info:
        acquire_lock(str(blocker / "out"), "x")
    assert str(info.value).startswith(f"cannot create the output folder {blocker / 'out'}")


def test_an_output_on_a_read_only_filesystem_is_one_line_exit_1(capsys):
    """procfs takes no new folders, not even from root: the run stops with one line, no traceback."""
    from pipeline.main import run
    from tests.support import EXAMPLES
    assert run(["--feeds", str(EXAMPLES / "feeds" / "rheinblick.xml"), "--output", "/proc/wirefeed-out"]) == 1
    err = capsys.readouterr().err
    assert err == "wirefeed: cannot create the output folder /proc/wirefeed-out: No such file or directory\n"
