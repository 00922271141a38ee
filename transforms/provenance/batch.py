"""Provenance (batch): the clusters/ and reprints/ rows of the clusters a run touched.

    stories (after Dedupe) ─new ones (story, duplicate)─► (cluster_id, Copy)   ┐
    state rows (Dedupe's next state: remembered and new) ─► (cluster, row)     ┴ CoGroupByKey
        ─Measure (rows.cluster_rows)─► ProvenanceRow ("clusters" | "reprints")
                                    └► the state rows, a new story's completed with its Copy's
                                       columns (-> WriteState): one sentence split per story

The state rows carry the provenance columns (transforms/dedupe/state.py), so a reprint of a
story remembered from an earlier run is measured against it. Rows of generations written before
those columns cannot be measured against and are left out of the cluster (its counts then hold
this run's members). One key per cluster: no key holds more than a cluster's members.
"""
from __future__ import annotations

import datetime as _dt

import apache_beam as beam

from transforms.coders import register_record
from transforms.provenance.alignment import Copy, copy_columns, copy_of_row, copy_of_story
from transforms.provenance.rows import cluster_of_row, cluster_rows
from transforms.records import CANONICAL, DUPLICATE

__all__ = ["Provenance"]

STATE_ROWS = "state_rows"

register_record(Copy)     # alignment.py is plain Python: registered where Beam carries it


class _Measure(beam.DoFn):
    """One cluster: its provenance rows, and every state row of the cluster passed on — a new
    story's completed with the provenance columns of the Copy measured here (each story's
    sentences are split once per run)."""

    def __init__(self, at: _dt.datetime, run_id: str):
        self._at, self._run_id = at, run_id

    def process(self, element):
        cluster_id, grouped = element
        new = list(grouped["new"])
        by_id = {c.story_id: c for c in new}
        remembered = []
        for row in grouped["rows"]:
            copy = by_id.get(row["story_id"])
            if copy is not None:
                row = dict(row, **copy_columns(copy))
            else:
                remembered.append(copy_of_row(row))
            yield beam.pvalue.TaggedOutput(STATE_ROWS, row)
        if new:
            yield from cluster_rows(cluster_id, new, remembered, self._at, self._run_id)


class Provenance(beam.PTransform):
    """{'stories': Dedupe's stories, 'state_rows': Dedupe's state rows (optional)} ->
    {'rows': ProvenanceRow per cluster touched (clusters/) and per copy measured (reprints/),
    'state_rows': the same state rows, a new story's with its provenance columns (for WriteState)}."""

    def __init__(self, as_of: _dt.datetime | None = None, run_id: str = ""):
        super().__init__()
        self._as_of = as_of or _dt.datetime.now(_dt.UTC)
        self._run_id = run_id

    def expand(self, inputs):
        stories = inputs["stories"]
        new = (stories
               | "Written" >> beam.Filter(lambda s: s.disposition in (CANONICAL, DUPLICATE))
               | "CopyByCluster" >> beam.Map(lambda s: (s.cluster_id or s.story_id, copy_of_story(s))))
        rows = inputs.get("state_rows")
        if rows is None:
            rows = stories.pipeline | "NoRows" >> beam.Create([])
        by_cluster = rows | "RowByCluster" >> beam.Map(lambda r: (cluster_of_row(r), r))
        measured = ({"new": new, "rows": by_cluster}
                    | "JoinClusters" >> beam.CoGroupByKey()
                    | "Measure" >> beam.ParDo(_Measure(self._as_of, self._run_id)).with_outputs(
                        STATE_ROWS, main="rows"))
        return {"rows": measured.rows, "state_rows": measured[STATE_ROWS]}
