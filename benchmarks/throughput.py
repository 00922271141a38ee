"""End-to-end throughput: the whole pipeline vs a plain Python loop doing the same work.

    .venv/bin/python -m benchmarks.throughput [--n 20000] [--repeats 3] [--keep DIR]
        [--profile] [--parts] [--only pipeline|baseline|full]
        [--ablate language,fingerprint,pickling,pairs,buckets,provenance|all]
        [--beam-args "--direct_num_workers=2 --direct_running_mode=multi_processing"]

1. Builds a corpus of N stories as feed files: the 47 real feeds of
   ../shared/data/real-feeds/feeds (verbatim: about 1,100 items in 13 languages) plus RSS files
   of generated agency originals, outlet reprints and hard negatives (benchmarks/reprints/;
   synthetic full-text originals of 8-14 paragraphs instead of the generator's default 4-8, so
   that an item is about 3.3 KB of feed XML, 2.5 KB of text).
2. Measures, in one run, each measurement in a fresh subprocess (its peak memory is the child's
   ru_maxrss), the modes interleaved so that machine noise hits all of them alike:
   (a) `pipeline.main.run` on the DirectRunner, end to end to Parquet;
   (b) `baseline`, a loop with no Beam: read each feed file, transforms.parse.feeds.parse_document,
       transforms.clean.stories.clean_story, transforms.enrich.stories.enrich_story (one LanguageDetector),
       transforms.dedupe.candidates.fingerprint_feed per feed, and the same Parquet partitions
       (stories/date/lang) written with pyarrow from transforms.write.schema.story_row / STORY_SCHEMA,
       every story as canonical: the front half of the work only;
   (c) `full`, a loop with no Beam doing all the work the pipeline does: (b) up to enrich, then
       dedupe_in_order — the plain-Python steps of the streaming engine, which apply the same
       rules as batch Dedupe and Provenance (exact copies and versions, per-feed boilerplate,
       MinHash and LSH candidates, rules.verify, the decision, versions and provenance against
       the cluster, the state row) — and the stories, provenance tables and state written to
       Parquet (canonical stories and duplicates in their tables, as the pipeline). The ratio
       (a)/(c) compares the same work; (a)/(b) adds the work (b) does not do. The two loops apply
       the rules with different algorithms (an in-memory index, shuffled buckets), so (a)/(c)
       bounds Beam's cost only loosely (docs/throughput.md).
   With --ablate, also each of them with one optimisation switched back to the code it replaced
   (benchmarks/throughput_reference.py), to show what each one buys end to end; `provenance`
   runs the pipeline without the provenance tables and state columns (what they cost).
3. Prints stories/s (wall clock, median of --repeats) and stories per CPU-second (user + system
   time of the child, i.e. per core), the duplicates (a) and (c) found, the ratios (a)/(c) and
   (a)/(b), peak memory, the per-stage share of
   the baseline's CPU time (stage timers), the pipeline's CPU time per fused Beam stage, and
   with --profile a cProfile of one run of each, self time grouped by stage (C functions
   attributed to the stage of their callers); with --parts the hot functions one by one
   (benchmarks/throughput_report.py).

Wall-clock times include building the pipeline and loading langdetect's profiles, not the
interpreter start and imports. On a shared machine CPU seconds are the steadier figure.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import datetime as _dt
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List

from benchmarks.throughput_reference import ABLATIONS, ablate
from benchmarks.throughput_report import StageTimer, parts, profile_shares, steps_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_FEEDS = os.path.join(os.path.dirname(ROOT), "shared", "data", "real-feeds", "feeds")
MODES = ("pipeline", "baseline", "full")
DEDUPE_TIMER = "dedupe, versions, provenance"
ITEMS_PER_ORIGINAL = 4.27     # 1 original + 0..6 reprints + 0.25 negatives, measured
LONG_PARAS = (8, 14)          # paragraphs of a synthetic original (generator default: 4-8)


# ------------------------------------------------------------------------------------ corpus

def _count_items(path: str) -> int:
    with open(path, "rb") as f:
        data = f.read()
    return data.count(b"<item>") + data.count(b"<item ") + data.count(b"<entry>") + data.count(b"<entry ")


def build_corpus(n: int, folder: str, seed: int = 7) -> dict:
    """Feed files of about `n` stories under `folder`; returns the --feeds arguments and sizes."""
    from benchmarks.reprints import generate, to_feed_files
    os.makedirs(folder, exist_ok=True)
    real_dir = os.path.join(folder, "real")
    feeds_args = []
    real_items = 0
    if os.path.isdir(REAL_FEEDS):
        shutil.copytree(REAL_FEEDS, real_dir, dirs_exist_ok=True)
        real_items = sum(_count_items(os.path.join(real_dir, f)) for f in os.listdir(real_dir))
        feeds_args.append(real_dir)
    n_gen = max(0, n - real_items)
    items = generate(int(n_gen / ITEMS_PER_ORIGINAL) + 1, seed=seed, source="synthetic",
                     n_paras=LONG_PARAS)[:n_gen]
    gen_dir = os.path.join(folder, "gen")
    paths = to_feed_files(items, gen_dir)
    feeds_args.append(os.path.join(gen_dir, "feeds.opml"))
    item_bytes = sum(os.path.getsize(p) for p in paths)
    text_bytes = sum(len(it.text.encode("utf-8")) for it in items)
    info = {"feeds": feeds_args, "real_items": real_items, "generated_items": len(items),
            "generated_feed_files": len(paths),
            "mean_item_bytes": round(item_bytes / max(1, len(items))),
            "mean_text_bytes": round(text_bytes / max(1, len(items)))}
    with open(os.path.join(folder, "corpus.json"), "w") as f:
        json.dump(info, f, indent=1)
    return info


# ------------------------------------------------------------------------------ the baseline

class _TimedDetector:
    """A LanguageDetector whose detect() time goes to timers['language']."""

    def __init__(self, detector, timers):
        self._detector, self._timers = detector, timers

    def detect(self, *args):
        t = time.process_time()
        try:
            return self._detector.detect(*args)
        finally:
            self._timers["language"] += time.process_time() - t


def dedupe_in_order(stories, run_id: str = "bench", window_s: float = 7 * 86400.0):
    """The dedupe, versions and provenance decisions of `stories` without Beam, in one loop: the
    plain-Python steps the streaming engine runs (stream.identity_step: exact copies and
    versions; stream.fingerprint_step: per-feed boilerplate out; shards.ShardedReplay: MinHash
    probe, LSH candidates, rules.verify, the decision — on one shard: the fan-out to S shards
    spreads a language over workers, in one loop it would only repeat the lookups; clusters.
    ClusterReplay: versions and provenance against the cluster's members; the state row
    completed), the same rules the batch Dedupe and Provenance steps apply. Returns (stories decided or already seen,
    provenance rows (the last of each table's key), state rows)."""
    from transforms.dedupe.clusters import ClusterReplay, complete_row
    from transforms.dedupe.shards import ShardedReplay
    from transforms.dedupe.stream import FEED_MEMORY, decided_row, epoch, fingerprint_step, identity_step
    from transforms.records import ALREADY_SEEN, safe_language

    identities, feeds, exact_of_by = {}, {}, {}
    # one shard; a settle time of the whole window: a batch, every story concurrent with the others
    replay = ShardedReplay(shards=1, settle=window_s, window_s=window_s, run_id=run_id)
    clusters = ClusterReplay(window_s=window_s, run_id=run_id)
    out, rows = [], []

    def settled(decided):
        for story, probe, decision in decided:
            row = decided_row(story, probe, decision)
            columns, _ = clusters.settle(story, exact_of_by.pop(story.story_id, None), probe.first)
            rows.append(complete_row(row, columns))
            out.append(story)

    for s in stories:
        head = s.story_id
        entry, s, exact_of, _ = identity_step(identities.get(head), s, window_s)
        identities[head] = entry
        if s.disposition == ALREADY_SEEN:
            out.append(s)
            continue
        ordered = fingerprint_step(feeds.setdefault(s.feed_url, collections.OrderedDict()), s, FEED_MEMORY)
        if exact_of is not None:
            exact_of_by[s.story_id] = exact_of
        settled(replay.arrive(s, exact_of, ordered, epoch(s.fetched_at), safe_language(s.language)))
    settled(replay.finish())
    provenance = {(r.table, r.key): r for r in clusters.rows}
    return out, list(provenance.values()), rows


def baseline(feeds_args, output: str, timers: dict = None, full: bool = False, counts: dict = None) -> int:
    """The same work without Beam; returns the number of stories written. Without `full`: read,
    parse, clean, enrich, fingerprint per feed (fingerprint_feed) and write every story as
    canonical. With `full`, all the work the pipeline does: read, parse, clean, enrich, then
    dedupe_in_order (exact copies, versions, near duplicates, provenance, state rows) and write
    the stories, the provenance tables and the state (`counts` gets the duplicates found)."""
    import transforms.dedupe.candidates as candidates
    import transforms.enrich.language as language
    from transforms.clean.stories import clean_story
    from transforms.enrich.stories import enrich_story
    from transforms.fetch.feeds import read_path
    from transforms.parse.feeds import parse_document
    from transforms.read import expand_feed_arg
    from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, FeedDocument
    from transforms.write.schema import story_row

    timers = timers if timers is not None else collections.defaultdict(float)
    clock = time.process_time
    max_future = _dt.timedelta(hours=24)
    t = clock()
    sources = {}
    for arg in feeds_args:
        for s in expand_feed_arg(arg):
            sources.setdefault(s.location, s)
    timers["read"] += clock() - t
    t = clock()
    detector = _TimedDetector(language.LanguageDetector(seed=0), timers)
    timers["language"] += clock() - t
    partitions = collections.defaultdict(list)
    decide: list = []
    n = 0
    for location in sorted(sources):
        t0 = clock()
        doc = FeedDocument(source=sources[location], body=read_path(location, 20_000_000),
                           fetched_at=_dt.datetime.now(UTC), final_url=location)
        t1 = clock()
        _, stories, _ = parse_document(doc)
        t2 = clock()
        stories = [clean_story(s, max_future) for s in stories]
        t3 = clock()
        language_before = timers["language"]
        for s in stories:
            enrich_story(s, detector)
        t4 = clock()
        if full:
            decide.extend(stories)       # dedupe needs every feed's stories: after the loop
        else:
            for _ in candidates.fingerprint_feed(stories):
                pass
        t5 = clock()
        if not full:
            for s in stories:
                s.disposition = CANONICAL
                partitions[("stories",) + s.partition()].append(story_row(s))
        t6 = clock()
        timers["read"] += t1 - t0
        timers["parse"] += t2 - t1
        timers["clean"] += t3 - t2
        timers["enrich (agencies, dateline)"] += t4 - t3 - (timers["language"] - language_before)
        timers["fingerprint"] += t5 - t4
        timers["write"] += t6 - t5
        n += len(stories)
    provenance, state = [], []
    if full:
        t = clock()
        decided, provenance, state = dedupe_in_order(decide)
        timers[DEDUPE_TIMER] += clock() - t
        t = clock()
        for s in decided:
            if s.disposition != ALREADY_SEEN:
                table = "duplicates" if s.disposition == DUPLICATE else "stories"
                partitions[(table,) + s.partition()].append(story_row(s))
        timers["write"] += clock() - t
        n = len(decided)
        if counts is not None:
            counts["duplicates"] = sum(s.disposition == DUPLICATE for s in decided)
    t = clock()
    _write_baseline_tables(output, partitions, provenance, state)
    timers["write"] += clock() - t
    return n


def _write_baseline_tables(output: str, partitions: dict, provenance: list, state: list) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from transforms.dedupe.state import STATE_SCHEMA, parquet_row
    from transforms.write.schema import PROVENANCE_SCHEMAS, STORY_SCHEMA, provenance_row

    def write(folder, schema, rows):
        os.makedirs(folder, exist_ok=True)
        with pq.ParquetWriter(os.path.join(folder, "part-00000.parquet"), schema, compression="zstd") as writer:
            for i in range(0, len(rows), 10_000):
                writer.write_table(pa.Table.from_pylist(rows[i:i + 10_000], schema=schema))

    tables = collections.defaultdict(list)
    for record in provenance:
        tables[(record.table, record.date)].append((record.key, provenance_row(record)))
    for (table, date), keyed in sorted(tables.items()):
        write(os.path.join(output, table, f"date={date}"), PROVENANCE_SCHEMAS[table],
              [row for _, row in sorted(keyed, key=lambda kr: kr[0])])
    if state:
        write(os.path.join(output, "state"), STATE_SCHEMA,
              sorted((parquet_row(r) for r in state), key=lambda r: r["story_id"]))
    for (table, date, lang), rows in sorted(partitions.items()):
        write(os.path.join(output, table, f"date={date}", f"lang={lang}"), STORY_SCHEMA,
              sorted(rows, key=lambda r: r["story_id"]))


# ------------------------------------------------------------------------------- the children

def _pipeline(feeds_args, output: str, beam_args: List[str], found: dict) -> int:
    from pipeline.main import run
    argv = []
    for f in feeds_args:
        argv += ["--feeds", f]
    rc = run(argv + ["--output", output, "--run-id", "bench"] + beam_args)
    if rc != 0:
        raise SystemExit(f"pipeline exited {rc}")
    with open(os.path.join(output, "runs", "bench.json")) as f:
        counts = json.load(f)["counts"]
    found["duplicates"] = counts["duplicates"]
    return counts["stories"] + counts["duplicates"]


def child(mode: str, corpus: str, output: str, profile: str = None, without=(), beam_args=()) -> None:
    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    import logging
    logging.getLogger().setLevel(logging.ERROR)
    import pipeline.main  # noqa: F401  imports outside the timing
    import transforms  # noqa: F401
    ablate(without)
    timers, found = collections.defaultdict(float), {}
    stages = StageTimer().install() if mode == "pipeline" else None
    prof = cProfile.Profile() if profile else None
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    with contextlib.redirect_stdout(sys.stderr):
        if mode == "pipeline":
            n = _pipeline(info["feeds"], output, list(beam_args), found)
        else:
            n = baseline(info["feeds"], output, timers, full=mode == "full", counts=found)
    if prof:
        prof.disable()
        prof.dump_stats(profile)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)   # worker processes (multi_processing)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    cpu += (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "stories": n, **found,
                      "peak_mb": max(r1.ru_maxrss, c1.ru_maxrss) / 1024, "timers": dict(timers),
                      "steps": steps_of(stages.seconds) if stages else {}}))


