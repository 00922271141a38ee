"""Provenance quality on generated reprints, whose edits are known: kept share, lead-only,
headline-changed and the origin chosen.

    .venv/bin/python -m benchmarks.provenance_eval [--originals 800] [--seeds 2,3,4] [--source mixed]
    .venv/bin/python -m benchmarks.provenance_eval --tune [--seed 1] [--near 0.3,0.4,0.5,0.6,0.7]

The reprint generator (benchmarks/reprints/generation.py `_make_reprint`) records per reprint
what its edits did (Item.truth): the share of the original's sentences it kept, whether it kept
only the lead, whether its headline was rewritten. Two measurements per seed:

- gold: each reprint measured against its gold cluster's origin by the decision code alone
  (transforms/provenance: alignment.measure, choose_origin), so dedupe errors do not count;
- pipeline: the generated stories through wirefeed's batch Dedupe and Provenance transforms
  (DirectRunner); a reprint counts when its row names its true original as origin, and the
  origin is correct for a gold cluster when the clusters/ row of the cluster holding the
  original names the original (the agency feed is always among the inputs here).

Targets (issue 15): kept-share mean absolute error <= 0.05; lead_only and headline_changed
precision and recall >= 0.95; origin correct >= 0.98 of clusters. NEAR_MATCH was chosen with
--tune on seed 1; report on other seeds.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import os
import sys
import tempfile
from typing import Dict, List

import apache_beam as beam

from benchmarks.dedupe_eval import item_to_story
from benchmarks.reprints import Item, generate
from transforms.dedupe import Dedupe
from transforms.provenance import (
    NEAR_MATCH,
    Provenance,
    choose_origin,
    copy_of_story,
    measure,
)


def _pr(pairs) -> Dict[str, float]:
    pairs = list(pairs)
    tp = sum(1 for t, p in pairs if t and p)
    fp = sum(1 for t, p in pairs if p and not t)
    fn = sum(1 for t, p in pairs if t and not p)
    return {"precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0, "positives": tp + fn}


def score(truths: List[dict], rows: List[dict]) -> dict:
    """Kept-share MAE and the flags' precision/recall over matched (truth, row) pairs."""
    errors = [abs(t["kept_share"] - r["kept_share"]) for t, r in zip(truths, rows)]
    return {"reprints": len(rows),
            "kept_share_mae": round(sum(errors) / len(errors), 4) if errors else None,
            "kept_share_within_0.1": round(sum(e <= 0.1 for e in errors) / len(errors), 4) if errors else None,
            "lead_only": _pr((t["lead_only"], r["lead_only"]) for t, r in zip(truths, rows)),
            "headline_changed": _pr((t["headline_changed"], r["headline_changed"]) for t, r in zip(truths, rows))}


def gold_eval(items: List[Item], near: float = NEAR_MATCH) -> dict:
    """Each reprint with truth measured against its gold cluster's origin (decision code only)."""
    by_cluster: Dict[str, list] = collections.defaultdict(list)
    for it in items:
        by_cluster[it.cluster].append(it)
    truths, rows, origin_ok, clusters = [], [], 0, 0
    for members in by_cluster.values():
        originals = [it for it in members if it.kind == "original"]
        if not originals or len(members) < 2:
            continue
        copies = {it.id: copy_of_story(item_to_story(it)) for it in members}
        origin = choose_origin(copies.values())
        clusters += 1
        origin_ok += origin.story_id == originals[0].id
        for it in members:
            if it.truth is not None and it.id != origin.story_id:
                truths.append(it.truth)
                rows.append(measure(origin, copies[it.id], it.cluster, near))
    out = score(truths, rows)
    out["origin_correct"] = round(origin_ok / clusters, 4) if clusters else None
    out["clusters"] = clusters
    return out


def pipeline_eval(items: List[Item], tmp: str, label: str) -> dict:
    """The stories through Dedupe and Provenance (batch, DirectRunner); scored against the truth."""
    stories = [item_to_story(it) for it in items]
    prefix = os.path.join(tmp, f"prov-{label}")
    at = _dt.datetime(2026, 12, 1, tzinfo=_dt.timezone.utc)
    with beam.Pipeline() as p:
        deduped = p | "Create" >> beam.Create(stories, reshuffle=False) | "Dedupe" >> Dedupe(as_of=at)
        rows = {"stories": deduped["stories"], "state_rows": deduped["state_rows"]} | "Provenance" >> Provenance(at)
        (rows | "Json" >> beam.Map(lambda r: json.dumps({"table": r.table, **r.row}, default=str))
         | "Write" >> beam.io.WriteToText(prefix))
    clusters, reprints = {}, {}
    for name in os.listdir(tmp):
        if name.startswith(os.path.basename(prefix)):
            with open(os.path.join(tmp, name), encoding="utf-8") as f:
                for line in f:
                    row = json.loads(line)
                    (clusters if row["table"] == "clusters" else reprints)[row["story_id" if row["table"] == "reprints"
                                                                                else "cluster_id"]] = row
    by_id = {it.id: it for it in items}
    original_of = {it.cluster: it.id for it in items if it.kind == "original"}
    cluster_of = {}
    # the cluster of each story: a reprint row names it; a canonical story is its own cluster or an origin
    for sid, row in reprints.items():
        cluster_of[sid] = row["cluster_id"]
    for cid, row in clusters.items():
        cluster_of.setdefault(row["origin_story_id"], cid)
    truths, rows, wrong_origin = [], [], 0
    for sid, row in reprints.items():
        it = by_id.get(sid)
        if it is None or it.truth is None:
            continue
        if row["origin_story_id"] != original_of.get(it.cluster):
            wrong_origin += 1
            continue
        truths.append(it.truth)
        rows.append(row)
    out = score(truths, rows)
    missing = sum(1 for it in items if it.truth is not None and it.id not in reprints)
    out["reprints_without_row"] = missing
    out["reprints_against_another_origin"] = wrong_origin
    gold_sizes = collections.Counter(it.cluster for it in items)
    ok = total = 0
    for cluster, orig in original_of.items():
        if gold_sizes[cluster] < 2:
            continue
        total += 1
        cid = cluster_of.get(orig)
        ok += cid is not None and clusters.get(cid, {}).get("origin_story_id") == orig
    out["origin_correct"] = round(ok / total, 4) if total else None
    out["clusters"] = total
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=800)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", default="2,3,4", help="comma-separated seeds to report on")
    ap.add_argument("--source", default="mixed", choices=("synthetic", "real", "mixed"))
    ap.add_argument("--tune", action="store_true", help="gold measurement on --seed for each --near")
    ap.add_argument("--near", default="0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--gold-only", action="store_true", help="skip the pipeline measurement")
    a = ap.parse_args(argv)
    if a.tune:
        items = generate(a.originals, seed=a.seed, source=a.source)
        for near in (float(x) for x in a.near.split(",")):
            print(json.dumps({"seed": a.seed, "near": near, **gold_eval(items, near)}))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (int(x) for x in a.seeds.split(",")):
            items = generate(a.originals, seed=seed, source=a.source)
            n = sum(1 for it in items if it.truth is not None)
            print(json.dumps({"seed": seed, "items": len(items), "reprints_with_truth": n, "near": NEAR_MATCH,
                              "gold": gold_eval(items)}))
            if not a.gold_only:
                print(json.dumps({"seed": seed, "pipeline": pipeline_eval(items, tmp, f"s{seed}")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
