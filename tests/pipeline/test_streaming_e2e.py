"""Streaming mode end to end: `wirefeed --streaming` polls a real local HTTP server whose feeds
change between polls (FnApiRunner, real time, a few seconds), and stops gracefully on a signal."""
import datetime as _dt
import email.utils
import glob
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support import ROOT, SHARED, assert_conserved, read_dead_letters, read_summary, read_table, reaped
from tests.support.faultserver import FaultServer, Reply
from pipeline.main import run

NOW = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
TEXTS = {
    "quake": "A strong earthquake struck the coastal province early on Tuesday, damaging hundreds of homes "
             "and cutting power to several towns, officials said. Rescue teams searched collapsed "
             "buildings in the port city while aftershocks continued through the morning. The "
             "seismology institute measured the quake at magnitude 6.4 at a depth of ten kilometres.",
    "budget": "The finance ministry unveiled a draft budget on Monday that raises spending on schools and "
              "hospitals while cutting subsidies for fuel, in a plan lawmakers will debate next month. "
              "The minister said the deficit would narrow to three percent of output by the end of the decade.",
    "rail": "Engineers began testing the new high speed rail line between the two largest cities on "
            "Wednesday, a project delayed for years by land disputes and rising costs. Trains will reach "
            "three hundred kilometres an hour and cut the journey to ninety minutes, the operator said.",
    "port": "Dock workers ended a four day strike at the country's busiest container port after unions "
            "and employers agreed on a wage rise and new safety rules, clearing the way for dozens of "
            "ships waiting offshore to unload their cargo before the holiday season begins.",
    "harbour": "The city council approved plans to turn the old harbour warehouses into a public library, "
               "a market hall and low cost housing, ending a decade of debate over the waterfront. "
               "Construction is due to start in spring and finish within three years, the mayor said.",
}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def item(key, link, minutes_ago, title=None, prefix=""):
    when = email.utils.format_datetime(NOW - _dt.timedelta(minutes=minutes_ago))
    return (f"<item><title>{title or key.title()}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{when}</pubDate><description>{prefix}{TEXTS[key]}</description></item>")


def feed(title, *items):
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f'<link>http://{title.lower()}.example/</link>' + "".join(items) + "</channel></rss>").encode()


QUAKE = item("quake", "http://wire.example/quake", 90)
BUDGET = item("budget", "http://wire.example/budget", 60)
RAIL = item("rail", "http://wire.example/rail", 20)
PORT = item("port", "http://wire.example/port", 5)
BUDGET_COPY = item("budget", "http://wire.example/budget", 55, title="Budget plan")      # same URL
REPRINT = item("quake", "http://daily.example/coast-quake", 30, title="Coastal quake damages homes",
               prefix="By our correspondent. ")                                        # an hour later


def serve(srv):
    """The wire gains an item on every poll; the daily runs an exact copy (same URL) from its
    second poll and a reprint from its third, then stays the same (same bytes, no validators);
    the static feed answers conditional GETs; the broken one always fails."""
    srv.sequence("/wire.xml", [Reply(200, feed("Wire", *items), RSS) for items in
                               ([QUAKE], [BUDGET, QUAKE], [RAIL, BUDGET, QUAKE], [PORT, RAIL, BUDGET, QUAKE])])
    srv.sequence("/daily.xml", [Reply(200, feed("Daily", *items), RSS) for items in
                                ([], [BUDGET_COPY], [REPRINT, BUDGET_COPY])])
    srv.conditional("/static.xml", feed("Static", item("harbour", "http://static.example/harbour", 200)),
                    headers=RSS)
    srv.route("/broken.xml", Reply(500, b"upstream down", {"Content-Type": "text/plain"}))
    return [srv.url(p) for p in ("/wire.xml", "/daily.xml", "/static.xml", "/broken.xml")]


def write_list(tmp_path, urls):
    path = tmp_path / "feeds.txt"
    path.write_text("\n".join(urls) + "\n")
    return path


