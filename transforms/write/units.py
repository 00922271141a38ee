"""WriteUnits: streaming output committed in units while the stream runs, and one run summary.

    stories (story/duplicate) + state rows (StreamDedupe's decisions); each dead-letter source
      ─CommitUnits (every flush interval)─► one unit: partition files + a state delta, journaled
                                            and moved into place together ─► a receipt per file
    receipts + already-seen tallies + feed statuses + tallies
      ─(global window, fires when the stream ends)─► RunSummaryFn ─► runs/RUN_ID.json

A unit is what the stream decided in one flush interval (`--flush-interval`, default one poll
interval). Its rows are written by the batch writer (`partitioned.write_partition`: one Parquet
schema, sanitised partition values) into `OUTPUT/.staging/RUN_ID-uUNIT/`, with the unit's state
rows as one Parquet delta; the commit journal (`commit.commit`) then moves the files into
`OUTPUT/TABLE/date=…/lang=…/part-SHARD-RUN_ID-uUNIT.EXT`, the delta into
`STATE/deltas/RUN_ID-uUNIT.parquet`, and writes the unit record `OUTPUT/.units/RUN_ID/UNIT.json`
last. So rows and the stream's memory of them appear together, while the stream runs, and:

- a stream stopped or killed at any point leaves either nothing of a unit visible (no journal:
  the next start removes its staging folder; its stories are not in the state, so they are
  written then) or a journal that the next start finishes (`commit.recover`): every item is
  written exactly once overall;
- a unit record lists its records' ids, and a record a run already committed is skipped, so a
  retried bundle never writes a record twice, however its records are grouped into units;
- memory is one flush interval's rows, however long the stream runs.

The run summary has the batch contract's counts (conservation holds for what was processed) and
is written once, when the stream ends (a bounded run, a drain, SIGINT/SIGTERM); for a stream that
was killed, the next start writes it from the unit records (`recover_stream_summaries`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import posixpath
import threading
import time
from typing import Dict, List, Optional, Tuple

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, ClusterEvent, DeadLetter, ProvenanceRow, Story
from transforms.write.commit import (commit, join, mkdirs_quietly, read_text, staging_root, summary_path,
                                     write_text_atomically)
from transforms.write.partitioned import (ROWS_PER_FILE, TABLES, PartitionWritten, RunSummaryFn, Tally,
                                          count_partitions, partition_key, partition_of, shard_count,
                                          summary_record, write_partition)

UNITS = ".units"


def units_folder(output: str, run_id: str) -> str:
    return join(output, UNITS, run_id)


def unit_id(run_id: str, stories: List[Story], dead: List[DeadLetter], state_rows: List[dict],
            events: List[ClusterEvent] = ()) -> str:
    """A digest of what a unit holds, by its records' ids (a retried bundle gets the same id;
    two units never share one unless they hold the same records)."""
    h = hashlib.sha256(run_id.encode("utf-8"))
    for rid in sorted(record_id(r) for r in list(stories) + list(dead) + list(state_rows) + list(events)):
        h.update(rid.encode("utf-8", "replace") + b"\n")
    return h.hexdigest()[:16]


def write_delta(path: str, rows: List[dict], schema: pa.Schema) -> None:
    import pyarrow.parquet as pq
    rows = sorted(rows, key=lambda r: (r["story_id"], str(r["seen_at"])))
    with FileSystems.create(path) as raw:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), pa.PythonFile(raw, mode="w"), compression="zstd")


def commit_unit(output: str, run_id: str, formats, shards: int | None, stories: List[Story],
                dead: List[DeadLetter], state_rows: List[dict], state_dir: Optional[str],
                state_schema: Optional[pa.Schema], events: List[ClusterEvent] = (),
                rows_per_file: int = ROWS_PER_FILE) -> Tuple[List[PartitionWritten], List[str]]:
    """Writes and commits one unit (see the module docstring); returns its receipts and the
    ids of its records (`record_id`). A unit's partitions are cut into files by the batch
    writer's rule (`shard_count`: `shards` if given, else by `rows_per_file`)."""
    unit = unit_id(run_id, stories, dead, state_rows, events)
    name = f"{run_id}-u{unit}"
    partitions: Dict[tuple, list] = {}
    rows = list(stories) + list(dead) + list(events)
    counts = count_partitions(rows)
    for record in rows:
        n = shard_count(counts[partition_of(record)], rows_per_file, shards)
        partitions.setdefault(partition_key(record, n), []).append(record)
    receipts = [write_partition(output, name, formats, key, rows) for key, rows in sorted(partitions.items())]
    if state_rows and state_dir and state_schema is not None:
        staged = join(staging_root(output, name), "state", "delta.parquet")
        write_delta(staged, state_rows, state_schema)
        receipts.append(PartitionWritten(table="state", files=[(staged, join(state_dir, "deltas", name + ".parquet"))],
                                         rows=len(state_rows)))
    files = [f for r in receipts for f in r.files]
    provenance = sum(1 for e in events if isinstance(e, ProvenanceRow))
    ids = sorted(record_id(r) for r in list(stories) + list(dead) + list(state_rows) + list(events))
    record = {"run_id": run_id, "unit": unit, "ids": ids, "committed_at": _dt.datetime.now(UTC).isoformat(timespec="seconds"),
              "counts": {"stories": sum(1 for s in stories if s.disposition == CANONICAL),
                         "duplicates": sum(1 for s in stories if s.disposition == DUPLICATE),
                         "dead_letters": len(dead), "state_rows": len(state_rows),
                         "cluster_events": sum(1 for e in events if isinstance(e, ClusterEvent))},
              "files": sorted(final for _, final in files)}
    if provenance:
        record["counts"]["provenance_rows"] = provenance
    folders = {join(output, t) for t in TABLES + ("runs",)}
    commit(output, name, files, folders, record, None, record_path=join(units_folder(output, run_id), unit + ".json"))
    return receipts, ids


