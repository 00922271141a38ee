"""The run summary's per-outlet provenance figures: reprints, verbatim share, median lag."""
import datetime as _dt

from transforms.records import ProvenanceRow
from transforms.write.partitioned import (
    PartitionWritten,
    RunSummaryFn,
    outlet_reprints,
    partition_key,
    write_partition,
)

T = _dt.datetime(2026, 11, 27, 6, tzinfo=_dt.timezone.utc)


def reprint(sid, outlet, kept, lag):
    return ProvenanceRow("reprints", {"story_id": sid, "cluster_id": "c", "origin_story_id": "o", "source_name": outlet,
                                      "kept_share": kept, "lag_seconds": lag, "published": T, "updated_at": T,
                                      "credit_change": "kept", "sentences_added": 0})


def test_outlet_reprints_median_and_verbatim_share():
    assert outlet_reprints(2, [60.0, None, 30.0, 90.0]) == {"reprints": 4, "verbatim_share": 0.5,
                                                            "median_lag_seconds": 60.0}
    assert outlet_reprints(0, [10.0, 20.0]) == {"reprints": 2, "verbatim_share": 0.0, "median_lag_seconds": 15.0}
    assert outlet_reprints(0, []) == {"reprints": 0, "verbatim_share": None, "median_lag_seconds": None}


def test_reprint_partitions_reach_the_outlet_lines(tmp_path):
    rows = [reprint("s1", "Daily", 1.0, 60.0), reprint("s2", "Daily", 0.5, 120.0), reprint("s3", "Daily", 0.8, 30.0),
            reprint("s4", "Courier", 0.2, 600.0)]
    key = partition_key(rows[0], 1)
    assert key == ("reprints", "2026-11-27", "", 0)
    receipt = write_partition(str(tmp_path), "run1", ("parquet",), key, rows)
    assert receipt.rows == 4 and receipt.reprints_by_outlet == {"Daily": [2, [60.0, 120.0, 30.0]],
                                                                "Courier": [0, [600.0]]}
    fn = RunSummaryFn()
    stories = PartitionWritten(table="duplicates", files=[], rows=4, by_outlet={"Daily": [3, 3], "Courier": [1, 0]})
    accs = [fn.add_input(fn.create_accumulator(), stories), fn.add_input(fn.create_accumulator(), receipt)]
    out = fn.extract_output(fn.merge_accumulators(accs))
    assert out["by_outlet"]["Daily"] == {"stories": 3, "agency_sourced": 3, "share": 1.0, "reprints": 3,
                                         "verbatim_share": 0.667, "median_lag_seconds": 60.0}
    assert out["by_outlet"]["Courier"]["verbatim_share"] == 0.0
    assert out["counts"]["reprints"] == 4
    assert (tmp_path / ".staging" / "run1" / "reprints" / "date=2026-11-27" / "part-00000-run1.parquet").exists()
