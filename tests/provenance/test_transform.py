"""The batch Provenance transform: Create -> Provenance -> assert_that, with new stories and a
story remembered from an earlier run (its state row)."""
import datetime as _dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that

from tests.provenance.test_alignment import BODY, LEAD, ORIGIN_TEXT, story
from transforms.dedupe.rules import order_key
from transforms.dedupe.state import frozen_root
from transforms.provenance import Provenance, copy_of_story
from transforms.provenance.alignment import copy_columns
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE

AT = _dt.datetime(2026, 11, 28, tzinfo=_dt.timezone.utc)


def state_row_of(s, root):
    return dict(copy_columns(copy_of_story(s)), story_id=s.story_id, root_key=frozen_root(order_key(root)),
                feed_agency=s.feed_agency, language="en", seen_at=AT)


def summary(rows):
    return sorted((r.table, r.key, r.row["origin_story_id"], r.row.get("kept_share"), r.row.get("n_copies"))
                  for r in rows)


def test_one_run_cluster_and_a_singleton():
    wire = story("wire", ORIGIN_TEXT, feed_agency="Reuters", minutes=10, disposition=DUPLICATE)
    daily = story("daily", "\n\n".join([LEAD, BODY[0]]), source="Daily", minutes=0, disposition=CANONICAL)
    lone = story("lone", "A story nobody else ran. It has two sentences.", source="Blog", disposition=CANONICAL)
    seen = story("seen", ORIGIN_TEXT, source="Old", disposition=ALREADY_SEEN)
    for s, c in ((wire, "daily"), (daily, "daily"), (lone, "lone"), (seen, "x")):
        s.cluster_id = c
    with TestPipeline() as p:
        stories = p | beam.Create([wire, daily, lone, seen])
        rows = ({"stories": stories, "state_rows": p | "Rows" >> beam.Create([])} | Provenance(AT, "run1"))["rows"]
        assert_that(rows, lambda got: _equal(summary(got), [
            ("clusters", "daily", "wire", None, 2),          # the agency item is the origin, not dedupe's canonical
            ("clusters", "lone", "lone", None, 1),
            ("reprints", "daily", "wire", 0.5, None)]))


def test_a_reprint_of_an_earlier_runs_story_is_measured_against_it():
    wire = story("wire", ORIGIN_TEXT, feed_agency="Reuters", disposition=CANONICAL)
    later = story("later", "\n\n".join([LEAD, BODY[0], BODY[1]]), source="Courier", minutes=60, disposition=DUPLICATE)
    later.cluster_id = "wire"
    old_row = state_row_of(wire, wire)
    legacy = {"story_id": "older", "root_key": old_row["root_key"], "sentences": None}   # before the columns
    with TestPipeline() as p:
        out = ({"stories": p | beam.Create([later]), "state_rows": p | "Rows" >> beam.Create([old_row, legacy])}
               | Provenance(AT, "run2"))
        assert_that(out["rows"], lambda got: _equal(summary(got), [
            ("clusters", "wire", "wire", None, 2),
            ("reprints", "later", "wire", 0.75, None)]))
        # the state rows pass on; a row of this run's story gets its provenance columns here
        later_row = dict(old_row, story_id="later", sentences=None)
        out2 = ({"stories": p | "Later" >> beam.Create([later]), "state_rows": p | "Rows2" >> beam.Create([later_row])}
                | "Again" >> Provenance(AT, "run2"))
        want = copy_columns(copy_of_story(later))["sentences"]
        assert len(want) == 6
        assert_that(out2["state_rows"], lambda got: _equal(
            [(r["story_id"], r["sentences"]) for r in got], [("later", want)]), label="Completed")


def _equal(got, want):
    assert got == want, got
