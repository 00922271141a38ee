"""Dedupe (exact level): one canonical story per identity, every other copy a duplicate.

Two grouping passes, no per-key state (BEAM-NOTES: state costs ~1 ms per key in batch):
1. by story_id (the feed-independent identity: canonical URL, else guid, else title + date):
   the same entry carried by several feeds. The first copy keeps the id; the others get a
   derived id and point at it.
2. by content hash (normalised title + text) over the survivors of pass 1: the same text under
   different URLs. The group's first story is the root; every member of every merged group
   points at the root, so `duplicate_of` never points at a duplicate.
"First" is a total order: an agency's own item, then the earliest published, then feed URL,
entry position and id, so every run and runner makes the same choice.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterable, List, Tuple

import apache_beam as beam

from transforms.clean import stable_id
from transforms.records import CANONICAL, DUPLICATE, UTC, Story

MIN_WORDS_FOR_CONTENT_KEY = 10   # shorter texts (titles only) never match by content hash
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)


def canonical_order(story: Story):
    """Sort key: the smallest story of a group is its canonical one."""
    return (story.feed_agency is None, story.published or _EPOCH, story.feed_url,
            story.entry_index, story.story_id, story.content_hash or "")


def _pick_by_identity(story_id: str, copies: Iterable[Story]) -> Tuple[Story, List[Story]]:
    ordered = sorted(copies, key=canonical_order)
    head, rest = ordered[0], []
    seen = {}
    for copy in ordered[1:]:
        base = (story_id, copy.feed_url, copy.guid or "", copy.content_hash or "")
        n = seen.get(base, 0)
        seen[base] = n + 1
        copy.story_id = stable_id(*base, str(n))
        rest.append(copy)
    return head, rest


def _content_key(bundle: Tuple[Story, List[Story]]):
    head, _ = bundle
    if head.word_count >= MIN_WORDS_FOR_CONTENT_KEY and head.content_hash:
        return "hash:" + head.content_hash
    return "id:" + head.story_id   # unique: never merged by content


def _resolve(bundles: Iterable[Tuple[Story, List[Story]]]) -> Iterable[Story]:
    """Merge bundles sharing a content hash; emit every story with its disposition."""
    bundles = sorted(bundles, key=lambda b: canonical_order(b[0]))
    root = bundles[0][0]
    root.disposition = CANONICAL
    root.cluster_id, root.duplicate_of, root.similarity = root.story_id, None, None
    yield root
    for i, (head, copies) in enumerate(bundles):
        for story in ([head] if i else []) + copies:
            story.disposition = DUPLICATE
            story.cluster_id = story.duplicate_of = root.story_id
            story.similarity = 1.0
            yield story


class Dedupe(beam.PTransform):
    """Enriched Story -> Story with disposition, cluster_id, duplicate_of and similarity."""

    def expand(self, stories):
        return (stories
                | "KeyById" >> beam.Map(lambda s: (s.story_id, s))
                | "GroupById" >> beam.GroupByKey()
                | "PickPerId" >> beam.MapTuple(_pick_by_identity)
                | "KeyByContent" >> beam.Map(lambda b: (_content_key(b), b))
                | "GroupByContent" >> beam.GroupByKey()
                | "Resolve" >> beam.FlatMapTuple(lambda _, bundles: _resolve(bundles)))
