"""JSON Feed, news sitemaps, sitemap indexes and feed discovery end to end: a real local HTTP
server (tests/support/faultserver.py), the command line's `run`, the tables and the run summary.

How followed feeds count (README "Inputs"): every fetched document is one feed of the run with one
status, so a sitemap index or a discovery page is an 'ok' feed with 0 entries and each sitemap or
feed it names that is fetched is one more feed (ok / not_modified / failed)."""
import json

import pytest

from pipeline.main import run
from tests.support import FIXTURES, assert_conserved, read_dead_letters, read_summary, read_table
from tests.support.faultserver import FaultServer

INPUTS = FIXTURES / "inputs"
NEWS_NS = ("xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
           "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'")


def news_sitemap(name, n, start=0):
    urls = "".join(
        f"<url><loc>https://{name}.example/story-{i}</loc><news:news><news:publication><news:name>{name}"
        f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
        f"2026-11-27T0{i % 10}:00:00Z</news:publication_date><news:title>{name} story number {i} "
        f"about the harbour</news:title><news:keywords>harbour, {name}</news:keywords></news:news></url>"
        for i in range(start, start + n))
    return f"<?xml version='1.0' encoding='UTF-8'?><urlset {NEWS_NS}>{urls}</urlset>".encode()


def index(*urls):
    return ("<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            + "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls) + "</sitemapindex>").encode()


XML = "application/xml"


