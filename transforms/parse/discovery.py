"""Feed discovery: an HTML page listed as a feed that links its feeds.

`<link rel="alternate" type="application/rss+xml|atom+xml|rdf+xml|feed+json|json" href="…">` in the
page (relative hrefs resolved against `<base href>`, else the page's final URL) names the
feeds; the first `MAX_DISCOVERED_FEEDS` distinct http(s) ones that are not comment feeds are
followed by the next fetch round (transforms/parse/follow.py), and the page's status lists them
(`FeedStatus.discovered` -> the run summary's `discovered_feeds`) so the user can update the feed
list. A page without such links stays the "got an HTML page titled …" dead letter.
"""
from __future__ import annotations

import urllib.parse
from typing import List, Tuple

from transforms.parse.items import follow
from transforms.records import FeedSource

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/feed+json", "application/json"})
MAX_DISCOVERED_FEEDS = 3
_HEAD_BYTES = 1 << 20          # <link> elements live in <head>: read at most the first MiB


def feed_links(body: bytes, base_url: str) -> List[str]:
    """Every distinct feed URL an HTML page links as an alternate, in document order, absolute."""
    from lxml import etree
    parser = etree.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body[:_HEAD_BYTES], parser)
    except (etree.LxmlError, ValueError):
        return []
    if root is None:
        return []
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            base_url = urllib.parse.urljoin(base_url, href)
            break
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or kind not in FEED_TYPES or not href:
            continue
        if "comment" in (link.get("title") or "").lower() or "/comments/" in href.lower():
            continue
        url = urllib.parse.urljoin(base_url, href)
        if url.lower().startswith(("http://", "https://")) and url not in found:
            found.append(url)
    return found


def discover_feeds(page: FeedSource, body: bytes, base_url: str) -> Tuple[List[FeedSource], List[str]]:
    """(sources to follow, reasons others were not) for the feeds an HTML page links."""
    sources, refused = [], []
    for url in feed_links(body, base_url):
        child = follow(page, url)
        if isinstance(child, str):
            refused.append(child)
        elif len(sources) < MAX_DISCOVERED_FEEDS:
            sources.append(child)
    return sources, refused
