"""Hot keys: every keyed step of Dedupe, its elements, distinct keys and the largest key's share.

    .venv/bin/python -m benchmarks.key_share [--n 100000] [--quick] [--json PATH] [--seed 1]

Runs the batch Dedupe transform (DirectRunner) on N generated stories (the reprint generator
that benchmarks.dedupe_scaling uses, same seed) and measures, in that real run, the input of
every GroupByKey of the Dedupe graph: StoryById/JoinState, GroupByFeed, GroupByShard,
DistinctPairs, JoinA/JoinB, Adjacency, the Join/Min rounds, the components' residual,
JoinLabels, JoinRoots … (a CoGroupByKey or CombinePerKey is measured at the GroupByKey it
expands to). The graph is built first, then every such GroupByKey's input PCollection gets a
branch that counts the elements per key (`CombinePerKey(sum)`) and reduces the counts to
(elements, distinct keys, largest key's count); the figures are the elements *entering* the
step, before any combiner lifting a runner may do.

The streaming StreamDedupe steps are keyed state, not shuffles of this graph; their keys
(Identity by story id, Fingerprint by feed, Shards by language|shard — every story's query to
each of the DEFAULT_SHARDS shards, and its entry on its home shard —, Decide by home shard: the
S answers of each story) are computed over the same stories in the same run. `--stream-only`
measures these without running the batch graph.

Prints one table row per step and writes the table as JSON (default bench-out/key_share.json),
with the counter `components_residual_pairs` (label pairs the components' residual step held).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import List, Optional

import apache_beam as beam
from apache_beam.pipeline import PipelineVisitor

from transforms.dedupe.shards import DEFAULT_SHARDS, home_shard
from transforms.dedupe.stream import shard_key
from transforms.records import safe_language

QUICK_N = 2000


class KeyStats(beam.CombineFn):
    """(key, count) pairs -> {'elements', 'keys', 'largest', 'largest_key'}."""

    def create_accumulator(self):
        return [0, 0, 0, ""]

    def add_input(self, acc, kv):
        key, count = kv
        acc[0] += count
        acc[1] += 1
        if count > acc[2]:
            acc[2], acc[3] = count, key
        return acc

    def merge_accumulators(self, accs):
        out = self.create_accumulator()
        for a in accs:
            out[0] += a[0]
            out[1] += a[1]
            if a[2] > out[2]:
                out[2], out[3] = a[2], a[3]
        return out

    def extract_output(self, acc):
        elements, keys, largest, key = acc
        return {"elements": elements, "keys": keys, "largest": largest,
                "share": largest / elements if elements else None, "largest_key": key[:60]}


class _KeyedSteps(PipelineVisitor):
    """The GroupByKeys under `prefix`, with their input PCollections, in graph order."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.found: List[tuple] = []

    def visit_transform(self, applied):
        if isinstance(applied.transform, beam.GroupByKey) and applied.full_label.startswith(self.prefix):
            self.found.append((applied.full_label, applied.inputs[0]))


def step_name(full_label: str, prefix: str) -> str:
    """'Dedupe/ConnectedComponents/Min0/GroupByKey' -> 'ConnectedComponents/Min0'."""
    name = full_label[len(prefix):]
    for tail in ("/GroupByKey", "/CoGroupByKeyImpl"):
        if name.endswith(tail):
            name = name[: -len(tail)]
    return name


def measure_keys(pcoll, label: str, key_of=lambda kv: kv[0]):
    """PCollection -> one dict of KeyStats, tagged with `label`."""
    return (pcoll
            | f"KS {label}/Key" >> beam.Map(lambda e: (repr(key_of(e)), 1))
            | f"KS {label}/PerKey" >> beam.CombinePerKey(sum)
            | f"KS {label}/Stats" >> beam.CombineGlobally(KeyStats())
            | f"KS {label}/Tag" >> beam.Map(lambda s: json.dumps(dict(s, step=label))))


STREAM_KEYS = (   # the keys StreamDedupe's stateful steps use (transforms/dedupe/stream.py)
    ("stream: Identity (story id)", lambda s: [s.story_id]),
    ("stream: Fingerprint (feed)", lambda s: [s.feed_url]),
    # every story's query goes to the S shards of its language; its entry lives on its home shard
    ("stream: Shards (language|shard)", lambda s: [shard_key(safe_language(s.language), j)
                                                   for j in range(DEFAULT_SHARDS)]),
    ("stream: Shards, entries held (home shard)", lambda s: [shard_key(safe_language(s.language),
                                                                       home_shard(s.story_id, DEFAULT_SHARDS))]),
    # the S answers of a story are gathered on its home shard's key
    ("stream: Decide (home shard)", lambda s: [str(home_shard(s.story_id, DEFAULT_SHARDS))] * DEFAULT_SHARDS),
)


