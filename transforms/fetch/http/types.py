"""The HTTP fetcher's public types: settings, the result of a fetch, and the one error it raises.

`FetchError.kind` names what went wrong: timeout, connection, http_status, too_large,
redirect_loop, too_many_redirects, blocked_address, bad_scheme, decompression,
retry_after_too_long, bad_url (unparsable URL), tls (certificate / handshake failure) and, from
fetch_many only, internal (an unexpected exception, reported instead of raised).
`str(error)` is a one-line message for people; `error.retries` says how many retries were spent.
"""
from __future__ import annotations

import http.client
from dataclasses import dataclass
from typing import Dict, Optional

from urllib3 import exceptions as _u3


def _wirefeed_version() -> str:
    try:
        from transforms import __version__ as version  # type: ignore[attr-defined]

        return str(version)
    except Exception:
        pass
    try:
        import importlib.metadata

        return importlib.metadata.version("wirefeed")
    except Exception:
        return "0.1.0"


__version__ = _wirefeed_version()
USER_AGENT = f"wirefeed/{__version__} (+https://github.com/wirefeed/wirefeed)"

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")

# --------------------------------------------------------------------------- public types

@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 10.0     # seconds to establish a connection
    total_timeout: float = 30.0       # whole response, headers + body, per attempt
    max_retries: int = 3
    backoff_base: float = 0.5         # full jitter: uniform(0, min(backoff_max, base * 2**n))
    backoff_max: float = 20.0
    retry_after_cap: float = 60.0     # honour Retry-After up to this; longer -> give up
    max_redirects: int = 5
    max_bytes: int = 20_000_000  # raw body and decompressed body
    allow_private: bool = False       # allow loopback and private ranges
    max_concurrency: int = 8          # fetch_many: overall parallel fetches
    per_host_concurrency: int = 2     # fetch_many: parallel fetches per host
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """A feed could not be fetched. ``str(exc)`` is a one-line message for people."""

    def __init__(self, kind: str, message: str, *, status: Optional[int] = None,
                 retries: int = 0, url: Optional[str] = None, retryable: bool = False):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retries = retries
        self.url = url
        self.retryable = retryable   # internal: may the retry loop try again?

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"FetchError(kind={self.kind!r}, status={self.status!r}, retries={self.retries}, {self.message!r})"

    def __reduce__(self):
        return (_rebuild_fetch_error, (self.kind, self.message, self.status, self.retries, self.url))


def _rebuild_fetch_error(kind, message, status, retries, url):
    return FetchError(kind, message, status=status, retries=retries, url=url)


@dataclass
class FetchResult:
    url: str                          # requested URL
    status: int                       # 2xx (content) or 304 (not modified)
    body: bytes                       # decompressed; b"" for 304
    headers: Dict[str, str]           # final response headers, keys lower-cased (as received)
    final_url: str                    # after redirects
    retries: int
    permanent_redirect: Optional[str]  # target of the first 301/308 in the chain
    elapsed: float


def short_reason(e: BaseException) -> str:
    """The innermost useful reason of a urllib3 / socket error."""
    seen = set()
    while True:
        inner = None
        if isinstance(e, _u3.ProtocolError) and len(e.args) > 1 and isinstance(e.args[1], BaseException):
            inner = e.args[1]
        elif e.__context__ is not None and isinstance(e, _u3.HTTPError):
            inner = e.__context__
        if inner is None or id(inner) in seen:
            break
        seen.add(id(e))
        e = inner
    text = str(e) or type(e).__name__
    if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return f"{type(e).__name__}: {e.strerror or text}"
    if isinstance(e, http.client.IncompleteRead) or type(e).__name__ == "IncompleteRead":
        return f"connection closed before the whole body arrived ({text})"
    return text if len(text) < 300 else text[:297] + "..."
