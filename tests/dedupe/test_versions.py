"""The version rules (transforms/dedupe/versions.py): desk slugs, content keys that ignore
re-renders, identity versions, slug versions and stale reprints; and the streaming identity step
that calls them."""
import datetime as _dt

import pytest

from transforms.dedupe.stream import identity_step
from transforms.dedupe.versions import (TRUNCATED, VersionInfo, headline_key, identity_version, info_of_row,
                                        info_of_story, is_stale, parse_slug, resolve_cluster, same_content,
                                        sentence_hashes, state_columns, version_id)
from transforms.records import DUPLICATE, Story

UTC = _dt.timezone.utc
T0 = _dt.datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
V1 = ("A strong earthquake struck the coastal province on Tuesday, officials said. "
      "Rescue teams searched collapsed buildings in the port city. "
      "The quake killed 12 people and injured 40, the ministry said.")
V2 = V1.replace("killed 12 people and injured 40", "killed 19 people and injured 55")
V3 = V2 + " Power was restored to most towns by the evening, the grid operator said."


@pytest.mark.parametrize("title, stripped, kinds, number", [
    ("UPDATE 2-Quake kills 19 in coastal province", "Quake kills 19 in coastal province", ("UPDATE",), 2),
    ("UPDATE 1: Quake kills 12", "Quake kills 12", ("UPDATE",), 1),
    ("CORRECTED-UPDATE 3-Quake kills 19", "Quake kills 19", ("CORRECTED", "UPDATE"), 3),
    ("REFILE-Quake kills 12", "Quake kills 12", ("REFILE",), None),
    ("RPT-Quake kills 12", "Quake kills 12", ("RPT",), None),
    ("WRAPUP 1-Quake kills 12, rescue goes on", "Quake kills 12, rescue goes on", ("WRAPUP",), 1),
    ("CORRECTION: Quake kills 12", "Quake kills 12", ("CORRECTION",), None),
    ("Quake kills 12 (Adds death toll)", "Quake kills 12", ("ADDS",), None),
    ("(Corrects toll in paragraph 3) Quake kills 19", "Quake kills 19", ("CORRECTS",), None),
    ("Quake kills 12 (Updates with rescue)", "Quake kills 12", ("UPDATES",), None),
])
def test_slug_parser(title, stripped, kinds, number):
    got, slug = parse_slug(title)
    assert got == stripped
    assert slug is not None and slug.kinds == kinds and slug.number == number


@pytest.mark.parametrize("title", ["Update on the budget talks", "Repeat offenders face new rules",
                                   "Corrected figures show growth (in pictures)", "Adds up: the cost of rail",
                                   "UPDATE", ""])
def test_no_slug_in_ordinary_headlines(title):
    assert parse_slug(title)[1] is None


def test_slug_in_the_text_and_headline_key():
    assert parse_slug("Quake kills 19", "(Adds rescue details)\n\nA strong earthquake")[1].kinds == ("ADDS",)
    assert headline_key("UPDATE 2-Quake Kills 19") == headline_key("quake kills  19") == "quake kills 19"


def test_re_renders_are_the_same_content():
    base = sentence_hashes(V1)
    assert same_content(base, sentence_hashes("  " + V1.replace(". ", ".\n\n") + " "))      # whitespace
    assert same_content(base, sentence_hashes(V1.replace("said.", "said .").replace("Rescue", "RESCUE")))
    assert same_content(base, sentence_hashes("(Reuters) - " + V1))                         # a credit line
    cut = V1[:V1.index("The quake") + 15] + "…"                                              # truncated summary
    assert sentence_hashes(cut)[-1] == TRUNCATED
    assert same_content(base, sentence_hashes(cut)) and same_content(sentence_hashes(cut), base)
    assert same_content(sentence_hashes(V1[:60] + " [...]"), sentence_hashes(cut))           # two truncations


def test_edits_are_other_content():
    assert not same_content(sentence_hashes(V1), sentence_hashes(V2))     # a corrected number
    assert not same_content(sentence_hashes(V2), sentence_hashes(V3))     # an added sentence (not cut)
    assert not same_content(sentence_hashes(V3), sentence_hashes(V2))
    assert same_content(None, sentence_hashes(V1))                        # unknown (old state): matches


def story(sid, text, feed="http://wire.example/feed.xml", title="Quake kills 12", minutes=0, **kw):
    return Story(story_id=sid, feed_url=feed, title=title, text=text, published=T0 + _dt.timedelta(minutes=minutes),
                 fetched_at=T0 + _dt.timedelta(minutes=minutes), **kw)


