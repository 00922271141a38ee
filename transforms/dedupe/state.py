"""Cross-run state: the stories of the last N days and the feeds' HTTP validators.

Layout under the state folder (any FileSystems path):
    CURRENT                         names the current generation, e.g. "gen-20261128T0600Z-ab12cd"
    gen-RUN_ID/stories-*.parquet    one row per story seen in the window (STATE_SCHEMA)
    gen-RUN_ID/validators.jsonl     {"feed", "etag", "last_modified"} per feed (its URL redacted)
    deltas/RUN_ID-UNIT.parquet      rows a stream committed since (one file per committed unit)
A batch run reads the generation CURRENT names plus the deltas and writes a whole new
generation, staged with its outputs; the commit moves it into place, rewrites CURRENT (write new
state, then swap) and only then removes the deltas it folded in. A stream reads the same
(`remembered_rows`) when it starts and commits a delta with every unit of output
(transforms/write/units.py), so stream and batch remember the same stories.
"""
from __future__ import annotations

import datetime as _dt
import json
import zlib
from typing import List, Optional

import apache_beam as beam
import numpy as np
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from transforms.dedupe.candidates import Fingerprint, pack_keys, unpack_keys
from transforms.provenance.alignment import pack_token_arrays, pack_tokens, unpack_tokens
from transforms.records import redact_text, redact_url
from transforms.write.commit import manifest_problem
from transforms.write.partitioned import PartitionWritten, join, shard_count, staging_root

CURRENT = "CURRENT"
# A generation is ceil(rows / this) files: no worker holds more rows of it, writing (one
# WriteState/GroupByShard value, sorted) or reading (read_rows). A state row decoded in a worker
# is ~40 KB of Python objects (its sketch, keys, sentence and word hashes are lists of ints:
# benchmarks/worker_caches.py state), so 10,000 rows are ~400 MB (50,000 were ~2 GB).
STATE_ROWS_PER_FILE = 10_000
STATE_SCHEMA = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("root_key", pa.string(), nullable=False),
    pa.field("seen_at", pa.timestamp("us", tz="UTC")),
    pa.field("content_key", pa.string()),
    pa.field("feed_agency", pa.string()),
    pa.field("n_shingles", pa.int32()),
    pa.field("sketch", pa.list_(pa.uint32())),
    pa.field("keys", pa.list_(pa.int64())),
    pa.field("language", pa.string()),      # null in generations written before streams read state
    # Provenance (transforms/provenance/alignment.py state_columns): what a later reprint is
    # measured against. Null in generations written before them (their stories are not measured).
    pa.field("title", pa.string()),
    pa.field("published", pa.timestamp("us", tz="UTC")),
    pa.field("source_name", pa.string()),
    pa.field("agencies", pa.list_(pa.string())),
    pa.field("credit", pa.string()),
    pa.field("sentences", pa.list_(pa.int64())),            # normalised-sentence hashes, in order
    pa.field("sentence_tokens", pa.list_(pa.list_(pa.uint32()))),  # each sentence's word hashes
    pa.field("lead_sentences", pa.int32()),                 # sentences of the first paragraph
    pa.field("boilerplate", pa.list_(pa.int64())),          # hashes of its boilerplate sentences
    # Versions (dedupe/versions.py; null in generations written before them): the identity, the
    # version and its chain's first version, and what the slug and stale rules compare.
    pa.field("guid", pa.string()),
    pa.field("canonical_url", pa.string()),
    pa.field("version", pa.int32()),
    pa.field("version_of", pa.string()),
    pa.field("version_title", pa.string()),
    pa.field("version_feed", pa.string()),
    pa.field("version_published", pa.timestamp("us", tz="UTC")),
    pa.field("version_sentences", pa.list_(pa.uint32())),
    pa.field("identity_id", pa.string()),   # a new version of an identity: that identity's id
])
PROVENANCE_COLUMNS = ("title", "published", "source_name", "agencies", "credit", "sentences", "sentence_tokens",
                      "lead_sentences", "boilerplate")
DELTAS = "deltas"


