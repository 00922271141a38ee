"""Clean: text, canonical URL, dates and the stable story_id."""
import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean.stories import DATE_CLAMPED, DATE_MISSING, Clean, clean_story, identity, stable_id
from transforms.records import Story

UTC = dt.timezone.utc
FETCHED = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = dt.timedelta(hours=24)


def raw(**kw):
    base = dict(feed_url="https://a.example/rss", url="https://WWW.A.example:443/x?utm_source=rss&id=3#top",
                title_html="Port &amp; <b>strike</b>", summary_html="<p>One.</p><p>Two.</p>",
                content_html="<p>ONE para.</p><p>Follow us on:</p><p>Two para.</p>",
                published=dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC), fetched_at=FETCHED)
    base.update(kw)
    return Story(**base)


def test_text_url_and_id():
    s = clean_story(raw(), DAY)
    assert s.title == "Port & strike"
    assert s.text == "ONE para.\n\nTwo para."
    assert s.summary == "One.\n\nTwo."
    assert s.canonical_url == "https://www.a.example/x?id=3"
    assert s.story_id == stable_id("url:https://www.a.example/x?id=3")
    assert s.title_html == s.content_html == ""


def test_id_falls_back_to_guid_then_title_and_date():
    assert identity(clean_story(raw(url="", guid="g-1"), DAY)) == "guid:g-1"
    assert identity(clean_story(raw(url="", guid=None), DAY)).startswith("title:port strike|2026-11-27")


def test_same_entry_same_id_from_two_feeds():
    a = clean_story(raw(feed_url="https://a.example/rss"), DAY)
    b = clean_story(raw(feed_url="https://b.example/rss", url="https://www.a.example/x?id=3&utm_medium=x"), DAY)
    assert a.story_id == b.story_id


def test_missing_and_future_dates_use_fetch_time():
    missing = clean_story(raw(published=None), DAY)
    assert (missing.published, missing.flags) == (FETCHED, [DATE_MISSING])
    future = clean_story(raw(published=dt.datetime(9999, 1, 1, tzinfo=UTC)), DAY)
    assert (future.published, future.flags) == (FETCHED, [DATE_CLAMPED])
    old = clean_story(raw(published=dt.datetime(1900, 1, 1, tzinfo=UTC)), DAY)
    assert (old.published.year, old.flags) == (1900, [])


def test_summary_used_as_text_when_no_content():
    s = clean_story(raw(content_html=""), DAY)
    assert s.text == "One.\n\nTwo."


def test_transform_cleans_and_dead_letters():
    bad = raw()
    bad.fetched_at = "not a date"
    with TestPipeline() as p:
        out = p | beam.Create([raw(), bad]) | Clean()
        assert_that(out["stories"] | beam.Map(lambda s: s.title), equal_to(["Port & strike"]), label="ok")
        assert_that(out["dead_letter"] | "dl" >> beam.Map(lambda d: (d.stage, d.entry)),
                    equal_to([("clean", "https://WWW.A.example:443/x?utm_source=rss&id=3#top")]), label="dl")
