"""HttpFetcher against a real misbehaving server on 127.0.0.1 (tests/support/faultserver.py).

Small settings keep the file fast: total_timeout=2 s, backoff_base=0.01 s, max_bytes=1 MB.
Nothing here talks to a non-loopback address: tests about 169.254.169.254 and friends prove
that no connection is even attempted (socket.connect is spied on, DNS answers are faked).
"""
import email.utils
import gzip
import pickle
import socket
import threading
import time
import tracemalloc

import pytest

from transforms.fetch.http import (
    ACCEPT_ENCODING, USER_AGENT, FetchError, FetchResult, FetchSettings, HttpFetcher, blocked_reason, parse_retry_after,
)

from tests.support.faultserver import FaultServer, Reply

MB = 1024 * 1024
SETTINGS = FetchSettings(connect_timeout=2.0, total_timeout=2.0, max_retries=3, backoff_base=0.01,
                         backoff_max=0.05, retry_after_cap=5.0, max_redirects=5, max_bytes=1 * MB,
                         allow_private=True, max_concurrency=8, per_host_concurrency=2)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

pytestmark = pytest.mark.timeout(30)
HAVE_BR = "br" in ACCEPT_ENCODING      # brotli (>= 1.2) installed
needs_br = pytest.mark.skipif(not HAVE_BR, reason="brotli >= 1.2 is not installed (pip install brotli)")


def settings(**kw) -> FetchSettings:
    import dataclasses
    return dataclasses.replace(SETTINGS, **kw)


@pytest.fixture
def fault_server():
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def fetcher():
    f = HttpFetcher(SETTINGS)
    yield f
    f.close()


def fail(fetcher, url, **kw) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, **kw)
    return info.value


@pytest.fixture
def connect_spy(monkeypatch):
    """Every address socket.connect is called with, in this process (client and anything else)."""
    seen = []
    real = socket.socket.connect

    def spy(self, address):
        seen.append(address)
        return real(self, address)
    monkeypatch.setattr(socket.socket, "connect", spy)
    return seen


@pytest.fixture
def fake_dns(monkeypatch):
    """Map made-up host names to addresses; other names resolve normally. Records lookups."""
    table = {}
    lookups = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host in table:
            lookups.append(host)
            answer = table[host]
            ips = answer() if callable(answer) else answer
            out = []
            for ip in ips:
                fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
                sa = (ip, port, 0, 0) if fam == socket.AF_INET6 else (ip, port)
                out.append((fam, socket.SOCK_STREAM, 6, "", sa))
            return out
        return real(host, port, family, type, proto, flags)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    table["lookups"] = lookups
    return table


# --------------------------------------------------------------------------- plain success

def test_static_feed(fetcher, fault_server):
    url = fault_server.static("/feed.xml", FEED, headers={"X-Custom": "yes"})
    r = fetcher.fetch(url)
    assert isinstance(r, FetchResult)
    assert (r.status, r.body, r.url, r.final_url, r.retries, r.permanent_redirect) == (200, FEED, url, url, 0, None)
    assert r.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert r.headers["x-custom"] == "yes"
    assert all(k == k.lower() for k in r.headers)
    assert 0 <= r.elapsed < 2
    assert fault_server.hits["/feed.xml"] == 1


def test_user_agent_and_accept_encoding_seen_by_server(fetcher, fault_server):
    url = fault_server.static("/ua", FEED)
    fetcher.fetch(url)
    (req,) = fault_server.requests_for("/ua")
    assert req.headers["user-agent"] == USER_AGENT
    assert req.headers["user-agent"].startswith("wirefeed/")
    assert "0." in req.headers["user-agent"] or "1." in req.headers["user-agent"]   # a version number
    enc = [e.strip() for e in req.headers["accept-encoding"].split(",")]
    assert {"gzip", "deflate"} <= set(enc)
    assert ("br" in enc) == HAVE_BR
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers


def test_keep_alive_connection_is_reused(fetcher, fault_server):
    url = fault_server.static("/ka", FEED)
    for _ in range(3):
        assert fetcher.fetch(url).body == FEED
    assert fault_server.connections == 1


