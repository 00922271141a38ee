"""WritePartitioned: stories, duplicates, dead letters and the run summary, committed atomically.

One final branch:
1. every output row is keyed by (table, date, lang, shard) and grouped. The shard count of a
   partition is decided without holding it: the rows of each (table, date, lang) are counted
   first (a combiner), then a row goes to shard `row_hash % ceil(count / rows_per_file)`
   (`shard_count`, `partition_key`), so no group holds more than about `rows_per_file` rows
   however large a day and language, and a retry writes the same files; `--shards N` fixes
   the count instead;
2. `write_partition` writes each group to a staging folder `OUTPUT/.staging/RUN_ID/` in
   `process()` (never in `finish_bundle`) and yields a `PartitionWritten` receipt;
3. receipts, feed statuses and already-seen tallies are combined into one `RunSummary`;
4. `_Commit` creates the partition folders (FileSystems.mkdirs: the silent-loss trap of
   BEAM-NOTES), renames every staged file into place, then writes runs/RUN_ID.json.
A run that fails before step 4 leaves nothing in the tables; stale staging folders are
removed by `pipeline.main` before the next run.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.coders import register_record
from transforms.write.commit import commit, join, staging_root, summary_path  # noqa: F401 (re-exported)
from transforms.records import (ALREADY_SEEN, CANONICAL, DUPLICATE, UTC, ClusterEvent, DeadLetter, FeedStatus,
                                ProvenanceRow, Tally, redact_text, redact_url)
from transforms.write.schema import (EVENT_SCHEMA, PROVENANCE_SCHEMAS, STORY_SCHEMA, dead_letter_row, event_row,
                                     json_default, provenance_row, story_row)

PROVENANCE_TABLES = ("clusters", "reprints")    # transforms/provenance: Parquet only
TABLES = ("stories", "duplicates", "dead_letter") + PROVENANCE_TABLES
VERBATIM = 0.8        # a reprint keeping this share of its origin's sentences is verbatim (by_outlet)
EVENTS = "cluster_events"          # written only when a cluster changes after its rows (dedupe/events.py)
ROW_GROUP = 10_000
ROWS_PER_FILE = 25_000             # default target rows per file (--rows-per-file): ~23 MB of Parquet at ~3 KB of text a story


@dataclass
class PartitionWritten:
    """Receipt of one staged partition file set."""
    table: str
    files: List[Tuple[str, str]]                  # (staged path, final path)
    rows: int
    entry_rows: int = 0                           # dead letters of single entries
    by_language: Dict[str, int] = field(default_factory=dict)
    by_agency: Dict[str, int] = field(default_factory=dict)
    by_outlet: Dict[str, List[int]] = field(default_factory=dict)  # source_name -> [stories, agency-sourced]
    # reprints/ partitions: source_name -> [verbatim reprints, lag seconds of each reprint (None: unknown)]
    reprints_by_outlet: Dict[str, list] = field(default_factory=dict)
    flags: Dict[str, int] = field(default_factory=dict)


register_record(PartitionWritten)


def conservation_problems(c: Dict[str, int]) -> List[str]:
    """The contract's two equations, as messages for those that fail."""
    problems = []
    if c["feeds_total"] != c["feeds_ok"] + c["feeds_not_modified"] + c["feeds_failed"]:
        problems.append(f"feeds do not add up ({c['feeds_total']} != {c['feeds_ok']} ok + "
                        f"{c['feeds_not_modified']} not modified + {c['feeds_failed']} failed)")
    accounted = c["stories"] + c["duplicates"] + c["already_seen"] + c["entry_dead_letters"]
    if c["entries_total"] != accounted:
        problems.append(f"entries do not add up ({c['entries_total']} entries, {accounted} accounted for)")
    return problems


def feed_record(status: FeedStatus) -> dict:
    """One feed of the run summary's `feeds` list: how it fared (no secrets in its URL)."""
    record = {"feed": redact_url(status.location), "outcome": status.outcome, "entries": status.entries,
              "bozo": bool(status.bozo), "retries": status.retries,
              "bytes": status.bytes, "seconds": None if status.seconds is None else round(status.seconds, 3)}
    if status.permanent_redirect:
        record["permanent_redirect"] = redact_url(status.permanent_redirect)
    return record


_OUTCOME_RANK = {"failed": 2, "not_modified": 1, "ok": 0}


