"""transforms/coders.py: records cross shuffles and live in streaming state without pickle, the
coder Beam picks is RecordCoder, and data written by the previous version of a record class
(one field fewer) still decodes, in state as in a shuffle."""
import collections
import dataclasses
import datetime as _dt
import pickle
from typing import Any, Tuple

import apache_beam as beam
import numpy as np
import pytest
from apache_beam import coders as beam_coders
from apache_beam.testing.util import assert_that, equal_to

from transforms.coders import RECORDS, STATE_CODER, RecordCoder, field_tag, record_class, register_record
from transforms.dedupe.batch import Member, RootSet
from transforms.dedupe.candidates import Fingerprint
from transforms.dedupe.components import Offer
from transforms.fetch.poll import FeedPoll
from transforms.records import (UTC, ClusterEvent, DeadLetter, FeedDocument, FeedSource, FeedStatus, Story, Tally)
from transforms.write.partitioned import PartitionWritten

T = _dt.datetime(2026, 11, 20, 10, 0, 1, 123456, tzinfo=UTC)
CODER = RecordCoder()


def full_story(**changes) -> Story:
    story = Story(story_id="0123456789abcdef0123", feed_url="https://f.example/feed.xml", source_name="F",
                  url="https://f.example/a?x=1", canonical_url="https://f.example/a", guid="g-1",
                  title="Ünïcode title 東京", summary="s", text="one\n\ntwo " * 50, authors=["A", "B"],
                  categories=["world"], published=T, published_raw="Fri, 20 Nov 2026 10:00:01 GMT",
                  fetched_at=T + _dt.timedelta(minutes=5), language="de", language_confidence=0.97,
                  agencies=["Reuters"], agencies_inferred=["AP"], agency_sourced=True, credit="(Reuters)",
                  credit_position="dateline", dateline="BERLIN", word_count=100, content_hash="ab" * 8,
                  cluster_id="c", duplicate_of="c", similarity=0.75, declared_language="de",
                  feed_agency="Reuters", title_html="<b>t</b>", summary_html="<p>s</p>", content_html="<p>x</p>",
                  entry_index=7, disposition="duplicate", flags=["mojibake_repaired"], text_source="article",
                  link_rule="near_duplicate", linked_to="d", containment=0.8, containment_reverse=0.6)
    return dataclasses.replace(story, **changes)


SAMPLES = [
    full_story(),
    Story(),                                     # every field at its default
    Story(published=_dt.datetime(1, 1, 1, tzinfo=UTC), fetched_at=_dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
          language_confidence=0.0, word_count=0, entry_index=-3),
    FeedSource("https://u:p@h/f.xml", source_name="H", agency="AFP", listed_in="list.opml", via=("a", "b")),
    FeedDocument(FeedSource("https://h/f.xml"), body=b"\x00\xff<rss/>", headers={"ETag": '"x"', "Content-Type": "a"},
                 status=304, final_url="https://h/g.xml", fetched_at=T, retries=2, permanent_redirect="x",
                 seconds=1.5),
    DeadLetter.make("parse", "https://h/f.xml", "E: bad \x00", entry="e", excerpt=b"\xff\xfe"),
    FeedStatus("https://h/f.xml", "ok", entries=3, bozo=True, discovered=["a"], bytes=10, seconds=0.25),
    Tally("already_seen", 0),
    ClusterEvent("c", "merged", "t", "s", "merge", None, T, "run"),
    PartitionWritten("stories", [("a", "b")], 3, 1, {"en": 2}, {"AP": 1}, {"F": [2, 1]}, {"x": 1}),
    Fingerprint("s", "label", np.array([1, 5, 2 ** 32 - 1], dtype=np.uint32), 3, [1, 2], None, "AP",
                old=True, feed="f", facts=(1, 2)),
    Member("root", (full_story(), np.array([3, 4], dtype=np.uint32), 2)),
    RootSet("s", (np.array([], dtype=np.uint32), 0)),
    Offer("n", "l"),
    FeedPoll(due=12.5, wait=60.0, etag='"e"', digest="d" * 64, last_tick=4, last_outcome="changed"),
]


