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
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from transforms.records import UTC, redact_url
from transforms.write import summary_path

__all__ = ["RUN_ID_MAX", "UsageError", "attempt_run_id", "check_run_id", "exit_code", "make_run_id",
           "print_summary", "read_summary", "run_header", "safe_options"]

_SECRET = re.compile(r"secret|password|token|credential|api_?key|private_key", re.I)


class UsageError(Exception):
    """A wrong command line."""


RUN_ID_MAX = 100
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_run_id(run_id: str) -> None:
    """UsageError unless `run_id` is a name: letters, digits, '.', '_', '-', starting with a
    letter or digit, no '..', at most RUN_ID_MAX characters. It names files and folders inside
    OUTPUT, so it must never be a path."""
    if not _RUN_ID.fullmatch(run_id) or ".." in run_id:
        raise UsageError(f"--run-id {run_id[:60]!r} is not a name: use letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit (it names files inside OUTPUT, never a path)")
    if len(run_id) > RUN_ID_MAX:
        raise UsageError(f"--run-id is {len(run_id)} characters long: at most {RUN_ID_MAX}")


def attempt_run_id(output: str, run_id: str) -> str:
    """`run_id`, or `run_id.N` (N = 2, 3 …) when an earlier attempt with that id already
    committed (runs/RUN_ID.json exists): a retry never replaces what an earlier attempt wrote.
    Call it while holding the output lock, after recovery. Says so on stderr when it moves on."""
    attempt, n = run_id, 1
    while FileSystems.exists(summary_path(output, attempt)):
        n += 1
        attempt = f"{run_id}.{n}"
    if attempt != run_id:
        print(f"wirefeed: run {run_id} was committed before; this attempt runs as {attempt} "
              "(the earlier attempt's output is kept)", file=sys.stderr)
    return attempt


def run_header(options: PipelineOptions, run_id: str, requested: str) -> dict:
    """The run summary's run-level fields, batch and streaming alike: run id (and the id it is
    an attempt of), start time, runner, options without secrets."""
    runner = options.view_as(StandardOptions).runner or "DirectRunner"
    header = {"run_id": run_id,
              "started_at": _dt.datetime.now(UTC).isoformat(timespec="seconds"),
              "runner": runner if isinstance(runner, str) else type(runner).__name__,
              "options": safe_options(options)}
    if run_id != requested:
        header["attempt_of"] = requested
    return header


def make_run_id(now: Optional[_dt.datetime] = None) -> str:
    now = now or _dt.datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def safe_options(options: PipelineOptions) -> dict:
    """The run's options for its summary, without any whose name says it is a secret, and with
    the credentials of every URL in a value (--feeds https://u:p@host/f?api_key=…) redacted."""
    from transforms.records import redact_text
    out = {}
    for k, v in sorted(options.get_all_options(drop_default=True).items()):
        if _SECRET.search(k):
            continue
        if isinstance(v, list):
            v = [redact_text(x) if isinstance(x, str) else x for x in v]
        elif not isinstance(v, (str, int, float, bool, type(None))):
            v = str(v)
        out[k] = redact_text(v)
    return out


def print_summary(summary: dict, output: str, stream=None) -> None:
    c = summary["counts"]
    by_outlet = sorted((summary.get("by_outlet") or {}).items(), key=lambda kv: (-kv[1]["stories"], kv[0]))
    outlets = [f"{name or '(no name)'} {o['stories']} ({o['share']:.0%} agency)" for name, o in by_outlet[:8]]
    if len(by_outlet) > 8:
        outlets.append(f"… {len(by_outlet) - 8} more")
    lines = [
        f"wirefeed run {summary['run_id']} ({summary.get('runner')})",
        f"  feeds    {c['feeds_total']} total: {c['feeds_ok']} ok, {c['feeds_not_modified']} not modified, "
        f"{c['feeds_failed']} failed",
        f"  entries  {c['entries_total']}: {c['stories']} stories, {c['duplicates']} duplicates, "
        f"{c['already_seen']} already seen, {c['entry_dead_letters']} entry dead letters",
        f"  dead letters {c['dead_letters']}",
        "  by language  " + (", ".join(f"{k} {v}" for k, v in summary["by_language"].items()) or "-"),
        "  by agency    " + (", ".join(f"{k} {v}" for k, v in summary["by_agency"].items()) or "-"),
        "  by outlet    " + (", ".join(outlets) or "-"),
        f"  output   {output}  (summary: {summary_path(output, summary['run_id'])})",
    ]
    for page, feed in summary.get("discovered_feeds") or []:
        lines.insert(-1, f"  discovered {redact_url(feed)} (from {redact_url(page)}: list it instead)")
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
