"""Entry point: `wirefeed …` and `python -m pipeline.main …`.

`run(argv)` parses wirefeed's flags (WirefeedOptions), passes every other flag to Beam untouched,
builds the graph with `pipeline.build.build` and runs it. Exit codes, for schedulers:
  0  the run succeeded (feeds that failed are dead letters, not a failed run)
  1  the run failed, or every feed failed
  2  the command line is wrong (one-line message, no traceback)
  3  --fail-on-dead-letters and the run wrote dead letters
"""
from __future__ import annotations

import argparse
import datetime as _dt
import logging
import re
import sys
from typing import List, Optional

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TestOptions

from pipeline.build import build
from pipeline.dataplane import guard_data_plane
from pipeline.report import SUBCOMMANDS, ProgressDisplay, progress_wanted, run_subcommand, write_run_report
from pipeline.runs import (UsageError, attempt_run_id, check_run_id, exit_code, make_run_id, print_summary,
                          read_summary, run_header)
from pipeline.options import FORMATS, WirefeedOptions
from pipeline.streaming import run_streaming
from transforms.read import is_url, match_paths
from transforms.records import UTC, redact_text
from transforms.write.commit import LockHeld, acquire_lock, join, recover, release_lock
from transforms.dedupe import StateDamaged, checked_generation

