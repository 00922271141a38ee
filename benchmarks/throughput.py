"""End-to-end throughput: the whole pipeline vs a plain Python loop doing the same work.

    .venv/bin/python -m benchmarks.throughput [--n 20000] [--repeats 3] [--keep DIR]
        [--profile] [--parts] [--stage-split] [--only pipeline|baseline]
        [--ablate language,fingerprint,pickling,pairs|all]
        [--beam-args "--direct_num_workers=2 --direct_running_mode=multi_processing"]

1. Builds a corpus of N stories as feed files: the 47 real feeds of
   ../shared/data/real-feeds/feeds (verbatim: about 1,100 items in 13 languages) plus RSS files
   of generated agency originals, outlet reprints and hard negatives (benchmarks/reprints.py;
   synthetic full-text originals of 8-14 paragraphs instead of the generator's default 4-8, so
   that an item is about 3.3 KB of feed XML, 2.5 KB of text).
2. Measures, in one run, each measurement in a fresh subprocess (its peak memory is the child's
   ru_maxrss), the modes interleaved so that machine noise hits all of them alike:
   (a) `pipeline.main.run` on the DirectRunner, end to end to Parquet;
   (b) a baseline loop with no Beam: read each feed file, transforms.parse.parse_document,
       transforms.clean.clean_story, transforms.enrich.enrich_story (one LanguageDetector),
       transforms.dedupe.candidates.fingerprint_feed per feed, and the same Parquet partitions
       (date, lang) written with pyarrow from transforms.schema.story_row / STORY_SCHEMA.
   With --ablate, also each of them with one optimisation switched back to the code it replaced
   (the reference implementations below), to show what each one buys end to end.
3. Prints stories/s (wall clock, median of --repeats) and stories per CPU-second (user + system
   time of the child, i.e. per core), the ratio (a)/(b), peak memory, the per-stage share of
   the baseline's CPU time (stage timers), and with --profile a cProfile of one run of each,
   self time grouped by stage (C functions attributed to the stage of their callers).

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
import pstats
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from typing import Dict, List

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_FEEDS = os.path.join(os.path.dirname(ROOT), "shared", "data", "real-feeds", "feeds")
ITEMS_PER_ORIGINAL = 4.27     # 1 original + 0..6 reprints + 0.25 negatives, measured
LONG_PARAS = (8, 14)          # paragraphs of a synthetic original (generator default: 4-8)
ABLATIONS = ("language", "fingerprint", "pickling", "pairs")


# ------------------------------------------------------------------------------------ corpus

@contextlib.contextmanager
def _long_articles(long_paras=LONG_PARAS):
    """Make the generator's synthetic originals longer (full-text items of ~3 KB). Only the
    default length (4, 8) is replaced: negatives that ask for a length keep theirs."""
    import benchmarks.reprints as R
    original = R._synthetic_story

    def longer(r, topic=None, n_paras=(4, 8), **kw):
        if tuple(n_paras) == (4, 8):
            n_paras = long_paras
        return original(r, topic, n_paras, **kw)

    R._synthetic_story = longer
    try:
        yield
    finally:
        R._synthetic_story = original


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
    with _long_articles():
        items = generate(int(n_gen / ITEMS_PER_ORIGINAL) + 1, seed=seed, source="synthetic")[:n_gen]
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


def baseline(feeds_args, output: str, timers: dict = None) -> int:
    """The same work without Beam; returns the number of stories written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import transforms.dedupe.candidates as candidates
    import transforms.language as language
    from transforms.clean import clean_story
    from transforms.enrich import enrich_story
    from transforms.fetch import read_path
    from transforms.parse import parse_document
    from transforms.read import expand_feed_arg
    from transforms.records import CANONICAL, UTC, FeedDocument
    from transforms.schema import STORY_SCHEMA, story_row

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
        for _ in candidates.fingerprint_feed(stories):
            pass
        t5 = clock()
        for s in stories:
            s.disposition = CANONICAL
            partitions[s.partition()].append(story_row(s))
        t6 = clock()
        timers["read"] += t1 - t0
        timers["parse"] += t2 - t1
        timers["clean"] += t3 - t2
        timers["enrich (agencies, dateline)"] += t4 - t3 - (timers["language"] - language_before)
        timers["fingerprint"] += t5 - t4
        timers["write"] += t6 - t5
        n += len(stories)
    t = clock()
    for (date, lang), rows in sorted(partitions.items()):
        folder = os.path.join(output, "stories", f"date={date}", f"lang={lang}")
        os.makedirs(folder, exist_ok=True)
        rows.sort(key=lambda r: r["story_id"])
        with pq.ParquetWriter(os.path.join(folder, "part-00000.parquet"), STORY_SCHEMA,
                              compression="zstd") as writer:
            for i in range(0, len(rows), 10_000):
                writer.write_table(pa.Table.from_pylist(rows[i:i + 10_000], schema=STORY_SCHEMA))
    timers["write"] += clock() - t
    return n