def test_identity_version_numbers_and_ids():
    v1 = info_of_story(story("head", V1))
    s = story("head", V2)
    assert identity_version(s, [v1]) is None
    assert (s.version, s.previous_story_id, s.version_of) == (2, "head", "head")
    assert s.story_id == version_id("head", sentence_hashes(V2)) != "head" and s.identity_id == "head"
    again = story("head", V2 + "  ")
    assert identity_version(again, [v1, info_of_story(s)]).story_id == s.story_id   # same content: seen
    assert again.story_id == "head" and again.version == 1
    back = story("head", V1)
    assert identity_version(back, [v1, info_of_story(s)]).story_id == "head"
    third = story("head", V3)
    identity_version(third, [v1, info_of_story(s)])
    assert (third.version, third.previous_story_id, third.version_of) == (3, s.story_id, "head")
    assert identity_version(story("x", V1), []) is None                  # nothing known: a first version


def test_state_columns_round_trip():
    s = story("head", V2, version=2, version_of="v1", previous_story_id="v1", guid="g1")
    row = dict(state_columns(s), story_id="head")
    info = info_of_row(row)
    assert (info.version, info.version_of, info.sentences, info.feed) == (2, "v1", sentence_hashes(V2), s.feed_url)
    old = info_of_row({"story_id": "old"})                              # a row of an older generation
    assert (old.version, old.sentences, old.head) == (1, None, "old")


def test_slug_versions_follow_the_slug_numbers():
    wire = "http://wire.example/feed.xml"
    v1 = story("a", V1, title="Quake kills 12", minutes=0)
    u2 = story("c", V3, title="UPDATE 2-Quake kills 19, power back", minutes=50)
    u1 = story("b", V2, title="UPDATE 1-Quake kills 19", minutes=30)
    infos = resolve_cluster([u2, v1, u1], [])
    assert sorted(sid for sid, i in infos.items() if i.version > 1) == ["b", "c"]
    assert (v1.version, u1.version, u2.version) == (1, 2, 3)
    assert (u1.previous_story_id, u2.previous_story_id) == ("a", "b")
    assert u1.version_of == u2.version_of == "a"
    assert all(s.feed_url == wire for s in (v1, u1, u2))


def test_slug_version_of_a_remembered_item_and_a_reprint_keeping_the_slug():
    known = [info_of_row(dict(state_columns(story("a", V1)), story_id="a"))]
    u1 = story("b", V2, title="CORRECTED-Quake kills 19", minutes=30)
    # another outlet runs the corrected item under the same slugged headline: a reprint, not a version
    copy = story("r", V2, title="CORRECTED-Quake kills 19", feed="http://daily.example/rss", minutes=40)
    resolve_cluster([u1, copy], known)
    assert (u1.version, u1.previous_story_id) == (2, "a")
    assert (copy.version, copy.previous_story_id, copy.stale) == (1, None, False)


def test_a_slug_without_an_earlier_item_is_a_first_version():
    lone = story("b", V2, title="UPDATE 1-Quake kills 19")
    assert resolve_cluster([lone], [])["b"].version == 1 and lone.version == 1 and lone.previous_story_id is None


def chain(*texts):
    return [VersionInfo(story_id=f"v{i}", feed="http://wire.example/feed.xml", version=i, version_of="v1",
                        sentences=sentence_hashes(t), published=float(i)) for i, t in enumerate(texts, 1)]


def test_stale_reprints():
    versions = chain(V1, V2)
    old_reprint = "By our correspondent. " + V1 + " More on our website every day now."
    assert is_stale(sentence_hashes(old_reprint), versions)
    assert not is_stale(sentence_hashes(V2), versions)                              # fresh
    assert not is_stale(sentence_hashes(V1.split(". ")[0] + "."), versions)         # the lead only: no evidence
    assert not is_stale(sentence_hashes(V1), chain(V1))                            # one version: never stale
    v3 = V2.replace("searched collapsed buildings", "ended their search of collapsed buildings")
    assert is_stale(sentence_hashes(V2), chain(V1, V2, v3))                        # v2 of three
    assert not is_stale(sentence_hashes(V1), chain(V1, V1 + " One more sentence was added here."))  # a limit


