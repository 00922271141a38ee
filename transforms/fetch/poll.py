"""PollFeeds: the streaming source. Polls every feed on an interval, with conditional GET.

    Ticks (a splittable DoFn: one tick per --poll-interval, explicit start, bounded count)
      ─ByHost─► (politeness key, sources) per tick
      ─Poll (stateful, keyed by host)─► FeedDocument | FeedStatus | DeadLetter

`Ticks` works like Beam's `PeriodicImpulse` (an SDF that defers its remainder until the next
fire time, with a manual watermark estimator) and adds what a service needs: it emits at most
`count` ticks and it can be stopped early — by `request_stop(token)` from the same process (the
SIGINT/SIGTERM handler of pipeline.streaming) or by the file `stop_file` appearing (any process
or machine that can write there). A stopped ticker claims the end of its range and returns, so
the SDF finishes, the watermark goes to the end of time, every window fires and the run summary
is written: that is the graceful drain. On Dataflow, a drain truncates the ticker the same way.

`_PollGroup` fetches one host's feeds per tick through the batch fetcher (`feeds.GroupFetcher`:
same timeouts, retries, size caps, dead letters and statuses as a batch run) and keeps, per
feed, in keyed state:
- the last ETag / Last-Modified, sent back on the next poll (an unchanged feed costs one 304);
- a digest of the last body: a server without validators that sends the same bytes again is
  counted as not modified and not parsed again;
- the adaptive schedule: a feed that did not change (or failed) waits twice as long before its
  next poll, up to `max_interval`; a feed that changed goes back to `interval`. A feed's own
  `<ttl>` (minutes) or `sy:updatePeriod`/`sy:updateFrequency` hint is a lower bound on its wait,
  also capped at `max_interval`. Set max_interval == interval to poll every feed on every tick.
A feed not due on a tick is not polled and yields nothing (no status): `feeds_total` in the run
summary counts polls, not feeds.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.metrics import Metrics
from apache_beam.transforms import userstate
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp

from transforms.coders import STATE_CODER, register_record
from transforms.fetch.feeds import GroupFetcher, politeness_key, validators_of
from transforms.fetch.http import FetchSettings
from transforms.records import DeadLetter, FeedDocument, FeedSource, FeedStatus, Tally, redact_url
from transforms.tagged import TypedParDo

FOREVER = 1 << 62                 # ticks of an unbounded run
RESUME_EVERY = 1.0                # seconds between stop checks while waiting for the next tick
STOP_FILE_EVERY = 5.0             # seconds between stop-file checks (an object store is not free)
HINT_BYTES = 65536

_STOPS: Dict[str, threading.Event] = {}
_STOPS_LOCK = threading.Lock()


def stop_event(token: str) -> threading.Event:
    """The in-process stop flag of the run whose ticker carries `token`."""
    with _STOPS_LOCK:
        return _STOPS.setdefault(token, threading.Event())


def request_stop(token: str) -> None:
    stop_event(token).set()


def forget_stop(token: str) -> None:
    with _STOPS_LOCK:
        _STOPS.pop(token, None)


# --------------------------------------------------------------------------- ticks

class _TickRange(beam.transforms.core.RestrictionProvider):
    def initial_restriction(self, element):
        return OffsetRange(0, element[2])

    def create_tracker(self, restriction):
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element, restriction):
        return 8 * min(restriction.size(), 1 << 20)

    def truncate(self, element, restriction):  # drain: emit nothing more
        return None


class _Ticker(beam.DoFn):
    """(start, interval, count, token, stop_file) -> tick index, timestamped start + i * interval."""

    def __init__(self):
        self._stop_checked = 0.0
        self._stopped = Metrics.counter("poll", "stopped_early")

    def _stop_requested(self, token: str, stop_file: Optional[str]) -> bool:
        if stop_event(token).is_set():
            return True
        now = time.monotonic()
        if stop_file and now - self._stop_checked >= STOP_FILE_EVERY:
            self._stop_checked = now
            try:
                if FileSystems.exists(stop_file):
                    stop_event(token).set()
                    return True
            except Exception:
                pass
        return False

    @beam.DoFn.unbounded_per_element()
    def process(self, element,
                tracker=beam.DoFn.RestrictionParam(_TickRange()),
                watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())):
        start, interval, count, token, stop_file = element
        index = tracker.current_restriction().start
        while True:
            if self._stop_requested(token, stop_file):
                self._stopped.inc()
                tracker.try_claim(tracker.current_restriction().stop)   # finishes the restriction
                return
            due = start + interval * index
            now = time.time()
            if due > now:
                _advance(watermark, Timestamp(due))     # nothing will be emitted before `due`
                tracker.defer_remainder(Duration(min(RESUME_EVERY, due - now)))
                return
            if not tracker.try_claim(index):
                return
            _advance(watermark, Timestamp(due))
            yield TimestampedValue(index, Timestamp(due))
            index += 1


def _advance(watermark, to: Timestamp) -> None:
    current = watermark.current_watermark()
    if current is None or to > current:
        watermark.set_watermark(to)


class Ticks(beam.PTransform):
    """PBegin -> tick indices 0, 1, … timestamped `start + i * interval` (epoch seconds), emitted
    in real time; at most `count` of them; stops early on request (see the module docstring)."""

    def __init__(self, start: float, interval: float, count: int = FOREVER, token: str = "",
                 stop_file: Optional[str] = None):
        super().__init__()
        self._element = (float(start), float(interval), int(count), token, stop_file)

    def expand(self, pbegin):
        return (pbegin
                | "Start" >> beam.Create([self._element])
                | "Tick" >> beam.ParDo(_Ticker()))


# --------------------------------------------------------------------------- schedule

_TTL = re.compile(rb"<ttl>\s*(\d{1,7})\s*</ttl>", re.I)
_PERIOD = re.compile(rb"<(?:[\w-]+:)?updatePeriod>\s*(hourly|daily|weekly|monthly|yearly)\s*<", re.I)
_FREQUENCY = re.compile(rb"<(?:[\w-]+:)?updateFrequency>\s*(\d{1,6})\s*<", re.I)
_PERIOD_SECONDS = {b"hourly": 3600, b"daily": 86400, b"weekly": 7 * 86400, b"monthly": 30 * 86400,
                   b"yearly": 365 * 86400}


def feed_hint(body: bytes) -> Optional[float]:
    """Seconds a feed asks to be left alone: RSS <ttl> (minutes), else sy:updatePeriod divided
    by sy:updateFrequency. None when it says nothing usable."""
    head = body[:HINT_BYTES]
    m = _TTL.search(head)
    if m and int(m.group(1)) > 0:
        return int(m.group(1)) * 60.0
    m = _PERIOD.search(head)
    if m:
        f = _FREQUENCY.search(head)
        frequency = max(1, int(f.group(1))) if f else 1
        return _PERIOD_SECONDS[m.group(1).lower()] / frequency
    return None


def next_wait(previous: float, outcome: str, hint: Optional[float], interval: float,
              max_interval: float) -> float:
    """Seconds until a feed's next poll. `outcome` is changed | unchanged | failed."""
    wait = interval if outcome == "changed" else min(max_interval, max(interval, previous) * 2)
    if hint:
        wait = max(wait, min(hint, max_interval))
    return max(interval, min(wait, max_interval))