def merge_feed_records(target: Dict[str, dict], records: Iterable[dict]) -> None:
    """Adds feed records to `target` (keyed by feed). A batch run has one per feed; a stream
    polls a feed many times: its record then adds up entries, retries, bytes and seconds,
    counts `polls` and `failures`, and keeps the worst outcome."""
    for rec in records:
        have = target.get(rec["feed"])
        if have is None:
            target[rec["feed"]] = dict(rec)
            continue
        polls = have.get("polls", 1) + rec.get("polls", 1)
        failures = (have.get("failures", int(have["outcome"] == "failed"))
                    + rec.get("failures", int(rec["outcome"] == "failed")))
        for key in ("entries", "retries"):
            have[key] += rec[key]
        for key in ("bytes", "seconds"):
            if rec.get(key) is not None:
                have[key] = round((have.get(key) or 0) + rec[key], 3)
        have["bozo"] = have["bozo"] or rec["bozo"]
        if _OUTCOME_RANK.get(rec["outcome"], 0) > _OUTCOME_RANK.get(have["outcome"], 0):
            have["outcome"] = rec["outcome"]
        if rec.get("permanent_redirect"):
            have["permanent_redirect"] = rec["permanent_redirect"]
        have["polls"], have["failures"] = polls, failures


def partition_of(record) -> tuple[str, str, str]:
    """(table, date, lang) of an output row: a Story by its disposition, a DeadLetter or a
    ClusterEvent. The unit that `shard_count` sizes."""
    if isinstance(record, DeadLetter):
        return ("dead_letter", record.date, "")
    if isinstance(record, ClusterEvent):
        return (EVENTS, record.date, "")
    if isinstance(record, ProvenanceRow):
        return (record.table, record.date, "")
    date, lang = record.partition()
    return ("stories" if record.disposition == CANONICAL else "duplicates", date, lang)


def row_hash(record) -> int:
    """A stable 32-bit hash of an output row's identity (never of run-specific values), the
    same on every run, retry, process and runner."""
    if isinstance(record, DeadLetter):
        ident = "|".join(str(x) for x in (record.stage, record.source, record.entry, record.error))
    elif isinstance(record, ClusterEvent):
        ident = f"{record.cluster_id}|{record.event}|{record.target}|{record.story_id}"
    elif isinstance(record, ProvenanceRow):
        ident = f"{record.table}|{record.key}"
    else:
        ident = record.story_id
    return zlib.crc32(ident.encode("utf-8", "replace"))


def shard_count(rows: int, rows_per_file: int = ROWS_PER_FILE, shards: int | None = None) -> int:
    """Files for a partition of `rows` rows: `shards` when given (--shards), else
    ceil(rows / rows_per_file), at least 1. Batch and streaming units both call it."""
    if shards:
        return max(1, int(shards))
    return max(1, math.ceil(rows / max(1, int(rows_per_file))))


def partition_key(record, shards: int):
    """(table, date, lang, shard) of an output row, its partition cut into `shards` files
    (`shard_count`) by `row_hash`."""
    table, date, lang = partition_of(record)
    return (table, date, lang, row_hash(record) % shards if shards > 1 else 0)


def count_partitions(records) -> dict[tuple[str, str, str], int]:
    """Rows per (table, date, lang) of an in-memory list (a streaming unit)."""
    counts: dict[tuple[str, str, str], int] = {}
    for record in records:
        part = partition_of(record)
        counts[part] = counts.get(part, 0) + 1
    return counts


def _write_parquet(path: str, rows: Iterable[dict], schema=STORY_SCHEMA):
    import pyarrow as pa
    import pyarrow.parquet as pq
    with FileSystems.create(path) as raw:
        sink = pa.PythonFile(raw, mode="w")
        with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= ROW_GROUP:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _write_jsonl(path: str, rows: Iterable[dict]):
    with FileSystems.create(path) as raw:
        for row in rows:
            raw.write(json.dumps(row, ensure_ascii=False, default=json_default).encode("utf-8") + b"\n")