def test_resolve_cluster_flags_stale_reprints_against_the_chain():
    known = [info_of_row(dict(state_columns(story("a", V1)), story_id="a"))]
    v2 = story("b", V2, version=2, previous_story_id="a", version_of="a", minutes=30)
    stale = story("r1", V1, feed="http://late.example/rss", title="Coastal quake", minutes=40)
    fresh = story("r2", "From the wires. " + V2, feed="http://daily.example/rss", title="Coastal quake", minutes=45)
    resolve_cluster([v2, stale, fresh], known)
    assert (stale.stale, fresh.stale, v2.stale) == (True, False, False)
    assert stale.version == fresh.version == 1


def test_stream_identity_step_makes_versions_and_sees_them_again():
    window = 7 * 86400.0
    first = story("head", V1, minutes=0)
    entry, s, exact_of, _ = identity_step(None, first, window)
    assert (s.story_id, exact_of, s.version) == ("head", None, 1)
    entry, s, exact_of, _ = identity_step(entry, story("head", V1.replace(" ", "  "), minutes=1), window)
    assert s.disposition == "already_seen" and s.story_id == "head"                # a re-render
    entry, v2, exact_of, _ = identity_step(entry, story("head", V2, minutes=2), window)
    assert v2.disposition != "already_seen" and exact_of == "head"
    assert (v2.version, v2.previous_story_id, v2.story_id) == (2, "head", version_id("head", sentence_hashes(V2)))
    entry, s, exact_of, _ = identity_step(entry, story("head", V2, minutes=3), window)
    assert s.disposition == "already_seen" and s.story_id == v2.story_id


def test_stream_identity_step_against_remembered_versions():
    window = 7 * 86400.0
    rows = [dict(state_columns(story("head", V1)), story_id="head", seen_at=T0),
            dict(state_columns(story("head", V2, version=2, version_of="head")), story_id="v2", seen_at=T0)]
    infos = [info_of_row(r) for r in rows]
    entry, s, exact_of, _ = identity_step(None, story("head", V2, minutes=5), window, rows[0], infos)
    assert s.disposition == "already_seen" and s.story_id == "v2"
    entry, s, exact_of, _ = identity_step(None, story("head", V3, minutes=5), window, rows[0], infos)
    assert (s.version, s.previous_story_id, exact_of) == (3, "v2", "v2")
    assert s.disposition != DUPLICATE


def test_guid_kept_url_changed_is_a_version_when_the_content_differs():
    known = [info_of_row(dict(state_columns(story("a", V1, guid="tag:wire,1")), story_id="a"))]
    moved = story("b", V2, guid="tag:wire,1", minutes=30)
    resolve_cluster([moved], known)
    assert (moved.version, moved.previous_story_id) == (2, "a")
    same = story("c", V1 + " ", guid="tag:wire,1", minutes=30)          # moved, same content: no version
    resolve_cluster([same], known)
    assert same.version == 1
    other_feed = story("d", V2, guid="tag:wire,1", feed="http://daily.example/rss")
    resolve_cluster([other_feed], known)
    assert other_feed.version == 1


def test_a_state_generation_without_the_version_columns_still_reads_and_writes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from transforms.dedupe.state import STATE_SCHEMA, read_rows
    from transforms.dedupe.versions import chains_by_identity
    old_schema = pa.schema([f for f in STATE_SCHEMA if f.name in (
        "story_id", "root_key", "seen_at", "content_key", "feed_agency", "n_shingles", "sketch", "keys", "language")])
    assert len(old_schema) == 9 and STATE_SCHEMA.names[:9] == old_schema.names     # new columns at the end
    row = {"story_id": "head", "root_key": "0|1|2026-12-01T06:00:00|f|000000001|head", "seen_at": T0,
           "content_key": None, "feed_agency": None, "n_shingles": 10, "sketch": [1, 2], "keys": [3], "language": "en"}
    path = tmp_path / "stories-00000-of-00004.parquet"
    pq.write_table(pa.Table.from_pylist([row], schema=old_schema), str(path))
    rows = read_rows(str(path))
    assert chains_by_identity(rows) == {"head": rows}
    info = info_of_row(rows[0])
    assert (info.version, info.sentences, info.guid) == (1, None, None)
    s = story("head", V2)
    assert identity_version(s, [info]).story_id == "head"      # unknown content: seen, never re-versioned
    again = pa.Table.from_pylist(rows, schema=STATE_SCHEMA).to_pylist()[0]   # written back: nulls
    assert again["version"] is None and again["version_sentences"] is None and again["story_id"] == "head"