def test_html_page_is_fetched_as_is(fetcher, fault_server):
    url = fault_server.html_page("/page.html")
    r = fetcher.fetch(url)
    assert r.status == 200 and r.body.startswith(b"<!DOCTYPE html>")
    assert r.headers["content-type"].startswith("text/html")   # the parser decides what to do with it


def test_wrong_charset_header_bytes_untouched(fetcher, fault_server):
    url = fault_server.wrong_charset("/charset.xml")
    r = fetcher.fetch(url)
    assert r.headers["content-type"].endswith("charset=iso-8859-1")
    assert "Café Zürich — naïve".encode("utf-8") in r.body   # raw bytes, never re-decoded here


# --------------------------------------------------------------------------- conditional GET

def test_conditional_get_round_trip_etag(fetcher, fault_server):
    url = fault_server.conditional("/cond", FEED, etag='"abc"', last_modified="Wed, 25 Nov 2026 10:00:00 GMT")
    first = fetcher.fetch(url)
    assert first.status == 200 and first.body == FEED
    etag, lm = first.headers["etag"], first.headers["last-modified"]
    second = fetcher.fetch(url, etag=etag, last_modified=lm)
    assert (second.status, second.body, second.retries) == (304, b"", 0)
    assert second.headers["etag"] == '"abc"'
    req = fault_server.requests_for("/cond")[1]
    assert req.headers["if-none-match"] == '"abc"'
    assert req.headers["if-modified-since"] == "Wed, 25 Nov 2026 10:00:00 GMT"
    changed = fetcher.fetch(url, etag='"old"')
    assert changed.status == 200 and changed.body == FEED


def test_conditional_get_last_modified_only(fetcher, fault_server):
    url = fault_server.conditional("/cond-lm", FEED, etag=None, last_modified="Wed, 25 Nov 2026 10:00:00 GMT")
    assert fetcher.fetch(url, last_modified="Wed, 25 Nov 2026 10:00:00 GMT").status == 304
    assert fetcher.fetch(url, last_modified="Tue, 24 Nov 2026 10:00:00 GMT").status == 200


# --------------------------------------------------------------------------- status codes and retries

def test_404_not_retried(fetcher, fault_server):
    url = fault_server.url("/missing.xml")
    e = fail(fetcher, url)
    assert (e.kind, e.status, e.retries) == ("http_status", 404, 0)
    assert str(e) == f"HTTP 404 Not Found from {url}"
    assert fault_server.hits["/missing.xml"] == 1


@pytest.mark.parametrize("status", [400, 401, 403, 410, 451])
def test_other_4xx_not_retried(fetcher, fault_server, status):
    url = fault_server.static("/c4", b"no", status=status)
    e = fail(fetcher, url)
    assert (e.kind, e.status, e.retries) == ("http_status", status, 0)
    assert fault_server.hits["/c4"] == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_status_retried_then_ok(fetcher, fault_server, status):
    url = fault_server.sequence("/flaky", [Reply(status, b"busy"), Reply(200, FEED)])
    r = fetcher.fetch(url)
    assert (r.status, r.body, r.retries) == (200, FEED, 1)
    assert fault_server.hits["/flaky"] == 2


def test_500_forever_gives_up_after_max_retries(fetcher, fault_server):
    url = fault_server.static("/down", b"oops", status=500)
    t0 = time.monotonic()
    e = fail(fetcher, url)
    assert (e.kind, e.status, e.retries) == ("http_status", 500, 3)
    assert str(e) == f"HTTP 500 Internal Server Error from {url} (gave up after 3 retries)"
    assert fault_server.hits["/down"] == 4
    assert time.monotonic() - t0 < 2     # backoff is tiny in these settings


def test_backoff_is_full_jitter_and_capped():
    f = HttpFetcher(FetchSettings(backoff_base=0.5, backoff_max=20.0))
    try:
        for n in range(10):
            cap = min(20.0, 0.5 * 2 ** n)
            samples = [f._backoff(n) for _ in range(200)]
            assert all(0 <= s <= cap for s in samples)
            assert max(samples) > cap * 0.5      # it does spread over the range
    finally:
        f.close()