class StateDamaged(Exception):
    """The cross-run state is not what its last commit wrote (one line, with the remedy)."""


def read_current(state_dir: str) -> Optional[str]:
    """The current generation's folder, or None for a first run."""
    path = join(state_dir, CURRENT)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as f:
        name = f.read().decode("utf-8").strip()
    return join(state_dir, name) if name else None


def checked_generation(state_dir: str) -> Optional[str]:
    """`read_current(state_dir)`, after checking that the generation is whole: every file its
    manifest lists is there with its size and checksum (a generation from before manifests:
    every state file reads as Parquet). Raises StateDamaged: a damaged state is never silently
    replaced, since stories it remembers would be written again."""
    remedy = (f"restore {state_dir} from a backup, or run with --reset-state to start a new state "
              "(stories already written may then be written again)")
    try:
        generation = read_current(state_dir)
    except Exception as e:
        raise StateDamaged(f"the cross-run state cannot be read: {type(e).__name__} "
                           f"({join(state_dir, CURRENT)}); {remedy}") from None
    if generation is None:
        if FileSystems.exists(join(state_dir, CURRENT)):
            raise StateDamaged(f"the cross-run state names no generation ({join(state_dir, CURRENT)} "
                               f"is empty); {remedy}")
        return None
    try:
        problem = manifest_problem(generation)
    except FileNotFoundError:
        problem = _legacy_problem(generation)
    if problem:
        raise StateDamaged(f"the cross-run state generation {generation} is damaged: {problem}; {remedy}")
    return generation


def _legacy_problem(generation: str) -> Optional[str]:
    """A generation written before manifests: it must exist and its Parquet files must read."""
    import pyarrow.parquet as pq
    files = state_files(generation)
    if not files and not FileSystems.exists(join(generation, "validators.jsonl")):
        return f"the generation is missing ({generation})"
    for path in files:
        try:
            with FileSystems.open(path) as f:
                pq.read_metadata(pa.PythonFile(f, mode="r"))
        except Exception as e:
            return f"a file does not read as Parquet: {type(e).__name__} ({path})"
    return None


def state_files(generation: Optional[str]) -> List[str]:
    if not generation:
        return []
    try:
        found = FileSystems.match([join(generation, "stories-*.parquet")])[0].metadata_list
    except Exception:
        return []
    return sorted(m.path for m in found)


def delta_files(state_dir: Optional[str]) -> List[str]:
    """The stream deltas committed since the current generation, oldest first by name."""
    if not state_dir:
        return []
    try:
        found = FileSystems.match([join(state_dir, DELTAS, "*.parquet")])[0].metadata_list
    except Exception:
        return []
    return sorted(m.path for m in found)


def read_rows(path: str) -> List[dict]:
    """The rows of one state file (a generation's shard or a delta), compact (compact_rows)."""
    import pyarrow.parquet as pq
    with FileSystems.open(path) as f:
        return compact_rows(pq.read_table(pa.PythonFile(f, mode="r")))


def compact_rows(table: pa.Table) -> List[dict]:
    """A state table's rows as a run carries them (compact_row), the packed columns taken from
    the Arrow buffers without a Python int per value; every other column as pyarrow gives it."""
    compact = [c for c in ("sketch", "keys", "sentence_tokens") if c in table.column_names]
    rows = table.drop_columns(compact).to_pylist() if compact else table.to_pylist()
    if "sketch" in compact:
        for row, value in zip(rows, _arrays(table.column("sketch"), np.uint32)):
            row["sketch"] = value
    if "keys" in compact:
        for row, value in zip(rows, _arrays(table.column("keys"), np.int64)):
            row["keys"] = None if value is None else pack_keys(value.tolist())
    if "sentence_tokens" in compact:
        for row, value in zip(rows, _packed_token_lists(table.column("sentence_tokens"))):
            row["sentence_tokens"] = value
    return rows


def _arrays(column, dtype):
    for chunk in column.chunks:
        offsets = chunk.offsets.to_numpy()
        values = chunk.values.to_numpy(zero_copy_only=False).astype(dtype, copy=False)
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        for i in range(len(chunk)):
            yield values[offsets[i]:offsets[i + 1]].copy() if valid[i] else None


