"""HttpFetcher: one feed per `fetch` (retries, redirects, deadlines, size caps), many per `fetch_many`.

Pure Python (urllib3 2.x, no Beam). The Beam wrapper (FetchFeeds) creates one `HttpFetcher`
per DoFn in ``setup()`` and calls `HttpFetcher.fetch_many` on groups of feeds.

What one `HttpFetcher.fetch` does:

* GET with ``User-Agent: wirefeed/<version> (...)``, ``Accept-Encoding: gzip, deflate[, br]``
  and, when given, ``If-None-Match`` / ``If-Modified-Since``; a 304 becomes
  ``FetchResult(status=304, body=b"")``.
* **Timeouts.** Every attempt (one request of one redirect hop) has a monotonic deadline of
  ``total_timeout`` seconds covering connect, response headers and body:

  - the connect timeout is ``min(connect_timeout, time left)`` per address tried;
  - the socket read timeout is set to the time left before the request and again before
    every body read, and the body is read with ``read1`` (at most one ``recv`` per call) in
    chunks, checking the deadline after each chunk, so a server that trickles one byte per
    second is cut off at the deadline instead of resetting a per-recv timeout forever;
  - a per-fetcher watchdog thread shuts the socket down (``shutdown(SHUT_RDWR)``) shortly
    after the deadline. That covers what per-``recv`` timeouts cannot: response *headers*
    (or chunk-size lines) trickled a byte at a time.
* **Retries** (at most ``max_retries`` per fetch, shared by all redirect hops), exponential
  backoff with full jitter ``uniform(0, min(backoff_max, backoff_base * 2**n))``:

  - retried: connection refused/reset (also a reset in the middle of the body), a
    *connect* timeout, a transient DNS failure (EAI_AGAIN), HTTP 408, 429 and 5xx;
  - not retried: a deadline timeout while waiting for headers or reading the body (the
    server got ``total_timeout`` seconds already; retrying would multiply the worst case),
    other 4xx, TLS errors, blocked addresses, bad schemes, size limits, decompression errors;
  - ``Retry-After`` (delta-seconds or HTTP-date) on a retried status replaces the backoff;
    if it asks for more than ``retry_after_cap`` we give up at once (kind
    ``retry_after_too_long``) rather than hold a worker.

  Worst case for one fetch is therefore bounded by
  ``(max_retries + max_redirects + 1) * total_timeout`` of network time plus
  ``max_retries * max(backoff_max, retry_after_cap)`` of sleeping.
* **Redirects** are followed by hand (301, 302, 303, 307, 308) up to ``max_redirects``;
  relative ``Location`` values are resolved; a URL seen before in the chain is a
  ``redirect_loop``; every hop is re-checked for scheme (http/https only, else
  ``bad_scheme``) and address. The first 301/308 target is reported as
  ``permanent_redirect``.

The address checks and the deadline watchdog live in http_connection.py, body decoding in
http_decode.py and fetch_many's scheduling in http_schedule.py.
"""
from __future__ import annotations

import concurrent.futures
import email.utils
import http
import http.client
import random
import socket
import threading
import time
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, Optional, Tuple, Union
from urllib.parse import urldefrag, urljoin, urlsplit

