"""benchmarks/stream_state.py: state and worker memory of the streaming dedupe grow per story."""
from benchmarks.stream_state import measure, ratios

STEPS = ("Identity", "Fingerprint", "Shards", "Decide", "Clusters")


def test_state_and_memory_are_per_story_linear():
    small, large = measure(120, window_days=1, seed=3), measure(240, window_days=1, seed=3)
    for r in (small, large):
        assert set(r["steps"]) == set(STEPS)
        assert all(r["steps"][s]["state"] > 0 for s in STEPS), r["steps"]
        assert r["steps"]["Shards"]["memory"] > 0 and r["steps"]["Clusters"]["memory"] > 0
        assert r["steps"]["Shards"]["compact"] <= r["steps"]["Shards"]["state"]
        assert r["steps"]["Identity"]["keys"] == r["stories"]          # one identity entry a story
        assert r["cpu_ms_per_story"] > 0
    # twice the stories: 1.5-2.5x the bytes and the heap (per story: 0.75-1.25x)
    for name, k in ratios([small, large]).items():
        if name != "cpu":
            assert 0.75 <= k <= 1.25, (name, k)
    total = lambda r, key: r[key] * r["stories"]      # noqa: E731
    assert 1.5 <= total(large, "state_per_story") / total(small, "state_per_story") <= 2.5
    assert 1.5 <= total(large, "memory_per_story") / total(small, "memory_per_story") <= 2.5
