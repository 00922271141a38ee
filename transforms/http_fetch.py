"""HTTP(S) feed fetcher: pooled, bounded, retried, and safe against hostile servers.

Pure Python (urllib3 2.x, no Beam). The Beam wrapper (FetchFeeds) creates one
`HttpFetcher` per DoFn in ``setup()`` and calls `HttpFetcher.fetch_many` on groups of feeds.

What one `HttpFetcher.fetch` does
---------------------------------
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
* **Size.** ``Content-Length > max_bytes`` fails before reading; the raw body is capped while
  streaming; decompression is done here, incrementally (``zlib.decompressobj`` with
  ``max_length``, ``brotli.Decompressor.process(output_buffer_limit=...)``), so a gzip bomb
  is stopped after ``max_bytes`` of output without ever allocating more. A compressed body
  that ends early is a ``decompression`` error. ``br`` is only advertised when the installed
  ``brotli`` supports bounded output (brotli >= 1.2).

Which addresses we connect to (SSRF / DNS rebinding)
----------------------------------------------------
The check sits *inside the connection*: the urllib3 connection classes used by this fetcher
replace ``_new_conn`` (the one place urllib3 turns a host name into a socket) with our own:

1. resolve the host **once** with ``getaddrinfo``;
2. check **every** returned address; if any of them is blocked the whole host is refused
   (a name that mixes a public and a metadata address is hostile, not unlucky);
3. ``connect()`` to exactly those checked socket addresses -- never to the name -- so a DNS
   answer that changes between check and connect (rebinding) cannot slip in a new address;
4. after connecting, ``getpeername()`` is checked again (belt and braces).

Because the check is at connect time, it applies to the first URL and to every redirect
hop alike, and a pooled keep-alive connection is only ever one that passed it. URLs whose
host is an IP literal are also checked before any request is made, which gives an early,
clear error (and means a redirect to ``http://169.254.169.254/`` never even reaches the
connection pool). The fetcher never uses proxies (environment proxy settings are ignored),
since through a proxy the address we connect to says nothing about the target.

Always blocked: link-local 169.254.0.0/16 and fe80::/10 (cloud metadata lives there),
fd00:ec2::254 (AWS IMDS over IPv6), 100.100.100.200 (Alibaba metadata), unspecified
(0.0.0.0/8, ::), multicast and 240.0.0.0/4. Blocked unless ``allow_private``: loopback
(127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7) and carrier-grade NAT
100.64/10. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) IPv6 addresses are judged
by the IPv4 address they embed.

fetch_many
----------
A bounded thread pool (``max_concurrency`` workers). A feed is only handed to a worker when
its host (the host of the URL as requested; redirects are not re-scheduled) has fewer than
``per_host_concurrency`` fetches running, so one busy host cannot occupy every worker.
Results are yielded as they finish; a failure is yielded as a `FetchError`, never raised.

Error kinds (`FetchError.kind`): timeout, connection, http_status, too_large, redirect_loop,
too_many_redirects, blocked_address, bad_scheme, decompression, retry_after_too_long, and
also bad_url (unparsable URL), tls (certificate / handshake failure) and, from fetch_many
only, internal (an unexpected exception, reported instead of raised).
"""
from __future__ import annotations

import collections
import concurrent.futures
import email.utils
import heapq
import http
import http.client
import ipaddress
import itertools
import random
import socket
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union
from urllib.parse import urldefrag, urljoin, urlsplit

import urllib3
from urllib3 import exceptions as _u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

try:  # brotli is optional; only advertise "br" if we can decode it with bounded output
    import brotli as _brotli

    _HAVE_BROTLI = hasattr(_brotli.Decompressor(), "can_accept_more_data")
except Exception:  # pragma: no cover - depends on the environment
    _brotli = None
    _HAVE_BROTLI = False


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
ACCEPT_ENCODING = "gzip, deflate, br" if _HAVE_BROTLI else "gzip, deflate"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 64 * 1024
_WATCHDOG_GRACE = 0.1   # the watchdog fires this long after the deadline; socket timeouts usually win


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
    max_bytes: int = 20 * 1024 * 1024  # raw body and decompressed body
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


# --------------------------------------------------------------------------- address policy

