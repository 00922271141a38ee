"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) -> the same Story as RSS/Atom.

feedparser's released versions do not read JSON Feed, so wirefeed does, with the standard
`json` module after two guards: the text is decoded as RFC 8259 says (UTF-8, or UTF-16/32 by
its first bytes), and nesting deeper than `MAX_JSON_DEPTH` is refused by a linear scan before
`json.loads` could recurse into it (the body is already size-capped by the fetcher).

    item field                          Story
    title                               title (plain text)
    content_html, else content_text     text (content_text's blank lines are paragraphs)
    summary                             summary (plain text)
    url, else external_url              url (resolved against the feed's URL)
    id                                  guid
    date_published, else date_modified  published (RFC 3339), published_raw
    authors (1.1), author (1.0)         authors (the item's, else the feed's)
    tags                                categories
    language (1.1: item, then feed)     declared language (then Content-Language)

Bad JSON, a JSON array, or an object that is not a JSON Feed (no "version" starting with
https://jsonfeed.org/version/, no "items" list) is the usual 'not a feed' dead letter; an item
that is not an object, or whose field has the wrong type, costs that item only.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from typing import Optional, Tuple

from transforms.parse.items import iso_datetime, not_a_feed, paragraphs_as_html, text_as_html
from transforms.records import DeadLetter, FeedDocument, FeedStatus, Story

JSON_FEED_VERSION = "https://jsonfeed.org/version/"
MAX_JSON_DEPTH = 64           # a JSON Feed needs 4 (feed, items, item, authors/attachments)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


class NotJsonFeed(ValueError):
    """JSON that wirefeed cannot read as a JSON Feed; the message says why."""


def looks_like_json(body: bytes) -> bool:
    """True when the document's first character (past a BOM and whitespace) is { or [."""
    head = body[:256]
    try:
        text = head.decode(json.detect_encoding(head), "ignore")
    except (LookupError, ValueError):
        return False
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def _nesting_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than `limit` (strings skipped); linear time."""
    depth = 0
    for c in _STRING.sub("", text):
        if c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def load_json(body: bytes):
    """The JSON value of `body`, or NotJsonFeed saying what is wrong with it."""
    try:
        text = body.decode(json.detect_encoding(body)).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError) as e:
        raise NotJsonFeed(f"got JSON that is not valid Unicode text ({e})") from None
    if _nesting_depth_exceeds(text, MAX_JSON_DEPTH):
        raise NotJsonFeed(f"got JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except RecursionError:
        raise NotJsonFeed(f"got JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as e:
        raise NotJsonFeed(f"got invalid JSON ({e})") from None


def check_json_feed(data) -> list:
    """The items list of a JSON Feed object, or NotJsonFeed saying why it is not one."""
    if not isinstance(data, dict):
        raise NotJsonFeed(f"got a JSON {_kind(data)}, not a JSON Feed object")
    version = data.get("version")
    if not (isinstance(version, str) and version.startswith(JSON_FEED_VERSION)):
        raise NotJsonFeed(f'got JSON that is not a JSON Feed (no "version" starting with {JSON_FEED_VERSION})')
    items = data.get("items")
    if not isinstance(items, list):
        raise NotJsonFeed(f'got a JSON Feed without an "items" list ("items" is {_kind(items)})')
    return items


def _kind(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _text(obj: dict, key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f'"{key}" must be a string, not {_kind(value)}')
    return str(value)


def _author_names(obj: dict) -> list:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj.get("author")] if isinstance(obj.get("author"), dict) else []
    return [str(a["name"]) for a in authors
            if isinstance(a, dict) and isinstance(a.get("name"), (str, int, float)) and str(a["name"]).strip()]


def _language(obj: dict) -> Optional[str]:
    value = obj.get("language")
    return value if isinstance(value, str) and value.strip() else None


def json_item_to_story(item, index: int, feed: dict, doc: FeedDocument, headers_language=None) -> Story:
    """One JSON Feed item as a Story (raises on an item that is not an object or has a badly
    typed field: the caller makes it an entry dead letter)."""
    if not isinstance(item, dict):
        raise TypeError(f"item #{index} is a {_kind(item)}, not an object")
    source = doc.source
    url = _text(item, "url") or _text(item, "external_url")
    base = doc.final_url or source.location
    if url and base.lower().startswith(("http://", "https://")):
        url = urllib.parse.urljoin(base, url)
    raw = _text(item, "date_published") or _text(item, "date_modified")
    content = _text(item, "content_html") or paragraphs_as_html(_text(item, "content_text"))
    tags = item.get("tags") if isinstance(item.get("tags"), list) else []
    return Story(
        feed_url=source.location,
        source_name=source.source_name or _text(feed, "title").strip() or source.location,
        url=url,
        guid=_text(item, "id") or None,
        title_html=text_as_html(_text(item, "title")),
        summary_html=text_as_html(_text(item, "summary")),
        content_html=content,
        authors=_author_names(item) or _author_names(feed),
        categories=[str(t) for t in tags if isinstance(t, (str, int, float)) and str(t).strip()],
        published=iso_datetime(raw),
        published_raw=raw or None,
        fetched_at=doc.fetched_at,
        declared_language=_language(item) or _language(feed) or headers_language,
        feed_agency=source.agency,
        entry_index=index,
    )


def parse_json_feed(doc: FeedDocument, headers_language=None) -> Tuple[FeedStatus, list, list]:
    """(status, stories, dead letters) of a document that looks like JSON."""
    loc = doc.source.location
    try:
        feed = load_json(doc.body)
        items = check_json_feed(feed)
    except NotJsonFeed as e:
        return not_a_feed(doc, f"not a feed: {e}")
    stories, dead = [], []
    for index, item in enumerate(items):
        try:
            stories.append(json_item_to_story(item, index, feed, doc, headers_language))
        except Exception as e:  # one bad item never costs the others
            ident = item.get("id") if isinstance(item, dict) else None
            ident = ident if isinstance(ident, (str, int)) and str(ident) else f"#{index}"
            excerpt = item.get("title") if isinstance(item, dict) else None
            dead.append(DeadLetter.from_exception("parse", loc, e, entry=str(ident),
                                                  excerpt=excerpt if isinstance(excerpt, str) else None))
    status = FeedStatus(loc, "ok", entries=len(items), retries=doc.retries,
                        permanent_redirect=doc.permanent_redirect)
    return status, stories, dead
