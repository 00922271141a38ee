"""Inferred agency credit (`agencies_inferred`) on reprints whose credit lines were removed.

    .venv/bin/python -m benchmarks.inferred_eval [--originals 150] [--seeds 1,2,3]
        [--thresholds 0.5] [--source synthetic]

The reprint generator (benchmarks/reprints/) writes agency originals on agency feeds (OPML
category="/agency/NAME") and outlet reprints of them with edits; here every reprint's title,
summary and text go through `strip_credits()` first, so no credit line, dateline credit or photo
credit says where it came from. The real pipeline (`pipeline.main.run`, DirectRunner) then runs:

  same-run    every item in one run: the agency's item and its reprints meet in Dedupe;
  cross-run   run 1 reads the agency feeds only, run 2 (same output, so the state of run 1)
              the outlet feeds only: the agency's item is known only from the state.

Both runs use one fixed --as-of (a day after the newest item), so the dedupe window holds them.

Scoring, from the rows written to stories/ and duplicates/ (matched to items by url):
  recall      reprints whose row has the original's agency in agencies_inferred, over the
              reprints whose row does not credit that agency any more (credit removed);
  precision   (row, inferred agency) decisions that are right: a reprint inferred with its
              original's agency. An inferred agency on any other row is a false positive
              (a negative, an outlet story, a reprint given another agency), except an agency's
              own item inferred with its own agency (Enrich's own-wire rule), counted apart.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as _dt
import io
import os
import sys
import tempfile
import time
from typing import Dict, List, Sequence

from benchmarks.reprints import Item, generate, to_feed_files
from transforms.enrich.agencies import strip_credits


def strip_reprints(items: Sequence[Item]) -> List[Item]:
    """The items with every reprint's credits removed from title, summary and text."""
    out = []
    for it in items:
        if it.kind.startswith("reprint:"):
            it = dataclasses.replace(it, title=strip_credits(it.title) or it.title,
                                     summary=strip_credits(it.summary), text=strip_credits(it.text))
        out.append(it)
    return out


def _read_rows(output: str) -> List[dict]:
    import glob
    import pyarrow.parquet as pq
    rows = []
    for table in ("stories", "duplicates"):
        for f in sorted(glob.glob(os.path.join(output, table, "date=*", "lang=*", "*.parquet"))):
            rows.extend(pq.read_table(f, columns=["url", "agencies", "agencies_inferred"]).to_pylist())
    return rows


def _run(opml: str, output: str, as_of: str, run_id: str, threshold: float) -> None:
    from pipeline.main import run
    args = ["--feeds", opml, "--output", output, "--as-of", as_of, "--run-id", run_id,
            "--near-duplicate-threshold", str(threshold)]
    with contextlib.redirect_stdout(io.StringIO()):
        code = run(args)
    if code != 0:
        raise RuntimeError(f"pipeline run {run_id} exited {code}")


def run_mode(items: Sequence[Item], mode: str, threshold: float, tmp: str) -> List[dict]:
    """Rows written for `items` (stripped already) in `mode` ('same-run' or 'cross-run')."""
    as_of = (max(it.published for it in items) + _dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    output = os.path.join(tmp, f"out-{mode}-{threshold}")
    if mode == "same-run":
        folder = os.path.join(tmp, f"feeds-{mode}-{threshold}")
        to_feed_files(items, folder)
        _run(os.path.join(folder, "feeds.opml"), output, as_of, "run1", threshold)
    else:
        for k, part in enumerate(([it for it in items if it.is_agency_feed],
                                  [it for it in items if not it.is_agency_feed]), start=1):
            folder = os.path.join(tmp, f"feeds-{mode}-{threshold}-{k}")
            to_feed_files(part, folder)
            _run(os.path.join(folder, "feeds.opml"), output, as_of, f"run{k}", threshold)
    return _read_rows(output)


def score(items: Sequence[Item], rows: Sequence[dict]) -> Dict[str, float]:
    by_url = {it.url: it for it in items}
    found = {}
    for r in rows:
        found[r["url"]] = r
    missing = [it.id for it in items if it.url not in found]
    if missing:
        raise RuntimeError(f"{len(missing)} items have no row (e.g. {missing[:3]})")
    s = collections.Counter()
    misses = collections.Counter()
    for url, r in found.items():
        it = by_url[url]
        inferred, credited = set(r["agencies_inferred"] or ()), set(r["agencies"] or ())
        if it.kind.startswith("reprint:"):
            s["reprints"] += 1
            if it.agency in credited:
                s["still_credited"] += 1
            else:
                s["stripped"] += 1
                s["recalled"] += it.agency in inferred
                if it.agency not in inferred:
                    misses[it.kind.split(":", 1)[1].split("+")[0]] += 1
        for agency in inferred:
            if it.kind.startswith("reprint:") and agency == it.agency:
                s["tp"] += 1
            elif it.is_agency_feed and agency == it.agency:
                s["own_wire"] += 1
            else:
                s["fp"] += 1
    labels = s["tp"] + s["fp"]
    return {"reprints": s["reprints"], "still_credited": s["still_credited"], "stripped": s["stripped"],
            "recalled": s["recalled"], "recall": s["recalled"] / s["stripped"] if s["stripped"] else 1.0,
            "tp": s["tp"], "fp": s["fp"], "precision": s["tp"] / labels if labels else 1.0,
            "own_wire": s["own_wire"], "misses": dict(misses.most_common())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=150)
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated generator seeds")
    ap.add_argument("--thresholds", default="0.5", help="--near-duplicate-threshold values to try")
    ap.add_argument("--source", default="synthetic", choices=("synthetic", "real", "mixed"))
    ap.add_argument("--modes", default="same-run,cross-run")
    a = ap.parse_args(argv)
    print("seed  mode       threshold  reprints  stripped  recalled  recall   inferred  FP  precision"
          "  own-wire  (s)")
    for seed in (int(x) for x in a.seeds.split(",")):
        items = strip_reprints(generate(a.originals, seed=seed, source=a.source))
        for threshold in (float(t) for t in a.thresholds.split(",")):
            for mode in a.modes.split(","):
                t0 = time.perf_counter()
                with tempfile.TemporaryDirectory() as tmp:
                    m = score(items, run_mode(items, mode, threshold, tmp))
                print(f"{seed:<5} {mode:10s} {threshold:<9.2f}  {m['reprints']:>8}  {m['stripped']:>8}  "
                      f"{m['recalled']:>8}  {m['recall']:.3f}   {m['tp'] + m['fp']:>8}  {m['fp']:>2}  "
                      f"{m['precision']:.3f}      {m['own_wire']:>8}  {time.perf_counter() - t0:.0f}", flush=True)
                if m["misses"]:
                    print(f"      missed, by content mode: {m['misses']}; still credited after "
                          f"strip_credits: {m['still_credited']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