_METADATA = "link-local / cloud metadata address"
_ALWAYS_BLOCKED = [(ipaddress.ip_network(net), why) for net, why in [
    ("169.254.0.0/16", _METADATA),
    ("fe80::/10", _METADATA),
    ("fd00:ec2::254/128", _METADATA),
    ("100.100.100.200/32", "cloud metadata address"),
    ("0.0.0.0/8", "unspecified address"),
    ("::/128", "unspecified address"),
    ("224.0.0.0/4", "multicast address"),
    ("ff00::/8", "multicast address"),
    ("240.0.0.0/4", "reserved / broadcast address"),
]]
_PRIVATE = [(ipaddress.ip_network(net), why) for net, why in [
    ("127.0.0.0/8", "loopback address"),
    ("::1/128", "loopback address"),
    ("10.0.0.0/8", "private address"),
    ("172.16.0.0/12", "private address"),
    ("192.168.0.0/16", "private address"),
    ("fc00::/7", "private (unique local) address"),
    ("100.64.0.0/10", "carrier-grade NAT address"),
]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _parse_ip(text: str):
    """An ipaddress object for an IP literal (brackets and zone id allowed), else None."""
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def blocked_reason(ip: str, allow_private: bool = False) -> Optional[str]:
    """Why connecting to ``ip`` is refused, or None if it is allowed."""
    addr = _parse_ip(ip)
    if addr is None:
        return "not an IP address"
    candidates = [addr]
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            candidates.append(addr.ipv4_mapped)
        elif addr in _NAT64:
            candidates.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    for a in candidates:
        for net, why in _ALWAYS_BLOCKED:
            if a.version == net.version and a in net:
                return why
    if not allow_private:
        for a in candidates:
            for net, why in _PRIVATE:
                if a.version == net.version and a in net:
                    return f"{why}; allow_private=True permits it"
    return None


def _refusal(ip: str, why: str, host: Optional[str] = None) -> FetchError:
    msg = f"refused to connect to {ip} ({why})"
    if host and _parse_ip(host) is None:
        msg += f": {host} resolves to it"
    return FetchError("blocked_address", msg)


# --------------------------------------------------------------------------- per-attempt deadline

_local = threading.local()


class _Attempt:
    """One request's deadline; the connections it uses are registered for the watchdog."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.expired = False
        self.done = False
        self._conns: List[HTTPConnection] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def attach(self, conn) -> None:
        with self._lock:
            conn._wf_attempt = self
            if conn not in self._conns:
                self._conns.append(conn)
            expired = self.expired
        if expired:
            raise socket.timeout("deadline passed")

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            conns = list(self._conns)
        for conn in conns:
            if getattr(conn, "_wf_attempt", None) is not self:
                continue   # already handed to another attempt from the pool
            sock = getattr(conn, "sock", None)
            if sock is not None:
                try:   # the plain socket method: no TLS close_notify, just wake the reader
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def finish(self) -> None:
        with self._lock:
            self.done = True
            for conn in self._conns:
                if getattr(conn, "_wf_attempt", None) is self:
                    conn._wf_attempt = None
            self._conns.clear()


class _Watchdog:
    """One daemon thread per fetcher that expires attempts whose deadline passed."""

    def __init__(self):
        self._cv = threading.Condition()
        self._heap: list = []
        self._seq = itertools.count()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    def watch(self, attempt: _Attempt) -> None:
        with self._cv:
            if self._stopped:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wirefeed-fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (attempt.deadline + _WATCHDOG_GRACE, next(self._seq), attempt))
            self._cv.notify()

    def _run(self) -> None:
        with self._cv:
            while not self._stopped:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cv.wait()
                    continue
                when, _, attempt = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cv.wait(wait)
                    continue
                heapq.heappop(self._heap)
                attempt.expire()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._heap.clear()
            self._cv.notify()


# --------------------------------------------------------------------------- guarded connections

class _GuardedMixin:
    """Replaces urllib3's socket creation with resolve-once, check-all, connect-to-checked."""

    _wf_allow_private = False
    _wf_connect_timeout = 10.0

    def _new_conn(self):  # noqa: C901 - one linear procedure
        host = self._dns_host
        port = self.port
        attempt: Optional[_Attempt] = getattr(_local, "attempt", None)
        try:
            infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise FetchError("connection", f"could not resolve host {self.host}: {e.strerror or e}",
                             retryable=e.errno == getattr(socket, "EAI_AGAIN", None)) from None
        if not infos:
            raise FetchError("connection", f"could not resolve host {self.host}: no addresses")
        for info in infos:
            ip = info[4][0]
            why = blocked_reason(ip, self._wf_allow_private)
            if why:
                raise _refusal(ip, why, self.host)

        timeout = self.timeout if isinstance(self.timeout, (int, float)) else self._wf_connect_timeout
        last_error: Optional[BaseException] = None
        timed_out = False
        for family, socktype, proto, _, sockaddr in infos:
            budget = timeout
            if attempt is not None:
                budget = min(budget, attempt.remaining())
                if budget <= 0:
                    timed_out = True
                    break
            sock = socket.socket(family, socktype, proto)
            try:
                for opt in self.socket_options or ():
                    sock.setsockopt(*opt)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.settimeout(budget)
                sock.connect(sockaddr)
                peer = sock.getpeername()[0]
                why = blocked_reason(peer, self._wf_allow_private)
                if why:
                    raise _refusal(peer, why, self.host)
            except FetchError:
                sock.close()
                raise
            except socket.timeout as e:
                sock.close()
                last_error, timed_out = e, True
                continue
            except OSError as e:
                sock.close()
                last_error = e
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if timed_out and (last_error is None or isinstance(last_error, socket.timeout)):
            raise FetchError("timeout", f"timed out after {timeout:.1f} s connecting to {self.host}:{port}",
                             retryable=True)
        reason = getattr(last_error, "strerror", None) or str(last_error)
        raise FetchError("connection", f"could not connect to {self.host}:{port}: {reason}",
                         retryable=True)

    def connect(self):
        attempt = getattr(_local, "attempt", None)
        if attempt is not None:
            attempt.attach(self)
        return super().connect()

    def request(self, *args, **kwargs):
        attempt = getattr(_local, "attempt", None)
        if attempt is not None:
            attempt.attach(self)
        return super().request(*args, **kwargs)


# --------------------------------------------------------------------------- decompression

def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class _Identity:
    label = "identity"

    def __init__(self, limit: int, url: str):
        self.out = bytearray()

    def feed(self, data: bytes) -> None:
        self.out += data   # the raw cap already bounds this

    def finish(self) -> None:
        pass


class _Bounded:
    """Shared bits: output buffer and the decompressed-size check."""
    label = "compressed"

    def __init__(self, limit: int, url: str):
        self.limit = limit
        self.url = url
        self.out = bytearray()
        self.seen_input = 0

    def _add(self, chunk: bytes) -> None:
        self.out += chunk
        if len(self.out) > self.limit:
            raise FetchError("too_large",
                             f"{self.label} body larger than {_mb(self.limit)} when decompressed "
                             f"(decompression bomb?) from {self.url}")

    def _room(self) -> int:
        return self.limit - len(self.out) + 1   # asking for one byte more detects the overflow

    def _bad(self, detail: str) -> FetchError:
        return FetchError("decompression", f"invalid {self.label} body from {self.url}: {detail}")

    def _truncated(self) -> FetchError:
        return FetchError("decompression",
                          f"truncated {self.label} body from {self.url}: the stream ended before the end "
                          f"of the compressed data ({self.seen_input} compressed bytes received)")


class _Zlib(_Bounded):
    """gzip (all members) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, limit: int, url: str, gzip: bool):
        super().__init__(limit, url)
        self.gzip = gzip
        self.label = "gzip" if gzip else "deflate"
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self._head = b""          # deflate: first bytes, to tell zlib-wrapped from raw
        self._members_done = 0    # gzip: complete members so far
        self._ignore_rest = False

    def feed(self, data: bytes) -> None:
        self.seen_input += len(data)
        if self._ignore_rest:
            return
        if self._d is None:       # deflate flavour not known yet
            self._head += data
            if len(self._head) < 2:
                return
            b0, b1 = self._head[0], self._head[1]
            wrapped = (b0 & 0x0F) == 8 and (b0 >> 4) <= 7 and ((b0 << 8) | b1) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        pending = data
        while pending:
            if self._d.eof:
                if not self.gzip or not pending.strip(b"\x00"):
                    return        # trailing garbage / padding after the end of the stream
                self._members_done += 1
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                chunk = self._d.decompress(pending, self._room())
            except zlib.error as e:
                if self.gzip and self._members_done:
                    self._ignore_rest = True   # junk after a complete member: ignore, like browsers
                    return
                raise self._bad(str(e)) from None
            self._add(chunk)
            pending = self._d.unused_data if self._d.eof else self._d.unconsumed_tail

    def finish(self) -> None:
        if self.seen_input == 0 or self._ignore_rest:
            return
        if self._d is None:       # a single byte of "deflate"
            raise self._truncated()
        if not self._d.eof:
            try:
                self._add(self._d.flush())
            except zlib.error as e:
                raise self._bad(str(e)) from None
            raise self._truncated()


class _Brotli(_Bounded):
    label = "br"

    def __init__(self, limit: int, url: str):
        super().__init__(limit, url)
        self._d = _brotli.Decompressor()

    def feed(self, data: bytes) -> None:
        self.seen_input += len(data)
        try:
            self._add(self._d.process(data, output_buffer_limit=self._room()))
            while not self._d.can_accept_more_data():
                self._add(self._d.process(b"", output_buffer_limit=self._room()))
        except _brotli.error as e:
            raise self._bad(str(e) or "corrupt stream") from None

    def finish(self) -> None:
        if self.seen_input and not self._d.is_finished():
            raise self._truncated()


def _decoder_for(content_encoding: Optional[str], limit: int, url: str):
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return _Identity(limit, url)
    if len(codings) > 1:
        raise FetchError("decompression",
                         f"unsupported Content-Encoding {content_encoding!r} from {url} (more than one coding)")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(limit, url, gzip=True)
    if coding == "deflate":
        return _Zlib(limit, url, gzip=False)
    if coding == "br" and _HAVE_BROTLI:
        return _Brotli(limit, url)
    raise FetchError("decompression", f"unsupported Content-Encoding {coding!r} from {url}")


# --------------------------------------------------------------------------- helpers

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


def _host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


@dataclass
class _Hop:
    status: int
    reason: str
    headers: Dict[str, str]
    body: bytes = b""


# --------------------------------------------------------------------------- the fetcher

class HttpFetcher:
    """Fetches feeds over one pooled urllib3 PoolManager. Thread-safe."""

    def __init__(self, settings: FetchSettings = FetchSettings()):
        self.settings = settings
        attrs = {"_wf_allow_private": settings.allow_private,
                 "_wf_connect_timeout": settings.connect_timeout}
        http_conn = type("GuardedHTTPConnection", (_GuardedMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_GuardedMixin, HTTPSConnection), attrs)
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
        self._watchdog = _Watchdog()
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
        ip = _parse_ip(parts.hostname)
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
        attempt = _Attempt(time.monotonic() + s.total_timeout)
        self._watchdog.watch(attempt)
        _local.attempt = attempt
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
                raise FetchError("connection", f"connection failed while {what} {url}: {_short(e)}",
                                 retryable=True) from None
        finally:
            attempt.finish()
            _local.attempt = None
            if resp is not None:
                if resp.connection is not None and not resp.isclosed():
                    resp.close()   # unread body, redirect or error: don't reuse the connection
                resp.release_conn()

    def _timeout(self, url: str, phase: str) -> FetchError:
        what = "reading the body of" if phase == "body" else "waiting for the response headers from"
        return FetchError("timeout", f"timed out after {self.settings.total_timeout:.1f} s {what} {url}")

    def _read_body(self, resp, attempt: _Attempt, url: str) -> bytes:
        limit = self.settings.max_bytes
        length = resp.headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > limit:
            raise FetchError("too_large", f"body larger than {_mb(limit)} limit "
                                          f"(Content-Length: {int(length)} bytes) from {url}")
        decoder = _decoder_for(resp.headers.get("content-encoding"), limit, url)
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
                raise FetchError("too_large", f"body larger than {_mb(limit)} limit from {url}")
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
        per_host = max(1, s.per_host_concurrency)
        overall = max(1, s.max_concurrency)
        queues: "collections.OrderedDict[str, collections.deque]" = collections.OrderedDict()
        for item in requests:
            if isinstance(item, str):
                item = (item,)
            url, etag, last_modified = (tuple(item) + (None, None))[:3]
            queues.setdefault(_host_key(url), collections.deque()).append((url, etag, last_modified))
        if not queues:
            return
        executor = self._get_executor()
        running: Dict[concurrent.futures.Future, Tuple[str, str]] = {}
        per_host_running: Dict[str, int] = collections.Counter()

        def dispatch() -> None:
            progressed = True
            while progressed and len(running) < overall:
                progressed = False
                for host in list(queues):
                    if len(running) >= overall:
                        break
                    if per_host_running[host] >= per_host:
                        continue
                    url, etag, last_modified = queues[host].popleft()
                    if not queues[host]:
                        del queues[host]
                    fut = executor.submit(self._safe_fetch, url, etag, last_modified)
                    running[fut] = (url, host)
                    per_host_running[host] += 1
                    progressed = True

        try:
            dispatch()
            while running:
                done, _ = concurrent.futures.wait(list(running), return_when=concurrent.futures.FIRST_COMPLETED)
                finished = []
                for fut in done:
                    url, host = running.pop(fut)
                    per_host_running[host] -= 1
                    try:
                        outcome = fut.result()
                    except BaseException as e:  # cancelled by close()
                        outcome = FetchError("internal", f"fetch of {url} did not run: {e!r}", url=url)
                    finished.append((url, outcome))
                dispatch()     # keep the pool busy while the caller handles these results
                yield from finished
        finally:
            for fut in running:
                fut.cancel()


def _short(e: BaseException) -> str:
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
