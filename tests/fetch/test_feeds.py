"""FetchFeeds: paths through FileSystems and URLs through the HTTP fetcher, as a Beam transform."""
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.support import FIXTURES
from tests.support.faultserver import FaultServer, Reply
from transforms.fetch.feeds import FetchFeeds, politeness_key, read_path
from transforms.fetch.http import FetchSettings
from transforms.records import FeedSource

SETTINGS = FetchSettings(total_timeout=3, connect_timeout=2, backoff_base=0.01, max_retries=2,
                         allow_private=True, max_bytes=1 << 20)
RSS = (FIXTURES / "feeds" / "lokal-de.xml").read_bytes()


def test_politeness_key_groups_hosts_and_spreads_paths():
    a = politeness_key(FeedSource("https://Host.example/a"))
    b = politeness_key(FeedSource("https://host.example/b"))
    assert a == b == "http:host.example"
    paths = {politeness_key(FeedSource(f"/data/feed-{i}.xml")) for i in range(200)}
    assert 8 < len(paths) <= 16


def test_read_path_caps_size(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 2048)
    assert read_path(str(big), 4096) == b"x" * 2048
    try:
        read_path(str(big), 1000)
    except ValueError as e:
        assert "larger than the 0.0 MB limit" in str(e)
    else:
        raise AssertionError("size cap not enforced")


def test_transform_documents_statuses_and_dead_letters():
    with FaultServer() as srv:
        ok = srv.static("/ok.xml", RSS, headers={"Content-Type": "application/rss+xml; charset=utf-8",
                                                 "ETag": '"e1"'})
        flaky = srv.sequence("/flaky.xml", [Reply(503), Reply(200, RSS)])
        gone = srv.static("/gone.xml", b"gone", status=410)
        cond = srv.conditional("/cond.xml", RSS, etag='"v1"')
        local = str(FIXTURES / "feeds" / "coastal-rss.xml")
        missing = str(FIXTURES / "feeds" / "absent.xml")
        sources = [FeedSource(u) for u in (ok, flaky, gone, cond, local, missing)]
        with TestPipeline() as p:
            validators = p | "V" >> beam.Create([(cond, {"etag": '"v1"', "last_modified": None})])
            out = p | beam.Create(sources) | FetchFeeds(SETTINGS, validators=validators)
            assert_that(out["documents"] | "docs" >> beam.Map(
                lambda d: (d.source.location, d.status, len(d.body) > 100, d.retries)),
                equal_to([(ok, 200, True, 0), (flaky, 200, True, 1), (cond, 304, False, 0),
                          (local, 200, True, 0)]), label="documents")
            assert_that(out["status"] | "st" >> beam.Map(lambda s: (s.location, s.outcome)),
                        equal_to([(gone, "failed"), (cond, "not_modified"), (missing, "failed")]),
                        label="status")
            assert_that(out["dead_letter"] | "dl" >> beam.Map(lambda d: (d.stage, d.source, d.error.split(":")[0])),
                        equal_to([("fetch", gone, "FetchError"), ("fetch", missing, "FileNotFoundError")]),
                        label="dead")
        assert srv.hits["/flaky.xml"] == 2
        assert srv.requests_for("/cond.xml")[0].headers["if-none-match"] == '"v1"'
