"""Near-duplicate recall on summary-only reprints, without and with --fetch-articles.

    .venv/bin/python -m benchmarks.articles_eval [--originals 150] [--tune-seed 1]
        [--report-seeds 2,3] [--words 10,20,30,40,80,150]

The reprint generator (benchmarks/reprints/) writes agency originals (full text, on agency feeds)
and outlet reprints and hard negatives. Here every item that is not on an agency feed becomes
summary-only: its feed item carries only the first two sentences of its text (description, no
content:encoded), and its full text is served as an HTML article page by a local HTTP server
(http.server in a thread on 127.0.0.1; every item's link is rewritten to point at it, agency
items included, so no request leaves the machine). The real pipeline (`pipeline.main.run`,
DirectRunner, one fixed --as-of) then runs twice on the same feeds:

  without   the feed text only;
  with      --fetch-articles WORDS --allow-private-networks: short stories get their page's text.

Scoring: pairwise precision/recall of the near-duplicate clusters (`cluster_id` of the rows in
stories/ and duplicates/, matched to the items by url) against the gold labels
(benchmarks/cluster_metrics.py). Cost per fetched article: (wall seconds of the with-run minus
the without-run) / article pages requested (the server's log, robots.txt not counted); the run
summary's quality.article_text counts the stories whose text was replaced.

WORDS is chosen on --tune-seed (best F1, then fewest pages) and reported on --report-seeds.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as _dt
import glob
import html
import http.server
import io
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from typing import Dict, List, Sequence, Tuple

from benchmarks.cluster_metrics import pairwise_scores
from benchmarks.reprints import Item, generate, to_feed_files
from benchmarks.reprints.articles import sentences

TEASER_SENTENCES = 2


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):   # a client that went away: not interesting
        pass


class PageServer:
    """Article pages on 127.0.0.1 (path -> HTML bytes); counts the requests per path."""

    def __init__(self):
        self.pages: Dict[str, bytes] = {}
        self.hits: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):   # quiet
                pass

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                with owner._lock:
                    owner.hits[path] += 1
                body = owner.pages.get(path)
                status, ctype = (200, "text/html; charset=utf-8") if body is not None else (404, "text/plain")
                body = body if body is not None else b"not found\n"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def article_requests(self) -> int:
        with self._lock:
            return sum(n for path, n in self.hits.items() if path != "/robots.txt")

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()


def article_page(item: Item) -> bytes:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in item.text.split("\n\n") if p.strip())
    title = html.escape(item.title)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title} | {html.escape(item.source_name)}"
            f"</title></head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>{paras}</article>"
            f"<footer>Copyright {html.escape(item.source_name)}</footer></body></html>").encode("utf-8")


def teaser(text: str) -> str:
    """The first TEASER_SENTENCES sentences of a text (across paragraphs)."""
    out: List[str] = []
    for para in text.split("\n\n"):
        for s in sentences(para.strip()):
            out.append(s.strip())
            if len(out) == TEASER_SENTENCES:
                return " ".join(out)
    return " ".join(out)


def summary_only(items: Sequence[Item], server: PageServer) -> List[Item]:
    """Every item's link on the server (its page: its full text); items not on an agency feed
    carry only their teaser in the feed."""
    out = []
    for it in items:
        parts = urllib.parse.urlsplit(it.url)
        path = f"/{parts.hostname}{parts.path}"
        server.pages[path] = article_page(it)
        it = dataclasses.replace(it, url=server.base + path)
        if not it.is_agency_feed:
            short = teaser(it.text or it.summary)
            it = dataclasses.replace(it, summary=short, text=short)
        out.append(it)
    return out


def read_clusters(output: str) -> Dict[str, str]:
    import pyarrow.parquet as pq
    clusters = {}
    for table in ("stories", "duplicates"):
        for f in sorted(glob.glob(os.path.join(output, table, "date=*", "lang=*", "*.parquet"))):
            for r in pq.read_table(f, columns=["url", "cluster_id"]).to_pylist():
                clusters[r["url"]] = r["cluster_id"]
    return clusters


def run_once(opml: str, output: str, as_of: str, extra: Sequence[str]) -> Tuple[float, dict]:
    """(wall seconds, run summary) of one pipeline run."""
    from pipeline.main import run
    args = ["--feeds", opml, "--output", output, "--as-of", as_of, "--run-id", "run1"] + list(extra)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = run(args)
    elapsed = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"pipeline run exited {code}: {args}")
    with open(glob.glob(os.path.join(output, "runs", "*.json"))[0], encoding="utf-8") as f:
        return elapsed, json.load(f)


def evaluate(originals: int, seed: int, words_list: Sequence[int], tmp: str) -> List[dict]:
    """One row per run: without, then with --fetch-articles WORDS for each of `words_list`."""
    with PageServer() as server:
        items = summary_only(generate(originals, seed=seed, source="synthetic"), server)
        folder = os.path.join(tmp, f"feeds-{seed}")
        to_feed_files(items, folder)
        opml = os.path.join(folder, "feeds.opml")
        as_of = (max(it.published for it in items) + _dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        gold = {it.id: it.cluster for it in items}
        id_of = {it.url: it.id for it in items}
        rows = []
        for words in [None] + list(words_list):
            server.reset()
            extra = [] if words is None else ["--fetch-articles", str(words), "--allow-private-networks"]
            output = os.path.join(tmp, f"out-{seed}-{words}")
            elapsed, summary = run_once(opml, output, as_of, extra)
            clusters = read_clusters(output)
            predicted = {id_of[url]: cid for url, cid in clusters.items()}
            if predicted.keys() != gold.keys():
                raise RuntimeError(f"{len(gold.keys() ^ predicted.keys())} items have no row")
            s = pairwise_scores(gold, predicted)
            original = {it.cluster: it.id for it in items if it.kind == "original"}
            missed = collections.Counter(
                it.kind.split(":")[1].split("+")[0] for it in items
                if it.kind.startswith("reprint:") and predicted[it.id] != predicted[original[it.cluster]])
            rows.append({"seed": seed, "words": words, "items": len(items),
                         "summary_only": sum(not it.is_agency_feed for it in items),
                         "precision": s["precision"], "recall": s["recall"], "f1": s["f1"],
                         "seconds": elapsed, "pages": server.article_requests(),
                         "article_text": summary.get("quality", {}).get("article_text", 0),
                         "dead_letters": summary["counts"]["dead_letters"],
                         "missed": dict(missed.most_common())})
        return rows


def print_rows(rows: Sequence[dict]) -> None:
    base = rows[0]
    for r in rows:
        words = "without" if r["words"] is None else f"with {r['words']}"
        cost = ""
        if r["words"] is not None and r["pages"]:
            cost = f"  {(r['seconds'] - base['seconds']) / r['pages'] * 1000:.0f} ms/page"
        print(f"{r['seed']:<5} {words:9s} {r['precision']:.4f}     {r['recall']:.4f}  {r['f1']:.4f}  "
              f"{r['pages']:>5}  {r['article_text']:>12}  {r['dead_letters']:>4}  {r['seconds']:6.1f}{cost}",
              flush=True)
        print(f"      reprints not linked to their original, by content mode: {r['missed']}", flush=True)


HEADER = "seed  run       precision  recall  F1      pages  article_text  dead  wall s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=150)
    ap.add_argument("--tune-seed", type=int, default=1)
    ap.add_argument("--report-seeds", default="2,3")
    ap.add_argument("--words", default="10,20,30,40,80,150", help="--fetch-articles WORDS to try on the tune seed")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tune = evaluate(a.originals, a.tune_seed, [int(w) for w in a.words.split(",")], tmp)
        print(f"{tune[0]['items']} items per seed, {tune[0]['summary_only']} of them summary-only "
              f"in the feed; choosing WORDS on seed {a.tune_seed}:")
        print(HEADER)
        print_rows(tune)
        best = max(tune[1:], key=lambda r: (round(r["f1"], 4), -r["pages"]))["words"]
        print(f"chosen: --fetch-articles {best}; reported on seeds {a.report_seeds}:")
        print(HEADER)
        for seed in (int(s) for s in a.report_seeds.split(",")):
            print_rows(evaluate(a.originals, seed, [best], tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
