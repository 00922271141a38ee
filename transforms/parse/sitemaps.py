"""News sitemaps and sitemap indexes (sitemaps.org 0.9 + Google's news extension).

- `<urlset>`: each `<url>` with a `<news:news>` is one Story: `loc` -> url, `news:title` ->
  title, `news:publication_date` (else `lastmod`) -> published, `news:publication/news:language`
  -> declared language, `news:publication/news:name` -> source_name (unless the OPML outline
  names the feed, as for RSS), `news:keywords` (comma-separated) -> categories. A `<url>` without
  `<news:news>` is a plain page, not news: it is not an entry (counted in
  ``parse/sitemap_urls_without_news``); a urlset with no news at all is a 'not a feed' dead
  letter. At most `MAX_SITEMAP_URLS` (the protocol's limit) are read; more -> one dead letter.
- `<sitemapindex>`: each `<sitemap><loc>` (http(s) only, at most `MAX_INDEX_CHILDREN`) becomes a
  FeedSource that the next fetch round reads (transforms/parse/follow.py), with its chain in
  `via`: loops and nesting deeper than `MAX_FOLLOW_DEPTH` are dead letters, not fetches.

ultimate-sitemap-parser was considered: it fetches the sitemaps itself, outside wirefeed's HTTP
client (deadlines, size caps, address checks), so wirefeed parses with lxml under the same guards
as feeds: the DOCTYPE already neutralised (xmlguard), no entity resolution, no DTD, no network,
no huge trees. Namespaces are matched by local name: sitemaps in the wild often get them wrong.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from transforms.parse.items import follow, iso_datetime, not_a_feed, text_as_html
from transforms.records import DeadLetter, FeedDocument, FeedSource, FeedStatus, Story

MAX_SITEMAP_URLS = 50_000
MAX_INDEX_CHILDREN = 50
SITEMAP_ROOTS = ("urlset", "sitemapindex")
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")   # <? and <! never match


def sitemap_root(body: bytes) -> Optional[str]:
    """'urlset' or 'sitemapindex' when the document's root element is one, else None."""
    m = _ROOT.search(body[:65536])
    name = m.group(1).decode("ascii").lower() if m else None
    return name if name in SITEMAP_ROOTS else None


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(el, name: str):
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text(el, *path: str) -> str:
    for name in path:
        if el is None:
            return ""
        el = _child(el, name)
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _parse_xml(body: bytes):
    """(root element or None, bozo) with lxml under the feed guards."""
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None, True
    return root, bool(parser.error_log)


def url_to_story(url_el, index: int, doc: FeedDocument) -> Optional[Story]:
    """A `<url>` with `<news:news>` as a Story; None for a plain page."""
    news = _child(url_el, "news")
    if news is None:
        return None
    source = doc.source
    raw = _text(news, "publication_date") or _text(url_el, "lastmod")
    keywords = _text(news, "keywords")
    return Story(
        feed_url=source.location,
        source_name=source.source_name or _text(news, "publication", "name") or source.location,
        url=_text(url_el, "loc"),
        title_html=text_as_html(_text(news, "title")),
        categories=[k.strip() for k in keywords.split(",") if k.strip()],
        published=iso_datetime(raw),
        published_raw=raw or None,
        fetched_at=doc.fetched_at,
        declared_language=_text(news, "publication", "language") or None,
        feed_agency=source.agency,
        entry_index=index,
    )


def parse_sitemap(doc: FeedDocument, body: bytes) -> Tuple[FeedStatus, list, list, List[FeedSource], int]:
    """(status, stories, dead letters, sources to follow, plain URLs skipped) of a sitemap or a
    sitemap index; `body` is the document with its DOCTYPE neutralised."""
    loc = doc.source.location
    root, bozo = _parse_xml(body)
    kind = _local(root) if root is not None else None
    if kind not in SITEMAP_ROOTS:
        return (*not_a_feed(doc, "not a feed: a sitemap that cannot be parsed"), [], 0)
    status = FeedStatus(loc, "ok", bozo=bozo, retries=doc.retries, permanent_redirect=doc.permanent_redirect)
    elements = [c for c in root if _local(c) == ("url" if kind == "urlset" else "sitemap")]
    if kind == "sitemapindex":
        sources, dead = index_children(doc.source, [_text(e, "loc") for e in elements])
        return status, [], dead, sources, 0
    dead = []
    if len(elements) > MAX_SITEMAP_URLS:
        dead.append(DeadLetter.make("parse", loc, f"TooManyUrls: the sitemap has {len(elements)} <url> "
                                    f"elements; the first {MAX_SITEMAP_URLS} were read"))
        elements = elements[:MAX_SITEMAP_URLS]
    stories, plain = [], 0
    for el in elements:
        try:
            story = url_to_story(el, len(stories), doc)
        except Exception as e:  # one bad <url> never costs the others
            dead.append(DeadLetter.from_exception("parse", loc, e, entry=_text(el, "loc") or f"#{len(stories)}"))
            status.entries += 1
            continue
        if story is None:
            plain += 1
        else:
            stories.append(story)
    status.entries += len(stories)
    if not stories and not status.entries:
        what = f"{plain} <url> without <news:news>" if plain else "no <url>"
        return (*not_a_feed(doc, f"not a feed: a sitemap with {what}; wirefeed reads news sitemaps"), [], plain)
    return status, stories, dead, [], plain


def index_children(parent: FeedSource, locations: List[str]) -> Tuple[List[FeedSource], List[DeadLetter]]:
    """The sitemaps an index names, as sources to fetch, and dead letters for those not followed."""
    sources, dead, refused, seen = [], [], [], set()
    for url in locations:
        if not url or url in seen:
            continue
        seen.add(url)
        if not url.lower().startswith(("http://", "https://")):
            refused.append(f"{url!r} is not an http(s) URL")
            continue
        child = follow(parent, url)
        if isinstance(child, str):
            refused.append(child)
        elif len(sources) < MAX_INDEX_CHILDREN:
            sources.append(child)
        else:
            refused.append(f"{url}: more than {MAX_INDEX_CHILDREN} sitemaps in one index")
    if refused:
        more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
        dead.append(DeadLetter.make("parse", parent.location, f"NotFollowed: {len(refused)} sitemaps of the "
                                    f"index not followed: " + "; ".join(refused[:5]) + more))
    return sources, dead
