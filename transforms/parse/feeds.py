"""ParseFeeds: FeedDocument -> Story (one per entry), FeedStatus, DeadLetter.

feedparser always gets bytes plus the response headers, never a string it could take for a URL
or a file name. A document that is not a feed becomes one dead letter saying what it was.

Hostile XML is neutralised first (transforms/parse/xmlguard.py).

One entry never costs the others: an entry that fails to become a Story is an entry-level dead
letter and the feed's other entries are kept (entries = stories + entry dead letters). A character
reference XML forbids (`&#xD800;`, `&#x0;` ...) costs neither: it becomes U+FFFD and the story
carries the flag ``invalid_character_reference`` (transforms/parse/charrefs.py).

Other inputs (transforms/parse/jsonfeed.py, sitemaps.py, discovery.py): a JSON document is read
as a JSON Feed, a <urlset> or <sitemapindex> as a news sitemap or an index, and an HTML page that
links feeds as `<link rel="alternate">` names the feeds to follow. The sources an index or a page
names leave on the 'discovered' output for the next fetch round (transforms/parse/follow.py).

Charset and mojibake
--------------------
`transforms.parse.charset` corrects a Content-Type charset that the BOM or a valid UTF-8 body
contradicts (counter ``parse/charset_corrected``; feedparser then applies RFC 3023) and repairs
double-encoded UTF-8 ("ActualitÃ©s"): such a story carries the flag ``mojibake_repaired``
(tallied under ``quality`` in the run summary) and counts in ``parse/mojibake_repaired``.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.parse.charrefs import INVALID_CHARACTER_REFERENCE, mark_bad_references
from transforms.parse.charset import MOJIBAKE_REPAIRED, MojibakeRepair, reconcile_charset, xml_codec
from transforms.parse.discovery import discover_feeds
from transforms.parse.items import not_a_feed
from transforms.parse.jsonfeed import looks_like_json, parse_json_feed
from transforms.parse.sitemaps import parse_sitemap, sitemap_root
from transforms.records import UTC, DeadLetter, FeedDocument, FeedSource, FeedStatus, Story, replace
from transforms.progress import note_progress
from transforms.tagged import TypedParDo
from transforms.parse.xmlguard import neutralise_doctype

_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


# --------------------------------------------------------------------------- not a feed

_MAGIC = [
    (b"\x1f\x8b", "gzip-compressed data (served without Content-Encoding: gzip?)"),
    (b"BZh", "bzip2-compressed data"), (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"), (b"PK\x03\x04", "a ZIP archive"),
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"\x00\x00\x01\x00", "an icon"),
]
_TRUNCATED = ("no element found", "unclosed token", "unclosed cdata section", "partial character")
_ROOT = re.compile(rb"<([A-Za-z_][\w:.-]*)")   # the first element: <? and <! never match


def _message(bozo_exception) -> str:
    """expat's own words ("no element found"); its positions refer to feedparser's rewritten copy."""
    get = getattr(bozo_exception, "getMessage", None)
    return str(get() if callable(get) else bozo_exception)


def _is_truncated(bozo_exception) -> bool:
    return (type(bozo_exception).__name__ == "SAXParseException"
            and _message(bozo_exception).lower() in _TRUNCATED)


def describe_non_feed(body: bytes, bozo_exception=None) -> str:
    """A sentence saying what a document that is not a feed looks like."""
    codec, bom = xml_codec(body)
    if codec != "latin-1":   # UTF-16/32: describe the text, not its bytes
        body = body[bom:bom + 262144].decode(codec, "replace").encode("utf-8")
    head = body[:65536].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if not head:
        return "not a feed: the document is empty" + (" (only whitespace)" if body else "")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"not a feed: got {what}"
    low = head[:4096].lower()
    if b"<html" in low or b"<!doctype html" in low or b"<body" in low:
        m = _HTML_TITLE.search(head)
        title = m.group(1).decode("utf-8", "replace").strip()[:120] if m else ""
        title = " ".join(title.split())
        return f"not a feed: got an HTML page titled {title!r}" if title else "not a feed: got an HTML page"
    if head[:1] in (b"{", b"["):
        return "not a feed: got JSON"
    sample = head[:512]
    if b"\x00" in sample or sum(1 for b in sample if b < 9 or 13 < b < 32) > len(sample) // 10:
        return "not a feed: got binary data"
    if head.startswith(b"<"):
        m = _ROOT.search(head[:16384])
        root = m.group(1).decode("ascii", "replace") if m else None
        reason = f" ({_message(bozo_exception)})" if bozo_exception else ""
        closed = root is not None and ("</" + root).encode("ascii") in body[-4096:]
        if root is None:
            return "not a feed: XML without a root element, the document is empty or truncated" + reason
        if _is_truncated(bozo_exception) or not closed:
            return f"not a feed: truncated XML, the <{root}> document ends early and holds no entries{reason}"
        if root.lower() in ("rss", "feed", "rdf:rdf", "channel"):
            return f"not a feed: a <{root}> document without entries that cannot be parsed{reason}"
        return f"not a feed: XML whose root element is <{root}>, not <rss>, <feed> or <rdf:RDF>{reason}"
    return "not a feed: got plain text"


def _when(parsed) -> Optional[_dt.datetime]:
    """feedparser's UTC struct_time -> aware datetime, None when absent or out of range."""
    if not parsed:
        return None
    try:
        return _dt.datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        try:  # years outside the platform's time_t range
            return _dt.datetime(*parsed[:6], tzinfo=UTC)
        except (ValueError, TypeError):
            return None


