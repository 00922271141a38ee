"""The cross-run state stops growing once the dedupe window is full (short simulation)."""



from benchmarks.state_growth import simulate  # noqa: E402


def test_state_is_bounded_by_the_window(tmp_path):
    per_day, window = 25, 2
    sizes = simulate(days=6, per_day=per_day, window=window, folder=str(tmp_path), quiet=True)
    rows = [r for r, _ in sizes]
    # Day d's feed holds days d-1 and d; rows live until `window` days after they were last seen.
    assert rows[:3] == [25, 50, 75]
    assert rows[4:] == [(window + 2) * per_day] * 2, rows