def same(a, b) -> bool:
    """Equal, numpy arrays (possibly nested in tuples) compared element-wise and by dtype."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, tuple) and not hasattr(a, "_fields") or isinstance(a, list):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a) or hasattr(a, "_fields"):
        fields = [f.name for f in dataclasses.fields(a)] if dataclasses.is_dataclass(a) else a._fields
        return type(a) is type(b) and all(same(getattr(a, n), getattr(b, n)) for n in fields)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
def test_every_record_round_trips_with_its_types(record):
    encoded = CODER.encode(record)
    assert same(CODER.decode(encoded), record)
    assert b"transforms" not in encoded and b"pickle" not in encoded      # no class path: not a pickle
    assert CODER.encode(CODER.decode(encoded)) == encoded                 # stable


def test_a_story_is_smaller_than_its_pickle_and_defaults_cost_nothing():
    story = full_story()
    assert len(CODER.encode(story)) <= len(pickle.dumps(story, pickle.HIGHEST_PROTOCOL))   # every field set
    sparse = Story(story_id="s", title="x", text="y", language="en")
    assert len(CODER.encode(sparse)) < len(pickle.dumps(sparse, pickle.HIGHEST_PROTOCOL)) / 2
    assert len(CODER.encode(Story())) == 7   # type byte, extension byte, id, no tags, empty list (2), no repeats
    assert len(CODER.encode(Story(title="x"))) == len(CODER.encode(Story())) + 2 + 3   # a tag, str(1)


def test_a_repeated_string_is_written_once():
    text = "a long paragraph of text " * 40
    twice = Story(text=text, summary=text, url="https://f.example/a/long/path", canonical_url="https://f.example/a/long/path")
    once = Story(text=text, url="https://f.example/a/long/path")
    assert len(CODER.encode(twice)) == len(CODER.encode(once)) + 2 * 2 + 2 + 2 * 4   # two tags, two Nones, two pairs
    assert CODER.decode(CODER.encode(twice)) == twice


def test_beam_picks_record_coder_for_untyped_and_record_typed_pcollections():
    registry = beam_coders.registry
    for hint in (Any, Story, FeedPoll, Tuple[str, Story]):
        coder = registry.get_coder(hint)
        assert "RecordCoder" in repr(coder), (hint, coder)
    # keys of a GroupByKey: Beam asks for a deterministic coder and gets its own
    key = registry.get_coder(Any).as_deterministic_coder("GroupByKey")
    assert key.is_deterministic() and not RecordCoder().is_deterministic()
    assert key.encode(("stories", "2026-11-20", "en", 0)) == key.encode(("stories", "2026-11-20", "en", 0))
    with pytest.raises(TypeError):                      # a record as a key: refused, not mis-grouped
        key.encode(Story())


def test_stories_cross_a_real_group_by_key_intact():
    stories = [full_story(story_id=f"s{i}", feed_url=f"f{i % 2}") for i in range(6)]
    with beam.Pipeline() as p:
        grouped = (p | beam.Create(stories) | beam.Map(lambda s: (s.feed_url, s)) | beam.GroupByKey()
                   | beam.MapTuple(lambda feed, group: (feed, sorted((s.story_id, s == full_story(
                       story_id=s.story_id, feed_url=feed)) for s in group))))
        assert_that(grouped, equal_to([("f0", [("s0", True), ("s2", True), ("s4", True)]),
                                       ("f1", [("s1", True), ("s3", True), ("s5", True)])]))


def older_version(cls, dropped: str):
    """`cls` as its previous version defined it: the same module and name, one field fewer."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
              for f in dataclasses.fields(cls) if f.name != dropped]
    old = dataclasses.make_dataclass(cls.__name__, fields)
    old.__module__, old.__qualname__ = cls.__module__, cls.__qualname__
    return old


def test_a_story_written_by_the_previous_story_class_decodes_with_the_new_one():
    OldStory = older_version(Story, "containment_reverse")
    values = {f.name: getattr(full_story(), f.name) for f in dataclasses.fields(OldStory)}
    encoded = CODER.encode(OldStory(**values))
    story = CODER.decode(encoded)
    assert type(story) is Story
    assert story.containment_reverse is None                     # the new field: its default
    assert same(story, full_story(containment_reverse=None))
    # a list field missing gets a fresh default, not one shared between records
    OldStory = older_version(Story, "flags")
    a, b = CODER.decode(CODER.encode(OldStory())), CODER.decode(CODER.encode(OldStory()))
    a.flags.append("x")
    assert b.flags == [] and Story().flags == []


def test_a_field_the_class_no_longer_has_is_skipped():
    @dataclasses.dataclass
    class Tally:                           # a later version with one more field
        kind: str
        n: int = 1
        weight: float = 1.0
    Tally.__module__, Tally.__qualname__ = "transforms.records", "Tally"
    decoded = CODER.decode(CODER.encode(Tally("x", 3, weight=2.5)))
    assert decoded == record_class(6)("x", 3) and not hasattr(decoded, "weight")


def test_streaming_state_written_by_the_previous_feed_poll_class_decodes():
    OldPoll = older_version(FeedPoll, "hint")
    state = {"https://h/a.xml": OldPoll(due=30.0, wait=60.0, etag='"e"', digest="d", last_tick=2,
                                        last_outcome="unchanged"),
             "https://h/b.xml": OldPoll()}
    value = STATE_CODER.decode(STATE_CODER.encode(state))      # what the state spec stores and reads
    assert value == {"https://h/a.xml": FeedPoll(due=30.0, wait=60.0, etag='"e"', digest="d", last_tick=2,
                                                 last_outcome="unchanged", hint=None),
                     "https://h/b.xml": FeedPoll()}
    assert all(type(v) is FeedPoll for v in value.values())


