"""Parsing: FeedDocument -> Story (one per entry), feed statuses, dead letters.

feedparser reads the bytes with the response headers, never a URL or a path. Before it, the
body's charset is reconciled with its headers and XML declaration (`charset`), and a DOCTYPE
that could expand entities or fetch external ones is neutralised (`xmlguard`); after it,
double-encoded UTF-8 (mojibake) is repaired. A character reference XML forbids (`&#xD800;`)
becomes U+FFFD in a flagged story instead of costing the feed (`charrefs`).

    feeds.py     ParseFeeds, parse_document, entry_to_story
    charset.py   charset reconciliation, BOM / XML-declaration sniffing, mojibake repair
    charrefs.py  character references XML forbids (&#xD800; ...) -> U+FFFD, the story flagged
    xmlguard.py  DOCTYPE neutralising (XXE, entity bombs)
"""
from transforms.parse.charset import MOJIBAKE_REPAIRED, MojibakeRepair, reconcile_charset, xml_codec
from transforms.parse.feeds import ParseFeeds, describe_non_feed, entry_to_story, parse_document
from transforms.parse.xmlguard import neutralise_doctype

__all__ = [
    "MOJIBAKE_REPAIRED", "MojibakeRepair", "ParseFeeds", "describe_non_feed", "entry_to_story",
    "neutralise_doctype", "parse_document", "reconcile_charset", "xml_codec",
]
