"""The provenance tables end to end: a batch run of examples/ read back from Parquet, a reprint
measured against a story an earlier run remembered, and a stream against a real local HTTP
server where the earlier-published item arrives after its reprint (the origin changes)."""
import glob
import json
import shutil

import pyarrow.parquet as pq
import pytest

from pipeline.main import run
from tests.pipeline.test_streaming_e2e import QUAKE, REPRINT, RSS, feed, write_list
from tests.provenance.checks import provenance_problems, read_rows
from tests.support import EXAMPLES, read_table
from tests.support.faultserver import FaultServer, Reply

XINHUA_TITLE = "China, Pacific island countries launch joint ocean monitoring network"


def story_ids(out):
    return {r["story_id"] for t in ("stories", "duplicates") for r in read_table(out, t)}


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("prov-examples") / "out"
    assert run(["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]) == 0
    return out


def test_examples_cluster_origin_and_reprints(examples_out):
    clusters, _ = read_rows(examples_out, "clusters")
    reprints, _ = read_rows(examples_out, "reprints")
    stories = {r["story_id"]: r for t in ("stories", "duplicates") for r in read_table(examples_out, t)}
    assert len(clusters) == len({r["cluster_id"] for r in stories.values()})     # one row per cluster touched
    big = [c for c in clusters if c["n_copies"] > 1]
    assert len(big) == 1
    c = big[0]
    origin = stories[c["origin_story_id"]]
    assert origin["source_name"] == "Xinhua" and c["origin_agency"] == "Xinhua"
    assert (c["n_copies"], c["n_outlets"], c["languages"]) == (5, 5, ["en"])
    assert {"headline": XINHUA_TITLE, "count": 2} in c["headlines"]
    assert c["first_published"] == origin["published"]
    rows = {stories[r["story_id"]]["source_name"]: r for r in reprints}
    assert sorted(rows) == ["Lakeland Courier", "Pacific Rim Digest", "The Harbour Times", "The Meridian Post"]
    assert all(r["cluster_id"] == c["cluster_id"] and r["origin_story_id"] == origin["story_id"] for r in reprints)
    digest = rows["Pacific Rim Digest"]             # the wire copy as sent, under the wire's headline
    assert digest["kept_share"] == 1.0 and not digest["headline_changed"] and digest["sentences_added"] == 0
    assert digest["lag_seconds"] == (stories[digest["story_id"]]["published"] - origin["published"]).total_seconds()
    assert rows["Lakeland Courier"]["kept_share"] < 0.5 and rows["Lakeland Courier"]["headline_changed"]
    summary = json.loads(open(glob.glob(str(examples_out / "runs" / "*.json"))[0]).read())
    assert summary["counts"]["reprints"] == 4 and summary["counts"]["clusters"] == len(clusters)
    digest_line = summary["by_outlet"]["Pacific Rim Digest"]
    assert digest_line["reprints"] == 1 and digest_line["verbatim_share"] == 1.0
    assert digest_line["median_lag_seconds"] == digest["lag_seconds"]
    assert {"stories", "agency_sourced", "share"} <= set(digest_line)      # the keys that were there


def test_checker_passes_on_examples_and_fails_on_a_broken_table(examples_out, tmp_path):
    assert provenance_problems(examples_out, story_ids(examples_out)) == []
    broken = tmp_path / "broken"
    shutil.copytree(examples_out, broken)
    path = glob.glob(str(broken / "reprints" / "*" / "*.parquet"))[0]
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["kept_share"], rows[0]["cluster_id"] = 1.5, "nowhere"
    pq.write_table(table.from_pylist(rows, schema=table.schema), path)
    problems = provenance_problems(broken, story_ids(broken))
    assert any("outside [0, 1]" in p for p in problems) and any("not in clusters/" in p for p in problems)


def test_a_reprint_in_a_later_run_is_measured_against_the_remembered_origin(tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", str(EXAMPLES / "feeds" / "xinhua-world.xml"), "--output", str(out)]) == 0
    first = story_ids(out)
    # (not the Pacific Rim Digest: its copy has the wire item's URL, so it is the same story, already seen)
    assert run(["--feeds", str(EXAMPLES / "feeds" / "meridian-post.xml"), "--output", str(out)]) == 0
    reprints, _ = read_rows(out, "reprints")
    assert len(reprints) == 1
    r = reprints[0]
    assert r["origin_story_id"] in first and r["story_id"] not in first
    assert r["kept_share"] == 0.875 and r["lag_seconds"] > 0 and r["headline_changed"]
    clusters, _ = read_rows(out, "clusters")
    newest = [c for c in clusters if c["cluster_id"] == r["cluster_id"] and c["run_id"] == r["run_id"]]
    assert newest and newest[0]["n_copies"] == 2 and newest[0]["origin_story_id"] == r["origin_story_id"]
    assert provenance_problems(out, story_ids(out)) == []


STREAM = ["--streaming", "--poll-interval", "1", "--max-poll-interval", "1", "--allow-private-networks",
          "--max-retries", "0"]


def test_stream_origin_arriving_after_its_reprint(tmp_path):
    """Poll 1: only the reprint (published 30 min ago). Poll 2 on: the wire's item, published
    90 min ago, arrives: it becomes the cluster's origin and the reprint is measured again."""
    out = tmp_path / "out"
    with FaultServer() as srv:
        srv.static("/daily.xml", feed("Daily", REPRINT))
        srv.sequence("/wire.xml", [Reply(200, feed("Wire"), RSS), Reply(200, feed("Wire", QUAKE), RSS)])
        feeds = write_list(tmp_path, [srv.url("/daily.xml"), srv.url("/wire.xml")])
        assert run([*STREAM, "--feeds", str(feeds), "--output", str(out), "--max-polls", "3",
                    "--run-id", "s1"]) == 0
    ids = {r["url"]: r["story_id"] for t in ("stories", "duplicates") for r in read_table(out, t)}
    quake, reprint = ids["http://wire.example/quake"], ids["http://daily.example/coast-quake"]
    clusters, _ = read_rows(out, "clusters")
    reprints, _ = read_rows(out, "reprints")
    assert [r["story_id"] for r in reprints] == [reprint]
    row = reprints[0]
    assert row["origin_story_id"] == quake and row["lag_seconds"] == 3600.0
    assert row["kept_share"] == 1.0 and row["headline_changed"]
    by_time = sorted(clusters, key=lambda c: (c["updated_at"], c["n_copies"]))
    assert by_time[-1]["origin_story_id"] == quake and by_time[-1]["n_copies"] == 2
    assert by_time[-1]["cluster_id"] == row["cluster_id"]
    assert provenance_problems(out, story_ids(out)) == []
    summary = json.loads((out / "runs" / "s1.json").read_text())
    assert summary["counts"]["reprints"] == 1
