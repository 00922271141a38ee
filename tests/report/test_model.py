"""The report's values: lags, clusters, dead-letter groups, feed health, equal to the summary."""
import datetime as dt

from pipeline.report.model import (cluster_summary, dead_letter_groups, error_type, feed_health, format_lag,
                                   report_model)
from pipeline.report.tables import RunRows, read_run
from tests.report.conftest import CLUSTER, RUN_ID

UTC = dt.timezone.utc


def test_format_lag():
    assert [format_lag(s) for s in (None, 0, 29, 60 * 23, 3600 * 2 + 60 * 8, -300, 86400 * 2 + 3600 * 3 + 60)] == \
        ["", "0m", "0m", "+23m", "+2h08m", "-5m", "+2d03h01m"]


def test_error_type():
    assert error_type("NotAFeed: not a feed: got an HTML page") == "NotAFeed"
    assert error_type("FetchError: HTTP 503") == "FetchError"
    assert error_type("something went wrong: x") == "Error" and error_type(None) == "Error"


def _story(sid, cluster, source, title, minutes, dup=None, sim=None):
    return {"story_id": sid, "cluster_id": cluster, "duplicate_of": dup, "similarity": sim, "source_name": source,
            "title": title, "published": dt.datetime(2026, 11, 27, 1, 0, tzinfo=UTC) + dt.timedelta(minutes=minutes)}


def test_cluster_summary_sizes_biggest_and_earlier_runs():
    rows = RunRows(summary={"run_id": "r", "counts": {}},
                   stories=[_story("a", "a", "Xinhua", "Ocean network", 0), _story("b", "b", "AFP", "Other", 5),
                            _story("c", "c", "AP", "Alone", 9)],
                   duplicates=[_story("a1", "a", "Post", "Ocean network", 30, "a", 0.9),
                               _story("a2", "a", "Times", "Ocean hub opens", 90, "a", 0.7),
                               _story("b1", "b", "Post", "Other", 2, "b", 1.0),
                               _story("z1", "z", "Post", "Old story again", 0, "z", 0.8)])
    d = cluster_summary(rows)
    assert d["sizes"] == {1: 1, 2: 2, 3: 1}          # c alone; b + b1 and z + z1; a + a1 + a2
    assert d["clusters"] == 4 and d["with_duplicates"] == 3
    assert d["linked_to_earlier_runs"] == 1 and d["duplicates_of_earlier_runs"] == 1
    top = d["biggest"][0]
    assert top["cluster_id"] == "a" and top["size"] == 3 and top["outlets"] == 3 and top["headlines"] == 2
    assert [(c["story_id"], c["lag"], c["similarity"]) for c in top["copies"]] == [("a1", "+30m", 0.9),
                                                                                   ("a2", "+1h30m", 0.7)]
    assert [c["lag"] for c in d["biggest"][1]["copies"]] == ["-3m"]      # b1 was published before b
    assert d["biggest"][2]["origin"] is None                            # z's canonical row is an earlier run's


def test_dead_letter_groups_by_stage_and_error_with_examples():
    dead = ([{"stage": "fetch", "source": f"https://h/{i}", "entry": None, "error": "FetchError: HTTP 503"}
             for i in range(5)]
            + [{"stage": "parse", "source": "f.xml", "entry": "e1", "error": "ValueError: year 0 is out of range"}])
    groups = dead_letter_groups(dead, examples=3)
    assert [(g["stage"], g["error_type"], g["count"], len(g["examples"])) for g in groups] == \
        [("fetch", "FetchError", 5, 3), ("parse", "ValueError", 1, 1)]
    assert groups[1]["examples"][0]["entry"] == "e1"


def test_feed_health_joins_errors_and_earlier_outcomes():
    feeds = [{"feed": "https://a/f", "outcome": "failed", "entries": 0, "bozo": False, "retries": 3},
             {"feed": "https://b/f", "outcome": "ok", "entries": 4, "bozo": False, "retries": 0}]
    rows = RunRows(summary={"run_id": "r2", "counts": {}, "feeds": feeds},
                   dead_letters=[{"stage": "fetch", "source": "https://a/f", "entry": None, "error": "FetchError: 503"},
                                 {"stage": "parse", "source": "https://b/f", "entry": "x", "error": "ValueError: e"}],
                   history=[{"run_id": "r1", "feeds": [{"feed": "https://a/f", "outcome": "ok"}]},
                            {"run_id": "r2", "feeds": feeds}])
    got = feed_health(rows)
    assert [(f["feed"], f["error"], f["trend"]) for f in got] == [
        ("https://a/f", "FetchError: 503", ["ok", "failed"]),     # failed feeds first
        ("https://b/f", "", [None, "ok"])]                        # an entry's dead letter is not the feed's error


def test_report_model_of_the_examples_equals_the_summary(example_output):
    rows = read_run(str(example_output), RUN_ID)
    m = report_model(rows)
    s = rows.summary
    assert m["counts"] == s["counts"] and m["by_language"] == s["by_language"] == {"en": 37, "de": 6, "ru": 4}
    assert m["by_outlet"] == s["by_outlet"] and m["by_agency"] == s["by_agency"]
    assert [(f["feed"].rsplit("/", 1)[-1], f["outcome"]) for f in m["feeds"]][0] == ("not-a-feed.xml", "failed")
    assert m["feeds"][0]["error"].startswith("NotAFeed: not a feed: got an HTML page titled '503")
    assert sum(f["entries"] for f in m["feeds"]) == s["counts"]["entries_total"] == 47
    assert len(m["feeds"]) == s["counts"]["feeds_total"] == 10
    assert m["dedupe"]["sizes"] == {1: 42, 5: 1}     # 43 stories, one of them with 4 reprints
    top = m["dedupe"]["biggest"][0]
    assert top["cluster_id"] == CLUSTER and top["origin"]["source_name"] == "Xinhua"
    assert [c["lag"] for c in top["copies"]] == ["+23m", "+2h08m", "+2h43m", "+3h51m"]
    assert m["dead_letters"][0]["stage"] == "parse" and m["dead_letters"][0]["error_type"] == "NotAFeed"
    assert m["quality"] == {"date_missing": 2, "bozo_feeds": 1}
