"""Writing: stories, duplicates, dead letters and the run summary, committed atomically.

    partitioned.py  WritePartitioned (batch): partition files staged, then one journaled commit
    units.py        WriteUnits (streaming): each bundle's rows and state delta committed as one unit
                    while the stream runs; the run summary when it ends
    schema.py       the Parquet schema and row conversion shared by both
    commit.py       staging paths, the journaled commit, recovery and the output lock
"""
from transforms.write.commit import (LockHeld, acquire_lock, delete_folder, join, recover, release_lock,
                                     staging_root, summary_path, write_text_atomically)
from transforms.write.partitioned import (TABLES, PartitionWritten, RunSummaryFn, Tally,
                                          WritePartitioned, conservation_problems)
from transforms.write.schema import STORY_SCHEMA, dead_letter_row, story_row
from transforms.write.units import WriteUnits, recover_stream_summaries

__all__ = [
    "LockHeld", "PartitionWritten", "RunSummaryFn", "STORY_SCHEMA", "TABLES",
    "Tally", "WritePartitioned", "WriteUnits", "acquire_lock", "conservation_problems",
    "dead_letter_row", "delete_folder", "join", "recover", "recover_stream_summaries", "release_lock", "staging_root",
    "story_row", "summary_path", "write_text_atomically",
]