def record_id(record) -> str:
    """What a committed unit remembers of a record, so a record is never committed twice in a
    run (a retried bundle may group records into other units)."""
    if isinstance(record, Story):
        return "s:" + record.story_id
    if isinstance(record, ClusterEvent):
        return f"e:{record.cluster_id}|{record.event}|{record.target}|{record.story_id}"
    if isinstance(record, ProvenanceRow):
        return (f"p:{record.table}|{record.key}|{record.row.get('updated_at')}|{record.row.get('n_copies')}"
                f"|{record.row.get('origin_story_id')}")
    if isinstance(record, DeadLetter):
        return "d:" + hashlib.sha256("|".join(str(x) for x in (record.stage, record.source, record.entry,
                                                                record.error, record.at)).encode()).hexdigest()[:24]
    return f"r:{record['story_id']}|{record['seen_at']}"


class _CommitUnits(beam.DoFn):
    """Buffers what arrives and commits it as one unit once the oldest buffered record is
    `flush_seconds` old (checked on every arrival and by a background thread), and when the
    bundle ends. Records a run already committed are skipped (their ids are in the unit records),
    so a retried bundle never writes a record twice, however it is grouped.

    Not `finish_bundle` alone, nor a keyed buffer with a timer: on the local FnApiRunner the
    bundles downstream of keyed state stay open until the stream ends, and a timer there reads
    its buffer empty (both measured), which would hold every row in memory until the end."""

    def __init__(self, output: str, run_id: str, formats, shards: int | None, state_dir: Optional[str],
                 state_schema: Optional[pa.Schema], flush_seconds: float, rows_per_file: int = ROWS_PER_FILE):
        self._output, self._run_id, self._formats, self._shards = output, run_id, tuple(formats), shards
        self._rows_per_file = rows_per_file
        self._state_dir, self._state_schema = state_dir, state_schema
        self._flush_s = float(flush_seconds)
        self._units = Metrics.counter("stream_write", "units")
        self._skipped = Metrics.counter("stream_write", "already_committed")

    def setup(self):
        self._lock = threading.Lock()
        self._buffer: list = []
        self._oldest: Optional[float] = None
        self._receipts: list = []
        self._committed: set = set()
        self._read_records: set = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flush_when_due, name="wirefeed-units", daemon=True)
        self._thread.start()

    def teardown(self):
        self._stop.set()

    def _flush_when_due(self):
        while not self._stop.wait(max(0.05, self._flush_s / 4)):
            try:
                with self._lock:
                    if self._oldest is not None and time.time() - self._oldest >= self._flush_s:
                        self._flush()
            except Exception:          # the next arrival or the bundle's end retries, and raises
                logging.exception("wirefeed: committing a unit in the background failed")

    def _refresh_committed(self):
        try:
            found = FileSystems.match([join(units_folder(self._output, self._run_id), "*.json")])[0].metadata_list
        except Exception:
            found = []
        for m in found:
            if m.path not in self._read_records:
                self._committed.update(json.loads(read_text(m.path)).get("ids", ()))
                self._read_records.add(m.path)

    def _flush(self):
        """Commits the buffer (holding the lock)."""
        if not self._buffer:
            self._oldest = None
            return
        self._refresh_committed()
        records = [r for r in self._buffer if record_id(r) not in self._committed]
        self._skipped.inc(len(self._buffer) - len(records))
        if records:
            stories = [r for r in records if isinstance(r, Story)]
            dead = [r for r in records if isinstance(r, DeadLetter)]
            rows = [r for r in records if isinstance(r, dict)]
            events = [r for r in records if isinstance(r, (ClusterEvent, ProvenanceRow))]   # partitioned alike
            receipts, ids = commit_unit(self._output, self._run_id, self._formats, self._shards, stories, dead,
                                        rows, self._state_dir, self._state_schema, events, self._rows_per_file)
            self._committed.update(ids)
            self._units.inc()
            for receipt in receipts:
                if receipt.table == "state":   # counted as state rows, not as table files
                    receipt = PartitionWritten(table="state", files=[], rows=receipt.rows)
                self._receipts.append(receipt)
        self._buffer, self._oldest = [], None

    def process(self, record):
        if isinstance(record, Story) and record.disposition not in (CANONICAL, DUPLICATE):
            return                                   # already seen: counted, not written
        with self._lock:
            self._buffer.append(record)
            if self._oldest is None:
                self._oldest = time.time()
            elif time.time() - self._oldest >= self._flush_s:
                self._flush()
            receipts, self._receipts = self._receipts, []
        yield from receipts

    def finish_bundle(self):
        with self._lock:
            self._flush()
            receipts, self._receipts = self._receipts, []
        for receipt in receipts:
            yield WindowedValue(receipt, MIN_TIMESTAMP, [GlobalWindow()])


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
        summary = dict(summary)
        summary.setdefault("counts", {})
        counts = summary["counts"]
        state_rows = counts.pop("state_rows", 0)
        if state_rows:
            summary["state"] = {"deltas_rows": state_rows}
        yield commit_summary(self._output, self._run_id, self._header, summary)


