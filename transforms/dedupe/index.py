"""The near-duplicate index of the streaming dedupe: the stories of one shard of a language seen
within the dedupe window, with their sketches, LSH keys and cluster root hints; pure Python, the
base of shards.ShardIndex, kept in Beam state by transforms/dedupe/stream.py (_Shards). Its decisions are the batch Dedupe's: the
candidate keys, the verification (containment both ways, the same-feed update rule) and the exact
rule names come from transforms/dedupe/rules.py, which both modes call."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from transforms.dedupe.candidates import content_key
from transforms.dedupe.fingerprint import CONTAINMENT, similarity, sketch
from transforms.dedupe.rules import (CONTENT_HASH, Link, Side, candidate_keys, containments, exact_rule,
                                     story_facts, verify)
from transforms.records import CANONICAL, DUPLICATE, Story

BUCKET_SCAN = 8           # members looked at per LSH bucket: the oldest and the newest this many
MAX_VERIFY = 64           # containment checks per arriving story


def unbucket(buckets: dict, sid: str, keys) -> None:
    """Removes `sid` from the buckets of `keys` (lists of ids), dropping emptied buckets."""
    for key in keys:
        members = buckets.get(key)
        if members is not None:
            try:
                members.remove(sid)
            except ValueError:
                pass
            if not members:
                del buckets[key]


class NearDuplicateIndex:
    """The stories of one language seen within the dedupe window.

    entries: story_id -> [seen, first, root, sketch, n, keys, content_key, feed, facts]
    (feed, facts: what rules.verify needs; None in entries of logs written before them).
    Every change is
    also returned as a log record (`decide`, `touch`); `apply` replays records and `records`
    gives the compact log of the current entries, so the index can live in an append-only
    BagState (see stream.py, _Shards)."""

    def __init__(self):
        self.newest = 0.0                   # the newest fetch time seen (this language's "now")
        self.oldest = float("inf")          # a lower bound of the entries' last-seen times
        self.entries: Dict[str, list] = {}
        self.buckets: Dict[Any, List[str]] = {}
        self.agencies: Dict[str, List[str]] = {}

    def __len__(self):
        return len(self.entries)

    # -- the log
    def apply(self, record: tuple) -> None:
        kind = record[0]
        if kind == "add":
            _, sid, seen, first, root, sk, n, keys, ckey, agency = record[:10]
            feed, facts = (tuple(record[10:12]) + (None, None))[:2]
            self._remember(sid, seen, root, sk, n, keys, ckey, first=first, feed=feed, facts=facts)
            if agency:
                self.agencies[root] = sorted(set(self.agencies.get(root, ())) | {agency})
        elif kind == "touch":
            _, sid, when = record
            e = self.entries.get(sid)
            if e is not None:
                e[0] = max(e[0], when)
            self.newest = max(self.newest, when)
        elif kind == "agencies":
            _, root, names = record
            self.agencies[root] = list(names)

    def records(self) -> List[tuple]:
        out = [("add", sid, e[0], e[1], e[2], e[3], e[4], e[5], e[6], None, e[7], e[8])
               for sid, e in self.entries.items()]
        out += [("agencies", root, names) for root, names in self.agencies.items()]
        out.append(("touch", "", self.newest))
        return out

    def record_count(self) -> int:
        """len(self.records()), without building them."""
        return len(self.entries) + len(self.agencies) + 1

    # -- memory
    def expire(self, before: float) -> List[str]:
        """Forget entries last seen before `before`; returns their ids."""
        if self.oldest >= before:
            return []
        gone = [sid for sid, e in self.entries.items() if e[0] < before]
        for sid in gone:
            e = self.entries.pop(sid)
            unbucket(self.buckets, sid, list(e[5]) + ([e[6]] if e[6] else []))
            self.agencies.pop(sid, None)
        self.oldest = min((e[0] for e in self.entries.values()), default=float("inf"))
        return gone

    def touch(self, story_id: str, when: float, granularity: float = 0.0) -> Tuple[Optional[str], Optional[tuple]]:
        """A story seen again: (its cluster root, the log record, or None when its last-seen time
        moved by less than `granularity`)."""
        self.newest = max(self.newest, when)
        e = self.entries.get(story_id)
        if e is None:
            return None, None
        if when - e[0] < granularity:
            return e[2], None
        e[0] = max(e[0], when)
        return e[2], ("touch", story_id, e[0])

    # -- decisions
    def _live(self, sid: str, oldest: float) -> Optional[list]:
        e = self.entries.get(sid)
        return e if e is not None and e[0] >= oldest else None

    def _candidates(self, keys: List[Any], ckey: Optional[str]):
        seen = set()
        for key in ([ckey] if ckey else []) + list(keys):
            members = self.buckets.get(key) or []
            scan = members if len(members) <= 2 * BUCKET_SCAN else members[:BUCKET_SCAN] + members[-BUCKET_SCAN:]
            for sid in scan:
                if sid not in seen:
                    seen.add(sid)
                    yield sid

    @staticmethod
    def _side(e: list) -> Side:
        return Side(e[3], e[4], e[7], e[8])

    def decide(self, story: Story, exact_of: Optional[str], ordered: np.ndarray, when: float,
               window_s: float, threshold: float = CONTAINMENT) -> tuple:
        """Sets the disposition, cluster, duplicate_of, similarity, the link's evidence
        (link_rule, linked_to, containment, containment_reverse) and inferred agencies of a new
        story, remembers it, and returns the log record of that. (Signature unchanged.)"""
        oldest = when - window_s
        full = np.sort(ordered) if ordered is not None else np.zeros(0, dtype=np.uint32)
        n = int(full.size)
        keys = candidate_keys(ordered) if ordered is not None else []
        ckey = content_key(story)
        facts = story_facts(story.text)
        me = Side(full, n, story.feed_url, facts)
        root, sim, link, linked_to = None, None, None, None
        self.matched_roots: List[str] = []      # every cluster the story matched (merges: stream.py)
        if exact_of is not None:
            head = self._live(exact_of, oldest)
            root = head[2] if head is not None else exact_of
            r = self._live(root, oldest)
            sim = similarity_to(me, r) if r is not None and n and r[4] else 1.0
            c_ab, c_ba = containments(me, self._side(head)) if head is not None and n and head[4] else (None, None)
            link, linked_to = Link(exact_rule(story), c_ab, c_ba), exact_of
        else:
            matched: Dict[str, Tuple[str, Link]] = {}
            checks = 0
            for sid in self._candidates(keys, ckey):
                e = self._live(sid, oldest)
                if e is None or e[2] in matched or sid == story.story_id or e[2] == story.story_id:
                    continue
                if checks >= MAX_VERIFY:
                    break
                checks += 1
                if ckey is not None and e[6] == ckey:
                    matched[e[2]] = (sid, Link(CONTENT_HASH, *containments(me, self._side(e))))
                    continue
                found = verify(me, self._side(e), threshold)
                if found is not None:
                    matched[e[2]] = (sid, found)
            if matched:
                self.matched_roots = sorted(matched)
                root = min(matched, key=lambda r: (self.entries[r][1] if r in self.entries else float("inf"), r))
                linked_to, link = matched[root]
                r = self._live(root, oldest)
                sim = similarity_to(me, r) if r is not None and n and r[4] else max(link[1], link[2])
                if r is not None and r[6] is not None and r[6] == ckey:
                    sim = 1.0
        if root is None or root == story.story_id:
            root = story.story_id
            story.disposition, story.duplicate_of, story.similarity = CANONICAL, None, None
            story.link_rule = story.linked_to = story.containment = story.containment_reverse = None
        else:
            story.disposition, story.duplicate_of = DUPLICATE, root
            story.similarity = round(float(min(1.0, sim if sim is not None else 1.0)), 4)
            story.link_rule, story.linked_to = link.rule, linked_to
            story.containment, story.containment_reverse = link.containment, link.containment_reverse
        story.cluster_id = root
        cluster = set(self.agencies.get(root, ()))
        if story.feed_agency:
            cluster.add(story.feed_agency)
        inferred = {a for a in cluster if a not in story.agencies}
        story.agencies_inferred = sorted(set(story.agencies_inferred) | inferred)
        story.agency_sourced = bool(story.agencies or story.agencies_inferred)
        record = ("add", story.story_id, when, when, root, sketch(full), n, tuple(keys), ckey, story.feed_agency,
                  story.feed_url, facts)
        self.apply(record)
        return record

    def _remember(self, sid, when, root, sk, n, keys, ckey, first=None, feed=None, facts=None):
        old = self.entries.get(sid)
        if old is not None:                     # cannot happen (ids are unique); stay consistent
            old[0] = max(old[0], when)
            return
        self.entries[sid] = [when, when if first is None else first, root, sk, n, tuple(keys), ckey, feed, facts]
        for key in list(keys) + ([ckey] if ckey else []):
            self.buckets.setdefault(key, []).append(sid)
        self.oldest = min(self.oldest, when)
        self.newest = max(self.newest, when)


def similarity_to(me: Side, entry: list) -> float:
    """The column `similarity` of a new story against its cluster's root, as before the link
    evidence: fingerprint.similarity's containment of the smaller in the larger."""
    return similarity(me.shingles, me.n, entry[3], entry[4])[0]
