"""The output tables' explicit schemas and row conversion (DESIGN.md section 3)."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict

import pyarrow as pa

from transforms.records import DeadLetter, Story, redact_text, redact_url

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
    pa.field("credit_position", pa.string()),
    pa.field("dateline", pa.string()),
    pa.field("word_count", pa.int64()),
    pa.field("content_hash", pa.string()),
    pa.field("text_source", pa.string()),   # "feed" or "article" (--fetch-articles)
    pa.field("link_rule", pa.string()),     # why a duplicate is one: see transforms/dedupe/rules.py
    pa.field("linked_to", pa.string()),     # the story it was linked to (its edge)
    pa.field("containment", pa.float64()),  # share of its shingles found in linked_to
    pa.field("containment_reverse", pa.float64()),  # share of linked_to's shingles found in it
    pa.field("version", pa.int64()),              # 1 for a first version (dedupe/versions.py)
    pa.field("previous_story_id", pa.string()),   # the story this one is a new version of
    pa.field("stale", pa.bool_()),                # a reprint of a version older than the newest known
])
STORY_COLUMNS = tuple(STORY_SCHEMA.names)
DEAD_LETTER_COLUMNS = ("stage", "source", "entry", "error", "excerpt", "at")
# Columns that may carry a feed URL's credentials (issue 19): written redacted (records.redact_url).
# The in-memory records keep the real URL, which the fetch needs.
_STORY_URLS = {"feed_url": redact_url, "url": redact_url, "canonical_url": redact_url,
               "source_name": redact_text}   # the feed's URL when it has no title
_DEAD_LETTER_TEXTS = {"source": redact_text, "entry": redact_text, "error": redact_text,
                      "excerpt": redact_text}


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


def _row(record, columns, redactions) -> Dict[str, Any]:
    row = {name: _scrub(getattr(record, name)) for name in columns}
    for name, redact in redactions.items():
        row[name] = redact(row[name])
    return row


EVENT_SCHEMA = pa.schema([
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("event", pa.string(), nullable=False),
    pa.field("target", pa.string(), nullable=False),
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("reason", pa.string()),
    pa.field("origin_rank", pa.string()),
    pa.field("at", _TS),
    pa.field("run_id", pa.string()),
])
EVENT_COLUMNS = tuple(EVENT_SCHEMA.names)


def event_row(event) -> Dict[str, Any]:
    """A ClusterEvent as a dict of the cluster_events table's columns (ids and ranks carry no
    URLs: nothing to redact)."""
    return {name: getattr(event, name) for name in EVENT_COLUMNS}


def story_row(story: Story) -> Dict[str, Any]:
    """A Story as a dict of exactly the table's columns."""
    row = _row(story, STORY_COLUMNS, _STORY_URLS)
    row["cluster_id"] = row["cluster_id"] or story.story_id
    return row


def dead_letter_row(dead: DeadLetter) -> Dict[str, Any]:
    return _row(dead, DEAD_LETTER_COLUMNS, _DEAD_LETTER_TEXTS)


def json_default(value: Any):
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# Provenance tables (transforms/provenance; README, "Provenance tables").
CLUSTER_SCHEMA = pa.schema([
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("origin_story_id", pa.string(), nullable=False),
    pa.field("origin_agency", pa.string()),
    pa.field("origin_source_name", pa.string()),
    pa.field("first_published", _TS),
    pa.field("last_published", _TS),
    pa.field("n_outlets", pa.int64()),
    pa.field("n_copies", pa.int64()),
    pa.field("languages", _STRINGS),
    pa.field("headlines", pa.list_(pa.struct([pa.field("headline", pa.string()), pa.field("count", pa.int64())]))),
    pa.field("updated_at", _TS),
    pa.field("run_id", pa.string()),
])
REPRINT_SCHEMA = pa.schema([
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("origin_story_id", pa.string(), nullable=False),
    pa.field("source_name", pa.string()),
    pa.field("origin_source_name", pa.string()),
    pa.field("published", _TS),
    pa.field("lag_seconds", pa.float64()),
    pa.field("origin_sentences", pa.int64()),
    pa.field("sentences_kept", pa.int64()),
    pa.field("kept_share", pa.float64()),
    pa.field("lead_only", pa.bool_()),
    pa.field("sentences_added", pa.int64()),
    pa.field("first_added_sentence", pa.string()),
    pa.field("headline_changed", pa.bool_()),
    pa.field("credit_change", pa.string()),
    pa.field("boilerplate_removed", pa.bool_()),
    pa.field("disposition", pa.string()),
    pa.field("updated_at", _TS),
    pa.field("run_id", pa.string()),
])
PROVENANCE_SCHEMAS = {"clusters": CLUSTER_SCHEMA, "reprints": REPRINT_SCHEMA}
_PROVENANCE_TEXTS = {"origin_source_name": redact_text, "source_name": redact_text}


def provenance_row(record) -> Dict[str, Any]:
    """A ProvenanceRow as a dict of exactly its table's columns (outlet names redacted as the
    story tables' source_name)."""
    row = {name: _scrub(record.row.get(name)) for name in PROVENANCE_SCHEMAS[record.table].names}
    for name, redact in _PROVENANCE_TEXTS.items():
        if name in row:
            row[name] = redact(row[name])
    if record.table == "clusters":
        row["headlines"] = [{"headline": _scrub(h["headline"]), "count": h["count"]} for h in row["headlines"] or ()]
    return row