def measure(mode: str, corpus: str, work: str, run: int, profile: str = None, without=(),
            beam_args=()) -> dict:
    out = os.path.join(work, f"out-{mode}-{run}")
    cmd = [sys.executable, "-m", "benchmarks.throughput", "--child", mode, corpus, out]
    if profile:
        cmd += ["--profile-to", profile]
    if without:
        cmd += ["--without", ",".join(without)]
    if beam_args:
        cmd += ["--beam-args", " ".join(beam_args)]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{mode} child failed:\n{done.stderr[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    res = json.loads(done.stdout.strip().splitlines()[-1])
    res["process_seconds"] = time.perf_counter() - t
    return res


# ------------------------------------------------------------------------------------ main

def _label(mode, without):
    return mode + (f" without {'+'.join(without)}" if without else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="stories in the corpus (default 20000)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each (median; default 3)")
    ap.add_argument("--keep", help="build the corpus (and keep it) in this folder; reused if present")
    ap.add_argument("--only", choices=MODES, help="measure only one of them")
    ap.add_argument("--ablate", default="",
                    help=f"comma-separated optimisations ({', '.join(ABLATIONS)}, or 'all'): also "
                         "measure the pipeline and the baseline with each switched back")
    ap.add_argument("--beam-args", default="", help="extra Beam flags for the pipeline runs")
    ap.add_argument("--profile", action="store_true",
                    help="also profile one run of each (cProfile) and print the stage shares")
    ap.add_argument("--parts", action="store_true",
                    help="also time the hot functions one by one, old and new (in this process)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--profile-to", help=argparse.SUPPRESS)
    ap.add_argument("--without", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    beam_args = shlex.split(a.beam_args)
    if a.child:
        child(*a.child, profile=a.profile_to, without=[x for x in a.without.split(",") if x],
              beam_args=beam_args)
        return 0

    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="wirefeed-throughput-")
    try:
        corpus = a.keep or os.path.join(work, "corpus")
        if not os.path.exists(os.path.join(corpus, "corpus.json")):
            t = time.perf_counter()
            info = build_corpus(a.n, corpus, seed=a.seed)
            print(f"corpus: {info['real_items']} real + {info['generated_items']} generated items "
                  f"in {corpus} ({time.perf_counter() - t:.0f} s; generated items: mean "
                  f"{info['mean_item_bytes']} B of feed XML, {info['mean_text_bytes']} B of text)")
        else:
            with open(os.path.join(corpus, "corpus.json")) as f:
                info = json.load(f)
            print(f"corpus: reusing {corpus} ({info['real_items']} real + "
                  f"{info['generated_items']} generated items)")
        print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
        modes = [a.only] if a.only else list(MODES)
        ablations = list(ABLATIONS) if a.ablate == "all" else [x for x in a.ablate.split(",") if x]
        variants = [(m, ()) for m in modes]
        for x in ablations:
            variants += [(m, (x,)) for m in modes if m == "pipeline" or (
                m == "baseline" and x not in ("pickling", "pairs", "buckets", "provenance"))]
        runs = {v: [] for v in variants}
        for r in range(a.repeats):
            for v in (variants if r % 2 == 0 else variants[::-1]):
                m, without = v
                res = measure(m, corpus, work, r, without=without,
                              beam_args=beam_args if m == "pipeline" else ())
                runs[v].append(res)
                print(f"  run {r + 1} {_label(m, without):32s}: {res['stories']} stories in "
                      f"{res['seconds']:6.1f} s ({res['stories'] / res['seconds']:5.0f}/s), cpu "
                      f"{res['cpu']:6.1f} s ({res['stories'] / res['cpu']:4.0f}/cpu-s), peak "
                      f"{res['peak_mb']:5.0f} MB" + (f", {res['duplicates']} duplicates" if "duplicates" in res else ""),
                      flush=True)
        med = {}
        if a.repeats < 1:
            variants = []
        print(f"\nmedians of {a.repeats} run(s)" + (f"; pipeline Beam flags: {a.beam_args}" if beam_args else ""))
        for v in variants:
            xs = runs[v]
            secs = statistics.median(x["seconds"] for x in xs)
            cpu = statistics.median(x["cpu"] for x in xs)
            n = xs[0]["stories"]
            med[v] = {"seconds": secs, "cpu": cpu, "stories": n, "peak_mb": max(x["peak_mb"] for x in xs)}
            print(f"{_label(*v):34s}: {n} stories, {secs:6.1f} s = {n / secs:5.0f} stories/s; "
                  f"cpu {cpu:6.1f} s = {n / cpu:5.0f} stories per CPU-second; "
                  f"peak memory {med[v]['peak_mb']:.0f} MB")
        for base in ("full", "baseline"):
            if ("pipeline", ()) in med and (base, ()) in med:
                p, b = med[("pipeline", ())], med[(base, ())]
                print(f"ratio pipeline/{base}: wall time {p['seconds'] / b['seconds']:.2f}, "
                      f"CPU time {p['cpu'] / b['cpu']:.2f}")
        for x in ablations:
            for m in modes:
                if (m, (x,)) in med:
                    off, on = med[(m, (x,))], med[(m, ())]
                    print(f"{x:12s} in the {m:8s}: cpu {off['cpu']:6.1f} s -> {on['cpu']:6.1f} s "
                          f"({off['cpu'] / on['cpu']:.2f}x), wall {off['seconds']:6.1f} s -> "
                          f"{on['seconds']:6.1f} s")
        if runs.get(("pipeline", ())):
            steps = collections.defaultdict(list)
            for x in runs[("pipeline", ())]:
                for k, v in x["steps"].items():
                    steps[k].append(v)
            n = runs[("pipeline", ())][0]["stories"]
            total = sum(statistics.median(v) for v in steps.values())
            print(f"pipeline CPU by fused Beam stage, named by the step it starts with (medians; "
                  f"{total:.1f} s in stages, {1000 * total / n:.2f} ms/story):")
            for k, v in sorted(steps.items(), key=lambda kv: -statistics.median(kv[1])):
                sec = statistics.median(v)
                if sec / total >= 0.005:
                    print(f"    {k:44s} {sec:6.1f} s {sec / total:4.0%} ({1000 * sec / n:.2f} ms/story)")
            dedupe = {k: statistics.median(v) for k, v in steps.items() if k.startswith("Dedupe/")}
            if dedupe:
                sec = sum(dedupe.values())
                fp = sum(v for k, v in dedupe.items() if k.startswith("Dedupe/GroupByFeed"))
                print(f"dedupe stages together (the {len(dedupe)} stages starting with a Dedupe/ step): "
                      f"{sec:.1f} s = {n / sec:.0f} stories per CPU-second; without the fingerprint stage "
                      f"(Dedupe/GroupByFeed: shingles, MinHash, LSH keys) {sec - fp:.1f} s = "
                      f"{n / max(sec - fp, 1e-9):.0f} per CPU-second")
        for base in ("baseline", "full"):
            if not runs.get((base, ())):
                continue
            timers = collections.defaultdict(float)
            for x in runs[(base, ())]:
                for k, v in x["timers"].items():
                    timers[k] += v
            total = sum(timers.values())
            n = runs[(base, ())][0]["stories"] * len(runs[(base, ())])
            print(f"{base} CPU by stage (stage timers): " + ", ".join(
                f"{k} {timers[k] / total:.0%} ({1000 * timers[k] / n:.2f} ms/story)"
                for k in sorted(timers, key=lambda k: -timers[k])))
            if timers.get(DEDUPE_TIMER):
                print(f"{base}: {DEDUPE_TIMER} without Beam {n / timers[DEDUPE_TIMER]:.0f} stories per CPU-second")
        if a.parts:
            parts(corpus)
        if a.profile:
            for m in modes:
                path = os.path.join(work, f"{m}.prof")
                measure(m, corpus, work, 99, profile=path, beam_args=beam_args if m == "pipeline" else ())
                shares, total = profile_shares(path)
                print(f"{m} cProfile self time by stage ({total:.1f} s profiled): " + ", ".join(
                    f"{k} {v:.1%}" for k, v in shares.items() if v >= 0.001))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"benchmark took {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
