"""Provenance in the streaming dedupe's cluster step (transforms/dedupe/clusters.py, as
stream.py `_Clusters` runs it after the sharded decision): rows when a story is decided, the
origin arriving after its reprint, a replayed log (another worker) that knows the same members,
and a remembered state row that seeds its cluster's memory."""
import collections

import numpy as np
import pyarrow as pa

from tests.provenance.test_alignment import BODY, LEAD, ORIGIN_TEXT, story
from transforms.dedupe.clusters import ClusterMemory, ClusterReplay, complete_row
from transforms.dedupe.shards import ShardedReplay, home_shard
from transforms.dedupe.state import STATE_SCHEMA
from transforms.dedupe.stream import StreamIndex, decided_row, epoch, fingerprint_step
from transforms.records import CANONICAL


def arrive(replay, clusters, recent, s):
    """One story through the sharded replay and the cluster step; returns (provenance rows,
    the state rows of the stories decided)."""
    s.fetched_at = s.published
    s.disposition = CANONICAL
    ordered = fingerprint_step(recent.setdefault(s.feed_url, collections.OrderedDict()), s)
    rows, state = [], []
    for decided, probe, decision in replay.arrive(s, None, ordered, epoch(s.fetched_at)):
        columns, prov = clusters.settle(decided, probe.exact_of, probe.first)
        rows += prov
        state.append(complete_row(decided_row(decided, probe, decision), columns))
    return rows, state


def test_rows_on_arrival_and_when_the_agency_item_comes_later():
    replay, clusters, recent = ShardedReplay(shards=4, run_id="run"), ClusterReplay(run_id="run"), {}
    daily = story("daily", "\n\n".join([LEAD, BODY[0], BODY[1]]) + "\n\nOur own closing line for readers.",
                  source="Daily", minutes=0, title="Rates on hold")
    rows, _ = arrive(replay, clusters, recent, daily)
    assert [(r.table, r.key) for r in rows] == [("clusters", "daily")]
    wire = story("wire", ORIGIN_TEXT, feed_agency="Reuters", minutes=30)
    rows, state = arrive(replay, clusters, recent, wire)
    assert wire.cluster_id == "daily"
    got = {(r.table, r.key): r.row for r in rows}
    assert set(got) == {("clusters", "daily"), ("reprints", "daily")}
    assert got[("clusters", "daily")]["origin_story_id"] == "wire" and got[("clusters", "daily")]["n_copies"] == 2
    rep = got[("reprints", "daily")]
    assert rep["origin_story_id"] == "wire" and rep["kept_share"] == 0.75 and rep["lag_seconds"] == -1800.0
    assert rep["sentences_added"] == 1 and rep["first_added_sentence"] is None   # measured from the memory
    assert state[0]["sentences"] and state[0]["title"] == wire.title and state[0]["version"] == 1
    courier = story("courier", "\n\n".join([LEAD, BODY[0]]), source="Courier", minutes=60)
    rows, _ = arrive(replay, clusters, recent, courier)
    got = {(r.table, r.key): r.row for r in rows}
    assert set(got) == {("clusters", "daily"), ("reprints", "courier")}     # the origin stays: one row
    assert got[("reprints", "courier")]["kept_share"] == 0.5 and got[("clusters", "daily")]["n_copies"] == 3
    # another worker replays the cluster's log: same members, same state row columns
    memory = clusters.memories["daily"]
    again = ClusterMemory()
    for record in memory.records():
        again.apply(record)
    assert set(again.members) == {"daily", "wire", "courier"}
    assert again.columns("wire") == memory.columns("wire")
    columns = again.columns("wire")
    assert columns["sentences"] and columns["title"] == wire.title and columns["lead_sentences"] == 2


def test_a_remembered_state_row_seeds_the_copies():
    first_replay, first_clusters = ShardedReplay(shards=4), ClusterReplay()
    _, state = arrive(first_replay, first_clusters, {}, story("wire", ORIGIN_TEXT, feed_agency="Reuters"))
    row = pa.Table.from_pylist(state, schema=STATE_SCHEMA).to_pylist()[0]   # as read back
    row["sketch"] = np.asarray(row["sketch"], dtype=np.uint32)          # as remembered_snapshot holds it
    replay, clusters = ShardedReplay(shards=4), ClusterReplay(remembered=[row])
    shard = replay.shard("en", home_shard("wire", 4))                  # as _Shards seeds its shard
    for record in StreamIndex.seed_records(row):
        shard.apply(record)
    later = story("later", "\n\n".join([LEAD, BODY[0]]), source="Courier", minutes=45)
    rows, _ = arrive(replay, clusters, {}, later)
    assert later.cluster_id == "wire"
    got = {(r.table, r.key): r.row for r in rows}
    assert got[("reprints", "later")]["origin_story_id"] == "wire"
    assert got[("reprints", "later")]["kept_share"] == 0.5
    assert got[("clusters", "wire")]["n_copies"] == 2
