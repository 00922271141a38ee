"""Streaming dedupe state and worker memory per story held in the dedupe window.

    .venv/bin/python -m benchmarks.stream_state [--stories 5000,20000] [--window 7] [--shards 16] [--seed 11]

For each N in --stories: N generated stories (benchmarks/reprints with length-skewed copies and
same-outlet updates, one language, as benchmarks.stream_cost) spread evenly over the --window
days, pushed in publication order through the plain-Python pieces of every keyed step of
StreamDedupe (stream.py) — `identity_step` (Identity), `fingerprint_step` (Fingerprint),
`shards.ShardedReplay` (FanOut, Shards, Decide) and `clusters.settle` (Clusters) — while this
module keeps, per key, what each step's DoFn keeps in Beam state: the values it writes and the
log records it appends to its BagStates, compacted when the DoFn compacts them. The window is
then full and nothing has expired yet: the state of a window holding N stories.

Per step it reports, per story of the window:
- `state`: the bytes of that state encoded with the step's own state coder (transforms.coders
  STATE_CODER), element by element as Beam stores them (keys not counted); for the two logged
  steps (Shards, Clusters) both the log as written (`log`: what the BagState holds now — while
  the window fills it is compacted only when it holds more than (1 + LOG_GROWTH) x the records
  it compacts to, stream.compaction_due) and the log compacted (`compact`: `records()`, what it
  holds right after a compaction);
- `memory`: the Python heap (tracemalloc) of the objects the DoFns cache between bundles
  (_LoggedKeyState: a ShardIndex per shard, a ClusterMemory per cluster), rebuilt from their
  compacted logs as the DoFn rebuilds them after a cache miss, and the breakdown of the shard
  index by structure (a deep sizeof walk of the objects the replay built);
- `cpu`: process CPU per story of the whole replay (all steps, without the measuring).
Two fills show whether it is linear per story: `ratio` is the figure at the largest N over the
figure at the smallest, per story (1.0 = linear).

Not modelled: re-polls (a story seen again appends a ("touch", sid, t) record to its cluster's
log and to its shard's log at most once per `_touch_every`, min(1 h, window / 20); their encoded
sizes are reported as `touch_record_bytes`), the cleanup timers (they compact only once entries
expire, after the window is full, at oldest + window + slack), Beam's per-key and per-element
overhead.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import math
import statistics
import sys
import time
import tracemalloc
import uuid
from typing import Dict, List

import numpy as np

from benchmarks.dedupe_eval import item_to_story
from benchmarks.reprints import generate
from benchmarks.stream_cost import stream_options
from transforms.coders import STATE_CODER
from transforms.dedupe.clusters import ClusterMemory, cluster_of, complete_row, settle
from transforms.dedupe.shards import DEFAULT_SHARDS, ShardedReplay, ShardIndex
from transforms.dedupe.stream import (DAY, FEED_MEMORY, compaction_due, decided_row, epoch, fingerprint_step,
                                      identity_step)
from transforms.records import ALREADY_SEEN, UTC

START = _dt.datetime(2026, 11, 1, tzinfo=UTC)
STORIES_PER_ORIGINAL = 4.5      # what generate(skew_and_updates=True) gives, a little under


def corpus(n: int, days: float, seed: int) -> list:
    """`n` stories in publication order, spread evenly over `days` days."""
    originals = max(10, math.ceil(n / STORIES_PER_ORIGINAL))
    items = generate(originals, seed=seed, skew_and_updates=True)
    while len(items) < n:
        originals = math.ceil(originals * 1.2)
        items = generate(originals, seed=seed, skew_and_updates=True)
    stories = [item_to_story(i) for i in items[:n]]
    step = days * DAY / max(1, n)
    for k, s in enumerate(stories):
        s.fetched_at = s.published = START + _dt.timedelta(seconds=k * step)
    return stories


# --------------------------------------------------------------------------- the steps' state, kept as the DoFns keep it

class _LoggedShard(ShardIndex):
    """A ShardIndex with the log _Shards appends to its BagState: every record `receive`
    returns, replaced by `records()` when the batched expiry compacts it or when it has grown
    well past what it compacts to (stream.compaction_due, as _LoggedKeyState._append)."""

    def __init__(self):
        super().__init__()
        self.log: List[tuple] = []
        self.compactions = 0
        self.largest_log = 0           # records, at any time of the fill

    def receive(self, probe, is_home, window_s, threshold, settle, horizon):
        records, answer, others = super().receive(probe, is_home, window_s, threshold, settle, horizon)
        self.log += records
        self.largest_log = max(self.largest_log, len(self.log))
        if compaction_due(len(self.log), self.record_count()):
            self.log = list(self.records())
            self.compactions += 1
        return records, answer, others

    def expire(self, before, recent_before=None):
        gone = super().expire(before, recent_before)
        self.log = list(self.records())          # _Shards._compact after the batched expiry
        return gone


class _LoggedReplay(ShardedReplay):
    def shard(self, language: str, j: int) -> ShardIndex:
        s = self.index.get((language, j))
        if s is None:
            s = self.index[(language, j)] = _LoggedShard()
        return s


class _ClusterStep:
    """What _Clusters.process keeps per cluster root: a ClusterMemory and its log."""

    def __init__(self, window_s: float):
        self.window_s = window_s
        self.slack = max(3600.0, window_s / 20)
        self.memories: Dict[str, ClusterMemory] = {}
        self.logs: Dict[str, list] = {}

    def decided(self, story, exact_of, when: float) -> dict:
        key = cluster_of(story)
        memory = self.memories.setdefault(key, ClusterMemory())
        log = self.logs.setdefault(key, [])
        memory.newest = max(memory.newest, when)
        if memory.oldest < memory.newest - self.window_s - self.slack:
            memory.expire(memory.newest - self.window_s)
            log[:] = memory.records()
        records, columns, _ = settle(memory, story, exact_of, when, story.fetched_at, "")
        log += records
        if compaction_due(len(log), memory.record_count()):      # as _LoggedKeyState._append
            log[:] = memory.records()
        return columns


class _DecideStep:
    """What _Decide keeps per home shard: ROOTS (a bag of (sid, root, root_key, first), compacted
    every 1000 additions) and ROOTS_ADDED; PENDING is read from the replay at the end."""

    def __init__(self, window_s: float):
        self.window_s = window_s
        self.roots: Dict[str, list] = collections.defaultdict(list)
        self.added: Dict[str, int] = collections.defaultdict(int)

    def decided(self, key: str, story, decision, row, first: float, now: float) -> None:
        if row is None:
            return
        self.roots[key].append((story.story_id, decision.root, row["root_key"], first))
        self.added[key] += 1
        if self.added[key] >= 1000:
            self.roots[key] = [r for r in self.roots[key] if r[3] >= now - self.window_s]
            self.added[key] = 0


def encoded(value) -> int:
    return len(STATE_CODER.encode(value))


def bag_bytes(records) -> int:
    return sum(encoded(r) for r in records)


# --------------------------------------------------------------------------- memory

def deep_size(obj, seen: set) -> int:
    """Bytes of `obj` and everything it references that `seen` has not counted yet."""
    total, stack = 0, [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen or o is None or type(o) in (bool, type):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, np.ndarray):
            if o.base is not None and o.base is not o:   # a view: its buffer belongs to the base
                stack.append(o.base)
            continue
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        elif hasattr(o, "__dict__") and not isinstance(o, (str, bytes, int, float)):
            stack.append(o.__dict__)
    return total


def shard_breakdown(shards) -> dict:
    """Deep size of the shard indexes by structure (each object counted once, in this order)."""
    seen: set = set()
    parts = collections.OrderedDict((k, 0) for k in (
        "entries.sketch", "entries.keys", "entries.facts", "entries.other", "buckets", "labels+firsts",
        "aliases", "recent", "meta+agencies"))
    for s in shards:
        for e in s.entries.values():
            parts["entries.sketch"] += deep_size(e[3], seen)
            parts["entries.keys"] += deep_size(e[5], seen)
            parts["entries.facts"] += deep_size(e[8], seen)
        parts["entries.other"] += deep_size(s.entries, seen)
        parts["buckets"] += deep_size(s.buckets, seen)
        parts["labels+firsts"] += deep_size(s.labels, seen) + deep_size(s.firsts, seen)
        parts["aliases"] += deep_size(s.aliases, seen) + deep_size(s.alias_buckets, seen)
        parts["recent"] += sum(deep_size(x, seen) for x in (s.recent, s.recent_keys, s.recent_exact, s.recent_seq))
        parts["meta+agencies"] += deep_size(s.meta, seen) + deep_size(s.agencies, seen)
    return dict(parts)


def cluster_breakdown(memories) -> dict:
    """Deep size of the cluster memories by part of a member (each object counted once)."""
    seen: set = set()
    parts = collections.OrderedDict((k, 0) for k in ("copy.sentences", "copy.other", "version columns",
                                                     "VersionInfo", "members.other"))
    for m in memories:
        for member in m.members.values():
            copy = member[3]
            if copy is not None:
                parts["copy.sentences"] += deep_size(copy.sentences, seen)
                parts["copy.other"] += deep_size(copy, seen)
            parts["version columns"] += deep_size(member[1], seen)
            parts["VersionInfo"] += deep_size(member[2], seen)
        parts["members.other"] += deep_size(m.members, seen)
    return dict(parts)


def rebuilt_heap(logs: List[List[bytes]], build) -> int:
    """Heap bytes (tracemalloc) of the objects `build` makes from each key's encoded log, as a
    DoFn decodes and replays a log after a cache miss."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = []
        for log in logs:
            obj = build()
            for b in log:
                obj.apply(STATE_CODER.decode(b))
            kept.append(obj)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return after - before


