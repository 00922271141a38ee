"""The output tables' explicit schemas and row conversion (DESIGN.md section 3)."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict

import pyarrow as pa

from transforms.records import DeadLetter, Story

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())

STORY_SCHEMA = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("duplicate_of", pa.string()),
    pa.field("similarity", pa.float64()),
    pa.field("feed_url", pa.string()),
    pa.field("source_name", pa.string()),
    pa.field("url", pa.string()),
    pa.field("canonical_url", pa.string()),
    pa.field("guid", pa.string()),
    pa.field("title", pa.string()),
    pa.field("summary", pa.string()),
    pa.field("text", pa.string()),
    pa.field("authors", _STRINGS),
    pa.field("categories", _STRINGS),
    pa.field("published", _TS),
    pa.field("published_raw", pa.string()),
    pa.field("fetched_at", _TS),
    pa.field("language", pa.string()),
    pa.field("language_confidence", pa.float64()),
    pa.field("agencies", _STRINGS),
    pa.field("agencies_inferred", _STRINGS),
    pa.field("agency_sourced", pa.bool_()),
    pa.field("credit", pa.string()),
    pa.field("dateline", pa.string()),
    pa.field("word_count", pa.int64()),
    pa.field("content_hash", pa.string()),
])
STORY_COLUMNS = tuple(STORY_SCHEMA.names)
DEAD_LETTER_COLUMNS = ("stage", "source", "entry", "error", "excerpt", "at")


def _scrub(value: Any) -> Any:
    """Strings without NUL bytes or lone surrogates (Parquet and JSON need valid UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def story_row(story: Story) -> Dict[str, Any]:
    """A Story as a dict of exactly the table's columns."""
    row = {name: _scrub(getattr(story, name)) for name in STORY_COLUMNS}
    row["cluster_id"] = row["cluster_id"] or story.story_id
    return row


def dead_letter_row(dead: DeadLetter) -> Dict[str, Any]:
    return {name: _scrub(getattr(dead, name)) for name in DEAD_LETTER_COLUMNS}


def json_default(value: Any):
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
