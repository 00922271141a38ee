"""JSON Feed, news sitemaps, sitemap indexes and feed discovery, without I/O (fixtures in
tests/fixtures/inputs/, written in the style of the specifications' own examples)."""
import datetime as dt
import json
import time

import pytest

from tests.support import FIXTURES
from transforms.clean.stories import clean_story
from transforms.parse.discovery import MAX_DISCOVERED_FEEDS, feed_links
from transforms.parse.feeds import read_document
from transforms.parse.items import MAX_FOLLOW_DEPTH, follow, iso_datetime
from transforms.parse.jsonfeed import MAX_JSON_DEPTH
from transforms.parse.sitemaps import MAX_INDEX_CHILDREN
from transforms.records import FeedDocument, FeedSource

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INPUTS = FIXTURES / "inputs"


def doc(body, location="https://news.example/feed", **kw):
    if isinstance(body, str) and not body.lstrip().startswith(("{", "[", "<")):
        body = (INPUTS / body).read_bytes()
    body = body.encode() if isinstance(body, str) else body
    return FeedDocument(source=FeedSource(location, **kw), body=body, fetched_at=NOW, final_url=location)


def cleaned(story):
    return clean_story(story, dt.timedelta(hours=24))


# --------------------------------------------------------------------------- JSON Feed

def test_json_feed_1_1_items_become_stories():
    status, stories, dead, _, follow_ = read_document(doc("jsonfeed-1.1.json"))
    assert (status.outcome, status.entries, follow_) == ("ok", 4, [])
    first, second = stories
    assert first.guid == "hw-2026-0001" and first.url == "https://harbourwire.example/2026/11/27/port-strike"
    assert first.published == dt.datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert first.published_raw == "2026-11-27T09:30:00+01:00"
    assert first.authors == ["Anna Berg", "Tom Lee"] and first.categories == ["ports", "labour"]
    assert first.declared_language == "en-GB" and first.source_name == "Harbour Wire"
    c = cleaned(first)
    assert c.title == "Port workers strike over pay & <conditions>"          # plain text stays literal
    assert c.summary == "Dock workers walked out."
    assert c.text.startswith("HAMBURG, Nov 27 (Reuters) - Dock workers") and "two days" in c.text
    # external_url resolved against the feed's URL, date_modified as the date, item language wins
    assert second.url == "https://news.example/2026/11/27/ferry"
    assert second.published == dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert second.declared_language == "de" and second.authors == ["Harbour Wire desk"]   # the feed's
    assert cleaned(second).text == "The ferry to the islands runs hourly from Monday.\n\nTickets bought earlier stay valid."
    # a badly typed item and a non-object item each cost themselves only
    assert [(d.entry, d.error) for d in dead] == [
        ("3", 'TypeError: "title" must be a string, not array'),
        ("#3", "TypeError: item #3 is a string, not an object")]


def test_json_feed_1_0_author_object_and_opml_name():
    status, stories, dead, _, _ = read_document(doc("jsonfeed-1.0.json", source_name="Example (OPML)"))
    assert (status.entries, dead) == (2, [])
    assert [s.guid for s in stories] == ["2", "1"]
    assert stories[0].authors == ["Feed Author"] and stories[1].authors == ["Item Author"]
    assert stories[1].published == dt.datetime(2010, 2, 7, 19, 4, tzinfo=UTC)
    assert {s.source_name for s in stories} == {"Example (OPML)"}
    assert cleaned(stories[1]).text == "Hello, world!"


def test_json_feed_utf16_and_bom_and_content_language_header():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "T",
            "items": [{"id": "a", "title": "Grüße", "content_text": "Straße"}]}
    for body in (json.dumps(feed, ensure_ascii=False).encode("utf-16"),
                 b"\xef\xbb\xbf" + json.dumps(feed).encode()):
        d = doc(body)
        d.headers = {"Content-Language": "de"}
        status, stories, dead, _, _ = read_document(d)
        assert (status.outcome, dead) == ("ok", [])
        assert cleaned(stories[0]).title == "Grüße" and stories[0].declared_language == "de"


