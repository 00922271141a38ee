"""Writing: stories, duplicates, dead letters and the run summary, committed atomically.

    partitioned.py  WritePartitioned (batch): partition files staged, then one journaled commit
    windowed.py     WindowedWrite (streaming): per event-time window, atomic files per pane
    schema.py       the Parquet schema and row conversion shared by both
    commit.py       staging paths, the journaled commit, recovery and the output lock
"""
from transforms.write.commit import (LockHeld, acquire_lock, delete_folder, join, recover, release_lock,
                                     staging_root, summary_path, write_text_atomically)
from transforms.write.partitioned import (TABLES, PartitionWritten, RunSummaryFn, Tally,
                                          WritePartitioned, conservation_problems)
from transforms.write.schema import STORY_SCHEMA, dead_letter_row, story_row
from transforms.write.windowed import DEFAULT_LATENESS, WindowedWrite

__all__ = [
    "DEFAULT_LATENESS", "LockHeld", "PartitionWritten", "RunSummaryFn", "STORY_SCHEMA", "TABLES",
    "Tally", "WindowedWrite", "WritePartitioned", "acquire_lock", "conservation_problems",
    "dead_letter_row", "delete_folder", "join", "recover", "release_lock", "staging_root",
    "story_row", "summary_path", "write_text_atomically",
]
