"""What the run report costs: its generation time against the whole run's, and its size.

    .venv/bin/python -m benchmarks.report_cost                       # the 47 real feeds, 3 runs
    .venv/bin/python -m benchmarks.report_cost --feeds examples/feeds.opml --repeats 5
    .venv/bin/python -m benchmarks.report_cost --throughput-corpus 20000      # throughput's corpus

Each repeat runs `wirefeed` (DirectRunner, in process, `--no-progress`) on the corpus into a fresh
output folder, in a child Python process whose `pipeline.report.writer.generate_report` is
wrapped with a timer (the wrapper only measures; the run is unchanged). Reported, as medians:
- run: wall time of the whole child process (interpreter start and imports included, the
  report included), as a scheduler sees it;
- report: the time `generate_report` took inside that run (matplotlib's import included, which
  happens there and only there), and its share of the run (target: <= 5 %);
- regenerate: wall time of `wirefeed report OUTPUT` in a new process (imports included);
- size of OUTPUT/reports/RUN_ID.html.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
REAL_FEEDS = ROOT.parent / "shared" / "data" / "real-feeds" / "feeds"
AS_OF = "2026-11-28T06:00:00Z"
MARK = "REPORT-COST "

CHILD = """
import json, sys, time
import pipeline.report.writer as writer
spent = []
generate = writer.generate_report
def timed(*args, **kwargs):
    started = time.perf_counter()
    try:
        return generate(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - started)
writer.generate_report = timed
from pipeline.main import run
code = run(sys.argv[1:])
print(%r + json.dumps({"code": code, "report_seconds": spent}))
""" % MARK


def one_run(feeds: list, out: pathlib.Path) -> dict:
    args = [x for f in feeds for x in ("--feeds", f)] + ["--output", str(out), "--run-id", "bench", "--as-of", AS_OF, "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT, env=env)
    run_seconds = time.monotonic() - started
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
    if line is None or json.loads(line[len(MARK):])["code"] not in (0, 3):
        raise SystemExit(f"the run failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    child = json.loads(line[len(MARK):])
    page = out / "reports" / "bench.html"
    started = time.monotonic()
    again = subprocess.run([sys.executable, "-m", "pipeline.main", "report", str(out), "--run-id", "bench"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    regenerate = time.monotonic() - started
    if again.returncode != 0:
        raise SystemExit(f"wirefeed report failed: {again.stderr.strip()}")
    with open(out / "runs" / "bench.json", encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    return {"run": run_seconds, "report": child["report_seconds"][0], "regenerate": regenerate,
            "bytes": page.stat().st_size, "feeds": counts["feeds_total"], "entries": counts["entries_total"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", default=str(REAL_FEEDS),
                    help="a --feeds value (default: ../shared/data/real-feeds/feeds, the 47 real feeds)")
    ap.add_argument("--throughput-corpus", type=int, metavar="N",
                    help="instead, benchmarks.throughput's corpus of about N stories (the real feeds + "
                         "generated full-text agency items and reprints), built in a temporary folder")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    if args.throughput_corpus is None and args.feeds == str(REAL_FEEDS) and not REAL_FEEDS.exists():
        print(f"skipped: {REAL_FEEDS} is absent (../shared beside the checkout)")
        return 0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        feeds = [args.feeds]
        if args.throughput_corpus is not None:
            from benchmarks.throughput import build_corpus
            feeds = build_corpus(args.throughput_corpus, str(pathlib.Path(tmp) / "corpus"))["feeds"]
        for i in range(args.repeats):
            runs.append(one_run(feeds, pathlib.Path(tmp) / f"out-{i}"))
            r = runs[-1]
            print(f"repeat {i + 1}: run {r['run']:.2f} s, report {r['report']:.3f} s "
                  f"({r['report'] / r['run']:.1%}), regenerate {r['regenerate']:.2f} s, page {r['bytes']:,} bytes",
                  flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in ("run", "report", "regenerate", "bytes")}
    share = statistics.median(r["report"] / r["run"] for r in runs)
    print(f"\n{runs[0]['feeds']} feeds, {runs[0]['entries']:,} entries, {len(runs)} repeats (medians):")
    print("| run (wall) | report in the run | report / run | `wirefeed report` (wall) | page size |")
    print("|---|---|---|---|---|")
    print(f"| {med['run']:.2f} s | {med['report']:.3f} s | {share:.1%} | {med['regenerate']:.2f} s | "
          f"{med['bytes'] / 1000:.0f} KB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
