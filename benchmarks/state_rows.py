"""What a remembered story costs each run: a state row's bytes and CPU through Beam's coder.

    .venv/bin/python -m benchmarks.state_rows [--n 3000] [--state DIR] [--repeats 5]

Every batch run reads the whole state window back (transforms/dedupe/state.py: seven days of
rows for a seven-day window) and shuffles each row at least twice (Dedupe/JoinState and
WriteState/GroupByShard): at ten million stories a day that is the largest shuffle of the plan
(docs/scale.md). This encodes and decodes rows as a run reads them (`state.read_rows`: pyarrow's
Python values) with the coder Beam picks for them (transforms/coders.py: RecordCoder), whole
and column by column, and prints mean bytes and microseconds per row (CPU time, the best of
--repeats passes), the columns that cost most, what reading the files costs a row, and the
memory a decoded row holds (tracemalloc: what a worker holds per row of a state file it writes).

Without --state it first runs the pipeline (DirectRunner, in process) on the scale benchmark's
generated corpus of --n entries (benchmarks/scale.py: English, ~3 KB of text a story) into a
temporary folder and measures the state that run wrote.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import tracemalloc

__all__ = ["measure", "main"]


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def measure(rows, repeats: int = 5) -> dict:
    """Mean bytes, encode/decode microseconds and decoded memory per row, whole and per column."""
    from transforms.coders import RecordCoder
    coder = RecordCoder()
    n = len(rows)
    encoded = [coder.encode(r) for r in rows]
    out = {"rows": n, "bytes": sum(map(len, encoded)) / n,
           "encode_us": 1e6 * _best(lambda: [coder.encode(r) for r in rows], repeats) / n,
           "decode_us": 1e6 * _best(lambda: [coder.decode(e) for e in encoded], repeats) / n, "columns": {}}
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    decoded = [coder.decode(e) for e in encoded]
    out["decoded_bytes"] = (tracemalloc.get_traced_memory()[0] - before) / n    # Python objects a row holds
    tracemalloc.stop()
    del decoded
    for column in rows[0]:
        values = [r.get(column) for r in rows]
        enc = [coder.encode(v) for v in values]
        out["columns"][column] = {"bytes": sum(map(len, enc)) / n,
                                  "decode_us": 1e6 * _best(lambda: [coder.decode(e) for e in enc], repeats) / n}
    return out


def _state_of_a_run(n: int, work: str) -> str:
    from benchmarks import scale
    from pipeline.main import run
    made = scale.corpus(n)
    output = os.path.join(work, "out")
    with contextlib.redirect_stdout(sys.stderr):
        rc = run(["--feeds", made["opml"], "--output", output, "--run-id", "rows", "--as-of", scale.AS_OF,
                  "--no-progress"])
    if rc != 0:
        raise SystemExit(f"the pipeline exited {rc}")
    return os.path.join(output, "state")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="entries of the generated corpus (default 3000)")
    ap.add_argument("--state", help="measure this state folder instead of a fresh run's")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args(argv)
    if a.n < 1 or a.repeats < 1:
        ap.error("--n and --repeats must be positive")
    from transforms.dedupe.state import checked_generation, read_rows, state_files
    with tempfile.TemporaryDirectory(prefix="wirefeed-state-rows-") as work:
        state = a.state or _state_of_a_run(a.n, work)
        files = state_files(checked_generation(state))
        rows = [r for path in files for r in read_rows(path)]
        if not rows:
            raise SystemExit(f"no state rows under {state}")
        got = measure(rows, a.repeats)
        got["read_us"] = 1e6 * _best(lambda: [read_rows(path) for path in files], a.repeats) / len(rows)
    print(f"{got['rows']:,} state rows: {got['bytes']:,.0f} bytes a row; encode {got['encode_us']:.1f} us, "
          f"decode {got['decode_us']:.1f} us a row (RecordCoder, best of {a.repeats}); "
          f"read from Parquet (state.read_rows) {got['read_us']:.1f} us a row; "
          f"{got['decoded_bytes'] / 1024:.1f} KB of Python objects a decoded row")
    print("columns by bytes:  " + ", ".join(f"{c} {v['bytes']:,.0f}" for c, v in sorted(
        got["columns"].items(), key=lambda kv: -kv[1]["bytes"])[:8]))
    print("columns by decode: " + ", ".join(f"{c} {v['decode_us']:.1f} us" for c, v in sorted(
        got["columns"].items(), key=lambda kv: -kv[1]["decode_us"])[:8]))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(got, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
