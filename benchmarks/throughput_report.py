"""Where the time goes: fused Beam stages of a pipeline run, cProfile shares by stage, and the
hot functions one by one, old and new (used by benchmarks/throughput.py)."""
from __future__ import annotations

import collections
import datetime as _dt
import json
import os
import pstats
import re
import time
from typing import Dict

from benchmarks.throughput_reference import _ref_fingerprint_feed


class StageTimer:
    """CPU seconds per fused stage of the FnApiRunner (the DirectRunner's engine), taken
    around each bundle it executes; `install()` patches the runner in this process."""

    def __init__(self):
        self.seconds: Dict[str, float] = collections.defaultdict(float)

    def install(self) -> "StageTimer":
        from apache_beam.runners.portability.fn_api_runner import fn_runner
        original = fn_runner.FnApiRunner._execute_bundle
        seconds = self.seconds

        def timed(runner, context, bundle_context, bundle_input):
            t = time.process_time()
            try:
                return original(runner, context, bundle_context, bundle_input)
            finally:
                seconds[bundle_context.stage.name] += time.process_time() - t

        fn_runner.FnApiRunner._execute_bundle = timed
        return self


_FIRST_TRANSFORM = re.compile(r"\(*([^()+]+)\)")


def stage_step(stage_name: str) -> str:
    """The step a fused stage starts with, e.g. 'Dedupe/GroupByFeed' for
    '((Dedupe/GroupByFeed/Read)+(ref_AppliedPTransform_Dedupe-Fingerprint_50))+(...)'."""
    m = _FIRST_TRANSFORM.search(stage_name)
    first = (m.group(1) if m else stage_name).replace("ref_AppliedPTransform_", "")
    parts = re.split(r"[/-]", first)
    return "/".join(parts[:2])


def steps_of(stage_seconds: Dict[str, float]) -> Dict[str, float]:
    by = collections.defaultdict(float)
    for name, sec in stage_seconds.items():
        by[stage_step(name)] += sec
    return dict(by)


_STAGE_OF = (   # (substring of a function's file, stage), first match wins
    ("transforms/parse/feeds.py", "parse"), ("transforms/parse/charset.py", "parse"), ("feedparser", "parse"),
    ("sgmllib", "parse"), ("ftfy", "parse"), ("xml/sax", "parse"), ("html/parser", "parse"),
    ("transforms/clean/text.py", "clean"), ("transforms/clean/chrome.py", "clean"), ("transforms/clean/urls.py", "clean"),
    ("transforms/clean/stories.py", "clean"), ("w3lib", "clean"), ("lxml", "clean"),
    ("langdetect", "language"), ("transforms/enrich/language.py", "language"),
    ("transforms/agenc", "enrich"), ("transforms/enrich/stories.py", "enrich"),
    ("transforms/dedupe/fingerprint.py", "dedupe"), ("transforms/dedupe", "dedupe"), ("numpy", "dedupe"),
    ("pyarrow", "write"), ("transforms/write/schema.py", "write"), ("transforms/write/partitioned.py", "write"),
    ("transforms/write/commit.py", "write"),
    ("apache_beam/coders", "beam: coders"), ("transforms/records.py", "beam: coders"),
    ("apache_beam", "beam: runner"), ("grpc", "beam: runner"), ("google/protobuf", "beam: runner"),
    ("transforms/read.py", "read"), ("transforms/fetch/feeds.py", "read"),
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
    from transforms.enrich.agencies.attribution import _analyse
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
    from transforms.enrich.agencies.attribution import attribute
    from transforms.clean.stories import clean_story, content_hash
    from transforms.fetch.feeds import read_path
    from transforms.enrich.language import LanguageDetector
    from transforms.parse.feeds import parse_document
    from transforms.read import expand_feed_arg
    from transforms.records import UTC, FeedDocument, Story
    from transforms.write.schema import story_row
    from transforms.clean.text import clean_html, html_to_text, normalize_for_hash
    from transforms.clean.urls import canonical_url

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