def _packed_token_lists(column):
    for chunk in column.chunks:
        outer = chunk.offsets.to_numpy()
        inner = chunk.values.offsets.to_numpy()
        flat = chunk.values.values.to_numpy(zero_copy_only=False).astype(np.uint32, copy=False)
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        for i in range(len(chunk)):
            if not valid[i]:
                yield None
                continue
            bounds = inner[outer[i]:outer[i + 1] + 1]
            yield pack_token_arrays(np.diff(bounds), flat[bounds[0]:bounds[-1]])


def compact_row(row: dict) -> dict:
    """A state row as a run carries it, in place (idempotent): the sketch a uint32 array
    (RecordCoder: raw bytes), the keys packed (candidates.pack_keys: 6 bytes a key), the
    sentence tokens packed (provenance.pack_tokens). A row crosses two shuffles a run
    (Dedupe/JoinState, WriteState/GroupByShard) and is read back by every run of its window: as
    lists of Python ints it was 6.5 KB in a shuffle and 41 KB of objects decoded
    (benchmarks/state_rows.py). parquet_row gives back what STATE_SCHEMA takes."""
    sketch = row.get("sketch")
    if sketch is not None and not isinstance(sketch, np.ndarray):
        row["sketch"] = np.asarray(sketch, dtype=np.uint32)
    keys = row.get("keys")
    if keys is not None and not isinstance(keys, bytes):
        row["keys"] = pack_keys(keys)
    tokens = row.get("sentence_tokens")
    if tokens is not None and not isinstance(tokens, bytes):
        row["sentence_tokens"] = pack_tokens(tokens)
    return row


def parquet_row(row: dict) -> dict:
    """A compact state row as STATE_SCHEMA takes it (a copy): the packed columns as lists again
    (pyarrow takes the sketch array as it is)."""
    out = dict(row)
    if isinstance(out.get("keys"), bytes):
        out["keys"] = unpack_keys(out["keys"])
    if isinstance(out.get("sentence_tokens"), bytes):
        out["sentence_tokens"] = unpack_tokens(out["sentence_tokens"])
    return out


def newest_row(rows) -> Optional[dict]:
    """Of several rows of one story (a generation's and deltas'), the one seen last."""
    best = None
    for row in rows:
        newer = row["seen_at"] is not None and (best is None or best["seen_at"] is None
                                                or row["seen_at"] > best["seen_at"])
        if best is None or newer:
            best = row
    return best


def remembered_rows(state_dir: Optional[str], as_of: Optional[_dt.datetime] = None,
                    window_days: Optional[float] = None) -> dict:
    """story_id -> its newest row, over the current generation and the deltas after it (what a
    stream remembers when it starts); rows outside the window at `as_of` are left out. Raises
    StateDamaged as `checked_generation` does."""
    if not state_dir:
        return {}
    generation = checked_generation(state_dir)
    rows: dict = {}
    for path in state_files(generation) + delta_files(state_dir):
        for row in read_rows(path):
            if as_of is not None and window_days is not None and not in_window(row, as_of, window_days):
                continue
            old = rows.get(row["story_id"])
            rows[row["story_id"]] = row if old is None else newest_row((old, row))
    return rows


def in_window(row: dict, as_of: _dt.datetime, window_days: float) -> bool:
    """A remembered row still inside the dedupe window at `as_of` (an older one is forgotten:
    its story would be new again)."""
    return row["seen_at"] is not None and row["seen_at"] >= as_of - _dt.timedelta(days=window_days)


def frozen_root(label: str) -> str:
    """A root label as remembered: prefix '0' so an earlier run's canonical story wins (a stream's
    label of a new version, led by '2', too)."""
    return "0|" + label.split("|", 1)[1] if label.startswith(("1|", "2|")) else label


