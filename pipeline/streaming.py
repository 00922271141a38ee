"""Streaming mode: `wirefeed --streaming --poll-interval 300 --feeds … --output …`.

`pipeline.main.run` hands a command line with `--streaming` to `run_streaming`, which builds
the streaming graph with `build_streaming` and runs it until `--run-for` / `--max-polls` is
reached or SIGINT / SIGTERM arrives (or the file OUTPUT/.streaming/RUN_ID/STOP appears):

    state (current generation + deltas) ─► what the stream remembers at start
    Ticks ─PollFeeds─► FeedDocument ─ParseFeeds─► ─Clean─► ─Enrich─►       (the batch transforms)
          ─StreamDedupe─► ─WriteUnits─► units (rows + state delta) committed as the stream runs
                                        + runs/RUN_ID.json when it ends

A stop request stops the ticker; the pipeline then drains: the last units are committed and
the run summary is written. A second SIGINT/SIGTERM aborts at once
(nothing half-written becomes visible; the next run removes the staging folders).
See docs/streaming.md for runners and limitations.
"""
from __future__ import annotations

import json
import logging
import math
import signal
import sys
import threading
import time
from typing import List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.build import fetch_settings
from pipeline.runs import (UsageError, attempt_run_id, exit_code, make_run_id, print_summary, read_summary,
                          run_header)
from pipeline.options import WirefeedOptions
from pipeline.report import write_run_report
from transforms import Clean, Enrich, ParseFeeds
from transforms.dedupe.state import STATE_SCHEMA, StateDamaged, checked_generation, remembered_validators
from transforms.write.commit import (LockHeld, acquire_lock, delete_folder, join, recover, release_lock,
                                     summary_path, write_text_atomically)
from transforms.fetch.poll import FOREVER, PollFeeds, forget_stop, request_stop, stop_event
from transforms.read import sources_of, unique_source
from transforms.records import DeadLetter, FeedSource, redact_text
from transforms.dedupe.stream import StreamDedupe
from transforms.write.units import WriteUnits, commit_summary, empty_summary, recover_stream_summaries


