"""Near-duplicate clustering quality on generated reprints: pairwise P/R/F1 and ARI.

    .venv/bin/python -m benchmarks.dedupe_eval [--originals 1500] [--seed 11] [--source mixed]
        [--thresholds 0.4,0.5,0.55,0.6,0.7]

Runs wirefeed's Dedupe transform (DirectRunner) on the reprint generator's items
(benchmarks/reprints/: agency originals, outlet reprints, hard negatives) and scores the
clusters against the gold labels; per reprint transform it reports the recall of the link to the
original, and per negative type the rate of false merges.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import os
import sys
import tempfile
import time
from typing import Dict, List

import apache_beam as beam

from benchmarks.cluster_metrics import pairwise_scores
from benchmarks.reprints import Item, generate
from transforms.enrich.agencies.attribution import attribute
from transforms.clean.stories import content_hash
from transforms.dedupe import Dedupe
from transforms.dedupe.fingerprint import CONTAINMENT
from transforms.records import Story
from transforms.clean.text import strip_chrome


def item_to_story(item: Item) -> Story:
    """The Story that Clean and Enrich would make of a generated item."""
    text = strip_chrome(item.text or item.summary)      # what Clean does to the text
    credited = attribute(item.title, text)
    story = Story(story_id=item.id, feed_url=item.feed_url, source_name=item.source_name, url=item.url,
                  canonical_url=item.url, guid=item.url, title=item.title, summary=item.summary,
                  text=text, published=item.published,
                  fetched_at=item.published, feed_agency=item.agency if item.is_agency_feed else None,
                  agencies=list(credited.agencies), language="en")
    story.word_count = len(story.text.split())
    story.content_hash = content_hash(story.title, story.text)
    return story


def story_to_json(story: Story) -> str:
    return json.dumps({"id": story.story_id, "feed": story.feed_url, "title": story.title,
                       "text": story.text, "published": story.published.isoformat(),
                       "agency": story.feed_agency, "agencies": story.agencies,
                       "hash": story.content_hash, "words": story.word_count})


def json_to_story(line: str) -> Story:
    d = json.loads(line)
    return Story(story_id=d["id"], feed_url=d["feed"], title=d["title"], text=d["text"],
                 published=_dt.datetime.fromisoformat(d["published"]), feed_agency=d["agency"],
                 agencies=d["agencies"], content_hash=d["hash"], word_count=d["words"])


def run_dedupe(stories_jsonl: str, out_prefix: str, threshold: float = CONTAINMENT,
               beam_args: List[str] = ()) -> Dict[str, str]:
    """story_id -> cluster_id, from a pipeline reading stories as JSON lines."""
    from apache_beam.options.pipeline_options import PipelineOptions
    with beam.Pipeline(options=PipelineOptions(list(beam_args))) as p:
        stories = (p | "Read" >> beam.io.ReadFromText(stories_jsonl)
                   | "ToStory" >> beam.Map(json_to_story))
        (stories | "Dedupe" >> Dedupe(threshold=threshold))["stories"] | "Pairs" >> beam.Map(
            lambda s: f"{s.story_id}\t{s.cluster_id}") | "Write" >> beam.io.WriteToText(out_prefix)
    clusters = {}
    folder = os.path.dirname(out_prefix)
    for name in os.listdir(folder):
        if name.startswith(os.path.basename(out_prefix)):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for line in f:
                    sid, cid = line.rstrip("\n").split("\t")
                    clusters[sid] = cid
    return clusters


def breakdown(items: List[Item], predicted: Dict[str, str]) -> Dict[str, str]:
    """Recall of each reprint transform's link to its original; false merges per negative type."""
    original = {it.cluster: it.id for it in items if it.kind == "original"}
    linked = collections.Counter()
    total = collections.Counter()
    for it in items:
        if it.kind.startswith("reprint:"):
            ok = predicted[it.id] == predicted[original[it.cluster]]
            for token in it.kind.split(":", 1)[1].split("+"):
                total[token] += 1
                linked[token] += ok
        elif it.kind.startswith("negative:"):
            kind = it.kind
            total[kind] += 1
            merged = sum(1 for other in items if other.id != it.id and predicted[other.id] == predicted[it.id])
            linked[kind] += merged > 0
    return {k: f"{linked[k]}/{total[k]} = {linked[k] / total[k]:.3f}" for k in sorted(total)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--source", default="mixed", choices=("synthetic", "real", "mixed"))
    ap.add_argument("--thresholds", default=str(CONTAINMENT))
    a = ap.parse_args(argv)
    items = generate(a.originals, seed=a.seed, source=a.source)
    gold = {it.id: it.cluster for it in items}
    kinds = collections.Counter(it.kind.split(":")[0] for it in items)
    print(f"items {len(items)}: {dict(kinds)}; gold clusters {len(set(gold.values()))}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "stories.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for it in items:
                f.write(story_to_json(item_to_story(it)) + "\n")
        for threshold in (float(t) for t in a.thresholds.split(",")):
            t0 = time.perf_counter()
            predicted = run_dedupe(path, os.path.join(tmp, f"out-{threshold}"), threshold)
            elapsed = time.perf_counter() - t0
            scores = pairwise_scores(gold, predicted)
            print(f"threshold {threshold:.2f}: precision {scores['precision']:.4f} recall {scores['recall']:.4f} "
                  f"F1 {scores['f1']:.4f} ARI {scores['ari']:.4f}  ({elapsed:.1f} s)")
            for k, v in breakdown(items, predicted).items():
                print(f"    {k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
