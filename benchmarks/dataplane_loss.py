"""How often Beam's local runner drops bundle input, with and without pipeline.dataplane's guard.

    python -m benchmarks.dataplane_loss [--runs 6] [--keys 46] [--per-key 2000] [--size 5000]

Each run is a plain Beam pipeline (no wirefeed code) on the DirectRunner with
`--direct_running_mode multi_processing --direct_num_workers 2`, shaped like wirefeed's
Fingerprint step: KEYS keys grouped, each key yielding PER_KEY elements of SIZE bytes, the
result flattened and counted by two consumers. The runs alternate between Beam as it is and
Beam with `guard_data_plane()`; a run loses when a consumer counts fewer than KEYS x PER_KEY.
The race needs the stage's input to outrun gRPC's 100 MB send queue, so small inputs rarely
show it; load on the machine makes it more frequent.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD = r'''
import hashlib, sys
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
keys, per_key, size, guard, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
if guard:
    from pipeline.dataplane import guard_data_plane
    guard_data_plane()

def produce(kv):
    h = hashlib.sha256(str(kv[0]).encode())
    for i in range(per_key):
        h.update(b"x")
        yield (f"{kv[0]}-{i}", h.digest() * (size // 32))

def record(n, tag):
    with open(out, "a") as f:
        f.write(f"{tag} {n}\n")

opts = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
with beam.Pipeline(options=opts) as p:
    made = p | "Keys" >> beam.Create([(k, 1) for k in range(keys)]) | beam.GroupByKey() | beam.FlatMap(produce)
    other = p | "Other" >> beam.Create([]) | "Ident" >> beam.Map(lambda x: x)
    flat = (made, other) | beam.Flatten()
    flat | "CountA" >> beam.combiners.Count.Globally() | "A" >> beam.Map(record, "a")
    (flat | beam.Map(lambda kv: (kv[0][:2], 1)) | beam.CombinePerKey(sum) | beam.Values()
     | beam.CombineGlobally(sum) | "B" >> beam.Map(record, "b"))
'''


def one_run(keys: int, per_key: int, size: int, guard: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "counts")
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", CHILD, str(keys), str(per_key), str(size),
                               "1" if guard else "0", out], capture_output=True, text=True, timeout=1800,
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"pipeline failed: {done.stderr[-2000:]}")
        counts = dict(line.split() for line in open(out).read().splitlines())
    expected = keys * per_key
    got = [int(counts["a"]), int(counts["b"])]
    return {"guard": guard, "expected": expected, "counted": got, "lost": expected - min(got),
            "seconds": round(seconds, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=6, help="runs of each arm (alternating)")
    ap.add_argument("--keys", type=int, default=46)
    ap.add_argument("--per-key", type=int, default=2000)
    ap.add_argument("--size", type=int, default=5000, help="bytes per element")
    a = ap.parse_args(argv)
    results = []
    for i in range(a.runs):
        for guard in (False, True):
            r = one_run(a.keys, a.per_key, a.size, guard)
            results.append(r)
            print(json.dumps(r), flush=True)
    for guard in (False, True):
        arm = [r for r in results if r["guard"] is guard]
        losing = [r["lost"] for r in arm if r["lost"]]
        print(f"{'with guard' if guard else 'Beam as is'}: {len(losing)} of {len(arm)} runs lost elements"
              + (f" ({', '.join(str(x) for x in losing)} of {arm[0]['expected']:,})" if losing else ""))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
