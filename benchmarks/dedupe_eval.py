"""Near-duplicate clustering quality on generated reprints: pairwise P/R/F1 and ARI.

    .venv/bin/python -m benchmarks.dedupe_eval [--originals 1500] [--seed 11 | --seeds 12,13,14]
        [--source mixed] [--thresholds 0.4,0.5,0.55,0.6,0.7] [--mode batch|stream|both]
        [--old-kinds-only]

Runs wirefeed's Dedupe transform (DirectRunner) on the reprint generator's items
(benchmarks/reprints/: agency originals, outlet reprints, hard negatives, and — unless
--old-kinds-only — length-skewed copies, same-outlet updates and templated items) and scores the
clusters against the gold labels; per reprint transform (and update edit) it reports the recall
of the link to the original, and per negative type the rate of false merges.

--mode stream pushes the same stories, in publication order, through the streaming decision path
(the fingerprints fingerprint_step makes per feed, then transforms/dedupe/shards.py ShardedReplay:
the probe to every shard, the decision once settled — what StreamDedupe's Shards and Decide steps
run, with the default 16 shards and a 300 s settle time), and scores the clusters a reader gets
after applying the cluster events (merges followed).
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
from transforms.dedupe.events import current_clusters
from transforms.dedupe.shards import DEFAULT_SHARDS, ShardedReplay
from transforms.dedupe.stream import DAY, epoch, fingerprint_step
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
            lambda s: f"{s.story_id}\t{s.cluster_id}\t{s.link_rule}") | "Write" >> beam.io.WriteToText(out_prefix)
    clusters = {}
    rules = collections.Counter()
    folder = os.path.dirname(out_prefix)
    for name in os.listdir(folder):
        if name.startswith(os.path.basename(out_prefix)):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for line in f:
                    sid, cid, rule = line.rstrip("\n").split("\t")
                    clusters[sid] = cid
                    rules[rule] += 1
    run_dedupe.rules = dict(rules)
    return clusters


def run_stream(stories: List[Story], threshold: float = CONTAINMENT, window_days: float = 7,
               apply_events: bool = True, shards: int = DEFAULT_SHARDS, settle: float = 300.0) -> Dict[str, str]:
    """story_id -> cluster_id from the streaming decision path, stories in publication order:
    the sharded path's plain-Python pieces as StreamDedupe's steps run them (shards.ShardedReplay:
    every story's probe to its `shards` shards, home first, then the decisions of the stories
    whose `settle` seconds have passed); with `apply_events`, the cluster ids a reader gets after
    applying the cluster_events table (merges followed: events.current_clusters), else the ids
    written in the rows."""
    replay = ShardedReplay(shards=shards, settle=settle, window_s=window_days * DAY, threshold=threshold)
    recent: Dict[str, collections.OrderedDict] = {}
    for story in sorted(stories, key=lambda s: (s.fetched_at or s.published, s.story_id)):
        ordered = fingerprint_step(recent.setdefault(story.feed_url, collections.OrderedDict()), story)
        story.fetched_at = story.fetched_at or story.published
        replay.arrive(story, None, ordered, epoch(story.fetched_at))
    replay.finish()
    clusters = {s.story_id: s.cluster_id for s in replay.decided}
    run_stream.rules = dict(collections.Counter(str(s.link_rule) for s in replay.decided))
    run_stream.events = collections.Counter(e.event for e in replay.events)
    if apply_events:
        current = current_clusters(replay.events)
        clusters = {sid: current.get(c, (c, None))[0] for sid, c in clusters.items()}
    return clusters


def breakdown(items: List[Item], predicted: Dict[str, str]) -> Dict[str, str]:
    """Recall of each reprint transform's link to its original; false merges per negative type."""
    original = {it.cluster: it.id for it in items if it.kind.split(":")[0] == "original"}
    linked = collections.Counter()
    total = collections.Counter()
    for it in items:
        if it.kind.startswith(("reprint:", "update:")):
            ok = predicted[it.id] == predicted[original[it.cluster]]
            prefix = "update:" if it.kind.startswith("update:") else ""
            tokens = it.kind.split(":", 1)[1].split("+")
            if prefix:
                tokens.append("ALL")
            elif tokens[0] in ("feature", "brief"):
                pass
            else:
                tokens.append("ALL-old-kinds")
            for token in tokens:
                total[prefix + token] += 1
                linked[prefix + token] += ok
        elif it.kind.startswith("negative:"):
            kind = it.kind
            total[kind] += 1
            merged = sum(1 for other in items if other.id != it.id and predicted[other.id] == predicted[it.id])
            linked[kind] += merged > 0
    return {k: f"{linked[k]}/{total[k]} = {linked[k] / total[k]:.3f}" for k in sorted(total)}


def evaluate(items: List[Item], thresholds, modes, tmp: str, label: str = "") -> List[dict]:
    gold = {it.id: it.cluster for it in items}
    stories = [item_to_story(it) for it in items]
    path = os.path.join(tmp, f"stories{label}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for s in stories:
            f.write(story_to_json(s) + "\n")
    out = []
    for threshold in thresholds:
        for mode in modes:
            t0 = time.perf_counter()
            if mode == "batch":
                predicted = run_dedupe(path, os.path.join(tmp, f"out{label}-{threshold}"), threshold)
                rules = run_dedupe.rules
            else:
                predicted = run_stream([json_to_story(story_to_json(s)) for s in stories], threshold)
                rules = run_stream.rules
            elapsed = time.perf_counter() - t0
            scores = pairwise_scores(gold, predicted)
            print(f"{label} {mode} threshold {threshold:.2f}: precision {scores['precision']:.4f} "
                  f"recall {scores['recall']:.4f} F1 {scores['f1']:.4f} ARI {scores['ari']:.4f}  ({elapsed:.1f} s)")
            print(f"    link_rule counts: {dict(sorted(rules.items()))}")
            for k, v in breakdown(items, predicted).items():
                print(f"    {k:32s} {v}")
            out.append({"mode": mode, "threshold": threshold, **scores})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (overrides --seed)")
    ap.add_argument("--source", default="mixed", choices=("synthetic", "real", "mixed"))
    ap.add_argument("--thresholds", default=str(CONTAINMENT))
    ap.add_argument("--mode", default="batch", choices=("batch", "stream", "both"))
    ap.add_argument("--old-kinds-only", action="store_true",
                    help="without the length-skewed copies, updates and templated items")
    a = ap.parse_args(argv)
    seeds = [int(x) for x in a.seeds.split(",")] if a.seeds else [a.seed]
    modes = ("batch", "stream") if a.mode == "both" else (a.mode,)
    thresholds = [float(t) for t in a.thresholds.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            items = generate(a.originals, seed=seed, source=a.source, skew_and_updates=not a.old_kinds_only)
            gold = {it.id: it.cluster for it in items}
            kinds = collections.Counter(it.kind.split(":")[0] for it in items)
            print(f"seed {seed}: items {len(items)}: {dict(kinds)}; gold clusters {len(set(gold.values()))}")
            evaluate(items, thresholds, modes, tmp, label=f"seed{seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