def empty_summary() -> dict:
    fn = RunSummaryFn()
    return fn.extract_output(fn.create_accumulator())


def recover_stream_summaries(output: str, header_of=None) -> List[str]:
    """Writes runs/RUN_ID.json for streams that were killed before their summary (their units
    are committed): the counts of their units, `stopped_by: "killed"`. Call it under the lock."""
    actions = []
    try:
        records = FileSystems.match([join(output, UNITS, "*", "*.json")])[0].metadata_list
    except Exception:
        return actions
    by_run: Dict[str, list] = {}
    for m in records:
        by_run.setdefault(posixpath.basename(posixpath.dirname(m.path)), []).append(m.path)
    for run_id, paths in sorted(by_run.items()):
        if FileSystems.exists(summary_path(output, run_id)):
            continue
        counts: Dict[str, int] = {"stories": 0, "duplicates": 0, "dead_letters": 0, "cluster_events": 0}
        files = 0
        for path in paths:
            unit = json.loads(read_text(path))
            for key in counts:
                counts[key] += unit["counts"].get(key, 0)
            files += sum(1 for f in unit["files"] if "/deltas/" not in f)
        record = {"run_id": run_id, "mode": "streaming", "recovered": True, "units": len(paths),
                  "counts": counts, "files_written": files,
                  "streaming": {"stopped_by": "killed"},
                  "finished_at": _dt.datetime.now(UTC).isoformat(timespec="seconds")}
        write_text_atomically(summary_path(output, run_id), json.dumps(record, indent=2, ensure_ascii=False))
        actions.append(f"wrote the summary of killed stream {run_id} from its {len(paths)} committed units")
    return actions


class WriteUnits(beam.PTransform):
    """{'decisions', 'dead_letters', 'status'[, 'tallies']} -> units committed while the stream
    runs + runs/RUN_ID.json when it ends.

    `decisions` is StreamDedupe's PCollection of stories (with their disposition) and state rows
    (dicts of `state_schema`, for `STATE/deltas/`), committed in units straight from the step
    that decided them. `dead_letters` is a tuple of PCollections, each committed in its own
    units: on the local runner a Flatten holds its elements until the stream ends (measured),
    so nothing here is flattened before it is written. Returns the PCollection of the committed
    summary."""

    def __init__(self, output: str, run_id: str, formats=("parquet",), shards: int | None = None,
                 header: Optional[dict] = None, state_dir: Optional[str] = None,
                 state_schema: Optional[pa.Schema] = None, flush_seconds: float = 300.0,
                 rows_per_file: int = ROWS_PER_FILE):
        super().__init__()
        self._flush_s = float(flush_seconds)
        self._output = output.rstrip("/") or "/"
        self._run_id = run_id
        self._formats = tuple(formats)
        self._shards = max(1, int(shards)) if shards else None     # None: sized by rows_per_file
        self._rows_per_file = max(1, int(rows_per_file))
        self._header = dict(header or {}, run_id=run_id)
        self._state_dir, self._state_schema = state_dir, state_schema

    def expand(self, inputs):
        decisions, status = inputs["decisions"], inputs["status"]
        dead = inputs.get("dead_letters") or ()
        dead = tuple(dead) if isinstance(dead, (tuple, list)) else (dead,)

        def committer():
            return _CommitUnits(self._output, self._run_id, self._formats, self._shards, self._state_dir,
                                self._state_schema, self._flush_s, self._rows_per_file)
        receipts = [decisions | "CommitUnits" >> beam.ParDo(committer())]
        receipts += [d | f"CommitDeadLetters{i}" >> beam.ParDo(committer()) for i, d in enumerate(dead)]
        seen = (decisions
                | "AlreadySeen" >> beam.Filter(lambda s: isinstance(s, Story) and s.disposition == ALREADY_SEEN)
                | "TallySeen" >> beam.Map(lambda s: Tally(ALREADY_SEEN)))
        parts = {f"Receipts{i}": r for i, r in enumerate(receipts)}
        parts.update({"Seen": seen, "Statuses": status})
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
