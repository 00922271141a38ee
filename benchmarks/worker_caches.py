"""What a worker keeps, and what it peaks at, per story: the per-story functions of a batch run
(parse a feed, clean, enrich with language, fingerprint the feed) over the scale corpus, in
one process, without Beam.

    .venv/bin/python -m benchmarks.worker_caches corpus --n 20000 [--no-trace]
    .venv/bin/python -m benchmarks.worker_caches vocabulary [--texts 60000]
    .venv/bin/python -m benchmarks.worker_caches state --n 20000 --rows 2500,5000,10000,20000

`corpus` goes through the feeds of benchmarks.scale's corpus of N entries one at a time
(its stories dropped after each feed) and prints, after each feed: stories so far, memory
still held (tracemalloc, after gc: caches and anything else that outlives a feed), the
largest transient peak of a feed's parse and of its fingerprinting (one feed's share of a
worker's high-water mark), and the sizes of the module-level caches (the language memo,
its character table, the normalisation tables). Anything that keeps growing with the
stories, not with a feed's size, grows a worker's memory with N.

`vocabulary` feeds real texts of many languages (lingua's test sentences under
../shared/data/langid) to the language detector and prints its word memo's entries and
bytes as the texts go: the synthetic corpus has a vocabulary of ~70 words, real text does not.

`state` builds the state rows of the corpus's stories as a run does (dedupe.state.state_row,
the version and provenance columns) and measures, for each row count, the peak memory of
WriteState's `_WriteShard` writing one file of that many rows (the value of one
`WriteState/GroupByShard` key: all of a run's rows below STATE_ROWS_PER_FILE), rows included.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import os
import pathlib
import sys
import time
import tracemalloc

MB = 1 << 20


def _rss_mb() -> tuple:
    """(VmRSS, VmHWM) of this process in MB."""
    out = {}
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return round(out.get("VmRSS", 0), 1), round(out.get("VmHWM", 0), 1)


def memo_bytes(memo: dict) -> int:
    """Bytes held by a {str: tuple of ints} memo: the dict, its keys and values (the ints are
    small and shared, or counted once per tuple slot)."""
    total = sys.getsizeof(memo)
    for k, v in memo.items():
        total += sys.getsizeof(k) + sys.getsizeof(v)
    return total


def caches() -> dict:
    from transforms.enrich import language
    model = language._model()
    words = model._words
    return {"lang_memo_entries": len(words), "lang_memo_mb": round(memo_bytes(words) / MB, 2),
            "lang_norm_entries": len(model._norm)}


def corpus_run(n: int, trace: bool = True) -> list:
    from benchmarks import scale
    from transforms.clean.stories import clean_story
    from transforms.dedupe.candidates import fingerprint_feed
    from transforms.enrich.language import LanguageDetector
    from transforms.enrich.stories import enrich_story
    from transforms.parse.feeds import parse_document
    from transforms.records import FeedDocument, FeedSource

    made = scale.corpus(n)
    folder = pathlib.Path(made["opml"]).parent / "feeds"
    detector = LanguageDetector(seed=0)
    max_future = _dt.timedelta(hours=6)
    fetched_at = _dt.datetime(2026, 11, 21, 6, tzinfo=_dt.timezone.utc)
    if trace:
        tracemalloc.start()
    rows, done = [], 0
    gc.collect()
    base = tracemalloc.get_traced_memory()[0] if trace else 0
    started = time.monotonic()
    for path in sorted(folder.glob("*.xml"), key=lambda p: p.stat().st_size):
        body = path.read_bytes()
        doc = FeedDocument(source=FeedSource(str(path)), body=body, fetched_at=fetched_at, final_url=str(path))
        if trace:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
        _, stories, _ = parse_document(doc)
        parse_peak = (tracemalloc.get_traced_memory()[1] - before) / MB if trace else 0.0
        stories = [enrich_story(clean_story(s, max_future), detector) for s in stories]
        if trace:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
        fps = list(fingerprint_feed(stories))
        fp_peak = (tracemalloc.get_traced_memory()[1] - before) / MB if trace else 0.0
        done += len(stories)
        del doc, body, stories, fps
        gc.collect()
        held = (tracemalloc.get_traced_memory()[0] - base) / MB if trace else 0.0
        row = {"feed": path.name, "stories": done, "held_mb": round(held, 2),
               "feed_mb": round(path.stat().st_size / MB, 1), "parse_peak_mb": round(parse_peak, 1),
               "fingerprint_peak_mb": round(fp_peak, 1), **caches(),
               "rss_mb": _rss_mb()[0], "hwm_mb": _rss_mb()[1], "seconds": round(time.monotonic() - started, 1)}
        rows.append(row)
        print(row, flush=True)
    return rows


def _texts(limit: int):
    root = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / "langid" / "language-testdata"
    if not root.exists():
        root = pathlib.Path("/work/shared/data/langid/language-testdata")
    files = sorted(p for p in root.rglob("*.txt") if "sentences" in str(p))
    if not files:
        raise SystemExit(f"no sentences under {root} (../shared is needed)")
    # round-robin over the languages, so the vocabulary grows as a mixed stream's would
    handles = [open(p, encoding="utf-8") for p in files]
    given = 0
    try:
        while given < limit and handles:
            for h in list(handles):
                line = h.readline()
                if not line:
                    handles.remove(h)
                    continue
                yield line.strip()
                given += 1
                if given >= limit:
                    return
    finally:
        for h in handles:
            h.close()


def vocabulary_run(texts: int) -> list:
    from transforms.enrich.language import LanguageDetector
    detector = LanguageDetector(seed=0)
    rows, started = [], time.monotonic()
    step = max(1, texts // 12)
    for i, text in enumerate(_texts(texts), 1):
        detector.detect("", text)
        if i % step == 0:
            row = {"texts": i, **caches(), "rss_mb": _rss_mb()[0], "hwm_mb": _rss_mb()[1],
                   "seconds": round(time.monotonic() - started, 1)}
            rows.append(row)
            print(row, flush=True)
    return rows


def state_rows(n: int, limit: int) -> list:
    """State rows of the first `limit` stories of the corpus of `n` (as Resolve and Provenance
    complete them)."""
    from benchmarks import scale
    return state_rows_of(pathlib.Path(scale.corpus(n)["opml"]).parent / "feeds", limit)


def state_rows_of(folder: pathlib.Path, limit: int) -> list:
    """State rows of the first `limit` stories of the feed files in `folder`."""
    from transforms.clean.stories import clean_story
    from transforms.dedupe.candidates import fingerprint_feed
    from transforms.dedupe.state import state_row
    from transforms.dedupe.versions import state_columns
    from transforms.enrich.language import LanguageDetector
    from transforms.enrich.stories import enrich_story
    from transforms.parse.feeds import parse_document
    from transforms.provenance import state_columns as provenance_columns
    from transforms.records import FeedDocument, FeedSource

    detector = LanguageDetector(seed=0)
    at = _dt.datetime(2026, 11, 21, 6, tzinfo=_dt.timezone.utc)
    rows: list = []
    for path in sorted(folder.glob("*.xml")):
        doc = FeedDocument(source=FeedSource(str(path)), body=path.read_bytes(), fetched_at=at, final_url=str(path))
        stories = [enrich_story(clean_story(s, _dt.timedelta(hours=6)), detector) for s in parse_document(doc)[1]]
        for story, fp in zip(stories, fingerprint_feed(stories)):
            row = state_row(fp, fp.label, at, story.language)
            row.update(provenance_columns(story))
            row.update(state_columns(story))
            rows.append(row)
            if len(rows) >= limit:
                return rows
    return rows


def state_run(n: int, counts) -> list:
    import pickle
    import tempfile

    from transforms.dedupe.state import _WriteShard   # noqa  (a benchmark measures the DoFn itself)
    from transforms.coders import RecordCoder
    pool = state_rows(n, max(counts))
    out = []
    for count in counts:
        encoded = [pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in pool[:count]]
        with tempfile.TemporaryDirectory(dir=str(pathlib.Path(__file__).resolve().parents[1] / "bench-out")) as tmp:
            fn = _WriteShard(tmp, "probe", tmp + "/gen")
            gc.collect()
            tracemalloc.start()
            rows = [pickle.loads(e) for e in encoded]         # the group as a worker decodes it
            held = tracemalloc.get_traced_memory()[0]
            list(fn.process(((0, 1), rows)))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            del rows
        coder = RecordCoder()       # what JoinState and WriteState shuffle per remembered row
        row = {"rows": count, "encoded_mb": round(sum(map(len, encoded)) / MB, 1),
               "record_coder_bytes_per_row": round(sum(len(coder.encode(r)) for r in pool[:count]) / count),
               "rows_in_memory_mb": round(held / MB, 1), "peak_mb": round(peak / MB, 1),
               "kb_per_row_peak": round(peak / count / 1024, 1)}
        out.append(row)
        print(row, flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--n", type=int, default=20000)
    c.add_argument("--no-trace", action="store_true")
    v = sub.add_parser("vocabulary")
    v.add_argument("--texts", type=int, default=60000)
    st = sub.add_parser("state")
    st.add_argument("--n", type=int, default=20000)
    st.add_argument("--rows", default="2500,5000,10000,20000")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()}", flush=True)
    if args.cmd == "corpus":
        corpus_run(args.n, trace=not args.no_trace)
    elif args.cmd == "state":
        state_run(args.n, [int(x) for x in args.rows.split(",")])
    else:
        vocabulary_run(args.texts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
