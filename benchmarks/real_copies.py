"""Dedupe on the real copies of ../shared/data/real-feeds/feeds: P/R against hand labels.

    PYTHONPATH=. .venv/bin/python -m pipeline.main --feeds ../shared/data/real-feeds/feeds \
        --output /tmp/realout --format jsonl --as-of 2017-01-20T00:00:00Z --dedupe-window-days 3650
    PYTHONPATH=. .venv/bin/python -m benchmarks.real_copies /tmp/realout [--candidates]

The labelled pairs are in benchmarks/data/real_copies.tsv (story ids, which are stable: they
come from the stories' URLs; no text of the feeds is copied). How they were found: every pair of
stories whose shingle containment |A∩B| / min(|A|, |B|) is at least 0.3 (both with at least 8
shingles), in the same feed or not (`--candidates` lists them), each read (title, text, URL) and
labelled 1 (the same text carried twice) or 0 (a different story) with a reason.
Precision and recall are over these pairs: a pair is predicted a duplicate when both stories
are in one cluster of the run's output.
"""
from __future__ import annotations

import collections
import csv
import glob
import json
import os
import sys

from transforms.dedupe.fingerprint import MIN_SHINGLES, shingles

TSV = os.path.join(os.path.dirname(__file__), "data", "real_copies.tsv")


def read_rows(out_root: str) -> dict:
    rows = {}
    for table in ("stories", "duplicates"):
        for path in glob.glob(os.path.join(out_root, table, "**", "*.jsonl"), recursive=True):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    rows[r["story_id"]] = r
    return rows


def candidates(rows: dict, floor: float = 0.3):
    sets = {sid: set(shingles(r["text"]).tolist()) for sid, r in rows.items()}
    index = collections.defaultdict(list)
    for sid, s in sets.items():
        for h in s:
            index[h].append(sid)
    shared = collections.Counter()
    for ids in index.values():
        if len(ids) <= 50:                       # a shingle in more stories is chrome
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    shared[tuple(sorted((a, b)))] += 1
    for (a, b), n in shared.items():
        small = min(len(sets[a]), len(sets[b]))
        if small >= MIN_SHINGLES and n / small >= floor:
            yield a, b, round(n / small, 3)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    rows = read_rows(argv[0])
    if "--candidates" in argv:
        for a, b, c in sorted(candidates(rows), key=lambda t: -t[2]):
            ra, rb = rows[a], rows[b]
            print(f"{a}\t{b}\t{c}\t{ra['feed_url'] == rb['feed_url']}\t{ra['title'][:60]}\t{rb['title'][:60]}")
        return 0
    tp = fp = fn = tn = 0
    with open(TSV, encoding="utf-8") as f:
        for rec in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            a, b = rows.get(rec["story_a"]), rows.get(rec["story_b"])
            if a is None or b is None:
                print(f"missing in the output: {rec['story_a']} {rec['story_b']}")
                continue
            predicted = a["cluster_id"] == b["cluster_id"]
            gold = rec["label"] == "1"
            tp += predicted and gold
            fp += predicted and not gold
            fn += gold and not predicted
            tn += not predicted and not gold
            evidence = b if b["duplicate_of"] else a
            print(f"{rec['label']} {'linked' if predicted else 'apart '} {rec['containment']:>6} "
                  f"{evidence['link_rule'] or '-':17s} {rec['reason']}")
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    print(f"labelled pairs {tp + fp + fn + tn}: duplicates {tp + fn}, linked {tp + fp}; "
          f"precision {p:.3f} recall {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
