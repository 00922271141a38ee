"""FollowDiscovered: the bounded further fetch rounds for what documents name.

A sitemap index names sitemaps and an HTML page names its feeds (ParseFeeds' 'discovered'
output). Each round picks the new sources, fetches them with the same `FetchFeeds` (HTTP
client, size caps, address checks, conditional GET) and parses them with the same `ParseFeeds`;
what they name goes to the next round. `rounds` (= MAX_FOLLOW_DEPTH) bounds the depth, and
`FeedSource.via` lets ParseFeeds refuse loops and deeper nesting before anything is fetched.

Picking a round's sources: a URL already fetched by an earlier round (a listed feed, a
sitemap two indexes name) is not fetched again; at most `MAX_FOLLOWED_PER_ROUND` sources per
round (the first by URL), the rest are one 'parse' dead letter.

Counting: every followed source that is fetched is one more feed of the run, with its own
FeedStatus (ok / not_modified / failed), so `feeds_total` counts listed and followed feeds
alike, and the page or index that named them counts as an 'ok' feed with 0 entries.
"""
from __future__ import annotations

from typing import Iterable, Tuple

import apache_beam as beam

from transforms.fetch import FetchFeeds, FetchSettings
from transforms.parse.feeds import ParseFeeds
from transforms.parse.items import MAX_FOLLOW_DEPTH
from transforms.records import DeadLetter, FeedSource
from transforms.tagged import TypedParDo

MAX_FOLLOWED_PER_ROUND = 1000
OUTPUTS = ("stories", "status", "documents", "dead_letter")


def pick_new(sources: Iterable[FeedSource], seen: Iterable[str], limit: int = MAX_FOLLOWED_PER_ROUND):
    """(sources to fetch, dead letters): one source per new URL, the first `limit` by URL."""
    seen, picked, over = set(seen), [], []
    for source in sorted(sources, key=lambda s: (s.location, s.via)):
        if source.location in seen:
            continue
        seen.add(source.location)
        (picked if len(picked) < limit else over).append(source)
    dead = []
    if over:
        dead.append(DeadLetter.make(
            "parse", over[0].listed_in or over[0].location,
            f"NotFollowed: {len(over)} discovered feeds and sitemaps beyond the limit of {limit} per round, "
            f"from {over[0].location}"))
    return picked, dead


class _PickNew(beam.DoFn):
    def __init__(self, limit: int):
        self._limit = limit

    def process(self, element: Tuple[None, Iterable[FeedSource]], seen=()):
        picked, dead = pick_new(element[1], seen, self._limit)
        for d in dead:
            yield beam.pvalue.TaggedOutput("dead_letter", d)
        yield from picked


class FollowDiscovered(beam.PTransform):
    """{'discovered': FeedSource, 'listed': FeedSource} -> {'stories', 'status', 'documents',
    'dead_letter'} of up to `rounds` further fetch + parse rounds."""

    def __init__(self, settings: FetchSettings, validators=None, rounds: int = MAX_FOLLOW_DEPTH,
                 limit: int = MAX_FOLLOWED_PER_ROUND):
        super().__init__()
        self._settings, self._validators = settings, validators
        self._rounds, self._limit = rounds, limit

    def expand(self, inputs):
        seen = inputs["listed"] | "Listed" >> beam.Map(lambda s: s.location)
        discovered = inputs["discovered"]
        parts = {name: [] for name in OUTPUTS}
        for r in range(1, self._rounds + 1):
            picked = (discovered
                      | f"Group{r}" >> beam.Map(lambda s: (None, s))
                      | f"Together{r}" >> beam.GroupByKey()
                      | f"PickNew{r}" >> TypedParDo(_PickNew(self._limit), {"sources": FeedSource},
                                                    seen=beam.pvalue.AsIter(seen)))
            fetched = picked["sources"] | f"Fetch{r}" >> FetchFeeds(self._settings, validators=self._validators)
            parsed = fetched["documents"] | f"Parse{r}" >> ParseFeeds()
            parts["dead_letter"] += [picked["dead_letter"], fetched["dead_letter"], parsed["dead_letter"]]
            parts["status"] += [fetched["status"], parsed["status"]]
            parts["stories"].append(parsed["stories"])
            parts["documents"].append(parsed["documents"])
            seen = (seen, picked["sources"] | f"Fetched{r}" >> beam.Map(lambda s: s.location)) | f"Seen{r}" >> beam.Flatten()
            discovered = parsed["discovered"]
        # ParseFeeds refuses anything deeper than MAX_FOLLOW_DEPTH; with fewer rounds, say so
        rounds = self._rounds
        parts["dead_letter"].append(discovered | "TooDeep" >> beam.Map(lambda s: DeadLetter.make(
            "parse", s.listed_in or s.location, f"NotFollowed: {s.location}: more than {rounds} "
            "rounds of discovered feeds and sitemaps")))
        return {name: tuple(pcolls) | f"All{name.title()}" >> beam.Flatten() for name, pcolls in parts.items()}
