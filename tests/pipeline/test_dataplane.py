"""The local runner's data plane must deliver every byte a stage sends to its SDK workers.

Beam 2.77's local runner (the DirectRunner with `--direct_running_mode multi_processing` or
`multi_threading`, and Beam's local job service behind the portable runner) sends each bundle's
input to an SDK worker through a `TimeBasedBufferingClosableOutputStream`: a background thread
flushes it every second (`get()`, then the callback, which blocks while gRPC's send queue is full,
then `_clear()`), and nothing stops the sending thread from writing between `get()` and
`_clear()`. What it writes there is cleared unsent. A 100,000-story run lost 2,072 fingerprints
that way (and committed wrong decisions); a plain Beam pipeline of 92,000 elements of 5 KB lost
38 to 10,445 in 1 run of 3. `pipeline.dataplane.guard_data_plane` makes writes wait for a flush.

These tests are deterministic: the flush callback blocks until the test has written a chunk.
"""
from __future__ import annotations

import threading
import time

from apache_beam.runners.worker import data_plane

from pipeline import dataplane

CHUNK_A, CHUNK_B = b"A" * 1000, b"B" * 1000


def send_during_flush(write) -> bytes:
    """Writes CHUNK_A, lets the stream's own timer flush it, writes CHUNK_B (with `write`) while
    the flush callback is blocked, closes; returns every byte the stream delivered."""
    delivered, lock = [], threading.Lock()
    flushing, written = threading.Event(), threading.Event()

    def on_flush(data: bytes):
        with lock:
            delivered.append(data)
        flushing.set()
        written.wait(10)           # gRPC's send queue is full: the callback blocks a while

    def on_close(data: bytes):
        with lock:
            delivered.append(data)

    stream = data_plane.TimeBasedBufferingClosableOutputStream(
        close_callback=on_close, flush_callback=on_flush, time_flush_threshold_ms=20)
    stream.write(CHUNK_A)
    assert flushing.wait(5), "the stream's timer never flushed"
    sent = threading.Event()

    def send():
        write(stream, CHUNK_B)
        sent.set()
    sender = threading.Thread(target=send)
    sender.start()
    sent.wait(1.0)                 # unguarded, the write lands inside the flush at once; guarded, it waits
    written.set()
    sender.join(5)
    assert not sender.is_alive()
    time.sleep(0.05)
    stream.close()
    return b"".join(delivered)


def test_a_write_during_a_flush_is_delivered():
    dataplane.guard_data_plane()
    got = send_during_flush(lambda stream, chunk: stream.write(chunk))
    assert len(got) == 2000 and got.count(b"A") == 1000 and got.count(b"B") == 1000


def test_beam_itself_still_loses_that_write():
    """Beam's own write (kept as dataplane.BEAM_WRITE): when this fails, Beam has fixed the race
    and guard_data_plane can go."""
    got = send_during_flush(lambda stream, chunk: dataplane.BEAM_WRITE(stream, chunk))
    assert got == CHUNK_A


def test_guard_is_idempotent_and_keeps_other_methods():
    dataplane.guard_data_plane()
    dataplane.guard_data_plane()
    cls = data_plane.TimeBasedBufferingClosableOutputStream
    assert cls.write is dataplane.guarded_write
    stream = data_plane.TimeBasedBufferingClosableOutputStream(
        close_callback=lambda data: None, flush_callback=lambda data: None, time_flush_threshold_ms=1000)
    try:
        stream.write(b"xy", True)          # nested: a var-int length first, as coders write
        assert stream.get() == b"\x02xy"
    finally:
        stream.close()


def test_the_command_line_installs_the_guard(monkeypatch):
    monkeypatch.setattr(data_plane.TimeBasedBufferingClosableOutputStream, "write", dataplane.BEAM_WRITE)
    from pipeline.main import run
    assert run(["--no-such-flag"]) == 2
    assert data_plane.TimeBasedBufferingClosableOutputStream.write is dataplane.guarded_write


def test_the_job_service_installs_the_guard(monkeypatch):
    from pipeline import job_service
    monkeypatch.setattr(data_plane.TimeBasedBufferingClosableOutputStream, "write", dataplane.BEAM_WRITE)
    started = []
    monkeypatch.setattr(job_service.local_job_service_main, "run", lambda argv: started.append(argv))
    job_service.main(["--port=0"])
    assert started == [["--port=0"]]
    assert data_plane.TimeBasedBufferingClosableOutputStream.write is dataplane.guarded_write
