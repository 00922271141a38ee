"""Clean: HTML -> plain text, canonical URLs, UTC dates, the stable story_id.

Text cleaning lives in transforms/clean/text.py and URL canonicalisation in transforms/clean/urls.py; this
module applies them to a Story and decides the dates.
"""
from __future__ import annotations

import datetime as _dt
import hashlib

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.records import UTC, DeadLetter, Story, replace
from transforms.tagged import TypedParDo
from transforms.clean.text import clean_html, html_to_text, normalize_for_hash
from transforms.clean.urls import canonical_url

DATE_MISSING = "date_missing"
DATE_CLAMPED = "date_clamped_future"
TEXT_TRUNCATED = "text_truncated"
# Longest text kept per story, in characters (about 30,000 words: far beyond any news story).
# A longer summary or text is cut at a paragraph or word boundary before it and flagged, so that
# one pathological entry costs bounded memory downstream (fingerprints, language, agencies).
MAX_TEXT_CHARS = 200_000


def truncate_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` cut to at most `limit` characters, at the last paragraph break (else space) before."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rfind("\n\n")
    if cut < limit // 2:
        cut = head.rfind(" ")
    return head[:cut].rstrip() if cut > 0 else head


def stable_id(*parts: str) -> str:
    """A 20-hex-digit id from identity parts: the same on every run and runner."""
    h = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:20]


def identity(story: Story) -> str:
    """The feed-independent identity: canonical URL, else guid, else title + date."""
    if story.canonical_url:
        return "url:" + story.canonical_url
    if story.guid:
        return "guid:" + story.guid
    day = story.published.strftime("%Y-%m-%d") if story.published else ""
    return "title:" + normalize_for_hash(story.title) + "|" + day


def content_hash(title: str, text: str) -> str:
    return stable_id(normalize_for_hash(title), normalize_for_hash(text))


def normalise_dates(story: Story, max_future: _dt.timedelta):
    """(published, flags): missing -> fetched_at; beyond fetched_at + max_future -> clamped."""
    fetched = story.fetched_at or _dt.datetime.now(UTC)
    if story.published is None:
        return fetched, [DATE_MISSING]
    if story.published > fetched + max_future:
        return fetched, [DATE_CLAMPED]
    return story.published, []


def clean_story(story: Story, max_future: _dt.timedelta) -> Story:
    title = " ".join(html_to_text(story.title_html).split())
    summary = clean_html(story.summary_html)
    text = clean_html(story.content_html) if story.content_html else ""
    if len(text) < len(summary):
        text = summary
    published, flags = normalise_dates(story, max_future)
    if len(text) > MAX_TEXT_CHARS or len(summary) > MAX_TEXT_CHARS:
        text, summary = truncate_text(text), truncate_text(summary)
        flags = flags + [TEXT_TRUNCATED]
    cleaned = replace(
        story, title=title, summary=summary, text=text, published=published,
        canonical_url=canonical_url(story.url, base=story.feed_url if "://" in story.feed_url else None),
        flags=story.flags + flags, title_html="", summary_html="", content_html="")
    cleaned.content_hash = content_hash(title, text)
    cleaned.story_id = stable_id(identity(cleaned))
    return cleaned


class _CleanStory(beam.DoFn):
    def __init__(self, max_future_hours: float):
        self._max_future = _dt.timedelta(hours=max_future_hours)
        self._missing = Metrics.counter("clean", DATE_MISSING)
        self._clamped = Metrics.counter("clean", DATE_CLAMPED)

    def process(self, story: Story):
        try:
            cleaned = clean_story(story, self._max_future)
        except Exception as e:
            yield beam.pvalue.TaggedOutput("dead_letter", DeadLetter.from_exception(
                "clean", story.feed_url, e, entry=story.guid or story.url or f"#{story.entry_index}",
                excerpt=story.title_html))
            return
        if DATE_MISSING in cleaned.flags:
            self._missing.inc()
        if DATE_CLAMPED in cleaned.flags:
            self._clamped.inc()
        yield cleaned


class Clean(beam.PTransform):
    """Story -> cleaned Story ({'stories', 'dead_letter'})."""

    def __init__(self, max_future_hours: float = 24.0):
        super().__init__()
        self._max_future_hours = max_future_hours

    def expand(self, stories):
        return stories | "CleanStory" >> TypedParDo(_CleanStory(self._max_future_hours),
                                                    {"stories": Story})
