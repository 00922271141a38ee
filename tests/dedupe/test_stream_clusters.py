"""The streaming dedupe's cluster step (transforms/dedupe/clusters.py): what a cluster's memory
holds, what a story seen again gets from it, expiry, seeding from remembered state rows, a new
version linked with the `version` rule, and a stale reprint decided after the newer version."""
import datetime as _dt

from tests.dedupe.test_stream import QUAKE, T0, story
from transforms.dedupe.clusters import (
    ClusterMemory,
    ClusterReplay,
    group_by_root,
    seed_records,
    settle,
    touch,
)
from transforms.dedupe.rules import VERSION
from transforms.records import CANONICAL, DUPLICATE

HOUR = 3600.0
EDITED = QUAKE.replace("magnitude 6.4", "magnitude 6.7").replace("hundreds of homes", "thousands of homes")


def decided(s, root, disposition=DUPLICATE):
    s.cluster_id, s.disposition = root, disposition
    if disposition == DUPLICATE:
        s.duplicate_of = s.linked_to = root
    return s


def test_a_member_is_remembered_and_a_story_seen_again_gets_its_columns():
    memory = ClusterMemory()
    wire = decided(story("http://wire/quake", QUAKE, "wire", T0, title="Quake hits coast"), None, CANONICAL)
    records, columns, rows = settle(memory, wire, None, T0.timestamp(), T0, "run")
    assert [r.table for r in rows] == ["clusters"] and columns["version"] == 1
    assert columns["sentences"] and columns["title"] == "Quake hits coast" and columns["version_sentences"]
    again = ClusterMemory()
    for record in records:
        again.apply(record)
    _, seen = touch(again, wire.story_id, T0.timestamp() + HOUR)
    assert seen == columns
    assert touch(again, "unknown", T0.timestamp()) == ([], None)        # not a member: nothing to fill
    assert again.members[wire.story_id][0] == T0.timestamp() + HOUR     # last seen moved on
    assert again.expire(T0.timestamp() + HOUR) == [] and again.expire(T0.timestamp() + 2 * HOUR) == [wire.story_id]
    assert len(again) == 0


def test_a_new_version_links_with_the_version_rule_and_a_later_reprint_of_the_old_one_is_stale():
    replay = ClusterReplay(run_id="run")
    v1 = decided(story("http://wire/quake", QUAKE, "wire", T0), None, CANONICAL)
    replay.settle(v1, None, T0.timestamp())
    v2 = story("http://wire/quake", EDITED, "wire", T0 + _dt.timedelta(hours=1))
    v2.story_id, v2.version, v2.previous_story_id, v2.version_of = "v2", 2, v1.story_id, v1.story_id
    decided(v2, v1.story_id)
    columns, _ = replay.settle(v2, v1.story_id, (T0 + _dt.timedelta(hours=1)).timestamp())
    assert v2.link_rule == VERSION and columns["version"] == 2 and columns["version_of"] == v1.story_id
    old = decided(story("http://daily/quake", "From the wires. " + QUAKE, "daily",
                        T0 + _dt.timedelta(hours=2)), v1.story_id)
    replay.settle(old, None, (T0 + _dt.timedelta(hours=2)).timestamp())
    assert old.stale is True and old.version == 1
    fresh = decided(story("http://courier/quake", "From the wires. " + EDITED, "courier",
                          T0 + _dt.timedelta(hours=2)), v1.story_id)
    replay.settle(fresh, None, (T0 + _dt.timedelta(hours=2)).timestamp())
    assert fresh.stale is False
    reprints = {r.key: r.row for r in replay.rows if r.table == "reprints"}
    assert set(reprints) >= {old.story_id, fresh.story_id}


def test_remembered_rows_seed_the_memory_of_their_root():
    first = ClusterReplay()
    wire = decided(story("http://wire/quake", QUAKE, "wire", T0), None, CANONICAL)
    columns, _ = first.settle(wire, None, T0.timestamp())
    row = dict(columns, story_id=wire.story_id, root_key=f"1|x|{wire.story_id}",
               seen_at=T0, language="en")
    assert group_by_root([row]) == {wire.story_id: [row]}
    assert seed_records(row)[0][:3] == ("member", wire.story_id, T0.timestamp())
    replay = ClusterReplay(remembered=[row])
    reprint = decided(story("http://daily/quake", "From the wires. " + QUAKE, "daily",
                            T0 + _dt.timedelta(hours=1)), wire.story_id)
    _, rows = replay.settle(reprint, None, (T0 + _dt.timedelta(hours=1)).timestamp())
    got = {(r.table, r.key): r.row for r in rows}
    assert got[("clusters", wire.story_id)]["n_copies"] == 2
    assert got[("reprints", reprint.story_id)]["origin_story_id"] == wire.story_id
    late = ClusterReplay(window_s=HOUR / 2, remembered=[row])           # outside the window: not seeded
    assert len(late.memory(wire.story_id, (T0 + _dt.timedelta(hours=1)).timestamp())) == 0


def test_a_new_version_within_the_settle_time_of_its_previous_one_never_becomes_its_root():
    """Batch never sees two versions of an identity in one run (the earlier one is remembered,
    so it ranks first); a stream can, within the settle time: the new version still ranks after."""
    from transforms.dedupe.fingerprint import shingles
    from transforms.dedupe.shards import ShardedReplay
    replay = ShardedReplay(shards=4, settle=300.0)
    v1 = story("http://wire/quake", QUAKE, "wire", T0)
    v2 = story("http://wire/quake", EDITED, "wire", T0 + _dt.timedelta(seconds=60), published=T0)
    v2.story_id, v2.version, v2.previous_story_id, v2.version_of = "0000-v2", 2, v1.story_id, v1.story_id
    assert v2.story_id < v1.story_id                   # by the canonical order alone it would rank first
    out = replay.arrive(v1, None, shingles(v1.text), T0.timestamp())
    out += replay.arrive(v2, v1.story_id, shingles(v2.text), T0.timestamp() + 60)
    out += replay.finish()
    by_id = {s.story_id: s for s, _, _ in out}
    assert by_id[v1.story_id].disposition == CANONICAL and by_id[v1.story_id].cluster_id == v1.story_id
    assert by_id["0000-v2"].disposition == DUPLICATE and by_id["0000-v2"].duplicate_of == v1.story_id
    assert by_id["0000-v2"].link_rule == VERSION
    assert not replay.events                          # no merge, no origin change
