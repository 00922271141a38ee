"""benchmarks/state_rows.py: a state row's bytes and CPU through RecordCoder, whole and by column."""
import datetime as _dt
import zoneinfo

from benchmarks.state_rows import main, measure
from transforms.coders import RecordCoder


def test_measure_gives_the_encoded_bytes_of_rows_and_of_each_column():
    t = _dt.datetime(2026, 11, 20, 6, tzinfo=zoneinfo.ZoneInfo("UTC"))        # as pyarrow reads it
    rows = [{"story_id": f"s{i}", "seen_at": t, "sentence_tokens": [[1, 2, 3], [i]]} for i in range(20)]
    got = measure(rows, repeats=1)
    coder = RecordCoder()
    assert got["rows"] == 20
    assert got["bytes"] == sum(len(coder.encode(r)) for r in rows) / 20
    assert set(got["columns"]) == {"story_id", "seen_at", "sentence_tokens"}
    assert got["columns"]["seen_at"]["bytes"] <= 12          # UTC microseconds, not a pickle of the zone
    assert got["encode_us"] > 0 and got["decode_us"] > 0 and got["decoded_bytes"] > 100


def test_a_state_folder_without_rows_is_refused_with_a_message(tmp_path, capsys):
    try:
        main(["--state", str(tmp_path)])
    except SystemExit as e:
        assert "no state rows" in str(e.code)
    else:
        raise AssertionError("an empty state folder was measured")