# --------------------------------------------------------------------------- the measurement

def measure(n: int, window_days: float = 7.0, seed: int = 11, shards: int = DEFAULT_SHARDS,
            settle_s: float = 300.0) -> dict:
    window_s = window_days * DAY
    stories = corpus(n, window_days * (1 - 1e-6), seed)     # all inside one window: nothing expires
    text_bytes = statistics.median(len((s.text or "").encode("utf-8")) for s in stories)
    identities: Dict[str, dict] = {}
    feeds: Dict[str, collections.OrderedDict] = {}
    replay = _LoggedReplay(shards=shards, settle=settle_s, window_s=window_s)
    decide_step, cluster_step = _DecideStep(window_s), _ClusterStep(window_s)
    exact_of_by_sid: Dict[str, str] = {}
    already_seen = 0

    def after_decision(out, now):
        for story, probe, decision in out:
            row = decided_row(story, probe, decision)
            decide_step.decided(str(probe.home), story, decision, row, probe.first, now)
            columns = cluster_step.decided(story, exact_of_by_sid.pop(story.story_id, None), probe.first)
            complete_row(row, columns)

    cpu = time.process_time()
    when = 0.0
    for s in stories:
        when = epoch(s.fetched_at)
        head = s.story_id                  # Identity's key: the id the story came in with
        entry, s, exact_of, _ = identity_step(identities.get(head), s, window_s)
        identities[head] = entry
        if s.disposition == ALREADY_SEEN:
            already_seen += 1
            continue
        ordered = fingerprint_step(feeds.setdefault(s.feed_url, collections.OrderedDict()), s, FEED_MEMORY)
        if exact_of is not None:
            exact_of_by_sid[s.story_id] = exact_of
        after_decision(replay.arrive(s, exact_of, ordered, when), when)
    cpu = time.process_time() - cpu
    # Decide's PENDING now (bounded by the settle time, not by the window), then the rest decided
    pending: Dict[int, dict] = collections.defaultdict(lambda: {"now": when, "stories": {}})
    for sid, (story, probe, reports) in replay.pending.items():
        pending[probe.home]["stories"][sid] = {"story": story, "probe": probe, "count": shards,
                                               "reports": reports + replay.reverse.get(sid, [])}
    pending_bytes = sum(encoded(p) for p in pending.values())
    held = len(replay.pending)
    after_decision(replay.finish(), when)

    shard_objs = list(replay.index.values())
    per = lambda b: round(b / n, 1)       # noqa: E731
    steps = {}
    steps["Identity"] = {"keys": len(identities), "state": per(sum(encoded(e) for e in identities.values()))}
    feed_bytes = [encoded(r) for r in feeds.values()]
    steps["Fingerprint"] = {"keys": len(feeds), "state": per(sum(feed_bytes)),
                            "per_feed": round(statistics.mean(feed_bytes)), "bounded_by": f"{FEED_MEMORY} stories a feed"}
    shard_compact = [[STATE_CODER.encode(r) for r in s.records()] for s in shard_objs]
    log_by_kind, shard_log_bytes = collections.Counter(), []
    for s in shard_objs:               # the logs as written, sized record by record (they are large)
        size = 0
        for r in s.log:
            b = encoded(r)
            log_by_kind[r[0]] += b
            size += b
        shard_log_bytes.append(size)
    compact_bytes = [sum(map(len, c)) for c in shard_compact]
    token = encoded(uuid.uuid4().hex)     # the VERSION state of each logged key
    steps["Shards"] = {"keys": len(shard_objs), "state": per(sum(shard_log_bytes) + token * len(shard_objs)),
                       "compact": per(sum(compact_bytes) + token * len(shard_objs)),
                       "log_by_record": {k: per(v) for k, v in log_by_kind.most_common()},
                       "largest_key_compact_bytes": max(compact_bytes),
                       "largest_key_log_bytes": max(shard_log_bytes),
                       "log_records": sum(len(s.log) for s in shard_objs),
                       "compact_records": sum(len(c) for c in shard_compact),
                       "largest_log_records": sum(s.largest_log for s in shard_objs),
                       "compactions": sum(s.compactions for s in shard_objs),
                       "largest_key_entries": max(len(s) for s in shard_objs),
                       "aliases_per_story": round(sum(len(s.aliases) for s in shard_objs) / n, 3),
                       "keys_per_entry": round(statistics.mean(len(e[5]) for s in shard_objs
                                                               for e in s.entries.values()), 1),
                       "memory": per(rebuilt_heap(shard_compact, ShardIndex)),
                       "memory_breakdown": {k: per(v) for k, v in shard_breakdown(shard_objs).items()}}
    del shard_compact
    steps["Decide"] = {"keys": len(decide_step.roots),
                       "state": per(sum(bag_bytes(r) for r in decide_step.roots.values())
                                    + sum(encoded(a) for a in decide_step.added.values())),
                       "pending_bytes": pending_bytes, "pending_stories": held}
    cluster_log_bytes = sum(bag_bytes(log) for log in cluster_step.logs.values())
    cluster_compact = [[STATE_CODER.encode(r) for r in m.records()] for m in cluster_step.memories.values()]
    tokens = token * len(cluster_step.memories)
    steps["Clusters"] = {"keys": len(cluster_step.memories), "state": per(cluster_log_bytes + tokens),
                         "compact": per(sum(map(len, sum(cluster_compact, []))) + tokens),
                         "largest_key_compact_bytes": max(sum(map(len, c)) for c in cluster_compact),
                         "sentences_per_member": round(statistics.mean(
                             len(m[3].sentences) for c in cluster_step.memories.values() for m in c.members.values()
                             if m[3] is not None), 1),
                         "memory": per(rebuilt_heap(cluster_compact, ClusterMemory)),
                         "memory_breakdown": {k: per(v) for k, v in
                                              cluster_breakdown(cluster_step.memories.values()).items()}}
    total = (steps["Identity"]["state"] + steps["Shards"]["state"] + steps["Decide"]["state"]
             + steps["Clusters"]["state"])
    total_compact = (steps["Identity"]["state"] + steps["Shards"]["compact"] + steps["Decide"]["state"]
                     + steps["Clusters"]["compact"])
    return {"stories": n, "window_days": window_days, "shards": shards, "settle": settle_s,
            "median_text_bytes": text_bytes, "already_seen": already_seen,
            "cpu_ms_per_story": round(1000 * cpu / n, 3), "steps": steps,
            "state_per_story": round(total, 1), "state_per_story_compact": round(total_compact, 1),
            "memory_per_story": round(steps["Shards"]["memory"] + steps["Clusters"]["memory"], 1),
            "touch_record_bytes": {"Shards": encoded(("touch", stories[-1].story_id, when)),
                                   "Clusters": encoded(("touch", stories[-1].story_id, when))}}


