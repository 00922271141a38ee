"""The reprint generator's recorded truth (benchmarks/reprints, Item.truth) agrees with the
edits named in each reprint's kind, and leaves the generated items unchanged otherwise."""
from benchmarks.reprints import generate


def test_truth_follows_the_edits():
    items = generate(60, seed=9)
    reprints = [it for it in items if it.truth is not None]
    assert reprints and all(it.kind.startswith("reprint:") for it in reprints)
    for it in reprints:
        t, edits = it.truth, it.kind.split(":", 1)[1].split("+")
        assert 0.0 <= t["kept_share"] <= 1.0 and t["kept"] <= t["origin_sentences"]
        assert t["headline_changed"] == ("headline" in edits)
        if edits[0] == "full" and "drop-para" not in edits:
            assert t["kept_share"] == 1.0 and not t["lead_only"]
        if edits[0] in ("truncate2", "truncate3") or "drop-para" in edits:
            assert t["kept_share"] < 1.0 and not t["lead_only"]
        if t["lead_only"]:
            assert edits[0] in ("truncate1", "summary-only")
    assert any(it.truth["lead_only"] for it in reprints)
    assert all(it.truth is None for it in items if not it.kind.startswith("reprint:"))