def test_429_retry_after_seconds_honoured(fetcher, fault_server):
    url = fault_server.sequence("/rate", [Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, FEED)])
    t0 = time.monotonic()
    r = fetcher.fetch(url)
    took = time.monotonic() - t0
    assert (r.status, r.retries) == (200, 1)
    assert 0.9 <= took < 3            # waited the second the server asked for, not the 10 ms backoff
    assert fault_server.hits["/rate"] == 2


def test_503_retry_after_http_date_honoured(fetcher, fault_server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)   # 1-2 s away at 1 s resolution
    url = fault_server.sequence("/maint", [Reply(503, b"", {"Retry-After": when}), Reply(200, FEED)])
    t0 = time.monotonic()
    r = fetcher.fetch(url)
    assert (r.status, r.retries) == (200, 1)
    assert 0.5 <= time.monotonic() - t0 < 4


def test_retry_after_longer_than_cap_gives_up_at_once(fetcher, fault_server):
    url = fault_server.static("/later", b"", status=429, headers={"Retry-After": "3600"})
    t0 = time.monotonic()
    e = fail(fetcher, url)
    assert (e.kind, e.status, e.retries) == ("retry_after_too_long", 429, 0)
    assert str(e) == (f"HTTP 429 Too Many Requests from {url} asks to retry after 3600 s, "
                      "more than the 5 s cap; giving up")
    assert fault_server.hits["/later"] == 1
    assert time.monotonic() - t0 < 1


def test_parse_retry_after():
    now = 1_800_000_000.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


# --------------------------------------------------------------------------- timeouts

def test_slow_headers_hit_total_timeout_not_retried(fault_server):
    url = fault_server.slow_headers("/sleepy", delay=10)
    with HttpFetcher(settings(total_timeout=1.0)) as f:
        t0 = time.monotonic()
        e = fail(f, url)
        took = time.monotonic() - t0
    assert e.kind == "timeout" and e.retries == 0 and e.status is None
    assert str(e) == f"timed out after 1.0 s waiting for the response headers from {url}"
    assert 0.8 <= took < 2.5
    assert fault_server.hits["/sleepy"] == 1


def test_trickle_body_one_byte_per_second_hits_total_timeout(fault_server):
    url = fault_server.trickle("/trickle", b"<rss>" + b"x" * 200 + b"</rss>", interval=1.0)
    with HttpFetcher(settings(total_timeout=2.0)) as f:
        t0 = time.monotonic()
        e = fail(f, url)
        took = time.monotonic() - t0
    assert e.kind == "timeout" and e.retries == 0
    assert str(e) == f"timed out after 2.0 s reading the body of {url}"
    assert 1.8 <= took < 3.5          # ~total_timeout, not 200 s
    assert fault_server.hits["/trickle"] == 1


def test_trickled_headers_cut_off_by_watchdog(fault_server):
    # A byte of header every 0.2 s never trips a per-recv read timeout; the deadline must.
    url = fault_server.trickle_headers("/slowloris", interval=0.2)
    with HttpFetcher(settings(total_timeout=1.0)) as f:
        t0 = time.monotonic()
        e = fail(f, url)
        took = time.monotonic() - t0
    assert e.kind == "timeout" and e.retries == 0
    assert str(e) == f"timed out after 1.0 s waiting for the response headers from {url}"
    assert 0.9 <= took < 2.5


def test_trickled_chunk_sizes_cut_off_in_the_body(fault_server):
    url = fault_server.trickle_chunked("/slow-chunks", interval=0.2)
    with HttpFetcher(settings(total_timeout=1.0)) as f:
        t0 = time.monotonic()
        e = fail(f, url)
        took = time.monotonic() - t0
    assert e.kind == "timeout" and e.retries == 0
    assert str(e) == f"timed out after 1.0 s reading the body of {url}"
    assert 0.9 <= took < 2.5


def test_connect_timeout_is_retried(fetcher, fault_server, monkeypatch):
    # No real unroutable address is used: connect() itself is made to time out.
    def slow_connect(self, address):
        raise socket.timeout("timed out")
    monkeypatch.setattr(socket.socket, "connect", slow_connect)
    url = fault_server.static("/unreachable", FEED)
    e = fail(fetcher, url)
    assert (e.kind, e.retries) == ("timeout", 3)
    assert str(e).startswith(f"timed out after 2.0 s connecting to 127.0.0.1:{fault_server.port}")
    assert "gave up after 3 retries" in str(e)
    assert fault_server.hits["/unreachable"] == 0


