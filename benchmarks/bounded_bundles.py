"""Beam's local runner with bounded bundles, to measure an SDK worker's memory as a runner whose
bundles do not grow with the run would hold it (Dataflow's do not: a bundle is a slice of a
shuffle read, not a stage's share of the run).

    .venv/bin/python -m benchmarks.bounded_bundles --bundle-mb 32 -- <pipeline.main arguments>

The local runner (Beam's FnApiRunner behind `--direct_running_mode multi_processing` and the
local job service) cuts each fused stage's input into one bundle per SDK worker: with two workers
a bundle is half the stage, and the runner sends a bundle's whole input to its worker before it
runs it. What a worker holds at its peak therefore grows with the run (docs/scale.md: 1,936 MB at
25,000 stories, 3,411 MB at 100,000, 6,675 MB at 300,000) whatever wirefeed keeps per key.

`install(limit)` replaces `ParallelBundleManager.process_bundle` in this process with one that
cuts a stage's input into bundles of at most `limit` bytes of encoded input (a grouped input is
first cut into up to MAX_GROUP_PARTS parts by key; a part larger than the limit is a bundle of
its own) and runs them in turn, each SDK worker one bundle at a time (each thread of the pool is
pinned to one worker). What the pipeline computes is unchanged: a runner may cut bundles as it
likes. Timers (none in a batch run) go with the first bundle, as Beam's own code sends them to
its first worker. This is a measuring instrument, not part of wirefeed: `pipeline.main` runs on
Beam's runner as it is (with the data-plane guard, pipeline/dataplane.py).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import itertools
import sys
from typing import Dict, List, Sequence

__all__ = ["MAX_GROUP_PARTS", "bundles", "install", "main"]

MAX_GROUP_PARTS = 4096      # a grouped (shuffled) input is cut into at most this many parts by key


def bundles(inputs: Dict[str, Sequence[bytes]], limit: int, workers: int) -> List[Dict[str, List[bytes]]]:
    """Bundles of the chunks of each input (encoded elements, cut at element boundaries): each
    bundle names every input (an input without chunks in it gets an empty list: the worker waits
    for the end of every input), holds at most `limit` bytes unless one chunk alone is larger,
    and there are at least min(workers, chunks) of them and never none."""
    names = list(inputs)
    out: List[Dict[str, List[bytes]]] = []
    size = limit + 1                       # start a bundle at the first chunk
    for name in names:
        for chunk in inputs[name]:
            if not chunk:
                continue
            if size + len(chunk) > limit:
                out.append({n: [] for n in names})
                size = 0
            out[-1][name].append(chunk)
            size += len(chunk)
    if not out:
        return [{n: [] for n in names}]
    while len(out) < workers:              # few chunks: spread them over the workers
        largest = max(range(len(out)), key=lambda i: sum(len(c) for cs in out[i].values() for c in cs))
        pieces = [(n, c) for n in names for c in out[largest][n]]
        if len(pieces) < 2:
            break
        half = {n: [] for n in names}
        keep = {n: [] for n in names}
        for i, (n, c) in enumerate(pieces):
            (half if i % 2 else keep)[n].append(c)
        out[largest] = keep
        out.append(half)
    return out


def _chunks(buffer, workers: int) -> List[bytes]:
    """The encoded chunks of a stage input buffer (ListBuffer, GroupingBuffer)."""
    from apache_beam.runners.portability.fn_api_runner import execution
    if isinstance(buffer, execution.GroupingBuffer):
        parts = buffer.partition(max(workers, min(MAX_GROUP_PARTS, len(buffer._table) or 1)))
    elif isinstance(buffer, execution.ListBuffer):
        return [c for c in buffer if c]
    else:
        parts = buffer.partition(workers)
    return [c for part in parts for c in part if c]


class _Pinned:
    """The stage's BundleContextManager seen by a BundleManager as if it had one worker."""

    def __init__(self, context, handler):
        self._context, self.worker_handlers = context, [handler]

    def __getattr__(self, name):
        return getattr(self._context, name)


@contextlib.contextmanager
def bounded(limit: int):
    """Bounded bundles within the block (install, then Beam's own bundles again)."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    previous = fn_runner.ParallelBundleManager.process_bundle
    install(limit)
    try:
        yield
    finally:
        fn_runner.ParallelBundleManager.process_bundle = previous


def install(limit: int) -> None:
    """Bounded bundles (at most `limit` bytes of input each) for Beam's local runner in this process."""
    from apache_beam.portability.api import beam_fn_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.metrics import monitoring_infos

    def process_bundle(self, inputs, expected_outputs, fired_timers, expected_output_timers, dry_run=False):
        workers = self._num_workers
        handlers = self.bundle_context_manager.worker_handlers
        parts = bundles({name: _chunks(buf, workers) for name, buf in inputs.items()}, limit, workers)
        merged = None
        splits: list = []

        def run(lane: int):
            results = []
            context = _Pinned(self.bundle_context_manager, handlers[lane % len(handlers)])
            for i in range(lane, len(parts), workers):
                manager = fn_runner.BundleManager(context, self._progress_frequency,
                                                  cache_token_generator=self._cache_token_generator)
                results.append(manager.process_bundle(parts[i], expected_outputs,
                                                      fired_timers if i == 0 else {},
                                                      expected_output_timers, dry_run))
            return results

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            for result, split in itertools.chain.from_iterable(pool.map(run, range(min(workers, len(parts))))):
                splits += split
                if merged is None:
                    merged = result
                else:
                    merged = beam_fn_api_pb2.InstructionResponse(
                        process_bundle=beam_fn_api_pb2.ProcessBundleResponse(
                            monitoring_infos=monitoring_infos.consolidate(itertools.chain(
                                result.process_bundle.monitoring_infos, merged.process_bundle.monitoring_infos))),
                        error=result.error or merged.error)
        return merged, splits

    fn_runner.ParallelBundleManager.process_bundle = process_bundle


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle-mb", type=float, required=True, help="input bytes per bundle at most, in MB")
    a = ap.parse_args(own)
    if a.bundle_mb <= 0:
        ap.error("--bundle-mb must be positive")
    install(int(a.bundle_mb * (1 << 20)))
    from pipeline.main import run
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
