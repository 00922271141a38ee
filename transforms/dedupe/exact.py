"""Exact identity: one story per story_id, every other copy a node with a derived id.

The same entry carried by several feeds (same canonical URL, else guid, else title + date) has
one story_id. The first copy in `canonical_order` keeps it; the others get a derived id (stable:
from the identity, their feed, guid and content) and an exact edge to the first copy.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterable, List, Tuple

import apache_beam as beam

from transforms.clean.stories import stable_id
from transforms.records import UTC, Story
from transforms.tagged import TypedParDo

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)


def canonical_order(story: Story):
    """Sort key: the smallest story of a group is its canonical one (agency's own item first,
    then the earliest published, then feed, position and id: deterministic everywhere)."""
    return (story.feed_agency is None, story.published or _EPOCH, story.feed_url,
            story.entry_index, story.story_id, story.content_hash or "")


def order_key(story: Story) -> str:
    """canonical_order as one sortable string ending in '|story_id' (the component label)."""
    when = (story.published or _EPOCH).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return "|".join(("1", "0" if story.feed_agency else "1", when, story.feed_url.replace("|", "%7C"),
                     f"{story.entry_index:09d}", story.story_id))


def label_id(label: str) -> str:
    """The story_id a label (order key) ends with."""
    return label.rsplit("|", 1)[1]


def assign_copy_ids(story_id: str, copies: Iterable[Story]) -> Tuple[List[Story], List[tuple]]:
    """(stories with unique ids, exact edges (copy_id, head_id, 1.0))."""
    ordered = sorted(copies, key=canonical_order)
    head, out, edges, seen = ordered[0], [ordered[0]], [], {}
    for copy in ordered[1:]:
        base = (story_id, copy.feed_url, copy.guid or "", copy.content_hash or "")
        n = seen.get(base, 0)
        seen[base] = n + 1
        copy.story_id = stable_id(*base, str(n))
        out.append(copy)
        edges.append((copy.story_id, head.story_id, 1.0))
    return out, edges


class _AssignCopyIds(beam.DoFn):
    def process(self, element):
        story_id, copies = element
        stories, edges = assign_copy_ids(story_id, copies)
        for s in stories:
            yield s
        for e in edges:
            yield beam.pvalue.TaggedOutput("edges", e)


class ExactIdentity(beam.PTransform):
    """Story -> {'stories': Stories with unique ids, 'edges': (copy, head, 1.0)}."""

    def expand(self, stories):
        return (stories
                | "KeyById" >> beam.Map(lambda s: (s.story_id, s))
                | "GroupById" >> beam.GroupByKey()
                | "AssignCopyIds" >> TypedParDo(_AssignCopyIds(), {"stories": Story, "edges": tuple}))
