"""What Dedupe's batch graph sends through its shuffles: compact forms that give back exactly
what the decision code reads."""
import dataclasses
import datetime as dt

import numpy as np

from transforms.clean.stories import content_hash, stable_id
from transforms.coders import RecordCoder
from transforms.dedupe.batch import slim_fingerprint
from transforms.dedupe.candidates import (compact_id, fingerprint_feed, fingerprint_input, full_id,
                                          pack_keys, set_side, unpack_keys, verify_set)
from transforms.dedupe.state import compact_row, parquet_row, row_fingerprint, state_row
from transforms.records import Story

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)
TEXT = ("Governor Ilse Marten told reporters in the capital that the board had discussed a cut but chose "
        "to wait for the January figures before moving, a decision most analysts had forecast.\n\n"
        "The bank also published new forecasts showing growth of 1.2 percent next year, slightly below its "
        "September projection, as exports to neighbouring countries slowed sharply.")


def _story(sid="a" * 20, feed="https://feed.example/rss", text=TEXT):
    s = Story(story_id=sid, feed_url=feed, title="Rates", text=text, published=T0, feed_agency="Reuters",
              entry_index=3, url="https://x.example/1", canonical_url="https://x.example/1", guid="g1",
              summary="a summary " * 20, word_count=len(text.split()))
    s.content_hash = content_hash(s.title, s.text)
    return s


def test_keys_pack_to_six_bytes_and_back():
    keys = [0, 1, (228 << 40) | (9 << 32) | 0xFFFFFFFF, (1 << 48) - 1, 12345]
    packed = pack_keys(keys)
    assert isinstance(packed, bytes) and len(packed) == 6 * len(keys)
    assert unpack_keys(packed) == keys and all(type(k) is int for k in unpack_keys(packed))
    assert unpack_keys(pack_keys([])) == []
    assert pack_keys([1 << 48, 2]) == [1 << 48, 2]           # too wide: stays a list
    assert pack_keys([-1, 2]) == [-1, 2]
    assert unpack_keys([5, 6]) == [5, 6]


def test_compact_id_round_trip():
    sid = stable_id("x")
    assert isinstance(compact_id(sid), bytes) and len(compact_id(sid)) == 10 and full_id(compact_id(sid)) == sid
    for other in ("0000", "copy", sid.upper(), "g" * 20, "a" * 19 + " "):
        assert compact_id(other) == other and full_id(compact_id(other)) == other


def test_fingerprint_input_gives_the_same_fingerprints():
    stories = [_story(stable_id(str(i)), text=TEXT + f"\n\nPara {i} with Names Like Kato and 4{i}.") for i in range(3)]
    full = list(fingerprint_feed(stories))
    slim = list(fingerprint_feed([fingerprint_input(s) for s in stories]))
    for a, b in zip(full, slim):
        assert np.array_equal(a.shingles, b.shingles)
        assert dataclasses.replace(a, shingles=None) == dataclasses.replace(b, shingles=None)
    c = RecordCoder()
    assert len(c.encode(fingerprint_input(stories[0]))) < len(c.encode(stories[0])) - 200


def test_verify_set_side_reads_the_same():
    (fp,) = fingerprint_feed([_story()])
    side = set_side(verify_set(fp))
    assert np.array_equal(side.shingles, fp.shingles) and side.n == fp.n_shingles
    assert side.facts == fp.facts and type(side.facts) is tuple and len(fp.facts) >= 3
    other = dataclasses.replace(fp, feed="https://other.example/rss")
    assert set_side(verify_set(fp)).feed == side.feed != set_side(verify_set(other)).feed
    assert set_side(verify_set(dataclasses.replace(fp, feed=None, facts=None)))[2:] == (None, None)


def test_slim_fingerprint_and_compact_row_keep_the_state_row():
    (fp,) = fingerprint_feed([_story()])
    slim = RecordCoder().decode(RecordCoder().encode(slim_fingerprint(fp)))
    assert slim.feed is None and slim.facts is None and isinstance(slim.keys, bytes)
    row = state_row(fp, fp.label, T0, "en")
    again = state_row(dataclasses.replace(slim, keys=unpack_keys(slim.keys)), fp.label, T0, "en")
    assert again == row
    wire = RecordCoder().decode(RecordCoder().encode(compact_row(dict(row))))
    assert isinstance(wire["keys"], bytes) and compact_row(dict(wire))["keys"] == wire["keys"]   # idempotent
    back = parquet_row(wire)        # the keys a list again; the sketch stays a uint32 array (pyarrow takes it)
    assert back["sketch"].dtype == np.uint32 and back["sketch"].tolist() == row["sketch"]
    assert dict(back, sketch=None) == dict(row, sketch=None) and type(back["keys"][0]) is int
    old = row_fingerprint(row)
    slim_old = slim_fingerprint(old)
    assert slim_old.keys == [] and slim_old.content_key is None and slim_old.label == old.label
    assert np.array_equal(slim_old.shingles, old.shingles) and slim_old.feed_agency == old.feed_agency