def run(path: str, out_dir: str, stream_only: bool = False) -> dict:
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions

    from benchmarks.dedupe_eval import json_to_story
    from transforms.dedupe import Dedupe

    p = beam.Pipeline(options=PipelineOptions([]))
    stories = (p | "Read" >> beam.io.ReadFromText(path)
               | "ToStory" >> beam.Map(lambda line: _with_language(json_to_story(line))))
    steps = _KeyedSteps("Dedupe/")
    tables = []
    if not stream_only:
        out = stories | "Dedupe" >> Dedupe()
        _ = out["stories"] | "CountStories" >> beam.combiners.Count.Globally()
        p.visit(steps)
        for full_label, pcoll in steps.found:
            tables.append(measure_keys(pcoll, step_name(full_label, "Dedupe/")))
    for label, keys_of in STREAM_KEYS:
        keys = stories | f"Keys {label}" >> beam.FlatMap(keys_of)
        tables.append(measure_keys(keys, label, key_of=lambda k: k))
    (tables | "AllStats" >> beam.Flatten()
     | "WriteStats" >> beam.io.WriteToText(os.path.join(out_dir, "stats"), shard_name_template=""))
    t0 = time.perf_counter()
    result = p.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - t0
    rows = []
    with open(os.path.join(out_dir, "stats"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    order = {step_name(lbl, "Dedupe/"): i for i, (lbl, _) in enumerate(steps.found)}
    order.update({lbl: len(order) + i for i, (lbl, _) in enumerate(STREAM_KEYS)})
    rows.sort(key=lambda r: order.get(r["step"], 1 << 30))
    counters = {}
    for c in result.metrics().query(MetricsFilter().with_namespace("dedupe"))["counters"]:
        counters[c.key.metric.name] = counters.get(c.key.metric.name, 0) + c.committed
    return {"rows": rows, "counters": counters, "seconds": seconds, "keyed_steps": len(steps.found)}


def _with_language(story):
    story.language = story.language or "en"     # the generator's stories are English
    return story


def residual_rows(rows: List[dict]) -> List[dict]:
    return [r for r in rows if r["step"].startswith("ConnectedComponents/Residual")]


def largest_share(rows: List[dict], min_elements: int = 0) -> Optional[dict]:
    """The batch step (but the components' residual fallback and the combiners' one-key
    GroupByKeys, which every runner lifts: partial counts cross, not elements) whose largest key
    holds the largest share, among the steps with at least `min_elements` elements."""
    batch = [r for r in rows if not r["step"].startswith("stream:") and r["share"] is not None
             and r not in residual_rows(rows) and r["elements"] >= min_elements
             and not r["step"].endswith("/CombinePerKey")]
    return max(batch, key=lambda r: r["share"]) if batch else None


def print_table(report: dict) -> None:
    print(f"{'step':58s} {'elements':>10s} {'keys':>9s} {'largest':>8s} {'share':>8s}")
    for r in report["rows"]:
        share = "-" if r["share"] is None else f"{r['share']:.4%}"
        print(f"{r['step']:58s} {r['elements']:10d} {r['keys']:9d} {r['largest']:8d} {share:>8s}")
    pairs = report["counters"].get("components_residual_pairs", 0)
    for least in (0, report["n"] // 10):
        top = largest_share(report["rows"], least)
        if top is None:
            continue
        print(f"stories {report['n']}: largest key share over the batch steps (but the residual) "
              f"with >= {least} elements: {top['share']:.4%} ({top['step']}, {top['largest']} of "
              f"{top['elements']} elements)")
    print(f"components_residual_pairs {pairs} (label pairs held by the residual step, one key: "
          f"{sum(r['elements'] for r in residual_rows(report['rows']))} elements)")
    stream = [r for r in report["rows"] if r["step"].startswith("stream:")]
    top = max(stream, key=lambda r: r["share"])
    print(f"stories {report['n']}: largest key share over the streaming steps: {top['share']:.4%} "
          f"({top['step']}, {top['largest']} of {top['elements']} elements)")
    print(f"{report['keyed_steps']} keyed batch steps; run took {report['seconds']:.0f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100000, help="generated stories (default 100000)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_N} stories (tests)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stream-only", action="store_true", help="measure the streaming steps' keys only "
                    "(without running the batch Dedupe graph)")
    ap.add_argument("--json", default=None, help="where to write the table (default bench-out/key_share.json)")
    a = ap.parse_args(argv)
    n = QUICK_N if a.quick else a.n
    from benchmarks.dedupe_scaling import make_input
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    json_path = a.json or os.path.join(root, "bench-out", "key_share.json")
    with tempfile.TemporaryDirectory() as folder:
        path = make_input(n, folder, seed=a.seed)
        report = run(path, folder, stream_only=a.stream_only)
    report["n"] = n
    print_table(report)
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    print(f"written {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
