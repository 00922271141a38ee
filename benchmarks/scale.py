"""Scale: time, CPU per story and peak memory per process of whole runs of growing size, all
stories in ONE day and ONE language (the largest partition a day can make).

    .venv/bin/python -m benchmarks.scale run --n 50000 --runner multi [--rows-per-file N | --shards 1]
                                                    [--bundle-mb 32]   # bounded bundles
    .venv/bin/python -m benchmarks.scale keys --n 50000 [--direct_num_workers=2 --direct_running_mode=multi_processing [--bundle-mb 32]]
                                                                # largest key's share per keyed step
    .venv/bin/python -m benchmarks.scale table                  # every result so far, as Markdown

`run` measures one `python -m pipeline.main` run (a fresh output, fixed --as-of) on a corpus of N
generated entries (benchmarks/runner_services.generate_feeds: English only, one day, ~3 KB of
text per story, 8 % exact copies and 6 % edited reprints, feeds of at most ~2,500 items;
generated once per N under bench-out/scale-corpus/) with
- `direct`: the DirectRunner in process;
- `multi`: `--direct_num_workers=2 --direct_running_mode=multi_processing`;
- `portable`: PortableRunner -> Beam's local job service (pipeline/job_service.py: Beam's,
  with its FnApiRunner set to two workers) and two SDK harnesses from an external worker pool
  (`--environment_type=EXTERNAL`); both services started for the run and stopped after it.
A watcher reads /proc every 0.25 s for every process of the run (and of the services): peak
resident memory (VmHWM) and CPU time per process, grouped by role — `main` (on direct/multi the
FnApiRunner itself: the runner's in-memory shuffle buffers), `sdk worker` (what a Dataflow
worker does), `job service` (portable: the runner), `worker pool`. CPU-seconds are also taken
from wait4() of the main process (it and the children it reaped). Each result is appended to
bench-out/scale.jsonl.

`keys` builds the whole batch graph (pipeline.build) on the same corpus, in process, and
measures the input of every GroupByKey as benchmarks.key_share does: elements, distinct keys,
largest key's share.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time

from benchmarks import runner_services as rs

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "bench-out"
RESULTS = OUT / "scale.jsonl"
AS_OF = "2026-11-21T06:00:00Z"
TICK = os.sysconf("SC_CLK_TCK")
FEED_ITEMS = 2500          # at most about this many items per generated feed


def corpus(n: int) -> dict:
    """The generated feeds of `n` entries (cached under bench-out/scale-corpus/nN/)."""
    folder = OUT / "scale-corpus" / f"n{n}"
    meta = folder / "corpus.json"
    if meta.exists():
        return json.loads(meta.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    started = time.monotonic()
    made = rs.generate_feeds(folder, n_entries=n, seed=42, paragraphs=(6, 8), sentences=(4, 5),
                             n_outlets=max(14, n // FEED_ITEMS), languages=("en",), days=1,
                             wire_feeds=max(1, n // (12 * FEED_ITEMS)))
    made["bytes"] = sum(p.stat().st_size for p in (folder / "feeds").glob("*.xml"))
    made["seconds"] = round(time.monotonic() - started, 1)
    meta.write_text(json.dumps(made))
    return made


# ------------------------------------------------------------------------------ process watch

def _role(cmd: str) -> str:
    for needle, role in (("sdk_worker_main", "sdk worker"), ("SdkHarness", "sdk worker"),
                         ("local_job_service_main", "job service"), ("pipeline.job_service", "job service"),
                         ("worker_pool_main", "worker pool"), ("pipeline.main", "main"),
                         ("benchmarks.bounded_bundles", "main")):
        if needle in cmd:
            return role
    return "other"


class Watch(threading.Thread):
    """Polls /proc for the processes of some process groups: peak RSS (VmHWM), peak RSS + swap
    (VmRSS + VmSwap, sampled: what a process held when the machine had to swap some of it out)
    and CPU per pid."""

    def __init__(self, pgids, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pgids = set(pgids)
        self.interval = interval
        self.procs: dict = {}        # pid -> {"role", "cmd", "hwm_mb", "held_mb", "cpu0", "cpu"}
        self._halt = threading.Event()

    def poll(self):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode("utf-8", "replace")
                rest = stat[stat.rfind(")") + 2:].split()
                if int(rest[2]) not in self.pgids:
                    continue
                cpu = (int(rest[11]) + int(rest[12])) / TICK
                kb = {"VmHWM:": 0, "VmRSS:": 0, "VmSwap:": 0}
                with open(f"/proc/{entry}/status", encoding="utf-8") as f:
                    for line in f:
                        field = line.split(None, 1)[0]
                        if field in kb:
                            kb[field] = int(line.split()[1])
                hwm, held = kb["VmHWM:"] / 1024, (kb["VmRSS:"] + kb["VmSwap:"]) / 1024
                rec = self.procs.get(int(entry))
                if rec is None:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
                    rec = self.procs[int(entry)] = {"role": _role(cmd), "cmd": cmd[:160], "hwm_mb": 0.0,
                                                    "held_mb": 0.0, "cpu0": cpu, "cpu": cpu}
                rec["hwm_mb"] = max(rec["hwm_mb"], hwm)
                rec["held_mb"] = max(rec["held_mb"], held)
                rec["cpu"] = cpu
            except (OSError, ValueError, IndexError):
                continue

    def run(self):
        while not self._halt.is_set():
            self.poll()
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()
        self.poll()

    def by_role(self, since_start=False) -> dict:
        roles: dict = {}
        for rec in self.procs.values():
            r = roles.setdefault(rec["role"], {"processes": 0, "peak_mb": 0.0, "peak_mb_each": [],
                                               "peak_with_swap_mb": 0.0, "cpu_s": 0.0})
            r["processes"] += 1
            r["peak_mb"] = max(r["peak_mb"], round(rec["hwm_mb"], 1))
            r["peak_with_swap_mb"] = max(r["peak_with_swap_mb"], round(rec["held_mb"], 1))
            r["peak_mb_each"].append(round(rec["hwm_mb"], 1))
            r["cpu_s"] = round(r["cpu_s"] + rec["cpu"] - (rec["cpu0"] if since_start else 0.0), 2)
        for r in roles.values():
            r["peak_mb_each"].sort(reverse=True)
        return roles


# ------------------------------------------------------------------------------------- runs

def start_services(work: pathlib.Path, workers: int):
    """An external SDK worker pool and a job service whose jobs run on `workers` SDK harnesses
    (pipeline/job_service.py); returns the services and (job endpoint, worker pool endpoint)."""
    env = rs.service_env()
    job_port, pool_port = rs.free_port(), rs.free_port()
    py = str(rs.VENV_BIN / "python")
    pool = rs.Service("worker-pool", [py, "-m", "apache_beam.runners.worker.worker_pool_main",
                                      f"--service_port={pool_port}"], work, env=env, cwd=str(work))
    jobs = rs.Service("job-service", [py, "-m", "pipeline.job_service", "--workers", str(workers),
                                      f"--port={job_port}"], work, env=env, cwd=str(ROOT))
    rs.wait_for_port(pool_port, 120, pool.proc, pool.log)
    rs.wait_for_port(job_port, 120, jobs.proc, jobs.log)
    return [pool, jobs], (f"localhost:{job_port}", f"localhost:{pool_port}")


def run_one(n: int, runner: str, extra=(), timeout: float = 7200.0, bundle_mb: float = 0.0) -> dict:
    if bundle_mb and runner != "multi":
        raise SystemExit("--bundle-mb is for --runner multi (the local runner in the pipeline's own process)")
    made = corpus(n)
    work = OUT / "scale-runs" / f"{runner}-n{n}-{int(time.time())}"
    work.mkdir(parents=True, exist_ok=True)
    args = ["--feeds", made["opml"], "--output", str(work / "out"), "--run-id", "scale", "--as-of", AS_OF,
            "--no-progress", *extra]
    services = []
    if runner == "multi":
        args += ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    elif runner == "portable":
        services, endpoints = start_services(work, workers=2)
        args += ["--runner=PortableRunner", f"--job_endpoint={endpoints[0]}", "--environment_type=EXTERNAL",
                 f"--environment_config={endpoints[1]}"]
    elif runner != "direct":
        raise SystemExit(f"unknown runner {runner!r}: direct, multi or portable")
    command = ["-m", "pipeline.main", *args]
    if bundle_mb:       # Beam's local runner with bounded bundles (benchmarks/bounded_bundles.py)
        command = ["-m", "benchmarks.bounded_bundles", f"--bundle-mb={bundle_mb:g}", "--", *args]
    load = os.getloadavg()
    started = time.monotonic()
    log = open(work / "run.log", "wb")
    proc = subprocess.Popen([str(rs.VENV_BIN / "python"), *command], stdout=log,
                            stderr=subprocess.STDOUT, env=rs.service_env(), cwd=str(ROOT), start_new_session=True)
    watch = Watch([proc.pid] + [s.pgid for s in services])
    watch.start()
    timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    seconds = time.monotonic() - started
    watch.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    for service in reversed(services):
        service.stop()
    roles = watch.by_role(since_start=bool(services))
    result = {"n": n, "runner": runner, "extra": list(extra) + ([f"--bundle-mb={bundle_mb:g}"] if bundle_mb else []),
              "exit": proc.returncode, "seconds": round(seconds, 1),
              "cpu_s_main_wait4": round(usage.ru_utime + usage.ru_stime, 1),
              "cpu_s_all": round(sum(r["cpu_s"] for r in roles.values()), 1), "roles": roles,
              "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()],
              "corpus": {k: made[k] for k in ("entries", "copies", "reprints", "feeds", "bytes")},
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                       cwd=ROOT).stdout.strip(),
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cores": os.cpu_count(),
              "python": platform.python_version()}
    summary = work / "out" / "runs" / "scale.json"
    if summary.exists():
        s = json.loads(summary.read_text())
        result["counts"] = {k: s["counts"][k] for k in ("entries_total", "stories", "duplicates", "dead_letters")}
        result["files_written"] = s.get("files_written")
        written = result["counts"]["stories"] + result["counts"]["duplicates"]
        result["cpu_ms_per_story"] = round(1000 * result["cpu_s_all"] / max(1, written), 3)
        result["largest_file_rows"] = largest_file_rows(work / "out")
    else:
        result["error"] = (work / "run.log").read_text(errors="replace")[-1500:]
    if result["exit"] == 0:
        shutil.rmtree(work / "out", ignore_errors=True)      # keep the disk: the figures are in the JSON
    OUT.mkdir(exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    return result


def largest_file_rows(out: pathlib.Path) -> dict:
    """Per table: files and the largest file's rows (Parquet metadata only)."""
    import pyarrow.parquet as pq
    found = {}
    for table in ("stories", "duplicates"):
        paths = sorted((out / table).glob("date=*/lang=*/*.parquet"))
        rows = [pq.ParquetFile(p).metadata.num_rows for p in paths]
        sizes = [p.stat().st_size for p in paths]
        found[table] = {"files": len(rows), "largest_rows": max(rows or [0]), "largest_bytes": max(sizes or [0]),
                        "rows": sum(rows), "bytes": sum(sizes)}
    state = sorted((out / "state").glob("gen-*/stories-*.parquet"))
    found["state"] = {"files": len(state), "rows": sum(pq.ParquetFile(p).metadata.num_rows for p in state),
                      "bytes": sum(p.stat().st_size for p in state)}
    return found


