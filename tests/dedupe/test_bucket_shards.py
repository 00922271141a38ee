"""The LSH bucket keys are grouped in more shards as a run brings more fingerprints (a remembered
7-day window's rows included), so no shard holds more than about FINGERPRINTS_PER_SHARD
fingerprints' keys; the pairs do not depend on the count."""
import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean.stories import content_hash, stable_id
from transforms.dedupe import candidates
from transforms.dedupe.candidates import CandidatePairs, bucket_shards, fingerprint_feed
from transforms.records import Story

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)
BASE = ("Governor Ilse Marten told reporters in the capital that the board had discussed a cut but chose "
        "to wait for the January figures before moving, a decision most analysts had forecast.\n\n"
        "The bank also published new forecasts showing growth of 1.2 percent next year, slightly below its "
        "September projection, as exports to neighbouring countries slowed sharply.")


def test_more_fingerprints_more_shards():
    per = candidates.FINGERPRINTS_PER_SHARD
    assert bucket_shards(0) == bucket_shards(1) == candidates.BUCKET_SHARDS == 256
    assert bucket_shards(256 * per) == 256
    assert bucket_shards(256 * per + 1) == 257
    assert bucket_shards(72_500_000) == -(-72_500_000 // per) > 5_000     # a 7-day window at 10 M a day


def _fingerprints():
    stories = []
    for i in range(12):
        text = BASE if i % 3 else BASE + f"\n\nStory {i} adds Names Like Kato{i} and {i}4 more facts."
        if i % 4 == 0:
            text = f"Topic {i}: " + " ".join(f"word{i}x{j}" for j in range(60))
        s = Story(story_id=stable_id(str(i)), feed_url=f"https://f{i % 3}.example/rss", title="T" if text == BASE else f"T{i}",
                  text=text, published=T0 + dt.timedelta(minutes=i), word_count=len(text.split()))
        s.content_hash = content_hash(s.title, s.text)
        stories.append(s)
    return [fp for feed in range(3) for fp in fingerprint_feed([s for s in stories if s.feed_url.startswith(f"https://f{feed}.")])]


def _run(fps, folder):
    """CandidatePairs' pairs and exact edges, as sorted lists (written out by the pipeline)."""
    import json
    import os
    with TestPipeline() as p:
        out = p | beam.Create(fps) | CandidatePairs()
        for name in ("pairs", "edges"):
            path = os.path.join(str(folder), name)
            (out[name] | f"{name}List" >> beam.combiners.ToList()
             | f"{name}Write" >> beam.Map(lambda x, path=path: open(path, "w").write(json.dumps(sorted(x)))))
    return {name: json.load(open(os.path.join(str(folder), name))) for name in ("pairs", "edges")}


def test_the_pairs_do_not_depend_on_the_shard_count(monkeypatch, tmp_path):
    fps = _fingerprints()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    default = _run(fps, tmp_path / "a")
    assert default["pairs"] and default["edges"]           # near-duplicates and exact copies to find
    monkeypatch.setattr(candidates, "BUCKET_SHARDS", 2)
    monkeypatch.setattr(candidates, "FINGERPRINTS_PER_SHARD", 4)
    assert bucket_shards(len(fps)) == 3
    shards = {shard for fp in fps for shard, _ in candidates.CandidatePairs.bucket_keys(fp, bucket_shards(len(fps)))}
    assert shards == {0, 1, 2}
    assert _run(fps, tmp_path / "b") == default


def test_the_run_uses_the_counted_shards(monkeypatch):
    """The graph counts the fingerprints: with 2 + 4 per shard, 12 fingerprints go to 3 shards."""
    monkeypatch.setattr(candidates, "BUCKET_SHARDS", 2)
    monkeypatch.setattr(candidates, "FINGERPRINTS_PER_SHARD", 4)
    fps = _fingerprints()
    with TestPipeline() as p:
        shards = (p | beam.Create(fps) | beam.combiners.Count.Globally() | beam.Map(bucket_shards))
        keyed = (p | "fps" >> beam.Create(fps)
                 | beam.FlatMap(CandidatePairs.bucket_keys, shards=beam.pvalue.AsSingleton(shards))
                 | beam.Map(lambda kv: kv[0]) | beam.Distinct())
        assert_that(keyed, equal_to([0, 1, 2]))
