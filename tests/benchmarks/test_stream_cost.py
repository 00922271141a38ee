"""benchmarks/stream_cost.py: the streaming index holds the window, not the run."""
from benchmarks.stream_cost import measure


def test_the_index_stops_growing_once_the_window_is_full():
    result = measure(originals=120, days=6, window_days=2, seed=3)
    rows = result["per_day"]
    assert [r["day"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert sum(r["stories"] for r in rows) == result["stories"] > 400
    at_window = rows[1]["index_size"]
    assert rows[0]["index_size"] < at_window                       # fills ...
    assert all(r["index_size"] <= 1.3 * at_window for r in rows[2:])   # ... then holds (expiry)
    assert all(r["ms_per_story"] > 0 for r in rows)
    assert result["ratio_full_to_filling"] is not None and 0 < result["ratio_full_to_filling"] < 5


def test_a_burst_is_decided_and_timed():
    from benchmarks.stream_cost import burst
    small, large = burst(150, seed=3, shards=4), burst(600, seed=3, shards=4)
    assert (small["stories"], large["stories"]) == (150, 600)
    assert large["recent_queries"] > 2 * small["recent_queries"] > 100      # the round is in the horizon
    assert small["ms_per_story"] > 0 and large["ms_per_story"] > 0


def test_a_wrong_burst_is_one_line_and_exit_2(capsys):
    import pytest
    from benchmarks.stream_cost import main
    with pytest.raises(SystemExit) as e:
        main(["--burst", "many"])
    assert e.value.code == 2 and "--burst takes story counts" in capsys.readouterr().err
