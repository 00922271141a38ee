"""Shared test helpers: paths, the shared-data skip, reading output tables back.

The package also holds the fault-injecting HTTP server (`faultserver`) and the runner services
(`runner_services`). Tests import it as `tests.support`.
"""
import contextlib
import glob
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"


def shared_path(*parts) -> pathlib.Path:
    """A path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} is absent (tests that read ../shared "
                    "run only in a checkout with ../shared beside it)")
    return path


def read_table(root, table):
    """All rows of stories/ or duplicates/ with their partition values, as dicts."""
    import pyarrow.parquet as pq
    rows = []
    for f in sorted(glob.glob(os.path.join(str(root), table, "date=*", "lang=*", "*.parquet"))):
        parts = f.split(os.sep)
        for row in pq.read_table(f).to_pylist():
            row["_date"], row["_lang"] = parts[-3][5:], parts[-2][5:]
            rows.append(row)
    return rows


def read_dead_letters(root):
    rows = []
    for f in sorted(glob.glob(os.path.join(str(root), "dead_letter", "date=*", "*.jsonl"))):
        with open(f, encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def read_summary(root):
    runs = sorted(glob.glob(os.path.join(str(root), "runs", "*.json")), key=os.path.getmtime)
    assert runs, f"no run summary under {root}/runs"
    with open(runs[-1], encoding="utf-8") as fh:
        return json.load(fh)


def assert_conserved(summary):
    c = summary["counts"]
    assert c["feeds_total"] == c["feeds_ok"] + c["feeds_not_modified"] + c["feeds_failed"], c
    assert c["entries_total"] == (c["stories"] + c["duplicates"] + c["already_seen"]
                                  + c["entry_dead_letters"]), c


@contextlib.contextmanager
def reaped(proc):
    """A child process that is killed and waited for if it still runs when the block ends
    (a failed assertion must not leave a stream polling)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
