"""The streaming source (transforms/fetch/poll.py): ticks, stop requests, conditional GET carried in
keyed state, same-body detection and the adaptive schedule."""
import time

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from tests.support.faultserver import FaultServer, Reply
from transforms.fetch.http import FetchSettings
from transforms.fetch.poll import Ticks, _PollGroup, feed_hint, forget_stop, host_groups, next_wait, request_stop
from transforms.records import FeedDocument, FeedSource, FeedStatus
from tests.support.states import ValueState

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>%s<item><title>a</title></item></channel></rss>'


def poll(dofn, state, tick, tick_time, sources):
    out = list(dofn.process(("http:127.0.0.1", (tick, tick_time, tuple(sources))), feeds_state=state))
    plain = [o.value if isinstance(o, beam.pvalue.TaggedOutput) else o for o in out]
    docs = [d.status for d in plain if isinstance(d, FeedDocument)]
    statuses = {s.location: s.outcome for s in plain if isinstance(s, FeedStatus)}
    return docs, statuses


def test_feed_hints():
    assert feed_hint(RSS % b"<ttl>60</ttl>") == 3600
    sy = (b'<rss xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
          b"<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>")
    assert feed_hint(sy) == 86400 / 4
    assert feed_hint(b"<feed><updatePeriod> hourly </updatePeriod></feed>") == 3600
    assert feed_hint(RSS % b"") is None and feed_hint(RSS % b"<ttl>0</ttl>") is None


def test_next_wait_backs_off_within_bounds():
    assert next_wait(300, "changed", None, 300, 3600) == 300
    assert next_wait(300, "unchanged", None, 300, 3600) == 600
    assert next_wait(2400, "unchanged", None, 300, 3600) == 3600
    assert next_wait(2400, "failed", None, 300, 3600) == 3600
    assert next_wait(300, "changed", 7200, 300, 3600) == 3600        # a hint, capped
    assert next_wait(300, "changed", 900, 300, 3600) == 900
    assert next_wait(300, "unchanged", None, 300, 300) == 300        # adaptive polling off


def test_conditional_get_same_body_and_schedule():
    with FaultServer() as srv:
        cond = FeedSource(srv.conditional("/cond.xml", RSS % b""))
        same = FeedSource(srv.static("/same.xml", RSS % b""))        # no validators, same bytes
        seq = FeedSource(srv.sequence("/seq.xml", [Reply(200, RSS % b"<ttl>1</ttl>"),
                                                   Reply(200, RSS % b"<ttl>1</ttl><link>x</link>")]))
        dofn = _PollGroup(FetchSettings(allow_private=True, max_retries=0), interval=10, max_interval=40)
        dofn.setup()
        try:
            state = ValueState()
            sources = sorted([cond, same, seq], key=lambda s: s.location)
            docs, st = poll(dofn, state, 0, 1000.0, sources)
            assert docs == [200, 200, 200] and set(st.values()) == set()
            docs, st = poll(dofn, state, 1, 1010.0, sources)
            # the conditional feed: 304; the same bytes again: not modified; the ttl feed (60 s,
            # capped at max_interval 40) is not due
            assert st == {cond.location: "not_modified", same.location: "not_modified"}
            assert docs == [304]                        # the 304 flows on (ParseFeeds skips it)
            assert srv.requests_for("/cond.xml")[-1].headers["if-none-match"] == '"v1"'
            feeds = state.value
            assert (feeds[cond.location].wait, feeds[cond.location].due) == (20, 1030)
            assert (feeds[seq.location].wait, feeds[seq.location].due) == (40, 1040)
            assert poll(dofn, state, 2, 1020.0, sources) == ([], {})      # nothing due
            docs, st = poll(dofn, state, 3, 1040.0, sources)
            assert sorted(docs) == [200, 304] and st[same.location] == "not_modified"
            assert srv.hits["/cond.xml"] == 3 and srv.hits["/seq.xml"] == 2 and srv.hits["/same.xml"] == 3
            assert state.value[cond.location].wait == 40                 # backed off to the cap
        finally:
            dofn.teardown()


def test_host_groups_sort_and_group():
    a, b, c = FeedSource("http://h1/a"), FeedSource("http://h1/b"), FeedSource("http://h2/c")
    groups = host_groups([c, b, a])
    assert [(k, [s.location for s in v]) for k, v in groups] == [
        ("http:h1", ["http://h1/a", "http://h1/b"]), ("http:h2", ["http://h2/c"])]


def _ticks(token, count, stop_file=None):
    p = beam.Pipeline(options=PipelineOptions(["--streaming"]))
    ticks = p | Ticks(time.time(), 0.3, count=count, token=token, stop_file=stop_file)
    return p, ticks


def test_ticks_are_bounded_and_timestamped():
    start = time.time()
    p, ticks = _ticks("test-ticks", 3)
    assert_that(ticks | beam.Map(lambda i, ts=beam.DoFn.TimestampParam: (i, float(ts) >= start)),
                equal_to([(0, True), (1, True), (2, True)]))
    p.run().wait_until_finish()


@pytest.mark.parametrize("how", ["request", "file"])
def test_ticks_stop_on_request(tmp_path, how):
    token, stop_file = f"test-stop-{how}", tmp_path / "STOP"
    if how == "request":
        request_stop(token)
    else:
        stop_file.write_text("")
    p, ticks = _ticks(token, 10 ** 9, str(stop_file))
    assert_that(ticks, equal_to([]))
    started = time.monotonic()
    p.run().wait_until_finish()        # an unbounded count: only the stop request ends it
    assert time.monotonic() - started < 30
    forget_stop(token)