@pytest.mark.parametrize("body,error", [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not a feed: got invalid JSON (Expecting value"),
    (b'[1, 2, 3]', "not a feed: got a JSON array, not a JSON Feed object"),
    (b'{"items": []}', 'not a feed: got JSON that is not a JSON Feed (no "version" starting with'),
    (b'{"version": "1.1", "items": []}', "not a feed: got JSON that is not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}',
     'not a feed: got a JSON Feed without an "items" list ("items" is null)'),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}}',
     'not a feed: got a JSON Feed without an "items" list ("items" is object)'),
    (b'{"version": "https://jsonfeed.org/version/1", "items": [' + b"1" * 5000 + b"]}", "not a feed: got invalid JSON"),
])
def test_bad_json_is_one_parse_dead_letter(body, error):
    status, stories, dead, _, _ = read_document(doc(body))
    assert (status.outcome, stories, len(dead)) == ("failed", [], 1)
    assert (dead[0].stage, dead[0].entry) == ("parse", None)
    assert dead[0].error.startswith("NotAFeed: " + error), dead[0].error


def test_json_nested_100000_deep_is_refused_quickly():
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"version": "https://jsonfeed.org/version/1.1", "items": [' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"]}"):
        started = time.perf_counter()
        status, stories, dead, _, _ = read_document(doc(body))
        assert time.perf_counter() - started < 2
        assert status.outcome == "failed"
        assert dead[0].error == f"NotAFeed: not a feed: got JSON nested deeper than {MAX_JSON_DEPTH} levels"
    # brackets inside strings are text, not nesting
    text = "[" * 1000
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "x", "title": text}]})
    status, stories, _, _, _ = read_document(doc(body))
    assert status.outcome == "ok" and cleaned(stories[0]).title == text


# --------------------------------------------------------------------------- news sitemaps

def test_news_sitemap_urls_become_stories():
    status, stories, dead, notes, follow_ = read_document(doc("news-sitemap.xml", "https://www.example.org/news.xml"))
    assert (status.outcome, status.entries, dead, follow_) == ("ok", 2, [], [])
    assert notes["sitemap_urls_without_news"] == "1"            # the plain <url> is no news entry
    first, second = stories
    assert first.url == "https://www.example.org/business/article55.html"
    assert first.source_name == "The Example Times" and first.declared_language == "en"
    assert first.published == dt.datetime(2008, 12, 23, tzinfo=UTC) and first.published_raw == "2008-12-23"
    assert first.categories == ["business", "merger", "acquisition", "A", "B"]
    assert cleaned(first).title == "Companies A, B in Merger Talks"
    assert cleaned(second).title == "Hafen & Werften: Streik geht weiter"
    assert second.published == dt.datetime(2026, 11, 27, 7, 15, tzinfo=UTC) and second.declared_language == "de"


def test_sitemap_without_news_and_broken_sitemap_are_dead_letters():
    plain = ("<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
             "<url><loc>https://x.example/a</loc></url><url><loc>https://x.example/b</loc></url></urlset>")
    status, _, dead, _, _ = read_document(doc(plain))
    assert status.outcome == "failed"
    assert dead[0].error == ("NotAFeed: not a feed: a sitemap with 2 <url> without <news:news>; "
                             "wirefeed reads news sitemaps")


def test_sitemap_guards_xxe_and_entity_bombs():
    body = (INPUTS / "news-sitemap.xml").read_text().replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>').replace(
        "Companies A, B in Merger Talks", "&xxe; &b;")
    status, stories, dead, notes, _ = read_document(doc(body))
    assert status.outcome == "ok" and "doctype" in notes
    title = cleaned(stories[0]).title
    assert "root:" not in title and len(title) < 200


