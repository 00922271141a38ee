"""Beam's local job service with N SDK workers per job (benchmarks/scale.py's portable runs).

    python -m benchmarks.job_service --workers 2 --port P

Beam 2.77's local job service runs every job on a FnApiRunner created with one worker
(`local_job_service.BeamJob._invoke_runner`; `--direct_num_workers` is read only by the
in-process DirectRunner), so the portable path would run one SDK harness whatever the job
asks. This wrapper sets the FnApiRunner's worker count before it starts the service: each
stage's input is then split over N SDK harnesses from the external worker pool, as the
multi_processing DirectRunner does with its subprocesses. Everything else is Beam's
`local_job_service_main`, unchanged.
"""
from __future__ import annotations

import sys

from apache_beam.runners.portability import local_job_service_main
from apache_beam.runners.portability.fn_api_runner import fn_runner


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
    with_workers(workers)
    local_job_service_main.run(argv or ["--port=0"])


if __name__ == "__main__":
    main()
