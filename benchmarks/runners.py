"""The same CPU-bound wirefeed run on every runner that executes on this machine.

    .venv/bin/python -m benchmarks.runners                      # 5,000 entries, 3 runs per runner
    .venv/bin/python -m benchmarks.runners --entries 1000 --repeats 1 --runners direct,multi

Workload: benchmarks/runner_services.generate_feeds — RSS files of multi-paragraph stories (~3 KB of
text each) in seven languages, with exact copies and edited reprints — read from local files
(no network), so the run is parse + clean + language + agencies + near-duplicate dedupe + write.
Every run writes to a fresh output folder with the same --as-of (no state carried over).

Runners: `direct` (DirectRunner, in-process FnApiRunner), `multi` (--direct_num_workers=2
--direct_running_mode=multi_processing), `portable` (PortableRunner -> Beam's local job service,
SDK harness in an external worker pool; services started once, outside the timing). Time = wall
time of the whole `python -m pipeline.main` run (interpreter start and imports included, ~3 s),
as a scheduler sees it. Throughput = entries written as stories or duplicates per second. Runs
are interleaved (one per runner per round), so that background load hits every runner alike.
Prints a Markdown table with medians and the ratio to the single-process DirectRunner measured
in the same invocation.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import platform
import statistics
import tempfile
import time

from benchmarks import runner_services as rs

RUNNERS = ("direct", "multi", "portable")


def _one_run(label, feeds, out, extra, timeout):
    args = ["--feeds", feeds, "--output", str(out), "--run-id", "bench", "--as-of", rs.AS_OF]
    started = time.monotonic()
    done = rs.run_cli(args + extra, timeout=timeout)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"runner": label, "ok": False, "seconds": seconds, "error": f"exit {done.returncode}: {last[:300]}"}
    with open(os.path.join(str(out), "runs", "bench.json"), encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    written = counts["stories"] + counts["duplicates"]
    return {"runner": label, "ok": True, "seconds": seconds, "written": written, "entries": counts["entries_total"],
            "stories": counts["stories"], "per_second": written / seconds}


def setup(runner, work, stack):
    """The extra CLI args for a runner; starts its services on `stack` (outside the timing)."""
    if runner == "direct":
        return []
    if runner == "multi":
        return ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    if runner == "portable":
        logs = work / "portable-logs"
        logs.mkdir(exist_ok=True)
        svc = stack.enter_context(rs.job_service_and_worker_pool(logs))
        return ["--runner=PortableRunner", f"--job_endpoint={svc['job_endpoint']}",
                "--environment_type=EXTERNAL", f"--environment_config={svc['environment_config']}"]
    raise SystemExit(f"unknown runner {runner!r}; choose from {', '.join(RUNNERS)}")


def measure(runners, feeds, work, repeats, timeout):
    """Rounds of one run per runner, interleaved, so that background load hits every runner alike."""
    results = {runner: [] for runner in runners}
    with contextlib.ExitStack() as stack:
        setups = {runner: setup(runner, work, stack) for runner in runners}
        for i in range(repeats):
            for runner in runners:
                if results[runner] and not results[runner][-1]["ok"]:
                    continue   # a runner that failed fails every time: don't wait for it again
                load = os.getloadavg()[0]
                result = _one_run(runner, feeds, work / f"{runner}-{i}", setups[runner], timeout)
                result["load1_before"] = load
                results[runner].append(result)
                print(json.dumps(result), flush=True)
    return results


def table(all_results, entries):
    base = [r["per_second"] for r in all_results.get("direct", []) if r["ok"]]
    base_median = statistics.median(base) if base else None
    lines = ["| runner | runs | median wall time | median entries/s | vs Direct in-process | notes |",
             "|---|---|---|---|---|---|"]
    for runner, results in all_results.items():
        good = [r for r in results if r["ok"]]
        if not good:
            lines.append(f"| {runner} | {len(results)} | – | – | – | fails: {results[-1]['error']} |")
            continue
        rate = statistics.median(r["per_second"] for r in good)
        wall = statistics.median(r["seconds"] for r in good)
        ratio = f"{rate / base_median:.2f}×" if base_median else "–"
        spread = f"{min(r['seconds'] for r in good):.1f}–{max(r['seconds'] for r in good):.1f} s"
        load = statistics.median(r["load1_before"] for r in good)
        lines.append(f"| {runner} | {len(good)} | {wall:.1f} s ({spread}) | {rate:.1f} | {ratio} | "
                     f"{good[0]['written']} rows of {entries} entries; load {load:.1f} before the runs |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runners", default=",".join(RUNNERS))
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run before it is killed")
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wirefeed-bench-") as tmp:
        work = pathlib.Path(tmp)
        made = rs.generate_feeds(work / "input", n_entries=args.entries, seed=42, paragraphs=(6, 8),
                                 sentences=(4, 5))
        text_bytes = sum(p.stat().st_size for p in (work / "input" / "feeds").glob("*.xml"))
        print(f"input: {made['entries']} entries in {made['feeds']} feeds, {text_bytes / 1e6:.1f} MB of RSS "
              f"({made['copies']} exact copies, {made['reprints']} reprints); machine: {os.cpu_count()} cores, "
              f"Python {platform.python_version()}", flush=True)
        runners = [r.strip() for r in args.runners.split(",") if r.strip()]
        results = measure(runners, made["opml"], work, args.repeats, args.timeout)
        print()
        print(table(results, made["entries"]))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"input": made, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
