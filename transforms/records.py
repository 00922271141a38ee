"""The records that flow through the pipeline.

One `Story` type travels from ParseFeeds to WritePartitioned (datatrove's `Document` idea).
Before it, a feed is a `FeedSource` (what the feed list names) and then a `FeedDocument`
(the fetched bytes and headers). Every failure anywhere is a `DeadLetter` with one shape.
A `FeedStatus` per feed feeds the run summary's feed counts.

All records are plain dataclasses, cheap to construct. Beam encodes them with
`transforms.coders.RecordCoder` (field-name tagged, no pickle: a field added with a default
needs no coder edit, and data written before it was added still decodes).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import operator
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from transforms.coders import register_record

UTC = _dt.timezone.utc

# Dispositions of a story after dedupe.
CANONICAL = "story"
DUPLICATE = "duplicate"
ALREADY_SEEN = "already_seen"
# Dead-letter stages whose entries are kept (see DeadLetter.is_entry_level).
ARTICLE_STAGE = "article"
NON_ENTRY_STAGES = frozenset({ARTICLE_STAGE})


@dataclass
class FeedSource:
    """One entry of the feed list: an http(s) URL or a FileSystems path."""
    location: str
    source_name: Optional[str] = None   # from the OPML outline title, if any
    agency: Optional[str] = None        # canonical agency name when the feed is an agency's own wire
    listed_in: Optional[str] = None     # the feed list that named it (or the page/index that linked it)
    via: Tuple[str, ...] = ()           # a followed feed's chain: the listed page or sitemap index first

    @property
    def is_http(self) -> bool:
        return self.location.lower().startswith(("http://", "https://"))


@dataclass
class FeedDocument:
    """A fetched feed: raw bytes plus what the transport told us."""
    source: FeedSource
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    status: int = 200                   # 200 = content, 304 = not modified
    final_url: Optional[str] = None     # after redirects
    fetched_at: Optional[_dt.datetime] = None
    retries: int = 0
    permanent_redirect: Optional[str] = None  # where a 301/308 pointed, for the run summary
    seconds: Optional[float] = None     # how long the fetch took, retries included


@dataclass
class DeadLetter:
    """One failure, in the contract's dead-letter shape (DESIGN.md section 3)."""
    stage: str
    source: str
    entry: Optional[str]
    error: str
    excerpt: Optional[str]
    at: str

    @classmethod
    def from_exception(cls, stage: str, source: str, exc: BaseException,
                       entry: Optional[str] = None, excerpt=None) -> "DeadLetter":
        return cls.make(stage, source, f"{type(exc).__name__}: {exc}", entry=entry, excerpt=excerpt)

    @classmethod
    def make(cls, stage: str, source: str, error: str, entry: Optional[str] = None,
             excerpt=None) -> "DeadLetter":
        if isinstance(excerpt, bytes):
            excerpt = excerpt[:2000].decode("utf-8", "replace")
        if excerpt is not None:
            excerpt = str(excerpt).replace("\x00", "")[:500] or None
        return cls(stage=stage, source=source, entry=entry, error=error[:2000], excerpt=excerpt,
                   at=_dt.datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def is_entry_level(self) -> bool:
        """True when an entry was lost: the entry counts in `entry_dead_letters`. A dead letter of
        a stage that loses nothing (an article page that could not be used: the story keeps its
        feed text) names its entry but is not entry-level."""
        return self.entry is not None and self.stage not in NON_ENTRY_STAGES

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def date(self) -> str:
        return self.at[:10]


@dataclass
class Tally:
    """Something counted for the run summary but not written: a story already seen in an earlier
    run, a polling round. The fetch role emits them, the write role sums them."""
    kind: str
    n: int = 1


@dataclass
class ClusterEvent:
    """A change to a cluster whose rows are already written (transforms/dedupe/events.py): the
    cluster `merged` into `target`, or its `origin` is now the story `target`."""
    cluster_id: str
    event: str                     # "merged" | "origin"
    target: str                    # the cluster merged into, or the new origin story
    story_id: str                  # the story whose arrival caused it
    reason: str                    # "merge" | "agency_item" | "earlier_published"
    origin_rank: Optional[str]     # the new origin's rank (origin events): smaller ranks first
    at: _dt.datetime
    run_id: str = ""

    @property
    def date(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%d")


@dataclass
class ProvenanceRow:
    """A row of a provenance table (transforms/provenance): `table` is "clusters" (one row per
    cluster touched) or "reprints" (one row per copy measured against its cluster's origin);
    `row` holds the table's columns (transforms/write/schema.py)."""
    table: str
    row: dict

    @property
    def key(self) -> str:
        return self.row["cluster_id"] if self.table == "clusters" else self.row["story_id"]

    @property
    def date(self) -> str:
        """The partition date: a cluster's first publication, a reprint's publication (else the
        time it was measured)."""
        when = self.row.get("first_published" if self.table == "clusters" else "published")
        when = when or self.row.get("updated_at")
        return when.astimezone(UTC).date().isoformat() if when else "1970-01-01"


@dataclass
class FeedStatus:
    """How one feed of the list fared; exactly one per FeedSource reaches the summary."""
    location: str
    outcome: str        # "ok" | "not_modified" | "failed"
    entries: int = 0
    bozo: bool = False
    retries: int = 0
    permanent_redirect: Optional[str] = None
    discovered: Optional[List[str]] = None  # an HTML page: the feeds it links and wirefeed followed
    bytes: Optional[int] = None         # body size as fetched (decompressed); None when unknown
    seconds: Optional[float] = None     # fetch time, retries included; None when unknown


@dataclass
class Story:
    """One feed entry, from parse to write. Field names are the output contract's columns."""
    story_id: str = ""
    feed_url: str = ""
    source_name: str = ""
    url: str = ""
    canonical_url: str = ""
    guid: Optional[str] = None
    title: str = ""
    summary: str = ""
    text: str = ""
    authors: List[str] = field(default_factory=list)
    categories: List[str] = field(default_factory=list)
    published: Optional[_dt.datetime] = None
    published_raw: Optional[str] = None
    fetched_at: Optional[_dt.datetime] = None
    language: str = "und"
    language_confidence: float = 0.0
    agencies: List[str] = field(default_factory=list)
    agencies_inferred: List[str] = field(default_factory=list)
    agency_sourced: bool = False
    credit: Optional[str] = None
    credit_position: Optional[str] = None   # dateline, lead, closing, body, photo (comma-joined)
    dateline: Optional[str] = None
    word_count: int = 0
    content_hash: Optional[str] = None
    # Set by dedupe.
    cluster_id: Optional[str] = None
    duplicate_of: Optional[str] = None
    similarity: Optional[float] = None
    # Carried, not written: raw material for cleaning and enrichment.
    declared_language: Optional[str] = None   # xml:lang / <language> / dc:language
    feed_agency: Optional[str] = None         # the feed is this agency's own wire
    title_html: str = ""
    summary_html: str = ""
    content_html: str = ""
    entry_index: int = 0                      # position in its feed, for deterministic ties
    disposition: str = CANONICAL
    flags: List[str] = field(default_factory=list)  # quality notes tallied in the run summary
    # Written (the last column): "feed", or "article" when `text` is the article page's main text
    # (--fetch-articles). Last so that the compact pickling's field order only grows at the end.
    text_source: str = "feed"
    # Written, set by dedupe (after text_source, for the same reason): the evidence of a
    # duplicate's link — the rule (dedupe/rules.py RULES: url, guid, title_date, version,
    # content_hash, near_duplicate, same_feed_update, short_copy, shared_facts; None for a
    # canonical story), the story it was linked to (its edge in the
    # duplicate graph, not necessarily the cluster's canonical story), and the containment both
    # ways: the share of this story's shingles found in linked_to, and of linked_to's in this one.
    link_rule: Optional[str] = None
    linked_to: Optional[str] = None
    containment: Optional[float] = None
    containment_reverse: Optional[float] = None
    # Written, set by dedupe (transforms/dedupe/versions.py), after the evidence for the same
    # reason: the version of the item (1 for a first version), the story this one is a new
    # version of, and whether a reprint carries the text of a version older than the newest
    # known. Carried, not written: `version_of`, the first version's story_id, and
    # `identity_id`, the id of the item's identity (clean.stories.identity) when a new version of
    # that identity got an id of its own.
    version: int = 1
    previous_story_id: Optional[str] = None
    stale: bool = False
    version_of: Optional[str] = None
    identity_id: Optional[str] = None
    # Carried, not written: the feed's text when --fetch-articles replaced `text` with the
    # article page's (versions compare what the feed delivered, run after run).
    feed_text: str = ""

    def partition(self) -> Tuple[str, str]:
        """(date, lang) partition values; both are sanitised (never a path)."""
        when = self.published or self.fetched_at
        date = when.astimezone(UTC).date().isoformat() if when else "1970-01-01"  # 4-digit years
        return date, safe_language(self.language)

    def __reduce__(self):
        # Pickled as its field values in field order, UTC datetimes as integer microseconds:
        # smaller and about twice as fast as the default class + __dict__ with every field name
        # (docs/throughput.md). Beam no longer pickles a Story (transforms/coders.py); this is
        # for what still pickles one directly, and a pickle of an older Story (fewer fields)
        # still loads: the missing fields take their defaults.
        values = _story_values(self)
        flags = 0
        for bit, i in _DATETIME_FIELDS:
            when = values[i]
            if type(when) is _dt.datetime and when.tzinfo is UTC and not when.fold:
                if not flags:
                    values = list(values)
                flags |= bit
                values[i] = (when - _EPOCH) // _MICROSECOND
        return _story_from_values, (flags, *values)


STORY_FIELDS: Tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Story))
_story_values = operator.attrgetter(*STORY_FIELDS)
_DATETIME_FIELDS = ((1, STORY_FIELDS.index("published")), (2, STORY_FIELDS.index("fetched_at")))
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = _dt.timedelta(microseconds=1)