# --------------------------------------------------------------------------- connection failures

def test_connection_refused_retried_then_reported(fetcher):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                          # nothing listens there now
    url = f"http://127.0.0.1:{port}/feed.xml"
    e = fail(fetcher, url)
    assert (e.kind, e.retries, e.status) == ("connection", 3, None)
    assert str(e).startswith(f"could not connect to 127.0.0.1:{port}: Connection refused")


def test_reset_mid_body_retried_until_gave_up(fetcher, fault_server):
    url = fault_server.reset_mid_body("/reset")
    e = fail(fetcher, url)
    assert (e.kind, e.retries) == ("connection", 3)
    assert str(e).startswith(f"connection failed while reading the body of {url}")
    assert fault_server.hits["/reset"] == 4


def test_reset_mid_body_once_then_ok(fetcher, fault_server):
    url = fault_server.reset_mid_body("/reset-once", then=[Reply(200, FEED)])
    r = fetcher.fetch(url)
    assert (r.status, r.body, r.retries) == (200, FEED, 1)
    assert fault_server.hits["/reset-once"] == 2


def test_short_body_then_close_is_a_connection_error(fetcher, fault_server):
    url = fault_server.close_mid_body("/short")
    e = fail(fetcher, url)
    assert e.kind == "connection" and e.retries == 3
    assert "before the whole body arrived" in str(e)


# --------------------------------------------------------------------------- compression and size

@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", pytest.param("br", marks=needs_br)])
def test_compressed_bodies_decoded(fetcher, fault_server, encoding):
    body = FEED + b"<!--" + b"news " * 5000 + b"-->"
    url = fault_server.compressed(f"/z-{encoding}", body, encoding)
    r = fetcher.fetch(url)
    assert r.body == body and r.status == 200


def test_concatenated_gzip_members(fetcher, fault_server):
    data = gzip.compress(b"<rss>") + gzip.compress(b"</rss>")
    url = fault_server.route("/members", Reply(200, data, {"Content-Encoding": "gzip"}))
    assert fetcher.fetch(url).body == b"<rss></rss>"


def test_truncated_gzip_is_a_decompression_error(fetcher, fault_server):
    url = fault_server.truncated_gzip("/trunc.xml.gz")
    e = fail(fetcher, url)
    assert e.kind == "decompression" and e.retries == 0
    assert str(e).startswith(f"truncated gzip body from {url}: the stream ended before the end "
                             "of the compressed data")


def test_corrupt_gzip_is_a_decompression_error(fetcher, fault_server):
    url = fault_server.route("/corrupt", Reply(200, b"this is not gzip at all", {"Content-Encoding": "gzip"}))
    e = fail(fetcher, url)
    assert e.kind == "decompression" and str(e).startswith(f"invalid gzip body from {url}")


def test_unknown_content_encoding(fetcher, fault_server):
    url = fault_server.route("/zstd", Reply(200, b"\x28\xb5\x2f\xfd", {"Content-Encoding": "zstd"}))
    e = fail(fetcher, url)
    assert e.kind == "decompression" and "unsupported Content-Encoding 'zstd'" in str(e)


@pytest.mark.parametrize("encoding", ["gzip", pytest.param("br", marks=needs_br)])
def test_gzip_bomb_cut_off_without_allocating_it(fetcher, fault_server, encoding):
    url = fault_server.gzip_bomb(f"/bomb-{encoding}", size=1 << 30, encoding=encoding)
    tracemalloc.start()
    try:
        t0 = time.monotonic()
        e = fail(fetcher, url)
        took = time.monotonic() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.kind == "too_large" and e.retries == 0
    assert str(e) == f"{encoding} body larger than 1.0 MB when decompressed (decompression bomb?) from {url}"
    assert peak < 12 * MB, peak        # 1 GB was on offer
    assert took < 5


def test_content_length_over_limit_refused_before_reading(fetcher, fault_server):
    url = fault_server.oversized("/huge", size=50 * MB, declare_length=True)
    t0 = time.monotonic()
    e = fail(fetcher, url)
    assert e.kind == "too_large" and e.retries == 0
    assert str(e) == f"body larger than 1.0 MB limit (Content-Length: {50 * MB} bytes) from {url}"
    assert time.monotonic() - t0 < 1


