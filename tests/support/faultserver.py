"""A real threaded HTTP server on 127.0.0.1 that misbehaves on request, for fetcher and pipeline tests.

    with FaultServer() as srv:
        url = srv.static("/feed.xml", b"<rss/>")
        srv.sequence("/flaky", [Reply(500), Reply(200, b"ok")])
        srv.trickle("/slow", b"x" * 100, interval=1.0)
        ...
        srv.hits["/flaky"]            # how many requests reached a path
        srv.requests_for("/feed.xml") # what the client sent (headers lower-cased)
        srv.max_active, srv.max_active_by_host["127.0.0.1:PORT"]

Or as a pytest fixture: ``from faultserver import fault_server`` in a test module (or conftest).

Routes are exact paths (the query string is ignored for matching, available on the request).
A route is a `Reply` (sent as is), or a callable ``fn(ex: Exchange)`` that writes the response
itself, with helpers for the usual faults (below). Unknown paths get a 404.

Everything is bounded so no test can hang on the server: handler threads are daemons, idle
keep-alive connections time out after a few seconds, and ``stop()`` wakes up sleeping handlers
and shuts down every open connection.
"""
from __future__ import annotations

import collections
import email.utils
import gzip
import http.server
import os
import socket
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Union
from urllib.parse import urlsplit

_ZEROS = bytes(1 << 20)   # shared 1 MiB of zeros for bombs and oversized bodies
_FILLER = (b"<!-- padding padding padding padding padding padding padding padding -->\n" * 14500)[: 1 << 20]


@dataclass
class Reply:
    """A canned response. ``delay`` sleeps before the status line is sent."""
    status: int = 200
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Request:
    """What the client sent."""
    method: str
    path: str
    query: str
    headers: Dict[str, str]     # lower-cased names
    hit: int                    # 1 for the first request to this path
    client: tuple


class Exchange:
    """One request being answered: what came in, and primitives to answer (or misbehave)."""

    def __init__(self, server: "FaultServer", handler: "_Handler", request: Request):
        self.server = server
        self.handler = handler
        self.request = request
        self.hit = request.hit

    # -- well-behaved answers
    def reply(self, reply: Reply) -> None:
        if reply.delay and not self.sleep(reply.delay):
            return
        headers = dict(reply.headers)
        if not any(k.lower() == "content-length" for k in headers) and reply.status not in (204, 304):
            headers["Content-Length"] = str(len(reply.body))
        if not any(k.lower() == "content-type" for k in headers) and reply.body:
            headers["Content-Type"] = "application/rss+xml; charset=utf-8"
        self.send_head(reply.status, headers)
        if reply.body and reply.status not in (204, 304):
            self.write(reply.body)

    def send_head(self, status: int, headers: Optional[Dict[str, str]] = None) -> bool:
        """Status line + headers. A response without Content-Length closes the connection."""
        h = self.handler
        headers = headers or {}
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            lower = {k.lower() for k in headers}
            if "content-length" not in lower and "transfer-encoding" not in lower and status not in (204, 304):
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            h.wfile.flush()
            return True
        except OSError:
            h.close_connection = True
            return False

    def write(self, data: bytes) -> bool:
        """Send bytes; False (and the connection marked closed) if the client has gone."""
        try:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
            return True
        except OSError:
            self.handler.close_connection = True
            return False

    def write_raw(self, data: bytes) -> bool:
        return self.write(data)

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True if the full time passed."""
        return not self.server._stopping.wait(seconds)

    # -- faults
    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then close the descriptor)."""
        h = self.handler
        h.close_connection = True
        sock = h.connection
        try:
            h.wfile.flush()
        except OSError:
            pass
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(sock.detach())
        except OSError:
            pass

    def close(self) -> None:
        """Close the connection normally (FIN) after what was sent so far."""
        h = self.handler
        h.close_connection = True
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


