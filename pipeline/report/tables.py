"""Reading a run back from its output: the summary, its rows, earlier runs.

Everything the report and `wirefeed show` need comes from the committed output alone —
runs/RUN_ID.json, the run's files in stories/, duplicates/, dead_letter/, clusters/ and
reprints/ — through Beam's
FileSystems, so local paths, gs:// and s3:// read alike. A run's files are the ones whose name
carries its id (`part-SHARD-RUN_ID.EXT`, streaming `part-SHARD-RUN_ID-wWINDOW-pPANE.EXT`);
Parquet is read when a part has both formats, JSON lines otherwise.
"""
from __future__ import annotations

import datetime as _dt
import gzip
import json
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence

from apache_beam.io.filesystems import FileSystems

from transforms.write import join, summary_path

__all__ = ["CLUSTER_COLUMNS", "REPORT_COLUMNS", "REPRINT_COLUMNS", "RunRows", "RunNotFound", "cluster_rows", "latest_run_id", "list_runs",
           "provenance_rows", "read_dead_letters", "read_history", "read_run", "read_summary_file", "run_files"]

# The story columns the report reads (text is read only by `wirefeed show`).
REPORT_COLUMNS = ("story_id", "cluster_id", "duplicate_of", "similarity", "source_name", "title", "published")
OPTIONAL_COLUMNS = ("link_rule", "containment")   # shown when another step writes them
# The provenance columns the report and `wirefeed show` read (clusters/ and reprints/).
CLUSTER_COLUMNS = ("cluster_id", "origin_story_id", "origin_agency", "origin_source_name", "n_outlets",
                   "n_copies", "headlines")
REPRINT_COLUMNS = ("story_id", "cluster_id", "origin_story_id", "lag_seconds", "origin_sentences",
                   "sentences_kept", "kept_share", "lead_only", "sentences_added", "first_added_sentence",
                   "headline_changed", "credit_change", "boilerplate_removed")


class RunNotFound(LookupError):
    """No committed run (or no run with that id) in an output root."""


@dataclass
class RunRows:
    """One committed run as the report sees it."""
    summary: dict
    stories: List[dict] = field(default_factory=list)       # canonical rows written by the run
    duplicates: List[dict] = field(default_factory=list)    # duplicate rows written by the run
    dead_letters: List[dict] = field(default_factory=list)
    clusters: List[dict] = field(default_factory=list)      # clusters/ rows of the run (provenance)
    reprints: List[dict] = field(default_factory=list)      # reprints/ rows of the run (provenance)
    history: List[dict] = field(default_factory=list)       # summaries of this run and earlier ones, oldest first


def _match(pattern: str) -> List[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:
        return []


def read_summary_file(path: str) -> dict:
    with FileSystems.open(path, compression_type="uncompressed") as f:
        return json.loads(f.read().decode("utf-8"))


def list_runs(output: str) -> List[dict]:
    """Every committed run summary under OUTPUT/runs/, oldest first (by finish time, then id).
    Unreadable summaries are skipped."""
    runs = []
    for path in _match(join(output, "runs", "*.json")):
        try:
            summary = read_summary_file(path)
        except Exception:
            continue
        if isinstance(summary, dict) and "run_id" in summary and "counts" in summary:
            runs.append(summary)
    runs.sort(key=lambda s: (str(s.get("finished_at") or ""), str(s["run_id"])))
    return runs


def latest_run_id(output: str) -> str:
    """The id of the run that finished last; RunNotFound when there is none."""
    runs = list_runs(output)
    if not runs:
        raise RunNotFound(f"no committed run in {output} (no runs/*.json)")
    return runs[-1]["run_id"]


def read_history(output: str, summary: dict, limit: int = 20) -> List[dict]:
    """This run and the runs that finished before it (at most `limit`), oldest first: a report
    regenerated later shows the same trend."""
    until = (str(summary.get("finished_at") or ""), str(summary["run_id"]))
    runs = [s for s in list_runs(output)
            if (str(s.get("finished_at") or ""), str(s["run_id"])) <= until and s["run_id"] != summary["run_id"]]
    return runs[-(limit - 1):] + [summary] if limit > 1 else [summary]


def run_files(output: str, table: str, run_id: Optional[str] = None) -> List[str]:
    """The files of `table` (stories, duplicates, dead_letter, clusters, reprints) written by run `run_id` (every
    run when None), one per part: Parquet when a part has both formats."""
    depth = ("*",) if table in ("dead_letter", "clusters", "reprints", "cluster_events") else ("*", "*")
    name = re.compile(r"part-\d{5}-(?P<run>.+?)(?:-w[^/]*-p[^/]*)?\.(?P<ext>parquet|jsonl(?:\.gz)?)$")
    parts: Dict[str, str] = {}
    for path in _match(join(output, table, *depth, f"part-*{run_id}*" if run_id else "part-*")):
        m = name.search(path.rsplit("/", 1)[-1])
        if not m:
            continue
        if run_id is not None and not _names_run(path.rsplit("/", 1)[-1], run_id):
            continue
        stem = path[:len(path) - len(m.group("ext")) - 1]
        if stem not in parts or m.group("ext") == "parquet":
            parts[stem] = path
    return [parts[k] for k in sorted(parts)]


def _names_run(name: str, run_id: str) -> bool:
    """Whether part file `name` belongs to `run_id` (not to 'x-RUN_ID' or 'RUN_ID.2')."""
    m = re.fullmatch(r"part-\d{5}-" + re.escape(run_id) + r"(?:-w[^/]*-p[^/]*)?\.(?:parquet|jsonl(?:\.gz)?)", name)
    return m is not None


def _as_time(value):
    if value is None or isinstance(value, _dt.datetime):
        return value
    try:
        when = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)