# ----------------------------------------------------------------------------- key shares

def keys(n: int, extra=(), bundle_mb: float = 0.0) -> dict:
    """Every GroupByKey's input in the whole batch graph: elements, keys, largest key's share.

    `extra` are pipeline flags (e.g. `--direct_num_workers=2 --direct_running_mode=multi_processing`,
    which a run of more than ~50,000 stories needs: the in-process runner holds runner and worker
    in one process); with multi_processing, `bundle_mb` bounds the bundles as `run --bundle-mb`
    does (benchmarks/bounded_bundles.py), so that the workers stay small at 300,000 stories."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.pipeline import PipelineVisitor

    from benchmarks.key_share import step_name
    from pipeline.build import build
    from pipeline.dataplane import guard_data_plane
    from pipeline.main import parse_time
    from pipeline.options import WirefeedOptions
    from pipeline.runs import run_header

    from benchmarks.bounded_bundles import bounded

    made = corpus(n)
    work = OUT / "scale-runs" / f"keys-n{n}-{int(time.time())}"
    argv = ["--feeds", made["opml"], "--output", str(work / "out"), "--run_id", "keys", "--as-of", AS_OF,
            *extra]
    guard_data_plane()     # as pipeline.main does: the local runner runs in this process
    options = PipelineOptions(argv)
    opts = options.view_as(WirefeedOptions)
    p = beam.Pipeline(options=options)
    build(p, opts, "keys", run_header(options, "keys", "keys"), str(work / "out" / "state"), None,
          parse_time(AS_OF))

    class Found(PipelineVisitor):
        def __init__(self):
            self.found = []

        def visit_transform(self, applied):
            if isinstance(applied.transform, beam.GroupByKey) and not applied.full_label.startswith("KS "):
                self.found.append((applied.full_label, applied.inputs[0]))

    steps = Found()
    p.visit(steps)
    tables = [measure_step(pcoll, step_name(label, "")) for label, pcoll in steps.found]
    (tables | "KS AllStats" >> beam.Flatten()
     | "KS Write" >> beam.io.WriteToText(str(work / "stats"), shard_name_template=""))
    started = time.monotonic()
    with bounded(int(bundle_mb * (1 << 20))) if bundle_mb else contextlib.nullcontext():
        p.run().wait_until_finish()
    rows = [json.loads(line) for line in open(work / "stats", encoding="utf-8") if line.strip()]
    order = {step_name(label, ""): i for i, (label, _) in enumerate(steps.found)}
    rows.sort(key=lambda r: order.get(r["step"], 1 << 30))
    result = {"n": n, "kind": "keys", "flags": list(extra) + ([f"--bundle-mb={bundle_mb:g}"] if bundle_mb else []),
              "rows": rows, "seconds": round(time.monotonic() - started, 1),
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    shutil.rmtree(work, ignore_errors=True)
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    return result


class StepStats:
    """(key, (count, bytes)) per key -> {'elements', 'bytes', 'keys', 'largest', 'share'}."""

    def __new__(cls):
        import apache_beam as beam

        class _Fn(beam.CombineFn):
            def create_accumulator(self):
                return [0, 0, 0, 0]

            def add_input(self, acc, kv):
                _, (count, size) = kv
                acc[0] += count
                acc[1] += size
                acc[2] += 1
                acc[3] = max(acc[3], count)
                return acc

            def merge_accumulators(self, accs):
                out = [0, 0, 0, 0]
                for a in accs:
                    out = [out[0] + a[0], out[1] + a[1], out[2] + a[2], max(out[3], a[3])]
                return out

            def extract_output(self, acc):
                elements, size, keys, largest = acc
                return {"elements": elements, "bytes": size, "keys": keys, "largest": largest,
                        "share": largest / elements if elements else None}
        return _Fn()


def _sum_pairs(values):
    count = size = 0
    for c, b in values:
        count += c
        size += b
    return count, size


def measure_step(pcoll, label: str):
    """A GroupByKey's input: elements, encoded bytes (the PCollection's own coder: what a runner
    shuffles), distinct keys, largest key's share."""
    import apache_beam as beam
    coder = beam.coders.registry.get_coder(pcoll.element_type)
    return (pcoll
            | f"KS {label}/Key" >> beam.Map(lambda e: (repr(e[0]), (1, len(coder.encode(e)))))
            | f"KS {label}/PerKey" >> beam.CombinePerKey(_sum_pairs)
            | f"KS {label}/Stats" >> beam.CombineGlobally(StepStats())
            | f"KS {label}/Tag" >> beam.Map(lambda st: json.dumps(dict(st, step=label))))


