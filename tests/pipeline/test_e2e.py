"""End to end through the command line: examples/ from files, and feeds over real HTTP."""
import functools
import http.server
import shutil
import subprocess
import sys
import threading

import pytest

from tests.support import (EXAMPLES, FIXTURES, ROOT, SHARED, assert_conserved, read_dead_letters,
                      read_summary, read_table)
from pipeline.main import run

WIRE_URL = "https://english.news.cn.example/20261127/a3f9c1e07b5d4e28/c.html"


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples") / "out"
    exe = ROOT / ".venv" / "bin" / "wirefeed"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.main"]
    done = subprocess.run(cmd + ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_examples_summary_counts_and_printout(examples_out):
    out, stdout = examples_out
    summary = read_summary(out)
    c = summary["counts"]
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"], c["entries_total"]) == (10, 9, 1, 47)
    assert_conserved(summary)
    assert c["dead_letters"] == 1 and c["entry_dead_letters"] == 0
    assert c["bozo_feeds"] == 1
    assert (c["stories"], c["duplicates"]) == (43, 4)
    stories, dups = read_table(out, "stories"), read_table(out, "duplicates")
    assert (len(stories), len(dups)) == (c["stories"], c["duplicates"])
    assert summary["quality"]["date_missing"] == 2  # the dateless letter and the unparseable date
    for line in ("feeds    10 total: 9 ok, 0 not modified, 1 failed", "by language", "by agency", str(out)):
        assert line in stdout


def test_examples_languages_partitions_and_agencies(examples_out):
    out, _ = examples_out
    rows = read_table(out, "stories") + read_table(out, "duplicates")
    by_feed = {}
    for r in rows:
        assert r["_lang"] == r["language"] and r["_date"] == r["published"].strftime("%Y-%m-%d")
        by_feed.setdefault(r["feed_url"].rsplit("/", 1)[-1], set()).add(r["language"])
    assert by_feed["rheinblick.xml"] == {"de"}
    assert by_feed["zarechny-telegraf.xml"] == {"ru"}
    assert by_feed["harbour-times.xml"] == {"en"}
    wire = next(r for r in rows if r["url"] == WIRE_URL)
    assert wire["dateline"] == "XIAMEN" and "Xinhua" in wire["agencies"]
    copy1 = next(r for r in rows if r["guid"] == "harbourtimes:article:118842")
    assert {"Xinhua", "Agencies"} <= set(copy1["agencies"]) and copy1["agency_sourced"]
    assert "Follow us on" not in copy1["text"]
    assert copy1["text"].count("Delegates tour the data centre") == 1
    assert copy1["canonical_url"].startswith("https://") and "utm_" not in copy1["canonical_url"]
    tass = [r for r in rows if r["feed_url"].endswith("zarechny-telegraf.xml") and "TASS" in r["agencies"]]
    assert len(tass) == 1
    assert any("dpa" in r["agencies"] for r in rows if r["feed_url"].endswith("rheinblick.xml"))


def test_examples_republished_story_is_one_cluster(examples_out):
    out, _ = examples_out
    stories = {r["story_id"]: r for r in read_table(out, "stories")}
    dups = read_table(out, "duplicates")
    wire = next(r for r in stories.values() if r["url"] == WIRE_URL)
    assert wire["feed_url"].endswith("xinhua-world.xml") and wire["cluster_id"] == wire["story_id"]
    copies = {r["feed_url"].rsplit("/", 1)[-1]: r for r in dups if r["duplicate_of"] == wire["story_id"]}
    assert set(copies) == {"harbour-times.xml", "lakeland-courier.xml", "meridian-post.xml",
                           "pacific-rim-digest.xml"}
    assert len(dups) == 4
    assert copies["pacific-rim-digest.xml"]["similarity"] == 1.0          # exact copy
    assert copies["lakeland-courier.xml"]["similarity"] == 1.0            # abridged: fully contained
    assert 0.6 < copies["meridian-post.xml"]["similarity"] < 1.0          # edited, paragraph dropped
    assert copies["meridian-post.xml"]["agencies"] == []                  # no credit line ...
    assert copies["meridian-post.xml"]["agencies_inferred"] == ["Xinhua"]  # ... but it is Xinhua's copy
    assert all(r["cluster_id"] == wire["story_id"] for r in copies.values())
    independent = next(r for r in stories.values() if r["guid"] == "https://pacificrimdigest.example/?p=40412")
    assert independent["duplicate_of"] is None and independent["cluster_id"] == independent["story_id"]


def test_examples_dead_letter_is_the_html_page(examples_out):
    out, _ = examples_out
    (dead,) = read_dead_letters(out)
    assert dead["stage"] == "parse" and dead["source"].endswith("not-a-feed.xml")
    assert dead["error"] == "NotAFeed: not a feed: got an HTML page titled '503 Service Unavailable | Tidewater Herald'"


def test_examples_meet_the_shared_contract_checker(examples_out):
    checker = SHARED / "tools" / "check_output.py"
    if not checker.exists():
        pytest.skip(f"shared data not available: {checker} is absent")
    out, _ = examples_out
    done = subprocess.run([sys.executable, str(checker), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server(tmp_path):
    root = tmp_path / "www"
    shutil.copytree(FIXTURES / "feeds", root)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_feeds_over_http(feed_server, tmp_path):
    listing = tmp_path / "feeds.txt"
    listing.write_text("\n".join(f"{feed_server}/{name}" for name in
                                 ("coastal-rss.xml", "harbour-atom.xml", "lokal-de.xml", "missing.xml")))
    out = tmp_path / "out"
    code = run(["--feeds", str(listing), "--output", str(out), "--allow-private-networks",
                "--format", "parquet,jsonl"])
    assert code == 0
    summary = read_summary(out)
    c = summary["counts"]
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"], c["entries_total"]) == (4, 3, 1, 6)
    assert_conserved(summary)
    (dead,) = read_dead_letters(out)
    assert dead["stage"] == "fetch" and dead["source"].endswith("/missing.xml") and "404" in dead["error"]
    stories, dups = read_table(out, "stories"), read_table(out, "duplicates")
    # The port-strike text appears in two feeds under different URLs: one story, one duplicate.
    strike = [r for r in stories + dups if "Dock workers kept the cranes idle" in r["text"]]
    assert len(strike) == 2 and sum(r["duplicate_of"] is None for r in strike) == 1
    # The storm warning is linked from two feeds: same canonical URL, one story.
    storm = [r for r in stories + dups if r["canonical_url"] == "https://www.coastalcourier.example/weather/storm-warning"]
    assert sorted(r["duplicate_of"] is None for r in storm) == [False, True]
    de = next(r for r in stories if r["feed_url"].endswith("lokal-de.xml"))
    assert (de["language"], de["agencies"], de["dateline"]) == ("de", ["dpa"], "BERLIN")
    assert all(r["feed_url"].startswith(feed_server) for r in stories)
    assert len(list((out / "stories").rglob("*.jsonl"))) == len(list((out / "stories").rglob("*.parquet")))


def test_every_feed_failing_exits_1(feed_server, tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", f"{feed_server}/missing.xml", "--output", str(out), "--allow-private-networks"]) == 1
    assert read_summary(out)["counts"]["feeds_failed"] == 1


def test_fail_on_dead_letters_exits_3(tmp_path):
    out = tmp_path / "out"
    code = run(["--feeds", str(FIXTURES / "feeds" / "*"), "--output", str(out), "--fail-on-dead-letters"])
    assert code == 3
    assert read_summary(out)["counts"]["dead_letters"] == 1