def _read_jsonl(path: str) -> Iterable[dict]:
    with FileSystems.open(path, compression_type="uncompressed") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def _parquet_columns(pf, columns: Optional[Sequence[str]]):
    names = pf.schema_arrow.names
    return None if columns is None else [c for c in list(columns) + list(OPTIONAL_COLUMNS) if c in names]


def read_rows(paths: Sequence[str], columns: Optional[Sequence[str]] = None) -> List[dict]:
    """Story rows of Parquet or JSON-lines files, `columns` only (those a file has, plus the
    optional link evidence columns when present); `published` as a UTC datetime."""
    import pyarrow.parquet as pq
    rows: List[dict] = []
    for path in paths:
        if path.endswith(".parquet") and "://" not in path:
            # a local file straight to Arrow: ~1 ms a file, where FileSystems' Python file
            # object and pyarrow.dataset cost several (outputs hold hundreds of small partitions)
            pf = pq.ParquetFile(path)
            rows.extend(pf.read(columns=_parquet_columns(pf, columns), use_threads=False).to_pylist())
        elif path.endswith(".parquet"):
            with FileSystems.open(path, compression_type="uncompressed") as f:
                pf = pq.ParquetFile(f)
                rows.extend(pf.read(columns=_parquet_columns(pf, columns), use_threads=False).to_pylist())
        else:
            for row in _read_jsonl(path):
                if columns is not None:
                    row = {c: row.get(c) for c in list(columns) + [c for c in OPTIONAL_COLUMNS if c in row]}
                rows.append(row)
    for row in rows:
        if "published" in row:
            row["published"] = _as_time(row["published"])
    return rows


def read_dead_letters(output: str, run_id: Optional[str]) -> List[dict]:
    rows: List[dict] = []
    for path in run_files(output, "dead_letter", run_id):
        rows.extend(_read_jsonl(path) if not path.endswith(".parquet") else read_rows([path]))
    return rows


def read_run(output: str, run_id: Optional[str] = None, history: int = 20) -> RunRows:
    """The run `run_id` (default: the latest) read back from OUTPUT; RunNotFound when absent."""
    output = output.rstrip("/") or "/"
    if run_id is None:
        run_id = latest_run_id(output)
    path = summary_path(output, run_id)
    if not FileSystems.exists(path):
        raise RunNotFound(f"no run {run_id} in {output} ({path} does not exist)")
    summary = read_summary_file(path)
    return RunRows(summary=summary,
                   stories=read_rows(run_files(output, "stories", run_id), REPORT_COLUMNS),
                   duplicates=read_rows(run_files(output, "duplicates", run_id), REPORT_COLUMNS),
                   dead_letters=read_dead_letters(output, run_id),
                   clusters=read_rows(run_files(output, "clusters", run_id), CLUSTER_COLUMNS),
                   reprints=read_rows(run_files(output, "reprints", run_id), REPRINT_COLUMNS),
                   history=read_history(output, summary, history))


def cluster_rows(output: str, ident: str, columns: Optional[Sequence[str]] = None) -> List[dict]:
    """Every row, of any run, of the cluster that `ident` names (a cluster id, or the story id
    of any of its members): the canonical row first, then duplicates by publication time.
    RunNotFound when no row has that id."""
    files = run_files(output, "stories") + run_files(output, "duplicates")
    if not files:
        raise RunNotFound(f"no stories in {output} (no stories/ or duplicates/ files)")

    def ids_of(path):
        if path.endswith(".parquet"):
            return read_rows([path], ["story_id", "cluster_id"])
        return [{"story_id": r.get("story_id"), "cluster_id": r.get("cluster_id")} for r in _read_jsonl(path)]

    ids = {path: ids_of(path) for path in files}
    cluster = next((r["cluster_id"] for path in files for r in ids[path]
                    if ident in (r["story_id"], r["cluster_id"])), None)
    if cluster is None:
        raise RunNotFound(f"no story or cluster {ident} in {output}")
    holding = [path for path in files if any(r["cluster_id"] == cluster for r in ids[path])]
    rows = [r for r in read_rows(holding, columns) if r.get("cluster_id") == cluster]
    far = _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
    rows.sort(key=lambda r: (r.get("duplicate_of") is not None, r.get("published") or far, r["story_id"]))
    return rows


def provenance_rows(output: str, cluster_id: str, columns: Sequence[str] = REPRINT_COLUMNS):
    """The provenance of cluster `cluster_id` across every run: (its clusters/ rows, newest
    first; its reprints/ rows, the newest per story) — a stream and a later run write a
    cluster's rows again as it grows, and a reader keeps the newest (README, "Provenance
    tables"). Empty lists for an output written before the provenance tables."""
    far = _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)

    def newest_first(rows):
        return sorted(rows, key=lambda r: (_as_time(r.get("updated_at")) or far, r.get("n_copies") or 0),
                      reverse=True)
    clusters = newest_first(r for r in read_rows(run_files(output, "clusters"),
                                                 tuple(CLUSTER_COLUMNS) + ("updated_at",))
                            if r.get("cluster_id") == cluster_id)
    reprints: Dict[str, dict] = {}
    for r in newest_first(r for r in read_rows(run_files(output, "reprints"), tuple(columns) + ("updated_at",))
                          if r.get("cluster_id") == cluster_id):
        reprints.setdefault(r["story_id"], r)
    return clusters, list(reprints.values())