def check_with_shared_checker(out):
    checker = SHARED / "tools" / "check_output.py"
    if not checker.exists():
        return
    done = subprocess.run([sys.executable, str(checker), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def assert_clean_output_root(out):
    assert not (out / ".lock").exists()
    assert not [f for f in glob.glob(str(out / ".staging" / "**"), recursive=True) if os.path.isfile(f)]
    assert not [f for f in glob.glob(str(out / ".streaming" / "**"), recursive=True) if os.path.isfile(f)]


def test_bounded_streaming_run_against_changing_feeds(tmp_path):
    out = tmp_path / "out"
    with FaultServer() as srv:
        feeds = write_list(tmp_path, serve(srv))
        started = time.monotonic()
        rc = run(["--streaming", "--feeds", str(feeds), "--output", str(out), "--poll-interval", "2",
                  "--max-polls", "4", "--max-poll-interval", "8", 
                  "--allow-private-networks", "--max-retries", "0", "--run-id", "stream-e2e"])
        elapsed = time.monotonic() - started
        hits = dict(srv.hits)
        static = srv.requests_for("/static.xml")
    assert rc == 0
    assert elapsed < 45

    # polling: 4 rounds; the unchanged feed answered 304s to conditional GETs and was backed off
    assert hits["/wire.xml"] == 4 and hits["/daily.xml"] == 4
    assert len(static) == 3 and [r.headers.get("if-none-match") for r in static] == [None, '"v1"', '"v1"']
    assert hits["/broken.xml"] == 2                       # failed, then backed off

    stories, dups = read_table(out, "stories"), read_table(out, "duplicates")
    by_url = {}
    for r in stories + dups:
        by_url.setdefault((r["url"], r["feed_url"].rsplit("/", 1)[-1]), []).append(r)
    # every new item written exactly once, whatever the number of polls that saw it
    assert sorted(by_url) == sorted([
        ("http://wire.example/quake", "wire.xml"), ("http://wire.example/budget", "wire.xml"),
        ("http://wire.example/rail", "wire.xml"), ("http://wire.example/port", "wire.xml"),
        ("http://static.example/harbour", "static.xml"), ("http://wire.example/budget", "daily.xml"),
        ("http://daily.example/coast-quake", "daily.xml")])
    assert all(len(rows) == 1 for rows in by_url.values())
    quake = by_url[("http://wire.example/quake", "wire.xml")][0]
    budget = by_url[("http://wire.example/budget", "wire.xml")][0]
    reprint = by_url[("http://daily.example/coast-quake", "daily.xml")][0]
    copy = by_url[("http://wire.example/budget", "daily.xml")][0]
    assert quake["duplicate_of"] is None and quake in stories
    assert reprint["duplicate_of"] == quake["story_id"] and reprint["cluster_id"] == quake["story_id"]
    assert reprint["similarity"] > 0.9
    # the same URL in two feeds of one poll: whichever arrived first keeps the id, the other is its copy
    first, second = sorted([budget, copy], key=lambda r: r["duplicate_of"] is not None)
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["story_id"]
    assert second["similarity"] == 1.0 and second["story_id"] != first["story_id"]
    names = glob.glob(str(out / "stories" / "*" / "*" / "*.parquet"))
    assert names and all("-stream-e2e-u" in os.path.basename(n) for n in names)     # committed units

    summary = read_summary(out)
    c = summary["counts"]
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_not_modified"], c["feeds_failed"]) == (13, 8, 3, 2)
    assert (c["entries_total"], c["stories"], c["duplicates"], c["already_seen"]) == (14, 5, 2, 7)
    assert c["dead_letters"] == 2 and c["poll_rounds"] == 4
    assert_conserved(summary)
    assert summary["streaming"]["stopped_by"] == "max-polls"
    assert len(read_dead_letters(out)) == 2
    assert_clean_output_root(out)
    check_with_shared_checker(out)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_drains_and_finalises_the_open_window(tmp_path, sig):
    out = tmp_path / "out"
    logs = {name: tmp_path / f"{name}.txt" for name in ("stdout", "stderr")}
    with FaultServer() as srv, open(logs["stdout"], "w") as so, open(logs["stderr"], "w") as se:
        feeds = write_list(tmp_path, serve(srv)[:3])
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.main", "--streaming", "--feeds", str(feeds), "--output", str(out),
             "--poll-interval", "1", "--run-for", "600",  "--allow-private-networks",
             "--max-poll-interval", "1"],
            cwd=ROOT, stdout=so, stderr=se, text=True)
        with reaped(proc):
            deadline = time.monotonic() + 90
            while srv.hits["/daily.xml"] < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            assert srv.hits["/daily.xml"] >= 3, "the stream did not poll in time: " + logs["stderr"].read_text()[-2000:]
            proc.send_signal(sig)
            proc.wait(timeout=90)
    stdout, stderr = logs["stdout"].read_text(), logs["stderr"].read_text()
    assert proc.returncode == 0, stderr[-3000:]
    assert f"{signal.Signals(sig).name}: stopping" in stderr
    summary = read_summary(out)
    assert summary["streaming"]["stopped_by"] == signal.Signals(sig).name
    assert_conserved(summary)
    c = summary["counts"]
    assert c["poll_rounds"] >= 3 and c["feeds_not_modified"] >= 1
    rows = read_table(out, "stories") + read_table(out, "duplicates")
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set((r["url"], r["feed_url"]) for r in rows)) == c["stories"] + c["duplicates"]
    assert "http://daily.example/coast-quake" in urls and "http://wire.example/rail" in urls
    assert "wirefeed run" in stdout
    assert_clean_output_root(out)
    check_with_shared_checker(out)
