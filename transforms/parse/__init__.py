"""Parsing: FeedDocument -> Story (one per entry), feed statuses, dead letters.

feedparser reads the bytes with the response headers, never a URL or a path. Before it, the
body's charset is reconciled with its headers and XML declaration (`charset`), and a DOCTYPE
that could expand entities or fetch external ones is neutralised (`xmlguard`); after it,
double-encoded UTF-8 (mojibake) is repaired. A character reference XML forbids (`&#xD800;`)
becomes U+FFFD in a flagged story instead of costing the feed (`charrefs`). JSON Feeds, news
sitemaps and HTML pages that link feeds are read beside feedparser; what an index or a page
names is fetched by further bounded rounds (`follow`).

    feeds.py      ParseFeeds, read_document, parse_document, entry_to_story
    jsonfeed.py   JSON Feed 1.0/1.1 -> Story (depth-guarded JSON)
    sitemaps.py   news sitemaps -> Story; sitemap indexes -> sources to follow
    discovery.py  <link rel="alternate"> feeds of an HTML page -> sources to follow
    follow.py     FollowDiscovered: bounded further FetchFeeds -> ParseFeeds rounds
    items.py      what those share: ISO dates, text as HTML, follow() with loop/depth checks
    charset.py    charset reconciliation, BOM / XML-declaration sniffing, mojibake repair
    charrefs.py   character references XML forbids (&#xD800; ...) -> U+FFFD, the story flagged
    xmlguard.py   DOCTYPE neutralising (XXE, entity bombs)
"""
from transforms.parse.charset import MOJIBAKE_REPAIRED, MojibakeRepair, reconcile_charset, xml_codec
from transforms.parse.feeds import (ParseFeeds, ParsedDocument, describe_non_feed, entry_to_story,
                                    parse_document, read_document)
from transforms.parse.follow import FollowDiscovered
from transforms.parse.items import MAX_FOLLOW_DEPTH
from transforms.parse.xmlguard import neutralise_doctype

__all__ = [
    "FollowDiscovered", "MAX_FOLLOW_DEPTH", "MOJIBAKE_REPAIRED", "MojibakeRepair", "ParseFeeds",
    "ParsedDocument", "describe_non_feed", "entry_to_story", "neutralise_doctype", "parse_document",
    "read_document", "reconcile_charset", "xml_codec",
]
