"""`wirefeed report OUTPUT [--run-id ID]` and `wirefeed show OUTPUT STORY_OR_CLUSTER_ID`.

`pipeline.main.run` hands a command line whose first word is `report` or `show` to
`run_subcommand`; any other command line is a run (`wirefeed --feeds …` is unchanged).
Exit codes: 0 done; 1 no such OUTPUT, run or id (one line); 2 a wrong command line (one line).
"""
from __future__ import annotations

import argparse
import sys
from typing import List

from apache_beam.io.filesystems import FileSystems

from pipeline.report.show import show_cluster
from pipeline.report.tables import RunNotFound
from pipeline.report.writer import generate_report
from pipeline.runs import UsageError, check_run_id
from transforms.records import redact_text

__all__ = ["SUBCOMMANDS", "run_subcommand"]

SUBCOMMANDS = ("report", "show")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2, no usage dump
        raise UsageError(f"{self.prog}: {message}")


def _parser(command: str) -> argparse.ArgumentParser:
    if command == "report":
        p = _Parser(prog="wirefeed report", allow_abbrev=False,
                    description="Write OUTPUT/reports/RUN_ID.html again from the output's tables alone.")
        p.add_argument("output", metavar="OUTPUT", help="the output root of earlier runs")
        p.add_argument("--run-id", "--run_id", dest="run_id", metavar="ID", default=None,
                       help="the run to report (default: the latest committed run in OUTPUT/runs/)")
    else:
        p = _Parser(prog="wirefeed show", allow_abbrev=False,
                    description="One dedupe cluster in the terminal: its origin, each duplicate with what "
                                "it kept, cut and added, and the evidence of each link.")
        p.add_argument("output", metavar="OUTPUT", help="the output root")
        p.add_argument("ident", metavar="STORY_OR_CLUSTER_ID", help="a cluster id or any member's story id")
    return p


def _fail(message: str, code: int) -> int:
    print(f"wirefeed: {'error: ' if code == 2 else ''}{redact_text(message)}", file=sys.stderr)
    return code


def run_subcommand(argv: List[str]) -> int:
    """Runs `report` or `show` (argv[0]); returns the exit code."""
    command, rest = argv[0], list(argv[1:])
    try:
        args = _parser(command).parse_args(rest)
        if command == "report" and args.run_id is not None:
            check_run_id(args.run_id)
    except UsageError as e:
        return _fail(str(e), 2)
    output = args.output.rstrip("/") or "/"
    if not FileSystems.exists(output if "://" in output else output + "/"):
        return _fail(f"{command}: no output at {args.output}", 1)
    try:
        if command == "report":
            path, size = generate_report(output, args.run_id)
            print(f"wirefeed: report {path} ({size:,} bytes)")
        else:
            sys.stdout.write(show_cluster(output, args.ident))
    except RunNotFound as e:
        return _fail(f"{command}: {e}", 1)
    except Exception as e:
        return _fail(f"{command} failed: {type(e).__name__}: {' '.join(str(e).split())[:300]}", 1)
    return 0
