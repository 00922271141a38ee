"""The versions benchmark (benchmarks/versions_eval.py): its generator's truth, and a score that
fails when the decisions are wrong (the streaming replay, which needs no pipeline)."""
import collections

import benchmarks.versions_eval as V
import transforms.dedupe.versions as versions_module


def test_generator_truth():
    runs, truth, versions = V.generate(5, 8)
    kinds = collections.Counter(len(v) for v in versions.values())
    assert kinds == {1: 2, 2: 5, 3: 1}                       # none/rerender, five changed once, edit2
    assert len(truth.chains) == 7 and len(truth.rerender_urls) == 1
    assert sum(truth.stale.values()) == 7                     # outlet 3 for six items, outlet 4 once
    assert len(runs) == 3 and all(e.role in ("wire", "reprint") for r in runs for e in r)
    assert V.generate(5, 8)[1].chains == truth.chains         # deterministic per seed
    slugged = [e.title for e in runs[1] if e.role == "wire" and e.url.endswith(("-update", "-corrected", "-refile"))]
    assert sorted(t.split("-", 1)[0] for t in slugged) == ["CORRECTED", "REFILE", "UPDATE 1", "UPDATE 1"]


def test_stream_replay_finds_every_chain_and_stale_reprint():
    s = V.stream_mode(5, 8)
    assert (s["chains"], s["chains_expected"], s["spurious_versions"]) == (7, 7, 0)
    assert (s["stale_tp"], s["stale_expected"], s["stale_fp"]) == (7, 7, 0)
    assert s["missing_rows"] == 0


def test_the_score_sees_broken_decisions(monkeypatch):
    monkeypatch.setattr(versions_module, "is_stale", lambda *a: False)
    monkeypatch.setattr(versions_module, "_slug_predecessor", lambda *a: None)
    s = V.stream_mode(5, 8)
    assert s["stale_tp"] == 0 and s["chains"] == 3            # only the identity versions remain