def write_partition(output: str, run_id: str, formats: Tuple[str, ...], key, records) -> PartitionWritten:
    """Writes one partition's rows to the staging folder of `run_id`; returns the receipt that
    says where each staged file goes. Shared by the batch writer and the streaming units (units.py)."""
    table, date, lang, shard = key
    name = f"part-{shard:05d}-{run_id}"
    folder = [table, f"date={date}"] + ([f"lang={lang}"] if table in ("stories", "duplicates") else [])
    staged_dir = join(staging_root(output, run_id), *folder)
    final_dir = join(output, *folder)
    if table in PROVENANCE_TABLES:
        return _write_provenance(table, name, staged_dir, final_dir, records)
    if table == "dead_letter":     # any order in, one order out: a file's bytes never depend on a runner
        records = sorted(records, key=lambda d: tuple(str(x) for x in (d.stage, d.source, d.entry, d.error, d.at,
                                                                         d.excerpt)))
    else:
        records = sorted(records, key=lambda s: s.story_id)
    receipt = PartitionWritten(table=table, files=[], rows=len(records))
    if table == EVENTS:            # a cluster change (dedupe/events.py): Parquet only
        records.sort(key=lambda e: (e.cluster_id, e.event, e.target, e.story_id))
        staged = join(staged_dir, name + ".parquet")
        _write_parquet(staged, (event_row(e) for e in records), EVENT_SCHEMA)
        receipt.files.append((staged, join(final_dir, name + ".parquet")))
        return receipt
    if table == "dead_letter":
        receipt.entry_rows = sum(1 for d in records if d.is_entry_level)
        staged = join(staged_dir, name + ".jsonl")
        _write_jsonl(staged, (dead_letter_row(d) for d in records))
        receipt.files.append((staged, join(final_dir, name + ".jsonl")))
        return receipt
    for story in records:
        story.language = lang  # the sanitised partition value, so column and folder agree
        receipt.by_language[story.language] = receipt.by_language.get(story.language, 0) + 1
        for agency in sorted(set(story.agencies) | set(story.agencies_inferred)):
            receipt.by_agency[agency] = receipt.by_agency.get(agency, 0) + 1
        outlet = receipt.by_outlet.setdefault(redact_text(story.source_name or ""), [0, 0])  # as the column
        outlet[0] += 1
        outlet[1] += int(bool(story.agencies or story.agencies_inferred))
        for flag in story.flags:
            receipt.flags[flag] = receipt.flags.get(flag, 0) + 1
    for fmt in formats:
        staged = join(staged_dir, f"{name}.{fmt}")
        writer = _write_parquet if fmt == "parquet" else _write_jsonl
        writer(staged, (story_row(s) for s in records))
        receipt.files.append((staged, join(final_dir, f"{name}.{fmt}")))
    return receipt


def _write_provenance(table: str, name: str, staged_dir: str, final_dir: str, records) -> PartitionWritten:
    """A provenance table's partition (Parquet only). Of several rows of one key (a stream's
    snapshots of a cluster in one unit) the last measured is kept."""
    newest: Dict[str, ProvenanceRow] = {}

    def rank(r: ProvenanceRow):
        return (r.row.get("updated_at") or _EPOCH, r.row.get("n_copies") or 0)
    for record in records:
        have = newest.get(record.key)
        if have is None or rank(record) >= rank(have):
            newest[record.key] = record
    rows = [provenance_row(newest[k]) for k in sorted(newest)]
    receipt = PartitionWritten(table=table, files=[], rows=len(rows))
    if table == "reprints":
        for row in rows:
            outlet = receipt.reprints_by_outlet.setdefault(row["source_name"] or "", [0, []])
            outlet[0] += int(row["kept_share"] is not None and row["kept_share"] >= VERBATIM)
            outlet[1].append(row["lag_seconds"])
    staged = join(staged_dir, name + ".parquet")
    _write_parquet(staged, rows, PROVENANCE_SCHEMAS[table])
    receipt.files.append((staged, join(final_dir, name + ".parquet")))
    return receipt


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)


class _WritePartition(beam.DoFn):
    def __init__(self, output: str, run_id: str, formats: Tuple[str, ...]):
        self._output = output
        self._run_id = run_id
        self._formats = formats

    def process(self, element):
        key, records = element
        yield write_partition(self._output, self._run_id, self._formats, key, records)