def test_ten_thousand_url_sitemap():
    urls = "".join(f"<url><loc>https://x.example/{i}</loc><news:news><news:publication><news:name>X</news:name>"
                   f"<news:language>en</news:language></news:publication><news:publication_date>2026-11-27"
                   f"</news:publication_date><news:title>Story {i}</news:title></news:news></url>"
                   for i in range(10_000))
    body = ("<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + urls + "</urlset>")
    started = time.perf_counter()
    status, stories, dead, _, _ = read_document(doc(body))
    assert time.perf_counter() - started < 10
    assert (status.entries, len(stories), dead) == (10_000, 10_000, [])
    assert stories[9999].url == "https://x.example/9999"


def test_sitemap_index_names_sources_to_follow():
    parent = "https://www.example.org/sitemap.xml"
    status, stories, dead, _, follow_ = read_document(doc("sitemap-index.xml", parent, source_name="Example"))
    assert (status.outcome, status.entries, stories) == ("ok", 0, [])
    assert [(s.location, s.via, s.listed_in, s.source_name) for s in follow_] == [
        ("https://www.example.org/sitemap-news.xml", (parent,), parent, "Example"),
        ("https://www.example.org/sitemap-archive.xml.gz", (parent,), parent, "Example")]
    (refused,) = dead
    assert refused.entry is None and "'file:///etc/passwd' is not an http(s) URL" in refused.error


def test_sitemap_index_loops_depth_and_count_are_bounded():
    a, b = "https://x.example/a.xml", "https://x.example/b.xml"
    index = ("<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
             + "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in [a, b] + [f"https://x.example/{i}.xml" for i in range(80)])
             + "</sitemapindex>")
    # b, reached from a, names a again: a loop, not a fetch
    _, _, dead, _, follow_ = read_document(FeedDocument(source=FeedSource(b, via=(a,)), body=index.encode()))
    assert a not in [s.location for s in follow_] and b not in [s.location for s in follow_]
    assert len(follow_) == MAX_INDEX_CHILDREN
    assert f"loop: {a} -> {b} -> {a}" in dead[0].error and f"more than {MAX_INDEX_CHILDREN} sitemaps" in dead[0].error
    # past the depth limit nothing is followed
    deep = FeedSource("https://x.example/c.xml", via=tuple(f"https://x.example/p{i}" for i in range(MAX_FOLLOW_DEPTH)))
    assert isinstance(follow(deep, "https://x.example/d.xml"), str)
    assert follow(deep, "https://x.example/d.xml").startswith(f"nested deeper than {MAX_FOLLOW_DEPTH} levels")


# --------------------------------------------------------------------------- discovery

def test_html_page_with_alternate_links_names_its_feeds():
    page = "https://harbourwire.example/news/"
    status, stories, dead, _, follow_ = read_document(doc("discovery-page.html", page))
    assert (status.outcome, status.entries, stories, dead) == ("ok", 0, [], [])
    assert status.discovered == ["https://harbourwire.example/feed.xml", "https://harbourwire.example/news/feed.json"]
    assert [s.location for s in follow_] == status.discovered and follow_[0].via == (page,)


def test_ten_alternate_links_follow_a_few_and_base_href_counts():
    links = "".join(f'<link rel="alternate" type="application/atom+xml" href="f{i}.xml">' for i in range(10))
    html = f'<html><head><title>Hub</title><base href="https://cdn.example/feeds/">{links}</head></html>'
    assert len(feed_links(html.encode(), "https://hub.example/")) == 10
    status, _, _, _, follow_ = read_document(doc(html, "https://hub.example/"))
    assert [s.location for s in follow_] == [f"https://cdn.example/feeds/f{i}.xml" for i in range(MAX_DISCOVERED_FEEDS)]


def test_html_page_without_feed_links_stays_the_dead_letter():
    html = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body></body></html>"
    status, _, dead, _, follow_ = read_document(doc(html))
    assert (status.outcome, follow_) == ("failed", [])
    assert dead[0].error == "NotAFeed: not a feed: got an HTML page titled '503 Service Unavailable'"
    # a relative link on a local page never becomes a path to read
    local = b'<html><head><title>x</title><link rel="alternate" type="application/rss+xml" href="../../etc/feed"></head></html>'
    status, _, dead, _, follow_ = read_document(doc(local, "/srv/pages/index.html"))
    assert (status.outcome, follow_) == ("failed", [])


def test_iso_datetime():
    assert iso_datetime("2026-11-27T09:30:00.123456789-05:30") == dt.datetime(2026, 11, 27, 15, 0, 0, 123456, tzinfo=UTC)
    assert iso_datetime("2026") == dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert iso_datetime("2026-13-01") is None and iso_datetime("yesterday") is None and iso_datetime(5) is None
