"""Exact identity: one story per story_id, every other copy a node with a derived id.

The same entry carried by several feeds (same canonical URL, else guid, else title + date) has
one story_id. The first copy in `canonical_order` keeps it; the others get a derived id (stable:
from the identity, their feed, guid and content) and an exact edge to the first copy.
"""
from __future__ import annotations

from typing import Iterable, List, Tuple

import apache_beam as beam

from transforms.clean.stories import stable_id
from transforms.dedupe.rules import canonical_order, exact_rule, label_id, order_key  # noqa: F401 (label_id, order_key re-exported)
from transforms.records import Story
from transforms.tagged import TypedParDo

def assign_copy_ids(story_id: str, copies: Iterable[Story]) -> Tuple[List[Story], List[tuple]]:
    """(stories with unique ids, exact edges (copy_id, head_id, 1.0, rule)): the rule is the
    identity they share (rules.exact_rule: url, guid or title_date)."""
    ordered = sorted(copies, key=canonical_order)
    head, out, edges, seen = ordered[0], [ordered[0]], [], {}
    for copy in ordered[1:]:
        base = (story_id, copy.feed_url, copy.guid or "", copy.content_hash or "")
        n = seen.get(base, 0)
        seen[base] = n + 1
        copy.story_id = stable_id(*base, str(n))
        out.append(copy)
        edges.append((copy.story_id, head.story_id, 1.0, exact_rule(head)))
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
    """Story -> {'stories': Stories with unique ids, 'edges': (copy, head, 1.0, rule)}."""

    def expand(self, stories):
        return (stories
                | "KeyById" >> beam.Map(lambda s: (s.story_id, s))
                | "GroupById" >> beam.GroupByKey()
                | "AssignCopyIds" >> TypedParDo(_AssignCopyIds(), {"stories": Story, "edges": tuple}))