# --------------------------------------------------------------------------- polling

class _FanOut(beam.DoFn):
    """tick -> (politeness key, (tick, tick time, sources)) per host group; the feed list's
    dead letters and one 'poll_rounds' tally go out with the first tick."""

    def __init__(self, groups: Sequence[Tuple[str, Tuple[FeedSource, ...]]], dead_letters=()):
        self._groups = list(groups)
        self._dead_letters = list(dead_letters)

    def process(self, tick: int, ts=beam.DoFn.TimestampParam):
        if tick == 0:
            for dead in self._dead_letters:
                yield beam.pvalue.TaggedOutput("dead_letter", dead)
        yield beam.pvalue.TaggedOutput("tallies", Tally("poll_rounds"))
        for key, sources in self._groups:
            yield key, (tick, float(ts), sources)


@dataclasses.dataclass
class FeedPoll:
    """What the stream remembers of one feed between polls (keyed state, `_PollGroup.FEEDS`:
    feed URL -> FeedPoll, encoded by transforms.coders: a field added here with a default needs
    no coder edit, and state written before it was added still decodes)."""
    due: float = 0.0                    # the tick time from which it is polled again
    wait: Optional[float] = None        # the current wait between polls (None: not polled yet)
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    digest: Optional[str] = None        # SHA-256 of the last body
    hint: Optional[float] = None        # the feed's own ttl / update period, seconds
    last_tick: Optional[int] = None
    last_outcome: Optional[str] = None  # changed | unchanged | failed


register_record(FeedPoll)


