"""Beam's local job service for the portable runner, with the data-plane fix and N SDK workers.

    python -m pipeline.job_service --port 8099 [--workers 2]

Beam's `local_job_service_main` runs each job on a local FnApiRunner in its own process, whose
data plane can drop part of a bundle's input (pipeline/dataplane.py): this entry point installs
`guard_data_plane()` first. Use it wherever Beam's own would serve (`--runner=PortableRunner
--job_endpoint=localhost:8099 --environment_type=EXTERNAL --environment_config=POOL`).

Beam 2.77's local job service runs every job on a FnApiRunner created with one worker
(`local_job_service.BeamJob._invoke_runner`; `--direct_num_workers` is read only by the
in-process DirectRunner), so the portable path would run one SDK harness whatever the job
asks. `--workers N` sets the FnApiRunner's worker count before it starts the service: each
stage's input is then split over N SDK harnesses from the external worker pool, as the
multi_processing DirectRunner does with its subprocesses. Everything else is Beam's
`local_job_service_main`, unchanged.
"""
from __future__ import annotations

import sys

from apache_beam.runners.portability import local_job_service_main
from apache_beam.runners.portability.fn_api_runner import fn_runner

from pipeline.dataplane import guard_data_plane


def with_workers(n: int) -> None:
    """Every FnApiRunner created from now on splits its stages over `n` workers."""
    init = fn_runner.FnApiRunner.__init__

    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._num_workers = n

    fn_runner.FnApiRunner.__init__ = patched


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    workers = 1
    if "--workers" in argv:
        i = argv.index("--workers")
        workers = int(argv[i + 1])
        del argv[i:i + 2]
    guard_data_plane()
    if workers > 1:
        with_workers(workers)
    local_job_service_main.run(argv or ["--port=0"])


if __name__ == "__main__":
    main()
