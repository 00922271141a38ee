"""ParseFeeds: FeedDocument -> Story (one per entry), FeedStatus, DeadLetter.

feedparser always gets bytes plus the response headers, never a string it could take for a URL
or a file name. A document that is not a feed becomes one dead letter saying what it was.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Iterator, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.records import UTC, DeadLetter, FeedDocument, FeedStatus, Story
from transforms.tagged import TypedParDo

_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def describe_non_feed(body: bytes, bozo_exception=None) -> str:
    """A sentence saying what a document that is not a feed looks like."""
    head = body[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return "not a feed: the document is empty"
    low = head[:4096].lower()
    if b"<html" in low or b"<!doctype html" in low or b"<body" in low:
        m = _HTML_TITLE.search(head)
        title = m.group(1).decode("utf-8", "replace").strip()[:120] if m else ""
        title = " ".join(title.split())
        return f"not a feed: got an HTML page titled {title!r}" if title else "not a feed: got an HTML page"
    if head[:1] in (b"{", b"["):
        return "not a feed: got JSON"
    sample = head[:512]
    if sum(1 for b in sample if b < 9 or 13 < b < 32) > len(sample) // 10:
        return "not a feed: got binary data"
    if head.startswith(b"<"):
        reason = f" ({bozo_exception})" if bozo_exception else ""
        return f"not a feed: XML without a feed root or truncated{reason}"
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
    return feed.get("language") or None


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


def parse_document(doc: FeedDocument) -> Tuple[FeedStatus, list, list]:
    """(status, stories, dead letters) for one fetched document."""
    import feedparser
    loc = doc.source.location
    headers = {k.lower(): v for k, v in (doc.headers or {}).items()}
    if headers:  # HTTP: the charset and base URL the server declared
        headers.setdefault("content-location", doc.final_url or loc)
    parsed = feedparser.parse(doc.body, response_headers=headers or None, sanitize_html=True,
                              resolve_relative_uris=True)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        error = describe_non_feed(doc.body, parsed.get("bozo_exception"))
        dead = DeadLetter.make("parse", loc, f"NotAFeed: {error}", excerpt=doc.body)
        return FeedStatus(loc, "failed", retries=doc.retries), [], [dead]
    feed = parsed.get("feed") or {}
    stories, dead = [], []
    for index, entry in enumerate(entries):
        try:
            stories.append(entry_to_story(entry, index, feed, doc, headers.get("content-language")))
        except Exception as e:  # one bad entry never costs the others
            ident = entry.get("id") or entry.get("link") or f"#{index}"
            dead.append(DeadLetter.from_exception("parse", loc, e, entry=str(ident),
                                                  excerpt=entry.get("title")))
    status = FeedStatus(loc, "ok", entries=len(entries), bozo=bool(parsed.get("bozo")),
                        retries=doc.retries, permanent_redirect=doc.permanent_redirect)
    return status, stories, dead


class _ParseDocument(beam.DoFn):
    def __init__(self):
        self._bozo = Metrics.counter("parse", "bozo_feeds")
        self._entries = Metrics.counter("parse", "entries")
        self._failed = Metrics.counter("parse", "not_a_feed")

    def setup(self):
        import feedparser  # noqa: F401  (import once per worker)

    def process(self, doc: FeedDocument) -> Iterator:
        if doc.status == 304:
            return
        try:
            status, stories, dead = parse_document(doc)
        except Exception as e:
            self._failed.inc()
            yield beam.pvalue.TaggedOutput("dead_letter", DeadLetter.from_exception(
                "parse", doc.source.location, e, excerpt=doc.body))
            yield beam.pvalue.TaggedOutput("status", FeedStatus(doc.source.location, "failed"))
            return
        if status.outcome == "failed":
            self._failed.inc()
        if status.bozo and stories:
            self._bozo.inc()
        self._entries.inc(status.entries)
        yield beam.pvalue.TaggedOutput("status", status)
        for d in dead:
            yield beam.pvalue.TaggedOutput("dead_letter", d)
        yield from stories


class ParseFeeds(beam.PTransform):
    """FeedDocument -> {'stories', 'status', 'dead_letter'}; 304 documents yield nothing."""

    def expand(self, documents):
        return documents | "Parse" >> TypedParDo(_ParseDocument(),
                                                 {"stories": Story, "status": FeedStatus})
