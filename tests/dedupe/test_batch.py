"""Dedupe: exact copies and near-duplicate reprints collapse onto one canonical story."""
import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean.stories import content_hash, stable_id
from transforms.dedupe import Dedupe
from transforms.records import Story

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)
P1 = ("The central bank left its main interest rate unchanged on Thursday, saying inflation had eased "
      "faster than expected over the autumn months while wage growth stayed firm.")
P2 = ("Governor Ilse Marten told reporters in the capital that the board had discussed a cut but chose "
      "to wait for the January figures before moving, a decision most analysts had forecast.")
P3 = ("Markets barely moved after the announcement, with the currency trading flat against the euro and "
      "government bond yields edging down by two basis points in late trade.")
P4 = ("The bank also published new forecasts showing growth of 1.2 percent next year, slightly below its "
      "September projection, as exports to neighbouring countries slowed sharply.")
BODY = "\n\n".join([P1, P2, P3, P4])
OTHER = ("Heavy snow closed three mountain passes on Tuesday and left hundreds of drivers stranded overnight in "
         "their cars, police said, as crews worked through the night to clear drifts up to two metres deep "
         "along the main highway to the border.")


def story(sid, feed, text=BODY, minutes=0, agency=None, title="Rates on hold", guid=None, agencies=()):
    s = Story(story_id=sid, feed_url=feed, title=title, text=text, published=T0 + dt.timedelta(minutes=minutes),
              feed_agency=agency, guid=guid, word_count=len(text.split()), agencies=list(agencies))
    s.content_hash = content_hash(title, text)
    return s


def check(stories, expected):
    with TestPipeline() as p:
        out = (p | beam.Create(stories) | Dedupe())["stories"] | beam.Map(
            lambda s: (s.story_id, s.disposition, s.duplicate_of, s.cluster_id, s.similarity))
        assert_that(out, equal_to(expected))


def test_same_identity_in_two_feeds_earliest_is_canonical():
    a = story("id1", "https://a.example/rss", minutes=5)
    b = story("id1", "https://b.example/rss", minutes=0)
    copy_id = stable_id("id1", "https://a.example/rss", "", a.content_hash, "0")
    check([a, b], [("id1", "story", None, "id1", None), (copy_id, "duplicate", "id1", "id1", 1.0)])


def test_agency_own_item_wins_over_earlier_outlet_copy():
    outlet = story("u1", "https://outlet.example/rss", minutes=-30)
    wire = story("w1", "https://wire.example/rss", minutes=0, agency="Xinhua")
    check([outlet, wire], [("w1", "story", None, "w1", None), ("u1", "duplicate", "w1", "w1", 1.0)])


def test_chain_points_at_root_never_at_a_duplicate():
    x1 = story("x1", "https://a.example/rss", minutes=10)
    x1b = story("x1", "https://b.example/rss", minutes=20)
    y2 = story("y2", "https://c.example/rss", minutes=0)
    copy_id = stable_id("x1", "https://b.example/rss", "", x1b.content_hash, "0")
    check([x1, x1b, y2], [("y2", "story", None, "y2", None), ("x1", "duplicate", "y2", "y2", 1.0),
                          (copy_id, "duplicate", "y2", "y2", 1.0)])


def test_near_duplicates_abridged_reheadlined_and_edited():
    wire = story("w", "https://wire.example/rss", agency="Reuters")
    abridged = story("a", "https://a.example/rss", text="\n\n".join([P1, P2]), title="Bank holds", minutes=30)
    edited = story("e", "https://e.example/rss", minutes=40, title="No change at the central bank",
                   text="\n\n".join([P1.replace("Thursday", "Thursday afternoon"), P2, P4,
                                     "The Daily Ledger with inputs from Agencies"]))
    with TestPipeline() as p:
        out = (p | beam.Create([wire, abridged, edited]) | Dedupe())["stories"] | beam.Map(
            lambda s: (s.story_id, s.duplicate_of, s.similarity is not None and s.similarity >= 0.8,
                       s.agencies_inferred, s.agency_sourced))
        assert_that(out, equal_to([("w", None, False, ["Reuters"], True),
                                   ("a", "w", True, ["Reuters"], True),
                                   ("e", "w", True, ["Reuters"], True)]))


def test_short_texts_and_different_stories_stay_separate():
    a = story("s1", "https://a.example/rss", text="Live updates", title="Live")
    b = story("s2", "https://b.example/rss", text="Live updates", title="Live")
    c = story("c", "https://c.example/rss", text=OTHER, title="Snow")
    d = story("d", "https://d.example/rss")
    check([a, b, c, d], [("s1", "story", None, "s1", None), ("s2", "story", None, "s2", None),
                         ("c", "story", None, "c", None), ("d", "story", None, "d", None)])


def test_shared_boilerplate_of_one_outlet_does_not_link_its_stories():
    footer = ("About the Valley Gazette: the Valley Gazette has covered the river towns since 1921 and is "
              "owned by its readers' cooperative. Follow us on social media and subscribe to our newsletter.")
    a = story("a", "https://gazette.example/rss", text=P1 + "\n\n" + footer)
    b = story("b", "https://gazette.example/rss", text=OTHER + "\n\n" + footer, title="Snow")
    check([a, b], [("a", "story", None, "a", None), ("b", "story", None, "b", None)])