def test_every_streaming_state_spec_uses_the_state_coder():
    """Every state spec of every DoFn of the streaming modules (found, not listed: a new step's
    state cannot slip back to PickleCoder)."""
    import inspect  # noqa: PLC0415

    from apache_beam.transforms import userstate  # noqa: PLC0415

    import transforms.dedupe.stream as stream  # noqa: PLC0415
    import transforms.fetch.poll as poll  # noqa: PLC0415
    specs = {f"{cls.__name__}.{name}": spec for module in (stream, poll)
             for cls in vars(module).values() if inspect.isclass(cls) and cls.__module__ == module.__name__
             for name, spec in vars(cls).items() if isinstance(spec, userstate.StateSpec)}
    assert {"_Identity.ENTRY", "_Fingerprint.RECENT", "_Shards.LOG", "_Decide.PENDING", "_Clusters.LOG",
            "_PollGroup.FEEDS"} <= set(specs)
    assert [n for n, spec in specs.items() if spec.coder is not STATE_CODER] == []


def test_streaming_state_values_keep_their_types():
    recent = collections.OrderedDict([("s1", frozenset({1, 2})), ("s2", frozenset())])
    entry = {"seen": 1.5, "ids": {"a", "b"}, "feeds": {"f": {"ids": ["a"]}}}
    log = [("add", "s", 1.0, -1.0, "root", np.array([1, 2], dtype=np.uint32), 2, (1, 2), None, "AP"),
           ("meta", "s", "0|1|x", None, "en")]
    for value in (recent, entry, log, "token"):
        back = STATE_CODER.decode(STATE_CODER.encode(value))
        assert same(back, value) if isinstance(value, list) else (back == value and type(back) is type(value))
    assert list(STATE_CODER.decode(STATE_CODER.encode(recent))) == ["s1", "s2"]      # order kept


def test_other_values_still_travel_by_pickle():
    naive, tokyo = _dt.datetime(2026, 1, 1, 9), _dt.datetime(2026, 1, 1, 9, tzinfo=_dt.timezone(_dt.timedelta(hours=9)))
    for value in (ValueError("x"), naive, tokyo, np.float32(1.5), 2 ** 70):
        back = CODER.decode(CODER.encode(value))
        assert type(back) is type(value) and str(back) == str(value)
        if isinstance(value, _dt.datetime):
            assert back == value and back.utcoffset() == value.utcoffset()


def test_colliding_field_tags_and_unknown_classes_are_refused():
    names = {}
    for i in range(200000):
        tag = field_tag(f"f{i}")
        if tag in names:
            clash = (names[tag], f"f{i}")
            break
        names[tag] = f"f{i}"
    Clash = dataclasses.make_dataclass("Story", [(clash[0], int, 0), (clash[1], int, 0)])
    Clash.__module__ = "transforms.records"
    with pytest.raises(TypeError, match="share a coder tag"):
        CODER.encode(Clash())
    Unlisted = dataclasses.make_dataclass("Unlisted", [("a", int, 0)])
    with pytest.raises(TypeError, match="no id"):
        register_record(Unlisted)
    with pytest.raises(ValueError, match="unknown record id"):
        record_class(max(RECORDS) + 1)


def test_every_listed_record_class_exists_and_has_distinct_tags():
    for cid in RECORDS:
        cls = record_class(cid)
        names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else list(cls._fields)
        assert len({field_tag(n) for n in names}) == len(names)


def test_an_older_pickled_story_loads_with_defaults_for_the_new_fields():
    from transforms.records import STORY_FIELDS  # noqa: PLC0415
    story = full_story(version=2, previous_story_id="p", stale=True, version_of="v", identity_id="i", feed_text="f")
    func, args = story.__reduce__()
    old = func(*args[:-1])                    # the pickle of a Story one field shorter
    last, before = STORY_FIELDS[-1], STORY_FIELDS[-2]
    assert getattr(old, last) == getattr(Story(), last) != getattr(story, last)
    assert getattr(old, before) == getattr(story, before)
    assert set(vars(old)) == set(STORY_FIELDS)


def test_a_utc_time_read_from_parquet_travels_as_microseconds_not_as_a_pickle():
    # pyarrow gives a timestamp column with tz "UTC" as datetimes in zoneinfo's UTC: the state rows
    # every run reads back. They travel as UTC microseconds (not a 130-byte pickle of the zone).
    import zoneinfo
    for zone in (zoneinfo.ZoneInfo("UTC"), zoneinfo.ZoneInfo("Etc/UTC")):
        t = _dt.datetime(2026, 11, 20, 10, 0, 1, 123456, tzinfo=zone)
        encoded = CODER.encode(t)
        back = CODER.decode(encoded)
        assert len(encoded) <= 12 and back == t and back.tzinfo is UTC
        assert len(CODER.encode({"seen_at": t})) == len(CODER.encode({"seen_at": T}))
    london = _dt.datetime(2026, 7, 1, 9, tzinfo=zoneinfo.ZoneInfo("Europe/London"))   # not UTC: by pickle
    back = CODER.decode(CODER.encode(london))
    assert back == london and back.tzinfo == london.tzinfo
