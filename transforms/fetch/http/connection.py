"""Connections: the address policy checked inside them, and per-attempt deadlines.

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

Deadlines
---------
Every attempt (one request of one redirect hop) has a monotonic deadline of ``total_timeout``
seconds covering connect, response headers and body. Socket timeouts are set from the time left
(see http_client.py), but a per-``recv`` timeout cannot stop a server that trickles response
*headers* (or chunk-size lines) a byte at a time: the `Watchdog` (one daemon thread per
fetcher) shuts the attempt's sockets down (``shutdown(SHUT_RDWR)``) shortly after the deadline,
which wakes any reader blocked in ``recv``.

The attempt running on a thread is published in ``local.attempt`` so that the guarded
connections below can register their sockets with it.
"""
from __future__ import annotations

import heapq
import ipaddress
import itertools
import socket
import sys
import threading
import time
from typing import Optional

from transforms.fetch.http.types import FetchError

# --------------------------------------------------------------------------- per-attempt deadlines

WATCHDOG_GRACE = 0.1   # the watchdog fires this long after the deadline; socket timeouts usually win

local = threading.local()   # .attempt: the Attempt running on this thread, for the connections


class Attempt:
    """One request's deadline; the connections it uses are registered for the watchdog."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.expired = False
        self.done = False
        self._conns: list = []
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


class Watchdog:
    """One daemon thread per fetcher that expires attempts whose deadline passed."""

    def __init__(self):
        self._cv = threading.Condition()
        self._heap: list = []
        self._seq = itertools.count()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    def watch(self, attempt: Attempt) -> None:
        with self._cv:
            if self._stopped:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wirefeed-fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (attempt.deadline + WATCHDOG_GRACE, next(self._seq), attempt))
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


def parse_ip(text: str):
    """An ipaddress object for an IP literal (brackets and zone id allowed), else None."""
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def blocked_reason(ip: str, allow_private: bool = False) -> Optional[str]:
    """Why connecting to ``ip`` is refused, or None if it is allowed."""
    addr = parse_ip(ip)
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


def refusal(ip: str, why: str, host: Optional[str] = None) -> FetchError:
    msg = f"refused to connect to {ip} ({why})"
    if host and parse_ip(host) is None:
        msg += f": {host} resolves to it"
    return FetchError("blocked_address", msg)


# --------------------------------------------------------------------------- guarded connections

class GuardedMixin:
    """Replaces urllib3's socket creation with resolve-once, check-all, connect-to-checked."""

    _wf_allow_private = False
    _wf_connect_timeout = 10.0

    def _new_conn(self):  # noqa: C901 - one linear procedure
        host = self._dns_host
        port = self.port
        attempt: Optional[Attempt] = getattr(local, "attempt", None)
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
                raise refusal(ip, why, self.host)

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
                    raise refusal(peer, why, self.host)
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
        attempt = getattr(local, "attempt", None)
        if attempt is not None:
            attempt.attach(self)
        return super().connect()

    def request(self, *args, **kwargs):
        attempt = getattr(local, "attempt", None)
        if attempt is not None:
            attempt.attach(self)
        return super().request(*args, **kwargs)
