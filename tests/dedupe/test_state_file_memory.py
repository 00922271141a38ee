"""A state file's rows fit a worker: STATE_ROWS_PER_FILE rows, as a worker decodes them to
write (one WriteState/GroupByShard value) or read (read_rows) the file, stay within ~512 MB."""
import pickle
import tracemalloc

from benchmarks import runner_services as rs
from benchmarks.worker_caches import state_rows_of
from transforms.dedupe import state


def test_a_state_file_of_rows_fits_half_a_gigabyte(tmp_path):
    rs.generate_feeds(tmp_path, n_entries=40, seed=5, paragraphs=(6, 8), sentences=(4, 5),
                      languages=("en",), days=1)        # ~3 KB stories, as benchmarks.scale's
    rows = state_rows_of(tmp_path / "feeds", 40)
    assert len(rows) >= 30 and all(r["sentence_tokens"] and r["sketch"] for r in rows)
    encoded = [pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in rows]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    decoded = [pickle.loads(e) for e in encoded]
    per_row = (tracemalloc.get_traced_memory()[0] - before) / len(decoded)
    tracemalloc.stop()
    assert 20_000 < per_row < 80_000                    # ~40 KB a row of Python objects
    assert state.STATE_ROWS_PER_FILE * per_row <= 512 * 2**20
