"""One pipeline run over examples/ (fixed --as-of and --run-id, Parquet and JSON lines) shared by
the report's tests; each test that changes an output copies it first."""
import shutil

import pytest

from pipeline.main import run
from tests.support import EXAMPLES

AS_OF = "2026-11-28T06:00:00Z"
RUN_ID = "examples-1"
CLUSTER = "825758bdf13a43893af9"      # the Xinhua ocean-network story and its four reprints


def run_examples(output, run_id=RUN_ID, *extra):
    return run(["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(output), "--as-of", AS_OF,
                "--run-id", run_id, "--format", "parquet,jsonl", "--no-progress", *extra])


@pytest.fixture(scope="session")
def example_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    assert run_examples(out) == 0
    return out


@pytest.fixture
def example_copy(example_output, tmp_path):
    """A private copy of the examples output (tests that write to it)."""
    out = tmp_path / "out"
    shutil.copytree(example_output, out)
    return out