def _story_from_values(flags: int, *values) -> Story:
    if flags:
        values = list(values)
        for bit, i in _DATETIME_FIELDS:
            if flags & bit:
                values[i] = _EPOCH + _dt.timedelta(microseconds=values[i])
    story = Story.__new__(Story)
    if len(values) < len(STORY_FIELDS):         # pickled by an older Story: defaults for the rest
        story.__dict__.update(_story_defaults())
    story.__dict__.update(zip(STORY_FIELDS, values))
    return story


def _story_defaults() -> dict:
    return {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in dataclasses.fields(Story)}


for _record in (FeedSource, FeedDocument, DeadLetter, Tally, ClusterEvent, FeedStatus, Story, ProvenanceRow):
    register_record(_record)


def safe_language(code: Optional[str]) -> str:
    """An ISO 639-1 partition value or 'und'; nothing else can become a folder name."""
    code = (code or "").strip().lower()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else "und"


def replace(record, **changes):
    return dataclasses.replace(record, **changes)


# --------------------------------------------------------------------------- secrets in URLs

REDACTED = "***"
# Query (or fragment) parameters whose value is a credential, matched case-insensitively on the
# whole (percent-decoded) name: the short names, anything ending in api key, token, secret,
# password or signature (access_token, client_secret, X-Amz-Signature, X-Goog-Signature …),
# and the cloud signers' credential scope.
_SECRET_PARAM = re.compile(r"(?:key|sig|auth|passwd|x-(?:amz|goog)-credential"
                           r"|.*(?:api[_-]?key|token|secret|password|signature))", re.I | re.S)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`]+")
_PARAM_IN_TEXT = re.compile(r"(?<=[?&#])([^\s=&#?\"'<>]+)=([^\s&#\"'<>]+)")
_TRAILING = ".,;:!?)]}"


def _is_secret_param(name: str) -> bool:
    return bool(_SECRET_PARAM.fullmatch(urllib.parse.unquote(name)))


def _redact_params(params: str) -> str:
    """`a=1&token=x` -> `a=1&token=***`; every other byte as it was."""
    parts = params.split("&")
    for i, part in enumerate(parts):
        name, eq, value = part.partition("=")
        if eq and value and _is_secret_param(name):
            parts[i] = name + "=" + REDACTED
    return "&".join(parts)


def redact_url(url: str) -> str:
    """`url` with its userinfo (user and password) and the values of secret-looking query and
    fragment parameters replaced by `***`: `https://u:p@host/f.xml?api_key=k` ->
    `https://***@host/f.xml?api_key=***`. Everything else is kept byte for byte; a URL without
    secrets, a path or anything that is not a `scheme://` URL is returned unchanged."""
    if not isinstance(url, str):
        return url
    scheme = _SCHEME.match(url)
    if not scheme:
        return url
    rest, hash_, fragment = url[scheme.end():].partition("#")
    rest, mark, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = REDACTED + "@" + authority.rpartition("@")[2]
    redacted = (scheme.group() + authority + slash + path + mark + (_redact_params(query) if mark else "")
                + hash_ + (_redact_params(fragment) if hash_ else ""))
    return url if redacted == url else redacted


def _redact_match(m: "re.Match") -> str:
    found = m.group()
    url = found.rstrip(_TRAILING)
    return redact_url(url) + found[len(url):]


def _redact_param_match(m: "re.Match") -> str:
    name, value = m.groups()
    kept = value.rstrip(_TRAILING)
    if not kept or not _is_secret_param(name):
        return m.group()
    return name + "=" + REDACTED + value[len(kept):]


def redact_text(text: str) -> str:
    """`text` (an error message, an excerpt, a log line) with every URL in it redacted as by
    `redact_url`, and secret parameters of URLs without a scheme (`/feed.xml?token=…`) too."""
    if not isinstance(text, str) or not ("://" in text or "=" in text):
        return text
    return _PARAM_IN_TEXT.sub(_redact_param_match, _URL_IN_TEXT.sub(_redact_match, text))
