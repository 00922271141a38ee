"""Scheduled runs: already-seen entries, reprints of earlier stories, the window, atomic commits."""
import json
import subprocess
import sys
import re
import shutil


import transforms.write.commit as commit_module
import transforms.write.partitioned as write_module
from tests.support import (EXAMPLES, ROOT, assert_conserved, read_dead_letters, read_summary, read_table)
from pipeline.main import run

WIRE_URL = "https://english.news.cn.example/20261127/a3f9c1e07b5d4e28/c.html"
COPIES = {"harbour-times.xml", "lakeland-courier.xml", "meridian-post.xml", "pacific-rim-digest.xml"}


def feeds_without(tmp_path, names):
    """A copy of examples/ whose OPML leaves some feeds out; returns (feeds folder, OPML path)."""
    shutil.copytree(EXAMPLES / "feeds", tmp_path / "feeds")
    opml = (EXAMPLES / "feeds.opml").read_text(encoding="utf-8")
    for name in names:
        opml = re.sub(r"<outline[^>]*feeds/%s[^>]*/>" % re.escape(name), "", opml, flags=re.S)
    listing = tmp_path / "feeds.opml"
    listing.write_text(opml, encoding="utf-8")
    return tmp_path / "feeds", listing


def rows(out):
    return read_table(out, "stories") + read_table(out, "duplicates")


def test_rerun_writes_nothing_new(tmp_path):
    out = tmp_path / "out"
    args = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]
    assert run(args + ["--run-id", "r1"]) == 0
    first = sorted(r["story_id"] for r in rows(out))
    assert run(args + ["--run-id", "r2"]) == 0
    second = json.loads((out / "runs" / "r2.json").read_text())
    c = second["counts"]
    assert (c["stories"], c["duplicates"], c["already_seen"]) == (0, 0, 47)
    assert_conserved(second)
    assert sorted(r["story_id"] for r in rows(out)) == first
    assert second["state"]["rows"] == 47


def test_reprint_in_a_later_run_points_at_the_earlier_story(tmp_path):
    folder, listing = feeds_without(tmp_path, ["meridian-post.xml"])
    out = tmp_path / "out"
    assert run(["--feeds", str(listing), "--output", str(out), "--run-id", "day1"]) == 0
    wire = next(r for r in read_table(out, "stories") if r["url"] == WIRE_URL)
    shutil.copy(EXAMPLES / "feeds.opml", tmp_path / "all.opml")
    assert run(["--feeds", str(tmp_path / "all.opml"), "--output", str(out), "--run-id", "day2"]) == 0
    c = json.loads((out / "runs" / "day2.json").read_text())["counts"]
    assert (c["stories"], c["duplicates"], c["already_seen"]) == (5, 1, 41)
    copy3 = next(r for r in read_table(out, "duplicates") if r["feed_url"].endswith("meridian-post.xml"))
    assert copy3["duplicate_of"] == wire["story_id"] == copy3["cluster_id"]
    assert copy3["agencies"] == [] and copy3["agencies_inferred"] == ["Xinhua"] and copy3["agency_sourced"]
    assert 0.55 <= copy3["similarity"] < 1.0


def test_window_expiry_forgets_old_stories(tmp_path):
    out = tmp_path / "out"
    args = ["--feeds", str(EXAMPLES / "feeds" / "rheinblick.xml"), "--output", str(out), "--dedupe-window-days", "3"]
    assert run(args + ["--as-of", "2026-11-28T06:00:00Z", "--run-id", "a"]) == 0
    assert run(args + ["--as-of", "2026-11-30T06:00:00Z", "--run-id", "b"]) == 0   # seen again: refreshed
    assert json.loads((out / "runs" / "b.json").read_text())["counts"]["already_seen"] == 6
    assert run(args + ["--as-of", "2026-12-04T06:00:00Z", "--run-id", "c"]) == 0   # 4 days later: forgotten
    c = json.loads((out / "runs" / "c.json").read_text())
    assert (c["counts"]["stories"], c["counts"]["already_seen"]) == (6, 0)
    # Their ids are stable, so the second copy is recognisable downstream.
    assert len({r["story_id"] for r in read_table(out, "stories")}) == 6


def test_failure_in_the_write_stage_commits_nothing_and_rerun_is_complete(tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]
    real = write_module._write_parquet
    calls = {"n": 0}

    def flaky(path, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("injected: disk full")
        return real(path, rows)

    monkeypatch.setattr(write_module, "_write_parquet", flaky)
    assert run(args + ["--run-id", "broken"]) == 1
    assert not (out / "stories").exists() or not list((out / "stories").rglob("*.parquet"))
    assert not (out / "runs" / "broken.json").exists()
    assert not (out / "state" / "CURRENT").exists()
    monkeypatch.setattr(write_module, "_write_parquet", real)
    assert run(args + ["--run-id", "again"]) == 0
    assert not (out / ".staging").exists() or not list((out / ".staging").iterdir())
    summary = read_summary(out)
    assert summary["counts"]["stories"] + summary["counts"]["duplicates"] == 47
    assert len(rows(out)) == 47 and len(read_dead_letters(out)) == 1


def test_crash_in_the_middle_of_the_commit_is_finished_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]
    real_rename = commit_module.FileSystems.rename

    def crash_after_first_moves(sources, targets):
        real_rename(sources[:3], targets[:3])
        raise RuntimeError("injected: killed during commit")

    monkeypatch.setattr(commit_module.FileSystems, "rename", staticmethod(crash_after_first_moves))
    assert run(args + ["--run-id", "killed"]) == 1
    assert (out / ".staging" / "killed" / "COMMIT.json").exists()
    monkeypatch.setattr(commit_module.FileSystems, "rename", staticmethod(real_rename))
    assert run(args + ["--run-id", "next"]) == 0
    killed = json.loads((out / "runs" / "killed.json").read_text())["counts"]
    nxt = json.loads((out / "runs" / "next.json").read_text())["counts"]
    assert (killed["stories"] + killed["duplicates"], nxt["already_seen"]) == (47, 47)
    assert (nxt["stories"], nxt["duplicates"]) == (0, 0)
    ids = [r["story_id"] for r in rows(out)]
    assert len(ids) == len(set(ids)) == 47
    assert (out / "state" / "CURRENT").read_text().strip() == "gen-next"


HOLD_LOCK = """
import sys, time
from transforms.write.commit import acquire_lock
acquire_lock(sys.argv[1], "other")
print("held", flush=True)
time.sleep(60)
"""


def test_second_run_on_a_locked_output_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE,
                              text=True, cwd=str(ROOT))
    try:
        assert holder.stdout.readline().strip() == "held"
        assert run(["--feeds", str(EXAMPLES / "feeds" / "rheinblick.xml"), "--output", str(out)]) == 1
        assert not (out / "runs").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died: the kernel released its lock, its file stays behind and is no obstacle
    assert json.loads((out / ".lock").read_text())["run_id"] == "other"
    assert run(["--feeds", str(EXAMPLES / "feeds" / "rheinblick.xml"), "--output", str(out)]) == 0
    assert not (out / ".lock").exists()
