"""HTTP(S) feed fetcher: pooled, bounded, retried, and safe against hostile servers.

This module is the fetcher's public surface; the code is split by role, and each module's
docstring tells its part of the story:

=========================  ==============================================================
module                     role
=========================  ==============================================================
``types.py``               `FetchSettings`, `FetchResult`, `FetchError` and its error kinds
``client.py``              `HttpFetcher`: per-attempt deadlines, retries with backoff /
                           jitter / Retry-After, manual redirects with loop detection and
                           permanent-redirect recording, size caps
``connection.py``          address policy (link-local / metadata always refused, private
                           ranges unless ``allow_private``) checked inside the connection;
                           the deadline watchdog
``decode.py``              gzip / deflate / br decoding with bounded output (bombs)
``schedule.py``            `HttpFetcher.fetch_many`'s scheduler, bounded per host and overall
=========================  ==============================================================

    from transforms.fetch.http import FetchError, FetchSettings, FetchResult, HttpFetcher
    with HttpFetcher(FetchSettings(total_timeout=10)) as fetcher:
        for url, outcome in fetcher.fetch_many(urls):   # FetchResult or FetchError, never raised
            ...
"""
from transforms.fetch.http.client import HttpFetcher, LazyClient, parse_retry_after
from transforms.fetch.http.connection import blocked_reason
from transforms.fetch.http.decode import ACCEPT_ENCODING
from transforms.fetch.http.types import ACCEPT, USER_AGENT, FetchError, FetchResult, FetchSettings

__all__ = [
    "ACCEPT", "ACCEPT_ENCODING", "USER_AGENT", "FetchError", "FetchResult", "FetchSettings",
    "HttpFetcher", "LazyClient", "blocked_reason", "parse_retry_after",
]