def _detail_language(entry, feed) -> Optional[str]:
    for key in ("content", "summary_detail", "title_detail"):
        detail = entry.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if detail and detail.get("language"):
            return detail["language"]
    return entry.get("language") or feed.get("language") or None   # item-level dc:language, then the feed's


def _content_html(entry) -> str:
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    return max(contents, key=len) if contents else ""


def entry_to_story(entry, index: int, feed, doc: FeedDocument, headers_language=None) -> Story:
    source = doc.source
    published = _when(entry.get("published_parsed") or entry.get("updated_parsed")
                      or entry.get("created_parsed"))
    raw = entry.get("published") or entry.get("updated") or entry.get("created")
    authors = [a.get("name") for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    categories = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    return Story(
        feed_url=source.location,
        source_name=source.source_name or (feed.get("title") or "").strip() or source.location,
        url=entry.get("link") or "",
        guid=entry.get("id") or None,
        title_html=entry.get("title") or "",
        summary_html=entry.get("summary") or "",
        content_html=_content_html(entry),
        authors=[str(a) for a in authors],
        categories=[str(c) for c in categories],
        published=published,
        published_raw=str(raw) if raw else None,
        fetched_at=doc.fetched_at,
        declared_language=_detail_language(entry, feed) or headers_language,
        feed_agency=source.agency,
        entry_index=index,
    )


def _is_broken_without_entries(parsed, body: bytes) -> bool:
    """No entries and the XML is cut short or has no feed root: not a feed, not an empty one.
    (feedparser gives a CDF <CHANNEL> no version: with channel metadata it is an empty feed.)"""
    if parsed.get("entries"):
        return False
    if _is_truncated(parsed.get("bozo_exception")):
        return True
    if parsed.get("version"):
        return False
    root = _ROOT.search(body[:65536])
    return not (root and root.group(1).lower() == b"channel" and parsed.get("feed") and not parsed.get("bozo"))


class ParsedDocument(NamedTuple):
    """What one fetched document gave: its status, stories, dead letters, the corrections made
    on the way (``notes``) and the sources it names to fetch next (``follow``: a sitemap index's
    sitemaps, the feeds an HTML page links)."""
    status: FeedStatus
    stories: list
    dead: list
    notes: Dict[str, str]
    follow: List[FeedSource] = []


def read_document(doc: FeedDocument) -> ParsedDocument:
    """Any fetched document: a JSON Feed, a news sitemap or index, an RSS/Atom/RDF feed (feedparser)
    or an HTML page that links feeds."""
    notes: Dict[str, str] = {}
    headers = {k.lower(): v for k, v in (doc.headers or {}).items()}
    if looks_like_json(doc.body):
        return ParsedDocument(*parse_json_feed(doc, headers.get("content-language")), notes)
    body, removed = neutralise_doctype(doc.body)
    if removed:
        notes["doctype"] = removed
    if sitemap_root(body):
        status, stories, dead, follow, plain = parse_sitemap(doc, body)
        if plain:
            notes["sitemap_urls_without_news"] = str(plain)
        return ParsedDocument(status, stories, dead, notes, follow)
    status, stories, dead, notes = parse_document_notes(doc, body, notes)
    if status.outcome == "failed" and dead[0].error.startswith("NotAFeed: not a feed: got an HTML page"):
        base = doc.final_url or doc.source.location
        follow, refused = discover_feeds(doc.source, body, base)
        if follow:
            status = FeedStatus(doc.source.location, "ok", retries=doc.retries,
                                permanent_redirect=doc.permanent_redirect,
                                discovered=[s.location for s in follow])
            return ParsedDocument(status, [], [], notes, follow)
        if refused:
            error = dead[0].error + " (its feed links are not followed: " + "; ".join(refused[:3]) + ")"
            dead = [replace(dead[0], error=error[:2000])]
    return ParsedDocument(status, stories, dead, notes)


def parse_document_notes(doc: FeedDocument, body: Optional[bytes] = None,
                         notes: Optional[Dict[str, str]] = None) -> Tuple[FeedStatus, list, list, Dict[str, str]]:
    """(status, stories, dead letters, notes) for one fetched RSS/Atom/RDF document; ``notes``
    says what was corrected on the way: "doctype" (what neutralise_doctype removed), "charset",
    "charrefs" (the forbidden character references that became U+FFFD). ``body`` is the
    document with its DOCTYPE already neutralised, when the caller has done it."""
    import feedparser
    loc = doc.source.location
    notes = {} if notes is None else notes
    headers = {k.lower(): v for k, v in (doc.headers or {}).items()}
    if headers:  # HTTP: the charset and base URL the server declared
        headers.setdefault("content-location", doc.final_url or loc)
    headers, why = reconcile_charset(doc.body, headers)
    if why:
        notes["charset"] = why
    if body is None:
        body, removed = neutralise_doctype(doc.body)
        if removed:
            notes["doctype"] = removed
    body, bad = mark_bad_references(body)
    if bad:
        notes["charrefs"] = bad.describe()
    # feedparser's sanitiser stays on (it removes <embed>, <object>, <blink> ... whose text the
    # HTML-to-text step would otherwise mishandle); resolving relative URIs inside the HTML is
    # off: the HTML only ever becomes plain text, and that pass was 16% of feedparser's time.
    parsed = feedparser.parse(body, response_headers=headers or None, sanitize_html=True,
                              resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if _is_broken_without_entries(parsed, body):
        return (*not_a_feed(doc, describe_non_feed(body, parsed.get("bozo_exception"))), notes)
    feed = parsed.get("feed") or {}
    if bad:   # the channel's own text keeps U+FFFD where a forbidden reference was
        feed = dict(feed, title=bad.clean(feed.get("title")))
    stories, dead = [], []
    repair = MojibakeRepair(body)
    for index, entry in enumerate(entries):
        try:
            story = entry_to_story(entry, index, feed, doc, headers.get("content-language"))
            if bad and bad.replace_in(story):
                story.flags = story.flags + [INVALID_CHARACTER_REFERENCE]
            repair(story)
            stories.append(story)
        except Exception as e:  # one bad entry never costs the others
            ident = entry.get("id") or entry.get("link") or f"#{index}"
            dead.append(DeadLetter.from_exception("parse", loc, e, entry=str(ident),
                                                  excerpt=entry.get("title")))
    status = FeedStatus(loc, "ok", entries=len(entries), bozo=bool(parsed.get("bozo") or bad),
                        retries=doc.retries, permanent_redirect=doc.permanent_redirect)
    return status, stories, dead, notes


def parse_document(doc: FeedDocument) -> Tuple[FeedStatus, list, list]:
    """(status, stories, dead letters) for one fetched document of any kind (read_document)."""
    return read_document(doc)[:3]


class _ParseDocument(beam.DoFn):
    def __init__(self):
        self._bozo = Metrics.counter("parse", "bozo_feeds")
        self._entries = Metrics.counter("parse", "entries")
        self._failed = Metrics.counter("parse", "not_a_feed")
        self._mojibake = Metrics.counter("parse", MOJIBAKE_REPAIRED)
        self._doctype = Metrics.counter("parse", "doctype_neutralised")
        self._charset = Metrics.counter("parse", "charset_corrected")
        self._charrefs = Metrics.counter("parse", "invalid_character_references")
        self._plain_urls = Metrics.counter("parse", "sitemap_urls_without_news")
        self._followed = Metrics.counter("parse", "sources_to_follow")

    def setup(self):
        import feedparser  # noqa: F401  (import once per worker)

    def process(self, doc: FeedDocument) -> Iterator:
        if doc.status == 304:
            yield beam.pvalue.TaggedOutput("documents", doc)
            return
        try:
            status, stories, dead, notes, follow = read_document(doc)
        except Exception as e:
            self._failed.inc()
            yield beam.pvalue.TaggedOutput("dead_letter", DeadLetter.from_exception(
                "parse", doc.source.location, e, excerpt=doc.body))
            yield beam.pvalue.TaggedOutput("status", FeedStatus(doc.source.location, "failed",
                                                                retries=doc.retries, bytes=len(doc.body),
                                                                seconds=doc.seconds))
            return
        if status.outcome == "failed":
            self._failed.inc()
        if status.bozo and stories:
            self._bozo.inc()
        if "doctype" in notes:
            self._doctype.inc()
        if "charset" in notes:
            self._charset.inc()
        if "charrefs" in notes:
            self._charrefs.inc()
        if "sitemap_urls_without_news" in notes:
            self._plain_urls.inc(int(notes["sitemap_urls_without_news"]))
        self._mojibake.inc(sum(1 for s in stories if MOJIBAKE_REPAIRED in s.flags))
        self._entries.inc(status.entries)
        note_progress("entries_parsed", status.entries)
        yield beam.pvalue.TaggedOutput("status", replace(status, bytes=len(doc.body), seconds=doc.seconds))
        for d in dead:
            yield beam.pvalue.TaggedOutput("dead_letter", d)
        for source in follow:
            yield beam.pvalue.TaggedOutput("discovered", source)
        self._followed.inc(len(follow))
        if not follow:  # a page or an index that names others keeps no validators: its
            # unchanged copy (304) must not keep the next run from fetching what it names
            yield beam.pvalue.TaggedOutput("documents", FeedDocument(
                source=doc.source, headers=doc.headers, status=doc.status, final_url=doc.final_url))
        yield from stories


class ParseFeeds(beam.PTransform):
    """FeedDocument -> {'stories', 'status', 'discovered', 'documents', 'dead_letter'}.

    'discovered' holds the FeedSources a sitemap index or an HTML page names (for the next
    fetch round); 'documents' the fetched documents whose validators (ETag, Last-Modified) the
    state may keep, without their bodies: every one but pages and indexes that named sources.
    304 documents yield only that."""

    def expand(self, documents):
        return documents | "Parse" >> TypedParDo(_ParseDocument(), {
            "stories": Story, "status": FeedStatus, "discovered": FeedSource, "documents": FeedDocument})
