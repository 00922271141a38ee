"""Response body decoding: Content-Encoding (gzip, deflate, br) with bounded output.

The raw body is capped while streaming (http_client.py); decompression is done here, incrementally
(``zlib.decompressobj`` with ``max_length``, ``brotli.Decompressor.process(output_buffer_limit=...)``),
so a gzip bomb is stopped after ``max_bytes`` of output without ever allocating more. A
compressed body that ends early is a ``decompression`` error; junk after a complete gzip member
is ignored, like browsers do. ``br`` is only advertised (`ACCEPT_ENCODING`) when the installed
``brotli`` supports bounded output (brotli >= 1.2).

A decoder has ``feed(chunk)``, ``finish()`` and ``out`` (the decoded bytes so far).
"""
from __future__ import annotations

import zlib
from typing import Optional

from transforms.fetch.http.types import FetchError

try:  # brotli is optional; only advertise "br" if we can decode it with bounded output
    import brotli as _brotli

    HAVE_BROTLI = hasattr(_brotli.Decompressor(), "can_accept_more_data")
except Exception:  # pragma: no cover - depends on the environment
    _brotli = None
    HAVE_BROTLI = False

ACCEPT_ENCODING = "gzip, deflate, br" if HAVE_BROTLI else "gzip, deflate"


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


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
                             f"{self.label} body larger than {mb(self.limit)} when decompressed "
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


def decoder_for(content_encoding: Optional[str], limit: int, url: str):
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
    if coding == "br" and HAVE_BROTLI:
        return _Brotli(limit, url)
    raise FetchError("decompression", f"unsupported Content-Encoding {coding!r} from {url}")