EXAMPLES = """examples:
  wirefeed --feeds examples/feeds.opml --output ./out
  wirefeed --feeds feeds.txt --feeds 'archive/*.xml' --output ./out --format parquet,jsonl
  wirefeed --feeds gs://b/feeds.opml --output gs://b/wirefeed --runner DataflowRunner \\
      --project P --region us-central1 --temp_location gs://b/tmp --setup_file ./setup.py
Every flag not listed here is passed to Apache Beam (--runner, --direct_num_workers, ...)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2, no usage dump
        raise UsageError(message)


def make_parser() -> argparse.ArgumentParser:
    """wirefeed's own flags; no abbreviations (`--shard` is not `--shards`)."""
    parser = _Parser(prog="wirefeed", description="Turn news feeds into clean, deduplicated, "
                     "enriched, partitioned stories.", epilog=EXAMPLES, allow_abbrev=False,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    WirefeedOptions._add_argparse_args(parser)
    return parser


def _option_classes(cls=PipelineOptions):
    for sub in cls.__subclasses__():
        yield sub
        yield from _option_classes(sub)


def beam_parser() -> argparse.ArgumentParser:
    """Every flag Apache Beam's options classes declare (the runners' included), no abbreviations:
    what is left after it and wirefeed's parser is a flag nobody knows."""
    parser = _Parser(prog="wirefeed", add_help=False, allow_abbrev=False, conflict_handler="resolve")
    for cls in set(_option_classes()):
        if cls is not WirefeedOptions:
            cls._add_argparse_args(parser)
    return parser


def _input_folder(arg: str) -> Optional[str]:
    """The folder a glob or directory argument reads, None for a single file or a URL."""
    if is_url(arg):
        return None
    if re.search(r"[*?\[]", arg):
        return re.split(r"[*?\[]", arg, maxsplit=1)[0].rsplit("/", 1)[0] or "/"
    if FileSystems.exists(arg.rstrip("/") + "/") and not _is_file(arg):
        return arg.rstrip("/")
    return None


def _is_file(path: str) -> bool:
    try:
        return len(match_paths(path)) == 1 and match_paths(path)[0] == path
    except Exception:
        return False


def _absolute(path: str) -> str:
    import os
    return path if "://" in path else os.path.abspath(path)


UPPER_BOUNDS = {   # beyond these a value is a typo, not a setting
    "shards": 10_000, "rows_per_file": 100_000_000, "max_retries": 20, "max_feed_bytes": 2_000_000_000, "max_concurrency": 1_000,
    "per_host_concurrency": 100, "fetch_timeout": 3_600, "connect_timeout": 600,
    "max_future_hours": 8_760, "dedupe_window_days": 3_650, "poll_interval": 86_400,
    "max_poll_interval": 7 * 86_400, "flush_interval": 7 * 86_400, "max_polls": 10_000_000,
    "settle_seconds": 86_400, "dedupe_shards": 4_096,
}


def validate(known: argparse.Namespace) -> None:
    """Raise UsageError with a one-line message for a command line that cannot work."""
    if known.run_id is not None:
        check_run_id(known.run_id)
    if not known.feeds:
        raise UsageError("--feeds is required (an OPML file, a URL list, feed files or a URL)")
    if not known.output:
        raise UsageError("--output is required (the folder to write the tables to)")
    formats = [f.strip() for f in known.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if not formats or bad:
        raise UsageError(f"unknown --format {known.format!r}: use parquet, jsonl or parquet,jsonl")
    known.format = ",".join(dict.fromkeys(formats))
    for name in ("shards", "rows_per_file", "max_retries", "max_feed_bytes", "max_concurrency",
                 "per_host_concurrency"):
        value = getattr(known, name)
        if value is not None and value < (0 if name == "max_retries" else 1):
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    for name in ("fetch_timeout", "connect_timeout", "max_future_hours", "dedupe_window_days"):
        if getattr(known, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    for name, high in UPPER_BOUNDS.items():
        value = getattr(known, name, None)
        if value is not None and value > high:
            raise UsageError(f"--{name.replace('_', '-')} {value:g} is too large (at most {high:g})")
    if not 0 < known.near_duplicate_threshold <= 1:
        raise UsageError("--near-duplicate-threshold must be in (0, 1]")
    if known.as_of:
        try:
            known.as_of_time = parse_time(known.as_of)
        except ValueError:
            raise UsageError(f"--as-of {known.as_of!r} is not an ISO time (e.g. 2026-11-28T06:00:00Z)")
    output = _absolute(known.output).rstrip("/")
    for arg in known.feeds:
        if is_url(arg):
            continue
        try:
            found = match_paths(arg)
        except Exception as e:
            raise UsageError(f"cannot read --feeds {arg}: {e}")
        if not found:
            raise UsageError(f"cannot read --feeds {arg}: no such file")
        folder = _input_folder(arg)
        if folder is not None:
            folder = _absolute(folder).rstrip("/")
            if output == folder or output.startswith(folder + "/"):
                raise UsageError(f"--output {known.output} is inside the input folder {folder}: "
                                 "a later run would read its own output")
        if any(_absolute(f) == output for f in found):
            raise UsageError(f"--output {known.output} is an input file")
    if _is_file(known.output):
        raise UsageError(f"--output {known.output} is a file, not a folder")


_PATH_FLAGS = ("--feeds", "--output", "--state")


def absolutise_paths(argv: List[str]) -> List[str]:
    """argv with local --feeds/--output/--state values made absolute (URLs, gs:// … untouched)."""
    import os

    def fix(value: str) -> str:
        return value if "://" in value else os.path.abspath(value)

    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0].replace("_", "-")
        if name in _PATH_FLAGS and "=" in arg:
            out.append(arg.split("=", 1)[0] + "=" + fix(arg.split("=", 1)[1]))
        elif name in _PATH_FLAGS and i + 1 < len(argv):
            out += [arg, fix(argv[i + 1])]
            i += 1
        else:
            out.append(arg)
        i += 1
    return out


def parse_time(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


UNSUPPORTED_RUNNERS = {
    "daskrunner": "Beam's DaskRunner delivers every tagged output to every tag, drops what "
                  "finish_bundle emits and runs no state, so wirefeed cannot run on it; use the "
                  "DirectRunner (--direct_running_mode=multi_processing) on one machine, or the "
                  "DataflowRunner or PortableRunner (Flink, Spark) on a cluster",
}


def check_runner(argv: List[str]) -> None:
    """UsageError for a runner wirefeed refuses (see UNSUPPORTED_RUNNERS)."""
    runner = PipelineOptions(argv).view_as(StandardOptions).runner
    name = (runner if isinstance(runner, str) else type(runner).__name__ if runner else "") or ""
    reason = UNSUPPORTED_RUNNERS.get(name.rsplit(".", 1)[-1].lower())
    if reason:
        raise UsageError(f"--runner {name} is not supported: {reason}")


def parse_args(argv: List[str]):
    """wirefeed's options, checked; raises UsageError for a flag unknown to wirefeed and to
    Beam, an abbreviation, a bad value or a runner wirefeed refuses."""
    known, rest = make_parser().parse_known_args(argv)
    _, unknown = beam_parser().parse_known_args(rest)
    if unknown:
        raise UsageError(f"unrecognised argument {unknown[0]}: neither a wirefeed flag nor an "
                         "Apache Beam one (abbreviations are not accepted; see wirefeed --help)")
    validate(known)
    check_runner(argv)
    return known


def run(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    guard_data_plane()    # the local runner runs in this process: never drop a bundle's input
    if argv and argv[0] in SUBCOMMANDS:   # wirefeed report OUTPUT … / wirefeed show OUTPUT ID
        return run_subcommand(argv)
    try:
        known = parse_args(argv)
    except UsageError as e:
        print(f"wirefeed: error: {redact_text(str(e))}", file=sys.stderr)
        return 2
    if PipelineOptions(argv).view_as(StandardOptions).streaming:  # streaming mode (docs/streaming.md)
        return run_streaming(argv, known)
    requested = known.run_id or make_run_id()
    output = _absolute(known.output).rstrip("/") or "/"
    try:
        acquire_lock(output, requested)
    except LockHeld as e:
        print(f"wirefeed: {e}", file=sys.stderr)
        return 1
    run_id = requested
    try:
        for action in recover(output):
            logging.warning("wirefeed: %s", action)
        run_id = attempt_run_id(output, requested)
        # Local paths become absolute: workers may run in another folder (portable runners).
        beam_argv = absolutise_paths(argv) + ["--run_id", run_id, "--format", known.format]
        options = PipelineOptions(beam_argv)
        opts = options.view_as(WirefeedOptions)
        header = run_header(options, run_id, requested)
        as_of = parse_time(opts.as_of) if opts.as_of else _dt.datetime.now(UTC)
        state_dir = opts.state or join(opts.output, "state")
        if opts.reset_state:
            generation = None
            print(f"wirefeed: --reset-state: starting a new cross-run state in {state_dir}", file=sys.stderr)
        else:
            generation = checked_generation(state_dir)
        p = beam.Pipeline(options=options)
        build(p, opts, run_id, header, state_dir, generation, as_of)
        with ProgressDisplay(progress_wanted(argv, opts.no_progress)):
            state = p.run().wait_until_finish()
    except StateDamaged as e:
        print(f"wirefeed: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # the run failed: nothing was committed (see transforms/write/commit.py)
        logging.exception("wirefeed: run %s failed", run_id)
        reason = redact_text(" ".join(line.strip() for line in str(e).splitlines() if line.strip()))[:600]
        print(f"wirefeed: run {run_id} failed, nothing was committed: {type(e).__name__}: {reason}",
              file=sys.stderr)
        return 1
    finally:
        release_lock(output, requested)
    if state is None and str(options.view_as(TestOptions).dry_run).lower() in ("true", "1"):
        print(f"wirefeed: run {run_id} translated (--dry_run), not submitted")
        return 0
    if str(state).split(".")[-1] not in ("DONE", "RUNNING", "PENDING"):
        print(f"wirefeed: run {run_id} ended in state {state}", file=sys.stderr)
        return 1
    summary = read_summary(opts.output, run_id)
    if summary is None:
        if str(state).endswith("DONE"):
            print(f"wirefeed: run {run_id} finished but wrote no run summary: the output is "
                  "incomplete", file=sys.stderr)
            return 1
        print(f"wirefeed: run {run_id} submitted ({state})")
        return 0
    summary = write_run_report(opts.output, run_id, summary)   # never fails the run
    print_summary(summary, opts.output)
    return exit_code(summary, opts.fail_on_dead_letters)


def main() -> None:
    logging.getLogger().setLevel(logging.WARNING)
    sys.exit(run())


if __name__ == "__main__":
    main()