import urllib3
from urllib3 import exceptions as _u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from transforms.fetch.http.connection import Attempt, GuardedMixin, Watchdog, blocked_reason, local, parse_ip
from transforms.fetch.http.decode import ACCEPT_ENCODING, decoder_for, mb
from transforms.fetch.http.schedule import schedule
from transforms.fetch.http.types import ACCEPT, FetchError, FetchResult, FetchSettings, short_reason

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 64 * 1024


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait according to a Retry-After value (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:   # HTTP-dates are GMT
        import datetime as _dt
        when = when.replace(tzinfo=_dt.timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _reason(status: int, reason: Optional[str]) -> str:
    if reason:
        return reason
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


@dataclass
class _Hop:
    status: int
    reason: str
    headers: Dict[str, str]
    body: bytes = b""


# --------------------------------------------------------------------------- the fetcher

class LazyClient:
    """An HttpFetcher opened on first use and closed on demand: what a DoFn holds between its
    setup() and teardown(). Subclasses fetch through `self.client()`."""

    def __init__(self, settings: FetchSettings):
        self.settings = settings
        self._fetcher: Optional["HttpFetcher"] = None

    def client(self) -> "HttpFetcher":
        self.open()
        return self._fetcher

    def open(self) -> None:
        if self._fetcher is None:
            self._fetcher = HttpFetcher(self.settings)

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None


def basic_auth(url: str) -> Optional[str]:
    """The Authorization header for a URL's `user:password@` (RFC 7617), else None."""
    parts = urlsplit(url)
    if parts.username is None:
        return None
    import base64
    from urllib.parse import unquote
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
    return "Basic " + base64.b64encode(pair).decode("ascii")


class HttpFetcher:
    """Fetches feeds over one pooled urllib3 PoolManager. Thread-safe."""

    def __init__(self, settings: FetchSettings = FetchSettings()):
        self.settings = settings
        attrs = {"_wf_allow_private": settings.allow_private,
                 "_wf_connect_timeout": settings.connect_timeout}
        http_conn = type("GuardedHTTPConnection", (GuardedMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (GuardedMixin, HTTPSConnection), attrs)
        try:
            import certifi
            ca = {"ca_certs": certifi.where()}
        except Exception:  # pragma: no cover - certifi ships with requests
            ca = {}
        self._pool = urllib3.PoolManager(
            num_pools=64,
            maxsize=max(settings.max_concurrency, settings.per_host_concurrency, 1),
            block=False,
            retries=False,
            **ca,
        )
        self._pool.pool_classes_by_scheme = {
            "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
        self._watchdog = Watchdog()
        self._rng = random.Random()
        self._lock = threading.Lock()
        self._executor: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._closed = False

    # -- lifecycle

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        self._watchdog.stop()
        self._pool.clear()

    def __enter__(self) -> "HttpFetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one feed

    def fetch(self, url: str, etag: Optional[str] = None, last_modified: Optional[str] = None) -> FetchResult:
        """GET one feed; raises `FetchError`."""
        s = self.settings
        started = time.monotonic()
        requested = url
        headers = {"User-Agent": s.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        state = {"retries": 0}
        try:
            current = self._check_url(urldefrag(url.strip())[0], None)
            chain = [current]
            permanent: Optional[str] = None
            while True:
                hop = self._hop_with_retries(current, headers, state)
                if hop.status in _REDIRECT_STATUSES and hop.headers.get("location"):
                    target = urldefrag(urljoin(current, hop.headers["location"].strip()))[0]
                    target = self._check_url(target, current)
                    if target in chain:
                        raise FetchError("redirect_loop", "redirect loop: " + " -> ".join(chain + [target]),
                                         status=hop.status)
                    if len(chain) > s.max_redirects:
                        raise FetchError("too_many_redirects",
                                         f"too many redirects (more than {s.max_redirects}): "
                                         + " -> ".join(chain + [target]), status=hop.status)
                    if permanent is None and hop.status in _PERMANENT_REDIRECTS:
                        permanent = target
                    chain.append(target)
                    current = target
                    continue
                return FetchResult(url=requested, status=hop.status, body=hop.body, headers=hop.headers,
                                   final_url=current, retries=state["retries"],
                                   permanent_redirect=permanent, elapsed=time.monotonic() - started)
        except FetchError as e:
            e.retries = state["retries"]
            if e.url is None:
                e.url = requested
            raise

    def _check_url(self, url: str, came_from: Optional[str]) -> str:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as e:
            raise FetchError("bad_url", f"malformed URL {url!r}: {e}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            if came_from:
                raise FetchError("bad_scheme", f"refused to follow redirect from {came_from} to {url} "
                                               "(only http and https URLs are fetched)")
            raise FetchError("bad_scheme", f"unsupported URL scheme {scheme or '(none)'!r} in {url} "
                                           "(only http and https URLs are fetched)")
        if not parts.hostname:
            raise FetchError("bad_url", f"malformed URL {url!r}: no host")
        ip = parse_ip(parts.hostname)
        if ip is not None:    # an IP literal: refuse before any connection attempt
            why = blocked_reason(str(ip), self.settings.allow_private)
            if why:
                msg = f"refused to connect to {ip} ({why})"
                if came_from:
                    msg += f" for {url}, redirected from {came_from}"
                raise FetchError("blocked_address", msg)
        return url

    def _hop_with_retries(self, url: str, headers: Dict[str, str], state: dict) -> _Hop:
        s = self.settings
        while True:
            try:
                hop = self._attempt(url, headers)
            except FetchError as e:
                if not e.retryable or state["retries"] >= s.max_retries:
                    if e.retryable and state["retries"]:
                        e.message += f" (gave up after {state['retries']} retries)"
                    raise
                self._sleep(self._backoff(state["retries"]))
                state["retries"] += 1
                continue
            status = hop.status
            if status == 408 or status == 429 or 500 <= status <= 599:
                msg = f"HTTP {status} {hop.reason} from {url}"
                if state["retries"] >= s.max_retries:
                    if state["retries"]:
                        msg += f" (gave up after {state['retries']} retries)"
                    raise FetchError("http_status", msg, status=status)
                delay = parse_retry_after(hop.headers.get("retry-after"))
                if delay is not None and delay > s.retry_after_cap:
                    raise FetchError("retry_after_too_long",
                                     f"{msg} asks to retry after {delay:.0f} s, more than the "
                                     f"{s.retry_after_cap:.0f} s cap; giving up", status=status)
                self._sleep(delay if delay is not None else self._backoff(state["retries"]))
                state["retries"] += 1
                continue
            if 200 <= status < 300 or status == 304 or (
                    status in _REDIRECT_STATUSES and hop.headers.get("location")):
                return hop
            extra = " (a redirect without a Location header)" if 300 <= status < 400 else ""
            raise FetchError("http_status", f"HTTP {status} {hop.reason} from {url}{extra}", status=status)

    def _backoff(self, retry_index: int) -> float:
        s = self.settings
        return self._rng.uniform(0.0, min(s.backoff_max, s.backoff_base * (2 ** retry_index)))

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def _attempt(self, url: str, headers: Dict[str, str]) -> _Hop:
        """One request with its own total deadline. Reads the body only for 2xx."""
        s = self.settings
        auth = basic_auth(url)
        if auth:        # this URL's own user:pass@ (never carried to a redirect's target)
            headers = dict(headers, Authorization=auth)
        attempt = Attempt(time.monotonic() + s.total_timeout)
        self._watchdog.watch(attempt)
        local.attempt = attempt
        phase = "headers"
        resp = None
        try:
            try:
                left = max(attempt.remaining(), 0.001)
                timeout = urllib3.Timeout(connect=min(s.connect_timeout, left), read=left)
                resp = self._pool.urlopen("GET", url, headers=headers, redirect=False, retries=False,
                                          preload_content=False, decode_content=False, timeout=timeout)
                if attempt.expired:   # the watchdog cut the headers short: they are not real
                    raise self._timeout(url, phase)
                hop = _Hop(status=resp.status, reason=_reason(resp.status, resp.reason),
                           headers={k.lower(): resp.headers[k] for k in resp.headers})
                if 200 <= resp.status < 300:
                    phase = "body"
                    hop.body = self._read_body(resp, attempt, url)
                elif resp.status == 304:
                    resp.read1(_CHUNK, decode_content=False)   # no body; frees the connection
                return hop
            except FetchError as e:
                if attempt.expired and e.kind == "connection":
                    raise self._timeout(url, phase) from None
                raise
            except (_u3.ReadTimeoutError, socket.timeout):
                raise self._timeout(url, phase) from None
            except _u3.SSLError as e:
                if attempt.expired:
                    raise self._timeout(url, phase) from None
                raise FetchError("tls", f"TLS error talking to {urlsplit(url).hostname}: {e}") from None
            except (_u3.LocationValueError, _u3.LocationParseError) as e:
                raise FetchError("bad_url", f"malformed URL {url!r}: {e}") from None
            except (_u3.HTTPError, OSError, http.client.HTTPException) as e:
                if attempt.expired:
                    raise self._timeout(url, phase) from None
                what = "reading the body of" if phase == "body" else "waiting for the response from"
                raise FetchError("connection", f"connection failed while {what} {url}: {short_reason(e)}",
                                 retryable=True) from None
        finally:
            attempt.finish()
            local.attempt = None
            if resp is not None:
                if resp.connection is not None and not resp.isclosed():
                    resp.close()   # unread body, redirect or error: don't reuse the connection
                resp.release_conn()

    def _timeout(self, url: str, phase: str) -> FetchError:
        what = "reading the body of" if phase == "body" else "waiting for the response headers from"
        return FetchError("timeout", f"timed out after {self.settings.total_timeout:.1f} s {what} {url}")

    def _read_body(self, resp, attempt: Attempt, url: str) -> bytes:
        limit = self.settings.max_bytes
        length = resp.headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > limit:
            raise FetchError("too_large", f"body larger than {mb(limit)} limit "
                                          f"(Content-Length: {int(length)} bytes) from {url}")
        decoder = decoder_for(resp.headers.get("content-encoding"), limit, url)
        raw = 0
        while True:
            left = attempt.remaining()
            if left <= 0:
                raise self._timeout(url, "body")
            conn = resp.connection
            sock = getattr(conn, "sock", None) if conn is not None else None
            if sock is not None:
                sock.settimeout(left)
            chunk = resp.read1(_CHUNK, decode_content=False)
            if not chunk:
                break
            raw += len(chunk)
            if raw > limit:
                raise FetchError("too_large", f"body larger than {mb(limit)} limit from {url}")
            decoder.feed(chunk)
            if attempt.remaining() <= 0:
                raise self._timeout(url, "body")
        if attempt.expired:   # EOF because the watchdog shut the socket, not because the body ended
            raise self._timeout(url, "body")
        decoder.finish()
        return bytes(decoder.out)

    # -- many feeds

    def _get_executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("HttpFetcher is closed")
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=max(1, self.settings.max_concurrency), thread_name_prefix="wirefeed-fetch")
            return self._executor

    def _safe_fetch(self, url: str, etag: Optional[str], last_modified: Optional[str]):
        try:
            return self.fetch(url, etag, last_modified)
        except FetchError as e:
            return e
        except Exception as e:  # a bug must not take the other feeds down
            return FetchError("internal", f"unexpected {type(e).__name__} fetching {url}: {e}", url=url)

    def fetch_many(self, requests: Iterable[Tuple[str, Optional[str], Optional[str]]]
                   ) -> Iterator[Tuple[str, Union[FetchResult, FetchError]]]:
        """Fetch (url, etag, last_modified) triples (or bare URLs) concurrently; yield
        (url, result-or-error) as each finishes. At most max_concurrency in flight and
        per_host_concurrency per host (host of the URL as given). Never raises for one feed."""
        s = self.settings
        return schedule(self._safe_fetch, self._get_executor, requests,
                        s.max_concurrency, s.per_host_concurrency)
