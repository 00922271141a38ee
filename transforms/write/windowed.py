"""WindowedWrite: streaming output — per fixed event-time window, atomic files, one run summary.

    stories ─EventTime─► timestamp = published, bounded by the fetch time (and the lateness horizon)
    stories (story/duplicate) + dead letters
      ─WindowInto(FixedWindows(window), on time at the watermark, then once per late batch)
      ─GroupByKey (table, date, lang, shard)─► ─WritePane─► files, moved into the tables
    receipts + already-seen tallies + feed statuses + tallies
      ─(global window, fires when the stream ends)─► RunSummaryFn ─► runs/RUN_ID.json

Files. Each (window, pane, partition) is written by the batch writer (`partitioned.write_partition`:
one Parquet schema, sanitised partition values) into `OUTPUT/.staging/RUN_ID-wWINDOW-pPANE/`
and renamed into `OUTPUT/TABLE/date=…/lang=…/part-SHARD-RUN_ID-wWINDOW-pPANE.EXT`, so a file is
never visible half-written, its name says which window (UTC start) and pane it holds, and a
retried bundle rewrites the same names (idempotent). A run killed mid-write leaves only staging
folders, removed by the next run's recovery.

Timestamps and lateness. A story's event time is its `published` time, never later than its
fetch time. Windows fire when the watermark passes their end, then again for each batch of
late stories (a feed publishing an item with an older date, the first poll's backlog), with
DISCARDING panes: every row is written exactly once. So that nothing is ever dropped as too
late, an event time older than the element's arrival time minus `lateness` is raised to that
horizon (the row's `date=` partition still follows `published`).

The run summary has the batch contract's counts (conservation holds for what was processed) and
is written once, when the stream ends (a bounded run, a drain, SIGINT/SIGTERM).
"""
from __future__ import annotations

import datetime as _dt
import json
import posixpath
from typing import Optional

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window

from transforms.write.commit import delete_folder, join, mkdirs_quietly, staging_root, summary_path, write_text_atomically
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC
from transforms.write.partitioned import (TABLES, RunSummaryFn, Tally, partition_key, summary_record,
                                          write_partition)

DEFAULT_LATENESS = 86400.0


def event_time(story, arrival: float, window_s: float, lateness_s: float) -> float:
    """Epoch seconds: published, at most the fetch time, at least arrival - lateness + window."""
    return max(_bounded_published(story, arrival), arrival - lateness_s + window_s)


def _bounded_published(story, arrival: float) -> float:
    fetched = story.fetched_at.timestamp() if story.fetched_at else arrival
    return min(story.published.timestamp() if story.published else fetched, fetched)


class _EventTime(beam.DoFn):
    def __init__(self, window_s: float, lateness_s: float):
        self._window_s, self._lateness_s = window_s, lateness_s
        self._raised = Metrics.counter("window_write", "event_time_raised_to_horizon")

    def process(self, story, ts=beam.DoFn.TimestampParam):
        arrival = float(ts)
        when = event_time(story, arrival, self._window_s, self._lateness_s)
        if when > _bounded_published(story, arrival):
            self._raised.inc()
        yield window.TimestampedValue(story, when)