@pytest.fixture(scope="module")
def inputs_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inputs")
    with FaultServer() as srv:
        u = srv.url
        srv.static("/feed.json", (INPUTS / "jsonfeed-1.1.json").read_bytes(), content_type="application/feed+json")
        srv.static("/bad.json", b'{"version": "https://jsonfeed.org/version/1.1", "items": [', content_type="application/json")
        srv.static("/array.json", b'[{"version": "https://jsonfeed.org/version/1.1", "items": []}]',
                   content_type="application/json")
        srv.static("/deep.json", b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
        srv.static("/sitemap-index.xml", index(u("/news-1.xml"), u("/news-2.xml"), u("/nested-index.xml"),
                                               u("/sitemap-index.xml")), content_type=XML, headers={"ETag": '"i1"'})
        srv.static("/nested-index.xml", index(u("/news-3.xml"), u("/sitemap-index.xml"), u("/news-1.xml")),
                   content_type=XML)
        srv.static("/news-1.xml", news_sitemap("alpha", 2), content_type=XML, headers={"ETag": '"n1"'})
        srv.static("/news-2.xml", news_sitemap("beta", 2), content_type=XML)
        srv.static("/news-3.xml", news_sitemap("gamma", 2), content_type=XML)
        srv.static("/loop-a.xml", index(u("/loop-b.xml")), content_type=XML)
        srv.static("/loop-b.xml", index(u("/loop-a.xml")), content_type=XML)
        links = "".join(f'<link rel="alternate" type="{t}" href="/d/f{i}.{ext}">'
                        for i, (t, ext) in enumerate([("application/rss+xml", "xml"), ("application/feed+json", "json")]
                                                     + [("application/atom+xml", "xml")] * 8))
        srv.static("/page.html", f"<!DOCTYPE html><html><head><title>Hub</title>{links}</head><body>x</body></html>"
                   .encode(), content_type="text/html; charset=utf-8")
        srv.static("/d/f0.xml", (FIXTURES / "feeds" / "coastal-rss.xml").read_bytes())
        srv.static("/d/f1.json", (INPUTS / "jsonfeed-1.0.json").read_bytes(), content_type="application/feed+json")
        srv.static("/plain.html", b"<html><head><title>Nothing here</title></head><body></body></html>",
                   content_type="text/html")
        listed = ["/feed.json", "/bad.json", "/array.json", "/deep.json", "/sitemap-index.xml", "/loop-a.xml",
                  "/page.html", "/plain.html"]
        listing = tmp / "feeds.txt"
        listing.write_text("\n".join(u(p) for p in listed) + "\n")
        out = tmp / "out"
        args = ["--feeds", str(listing), "--output", str(out), "--allow-private-networks", "--max-retries", "0",
                "--as-of", "2026-11-28T00:00:00Z"]
        first = run(args)
        summary1, dead1 = read_summary(out), read_dead_letters(out)
        stories1 = read_table(out, "stories") + read_table(out, "duplicates")
        hits1 = dict(srv.hits)
        srv.reset_stats()
        second = run(args)
        summary2 = read_summary(out)
        requests2 = {p: srv.requests_for(p) for p in ("/sitemap-index.xml", "/news-1.xml")}
    return {"srv": u, "codes": (first, second), "summary": summary1, "dead": dead1, "rows": stories1,
            "hits": hits1, "summary2": summary2, "requests2": requests2}


def test_counts_add_up_with_followed_feeds(inputs_run):
    assert inputs_run["codes"] == (0, 0)
    summary = inputs_run["summary"]
    c = summary["counts"]
    assert_conserved(summary)
    # 8 listed + 7 in round 2 (3 sitemaps, 1 nested index, loop-b, 3 discovered feeds) + news-3
    # = 16 feeds; failed: bad, array, deep JSON, the plain page, the discovered f2 (404)
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"]) == (16, 11, 5)
    # JSON Feed 4 items (2 bad) + 3 sitemaps x 2 + coastal-rss 3 + JSON Feed 1.0 2
    assert (c["entries_total"], c["entry_dead_letters"]) == (15, 2)
    assert summary["discovered_feeds"] == [[inputs_run["srv"]("/page.html"), inputs_run["srv"](f"/d/f{i}.{e}")]
                                           for i, e in ((0, "xml"), (1, "json"), (2, "xml"))]
    # every sitemap fetched once, whatever the loops and the diamond (news-1 named twice)
    hits = inputs_run["hits"]
    assert all(hits[p] == 1 for p in ("/sitemap-index.xml", "/nested-index.xml", "/news-1.xml", "/news-3.xml",
                                      "/loop-a.xml", "/loop-b.xml", "/d/f0.xml", "/d/f1.json", "/d/f2.xml"))
    assert "/d/f3.xml" not in hits


def test_stories_from_every_input(inputs_run):
    rows = inputs_run["rows"]
    by_feed = {}
    for r in rows:
        by_feed.setdefault(r["feed_url"].rsplit("/", 1)[-1], []).append(r)
    assert {k: len(v) for k, v in by_feed.items()} == {"feed.json": 2, "news-1.xml": 2, "news-2.xml": 2,
                                                        "news-3.xml": 2, "f0.xml": 3, "f1.json": 2}
    strike = next(r for r in by_feed["feed.json"] if r["guid"] == "hw-2026-0001")
    assert strike["title"] == "Port workers strike over pay & <conditions>"
    assert strike["authors"] == ["Anna Berg", "Tom Lee"] and "Reuters" in strike["agencies"]
    news = by_feed["news-3.xml"][0]
    assert news["source_name"] == "gamma" and news["categories"] == ["harbour", "gamma"]
    assert news["url"].startswith("https://gamma.example/story-") and news["language"] == "en"


def test_dead_letters_say_what_happened(inputs_run):
    u = inputs_run["srv"]
    errors = {}
    for d in inputs_run["dead"]:
        errors.setdefault(d["source"], []).append(d["error"])
    assert errors[u("/bad.json")][0].startswith("NotAFeed: not a feed: got invalid JSON")
    assert errors[u("/array.json")] == ["NotAFeed: not a feed: got a JSON array, not a JSON Feed object"]
    assert errors[u("/deep.json")] == ["NotAFeed: not a feed: got JSON nested deeper than 64 levels"]
    assert errors[u("/plain.html")] == ["NotAFeed: not a feed: got an HTML page titled 'Nothing here'"]
    assert "404" in errors[u("/d/f2.xml")][0]
    assert any(f"loop: {u('/sitemap-index.xml')} -> {u('/sitemap-index.xml')}" in e for e in errors[u("/sitemap-index.xml")])
    assert any(f"loop: {u('/loop-a.xml')} -> {u('/loop-b.xml')} -> {u('/loop-a.xml')}" in e for e in errors[u("/loop-b.xml")])
    assert any(f"loop: {u('/sitemap-index.xml')} -> {u('/nested-index.xml')} -> {u('/sitemap-index.xml')}" in e
               for e in errors[u("/nested-index.xml")])


def test_second_run_fetches_indexes_in_full(inputs_run):
    summary = inputs_run["summary2"]
    assert_conserved(summary)
    c = summary["counts"]
    assert c["feeds_total"] == 16 and c["already_seen"] == 13 and c["stories"] == c["duplicates"] == 0
    # the index keeps no validators (its 304 would hide its sitemaps); a sitemap keeps them
    (index_request,) = inputs_run["requests2"]["/sitemap-index.xml"]
    assert "if-none-match" not in index_request.headers
    (news_request,) = inputs_run["requests2"]["/news-1.xml"]
    assert news_request.headers.get("if-none-match") == '"n1"'


def test_ten_thousand_url_sitemap_end_to_end(tmp_path):
    with FaultServer() as srv:
        url = srv.static("/big.xml", news_sitemap("big", 10_000), content_type=XML)
        out = tmp_path / "out"
        assert run(["--feeds", url, "--output", str(out), "--allow-private-networks", "--format", "jsonl"]) == 0
    summary = read_summary(out)
    assert_conserved(summary)
    c = summary["counts"]
    assert (c["feeds_ok"], c["entries_total"], c["dead_letters"]) == (1, 10_000, 0)
    assert c["stories"] + c["duplicates"] == 10_000
    rows = [json.loads(line) for f in (out / "stories").rglob("*.jsonl") for line in f.read_text().splitlines()]
    assert len({r["url"] for r in rows}) == c["stories"]
