"""A fix for Beam's local runner, which can drop part of a bundle's input without an error.

Beam's local runner (the FnApiRunner behind the DirectRunner with `--direct_running_mode
multi_processing` or `multi_threading`, and behind Beam's local job service for the portable
runner) sends each bundle's input to its SDK worker through a
`data_plane.TimeBasedBufferingClosableOutputStream`. A background thread flushes that stream every
second: it takes the buffer (`get()`), hands it to gRPC (which blocks while the send queue holds
100 MB), then empties the buffer (`_clear()`). The runner's own thread keeps writing the input
meanwhile, and nothing stops it from writing between `get()` and `_clear()`: those bytes are
cleared unsent. Chunks are whole elements, so the worker decodes the rest and reports nothing.
Measured at Beam 2.77: two 100,000-story runs on multi_processing committed 7,055 and 6,778 of
the corpus's 14,103 duplicates (one lost 2,072 of its 100,000 fingerprints between two steps);
earlier runs lost stories themselves (the commit's conservation check refused them). With the
guard: 14,103.
`tests/pipeline/test_dataplane.py` shows the race deterministically, and that Beam still has it.

`guard_data_plane()` makes a write wait while a flush is under way (the flush already holds the
stream's `_flush_lock`), in the process where the runner runs: `pipeline.main` (the local
DirectRunner) and `pipeline.job_service` (Beam's local job service). Distributed runners
(Dataflow, Flink, Spark) run their own data planes and are not touched. SDK workers' streams flush
by size on the writing thread and have no race.
"""
from __future__ import annotations

from apache_beam.runners.worker import data_plane

__all__ = ["BEAM_WRITE", "guard_data_plane", "guarded_write"]

BEAM_WRITE = data_plane.TimeBasedBufferingClosableOutputStream.write   # Beam's own, unguarded


def guarded_write(self, b, nested=False):
    """OutputStream.write, never between a flush's get() and _clear()."""
    with self._flush_lock:
        BEAM_WRITE(self, b, nested)


def guard_data_plane() -> None:
    """Installs guarded_write on Beam's time-flushed data-plane stream (idempotent)."""
    data_plane.TimeBasedBufferingClosableOutputStream.write = guarded_write
