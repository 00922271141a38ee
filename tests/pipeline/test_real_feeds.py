"""The 47 real feeds of ../shared/data/real-feeds: no crash, entry counts, language agreement."""
import collections
import csv

import pytest

from tests.support import assert_conserved, read_dead_letters, read_summary, read_table, shared_path
from pipeline.main import run


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    feeds = shared_path("data", "real-feeds", "feeds")
    out = tmp_path_factory.mktemp("real") / "out"
    assert run(["--feeds", str(feeds / "*.xml"), "--output", str(out)]) == 0
    with open(feeds.parent / "manifest.csv", newline="", encoding="utf-8") as fh:
        manifest = {row["file"].split("/")[-1]: row for row in csv.DictReader(fh)}
    return out, manifest


def test_every_feed_parses_and_counts_match_the_manifest(real_run):
    out, manifest = real_run
    summary = read_summary(out)
    c = summary["counts"]
    assert_conserved(summary)
    assert c["feeds_total"] == len(manifest) == 47
    assert c["feeds_failed"] == 0 and c["entry_dead_letters"] == 0, read_dead_letters(out)
    assert c["entries_total"] == sum(int(m["entries"]) for m in manifest.values())
    per_feed = collections.Counter(r["feed_url"].split("/")[-1]
                                   for r in read_table(out, "stories") + read_table(out, "duplicates"))
    mismatched = {name: (per_feed.get(name, 0), int(m["entries"])) for name, m in manifest.items()
                  if per_feed.get(name, 0) != int(m["entries"])}
    assert mismatched == {}


def test_language_agrees_with_the_manifest(real_run):
    out, manifest = real_run
    langs = collections.defaultdict(collections.Counter)
    for r in read_table(out, "stories") + read_table(out, "duplicates"):
        langs[r["feed_url"].split("/")[-1]][r["language"]] += 1
    entries = sum(sum(c.values()) for c in langs.values())
    agree = sum(c[manifest[name]["language"]] for name, c in langs.items())
    feeds_agree = sum(c.most_common(1)[0][0] == manifest[name]["language"] for name, c in langs.items())
    print(f"language agreement: entries {agree}/{entries} = {agree / entries:.3f}; "
          f"feeds (majority) {feeds_agree}/{len(langs)}")
    assert agree / entries >= 0.90
    assert feeds_agree >= len(langs) - 3