def pane_tag(win, pane) -> str:
    start = _dt.datetime.fromtimestamp(float(win.start), UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"w{start}-p{(pane.index if pane is not None else 0):03d}"


def move_into_place(staged: str, final: str) -> None:
    mkdirs_quietly(posixpath.dirname(final))
    if FileSystems.exists(final):
        FileSystems.delete([final])
    FileSystems.rename([staged], [final])


class _WritePane(beam.DoFn):
    """((table, date, lang, shard), rows) of one window pane -> files in place + a receipt."""

    def __init__(self, output: str, run_id: str, formats):
        self._output, self._run_id, self._formats = output, run_id, tuple(formats)
        self._files = Metrics.counter("window_write", "files")

    def process(self, element, win=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        pane_id = f"{self._run_id}-{pane_tag(win, pane)}"
        key, records = element
        receipt = write_partition(self._output, pane_id, self._formats, key, records)
        for staged, final in receipt.files:
            move_into_place(staged, final)
            self._files.inc()
        yield receipt
        delete_folder(staging_root(self._output, pane_id))


def commit_summary(output: str, run_id: str, header: dict, summary: dict) -> dict:
    """Writes a stream's summary (header + counts) to runs/RUN_ID.json; its files are already in
    place. Returns the record written."""
    summary = dict(summary)
    files = summary.pop("files")
    record = summary_record(header, summary, len(files))
    for folder in TABLES + ("runs",):   # every table exists, even an empty one
        mkdirs_quietly(join(output, folder))
    write_text_atomically(summary_path(output, run_id), json.dumps(record, indent=2, ensure_ascii=False))
    return record


class _CommitSummary(beam.DoFn):
    """The one summary of the stream -> runs/RUN_ID.json (the files are already in place)."""

    def __init__(self, output: str, run_id: str, header: dict):
        self._output, self._run_id, self._header = output, run_id, header

    def process(self, summary):
        yield commit_summary(self._output, self._run_id, self._header, summary)


def empty_summary() -> dict:
    fn = RunSummaryFn()
    return fn.extract_output(fn.create_accumulator())


class WindowedWrite(beam.PTransform):
    """{'stories', 'dead_letter', 'status'[, 'tallies']} -> windowed files + runs/RUN_ID.json.

    `stories` carry their disposition (StreamDedupe); their timestamps are the arrival (poll)
    times and become event times here. Returns the PCollection of the committed summary."""

    def __init__(self, output: str, run_id: str, formats=("parquet",), window_seconds: float = 300.0,
                 lateness_seconds: float = DEFAULT_LATENESS, shards: int = 1,
                 header: Optional[dict] = None):
        super().__init__()
        self._output = output.rstrip("/") or "/"
        self._run_id = run_id
        self._formats = tuple(formats)
        self._window_s = float(window_seconds)
        self._lateness_s = max(float(lateness_seconds), self._window_s)
        self._shards = max(1, int(shards))
        self._header = dict(header or {}, run_id=run_id)

    def expand(self, inputs):
        stories, dead, status = inputs["stories"], inputs["dead_letter"], inputs["status"]
        shards = self._shards
        written = (stories | "ToWrite" >> beam.Filter(lambda s: s.disposition in (CANONICAL, DUPLICATE))
                   | "EventTime" >> beam.ParDo(_EventTime(self._window_s, self._lateness_s)))
        receipts = (
            (written, dead)
            | "AllRows" >> beam.Flatten()
            | "Windows" >> beam.WindowInto(
                window.FixedWindows(self._window_s),
                trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                allowed_lateness=self._lateness_s,
                accumulation_mode=trigger.AccumulationMode.DISCARDING)
            | "KeyByPartition" >> beam.Map(lambda r: (partition_key(r, shards), r))
            | "GroupByPartition" >> beam.GroupByKey()
            | "WritePane" >> beam.ParDo(_WritePane(self._output, self._run_id, self._formats)))
        seen = (stories | "AlreadySeen" >> beam.Filter(lambda s: s.disposition == ALREADY_SEEN)
                | "TallySeen" >> beam.Map(lambda s: Tally(ALREADY_SEEN)))
        parts = {"Receipts": receipts, "Seen": seen, "Statuses": status}
        if inputs.get("tallies") is not None:
            parts["Tallies"] = inputs["tallies"]
        whole_run = tuple(  # one global window that fires once, when the stream ends
            pcoll | f"WholeRun{name}" >> beam.WindowInto(
                window.GlobalWindows(), trigger=trigger.AfterWatermark(),
                accumulation_mode=trigger.AccumulationMode.DISCARDING)
            for name, pcoll in parts.items())
        return (whole_run
                | "SummaryInputs" >> beam.Flatten()
                | "Summarise" >> beam.CombineGlobally(RunSummaryFn()).without_defaults()
                | "Commit" >> beam.ParDo(_CommitSummary(self._output, self._run_id, self._header)))
