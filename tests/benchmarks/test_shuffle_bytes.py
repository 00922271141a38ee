"""benchmarks/shuffle_bytes.py: the coders it compares are the ones Beam picks before and after
RecordCoder, and its totals are per story."""
from typing import Any, Tuple

from apache_beam.coders.typecoders import CoderRegistry
from apache_beam import coders

from benchmarks.shuffle_bytes import kv_coders, summarise
from transforms.records import Story


def test_before_is_beams_default_pickling_and_after_is_record_coder():
    story = Story(story_id="s", title="t", text="x " * 100)
    before_key, before_value = kv_coders(CoderRegistry(), Any, "step")
    after_key, after_value = kv_coders(coders.registry, Tuple[str, Any], "step")
    assert b"transforms.records" in before_value.encode(story)          # a pickle
    assert b"transforms.records" not in after_value.encode(story)
    assert after_value.decode(after_value.encode(story)) == story
    assert before_key.encode("k") != b"" and after_key.is_deterministic() and before_key.is_deterministic()


def test_the_summary_is_per_story():
    report = {"counts": {"entries_total": 10},
              "rows": [{"step": "a", "elements": 10, "before": 1000, "after": 800, "before_us": 50, "after_us": 40},
                       {"step": "b", "elements": 20, "before": 1000, "after": 1000, "before_us": 50, "after_us": 60}]}
    s = summarise(report)
    assert (s["before_bytes_per_story"], s["after_bytes_per_story"], s["ratio"]) == (200.0, 180.0, 0.9)
    assert (s["elements_per_story"], s["before_us_per_story"], s["after_us_per_story"]) == (3.0, 10.0, 10.0)
