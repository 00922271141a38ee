"""benchmarks/bounded_bundles.py: Beam's local runner cutting a stage's input into bounded bundles."""
import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.testing.util import assert_that, equal_to

from benchmarks import bounded_bundles
from benchmarks.bounded_bundles import bundles


def _sizes(parts):
    return [sum(len(c) for cs in p.values() for c in cs) for p in parts]


def test_bundles_hold_every_chunk_once_within_the_limit():
    inputs = {"a": [bytes([i]) * 40 for i in range(10)], "b": [b"x" * 100, b"y" * 30]}
    parts = bundles(inputs, limit=120, workers=2)
    assert all(set(p) == {"a", "b"} for p in parts)          # every input named in every bundle
    assert max(_sizes(parts)) <= 120
    for name, chunks in inputs.items():
        got = [c for p in parts for c in p[name]]
        assert sorted(got) == sorted(chunks)
    assert _sizes(parts) == [120, 120, 120, 40, 100, 30]      # filled in order, a new bundle when one is full


def test_a_chunk_above_the_limit_is_a_bundle_of_its_own():
    parts = bundles({"a": [b"1" * 10, b"2" * 500, b"3" * 10]}, limit=100, workers=1)
    assert [p["a"] for p in parts] == [[b"1" * 10], [b"2" * 500], [b"3" * 10]]


def test_few_chunks_are_spread_over_the_workers_and_no_input_is_one_empty_bundle():
    parts = bundles({"a": [b"1" * 10, b"2" * 10, b"3" * 10], "b": []}, limit=1000, workers=2)
    assert len(parts) == 2 and sorted(len(p["a"]) for p in parts) == [1, 2]
    assert all(p["b"] == [] for p in parts)
    assert bundles({"a": [], "b": [b""]}, limit=10, workers=2) == [{"a": [], "b": []}]


def test_a_multi_processing_run_with_small_bundles_computes_the_same(monkeypatch):
    # install() patches Beam's class in this process: monkeypatch puts Beam's own back after the test.
    monkeypatch.setattr(fn_runner.ParallelBundleManager, "process_bundle",
                        fn_runner.ParallelBundleManager.process_bundle)
    counts = []

    def counting(inputs, limit, workers):
        got = bundles(inputs, limit, workers)
        counts.append(len(got))
        return got

    monkeypatch.setattr(bounded_bundles, "bundles", counting)
    bounded_bundles.install(2048)
    opts = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    with beam.Pipeline(options=opts) as p:
        sums = (p | beam.Create([(f"k{i % 97}", i) for i in range(6000)])
                | beam.GroupByKey()
                | beam.MapTuple(lambda k, vs: (k, sum(vs), len(list(vs)))))
        assert_that(sums, equal_to([(f"k{j}", sum(range(j, 6000, 97)), len(range(j, 6000, 97)))
                                    for j in range(97)]))
    assert counts, "the bounded bundle manager did not run"
    assert max(counts) >= 4          # the grouped input (~100 KB) was cut into many 2 KB bundles


def test_the_command_line_refuses_a_bundle_size_of_zero(capsys):
    with pytest.raises(SystemExit) as e:
        bounded_bundles.main(["--bundle-mb", "0", "--", "--feeds", "x"])
    assert e.value.code == 2