# ----------------------------------------------------- reference code (before the optimisations)

def _ref_shingles(text: str) -> np.ndarray:
    from transforms.fingerprint import SHINGLE_WORDS, _SPACELESS, shingle_text
    norm = shingle_text(text)
    words = norm.split()
    if len(_SPACELESS.findall(norm[:400])) > 40:
        chars = norm.replace(" ", "")
        grams = [chars[i:i + SHINGLE_WORDS] for i in range(max(1, len(chars) - SHINGLE_WORDS + 1))]
    else:
        grams = [" ".join(words[i:i + SHINGLE_WORDS])
                 for i in range(max(1, len(words) - SHINGLE_WORDS + 1))] if words else []
    if not grams or not grams[0]:
        return np.zeros(0, dtype=np.uint32)
    hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint32,
                         count=len(grams))
    _, first = np.unique(hashes, return_index=True)
    return hashes[np.sort(first)]


def _ref_minhash(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    from transforms.fingerprint import _A, _B, _MAX32, _MERSENNE
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    hv = hashes.astype(np.uint64)[:, None]
    with np.errstate(over="ignore"):
        phv = ((hv * _A[None, :num_perm] + _B[None, :num_perm]) % _MERSENNE) & _MAX32
    return phv.min(axis=0).astype(np.uint32)


def _ref_band_keys(sig, bands, rows, salt):
    keys = []
    for b in range(bands):
        chunk = sig[b * rows:(b + 1) * rows].tobytes()
        keys.append((salt << 40) | (b << 32) | zlib.crc32(chunk))
    return keys


def _ref_lsh_keys(hashes: np.ndarray) -> List[int]:
    from transforms import fingerprint as F
    if hashes.size < F.MIN_SHINGLES:
        return []
    keys = _ref_band_keys(_ref_minhash(hashes, F.NUM_PERM), F.BANDS, F.ROWS, salt=1)
    lead = hashes[:F.LEAD_SHINGLES]
    keys += _ref_band_keys(_ref_minhash(lead, F.LEAD_PERM), F.LEAD_BANDS, F.LEAD_ROWS, salt=2)
    return keys


def _ref_fingerprint_feed(stories):
    """fingerprint_feed as it was: boilerplate and paragraph removal normalising each paragraph
    again, the shingled text normalised whole, grams joined and encoded one by one, MinHash
    with numpy's `%`."""
    from transforms.dedupe.candidates import Fingerprint, content_key
    from transforms.dedupe.exact import order_key
    from transforms.fingerprint import boilerplate_paragraphs, without_paragraphs
    drop = boilerplate_paragraphs([s.text for s in stories]) if len(stories) > 1 else set()
    for s in stories:
        ordered = _ref_shingles(without_paragraphs(s.text, drop))
        yield Fingerprint(story_id=s.story_id, label=order_key(s), shingles=np.sort(ordered),
                          n_shingles=int(ordered.size), keys=_ref_lsh_keys(ordered),
                          content_key=content_key(s), feed_agency=s.feed_agency)


def ablate(names) -> None:
    """Switch optimisations back to the code they replaced, in this process (the DirectRunner
    runs the DoFns in it)."""
    for name in names:
        if name == "language":               # langdetect's own Detector, as before
            import transforms.enrich
            import transforms.language
            from benchmarks.langid_accuracy import ReferenceDetector
            transforms.language.LanguageDetector = ReferenceDetector
            transforms.enrich.LanguageDetector = ReferenceDetector
        elif name == "fingerprint":
            import transforms.dedupe
            import transforms.dedupe.candidates
            transforms.dedupe.fingerprint_feed = _ref_fingerprint_feed
            transforms.dedupe.candidates.fingerprint_feed = _ref_fingerprint_feed
        elif name == "pickling":             # default pickling of Story and Fingerprint
            import transforms.dedupe.candidates as candidates
            from transforms.records import Story
            del Story.__reduce__
            del candidates.Fingerprint.__reduce__
            candidates._pack = lambda shingles: shingles
        elif name == "pairs":                # every bucket emits all its candidate pairs
            import transforms.dedupe.candidates as candidates
            candidates.EMITTED_MAX = 0
        else:
            raise SystemExit(f"unknown optimisation {name!r}: one of {', '.join(ABLATIONS)}")


# ------------------------------------------------------------------------------- the children

def _pipeline(feeds_args, output: str, beam_args: List[str]) -> int:
    from pipeline.main import run
    argv = []
    for f in feeds_args:
        argv += ["--feeds", f]
    rc = run(argv + ["--output", output, "--run-id", "bench"] + beam_args)
    if rc != 0:
        raise SystemExit(f"pipeline exited {rc}")
    with open(os.path.join(output, "runs", "bench.json")) as f:
        counts = json.load(f)["counts"]
    return counts["stories"] + counts["duplicates"]


STAGES = ("parse", "clean", "enrich", "dedupe")


def _pipeline_upto(feeds_args, stage: str, beam_args: List[str]) -> None:
    """pipeline/build.py's graph cut after `stage` (no state, nothing written): the CPU time
    of consecutive cuts is what each stage costs inside the pipeline."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.build import fetch_settings
    from pipeline.options import WirefeedOptions
    from transforms import Clean, Dedupe, Enrich, FetchFeeds, ParseFeeds, ReadFeedList
    argv = [x for f in feeds_args for x in ("--feeds", f)] + ["--output", "/nonexistent"] + beam_args
    options = PipelineOptions(argv)
    opts = options.view_as(WirefeedOptions)
    with beam.Pipeline(options=options) as p:
        docs = p | "ReadFeedList" >> ReadFeedList(opts.feeds)
        docs = docs["sources"] | "FetchFeeds" >> FetchFeeds(fetch_settings(opts))
        stories = (docs["documents"] | "ParseFeeds" >> ParseFeeds())["stories"]
        if STAGES.index(stage) >= 1:
            stories = (stories | "Clean" >> Clean(max_future_hours=opts.max_future_hours))["stories"]
        if STAGES.index(stage) >= 2:
            stories = (stories | "Enrich" >> Enrich(seed=opts.language_seed))["stories"]
        if STAGES.index(stage) >= 3:
            stories = (stories | "Dedupe" >> Dedupe(None, window_days=opts.dedupe_window_days,
                                                    threshold=opts.near_duplicate_threshold))["stories"]
        _ = stories | "Count" >> beam.combiners.Count.Globally()


def child(mode: str, corpus: str, output: str, profile: str = None, without=(), beam_args=()) -> None:
    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    import logging
    logging.getLogger().setLevel(logging.ERROR)
    import pipeline.main  # noqa: F401  imports outside the timing
    import transforms  # noqa: F401
    ablate(without)
    timers = collections.defaultdict(float)
    prof = cProfile.Profile() if profile else None
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    with contextlib.redirect_stdout(sys.stderr):
        if mode == "pipeline":
            n = _pipeline(info["feeds"], output, list(beam_args))
        elif mode.startswith("upto-"):
            _pipeline_upto(info["feeds"], mode[5:], list(beam_args))
            n = info["real_items"] + info["generated_items"]
        else:
            n = baseline(info["feeds"], output, timers)
    if prof:
        prof.disable()
        prof.dump_stats(profile)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)   # worker processes (multi_processing)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    cpu += (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "stories": n,
                      "peak_mb": max(r1.ru_maxrss, c1.ru_maxrss) / 1024, "timers": dict(timers)}))


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


# -------------------------------------------------------------------------------- profiles

_STAGE_OF = (   # (substring of a function's file, stage), first match wins
    ("transforms/parse.py", "parse"), ("transforms/charset.py", "parse"), ("feedparser", "parse"),
    ("sgmllib", "parse"), ("ftfy", "parse"), ("xml/sax", "parse"), ("html/parser", "parse"),
    ("transforms/text.py", "clean"), ("transforms/chrome.py", "clean"), ("transforms/urls.py", "clean"),
    ("transforms/clean.py", "clean"), ("w3lib", "clean"), ("lxml", "clean"),
    ("langdetect", "language"), ("transforms/language.py", "language"),
    ("transforms/agenc", "enrich"), ("transforms/enrich.py", "enrich"),
    ("transforms/fingerprint.py", "dedupe"), ("transforms/dedupe", "dedupe"), ("numpy", "dedupe"),
    ("pyarrow", "write"), ("transforms/schema.py", "write"), ("transforms/write.py", "write"),
    ("transforms/commit.py", "write"),
    ("apache_beam/coders", "beam: coders"), ("transforms/records.py", "beam: coders"),
    ("apache_beam", "beam: runner"), ("grpc", "beam: runner"), ("google/protobuf", "beam: runner"),
    ("transforms/read.py", "read"), ("transforms/fetch.py", "read"),
    ("benchmarks/throughput.py", "baseline loop"),
)


def _own_stage(filename: str, funcname: str):
    for key, stage in _STAGE_OF:
        if key in filename:
            return stage
    if "pickle" in funcname:
        return "beam: coders"
    return None           # standard library, built-ins: the stage of whoever called them


def profile_shares(path: str):
    """(self time per stage as fractions, total seconds). Functions of no stage of their own
    (C built-ins, the standard library) are attributed to their callers' stages, in proportion
    to the time each caller spent in them."""
    stats = pstats.Stats(path).stats
    memo: Dict[tuple, Dict[str, float]] = {}

    def dist(func, depth=0) -> Dict[str, float]:
        if func in memo:
            return memo[func]
        filename, _, name = func
        own = _own_stage(filename, name)
        if own or depth > 40:
            memo[func] = {own or "other": 1.0}
            return memo[func]
        memo[func] = {"other": 1.0}          # cycle guard
        callers = stats[func][4]
        weights = collections.defaultdict(float)
        for caller, cst in callers.items():
            if caller in stats:
                for stage, w in dist(caller, depth + 1).items():
                    weights[stage] += cst[3] * w
        total = sum(weights.values())
        memo[func] = {k: v / total for k, v in weights.items()} if total else {"other": 1.0}
        return memo[func]

    by = collections.defaultdict(float)
    total = 0.0
    for func, (_, _, tottime, _, _) in stats.items():
        total += tottime
        for stage, w in dist(func).items():
            by[stage] += tottime * w
    return {k: v / total for k, v in sorted(by.items(), key=lambda kv: -kv[1])}, total


# ------------------------------------------------------------------------------ per function

def _best(fn, repeats: int = 3) -> float:
    """Smallest CPU seconds of `repeats` calls of fn() (the least disturbed by other load).
    The agency analysis cache is emptied first: in the pipeline, attribution (Enrich) and
    credit stripping (Dedupe) of a story run in different stages."""
    from transforms.agencies import _analyse
    best = float("inf")
    for _ in range(repeats):
        _analyse.cache_clear()
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def parts(corpus: str, limit: int = 3000) -> None:
    """CPU cost per story of the hot functions, old and new side by side, on the corpus's first
    `limit` stories (feeds in file order), each the best of 3 passes."""
    import pickle

    import transforms.dedupe.candidates as candidates
    from benchmarks.langid_accuracy import ReferenceDetector
    from transforms.agencies import attribute
    from transforms.clean import clean_story, content_hash
    from transforms.fetch import read_path
    from transforms.language import LanguageDetector
    from transforms.parse import parse_document
    from transforms.read import expand_feed_arg
    from transforms.records import UTC, FeedDocument, Story
    from transforms.schema import story_row
    from transforms.text import clean_html, html_to_text, normalize_for_hash
    from transforms.urls import canonical_url

    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    docs, n = [], 0
    for arg in reversed(info["feeds"]):           # generated full-text feeds first
        for src in expand_feed_arg(arg):
            if n >= limit:
                break
            doc = FeedDocument(source=src, body=read_path(src.location, 20_000_000),
                               fetched_at=_dt.datetime.now(UTC), final_url=src.location)
            docs.append(doc)
            n += len(parse_document(doc)[1])
    raw = [s for d in docs for s in parse_document(d)[1]]
    day = _dt.timedelta(hours=24)
    cleaned = [clean_story(s, day) for s in raw]
    by_feed = collections.defaultdict(list)
    for s in cleaned:
        by_feed[s.feed_url].append(s)
    old_det, new_det = ReferenceDetector(), LanguageDetector()
    n = len(raw)
    rows = []

    def row(label, seconds, before=None):
        rows.append((label, seconds, before))

    row("parse: parse_document (feedparser) [not changed]", _best(lambda: [parse_document(d) for d in docs]))
    row("clean: clean_story, all of it [clean.py]", _best(lambda: [clean_story(s, day) for s in raw]))
    row("  html_to_text of the content (lxml parse + walk) [text.py]",
        _best(lambda: [html_to_text(s.content_html) for s in raw]))
    row("  clean_html of summary + content (lxml + chrome) [text.py]",
        _best(lambda: [(clean_html(s.summary_html), clean_html(s.content_html)) for s in raw]))
    row("  content_hash (normalize_for_hash title + text) [text.py]",
        _best(lambda: [content_hash(s.title, s.text) for s in cleaned]))
    row("  canonical_url [urls.py]", _best(lambda: [canonical_url(s.url, base=s.feed_url if "://" in s.feed_url
                                                                   else None) for s in raw]))
    row("language: LanguageDetector.detect", _best(lambda: [new_det.detect(s.title, s.text, s.declared_language)
                                                           for s in cleaned]),
        _best(lambda: [old_det.detect(s.title, s.text, s.declared_language) for s in cleaned], 1))
    row("enrich: agencies.attribute (title, text)", _best(lambda: [attribute(s.title, s.text) for s in cleaned]))
    row("fingerprint: fingerprint_feed", _best(lambda: [list(candidates.fingerprint_feed(v)) for v in by_feed.values()]),
        _best(lambda: [list(_ref_fingerprint_feed(v)) for v in by_feed.values()]))
    row("  normalize_for_hash of a whole text [text.py]", _best(lambda: [normalize_for_hash(s.text) for s in cleaned]))
    fps = [fp for v in by_feed.values() for fp in candidates.fingerprint_feed(v)]
    blobs = [pickle.dumps(s, 5) for s in cleaned]
    new_story = _best(lambda: [pickle.loads(pickle.dumps(s, 5)) for s in cleaned])
    new_fp = _best(lambda: [pickle.loads(pickle.dumps(f, 5)) for f in fps])
    size_new = sum(map(len, blobs)) / len(blobs)
    reduce_story, reduce_fp = Story.__reduce__, candidates.Fingerprint.__reduce__
    del Story.__reduce__, candidates.Fingerprint.__reduce__
    try:
        old_story = _best(lambda: [pickle.loads(pickle.dumps(s, 5)) for s in cleaned])
        old_fp = _best(lambda: [pickle.loads(pickle.dumps(f, 5)) for f in fps])
        size_old = sum(len(pickle.dumps(s, 5)) for s in cleaned) / len(cleaned)
    finally:
        Story.__reduce__, candidates.Fingerprint.__reduce__ = reduce_story, reduce_fp
    row(f"pickle round trip of a Story ({size_old:.0f} -> {size_new:.0f} bytes)", new_story, old_story)
    row("pickle round trip of a Fingerprint", new_fp, old_fp)
    row("write: story_row [schema.py]", _best(lambda: [story_row(s) for s in cleaned]))
    print(f"\nper-function CPU cost on {n} stories of {len(docs)} feeds (best of 3; 'before' = the "
          "code the optimisation replaced)")
    for label, seconds, before in rows:
        extra = (f"   before {1e3 * before / n:6.3f} ms/story ({before / seconds:.1f}x)"
                 if before is not None else "")
        print(f"  {label:62s} {1e3 * seconds / n:6.3f} ms/story{extra}")


# ------------------------------------------------------------------------------------ main

def _label(mode, without):
    return mode + (f" without {'+'.join(without)}" if without else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="stories in the corpus (default 20000)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each (median; default 3)")
    ap.add_argument("--keep", help="build the corpus (and keep it) in this folder; reused if present")
    ap.add_argument("--only", choices=("pipeline", "baseline"), help="measure only one of them")
    ap.add_argument("--ablate", default="",
                    help=f"comma-separated optimisations ({', '.join(ABLATIONS)}, or 'all'): also "
                         "measure the pipeline and the baseline with each switched back")
    ap.add_argument("--beam-args", default="", help="extra Beam flags for the pipeline runs")
    ap.add_argument("--stage-split", action="store_true",
                    help="also run the pipeline's graph cut after parse, clean, enrich and dedupe: "
                         "the differences are each stage's CPU time inside the pipeline")
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
        modes = [a.only] if a.only else ["pipeline", "baseline"]
        ablations = list(ABLATIONS) if a.ablate == "all" else [x for x in a.ablate.split(",") if x]
        variants = [(m, ()) for m in modes]
        for x in ablations:
            variants += [(m, (x,)) for m in modes if not (m == "baseline" and x in ("pickling", "pairs"))]
        if a.stage_split:
            variants += [(f"upto-{st}", ()) for st in STAGES]
        runs = {v: [] for v in variants}
        for r in range(a.repeats):
            for v in (variants if r % 2 == 0 else variants[::-1]):
                m, without = v
                res = measure(m, corpus, work, r, without=without,
                              beam_args=beam_args if m != "baseline" else ())
                runs[v].append(res)
                print(f"  run {r + 1} {_label(m, without):32s}: {res['stories']} stories in "
                      f"{res['seconds']:6.1f} s ({res['stories'] / res['seconds']:5.0f}/s), cpu "
                      f"{res['cpu']:6.1f} s ({res['stories'] / res['cpu']:4.0f}/cpu-s), peak "
                      f"{res['peak_mb']:5.0f} MB", flush=True)
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
        if ("pipeline", ()) in med and ("baseline", ()) in med:
            p, b = med[("pipeline", ())], med[("baseline", ())]
            print(f"ratio pipeline/baseline: wall time {p['seconds'] / b['seconds']:.2f}, "
                  f"CPU time {p['cpu'] / b['cpu']:.2f}")
        for x in ablations:
            for m in modes:
                if (m, (x,)) in med:
                    off, on = med[(m, (x,))], med[(m, ())]
                    print(f"{x:12s} in the {m:8s}: cpu {off['cpu']:6.1f} s -> {on['cpu']:6.1f} s "
                          f"({off['cpu'] / on['cpu']:.2f}x), wall {off['seconds']:6.1f} s -> "
                          f"{on['seconds']:6.1f} s")
        if a.stage_split and ("pipeline", ()) in med:
            cuts = [("upto-" + st, st) for st in STAGES] + [("pipeline", "write + commit (+ state)")]
            prev, parts_cpu = 0.0, []
            for mode, label in cuts:
                cpu = med[(mode, ())]["cpu"]
                parts_cpu.append((label if mode != "upto-parse" else "start-up + read + fetch + parse",
                                  cpu - prev))
                prev = cpu
            total = med[("pipeline", ())]["cpu"]
            n = med[("pipeline", ())]["stories"]
            print("pipeline CPU by stage (differences of the cut graphs' medians): " + ", ".join(
                f"{label} {sec / total:.0%} ({1000 * sec / n:.2f} ms/story)" for label, sec in parts_cpu))
        if runs.get(("baseline", ())):
            timers = collections.defaultdict(float)
            for x in runs[("baseline", ())]:
                for k, v in x["timers"].items():
                    timers[k] += v
            total = sum(timers.values())
            n = runs[("baseline", ())][0]["stories"] * len(runs[("baseline", ())])
            print("baseline CPU by stage (stage timers): " + ", ".join(
                f"{k} {timers[k] / total:.0%} ({1000 * timers[k] / n:.2f} ms/story)"
                for k in sorted(timers, key=lambda k: -timers[k])))
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
