"""Shuffle bytes per story: what every GroupByKey of the batch pipeline moves, before and after
the record coders (transforms/coders.py).

    .venv/bin/python -m benchmarks.shuffle_bytes [--n 3000] [--json PATH]

Builds the throughput benchmark's corpus (benchmarks/throughput.py: the 47 real feeds when
../shared/data is present, plus generated agency originals, reprints and negatives), builds the
whole batch graph (pipeline/build.py) on it and gives the input PCollection of every GroupByKey
(a CoGroupByKey or CombinePerKey is measured at the GroupByKey it expands to) a branch that
encodes each element, in the real run, with the coder Beam picks for that PCollection's type:
- before: a fresh `CoderRegistry()`, Beam's defaults (FastPrimitivesCoder with PickleCoder for
  anything it does not know, so records are pickles: Story and Fingerprint through their
  hand-written `__reduce__`), which is what the pipeline used before RecordCoder;
- after: `apache_beam.coders.registry`, where transforms/coders.py registered RecordCoder.
A key is encoded with the coder's deterministic version (Beam does that for GroupByKey keys),
the value with the coder itself. It also times encoding and decoding every element with each
coder (CPU seconds of the process, summed over the steps).

Prints bytes per story per step and in total, before, after and their ratio, and writes them as
JSON (default bench-out/shuffle_bytes.json). `story` = an entry of the run (entries_total).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import List

import apache_beam as beam
from apache_beam.coders.typecoders import CoderRegistry
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.pipeline import PipelineVisitor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _GroupByKeys(PipelineVisitor):
    def __init__(self):
        self.found: List[tuple] = []

    def visit_transform(self, applied):
        if isinstance(applied.transform, beam.GroupByKey):
            self.found.append((applied.full_label, applied.inputs[0]))


def kv_coders(registry, element_type, label: str):
    coder = registry.get_coder(element_type)
    if not coder.is_kv_coder():
        raise TypeError(f"{label}: {coder} is not a KV coder")
    return coder.key_coder().as_deterministic_coder(label), coder.value_coder()


class _Measure(beam.DoFn):
    """Adds each element's encoded size (before, after) to counters named after the step."""

    def __init__(self, step: str, element_type):
        self._step, self._type = step, element_type

    def setup(self):
        import transforms.coders  # noqa: F401  (RecordCoder registered in this worker)
        self._before = kv_coders(CoderRegistry(), self._type, self._step)
        self._after = kv_coders(beam.coders.registry, self._type, self._step)
        ns = "shuffle_bytes"
        self._counters = {k: Metrics.counter(ns, f"{self._step}|{k}")
                          for k in ("elements", "before", "after", "before_us", "after_us")}

    def process(self, kv):
        key, value = kv
        self._counters["elements"].inc()
        for name, (kc, vc) in (("before", self._before), ("after", self._after)):
            t = time.process_time()
            kb, vb = kc.encode(key), vc.encode(value)
            kc.decode(kb), vc.decode(vb)
            self._counters[name + "_us"].inc(int((time.process_time() - t) * 1e6))
            self._counters[name].inc(len(kb) + len(vb))


def step_name(full_label: str) -> str:
    for tail in ("/GroupByKey", "/CoGroupByKeyImpl"):
        if full_label.endswith(tail):
            full_label = full_label[: -len(tail)]
    return full_label


def run(feeds: List[str], out_dir: str) -> dict:
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.build import build
    from pipeline.options import WirefeedOptions
    from pipeline.runs import make_run_id
    import datetime as _dt

    output = os.path.join(out_dir, "out")
    argv = [a for f in feeds for a in ("--feeds", f)] + ["--output", output]
    options = PipelineOptions(argv)
    opts = options.view_as(WirefeedOptions)
    run_id = make_run_id()
    p = beam.Pipeline(options=options)
    build(p, opts, run_id, {"run_id": run_id}, os.path.join(output, "state"), None, _dt.datetime.now(_dt.timezone.utc))
    visitor = _GroupByKeys()
    p.visit(visitor)
    for i, (label, pcoll) in enumerate(visitor.found):
        _ = pcoll | f"MeasureShuffle{i}" >> beam.ParDo(_Measure(step_name(label), pcoll.element_type))
    t0 = time.perf_counter()
    result = p.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - t0
    steps: dict = {}
    for c in result.metrics().query(MetricsFilter().with_namespace("shuffle_bytes"))["counters"]:
        step, kind = c.key.metric.name.rsplit("|", 1)
        steps.setdefault(step, {})[kind] = steps.get(step, {}).get(kind, 0) + c.committed
    with open(os.path.join(output, "runs", f"{run_id}.json"), encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    order = {step_name(label): i for i, (label, _) in enumerate(visitor.found)}
    rows = [dict(step=s, **v) for s, v in sorted(steps.items(), key=lambda kv: order.get(kv[0], 1 << 30))]
    return {"rows": rows, "counts": counts, "seconds": seconds, "group_by_keys": len(visitor.found)}


def summarise(report: dict) -> dict:
    n = max(1, report["counts"]["entries_total"])
    total = {k: sum(r.get(k, 0) for r in report["rows"]) for k in ("elements", "before", "after", "before_us", "after_us")}
    return {"stories": n, "before_bytes_per_story": total["before"] / n, "after_bytes_per_story": total["after"] / n,
            "ratio": total["after"] / total["before"] if total["before"] else None,
            "before_us_per_story": total["before_us"] / n, "after_us_per_story": total["after_us"] / n,
            "elements_per_story": total["elements"] / n}


def print_table(report: dict) -> None:
    n = max(1, report["counts"]["entries_total"])
    print(f"{'step (GroupByKey input)':62s} {'el/story':>8s} {'before B/story':>14s} {'after B/story':>13s} {'ratio':>6s}")
    for r in report["rows"]:
        ratio = r["after"] / r["before"] if r.get("before") else float("nan")
        print(f"{r['step'][:62]:62s} {r['elements'] / n:8.2f} {r['before'] / n:14.1f} {r['after'] / n:13.1f} {ratio:6.3f}")
    s = report["summary"]
    print(f"total over {len(report['rows'])} GroupByKeys, {s['stories']} stories: {s['before_bytes_per_story']:.0f} "
          f"-> {s['after_bytes_per_story']:.0f} bytes per story (ratio {s['ratio']:.3f}); encode+decode "
          f"{s['before_us_per_story']:.0f} -> {s['after_us_per_story']:.0f} CPU-us per story")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="stories in the corpus (default 3000)")
    ap.add_argument("--json", default=None, help="default bench-out/shuffle_bytes.json")
    a = ap.parse_args(argv)
    import logging
    logging.getLogger().setLevel(logging.ERROR)
    from benchmarks.throughput import build_corpus
    json_path = a.json or os.path.join(ROOT, "bench-out", "shuffle_bytes.json")
    with tempfile.TemporaryDirectory() as folder:
        info = build_corpus(a.n, os.path.join(folder, "corpus"))
        report = run(info["feeds"], folder)
    report["corpus"] = info
    report["summary"] = summarise(report)
    print_table(report)
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    print(f"written {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