def validate_streaming(known) -> None:
    """Raise UsageError for streaming flags that cannot work."""
    for name in ("poll_interval", "flush_interval"):
        if getattr(known, name) is not None and getattr(known, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    if known.run_for is not None and known.run_for <= 0:
        raise UsageError("--run-for must be positive")
    if known.max_polls is not None and known.max_polls < 1:
        raise UsageError("--max-polls must be positive")
    if getattr(known, "settle_seconds", None) is not None and known.settle_seconds < 0:
        raise UsageError("--settle-seconds must be 0 or more")
    if getattr(known, "dedupe_shards", 1) < 1:
        raise UsageError("--dedupe-shards must be positive")
    if known.max_poll_interval is not None and known.max_poll_interval < known.poll_interval:
        raise UsageError("--max-poll-interval must be at least --poll-interval")
    if getattr(known, "reset_state", False):
        raise UsageError("--reset-state works in batch runs only; run one batch with it, then stream")


def expand_sources(feed_args: Sequence[str]) -> Tuple[List[FeedSource], List[DeadLetter]]:
    """The feed list, read once at start (as ReadFeedList reads it): sources and dead letters."""
    found, dead = {}, []
    for arg in feed_args:
        for item in sources_of(arg):
            if isinstance(item, DeadLetter):
                dead.append(item)
            else:
                found.setdefault(item.location, []).append(item)
    return [unique_source(group) for _, group in sorted(found.items())], dead


def tick_count(poll_interval: float, run_for: Optional[float], max_polls: Optional[int]) -> int:
    count = max_polls if max_polls else FOREVER
    if run_for:
        count = min(count, max(1, math.ceil(run_for / poll_interval)))
    return count


def stop_file_of(output: str, run_id: str) -> str:
    return join(output, ".streaming", run_id, "STOP")


def streaming_settings(opts: WirefeedOptions) -> dict:
    max_poll = opts.max_poll_interval if opts.max_poll_interval is not None else 12 * opts.poll_interval
    return {"poll_interval": opts.poll_interval, "max_poll_interval": max_poll,
            "flush_interval": opts.flush_interval if opts.flush_interval is not None else opts.poll_interval,
            "settle_seconds": opts.settle_seconds if opts.settle_seconds is not None else opts.poll_interval,
            "dedupe_shards": opts.dedupe_shards,
            "max_polls": opts.max_polls, "run_for": opts.run_for}


def state_dir_of(opts: WirefeedOptions) -> str:
    return opts.state or join(opts.output, "state")


def build_streaming(p: beam.Pipeline, opts: WirefeedOptions, run_id: str, header: dict,
                    sources: Sequence[FeedSource], list_dead_letters: Sequence[DeadLetter] = (),
                    start: Optional[float] = None, token: str = "", stop_file: Optional[str] = None,
                    validators: Optional[dict] = None):
    """Adds the streaming graph to `p` (created with --streaming); returns the PCollection of
    the run summary, committed when the stream ends. `validators` are the state's (feed ->
    ETag/Last-Modified) for the first polls; the stream's dedupe reads the state's stories itself."""
    settings = streaming_settings(opts)
    state_dir = state_dir_of(opts)
    polled = p | "PollFeeds" >> PollFeeds(
        sources, fetch_settings(opts), opts.poll_interval, settings["max_poll_interval"], start=start,
        count=tick_count(opts.poll_interval, opts.run_for, opts.max_polls), token=token,
        stop_file=stop_file, dead_letters=list_dead_letters,
        validators=validators)
    parsed = polled["documents"] | "ParseFeeds" >> ParseFeeds()
    not_followed = parsed["discovered"] | "NotFollowed" >> beam.Map(lambda s: DeadLetter.make(   # polls listed feeds only
        "parse", s.listed_in or s.location, f"NotFollowed: {s.location}: a stream polls only the listed feeds; "
        "add it to the feed list"))
    cleaned = parsed["stories"] | "Clean" >> Clean(max_future_hours=opts.max_future_hours)
    enriched = cleaned["stories"] | "Enrich" >> Enrich(seed=opts.language_seed)
    deduped = enriched["stories"] | "StreamDedupe" >> StreamDedupe(
        window_days=opts.dedupe_window_days, threshold=opts.near_duplicate_threshold,
        state_dir=state_dir, token=run_id, shards=settings["dedupe_shards"], settle_seconds=settings["settle_seconds"])
    dead_letters = (*polled["dead_letter_parts"], parsed["dead_letter"], not_followed, cleaned["dead_letter"],
                    enriched["dead_letter"])        # each written as it comes (no Flatten: see WriteUnits)
    statuses = (polled["status"], parsed["status"]) | "FeedStatuses" >> beam.Flatten()
    return ({"decisions": deduped["decisions"], "dead_letters": dead_letters, "status": statuses,
             "tallies": polled["tallies"]}
            | "WriteUnits" >> WriteUnits(
                opts.output, run_id, formats=opts.format.split(","), shards=opts.shards,
                rows_per_file=opts.rows_per_file, header=header,
                state_dir=state_dir, state_schema=STATE_SCHEMA, flush_seconds=settings["flush_interval"]))


class _Stopper:
    """SIGINT/SIGTERM -> a graceful stop (the ticker ends, the last units are committed); the second
    signal aborts. Also stops after `run_for` seconds of wall time if the polls fall behind."""

    def __init__(self, token: str, stop_file: str, run_for: Optional[float]):
        self.token, self.stop_file = token, stop_file
        self.reason: Optional[str] = None
        self._previous = {}
        self._timer = threading.Timer(run_for + 1.0, self.stop, args=("run-for",)) if run_for else None

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        request_stop(self.token)            # this process (the FnApiRunner runs the ticker here)
        try:                                # workers elsewhere (Dataflow, Flink) watch the file
            write_text_atomically(self.stop_file, reason + "\n")
        except Exception:
            logging.warning("wirefeed: could not write the stop file %s", self.stop_file)

    def _handle(self, signum, frame):
        if self.reason is not None and self.reason.startswith("SIG"):
            self.restore()
            raise KeyboardInterrupt(f"second {signal.Signals(signum).name}: aborting")
        name = signal.Signals(signum).name
        print(f"wirefeed: {name}: stopping after the current poll; committing what is decided "
              f"(send it again to abort)", file=sys.stderr, flush=True)
        self.stop(name)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def restore(self):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def __exit__(self, *exc):
        if self._timer is not None:
            self._timer.cancel()
        self.restore()
        return False


def _finish_summary(output: str, run_id: str, header: dict, stopped_by: str) -> Optional[dict]:
    """Adds how the stream stopped to its summary; writes an empty one if the stream stopped
    before its first poll (nothing was processed, so nothing else was written)."""
    summary = read_summary(output, run_id)
    if summary is None:
        commit_summary(output, run_id, header, empty_summary())
        summary = read_summary(output, run_id)
    summary.setdefault("streaming", {})["stopped_by"] = stopped_by
    write_text_atomically(summary_path(output, run_id), json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


def run_streaming(argv: List[str], known) -> int:
    """Runs wirefeed in streaming mode; same exit codes as a batch run."""
    try:
        validate_streaming(known)
    except UsageError as e:
        print(f"wirefeed: error: {redact_text(str(e))}", file=sys.stderr)
        return 2
    requested = known.run_id or make_run_id()
    run_id = attempt_run_id(known.output, requested)      # a committed id is never reused (README)
    options = PipelineOptions(list(argv) + ["--run_id", run_id, "--format", known.format])
    opts = options.view_as(WirefeedOptions)
    header = dict(run_header(options, run_id, requested), mode="streaming",
                  streaming=streaming_settings(opts))
    try:
        acquire_lock(opts.output, run_id)
    except LockHeld as e:
        print(f"wirefeed: {e}", file=sys.stderr)
        return 1
    stop_file = stop_file_of(opts.output, run_id)
    token = f"{run_id}:{id(options)}"
    stop_event(token).clear()
    stopper = _Stopper(token, stop_file, opts.run_for)
    try:
        with stopper:      # a signal from here on stops gracefully, even before the first poll
            for action in recover(opts.output) + recover_stream_summaries(opts.output):
                logging.warning("wirefeed: %s", action)
            generation = checked_generation(state_dir_of(opts))    # a damaged state stops here, with its remedy
            sources, list_dead = expand_sources(opts.feeds)
            print(f"wirefeed: streaming run {run_id}: {len(sources)} feeds, polling every "
                  f"{opts.poll_interval:g} s, committing every {streaming_settings(opts)['flush_interval']:g} s; "
                  f"stop with SIGINT/SIGTERM "
                  f"or by creating {stop_file}", file=sys.stderr, flush=True)
            p = beam.Pipeline(options=options)
            build_streaming(p, opts, run_id, header, sources, list_dead, start=time.time(), token=token,
                            stop_file=stop_file, validators=remembered_validators(generation))
            state = p.run().wait_until_finish()
    except StateDamaged as e:
        print(f"wirefeed: {redact_text(str(e))}", file=sys.stderr)
        return 1
    except (Exception, KeyboardInterrupt) as e:
        logging.exception("wirefeed: streaming run %s failed", run_id)
        print(f"wirefeed: run {run_id} failed: {type(e).__name__}: "
              f"{redact_text(str(e).splitlines()[0]) if str(e) else ''}", file=sys.stderr)
        return 1
    finally:
        forget_stop(token)
        delete_folder(join(opts.output, ".streaming", run_id))
        release_lock(opts.output, run_id)
    if str(state).split(".")[-1] not in ("DONE", "RUNNING", "PENDING"):
        print(f"wirefeed: run {run_id} ended in state {state}", file=sys.stderr)
        return 1
    if not str(state).endswith("DONE"):          # submitted to a service (Dataflow): it runs on
        print(f"wirefeed: streaming run {run_id} submitted ({state})")
        return 0
    stopped_by = stopper.reason or ("max-polls" if opts.max_polls else "run-for" if opts.run_for else "end")
    summary = _finish_summary(opts.output, run_id, header, stopped_by)
    summary = write_run_report(opts.output, run_id, summary)   # never fails the run
    print_summary(summary, opts.output)
    return exit_code(summary, opts.fail_on_dead_letters)
