"""Which stage raises an SDK worker's peak memory: one `pipeline.main` run in this process with
the FnApiRunner's stage starts logged with their times, and the run's SDK worker processes'
VmHWM / VmRSS read every 0.2 s; at the end, each stage that raised a worker's high-water mark
by 30 MB or more.

    .venv/bin/python -m benchmarks.stage_memory bench-out/stage-run/n25000 \\
        --feeds bench-out/scale-corpus/n25000/feeds.opml --output bench-out/stage-run/out \\
        --run-id scale --as-of 2026-11-21T06:00:00Z --no-progress --rows-per-file 5000 \\
        --direct_num_workers=2 --direct_running_mode=multi_processing

The first argument is a path prefix: PREFIX.stages and PREFIX.rss keep the raw readings (the
corpus comes from `python -m benchmarks.scale run --n N`, which generates it).
"""
from __future__ import annotations

import collections
import logging
import os
import re
import sys
import threading
import time

MARK = "WIREFEED_STAGE_PROBE"


def _sample(path: str, mark: str, halt: threading.Event) -> None:
    """Appends 'time pid hwm_kb rss_kb' for every SDK worker of this run (it inherits MARK)."""
    with open(path, "w", encoding="utf-8") as out:
        while not halt.is_set():
            for e in os.listdir("/proc"):
                if not e.isdigit():
                    continue
                try:
                    with open(f"/proc/{e}/cmdline", "rb") as f:
                        cmd = f.read()
                    if not cmd.startswith((b"python", b"/")) or b"sdk_worker_main" not in cmd or cmd.startswith(b"/bin/sh"):
                        continue
                    with open(f"/proc/{e}/environ", "rb") as f:
                        if f"{MARK}={mark}".encode() not in f.read().split(b"\0"):
                            continue
                    values = {}
                    with open(f"/proc/{e}/status", encoding="utf-8") as f:
                        for line in f:
                            if line.startswith(("VmHWM:", "VmRSS:")):
                                values[line[:5]] = line.split()[1]
                    out.write(f"{time.time():.2f} {e} {values.get('VmHWM', 0)} {values.get('VmRSS', 0)}\n")
                except OSError:
                    continue
            out.flush()
            halt.wait(0.2)


def report(prefix: str, min_mb: float = 30.0) -> None:
    stages = []
    with open(prefix + ".stages", encoding="utf-8") as f:
        for line in f:
            t, name = line.rstrip("\n").split(" ", 1)
            stages.append((float(t), name))
    readings = collections.defaultdict(list)
    with open(prefix + ".rss", encoding="utf-8") as f:
        for line in f:
            t, pid, hwm, rss = line.split()
            readings[pid].append((float(t), int(hwm) / 1024, int(rss) / 1024))
    for pid, xs in sorted(readings.items()):
        print(f"SDK worker {pid}: peak {xs[-1][1]:,.0f} MB")
        for i, (t0, name) in enumerate(stages):
            t1 = stages[i + 1][0] if i + 1 < len(stages) else float("inf")
            inside = [x for x in xs if t0 <= x[0] < t1]
            if not inside or inside[-1][1] - inside[0][1] < min_mb:
                continue
            label = (re.findall(r"\(([A-Za-z][\w/\-]+?)/(?:Read|Write)", name) or [name[:60]])[0]
            print(f"  +{inside[-1][1] - inside[0][1]:5,.0f} MB  ({inside[0][1]:,.0f} -> {inside[-1][1]:,.0f})  {label}")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    prefix, args = argv[0], argv[1:]
    mark = str(os.getpid())
    os.environ[MARK] = mark                        # the SDK workers inherit it
    stages = open(prefix + ".stages", "w", encoding="utf-8")

    class _Stages(logging.Handler):
        def emit(self, record):
            msg = record.getMessage()
            if msg.startswith("Running bundle for stage "):
                stages.write(f"{time.time():.2f} {msg.splitlines()[0][25:400]}\n")
                stages.flush()

    import apache_beam.runners.portability.fn_api_runner.fn_runner as fn_runner
    fn_runner._BUNDLE_LOGGER.setLevel(logging.DEBUG)     # noqa  (Beam's logger of bundle starts)
    fn_runner._BUNDLE_LOGGER.addHandler(_Stages())
    fn_runner._BUNDLE_LOGGER.propagate = False
    halt = threading.Event()
    sampler = threading.Thread(target=_sample, args=(prefix + ".rss", mark, halt), daemon=True)
    sampler.start()
    sys.argv = ["pipeline.main", *args]
    from pipeline import main as wirefeed
    logging.getLogger().setLevel(logging.WARNING)
    try:
        code = wirefeed.run()
    finally:
        halt.set()
        sampler.join()
        stages.close()
    report(prefix)
    return code


if __name__ == "__main__":
    sys.exit(main())