def test_streamed_body_over_limit_cut_off(fetcher, fault_server):
    url = fault_server.oversized("/huge-stream", size=50 * MB, declare_length=False)
    e = fail(fetcher, url)
    assert e.kind == "too_large"
    assert str(e) == f"body larger than 1.0 MB limit from {url}"


def test_body_exactly_at_limit_is_fine(fault_server):
    body = b"x" * MB
    url = fault_server.static("/exact", body)
    with HttpFetcher(SETTINGS) as f:
        assert f.fetch(url).body == body
    url = fault_server.compressed("/exact-gz", body, "gzip")
    with HttpFetcher(SETTINGS) as f:
        assert f.fetch(url).body == body


# --------------------------------------------------------------------------- redirects

def test_redirect_chain_followed(fetcher, fault_server):
    url = fault_server.redirect_chain("/chain", hops=3)
    r = fetcher.fetch(url)
    assert (r.status, r.body) == (200, b"<rss>end</rss>")
    assert r.url == url and r.final_url == fault_server.url("/chain/3")
    assert r.permanent_redirect is None


def test_permanent_redirect_recorded(fetcher, fault_server):
    url = fault_server.redirect_chain("/moved", hops=3, statuses=[302, 301, 308])
    r = fetcher.fetch(url)
    assert r.final_url == fault_server.url("/moved/3")
    assert r.permanent_redirect == fault_server.url("/moved/2")   # the first 301/308 target


def test_relative_location_resolved(fetcher, fault_server):
    fault_server.static("/new/feed.xml", FEED)
    url = fault_server.redirect("/old/feed.xml", "../new/feed.xml?x=1#frag", status=301)
    fault_server.static("/new/feed.xml", FEED)
    r = fetcher.fetch(url)
    assert r.body == FEED
    assert r.final_url == fault_server.url("/new/feed.xml?x=1")
    assert r.permanent_redirect == fault_server.url("/new/feed.xml?x=1")


def test_redirect_loop_detected(fetcher, fault_server):
    a = fault_server.redirect_loop("/a", "/b")
    b = fault_server.url("/b")
    e = fail(fetcher, a)
    assert e.kind == "redirect_loop" and e.retries == 0
    assert str(e) == f"redirect loop: {a} -> {b} -> {a}"
    assert fault_server.hits["/a"] == 1 and fault_server.hits["/b"] == 1


def test_too_many_redirects(fetcher, fault_server):
    url = fault_server.redirect_chain("/long", hops=7)
    e = fail(fetcher, url)
    assert e.kind == "too_many_redirects"
    assert str(e).startswith("too many redirects (more than 5): " + url)
    assert fault_server.hits["/long/5"] == 1 and fault_server.hits["/long/6"] == 0


def test_redirect_to_file_scheme_refused(fetcher, fault_server):
    url = fault_server.redirect_to_file("/to-file")
    e = fail(fetcher, url)
    assert e.kind == "bad_scheme"
    assert str(e) == (f"refused to follow redirect from {url} to file:///etc/passwd "
                      "(only http and https URLs are fetched)")


def test_https_handshake_failure_is_a_tls_error_not_retried(fetcher, fault_server):
    # https:// to the plain-HTTP server: the guarded HTTPS connection connects, the handshake fails.
    fault_server.static("/tls", FEED)
    url = f"https://127.0.0.1:{fault_server.port}/tls"
    e = fail(fetcher, url)
    assert (e.kind, e.retries) == ("tls", 0)
    assert str(e).startswith("TLS error talking to 127.0.0.1:")
    assert fault_server.hits["/tls"] == 0


def test_https_to_private_address_refused_before_handshake(fault_server, fake_dns, connect_spy):
    fake_dns["secure.example"] = ["10.0.0.7"]
    with HttpFetcher(settings(allow_private=False)) as f:
        e = fail(f, "https://secure.example/feed.xml")
    assert e.kind == "blocked_address"
    assert str(e) == ("refused to connect to 10.0.0.7 (private address; allow_private=True permits it): "
                      "secure.example resolves to it")
    assert connect_spy == []


