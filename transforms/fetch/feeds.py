"""FetchFeeds: FeedSource -> FeedDocument (bytes + headers), FeedStatus, DeadLetter.

- Paths (local, gs://, s3:// …) are read as bytes through Beam's FileSystems, with the same
  size cap as HTTP bodies.
- http(s) URLs go through `HttpFetcher` (transforms/fetch/http/__init__.py): timeouts, retries with
  backoff, redirects, compression, size cap, conditional GET, address checks.
Feeds are grouped by host before fetching, so one host's feeds are fetched by one worker with a
bounded number of connections (politeness), while different hosts spread over workers.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import time
import urllib.parse
from typing import Iterable, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.progress import note_progress
from transforms.fetch.http import FetchError, FetchSettings, LazyClient
from transforms.records import UTC, DeadLetter, FeedDocument, FeedSource, FeedStatus, redact_url
from transforms.tagged import TypedParDo

_PATH_SHARDS = 16


def politeness_key(source: FeedSource) -> str:
    """Feeds of one host share a key; paths spread over a few shards."""
    if source.is_http:
        return "http:" + (urllib.parse.urlsplit(source.location).hostname or "")
    digest = hashlib.sha1(source.location.encode("utf-8")).digest()
    return f"path:{digest[0] % _PATH_SHARDS}"


def read_path(path: str, max_bytes: int) -> bytes:
    """A feed file's bytes through FileSystems (compressed files are decompressed by suffix)."""
    with FileSystems.open(path) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"file larger than the {max_bytes / 1e6:.1f} MB limit")
    return data


class GroupFetcher(LazyClient):
    """Fetches one politeness group (a host's feeds, or local paths): every source yields a
    FeedDocument, or a dead letter and a 'failed' status, as tagged outputs. A plain object so
    that the batch fetch (FetchFeeds) and the streaming poll (PollFeeds) share it; `open()` and
    `close()` bracket its HTTP connections."""

    def __init__(self, settings: FetchSettings):
        super().__init__(settings)
        self._failed = Metrics.counter("fetch", "feeds_failed")
        self._not_modified = Metrics.counter("fetch", "feeds_not_modified")
        self._retries = Metrics.counter("fetch", "retries")

    def fetch(self, sources: Iterable[FeedSource], validators=None):
        sources = sorted(sources, key=lambda s: s.location)
        validators = validators or {}
        http = {s.location: s for s in sources if s.is_http}
        for source in sources:
            if not source.is_http:
                yield from self._fetch_path(source)
        requests = []
        for url in http:
            v = validators.get(url) or validators.get(redact_url(url)) or {}  # state keys are redacted
            requests.append((url, v.get("etag"), v.get("last_modified")))
        for url, outcome in self.client().fetch_many(requests):
            yield from self._http_outcome(http[url], outcome)

    def _fetch_path(self, source: FeedSource):
        now, started = _dt.datetime.now(UTC), time.monotonic()
        try:
            body = read_path(source.location, self.settings.max_bytes)
        except Exception as e:
            yield from self._failure(source, DeadLetter.from_exception("fetch", source.location, e))
            return
        note_progress("feeds_fetched")
        yield FeedDocument(source=source, body=body, fetched_at=now, final_url=source.location,
                           seconds=time.monotonic() - started)

    def _http_outcome(self, source: FeedSource, outcome):
        if isinstance(outcome, FetchError):
            self._retries.inc(outcome.retries)
            dead = DeadLetter.make("fetch", source.location, f"FetchError: {outcome}")
            yield from self._failure(source, dead, retries=outcome.retries)
            return
        self._retries.inc(outcome.retries)
        doc = FeedDocument(source=source, body=outcome.body, headers=dict(outcome.headers),
                           status=outcome.status, final_url=outcome.final_url,
                           fetched_at=_dt.datetime.now(UTC), retries=outcome.retries,
                           permanent_redirect=outcome.permanent_redirect, seconds=outcome.elapsed)
        note_progress("feeds_fetched")
        if outcome.status == 304:
            self._not_modified.inc()
            yield beam.pvalue.TaggedOutput("status", FeedStatus(
                source.location, "not_modified", retries=outcome.retries,
                permanent_redirect=outcome.permanent_redirect, bytes=0, seconds=outcome.elapsed))
            # The document still flows on, without body: state keeps its validators.
        yield doc

    def _failure(self, source: FeedSource, dead: DeadLetter, retries: int = 0):
        self._failed.inc()
        note_progress("feeds_fetched")
        yield beam.pvalue.TaggedOutput("dead_letter", dead)
        yield beam.pvalue.TaggedOutput("status", FeedStatus(source.location, "failed", retries=retries))

def validators_of(doc: FeedDocument):
    """(feed url, {"etag", "last_modified"}) of a fetched document that has any: what the next
    fetch of that feed sends back for a conditional GET."""
    headers = {k.lower(): v for k, v in (doc.headers or {}).items()}
    if doc.source.is_http and doc.status in (200, 304) and (headers.get("etag") or headers.get("last-modified")):
        yield doc.source.location, {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}


class _FetchGroup(beam.DoFn):
    """(politeness key, sources) -> GroupFetcher's outputs."""

    def __init__(self, settings: FetchSettings):
        self._group = GroupFetcher(settings)

    def setup(self):
        self._group.open()

    def teardown(self):
        self._group.close()

    def process(self, element: Tuple[str, Iterable[FeedSource]], validators=None):
        _, sources = element
        yield from self._group.fetch(sources, validators)


class FetchFeeds(beam.PTransform):
    """FeedSource -> {'documents', 'status', 'dead_letter'}.

    `validators` is an optional PCollection of (feed url, {"etag", "last_modified"}) pairs from
    the previous run's state, used for conditional GET.
    """

    def __init__(self, settings: FetchSettings, validators=None):
        super().__init__()
        self._settings = settings
        self._validators = validators

    def expand(self, sources):
        side = {}
        if self._validators is not None:
            side["validators"] = beam.pvalue.AsDict(self._validators)
        return (sources
                | "KeyByHost" >> beam.Map(lambda s: (politeness_key(s), s))
                | "GroupByHost" >> beam.GroupByKey()
                | "Fetch" >> TypedParDo(_FetchGroup(self._settings),
                                        {"documents": FeedDocument, "status": FeedStatus}, **side))
