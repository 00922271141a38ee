"""Provenance in the stream index (transforms/dedupe/stream.py StreamIndex.arrive), as
_NearDuplicates runs it: rows on arrival, the origin arriving after its reprint, and a
replayed log (another worker) that knows the same members."""
import collections
import datetime as _dt

import numpy as np
import pyarrow as pa

from tests.provenance.test_alignment import BODY, LEAD, ORIGIN_TEXT, T0, story
from transforms.dedupe.state import STATE_SCHEMA
from transforms.dedupe.stream import DAY, StreamIndex, epoch, fingerprint_step
from transforms.records import CANONICAL


def arrive(index, recent, s):
    s.fetched_at = s.published
    s.disposition = CANONICAL
    ordered = fingerprint_step(recent.setdefault(s.feed_url, collections.OrderedDict()), s)
    records, _ = index.arrive(s, None, ordered, epoch(s.fetched_at), 7 * DAY, 0.5, s.fetched_at, "run")
    return records, index.provenance_rows


def test_rows_on_arrival_and_when_the_agency_item_comes_later():
    index, recent, log = StreamIndex(), {}, []
    daily = story("daily", "\n\n".join([LEAD, BODY[0], BODY[1]]) + "\n\nOur own closing line for readers.",
                  source="Daily", minutes=0, title="Rates on hold")
    records, rows = arrive(index, recent, daily)
    log += records
    assert [(r.table, r.key) for r in rows] == [("clusters", "daily")]
    wire = story("wire", ORIGIN_TEXT, feed_agency="Reuters", minutes=30)
    records, rows = arrive(index, recent, wire)
    log += records
    assert wire.cluster_id == "daily"
    got = {(r.table, r.key): r.row for r in rows}
    assert set(got) == {("clusters", "daily"), ("reprints", "daily")}
    assert got[("clusters", "daily")]["origin_story_id"] == "wire" and got[("clusters", "daily")]["n_copies"] == 2
    rep = got[("reprints", "daily")]
    assert rep["origin_story_id"] == "wire" and rep["kept_share"] == 0.75 and rep["lag_seconds"] == -1800.0
    assert rep["sentences_added"] == 1 and rep["first_added_sentence"] is None   # measured from the index
    courier = story("courier", "\n\n".join([LEAD, BODY[0]]), source="Courier", minutes=60)
    records, rows = arrive(index, recent, courier)
    log += records
    got = {(r.table, r.key): r.row for r in rows}
    assert set(got) == {("clusters", "daily"), ("reprints", "courier")}     # the origin stays: one row
    assert got[("reprints", "courier")]["kept_share"] == 0.5 and got[("clusters", "daily")]["n_copies"] == 3
    # another worker replays the log: same members, same copies, same state row columns
    replay = StreamIndex()
    for record in log:
        replay.apply(record)
    assert replay.by_root == index.by_root and set(replay.copies) == {"daily", "wire", "courier"}
    row = replay.state_row("wire")
    assert row["sentences"] and row["title"] == wire.title and row["lead_sentences"] == 2


def test_a_remembered_state_row_seeds_the_copies():
    index = StreamIndex()
    first = StreamIndex()
    arrive(first, {}, story("wire", ORIGIN_TEXT, feed_agency="Reuters"))
    row = pa.Table.from_pylist([first.state_row("wire")], schema=STATE_SCHEMA).to_pylist()[0]   # as read back
    row["sketch"] = np.asarray(row["sketch"], dtype=np.uint32)          # as remembered_snapshot holds it
    for record in StreamIndex.seed_records(row):
        index.apply(record)
    later = story("later", "\n\n".join([LEAD, BODY[0]]), source="Courier", minutes=45)
    later.published = T0 + _dt.timedelta(minutes=45)
    _, rows = arrive(index, {}, later)
    got = {(r.table, r.key): r.row for r in rows}
    assert got[("reprints", "later")]["origin_story_id"] == "wire"
    assert got[("reprints", "later")]["kept_share"] == 0.5
