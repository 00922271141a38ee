"""Services and inputs for the runner tests.

The feed generator, the table comparison and the process services live in
benchmarks/runner_services.py (benchmarks/runners.py uses them too; benchmarks never import tests)
and are re-exported here: `generate_feeds`, `table_rows`, `diff_rows`, `Service`, `leftovers`,
`job_service_and_worker_pool`, `run_cli`, `service_env`, ... Test-only helpers:
- `gcs_emulator()`: a loopback GCS emulator (gcp-storage-emulator) for Beam's gs:// FileSystem.
- `committed_files(out)`: the files a reader of the output tables would see.

Nothing here talks to anything but 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import glob
import os
from typing import Iterator, List

from benchmarks.runner_services import (AS_OF, ROOT, RUN_SPECIFIC, VENV_BIN, Service, diff_rows,
                                        free_port, generate_feeds, job_service_and_worker_pool,
                                        leftovers, run_cli, service_env, services_stopped_cleanly,
                                        table_rows, wait_for_port)

__all__ = ["AS_OF", "ROOT", "RUN_SPECIFIC", "TESTS", "VENV_BIN", "Service", "committed_files",
           "diff_rows", "free_port", "gcs_emulator", "generate_feeds", "job_service_and_worker_pool",
           "leftovers", "run_cli", "service_env", "services_stopped_cleanly", "table_rows",
           "wait_for_port"]

TESTS = ROOT / "tests"


def committed_files(out) -> List[str]:
    """Files visible in the output tables (what a reader would see)."""
    found = []
    for table in ("stories", "duplicates", "dead_letter", "runs"):
        found += glob.glob(os.path.join(str(out), table, "**", "*.*"), recursive=True)
    return sorted(found)


@contextlib.contextmanager
def gcs_emulator(bucket: str = "wirefeed-test") -> Iterator[str]:
    """A GCS emulator on 127.0.0.1 (in this process) that Beam's gs:// FileSystem talks to:
    STORAGE_EMULATOR_HOST points google-cloud-storage at it, and Beam's credential lookup
    (which would query the metadata server and retry for minutes) returns no credentials, so
    Beam builds an anonymous client. Yields the bucket name."""
    from gcp_storage_emulator.server import create_server
    from apache_beam.internal.gcp import auth
    port = free_port()
    saved_env = os.environ.get("STORAGE_EMULATOR_HOST")
    saved_auth = auth.get_service_credentials
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{port}"
    auth.get_service_credentials = lambda options: None
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=bucket)
    server.start()
    try:
        wait_for_port(port, 10)
        yield bucket
    finally:
        server.stop()
        auth.get_service_credentials = saved_auth
        if saved_env is None:
            os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else:
            os.environ["STORAGE_EMULATOR_HOST"] = saved_env
