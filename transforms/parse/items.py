"""What the readers that are not feedparser share (JSON Feed, news sitemaps, feed discovery).

- `iso_datetime`: a W3C / RFC 3339 date ("2026-11-28", "2026-11-28T06:00:00Z", "+01:00") -> UTC.
- `text_as_html` / `paragraphs_as_html`: plain text carried as HTML, so that Clean's HTML -> text
  step gives it back unchanged ("AT&T <b>" stays literal text).
- `follow`: the FeedSource of a feed or sitemap that a document names, or why it is not followed
  (a loop, or deeper than `MAX_FOLLOW_DEPTH`). The chain travels in `FeedSource.via`, so loops are
  found whatever the round, and depth is `len(via)`.
- `not_a_feed`: the 'failed' status and the one parse dead letter of a document that is no feed.
"""
from __future__ import annotations

import datetime as _dt
import html
import re
from typing import Optional, Tuple, Union

from transforms.records import UTC, DeadLetter, FeedDocument, FeedSource, FeedStatus

MAX_FOLLOW_DEPTH = 2    # a listed index -> its sitemaps -> theirs; a page -> its feed (-> ...)

_ISO = re.compile(r"\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?\s*\Z", re.I)


def iso_datetime(text) -> Optional[_dt.datetime]:
    """A W3C-datetime / RFC 3339 string as an aware UTC datetime; None when absent or invalid.
    A date without a zone is taken as UTC."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    m = _ISO.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        when = _dt.datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                            int(second or 0), int((fraction or "0")[:6].ljust(6, "0")), tzinfo=UTC)
        if zone and zone.upper() != "Z":
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            when -= sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return when
    except (ValueError, OverflowError):
        return None


def text_as_html(text: str) -> str:
    """Plain text as HTML that reads back as the same text."""
    return html.escape(text or "", quote=False)


def paragraphs_as_html(text: str) -> str:
    """Plain text with blank-line paragraphs as <p> elements (lines within one joined by <br>)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join("<p>" + "<br>".join(text_as_html(line) for line in p.splitlines()) + "</p>"
                   for p in paragraphs)


def follow(parent: FeedSource, url: str) -> Union[FeedSource, str]:
    """The source for `url` named by `parent`'s document, or the reason it is not followed."""
    chain: Tuple[str, ...] = tuple(parent.via) + (parent.location,)
    if url in chain:
        return "loop: " + " -> ".join(chain + (url,))
    if len(chain) > MAX_FOLLOW_DEPTH:
        return f"nested deeper than {MAX_FOLLOW_DEPTH} levels: " + " -> ".join(chain + (url,))
    return FeedSource(url, source_name=parent.source_name, agency=parent.agency,
                      listed_in=parent.location, via=chain)


def not_a_feed(doc: FeedDocument, error: str) -> Tuple[FeedStatus, list, list]:
    """(failed status, no stories, [the dead letter]) for a document that is no feed."""
    loc = doc.source.location
    dead = DeadLetter.make("parse", loc, f"NotAFeed: {error}", excerpt=doc.body)
    return FeedStatus(loc, "failed", retries=doc.retries), [], [dead]