GROUP_CHILD = r"""
import datetime as dt, hashlib, json, random, resource, sys, tempfile
from transforms.records import Story
from transforms.write.partitioned import write_partition
rows = int(sys.argv[1])
words = "the of and to in government minister council city officials report market company".split()
r = random.Random(1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
day = dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone.utc)
group = [Story(story_id=hashlib.sha256(str(i).encode()).hexdigest()[:32], title="Title %d" % i,
               text=" ".join(r.choice(words) for _ in range(450)), language="en", feed_url="f",
               source_name="Outlet", published=day, word_count=450) for i in range(rows)]
with tempfile.TemporaryDirectory() as out:
    write_partition(out, "g", ("parquet",), ("stories", "2026-11-20", "en", 0), iter(group))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows, "base_mb": round(base / 1024, 1), "peak_mb": round(peak / 1024, 1),
                  "group_mb": round((peak - base) / 1024, 1)}))
"""


def group_memory(rows_list) -> list:
    """Peak memory of writing ONE partition group of R rows (write_partition: the group as a
    worker gets it from GroupByKey, sorted, written to Parquet), each R in a fresh process:
    what one key costs a worker, which --rows-per-file bounds."""
    found = []
    for rows in rows_list:
        done = subprocess.run([sys.executable, "-c", GROUP_CHILD, str(rows)], capture_output=True, text=True,
                              cwd=str(ROOT), check=True)
        found.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(found[-1]), flush=True)
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": "group", "rows": found, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                + "\n")
    return found