def redacted_row(row: dict) -> dict:
    """A state row as written: the feed URL inside its root key (an order key) redacted, so a
    feed's credentials never reach the state folder (issue 19). Rows of older generations pass
    here too."""
    key = row["root_key"]
    redacted = "|".join(redact_url(part) for part in key.split("|")) if "://" in key else key
    name = row.get("source_name")
    if name and ("://" in name or "=" in name) and redact_text(name) != name:
        row = dict(row, source_name=redact_text(name))      # a feed's URL when it has no title
    return row if redacted == key else dict(row, root_key=redacted)


def state_row(fp: Fingerprint, root_label: str, seen_at: _dt.datetime, language: Optional[str] = None) -> dict:
    """A new story's state row (its provenance columns are added by transforms/provenance's
    Provenance, which measures the story anyway)."""
    from transforms.dedupe.fingerprint import sketch
    return {"story_id": fp.story_id, "root_key": frozen_root(root_label), "seen_at": seen_at,
            "content_key": fp.content_key, "feed_agency": fp.feed_agency,
            "n_shingles": fp.n_shingles, "sketch": sketch(fp.shingles).tolist(), "keys": list(fp.keys),
            "language": language}


def row_fingerprint(row: dict) -> Fingerprint:
    return Fingerprint(story_id=row["story_id"], label=row["root_key"],
                       shingles=np.asarray(row["sketch"] if row["sketch"] is not None else [], dtype=np.uint32),
                       n_shingles=int(row["n_shingles"] or 0),
                       keys=unpack_keys(row["keys"]) if row["keys"] is not None else [],
                       content_key=row["content_key"], feed_agency=row["feed_agency"], old=True)


class _ReadParquetRows(beam.DoFn):
    def process(self, path: str):
        yield from read_rows(path)


class ReadState(beam.PTransform):
    """The remembered stories (dict rows) of a generation and of the stream deltas committed
    after it (`deltas`, from `delta_files`; a story may then have several rows: Dedupe keeps
    the newest); empty on a first run."""

    def __init__(self, generation: Optional[str], deltas: Optional[List[str]] = None):
        super().__init__()
        self._files = state_files(generation) + list(deltas or ())

    def expand(self, pbegin):
        return (pbegin | "StateFiles" >> beam.Create(self._files, reshuffle=False)
                | "ReadRows" >> beam.ParDo(_ReadParquetRows()))


def read_validators(path: str):
    """(feed, {"etag", "last_modified", "at"}) pairs of a generation's validators file."""
    if not FileSystems.exists(path):
        return
    with FileSystems.open(path) as f:
        for line in f.read().decode("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                yield row["feed"], {"etag": row.get("etag"), "last_modified": row.get("last_modified"),
                                    "at": row.get("at")}


def remembered_validators(generation: Optional[str]) -> dict:
    """feed (redacted URL) -> {"etag", "last_modified"} of a generation, for a stream's first polls."""
    if not generation:
        return {}
    return {feed: {"etag": v["etag"], "last_modified": v["last_modified"]}
            for feed, v in read_validators(join(generation, "validators.jsonl"))}


class _ReadValidators(beam.DoFn):
    def process(self, path: str):
        yield from read_validators(path)


class ReadValidators(beam.PTransform):
    """(feed, {"etag", "last_modified"}) pairs of a generation, for conditional GET."""

    def __init__(self, generation: Optional[str]):
        super().__init__()
        self._paths = [join(generation, "validators.jsonl")] if generation else []

    def expand(self, pbegin):
        return (pbegin | "ValidatorFiles" >> beam.Create(self._paths, reshuffle=False)
                | "ReadValidators" >> beam.ParDo(_ReadValidators()))


class _WriteShard(beam.DoFn):
    def __init__(self, output: str, run_id: str, generation: str):
        self._output, self._run_id, self._generation = output, run_id, generation

    def process(self, element):
        import pyarrow.parquet as pq
        (shard, shards), rows = element
        rows = sorted((redacted_row(r) for r in rows), key=lambda r: r["story_id"])
        name = f"stories-{shard:05d}-of-{shards:05d}.parquet"
        staged = join(staging_root(self._output, self._run_id), "state", name)
        with FileSystems.create(staged) as raw:
            pq.write_table(pa.Table.from_pylist([parquet_row(r) for r in rows], schema=STATE_SCHEMA),
                           pa.PythonFile(raw, mode="w"),
                           compression="zstd")
        yield PartitionWritten(table="state", files=[(staged, join(self._generation, name))], rows=len(rows))