@pytest.mark.parametrize("url", ["ftp://example.com/feed.xml", "gopher://example.com/", "file:///etc/passwd",
                                 "feed.xml"])
def test_non_http_scheme_refused(fetcher, url, connect_spy):
    e = fail(fetcher, url)
    assert e.kind == "bad_scheme" and "only http and https URLs are fetched" in str(e)
    assert connect_spy == []


def test_redirect_to_metadata_refused_without_connecting(fetcher, fault_server, connect_spy):
    url = fault_server.redirect_to_metadata("/to-metadata")
    e = fail(fetcher, url)
    assert e.kind == "blocked_address" and e.retries == 0
    assert str(e).startswith("refused to connect to 169.254.169.254 (link-local / cloud metadata address)")
    assert "http://169.254.169.254/latest/meta-data/" in str(e) and url in str(e)
    assert fault_server.hits["/to-metadata"] == 1
    assert connect_spy and all(addr[0] == "127.0.0.1" for addr in connect_spy)


# --------------------------------------------------------------------------- address policy

def test_private_refused_by_default_allowed_with_allow_private(fault_server, connect_spy):
    url = fault_server.static("/private", FEED)
    with HttpFetcher(settings(allow_private=False)) as f:
        e = fail(f, url)
    assert e.kind == "blocked_address" and e.retries == 0
    assert str(e) == ("refused to connect to 127.0.0.1 (loopback address; allow_private=True permits it)")
    assert fault_server.hits["/private"] == 0 and connect_spy == []
    with HttpFetcher(settings(allow_private=True)) as f:
        assert f.fetch(url).body == FEED
    assert fault_server.hits["/private"] == 1


def test_hostname_resolving_to_loopback_refused_at_connect(fault_server, fake_dns, connect_spy):
    fake_dns["feeds.example"] = ["127.0.0.1"]
    url = f"http://feeds.example:{fault_server.port}/feed.xml"
    fault_server.static("/feed.xml", FEED)
    with HttpFetcher(settings(allow_private=False)) as f:
        e = fail(f, url)
    assert e.kind == "blocked_address"
    assert str(e) == ("refused to connect to 127.0.0.1 (loopback address; allow_private=True permits it): "
                      "feeds.example resolves to it")
    assert connect_spy == [] and fault_server.hits["/feed.xml"] == 0
    with HttpFetcher(settings(allow_private=True)) as f:
        r = f.fetch(url)
    assert r.body == FEED
    assert fault_server.requests_for("/feed.xml")[0].headers["host"] == f"feeds.example:{fault_server.port}"


def test_hostname_resolving_to_metadata_refused_even_with_allow_private(fetcher, fake_dns, connect_spy):
    fake_dns["metadata.example"] = ["169.254.169.254"]
    e = fail(fetcher, "http://metadata.example/latest/meta-data/")
    assert e.kind == "blocked_address" and e.retries == 0
    assert str(e) == ("refused to connect to 169.254.169.254 (link-local / cloud metadata address): "
                      "metadata.example resolves to it")
    assert connect_spy == []


def test_any_blocked_address_in_the_answer_refuses_the_host(fetcher, fake_dns, connect_spy):
    fake_dns["mixed.example"] = ["127.0.0.1", "169.254.169.254"]
    e = fail(fetcher, "http://mixed.example/feed.xml")
    assert e.kind == "blocked_address" and "169.254.169.254" in str(e)
    assert connect_spy == []


def test_dns_rebinding_cannot_swap_the_address(fault_server, fake_dns, connect_spy):
    # First answer is fine; any later lookup would say "metadata". We resolve once and connect
    # to the address we checked, so the later answer is never used for this connection...
    answers = iter([["127.0.0.1"]])
    fake_dns["rebind.example"] = lambda: next(answers, ["169.254.169.254"])
    fault_server.static("/feed.xml", FEED)
    url = f"http://rebind.example:{fault_server.port}/feed.xml"
    with HttpFetcher(settings(allow_private=True)) as f:
        assert f.fetch(url).body == FEED
        assert fake_dns["lookups"] == ["rebind.example"]
        assert [a[0] for a in connect_spy] == ["127.0.0.1"]
    # ... and a new connection (new fetcher, empty pool) sees the new answer and refuses it.
    with HttpFetcher(settings(allow_private=True)) as f:
        e = fail(f, url)
    assert e.kind == "blocked_address" and "169.254.169.254" in str(e)
    assert all(a[0] == "127.0.0.1" for a in connect_spy)


