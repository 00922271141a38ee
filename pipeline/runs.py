"""What batch and streaming runs share: usage errors, run ids, summaries and exit codes.

Exit codes, for schedulers:
  0  the run succeeded (feeds that failed are dead letters, not a failed run)
  1  the run failed, or every feed failed
  2  the command line is wrong (one-line message, no traceback)
  3  --fail-on-dead-letters and the run wrote dead letters
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import secrets
import sys
from typing import Optional

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from transforms.records import UTC
from transforms.write import summary_path

__all__ = ["UsageError", "exit_code", "make_run_id", "print_summary", "read_summary", "safe_options"]

_SECRET = re.compile(r"secret|password|token|credential|api_?key|private_key", re.I)


class UsageError(Exception):
    """A wrong command line."""


def make_run_id(now: Optional[_dt.datetime] = None) -> str:
    now = now or _dt.datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def safe_options(options: PipelineOptions) -> dict:
    """The run's options for its summary, without any whose name says it is a secret."""
    out = {}
    for k, v in sorted(options.get_all_options(drop_default=True).items()):
        if _SECRET.search(k):
            continue
        out[k] = v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v)
    return out


def print_summary(summary: dict, output: str, stream=None) -> None:
    c = summary["counts"]
    lines = [
        f"wirefeed run {summary['run_id']} ({summary.get('runner')})",
        f"  feeds    {c['feeds_total']} total: {c['feeds_ok']} ok, {c['feeds_not_modified']} not modified, "
        f"{c['feeds_failed']} failed",
        f"  entries  {c['entries_total']}: {c['stories']} stories, {c['duplicates']} duplicates, "
        f"{c['already_seen']} already seen, {c['entry_dead_letters']} entry dead letters",
        f"  dead letters {c['dead_letters']}",
        "  by language  " + (", ".join(f"{k} {v}" for k, v in summary["by_language"].items()) or "-"),
        "  by agency    " + (", ".join(f"{k} {v}" for k, v in summary["by_agency"].items()) or "-"),
        f"  output   {output}  (summary: {summary_path(output, summary['run_id'])})",
    ]
    print("\n".join(lines), file=stream or sys.stdout)


def read_summary(output: str, run_id: str) -> Optional[dict]:
    path = summary_path(output, run_id)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as f:
        return json.loads(f.read().decode("utf-8"))


def exit_code(summary: dict, fail_on_dead_letters: bool) -> int:
    """The exit code a scheduler acts on, from a committed run summary (see the module doc)."""
    c = summary["counts"]
    if c["feeds_total"] and c["feeds_failed"] == c["feeds_total"]:
        print("wirefeed: every feed failed", file=sys.stderr)
        return 1
    if not c["feeds_total"]:
        print("wirefeed: no feed was read (see dead_letter/)", file=sys.stderr)
        return 1
    if fail_on_dead_letters and c["dead_letters"]:
        print(f"wirefeed: {c['dead_letters']} dead letters (--fail-on-dead-letters)", file=sys.stderr)
        return 3
    return 0