class _WriteValidators(beam.DoFn):
    """Remembered validators updated by this run's; validators older than half the dedupe
    window are dropped, so that an unchanged feed is fetched in full (and its stories' state
    rows refreshed) before they could leave the window."""

    def __init__(self, output: str, run_id: str, generation: str, as_of: _dt.datetime, max_age_days: float):
        self._output, self._run_id, self._generation = output, run_id, generation
        self._as_of = as_of.isoformat()
        self._oldest = (as_of - _dt.timedelta(days=max_age_days)).isoformat()

    def process(self, element):
        _, pairs = element
        latest = {}
        # Keyed by the redacted URL (GroupFetcher looks validators up by it too): no credentials
        # in the state folder, and a feed read back from an older generation merges with its own.
        pairs = ((redact_url(feed), ranked) for feed, ranked in pairs)
        for feed, (rank, v) in sorted(pairs, key=lambda kv: (kv[0], kv[1][0])):
            merged = dict(latest.get(feed, {}))
            merged.update({k: x for k, x in v.items() if x is not None})
            if rank == 1:
                merged["at"] = self._as_of
            latest[feed] = merged
        staged = join(staging_root(self._output, self._run_id), "state", "validators.jsonl")
        latest = {f: v for f, v in latest.items() if v.get("at", "") >= self._oldest}
        with FileSystems.create(staged) as raw:
            for feed in sorted(latest):
                raw.write((json.dumps({"feed": feed, **latest[feed]}) + "\n").encode("utf-8"))
        yield PartitionWritten(table="state_validators", files=[(staged, join(self._generation, "validators.jsonl"))],
                               rows=len(latest))


def state_shard(story_id: str, shards: int) -> tuple:
    """(shard, shards) of a state row: by a stable hash of its story id."""
    return (zlib.crc32(story_id.encode("utf-8", "replace")) % shards, shards)


class WriteState(beam.PTransform):
    """{'rows': state rows, 'validators_old', 'validators_new'} -> staged receipts of a new generation."""

    def __init__(self, output: str, run_id: str, state_dir: str, as_of: _dt.datetime, window_days: float):
        super().__init__()
        self._output, self._run_id = output, run_id
        self._generation = join(state_dir, f"gen-{run_id}")
        self._as_of, self._window_days = as_of, window_days

    def expand(self, inputs):
        per_file = STATE_ROWS_PER_FILE     # counted first, then cut like the tables (write/partitioned.py)
        rows = inputs["rows"]
        total = rows | "CountRows" >> beam.combiners.Count.Globally()
        stories = (rows
                   | "KeyByShard" >> beam.Map(
                       lambda r, n: (state_shard(r["story_id"], shard_count(n, per_file)), r),
                       n=beam.pvalue.AsSingleton(total))
                   | "GroupByShard" >> beam.GroupByKey()
                   | "WriteShard" >> beam.ParDo(_WriteShard(self._output, self._run_id, self._generation)))
        # This run's validators (rank 1) replace the remembered ones (rank 0).
        validators = ((inputs["validators_old"] | "RankOld" >> beam.MapTuple(lambda f, v: (f, (0, v))),
                       inputs["validators_new"] | "RankNew" >> beam.MapTuple(lambda f, v: (f, (1, v))))
                      | "AllValidators" >> beam.Flatten()
                      | "OneFile" >> beam.Map(lambda kv: (None, kv))
                      | "GroupValidators" >> beam.GroupByKey()
                      | "WriteValidators" >> beam.ParDo(_WriteValidators(
                          self._output, self._run_id, self._generation, self._as_of, self._window_days / 2)))
        return (stories, validators) | "StateReceipts" >> beam.Flatten()