@pytest.mark.parametrize("ip,allow_private,blocked", [
    ("169.254.169.254", True, "link-local / cloud metadata address"),
    ("169.254.0.1", True, "link-local / cloud metadata address"),
    ("fe80::1", True, "link-local / cloud metadata address"),
    ("fe80::1%eth0", True, "link-local / cloud metadata address"),
    ("fd00:ec2::254", True, "link-local / cloud metadata address"),
    ("::ffff:169.254.169.254", True, "link-local / cloud metadata address"),
    ("64:ff9b::a9fe:a9fe", True, "link-local / cloud metadata address"),
    ("100.100.100.200", True, "cloud metadata address"),
    ("0.0.0.0", True, "unspecified address"),
    ("224.0.0.1", True, "multicast address"),
    ("255.255.255.255", True, "reserved / broadcast address"),
    ("127.0.0.1", False, "loopback address; allow_private=True permits it"),
    ("127.9.9.9", False, "loopback address; allow_private=True permits it"),
    ("::1", False, "loopback address; allow_private=True permits it"),
    ("::ffff:127.0.0.1", False, "loopback address; allow_private=True permits it"),
    ("10.1.2.3", False, "private address; allow_private=True permits it"),
    ("172.16.0.1", False, "private address; allow_private=True permits it"),
    ("172.31.255.255", False, "private address; allow_private=True permits it"),
    ("192.168.1.1", False, "private address; allow_private=True permits it"),
    ("fc00::1", False, "private (unique local) address; allow_private=True permits it"),
    ("fd12:3456::1", False, "private (unique local) address; allow_private=True permits it"),
    ("127.0.0.1", True, None),
    ("10.1.2.3", True, None),
    ("fd12:3456::1", True, None),
    ("172.32.0.1", False, None),
    ("93.184.216.34", False, None),
    ("2606:2800:220:1::1", False, None),
])
def test_blocked_reason(ip, allow_private, blocked):
    assert blocked_reason(ip, allow_private) == blocked


