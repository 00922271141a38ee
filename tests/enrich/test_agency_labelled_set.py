"""The labelled set behind benchmarks/agency_eval.py keeps the shape issue 14 asked for."""
import collections
import csv
import os

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "data", "agency_credits.tsv")
GROUPS = {"dateline", "list", "generic", "photo", "closing", "phrase", "mention", "url", "lookalike"}


def rows():
    with open(DATA, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_size_languages_negatives_holdout():
    rs = rows()
    assert len(rs) >= 600
    assert len({r["language"] for r in rs}) >= 10
    assert sum(not r["expected_agencies"] for r in rs) * 3 >= len(rs)
    assert sum(r["split"] == "holdout" for r in rs) >= 0.3 * len(rs)
    assert {r["group"] for r in rs} == GROUPS


def test_split_is_per_template_and_rows_are_well_formed():
    split_of = collections.defaultdict(set)
    for r in rows():
        split_of[r["template"]].add(r["split"])
        assert r["split"] in ("tune", "holdout") and r["text"].strip()
        assert bool(r["expected_agencies"]) == bool(r["expected_position"])
    assert all(len(s) == 1 for s in split_of.values())
