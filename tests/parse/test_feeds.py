"""ParseFeeds: feed bytes -> Stories, statuses and dead letters."""
import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.support import FIXTURES
from transforms.parse.feeds import ParseFeeds, describe_non_feed, parse_document
from transforms.records import FeedDocument, FeedSource

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


def doc(name, **kw):
    path = str(FIXTURES / "feeds" / name)
    return FeedDocument(source=FeedSource(location=path, **kw),
                        body=open(path, "rb").read(), fetched_at=NOW)


def test_rss_entries_carry_fields():
    status, stories, dead = parse_document(doc("coastal-rss.xml"))
    assert (status.outcome, status.entries, dead) == ("ok", 3, [])
    first = stories[0]
    assert first.guid == "cc-10001"
    assert first.url.startswith("https://www.coastalcourier.example/world/port-strike-third-day")
    assert first.published == dt.datetime(2026, 11, 26, 12, 35, tzinfo=dt.timezone.utc)
    assert first.published_raw == "Thu, 26 Nov 2026 18:05:00 +0530"
    assert first.authors == ["Mira Holt"] and first.categories == ["Business"]
    assert "Dock workers kept the cranes idle" in first.content_html
    assert first.declared_language == "en-gb"
    assert first.source_name == "Coastal Courier - World"
    assert stories[2].published is None and stories[2].published_raw is None


def test_atom_language_and_source_name_from_opml():
    status, stories, _ = parse_document(doc("harbour-atom.xml", source_name="The Harbour Times"))
    assert status.entries == 2
    assert {s.source_name for s in stories} == {"The Harbour Times"}
    assert stories[0].declared_language == "en"
    assert stories[0].guid == "tag:harbourtimes.example,2026:port-strike"


def test_html_page_is_a_dead_letter_that_says_what_it_got():
    status, stories, dead = parse_document(doc("not-a-feed.html"))
    assert status.outcome == "failed" and stories == []
    assert dead[0].stage == "parse" and dead[0].entry is None
    assert dead[0].error == "NotAFeed: not a feed: got an HTML page titled '502 Bad Gateway'"
    assert dead[0].excerpt.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("body,expected", [
    (b"", "not a feed: the document is empty"),
    (b'{"items": []}', "not a feed: got JSON"),
    (bytes(range(256)) * 4, "not a feed: got binary data"),
    (b"hello there", "not a feed: got plain text"),
    (b"<?xml version='1.0'?><rss><channel><title>cut",
     "not a feed: truncated XML, the <rss> document ends early and holds no entries"),
])
def test_describe_non_feed(body, expected):
    assert describe_non_feed(body).startswith(expected)


def test_transform_routes_outputs():
    docs = [doc("coastal-rss.xml"), doc("not-a-feed.html"),
            FeedDocument(source=FeedSource("https://x.example/feed"), status=304, fetched_at=NOW)]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | ParseFeeds()
        assert_that(out["stories"] | "guids" >> beam.Map(lambda s: s.guid),
                    equal_to(["cc-10001", "https://www.coastalcourier.example/weather/storm-warning",
                              None]), label="stories")
        assert_that(out["status"] | "st" >> beam.Map(lambda s: (s.outcome, s.entries)),
                    equal_to([("ok", 3), ("failed", 0)]), label="status")
        assert_that(out["dead_letter"] | "dl" >> beam.Map(lambda d: (d.stage, d.error[:9])),
                    equal_to([("parse", "NotAFeed:")]), label="dead")
