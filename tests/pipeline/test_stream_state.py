"""One state for batch and streaming, end to end against a real local HTTP server: a stream
writes while it runs, restarts after SIGTERM or SIGKILL write every item exactly once overall,
a batch run after a stream knows the stream's stories (and the reverse), and a later reprint
links to the story an earlier run of the other mode wrote."""
import glob
import json
import signal
import subprocess
import sys
import time

import pytest

from tests.pipeline.test_streaming_e2e import (BUDGET, QUAKE, RAIL, RSS, assert_clean_output_root,
                                                check_with_shared_checker, feed, item, write_list)
from tests.support import ROOT, assert_conserved, read_table, reaped
from tests.support.faultserver import FaultServer, Reply
from pipeline.main import run

PORT = item("port", "http://wire.example/port", 5)
HARBOUR = item("harbour", "http://city.example/harbour", 40)
LATE_REPRINT = item("quake", "http://late.example/quake-aftermath", 10, title="Aftermath of the coastal quake",
                    prefix="From the wires. ")


def serve_growing(srv):
    """The wire gains an item on each of its first four polls; the city feed never changes."""
    srv.sequence("/wire.xml", [Reply(200, feed("Wire", *items), RSS) for items in
                               ([QUAKE], [BUDGET, QUAKE], [RAIL, BUDGET, QUAKE], [PORT, RAIL, BUDGET, QUAKE])])
    srv.static("/city.xml", feed("City", HARBOUR))
    return [srv.url("/wire.xml"), srv.url("/city.xml")]


def serve_final(srv):
    """Every item at once (what a restarted run or a batch run sees), plus a reprint feed."""
    srv.static("/wire.xml", feed("Wire", PORT, RAIL, BUDGET, QUAKE))
    srv.static("/city.xml", feed("City", HARBOUR))
    srv.static("/late.xml", feed("Late", LATE_REPRINT))
    return [srv.url("/wire.xml"), srv.url("/city.xml")], srv.url("/late.xml")


def rows(out):
    return read_table(out, "stories") + read_table(out, "duplicates")


def keys(out):
    return sorted((r["url"], r["feed_url"].rsplit("/", 1)[-1]) for r in rows(out))


STREAM = ["--streaming", "--poll-interval", "1", "--max-poll-interval", "1", "--allow-private-networks",
          "--max-retries", "0"]
ALL = sorted([("http://wire.example/quake", "wire.xml"), ("http://wire.example/budget", "wire.xml"),
              ("http://wire.example/rail", "wire.xml"), ("http://wire.example/port", "wire.xml"),
              ("http://city.example/harbour", "city.xml")])


def start_stream(tmp_path, out, feeds, name):
    log = open(tmp_path / f"{name}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.main", *STREAM, "--feeds", str(feeds),
                             "--output", str(out), "--run-for", "600", "--run-id", name],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    return proc, log


def wait_for(predicate, proc, log_path, timeout=90):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert predicate(), "the stream did not get there in time: " + open(log_path).read()[-3000:]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_restarted_stream_writes_every_item_exactly_once(tmp_path, sig):
    out = tmp_path / "out"
    with FaultServer() as srv:
        feeds = write_list(tmp_path, serve_growing(srv))
        proc, log = start_stream(tmp_path, out, feeds, "first")
        with log, reaped(proc):
            # files appear while the stream runs (within two polls of the items), not at its end
            wait_for(lambda: ("http://wire.example/budget", "wire.xml") in keys(out), proc, tmp_path / "first.log")
            assert proc.poll() is None, "the stream ended before it was stopped"
            assert not (out / "runs" / "first.json").exists()
            proc.send_signal(sig)
            proc.wait(timeout=90)
        before = keys(out)
        assert len(before) == len(set(before)) >= 3
        srv.reset_stats()
        feeds2 = write_list(tmp_path, serve_final(srv)[0])
        rc = run([*STREAM, "--feeds", str(feeds2), "--output", str(out), "--max-polls", "2", "--run-id", "second"])
    assert rc == 0
    after = keys(out)
    assert after == ALL                           # every item once overall, whatever the stop
    summary = json.loads((out / "runs" / "second.json").read_text())
    c = summary["counts"]
    assert c["stories"] + c["duplicates"] == len(ALL) - len(before)
    assert c["already_seen"] >= len(before)       # what the first run wrote is remembered
    assert_conserved(summary)
    first = json.loads((out / "runs" / "first.json").read_text())
    if sig == signal.SIGKILL:                     # its summary was written from its committed units
        assert first["recovered"] is True and first["streaming"]["stopped_by"] == "killed"
        assert first["counts"]["stories"] + first["counts"]["duplicates"] == len(before)
    else:
        assert first["streaming"]["stopped_by"] == "SIGTERM"
    assert_clean_output_root(out)