Handler = Callable[[Exchange], None]
Route = Union[Reply, Handler]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultserver/1.0"
    timeout = 5              # idle keep-alive connections end after this

    def log_message(self, format, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        self.server.owner._opened(self.connection)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._closed(self.connection)

    def do_GET(self):
        self.server.owner._dispatch(self)

    def do_HEAD(self):
        self.server.owner._dispatch(self)

    do_POST = do_GET


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256   # listen backlog: the default 5 drops SYNs under 30 parallel fetches,
                               # which the client sees as 1 s connect timeouts (and retries)

    def handle_error(self, request, client_address):  # client went away etc.: not interesting
        pass


class FaultServer:
    """See the module docstring. ``url(path)`` gives the absolute URL of a path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._routes: Dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set = set()
        self.hits: collections.Counter = collections.Counter()
        self.requests: List[Request] = []
        self.connections = 0                 # TCP connections accepted
        self.active = 0
        self.max_active = 0                  # most requests being answered at once
        self.active_by_host: collections.Counter = collections.Counter()
        self.max_active_by_host: collections.Counter = collections.Counter()   # by Host header
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self.host, self.port = self._httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle
    def start(self) -> "FaultServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"faultserver-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- bookkeeping
    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def requests_for(self, path: str) -> List[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reset_stats(self) -> None:
        with self._lock:
            self.hits.clear()
            self.requests.clear()
            self.max_active = 0
            self.max_active_by_host.clear()

    def _opened(self, sock) -> None:
        with self._lock:
            self.connections += 1
            self._conns.add(sock)

    def _closed(self, sock) -> None:
        with self._lock:
            self._conns.discard(sock)

    def _dispatch(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path or "/"
        host = handler.headers.get("Host", "")
        with self._lock:
            self.hits[path] += 1
            req = Request(method=handler.command, path=path, query=parts.query,
                          headers={k.lower(): v for k, v in handler.headers.items()},
                          hit=self.hits[path], client=handler.client_address)
            self.requests.append(req)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.active_by_host[host] += 1
            self.max_active_by_host[host] = max(self.max_active_by_host[host], self.active_by_host[host])
            route = self._routes.get(path)
        ex = Exchange(self, handler, req)
        try:
            if route is None:
                ex.reply(Reply(404, b"not found\n", {"Content-Type": "text/plain"}))
            elif isinstance(route, Reply):
                ex.reply(route)
            else:
                route(ex)
        except OSError:
            handler.close_connection = True
        finally:
            with self._lock:
                self.active -= 1
                self.active_by_host[host] -= 1

    # -- routes
    def route(self, path: str, route: Route) -> str:
        """Register a Reply or a handler ``fn(Exchange)`` for a path; returns its URL."""
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def static(self, path: str, body: bytes, status: int = 200, headers: Optional[Dict[str, str]] = None,
               content_type: str = "application/rss+xml; charset=utf-8") -> str:
        h = {"Content-Type": content_type}
        h.update(headers or {})
        return self.route(path, Reply(status, body, h))

    def sequence(self, path: str, replies: Sequence[Union[Reply, Handler]]) -> str:
        """The n-th request gets replies[n-1]; the last one repeats."""
        replies = list(replies)

        def fn(ex: Exchange) -> None:
            r = replies[min(ex.hit, len(replies)) - 1]
            ex.reply(r) if isinstance(r, Reply) else r(ex)
        return self.route(path, fn)

    def conditional(self, path: str, body: bytes, etag: Optional[str] = '"v1"',
                    last_modified: Optional[str] = "Wed, 25 Nov 2026 10:00:00 GMT",
                    headers: Optional[Dict[str, str]] = None) -> str:
        """200 with ETag/Last-Modified; 304 when If-None-Match or If-Modified-Since says unchanged."""
        def fn(ex: Exchange) -> None:
            h = dict(headers or {})
            if etag:
                h["ETag"] = etag
            if last_modified:
                h["Last-Modified"] = last_modified
            inm = ex.request.headers.get("if-none-match")
            ims = ex.request.headers.get("if-modified-since")
            unchanged = False
            if inm is not None:
                unchanged = etag is not None and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")])
            elif ims and last_modified:
                try:
                    unchanged = email.utils.parsedate_to_datetime(last_modified) <= \
                        email.utils.parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    unchanged = False
            ex.reply(Reply(304, b"", h) if unchanged else Reply(200, body, h))
        return self.route(path, fn)

    def slow_headers(self, path: str, delay: float, body: bytes = b"<rss/>") -> str:
        """Sleep before sending anything."""
        return self.route(path, Reply(200, body, delay=delay))

    def trickle(self, path: str, body: bytes, interval: float = 1.0, chunk: int = 1) -> str:
        """Correct headers, then the body ``chunk`` bytes every ``interval`` seconds."""
        def fn(ex: Exchange) -> None:
            if not ex.send_head(200, {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}):
                return
            for i in range(0, len(body), chunk):
                if not ex.write(body[i:i + chunk]) or not ex.sleep(interval):
                    ex.handler.close_connection = True
                    return
        return self.route(path, fn)

    def trickle_headers(self, path: str, interval: float = 0.2, count: int = 1000) -> str:
        """A status line, then one header byte every ``interval`` seconds, never finishing."""
        def fn(ex: Exchange) -> None:
            ex.handler.close_connection = True
            if not ex.write(b"HTTP/1.1 200 OK\r\nX-Slow: "):
                return
            for _ in range(count):
                if not ex.write(b"a") or not ex.sleep(interval):
                    return
        return self.route(path, fn)

    def trickle_chunked(self, path: str, interval: float = 0.2, count: int = 1000) -> str:
        """A chunked body whose second chunk-size line arrives one byte every ``interval`` seconds
        (a per-recv read timeout never fires; only a deadline on the whole body can stop it)."""
        def fn(ex: Exchange) -> None:
            ex.handler.close_connection = True
            if not ex.send_head(200, {"Content-Type": "application/rss+xml", "Transfer-Encoding": "chunked"}):
                return
            if not ex.write(b"5\r\n<rss>\r\n"):
                return
            for _ in range(count):
                if not ex.write(b"0") or not ex.sleep(interval):
                    return
        return self.route(path, fn)

    def reset_mid_body(self, path: str, body: bytes = b"<rss>" + b"x" * 9995, send: int = 1000,
                       then: Optional[Sequence[Reply]] = None) -> str:
        """Announce the full Content-Length, send ``send`` bytes, then RST. With ``then``, the
        hits after the first get those replies (the last repeats)."""
        then = list(then or [])

        def fn(ex: Exchange) -> None:
            if then and ex.hit > 1:
                ex.reply(then[min(ex.hit - 1, len(then)) - 1])
                return
            if ex.send_head(200, {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}):
                ex.write(body[:send])
                ex.sleep(0.05)
            ex.reset()
        return self.route(path, fn)

    def close_mid_body(self, path: str, body: bytes = b"<rss>" + b"x" * 9995, send: int = 1000) -> str:
        """Like reset_mid_body but a normal close (FIN): the client sees a short body."""
        def fn(ex: Exchange) -> None:
            if ex.send_head(200, {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}):
                ex.write(body[:send])
            ex.close()
        return self.route(path, fn)

    def compressed(self, path: str, body: bytes, encoding: str = "gzip",
                   headers: Optional[Dict[str, str]] = None) -> str:
        """``encoding``: gzip, deflate (zlib-wrapped), raw-deflate (sent as "deflate"), br."""
        if encoding == "gzip":
            data = gzip.compress(body)
        elif encoding == "deflate":
            data = zlib.compress(body)
        elif encoding == "raw-deflate":
            c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            data = c.compress(body) + c.flush()
            encoding = "deflate"
        elif encoding == "br":
            import brotli
            data = brotli.compress(body)
        else:
            raise ValueError(encoding)
        h = {"Content-Type": "application/rss+xml; charset=utf-8", "Content-Encoding": encoding}
        h.update(headers or {})
        return self.route(path, Reply(200, data, h))

    def truncated_gzip(self, path: str, body: bytes = b"<rss>" + b"<item>story</item>" * 2000 + b"</rss>",
                       keep: float = 0.5) -> str:
        """A gzip body cut to ``keep`` of its length (Content-Length matches what is sent)."""
        data = gzip.compress(body)
        data = data[: max(1, int(len(data) * keep))]
        return self.route(path, Reply(200, data, {"Content-Type": "application/rss+xml",
                                                  "Content-Encoding": "gzip"}))

    def gzip_bomb(self, path: str, size: int = 1 << 30, encoding: str = "gzip") -> str:
        """``size`` bytes of zeros, gzip-compressed on the fly (~1 KB on the wire per MB) and
        streamed without Content-Length; stops as soon as the client hangs up."""
        def fn(ex: Exchange) -> None:
            if not ex.send_head(200, {"Content-Type": "application/rss+xml", "Content-Encoding": encoding}):
                return
            if encoding == "br":
                import brotli
                c = brotli.Compressor(quality=5)
                compress, flush = c.process, c.finish
            else:
                c = zlib.compressobj(6, zlib.DEFLATED, 31 if encoding == "gzip" else zlib.MAX_WBITS)
                compress, flush = c.compress, c.flush
            left = size
            while left > 0 and not self._stopping.is_set():
                n = min(left, len(_ZEROS))
                out = compress(_ZEROS if n == len(_ZEROS) else _ZEROS[:n])
                left -= n
                if out and not ex.write(out):
                    return
            ex.write(flush())
        return self.route(path, fn)

    def oversized(self, path: str, size: int = 50 << 20, declare_length: bool = True) -> str:
        """A ``size``-byte body generated as it is sent. Without ``declare_length`` the body is
        delimited by closing the connection, so only a streaming cap can stop it."""
        def fn(ex: Exchange) -> None:
            h = {"Content-Type": "application/rss+xml"}
            if declare_length:
                h["Content-Length"] = str(size)
            if not ex.send_head(200, h):
                return
            if ex.request.method == "HEAD":
                return
            left = size
            while left > 0 and not self._stopping.is_set():
                n = min(left, len(_FILLER))
                if not ex.write(_FILLER[:n]):
                    return
                left -= n
            if not declare_length:
                ex.close()
        return self.route(path, fn)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, Reply(status, b"", {"Location": location}))

    def redirect_chain(self, prefix: str, hops: int, body: bytes = b"<rss>end</rss>", status: int = 302,
                       statuses: Optional[Sequence[int]] = None) -> str:
        """prefix/0 -> prefix/1 -> ... -> prefix/<hops> (the content). Returns the first URL."""
        for i in range(hops):
            self.redirect(f"{prefix}/{i}", self.url(f"{prefix}/{i + 1}"),
                          statuses[i] if statuses else status)
        self.static(f"{prefix}/{hops}", body)
        return self.url(f"{prefix}/0")

    def redirect_loop(self, path_a: str, path_b: str, status: int = 302) -> str:
        self.redirect(path_a, self.url(path_b), status)
        self.redirect(path_b, self.url(path_a), status)
        return self.url(path_a)

    def redirect_to_file(self, path: str) -> str:
        return self.redirect(path, "file:///etc/passwd")

    def redirect_to_metadata(self, path: str) -> str:
        return self.redirect(path, "http://169.254.169.254/latest/meta-data/")

    def html_page(self, path: str) -> str:
        body = (b"<!DOCTYPE html><html><head><title>Not a feed</title></head>"
                b"<body><h1>Welcome</h1><p>This is a web page, not RSS.</p></body></html>")
        return self.static(path, body, content_type="text/html; charset=utf-8")

    def wrong_charset(self, path: str) -> str:
        """UTF-8 bytes declared as ISO-8859-1 in the header (the XML prolog says UTF-8)."""
        body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Café Zürich — '
                'naïve</title><item><title>Crème brûlée à Zürich</title><link>http://charset.example/1</link>'
                '<description>Ærøskøbing, Łódź, Москва — “quoted”</description></item></channel></rss>'
                ).encode("utf-8")
        return self.static(path, body, content_type="application/rss+xml; charset=iso-8859-1")


try:  # a ready-made fixture for test modules and conftest files
    import pytest

    @pytest.fixture
    def fault_server():
        with FaultServer() as srv:
            yield srv
except ImportError:  # pragma: no cover
    pass