class _PollGroup(beam.DoFn):
    """Stateful, keyed by politeness key: polls the due feeds of one host on each tick."""

    FEEDS = userstate.ReadModifyWriteStateSpec("feeds", STATE_CODER)

    def __init__(self, settings: FetchSettings, interval: float, max_interval: float,
                 remembered: Optional[Dict[str, dict]] = None):
        self._settings = settings
        self._remembered = dict(remembered or {})     # validators from the cross-run state, by URL
        self._interval = float(interval)
        self._max_interval = float(max(max_interval, interval))
        self._fetch = GroupFetcher(settings)
        self._skipped = Metrics.counter("poll", "not_due")
        self._same_body = Metrics.counter("poll", "same_body")

    def setup(self):
        self._fetch.open()

    def teardown(self):
        self._fetch.close()

    def process(self, element, feeds_state=beam.DoFn.StateParam(FEEDS)):
        key, (tick, tick_time, sources) = element
        feeds: Dict[str, FeedPoll] = dict(feeds_state.read() or {})
        slack = self._interval / 2
        due = [s for s in sources if (feeds[s.location].due if s.location in feeds else 0.0) <= tick_time + slack]
        self._skipped.inc(len(sources) - len(due))
        if not due:
            return
        validators = {loc: {"etag": f.etag, "last_modified": f.last_modified}
                      for loc, f in feeds.items() if f.etag or f.last_modified}
        for source in due:       # a feed this stream has not fetched yet: the state's validators
            if source.location not in feeds and source.location not in validators:
                known = self._remembered.get(source.location) or self._remembered.get(redact_url(source.location))
                if known:
                    validators[source.location] = known
        outcomes: Dict[str, Tuple[str, Optional[float]]] = {}
        for out in self._fetch.fetch(due, validators=validators):
            if isinstance(out, beam.pvalue.TaggedOutput):
                value = out.value
                if isinstance(value, FeedStatus):
                    outcomes[value.location] = ("unchanged" if value.outcome == "not_modified" else "failed",
                                                None)
                yield out
                continue
            doc: FeedDocument = out
            if doc.status == 304:
                yield doc                      # ParseFeeds ignores it; its status went out above
                continue
            loc = doc.source.location
            state = feeds.setdefault(loc, FeedPoll())
            for _, v in validators_of(doc):
                state.etag, state.last_modified = v.get("etag"), v.get("last_modified")
            digest = hashlib.sha256(doc.body).hexdigest()
            hint = feed_hint(doc.body)
            if state.digest == digest:
                self._same_body.inc()
                outcomes[loc] = ("unchanged", hint)
                yield beam.pvalue.TaggedOutput("status", FeedStatus(
                    loc, "not_modified", retries=doc.retries, permanent_redirect=doc.permanent_redirect))
                continue
            state.digest = digest
            outcomes[loc] = ("changed", hint)
            yield doc
        for source in due:
            state = feeds.setdefault(source.location, FeedPoll())
            outcome, hint = outcomes.get(source.location, ("failed", None))
            if hint is not None:
                state.hint = hint
            wait = next_wait(self._interval if state.wait is None else state.wait, outcome, state.hint,
                             self._interval, self._max_interval)
            state.wait, state.due, state.last_tick, state.last_outcome = wait, tick_time + wait, tick, outcome
        feeds_state.write(feeds)


def host_groups(sources: Iterable[FeedSource]) -> List[Tuple[str, Tuple[FeedSource, ...]]]:
    """Sources grouped by politeness key (one host's feeds are polled together), sorted."""
    groups: Dict[str, List[FeedSource]] = {}
    for s in sources:
        groups.setdefault(politeness_key(s), []).append(s)
    return [(k, tuple(sorted(v, key=lambda s: s.location))) for k, v in sorted(groups.items())]


class PollFeeds(beam.PTransform):
    """PBegin -> {'documents', 'status', 'dead_letter', 'tallies'}: every feed polled per tick
    (when due), conditional GET with the validators kept in keyed state.

    `sources` is the expanded feed list (FeedSource records); `dead_letters` are the feed list's
    own failures, emitted once with the first tick."""

    def __init__(self, sources: Sequence[FeedSource], settings: FetchSettings, interval: float,
                 max_interval: Optional[float] = None, start: Optional[float] = None,
                 count: int = FOREVER, token: str = "", stop_file: Optional[str] = None,
                 dead_letters: Sequence[DeadLetter] = (), validators: Optional[Dict[str, dict]] = None):
        super().__init__()
        self._validators = dict(validators or {})
        self._groups = host_groups(sources)
        self._settings = settings
        self._interval = float(interval)
        self._max_interval = float(max_interval if max_interval is not None else interval * 12)
        self._start = time.time() if start is None else float(start)
        self._count = int(count)
        self._token = token
        self._stop_file = stop_file
        self._dead_letters = list(dead_letters)

    def expand(self, pbegin):
        ticks = pbegin | "Ticks" >> Ticks(self._start, self._interval, self._count, self._token,
                                          self._stop_file)
        fanned = ticks | "ByHost" >> beam.ParDo(_FanOut(self._groups, self._dead_letters)).with_outputs(
            "dead_letter", "tallies", main="groups")
        keyed = fanned.groups | "Typed" >> beam.Map(lambda kv: kv).with_output_types(Tuple[str, Any])
        polled = keyed | "Poll" >> TypedParDo(_PollGroup(self._settings, self._interval, self._max_interval,
                                                        self._validators),
                                              {"documents": FeedDocument, "status": FeedStatus})
        list_dead = fanned.dead_letter | "OnlyListDeadLetters" >> beam.Filter(lambda d: isinstance(d, DeadLetter))
        dead = (list_dead, polled["dead_letter"]) | "PollDeadLetters" >> beam.Flatten()
        return {"documents": polled["documents"], "status": polled["status"], "dead_letter": dead,
                "dead_letter_parts": (list_dead, polled["dead_letter"]),    # the same, unflattened
                "tallies": fanned.tallies | "OnlyTallies" >> beam.Filter(lambda t: isinstance(t, Tally))}