# ---------------------------------------------------------------------------------- tables

def _mb(x) -> str:
    return f"{x:,.0f} MB"


def table(path=RESULTS) -> str:
    results = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    lines = ["| runner | stories (entries) | options | wall | CPU-s (ms/story) | peak main | peak per SDK worker "
             "| peak job service | largest file rows | load before | commit |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.get("kind") in ("keys", "group"):
            continue
        roles = r["roles"]

        def peak(role, roles=roles):
            got = roles.get(role)
            if not got:
                return "–"
            held = got.get("peak_with_swap_mb", 0)     # more than the RSS peak when swapped out
            return " / ".join(_mb(x) for x in got["peak_mb_each"]) + (
                f" ({_mb(held)} with swap)" if held > got["peak_mb"] + 1 else "")
        counts = r.get("counts") or {}
        written = counts.get("stories", 0) + counts.get("duplicates", 0)
        lfr = r.get("largest_file_rows") or {}
        lines.append(
            f"| {r['runner']} | {written:,} ({r['n']:,}) | {' '.join(r['extra']) or 'defaults'} | "
            f"{r['seconds']:,.0f} s | {r['cpu_s_all']:,.0f} ({r.get('cpu_ms_per_story', '–')}) | {peak('main')} | "
            f"{peak('sdk worker')} | {peak('job service')} | "
            f"{lfr.get('stories', {}).get('largest_rows', '–')} | {r['load_before'][0]} | {r['commit']} |"
            + ("" if r["exit"] == 0 else f" exit {r['exit']}"))
    for r in results:
        if r.get("kind") == "group":
            lines += ["", f"One partition group written by one worker (write_partition, fresh process, {r['at']}):", "",
                      "| rows in the group | peak memory | of which the group |", "|---|---|---|"]
            lines += [f"| {g['rows']:,} | {_mb(g['peak_mb'])} | {_mb(g['group_mb'])} |" for g in r["rows"]]
    for r in results:
        if r.get("kind") != "keys":
            continue
        lines += ["", f"Keyed steps at {r['n']:,} entries (whole batch graph, in process, {r['at']}):", "",
                  "| step | elements | bytes | keys | largest key | share |", "|---|---|---|---|---|---|"]
        for row in r["rows"]:
            share = "–" if row["share"] is None else f"{row['share']:.2%}"
            lines.append(f"| {row['step']} | {row['elements']:,} | {row.get('bytes', 0):,} | {row['keys']:,} | "
                         f"{row['largest']:,} | {share} |")
        total = sum(row.get("bytes", 0) for row in r["rows"])
        lines.append(f"| all keyed steps | {sum(row['elements'] for row in r['rows']):,} | {total:,} | | | |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--runner", default="multi")
    r.add_argument("--timeout", type=float, default=7200)
    r.add_argument("--bundle-mb", type=float, default=0.0,
                   help="multi only: bundles of at most this many MB of input (benchmarks/bounded_bundles.py)")
    k = sub.add_parser("keys")
    k.add_argument("--n", type=int, required=True)
    k.add_argument("--bundle-mb", type=float, default=0.0,
                   help="with --direct_running_mode=multi_processing: bundles of at most this many MB of input")
    g = sub.add_parser("group")
    g.add_argument("--rows", default="5000,25000,50000,100000")
    sub.add_parser("table")
    sub.add_parser("corpus").add_argument("--n", type=int, required=True)
    a, extra = ap.parse_known_args(argv)
    if a.cmd == "run":
        print(json.dumps(run_one(a.n, a.runner, extra, a.timeout, a.bundle_mb)), flush=True)
    elif a.cmd == "keys":
        if a.bundle_mb < 0 or (a.bundle_mb and "--direct_running_mode=multi_processing" not in extra):
            ap.error("keys --bundle-mb: a positive size, with --direct_running_mode=multi_processing")
        print(json.dumps(keys(a.n, extra, a.bundle_mb)), flush=True)
    elif a.cmd == "group":
        group_memory([int(x) for x in a.rows.split(",")])
    elif a.cmd == "corpus":
        print(json.dumps(corpus(a.n)), flush=True)
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