def ratios(results: List[dict]) -> dict:
    """Per-story figures at the largest fill over the smallest (1.0: linear in the stories)."""
    a, b = results[0], results[-1]
    out = {"state": b["state_per_story"] / a["state_per_story"],
           "state_compact": b["state_per_story_compact"] / a["state_per_story_compact"],
           "memory": b["memory_per_story"] / a["memory_per_story"],
           "cpu": b["cpu_ms_per_story"] / a["cpu_ms_per_story"]}
    return {k: round(v, 3) for k, v in out.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", default="5000,20000", help="window fills, comma-separated")
    a = stream_options(ap).parse_args(argv)
    results = []
    for n in [int(x) for x in a.stories.split(",")]:
        r = measure(n, a.window, a.seed, a.shards, a.settle)
        results.append(r)
        print(f"\n{n:,} stories in a {a.window:g}-day window, {a.shards} shards, settle {a.settle:g} s "
              f"(median text {r['median_text_bytes']:.0f} B); CPU {r['cpu_ms_per_story']:.2f} ms/story")
        print(f"{'step':<12} {'keys':>7} {'state B/story':>14} {'compacted':>10} {'heap B/story':>13}")
        for name, s in r["steps"].items():
            print(f"{name:<12} {s['keys']:>7,} {s['state']:>14,.1f} {s.get('compact', s['state']):>10,.1f} "
                  f"{s.get('memory', 0):>13,.1f}")
        print(f"{'total':<12} {'':>7} {r['state_per_story']:>14,.1f} {r['state_per_story_compact']:>10,.1f} "
              f"{r['memory_per_story']:>13,.1f}")
        sh = r["steps"]["Shards"]
        print("Shards log by record kind (B/story): " + ", ".join(f"{k} {v:,.1f}" for k, v in sh["log_by_record"].items()))
        print("Shards heap by structure (deep sizeof, B/story): "
              + ", ".join(f"{k} {v:,.1f}" for k, v in sh["memory_breakdown"].items()))
        print("Clusters heap by part (deep sizeof, B/story): "
              + ", ".join(f"{k} {v:,.1f}" for k, v in r["steps"]["Clusters"]["memory_breakdown"].items()))
        print(f"{sh['keys_per_entry']} LSH keys an entry, {sh['aliases_per_story']} aliases a story, "
              f"{r['steps']['Clusters']['sentences_per_member']} provenance sentences a cluster member")
        print(f"Shards log records: {sh['log_records']:,} now, {sh['largest_log_records']:,} at most (sum over keys), "
              f"{sh['compact_records']:,} compacted; {sh['compactions']:,} compactions while the window filled")
        print(f"largest shard: {sh['largest_key_entries']:,} entries, log {sh['largest_key_log_bytes']:,} B, "
              f"compacted {sh['largest_key_compact_bytes']:,} B; Decide pending {r['steps']['Decide']['pending_stories']} "
              f"stories {r['steps']['Decide']['pending_bytes']:,} B; Fingerprint {r['steps']['Fingerprint']['per_feed']:,} B "
              f"a feed; touch record {r['touch_record_bytes']['Clusters']} B")
    if len(results) > 1:
        print(f"\nper story at {results[-1]['stories']:,} / at {results[0]['stories']:,}: {ratios(results)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "ratios": ratios(results) if len(results) > 1 else None}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
