"""Streaming dedupe cost per story as the dedupe window fills, then holds.

    .venv/bin/python -m benchmarks.stream_cost [--originals 3000] [--days 14] [--window 7] [--seed 11]
    .venv/bin/python -m benchmarks.stream_cost --burst 500,1000,2000,4000 [--shards 16] [--seed 11]

Pushes generated stories (benchmarks/reprints, with length-skewed copies and same-outlet
updates) through the streaming decision path in publication order — per feed boilerplate memory
(`fingerprint_step`), then the sharded path's plain-Python pieces (`shards.ShardedReplay`: the
probe to every one of `--shards` shards with the batched expiry `_Shards` does, the decision
once settled), then the cluster step's (`clusters.ClusterReplay`: versions and provenance
against the cluster's members, the state row completed) — spread evenly over `--days` days, and reports the CPU time per story for each
day: the index grows for `--window` days and then holds, so a flat cost per story from one day
to the next is what "cost does not grow with the window" means. `largest shard` is the entries
the fullest shard holds (the memory of one key).
Beam's own per-element overhead is not in these figures (it does not depend on the window).

With --burst, each N stories arrive in one poll round instead (5 minutes: all within the settle
time and the shards' crossing horizon), and the CPU per story is reported for each N: flat when
a shard's work per arrival does not grow with the round (it grew with the recent queries it
scanned before they were indexed, bd5bf4f).
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import statistics
import time

from benchmarks.dedupe_eval import item_to_story
from benchmarks.reprints import generate
from transforms.dedupe.clusters import ClusterReplay, complete_row
from transforms.dedupe.shards import DEFAULT_SHARDS, ShardedReplay
from transforms.dedupe.stream import DAY, decided_row, epoch, fingerprint_step
from transforms.records import UTC

START = _dt.datetime(2026, 11, 1, tzinfo=UTC)


def settle_decided(clusters: ClusterReplay, decided) -> None:
    """What the Clusters step adds to each story the shards decided (versions, provenance), and
    its state row completed."""
    for story, probe, decision in decided:
        columns, _ = clusters.settle(story, probe.exact_of, probe.first)
        complete_row(decided_row(story, probe, decision), columns)


def measure(originals: int, days: int, window_days: float, seed: int, shards: int = DEFAULT_SHARDS,
            settle: float = 300.0) -> dict:
    items = generate(originals, seed=seed, skew_and_updates=True)
    stories = [item_to_story(i) for i in items]
    step = days * DAY / max(1, len(stories))
    for k, s in enumerate(stories):                # publication order, spread evenly over the days
        s.fetched_at = s.published = START + _dt.timedelta(seconds=k * step)
    replay, recent = ShardedReplay(shards=shards, settle=settle, window_s=window_days * DAY), {}
    clusters = ClusterReplay(window_s=window_days * DAY)
    per_day = collections.defaultdict(lambda: [0.0, 0])
    sizes, largest = {}, {}
    for s in stories:
        t0 = time.process_time()
        when = epoch(s.fetched_at)
        ordered = fingerprint_step(recent.setdefault(s.feed_url, collections.OrderedDict()), s)
        settle_decided(clusters, replay.arrive(s, None, ordered, when))
        day = int((when - START.timestamp()) // DAY)
        per_day[day][0] += time.process_time() - t0
        per_day[day][1] += 1
        sizes[day] = sum(len(x) for x in replay.index.values())
        largest[day] = replay.largest_shard()
    replay.finish()
    rows = [{"day": d + 1, "stories": n, "ms_per_story": round(1000 * cpu / n, 3), "index_size": sizes[d],
             "largest_shard": largest[d]}
            for d, (cpu, n) in sorted(per_day.items())]
    filling = [r["ms_per_story"] for r in rows if r["day"] <= window_days]
    full = [r["ms_per_story"] for r in rows if r["day"] > window_days + 1]
    return {"stories": len(stories), "days": days, "window_days": window_days, "shards": shards,
            "settle": settle, "per_day": rows,
            "median_ms_filling": statistics.median(filling) if filling else None,
            "median_ms_full": statistics.median(full) if full else None,
            "ratio_full_to_filling": (round(statistics.median(full) / statistics.median(filling), 3)
                                      if filling and full else None)}


def burst(stories_n: int, seed: int, shards: int = DEFAULT_SHARDS, settle: float = 300.0,
          round_s: float = 300.0) -> dict:
    """CPU per story when `stories_n` generated stories arrive in one poll round (fetched evenly
    over `round_s` seconds, within the settle time and the crossing horizon): the same steps as
    `measure`. A shard's work per arrival must not grow with the round (its recent queries)."""
    items = generate(max(1, round(stories_n / 4.27)), seed=seed, skew_and_updates=True)
    stories = [item_to_story(i) for i in items][:stories_n]
    for k, s in enumerate(stories):
        s.fetched_at = START + _dt.timedelta(seconds=k * round_s / max(1, len(stories)))
    replay, recent = ShardedReplay(shards=shards, settle=settle), {}
    clusters = ClusterReplay()
    t0 = time.process_time()
    for s in stories:
        ordered = fingerprint_step(recent.setdefault(s.feed_url, collections.OrderedDict()), s)
        settle_decided(clusters, replay.arrive(s, None, ordered, epoch(s.fetched_at)))
    settle_decided(clusters, replay.finish())
    cpu = time.process_time() - t0
    return {"stories": len(stories), "shards": shards, "ms_per_story": round(1000 * cpu / len(stories), 3),
            "recent_queries": max((len(x.recent) for x in replay.index.values()), default=0)}


def stream_options(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options the streaming benchmarks share (this one and benchmarks.stream_state)."""
    ap.add_argument("--window", type=float, default=7)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--shards", type=int, default=DEFAULT_SHARDS)
    ap.add_argument("--settle", type=float, default=300.0, help="settle seconds (default 300, one poll)")
    ap.add_argument("--json", default=None, help="also write the result here")
    return ap


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=3000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--burst", default=None, metavar="N,N,…",
                    help="instead: CPU per story when N stories arrive in one poll round (5 minutes), for each N")
    a = stream_options(ap).parse_args(argv)
    if a.burst:
        try:
            sizes = [int(x) for x in a.burst.split(",")]
        except ValueError:
            ap.error("--burst takes story counts, e.g. --burst 500,1000,2000")
        rows = []
        print(f"{'stories in the round':>21} {'ms/story':>9} {'recent queries (largest shard)':>31}")
        for n in sizes:
            rows.append(burst(n, a.seed, a.shards, a.settle))
            print(f"{rows[-1]['stories']:>21,} {rows[-1]['ms_per_story']:>9.3f} {rows[-1]['recent_queries']:>31,}",
                  flush=True)
        if a.json:
            with open(a.json, "w") as f:
                json.dump(rows, f, indent=1)
        return 0
    result = measure(a.originals, a.days, a.window, a.seed, a.shards, a.settle)
    print(f"{result['stories']:,} stories over {a.days} days, dedupe window {a.window:g} days")
    print(f"{'day':>4} {'stories':>8} {'ms/story':>9} {'index':>7} {'largest shard':>14}")
    for r in result["per_day"]:
        print(f"{r['day']:>4} {r['stories']:>8,} {r['ms_per_story']:>9.3f} {r['index_size']:>7,} "
              f"{r['largest_shard']:>14,}")
    print(f"median ms per story while the window fills {result['median_ms_filling']:.3f}, "
          f"once full {result['median_ms_full']:.3f}: ratio {result['ratio_full_to_filling']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