class RunSummaryFn(beam.CombineFn):
    """Receipts, feed statuses and tallies -> one summary dict (counts + files to commit)."""

    def create_accumulator(self):
        return {"counts": {"feeds_total": 0, "feeds_ok": 0, "feeds_not_modified": 0,
                           "feeds_failed": 0, "entries_total": 0, "stories": 0,
                           "duplicates": 0, "already_seen": 0, "dead_letters": 0,
                           "entry_dead_letters": 0, "bozo_feeds": 0, "fetch_retries": 0},
                "by_language": {}, "by_agency": {}, "by_outlet": {}, "reprints_by_outlet": {}, "quality": {},
                "files": [],
                "permanent_redirects": [], "discovered_feeds": [], "feeds": {}}

    @staticmethod
    def _add(target: Dict[str, int], source: Dict[str, int]):
        for k, v in source.items():
            target[k] = target.get(k, 0) + v

    @staticmethod
    def _add_outlets(target: Dict[str, List[int]], source: Dict[str, List[int]]):
        for name, (n, k) in source.items():
            counts = target.setdefault(name, [0, 0])
            counts[0] += n
            counts[1] += k

    @staticmethod
    def _add_reprints(target: Dict[str, list], source: Dict[str, list]):
        for name, (verbatim, lags) in source.items():
            have = target.setdefault(name, [0, []])
            have[0] += verbatim
            have[1].extend(lags)

    def add_input(self, acc, record):
        c = acc["counts"]
        if isinstance(record, FeedStatus):
            c["feeds_total"] += 1
            c["feeds_" + record.outcome] += 1
            c["entries_total"] += record.entries
            c["bozo_feeds"] += int(record.bozo)
            c["fetch_retries"] += record.retries
            if record.permanent_redirect:
                acc["permanent_redirects"].append([redact_url(record.location),
                                                   redact_url(record.permanent_redirect)])
            for feed in record.discovered or ():
                acc["discovered_feeds"].append([redact_url(record.location), redact_url(feed)])
            merge_feed_records(acc["feeds"], [feed_record(record)])
        elif isinstance(record, PartitionWritten):
            if record.table == "dead_letter":
                c["dead_letters"] += record.rows
                c["entry_dead_letters"] += record.entry_rows
            elif record.table == EVENTS:
                c[EVENTS] = c.get(EVENTS, 0) + record.rows
            elif record.table in PROVENANCE_TABLES:
                c[record.table] = c.get(record.table, 0) + record.rows
                self._add_reprints(acc.setdefault("reprints_by_outlet", {}), record.reprints_by_outlet)
            elif record.table in ("state", "state_validators"):
                key = "state_rows" if record.table == "state" else "state_validators"
                c[key] = c.get(key, 0) + record.rows
            else:
                c[record.table] += record.rows
                self._add(acc["by_language"], record.by_language)
                self._add(acc["by_agency"], record.by_agency)
                self._add_outlets(acc["by_outlet"], record.by_outlet)
                self._add(acc["quality"], record.flags)
            acc["files"].extend(list(f) for f in record.files)
        elif isinstance(record, Tally):
            c[record.kind] = c.get(record.kind, 0) + record.n
        return acc

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for acc in accumulators:
            self._add(merged["counts"], acc["counts"])
            for key in ("by_language", "by_agency", "quality"):
                self._add(merged[key], acc[key])
            self._add_outlets(merged["by_outlet"], acc["by_outlet"])
            self._add_reprints(merged["reprints_by_outlet"], acc.get("reprints_by_outlet", {}))
            merged["files"].extend(acc["files"])
            merged["permanent_redirects"].extend(acc["permanent_redirects"])
            merged["discovered_feeds"].extend(acc["discovered_feeds"])
            merge_feed_records(merged["feeds"], acc["feeds"].values())
        return merged

    def extract_output(self, acc):
        acc["files"].sort()
        acc["permanent_redirects"].sort()
        acc["discovered_feeds"].sort()
        for key in ("by_language", "by_agency", "quality"):
            acc[key] = dict(sorted(acc[key].items(), key=lambda kv: (-kv[1], kv[0])))
        out = dict(acc)   # by_outlet changes shape: the accumulator itself keeps [stories, agency-sourced]
        out["feeds"] = [acc["feeds"][k] for k in sorted(acc["feeds"])]
        reprints = out.pop("reprints_by_outlet", None) or {}
        out["by_outlet"] = {name: dict({"stories": n, "agency_sourced": k, "share": round(k / n, 3) if n else 0.0},
                                       **outlet_reprints(*reprints.get(name, (0, []))))
                            for name, (n, k) in sorted(acc["by_outlet"].items(), key=lambda kv: (-kv[1][0], kv[0]))}
        return out


def outlet_reprints(verbatim: int, lags: list) -> dict:
    """The provenance part of an outlet's by_outlet line: its reprints (rows of reprints/), the
    share of them keeping >= 80 % of their origin's sentences, the median lag behind the origin."""
    known = sorted(x for x in lags if x is not None)
    median = None
    if known:
        mid = len(known) // 2
        median = known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2
    return {"reprints": len(lags), "verbatim_share": round(verbatim / len(lags), 3) if lags else None,
            "median_lag_seconds": None if median is None else round(median, 1)}


def summary_record(header: dict, summary: dict, files_written: int) -> dict:
    """runs/RUN_ID.json's content: the run-level header, the finish time, the counts (batch and
    streaming alike)."""
    record = dict(header)
    record["finished_at"] = _dt.datetime.now(UTC).isoformat(timespec="seconds")
    record.update(summary)
    record["files_written"] = files_written
    return record


