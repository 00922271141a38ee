"""State rows travel compact in a run (the sketch a uint32 array, the sentence tokens packed) and
the Parquet files keep the schema's lists: read back by pyarrow alone, a written file is what it
was before, and a file written before reads into the compact form."""
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms.coders import RecordCoder
from transforms.dedupe.candidates import unpack_keys
from transforms.dedupe.state import STATE_SCHEMA, compact_row, compact_rows, parquet_row, read_rows
from transforms.provenance import copy_of_row, pack_tokens, unpack_tokens

TOKENS = [[3, 9, 4_000_000_000], [], [7]]


def row(i: int, **changes) -> dict:
    base = {"story_id": f"s{i:03d}", "root_key": f"0|{i}", "n_shingles": 40, "sketch": [i, 5, 2 ** 32 - 1],
            "keys": [1 << 40, i], "sentences": [11, -12, 13], "sentence_tokens": TOKENS, "lead_sentences": 1}
    base.update(changes)
    return base


@pytest.mark.parametrize("lists", [TOKENS, [], [[]], [[1]] * 300])
def test_packed_tokens_unpack_to_the_same_lists(lists):
    packed = pack_tokens(lists)
    assert isinstance(packed, bytes) and unpack_tokens(packed) == lists


def _written(tmp_path, rows) -> str:
    path = str(tmp_path / "stories-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist([parquet_row(r) for r in rows], schema=STATE_SCHEMA), path)
    return path


def test_a_file_written_from_compact_rows_is_the_file_lists_make(tmp_path):
    lists = [row(i) for i in range(3)] + [row(3, sketch=None, sentence_tokens=None, sentences=None)]
    compact = [compact_row(dict(r)) for r in lists]
    assert isinstance(compact[0]["keys"], bytes) and isinstance(compact[0]["sentence_tokens"], bytes)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    from_lists = pq.read_table(_written(tmp_path / "a", lists))
    from_compact = pq.read_table(_written(tmp_path / "b", compact))
    assert from_compact.equals(from_lists)
    assert from_compact.to_pylist()[0]["sentence_tokens"] == TOKENS


def test_read_rows_gives_the_compact_form_of_every_row(tmp_path):
    lists = [row(i) for i in range(5)] + [row(5, sketch=None, sentence_tokens=None, sentences=None)]
    table = pa.Table.from_pylist(lists, schema=STATE_SCHEMA)
    # several chunks, the second starting inside the data: offsets are not from zero
    path = str(tmp_path / "s.parquet")
    pq.write_table(pa.concat_tables([table.slice(0, 2), table.slice(2)]), path, row_group_size=2)
    got = read_rows(path)
    assert [r["story_id"] for r in got] == [r["story_id"] for r in lists]
    for want, have in zip(lists, got):
        if want["sketch"] is None:
            assert have["sketch"] is None and have["sentence_tokens"] is None
            continue
        assert have["sketch"].dtype == np.uint32 and have["sketch"].tolist() == want["sketch"]
        assert unpack_tokens(have["sentence_tokens"]) == want["sentence_tokens"]
        assert unpack_keys(have["keys"]) == want["keys"] and have["sentences"] == want["sentences"]
    assert compact_rows(table.slice(4, 1))[0]["sketch"].tolist() == [4, 5, 2 ** 32 - 1]


def test_a_compact_row_is_measured_as_its_lists_and_is_smaller_in_a_shuffle():
    # word hashes are CRC-32s and a sketch the smallest of 32-bit hashes, as in a real row
    crc = [zlib.crc32(f"word{k}".encode()) for k in range(2000)]
    table = pa.Table.from_pylist([row(1, sentence_tokens=[sorted(crc[j * 40:j * 40 + 40]) for j in range(30)],
                                      sketch=sorted(crc)[:256])], schema=STATE_SCHEMA)
    lists, compact = table.to_pylist()[0], compact_rows(table)[0]     # as before, as now
    a, b = copy_of_row(lists), copy_of_row(compact)
    assert a.sentences == b.sentences and len(b.sentences) == 3
    coder = RecordCoder()
    full, small = len(coder.encode(lists)), len(coder.encode(compact))
    assert small < 0.8 * full, (small, full)
    back = coder.decode(coder.encode(compact))
    assert back["sketch"].tolist() == lists["sketch"] and unpack_tokens(back["sentence_tokens"]) == lists["sentence_tokens"]
    assert unpack_keys(back["keys"]) == lists["keys"]
    assert parquet_row(back)["keys"] == lists["keys"] and compact_row(dict(compact)) == compact


def test_a_streams_state_row_with_provenance_columns_is_written_by_the_delta_writer(tmp_path):
    # a stream completes a decided story's row with its cluster's columns (packed tokens) and
    # WriteUnits writes it with pyarrow alone (transforms/write/units.py knows no packing)
    from transforms.dedupe.clusters import complete_row
    from transforms.provenance.alignment import Copy, copy_columns
    from transforms.write.units import write_delta
    copy = Copy(story_id="s001", title="T", published=None, source_name="F", feed_url="", language="en",
                agencies=("AP",), credit=None, feed_agency=None, sentences=((11, frozenset({3, 9})), (12, frozenset())),
                lead=1, boilerplate=())
    done = complete_row({"story_id": "s001", "root_key": "0|1", "seen_at": None, "sketch": [1, 2], "keys": [5]},
                        copy_columns(copy))
    path = str(tmp_path / "delta.parquet")
    write_delta(path, [done], STATE_SCHEMA)
    (back,) = pq.read_table(path).to_pylist()
    assert back["sentence_tokens"] == [[3, 9], []] and back["sentences"] == [11, 12] and back["keys"] == [5]
