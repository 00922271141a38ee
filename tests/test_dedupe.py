"""Dedupe (exact level): identity copies and identical texts collapse onto one canonical story."""
import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean import content_hash, stable_id
from transforms.dedupe import Dedupe
from transforms.records import Story

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)
BODY = "The central bank left its main rate unchanged on Thursday and signalled a cut next spring."


def story(sid, feed, text=BODY, minutes=0, agency=None, title="Rates on hold", guid=None):
    s = Story(story_id=sid, feed_url=feed, title=title, text=text, published=T0 + dt.timedelta(minutes=minutes),
              feed_agency=agency, guid=guid, word_count=len(text.split()))
    s.content_hash = content_hash(title, text)
    return s


def check(stories, expected):
    with TestPipeline() as p:
        out = (p | beam.Create(stories) | Dedupe()
               | beam.Map(lambda s: (s.story_id, s.disposition, s.duplicate_of, s.cluster_id, s.similarity)))
        assert_that(out, equal_to(expected))


def test_same_identity_in_two_feeds_earliest_is_canonical():
    a = story("id1", "https://a.example/rss", minutes=5)
    b = story("id1", "https://b.example/rss", minutes=0)
    copy_id = stable_id("id1", "https://a.example/rss", "", a.content_hash, "0")
    check([a, b], [("id1", "story", None, "id1", None),
                   (copy_id, "duplicate", "id1", "id1", 1.0)])


def test_agency_own_item_wins_over_earlier_outlet_copy():
    outlet = story("u1", "https://outlet.example/rss", minutes=-30)
    wire = story("w1", "https://wire.example/rss", minutes=0, agency="Xinhua")
    check([outlet, wire], [("w1", "story", None, "w1", None), ("u1", "duplicate", "w1", "w1", 1.0)])


def test_chain_points_at_root_never_at_a_duplicate():
    # x1 and x1' share an identity; x1 and y2 share a text; y2 is earliest: both others point at y2.
    x1 = story("x1", "https://a.example/rss", minutes=10)
    x1b = story("x1", "https://b.example/rss", minutes=20)
    y2 = story("y2", "https://c.example/rss", minutes=0)
    copy_id = stable_id("x1", "https://b.example/rss", "", x1b.content_hash, "0")
    check([x1, x1b, y2], [("y2", "story", None, "y2", None), ("x1", "duplicate", "y2", "y2", 1.0),
                          (copy_id, "duplicate", "y2", "y2", 1.0)])


def test_short_texts_never_match_by_content():
    a = story("s1", "https://a.example/rss", text="Live updates", title="Live")
    b = story("s2", "https://b.example/rss", text="Live updates", title="Live")
    check([a, b], [("s1", "story", None, "s1", None), ("s2", "story", None, "s2", None)])


def test_different_texts_stay_separate():
    a = story("a", "https://a.example/rss")
    b = story("b", "https://b.example/rss", text=BODY.replace("unchanged", "higher by a quarter point"))
    check([a, b], [("a", "story", None, "a", None), ("b", "story", None, "b", None)])