class _Commit(beam.DoFn):
    """Journals and applies the run's commit (transforms/write/commit.py); one element."""

    def __init__(self, output: str, run_id: str, header: dict, state_dir: Optional[str], folded=()):
        self._folded = list(folded)
        self._output = output
        self._run_id = run_id
        self._header = header
        self._state_dir = state_dir

    def process(self, summary):
        summary = copy.deepcopy(summary)   # a retried element must find its input unchanged
        problems = conservation_problems(summary["counts"])
        if problems:  # never commit output that does not add up (e.g. a runner lost rows)
            raise RuntimeError("refusing to commit run %s: %s" % (self._run_id, "; ".join(problems)))
        files = summary.pop("files")
        record = summary_record(self._header, summary, len(files))
        state = None
        if self._state_dir:
            state = {"dir": self._state_dir, "generation": f"gen-{self._run_id}", "folded": self._folded}
            record["state"] = {"path": self._state_dir, "generation": state["generation"],
                               "rows": record["counts"].pop("state_rows", 0),
                               "feeds_with_validators": record["counts"].pop("state_validators", 0)}
        folders = {join(self._output, t) for t in TABLES + ("runs",)}
        yield commit(self._output, self._run_id, files, folders, record, state)


class WritePartitioned(beam.PTransform):
    """{'stories', 'dead_letter', 'status'[, 'state_receipts', 'cluster_events', 'provenance']} ->
    committed tables + runs/RUN_ID.json.

    'state_receipts' are the staged files of the next state generation (WriteState); the commit
    moves them into `state_dir` and switches CURRENT to them.

    `header` holds the summary's run-level fields (run_id, started_at, runner, options);
    the output PCollection holds the summary dict once committed.
    """

    def __init__(self, output: str, run_id: str, formats=("parquet",), header: Optional[dict] = None,
                 shards: int | None = None, state_dir: Optional[str] = None, folded=(),
                 rows_per_file: int = ROWS_PER_FILE):
        super().__init__()
        self._state_dir = state_dir
        self._folded = tuple(folded)      # stream deltas the new generation holds: removed after the swap
        self._output = output.rstrip("/") or "/"
        self._run_id = run_id
        self._formats = tuple(formats)
        self._header = dict(header or {}, run_id=run_id)
        self._shards = max(1, int(shards)) if shards else None     # None: sized by rows_per_file
        self._rows_per_file = max(1, int(rows_per_file))

    def expand(self, inputs):
        stories, dead, status = inputs["stories"], inputs["dead_letter"], inputs["status"]
        events = inputs.get("cluster_events")
        provenance = inputs.get("provenance")     # ProvenanceRow: clusters/ and reprints/
        rows = ((stories | "NotAlreadySeen" >> beam.Filter(lambda s: s.disposition in (CANONICAL, DUPLICATE)),
                 dead) + ((events,) if events is not None else ()) + ((provenance,) if provenance is not None else ())
                | "AllRows" >> beam.Flatten())
        shards, per_file = self._shards, self._rows_per_file
        if shards:
            keyed = rows | "KeyByPartition" >> beam.Map(lambda r: (partition_key(r, shards), r))
        else:   # count each (table, date, lang) first, then cut it into ceil(count / per_file) shards
            counts = (rows | "PartitionOf" >> beam.Map(lambda r: (partition_of(r), 1))
                      | "CountPartitions" >> beam.CombinePerKey(sum))
            keyed = rows | "KeyByPartition" >> beam.Map(
                lambda r, n: (partition_key(r, shard_count(n[partition_of(r)], per_file)), r),
                n=beam.pvalue.AsDict(counts))
        written_rows = (keyed
                        | "GroupByPartition" >> beam.GroupByKey()
                        | "WritePartition" >> beam.ParDo(_WritePartition(self._output, self._run_id, self._formats)))
        seen = (stories
                | "AlreadySeen" >> beam.Filter(lambda s: s.disposition == ALREADY_SEEN)
                | "TallySeen" >> beam.Map(lambda s: Tally(ALREADY_SEEN)))
        staged_state = inputs.get("state_receipts")
        # A zero tally guarantees one summary even for an empty run, without CombineGlobally's
        # default value (injected through a side input, which some runners recompute).
        seed = stories.pipeline | "SummarySeed" >> beam.Create([Tally(ALREADY_SEEN, 0)])
        parts = (written_rows, seen, status, seed) + ((staged_state,) if staged_state is not None else ())
        return (parts
                | "SummaryInputs" >> beam.Flatten()
                | "Summarise" >> beam.CombineGlobally(RunSummaryFn()).without_defaults()
                | "Commit" >> beam.ParDo(_Commit(self._output, self._run_id, self._header,
                                                 self._state_dir if staged_state is not None else None,
                                                 self._folded)))
