"""Dedupe stage scaling: time and peak memory at 10k and 100k stories, and their ratio.

    .venv/bin/python -m benchmarks.dedupe_scaling [--sizes 10000,100000] [--repeats 1]

Stories come from ../shared/data/real-feeds/parsed-entries (single-paragraph real items) plus
generated reprints and hard negatives (benchmarks/reprints/, source="real"; synthetic articles
fill in when the real data is absent or runs out). Each size runs in a fresh process: the
Dedupe transform on the DirectRunner, reading the stories from JSON lines and writing
(story_id, cluster_id) pairs. The figure is time(largest) / time(smallest), measured in the same
run; linear cost gives about the size ratio (10), quadratic about its square.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.reprints import generate

ITEMS_PER_ORIGINAL = 4.2   # 1 original + 0..6 reprints (3 on average) + 0.25 negatives


def make_input(size: int, folder: str, seed: int = 1) -> str:
    from benchmarks.dedupe_eval import item_to_story, story_to_json
    items = generate(int(size / ITEMS_PER_ORIGINAL) + 1, seed=seed, source="real")[:size]
    path = os.path.join(folder, f"stories-{size}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for it in items:
            f.write(story_to_json(item_to_story(it)) + "\n")
    return path


def child(path: str, out: str) -> None:
    from benchmarks.dedupe_eval import run_dedupe
    t0 = time.perf_counter()
    clusters = run_dedupe(path, out)
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, "stories": len(clusters),
                      "clusters": len(set(clusters.values()))}))


def measure(path: str, folder: str, run: int) -> dict:
    out = os.path.join(folder, f"out-{os.path.basename(path)}-{run}", "clusters")
    done = subprocess.run([sys.executable, "-m", "benchmarks.dedupe_scaling", "--child", path, out],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(*a.child)
        return 0
    sizes = [int(s) for s in a.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = make_input(size, folder)
            runs = [measure(path, folder, r) for r in range(a.repeats)]
            results[size] = {"seconds": statistics.median(r["seconds"] for r in runs),
                             "peak_mb": max(r["peak_mb"] for r in runs),
                             "stories": runs[0]["stories"], "clusters": runs[0]["clusters"]}
            r = results[size]
            print(f"{size:>7} stories: {r['seconds']:7.1f} s (median of {a.repeats}), "
                  f"{size / r['seconds']:6.0f} stories/s, peak {r['peak_mb']:.0f} MB, "
                  f"{r['clusters']} clusters")
    lo, hi = sizes[0], sizes[-1]
    ratio = results[hi]["seconds"] / results[lo]["seconds"]
    print(f"time({hi})/time({lo}) = {ratio:.2f}  (size ratio {hi / lo:.0f}; must stay <= 12)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