@pytest.mark.parametrize("url,shown", [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("http://[fe80::1]/", "fe80::1"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
    ("http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe"),
])
def test_ip_literal_metadata_urls_refused_without_connecting(fetcher, url, shown, connect_spy):
    e = fail(fetcher, url)
    assert e.kind == "blocked_address"
    assert str(e) == f"refused to connect to {shown} (link-local / cloud metadata address)"
    assert connect_spy == []


# --------------------------------------------------------------------------- fetch_many

def test_fetch_many_bounds_per_host_concurrency(fault_server):
    fault_server.route("/slow", Reply(200, FEED, delay=0.3))
    urls = [fault_server.url(f"/slow?n={i}") for i in range(8)]
    with HttpFetcher(settings(max_concurrency=8, per_host_concurrency=2)) as f:
        t0 = time.monotonic()
        out = dict(f.fetch_many((u, None, None) for u in urls))
        took = time.monotonic() - t0
    assert sorted(out) == sorted(urls)
    assert all(isinstance(r, FetchResult) and r.body == FEED for r in out.values())
    assert fault_server.max_active == 2            # bounded, and the bound is used
    assert 4 * 0.3 * 0.9 <= took < 4               # 8 requests, 2 at a time


def test_fetch_many_bounds_overall_concurrency_across_hosts(fault_server, fake_dns):
    hosts = ["a.example", "b.example", "c.example"]
    for h in hosts:
        fake_dns[h] = ["127.0.0.1"]
    fault_server.route("/slow", Reply(200, FEED, delay=0.3))
    reqs = [(f"http://{h}:{fault_server.port}/slow?n={i}", None, None) for i in range(4) for h in hosts]
    with HttpFetcher(settings(max_concurrency=4, per_host_concurrency=2)) as f:
        out = list(f.fetch_many(reqs))
    assert len(out) == 12 and all(isinstance(r, FetchResult) for _, r in out)
    assert fault_server.max_active == 4
    for h in hosts:
        assert fault_server.max_active_by_host[f"{h}:{fault_server.port}"] <= 2


def test_fetch_many_one_bad_feed_does_not_affect_others(fault_server):
    good = [fault_server.static(f"/ok{i}", FEED + str(i).encode()) for i in range(4)]
    bad = {
        fault_server.url("/nope"): "http_status",
        fault_server.reset_mid_body("/rst"): "connection",
        fault_server.redirect_to_metadata("/meta"): "blocked_address",
        fault_server.truncated_gzip("/trunc"): "decompression",
        "ftp://example.com/feed": "bad_scheme",
        "http://[::1": "bad_url",
    }
    reqs = [(u, None, None) for u in good] + [(u, None, None) for u in bad]
    with HttpFetcher(SETTINGS) as f:
        out = list(f.fetch_many(reqs))
    assert sorted(u for u, _ in out) == sorted(u for u, _, _ in reqs)
    results = dict(out)
    for i, u in enumerate(good):
        assert isinstance(results[u], FetchResult) and results[u].body == FEED + str(i).encode()
    for u, kind in bad.items():
        assert isinstance(results[u], FetchError), u
        assert results[u].kind == kind, (u, results[u])


def test_fetch_many_yields_as_they_finish(fault_server):
    fault_server.route("/slow", Reply(200, FEED, delay=1.0))
    fast = [fault_server.static(f"/fast{i}", FEED) for i in range(3)]
    slow = fault_server.url("/slow")
    with HttpFetcher(settings(per_host_concurrency=4)) as f:
        order = [u for u, _ in f.fetch_many([(slow, None, None)] + [(u, None, None) for u in fast])]
    assert order[-1] == slow and sorted(order[:-1]) == sorted(fast)


def test_fetch_many_passes_validators(fault_server):
    url = fault_server.conditional("/c", FEED, etag='"e1"')
    with HttpFetcher(SETTINGS) as f:
        ((u, r),) = list(f.fetch_many([(url, '"e1"', None)]))
    assert u == url and r.status == 304 and r.body == b""


def test_fetch_many_empty(fetcher):
    assert list(fetcher.fetch_many([])) == []


def test_fetch_many_accepts_bare_urls(fetcher, fault_server):
    url = fault_server.static("/bare", FEED)
    ((u, r),) = list(fetcher.fetch_many([url]))
    assert u == url and r.body == FEED


def test_redirect_status_without_location(fetcher, fault_server):
    url = fault_server.static("/noloc", b"", status=302)
    e = fail(fetcher, url)
    assert (e.kind, e.status) == ("http_status", 302)
    assert str(e) == f"HTTP 302 Found from {url} (a redirect without a Location header)"


def test_fetcher_is_thread_safe_for_concurrent_fetch(fetcher, fault_server):
    url = fault_server.static("/shared", FEED)
    errors, bodies = [], []

    def worker():
        try:
            for _ in range(5):
                bodies.append(fetcher.fetch(url).body)
        except Exception as e:  # pragma: no cover - failure path
            errors.append(e)
    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors and bodies == [FEED] * 30


# --------------------------------------------------------------------------- the error type

def test_fetch_error_pickles_and_reads_well():
    e = FetchError("http_status", "HTTP 404 Not Found from https://x/feed.xml", status=404, retries=2,
                   url="https://x/feed.xml")
    back = pickle.loads(pickle.dumps(e))
    assert (back.kind, back.status, back.retries, back.url, str(back)) == (
        "http_status", 404, 2, "https://x/feed.xml", "HTTP 404 Not Found from https://x/feed.xml")
    assert f"{type(e).__name__}: {e}" == "FetchError: HTTP 404 Not Found from https://x/feed.xml"


def test_settings_defaults():
    s = FetchSettings()
    assert (s.connect_timeout, s.total_timeout, s.max_retries, s.backoff_base, s.backoff_max) == (10.0, 30.0, 3, 0.5, 20.0)
    assert (s.retry_after_cap, s.max_redirects, s.max_bytes, s.allow_private) == (60.0, 5, 20_000_000, False)
    assert (s.max_concurrency, s.per_host_concurrency, s.user_agent) == (8, 2, USER_AGENT)
    assert pickle.loads(pickle.dumps(s)) == s