def test_batch_after_stream_and_stream_after_batch_share_one_state(tmp_path):
    out = tmp_path / "out"
    with FaultServer() as srv:
        (wire, city), late = serve_final(srv)
        feeds = write_list(tmp_path, [wire, city])
        assert run([*STREAM, "--feeds", str(feeds), "--output", str(out), "--max-polls", "2",
                    "--run-id", "stream1"]) == 0
        streamed = {r["url"]: r for r in rows(out)}
        assert sorted(streamed) == sorted(u for u, _ in ALL)
        assert glob.glob(str(out / "state" / "deltas" / "*.parquet"))

        # a batch run over the same feeds plus a reprint: nothing new but the reprint, linked to
        # the stream's story
        both = tmp_path / "both.txt"
        both.write_text(f"{wire}\n{city}\n{late}\n")
        assert run(["--feeds", str(both), "--output", str(out), "--allow-private-networks",
                    "--run-id", "batch1"]) == 0
        batch = json.loads((out / "runs" / "batch1.json").read_text())
        assert batch["counts"]["already_seen"] == len(ALL)
        assert batch["counts"]["stories"] + batch["counts"]["duplicates"] == 1
        reprint = [r for r in rows(out) if r["url"] == "http://late.example/quake-aftermath"]
        assert len(reprint) == 1 and reprint[0]["duplicate_of"] == streamed["http://wire.example/quake"]["story_id"]
        assert not glob.glob(str(out / "state" / "deltas" / "*.parquet"))   # folded into the generation

        # a stream after the batch run: everything already seen, nothing written again
        assert run([*STREAM, "--feeds", str(both), "--output", str(out), "--max-polls", "1",
                    "--run-id", "stream2"]) == 0
    stream2 = json.loads((out / "runs" / "stream2.json").read_text())
    assert stream2["counts"]["stories"] + stream2["counts"]["duplicates"] == 0
    assert stream2["counts"]["already_seen"] == len(ALL) + 1
    assert len(rows(out)) == len(ALL) + 1
    assert_clean_output_root(out)
    check_with_shared_checker(out)


def test_stream_after_batch_links_a_new_reprint_to_the_batch_story(tmp_path):
    out = tmp_path / "out"
    with FaultServer() as srv:
        (wire, city), late = serve_final(srv)
        assert run(["--feeds", str(write_list(tmp_path, [wire, city])), "--output", str(out),
                    "--allow-private-networks", "--run-id", "batch1"]) == 0
        quake = [r for r in rows(out) if r["url"] == "http://wire.example/quake"][0]
        both = tmp_path / "both.txt"
        both.write_text(f"{wire}\n{city}\n{late}\n")
        assert run([*STREAM, "--feeds", str(both), "--output", str(out), "--max-polls", "1",
                    "--run-id", "stream1"]) == 0
    s = json.loads((out / "runs" / "stream1.json").read_text())["counts"]
    assert (s["stories"], s["duplicates"], s["already_seen"]) == (0, 1, len(ALL))
    reprint = [r for r in rows(out) if r["url"] == "http://late.example/quake-aftermath"]
    assert len(reprint) == 1 and reprint[0]["duplicate_of"] == quake["story_id"]
    assert reprint[0]["cluster_id"] == quake["cluster_id"]


def test_a_story_seen_again_keeps_its_provenance_and_version_columns_in_the_state(tmp_path):
    """A second stream re-sees the first one's stories (a short window, 86 s: a sighting more
    than 4.3 s after the last one is logged, so each writes a state row); those rows carry the
    provenance and version columns of the story's first row (the cluster step's memory, seeded
    from the state), so the newest row that a batch run reads back does not lose them."""
    from transforms.dedupe.state import remembered_rows
    out = tmp_path / "out"
    window = ["--dedupe-window-days", "0.001"]
    with FaultServer() as srv:
        (wire, city), _ = serve_final(srv)
        srv.sequence("/wire.xml", [Reply(200, feed("Wire", PORT, RAIL, BUDGET, QUAKE) + f"<!-- {n} -->".encode(), RSS)
                                   for n in range(4)])      # a changed body on every poll: its items re-seen
        feeds = write_list(tmp_path, [wire, city])
        for name in ("stream1", "stream2"):
            time.sleep(5 if name == "stream2" else 0)    # a sighting more than 4.3 s after the first
            assert run([*STREAM, "--feeds", str(feeds), "--output", str(out), "--max-polls", "1", *window,
                        "--run-id", name]) == 0
        stream2 = json.loads((out / "runs" / "stream2.json").read_text())
        assert stream2["counts"]["already_seen"] == 5
        assert stream2.get("state", {}).get("deltas_rows") == 5, stream2     # a row for every sighting
        deltas = sorted(glob.glob(str(out / "state" / "deltas" / "*.parquet")))
        written = [r for path in deltas for r in read_table_rows(path)]
        assert len(written) == 5 + 5
        for r in written:
            assert r["sentences"] is not None and r["title"], r["story_id"]
            assert r["version"] == 1 and r["version_sentences"] is not None, r["story_id"]
        # a batch run folds the deltas into a generation: the columns are still there
        assert run(["--feeds", str(feeds), "--output", str(out), "--allow-private-networks",
                    "--run-id", "batch1"]) == 0
    remembered = remembered_rows(str(out / "state"))
    assert sorted(remembered) == sorted({r["story_id"] for r in written})
    for r in remembered.values():
        assert r["sentences"] is not None and r["title"] and r["lead_sentences"] is not None, r["story_id"]
        assert r["version"] == 1 and r["version_sentences"] is not None, r["story_id"]


def read_table_rows(path):
    import pyarrow.parquet as pq
    return pq.read_table(path).to_pylist()
