"""benchmarks.key_share --quick: every keyed step of Dedupe measured in a real run, shares sane."""
import json

import pytest

from benchmarks.key_share import QUICK_N, largest_share, main, residual_rows
from transforms.dedupe.candidates import BUCKET_SHARDS
from transforms.dedupe.shards import DEFAULT_SHARDS


@pytest.mark.timeout(1500)   # a whole Dedupe run on a shared 2-core machine
def test_quick_table_is_sane(tmp_path, capsys):
    out = tmp_path / "key_share.json"
    assert main(["--quick", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = {r["step"]: r for r in report["rows"]}
    assert report["n"] == QUICK_N
    for step in ("JoinState", "GroupByFeed", "CandidatePairs/GroupByShard", "VerifyPairs/JoinA",
                 "ConnectedComponents/Adjacency", "ConnectedComponents/Min0", "ConnectedComponents/LargeStar0",
                 "ConnectedComponents/Settle", "ConnectedComponents/Residual", "JoinLabels", "JoinRoots",
                 "stream: Identity (story id)", "stream: Fingerprint (feed)", "stream: Shards (language|shard)",
                 "stream: Shards, entries held (home shard)", "stream: Decide (home shard)"):
        assert step in rows, (step, sorted(rows))
    for r in report["rows"]:
        assert 0 <= r["keys"] <= r["elements"], r
        if r["elements"]:
            assert 0 < r["share"] <= 1, r
            assert r["elements"] / r["keys"] <= r["largest"] <= r["elements"], r
        else:
            assert r["share"] is None and r["largest"] == 0, r
    # keyed by story id: one story per key, in batch and in the stream's identity step (the
    # generator may make a few stories fewer than asked)
    stories = rows["ExactIdentity/GroupById"]["elements"]
    assert 0.9 * QUICK_N <= stories <= QUICK_N
    assert rows["JoinState"]["keys"] == rows["JoinState"]["elements"] == stories
    assert rows["stream: Identity (story id)"]["share"] == 1 / stories
    # the bucket shards: many keys, none holding more than twice its fair share
    shard = rows["CandidatePairs/GroupByShard"]
    assert shard["keys"] == BUCKET_SHARDS
    assert shard["share"] <= 2 / BUCKET_SHARDS
    # the streaming index: no key holds the language (one language here), each about 1/S of it
    for step in ("stream: Shards (language|shard)", "stream: Shards, entries held (home shard)",
                 "stream: Decide (home shard)"):
        assert rows[step]["keys"] == DEFAULT_SHARDS and rows[step]["share"] <= 2 / DEFAULT_SHARDS, rows[step]
    # the components' one-key fallback holds only the unsettled label pairs: none here
    (residual,) = residual_rows(report["rows"])
    assert residual["elements"] == report["counters"].get("components_residual_pairs", 0) == 0
    # no step of at least n/10 elements has a key with more than 3 % of them
    assert largest_share(report["rows"], QUICK_N // 10)["share"] < 0.03
    printed = capsys.readouterr().out
    assert "CandidatePairs/GroupByShard" in printed and "components_residual_pairs 0" in printed
