"""The sharded near-duplicate index of the streaming dedupe, and the decision it gathers: plain
Python (numpy, no Beam), called by StreamDedupe's keyed steps (stream.py) and replayed by the
benchmarks (`ShardedReplay`) in arrival order.

Why sharded: one key per language held the whole index of a language (every story of English
went through one key, serially). Here a story's index entry lives on its HOME shard
(`home_shard`: crc32(story_id) % S) and its query goes to every shard, so each key holds the
window's stories / S and sees 1/S of the messages.

    story ─► probe (once: shingles, keys, facts, order key)
          ─► shard (language, j) for every j:  `ShardIndex.receive`
                 the home shard answers against its entries, then INSERTS the story (root hint)
                 the other shards answer: verified matches (rules.verify, content key, exact id)
                 and aliases (below); a match by a story that arrived within the settle time of
                 the entry also goes back to the entry's story (a reverse report)
          ─► decide (home shard j): gathers the S answers (counted), holds the story until it
             has settled, then `decide`: the batch order over what the answers know

Concurrency. Beam has no loops: a shard cannot be sent a message by a later step, so "insert,
then send the query" cannot be causal across keys — a story's insert and its queries leave the
fan-out together. Two near-duplicates A, B homed on different shards can then cross: B's query
reaches A's shard before A's insert and A's query reaches B's shard before B's insert. Each
shard therefore keeps the queries it answered in the last `horizon` seconds (fetch time) and
checks every story it inserts against them (`crossing`): at A's shard, either B's query came
after A's insert (B's query sees A) or before (A's insert sees B's query). Either way the pair
is found, and reported to both stories' deciders. Memory for this: the stories of the last
horizon, not of the window.

Roots, lazily. A shard cannot learn what a later step decided (no loop), so it never stores a
decided root. It stores links instead: each entry's root HINT (the root of what the story matched
on its own home shard at insert), and, when a query verifies against one of its entries, an ALIAS
of the querying story (its candidate keys, no sketch) pointing at that entry's hint. A later query
finds the aliases through the same candidate keys as entries, so the decider sees "X belongs
with W" even when X and W live on other shards than the one the query matched X on. The decider
builds the connected components of what its answers know (its matches, their hints, the aliases)
and picks roots by one rule (`cluster_root`), the batch order: the earliest arrival, and among
arrivals within the settle time of it, the batch canonical order (the agency's own item first,
then the earliest published); an earlier run's story first. When the answers know two clusters,
the story merges them (a `merged` event); when it ranks before its cluster's known origin, an
`origin` event (events.py, as batch across runs).

Settle time. A story is decided once all S answers are in AND its fetch time + settle is at or
before the decider's "now" (the newest fetch time or poll tick seen by that key). A story that
arrives within the settle time after another and matches it reaches the other's decider as a
reverse report, so both decide over the same pair by the same rule: the agency's own item
arriving a few seconds after its reprint is the canonical one, no event.
"""
from __future__ import annotations

import datetime as _dt
import zlib
from collections import OrderedDict
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

import numpy as np

from transforms.dedupe.candidates import content_key
from transforms.dedupe.events import merge_events, origin_change, origin_rank
from transforms.dedupe.exact import order_key
from transforms.dedupe.fingerprint import CONTAINMENT, similarity, sketch
from transforms.dedupe.index import BUCKET_SCAN, MAX_VERIFY, NearDuplicateIndex, unbucket
from transforms.dedupe.rules import (CONTENT_HASH, VERSION, Link, Side, candidate_keys, containments,
                                     exact_rule, label_id, story_facts, verify)
from transforms.records import CANONICAL, DUPLICATE, Story

__all__ = ["DEFAULT_SHARDS", "version_label", "Probe", "Report", "ShardIndex", "crossing_report", "Decision", "decide", "cluster_root",
           "home_shard", "make_probe", "ShardedReplay", "REMEMBERED_FIRST", "UNKNOWN_LABEL",
           "default_horizon"]

DEFAULT_SHARDS = 16
REMEMBERED_FIRST = -1.0        # an earlier run's story ranks before every story of this stream
UNKNOWN_LABEL = "~"            # a node whose order key is not known ranks last among its peers


def home_shard(story_id: str, shards: int) -> int:
    """The shard that holds a story's index entry (stable across workers and restarts)."""
    return zlib.crc32(story_id.encode("utf-8")) % max(1, int(shards))


class Probe(NamedTuple):
    """What every shard needs of an arriving story, computed once before the fan-out."""
    sid: str
    feed: Optional[str]
    first: float                 # fetch time (the stream's "now" for this story)
    label: str                   # exact.order_key: the batch canonical order
    full: np.ndarray             # all its shingles, sorted
    n: int
    keys: tuple
    ckey: Optional[str]
    facts: tuple
    exact_of: Optional[str]      # the first sighting's id, for an exact copy from another feed
    exact_rule: Optional[str]
    feed_agency: Optional[str]
    home: int


def make_probe(story: Story, exact_of: Optional[str], ordered, when: float, shards: int) -> Probe:
    """`exact_of`: the first sighting of an exact copy, or the previous version of a new version
    of an identity (stream.identity_step): its link rule is then VERSION and its label ranks it
    after every other story of its cluster that is not a new version (`version_label`)."""
    full = np.sort(ordered) if ordered is not None else np.zeros(0, dtype=np.uint32)
    rule, label = None, order_key(story)
    if exact_of is not None:
        rule = VERSION if story.previous_story_id == exact_of else exact_rule(story)
        if rule == VERSION:
            label = version_label(label)
    keys = tuple(candidate_keys(ordered)) if ordered is not None else ()
    return Probe(story.story_id, story.feed_url, float(when), label, full, int(full.size), keys,
                 content_key(story), story_facts(story.text), exact_of, rule, story.feed_agency,
                 home_shard(story.story_id, shards))


class Report(NamedTuple):
    """One thing a shard knows about a story (`query`): `match` is linked to it (kind 'match': a
    verified link; 'reverse': a later arrival matched it; 'alias': `match` belongs with `root`,
    unverified, useful only when `match` is linked to the story otherwise)."""
    query: str
    kind: str
    match: str
    match_first: float
    match_label: str
    root: str                    # the root hint of match's cluster on that shard
    root_first: float
    root_label: str
    link: Optional[Link]
    agencies: tuple


MATCH, REVERSE, ALIAS = "match", "reverse", "alias"


VERSION_LEAD = "2"            # the first field of a new version's label (an order key's is '1')


def version_label(label: str) -> str:
    """The label of a new version of an identity: its order key led by VERSION_LEAD, so that
    among the arrivals within the settle time it ranks after the others (batch never has two
    versions of an identity in one run: the earlier one is remembered, and ranks first). Every
    decider sees the label in the reports, so all of them rank it the same way."""
    return VERSION_LEAD + "|" + label.split("|", 1)[1]


def _lead(label: str) -> int:
    """Rank of a label's first field: a remembered root ('0') first, a new version last."""
    return 0 if label.startswith("0|") else 2 if label.startswith(VERSION_LEAD + "|") else 1


def _rest(label: str) -> str:
    """An order key or a frozen root key without its first field (comparable across both)."""
    return label.split("|", 1)[1] if "|" in label else label


def _recent_keys(probe: Probe) -> list:
    """The keys a recent query is found by: its bucket keys and its content key (tagged: a content
    key never meets a bucket key)."""
    return list(probe.keys) + ([("content", probe.ckey)] if probe.ckey is not None else [])


def _entries(probe: Probe) -> int:
    """The index entries of a recent query."""
    return len(probe.keys) + (probe.ckey is not None) + (probe.exact_of is not None)


class ShardIndex(NearDuplicateIndex):
    """One shard of one language: its home stories (NearDuplicateIndex entries; `root` is a hint),
    their order keys, aliases of the stories that matched them, and the queries of the last
    `horizon` seconds (for crossings; indexed by bucket key, content key and exact-copy tie, so
    that an arrival checks only those that can match it). Every change is a log record (`apply` replays them,
    `records` compacts), as the index before it, so it lives in an append-only BagState."""

    def __init__(self):
        super().__init__()
        self.labels: Dict[str, str] = {}            # story or root id -> order key / frozen root key
        self.firsts: Dict[str, float] = {}          # root hint id -> its first-seen time
        self.aliases: Dict[str, list] = {}          # sid -> [seen, target, keys, ckey]
        self.alias_buckets: Dict[object, List[str]] = {}
        self.recent: "OrderedDict[str, Probe]" = OrderedDict()
        # the recent queries by bucket or content key, and by first sighting (exact copies): lists
        # that may still name forgotten queries (skipped on lookup), rebuilt once they are mostly those
        self.recent_keys: Dict[object, List[str]] = {}
        self.recent_exact: Dict[str, List[str]] = {}
        self.recent_seq: Dict[str, int] = {}          # query id -> when it was (last) received
        self._received = 0
        self._indexed = self._stale = 0
        self.meta: Dict[str, tuple] = {}            # remembered stories: (root_key, agency, language …)

    # -- the log
    def apply(self, record: tuple) -> None:
        kind = record[0]
        if kind == "label":
            _, sid, label, first = record
            self.labels[sid] = label
            self.firsts[sid] = first
        elif kind == "meta":                       # seeded state rows (StreamIndex.seed_records)
            sid, root_key = record[1], record[2]
            self.meta[sid] = tuple(record[2:])
            e = self.entries.get(sid)
            root = e[2] if e is not None else label_id(root_key)
            self.labels.setdefault(root, root_key)
            self.firsts.setdefault(root, REMEMBERED_FIRST)
            if e is not None and root != sid:
                self.labels.setdefault(sid, UNKNOWN_LABEL)
        elif kind == "alias":
            _, sid, seen, target, keys, ckey = record
            old = self.aliases.get(sid)
            if old is not None:
                old[0] = max(old[0], seen)
                return
            self.aliases[sid] = [seen, target, tuple(keys), ckey]
            for key in list(keys) + ([ckey] if ckey else []):
                self.alias_buckets.setdefault(key, []).append(sid)
            self.oldest = min(self.oldest, seen)
        elif kind == "recent":
            probe = record[1]
            old = self.recent.pop(probe.sid, None)
            if old is not None:
                self._stale += _entries(old)
            self.recent[probe.sid] = probe
            self._received += 1
            self.recent_seq[probe.sid] = self._received
            self._index_recent(probe)
            self.newest = max(self.newest, probe.first)      # as `receive` (a replay knows its "now")
        elif kind == "hint":
            _, sid, root = record
            e = self.entries.get(sid)
            if e is not None:
                old = e[2]
                for other in self.entries.values():
                    if other[2] == old:
                        other[2] = root
                if old in self.agencies:
                    self.agencies[root] = sorted(set(self.agencies.get(root, ())) | set(self.agencies.pop(old)))
        elif kind == "origin":
            pass
        else:
            super().apply(record)

    def records(self) -> List[tuple]:
        out = super().records()
        out += [("meta", sid) + m for sid, m in self.meta.items() if sid in self.entries]
        out += [("label", sid, label, self.firsts.get(sid, REMEMBERED_FIRST)) for sid, label in self.labels.items()]
        out += [("alias", sid, a[0], a[1], a[2], a[3]) for sid, a in self.aliases.items()]
        out += [("recent", p) for p in self.recent.values()]
        return out

    def record_count(self) -> int:
        """len(self.records()), without building them."""
        return (super().record_count() + sum(1 for sid in self.meta if sid in self.entries) + len(self.labels)
                + len(self.aliases) + len(self.recent))

    def expire(self, before: float, recent_before: Optional[float] = None) -> List[str]:
        gone = super().expire(before)
        old = [sid for sid, a in self.aliases.items() if a[0] < before]
        for sid in old:
            a = self.aliases.pop(sid)
            unbucket(self.alias_buckets, sid, list(a[2]) + ([a[3]] if a[3] else []))
        for sid in gone:
            self.meta.pop(sid, None)
        live = set(self.entries) | {e[2] for e in self.entries.values()} | {a[1] for a in self.aliases.values()}
        for sid in [s for s in self.labels if s not in live]:
            self.labels.pop(sid, None)
            self.firsts.pop(sid, None)
        if self.aliases:
            self.oldest = min([self.oldest] + [a[0] for a in self.aliases.values()])
        self.forget_recent(recent_before if recent_before is not None else before)
        return gone

    def forget_recent(self, before: float) -> None:
        while self.recent and next(iter(self.recent.values())).first < before:
            probe = self.recent.popitem(last=False)[1]
            self.recent_seq.pop(probe.sid, None)
            self._stale += _entries(probe)
        if self._stale > self._indexed - self._stale:     # mostly forgotten: index afresh
            self.recent_keys, self.recent_exact = {}, {}
            self._indexed = self._stale = 0
            for probe in self.recent.values():
                self._index_recent(probe)

    def _index_recent(self, probe: Probe) -> None:
        index, sid = self.recent_keys, probe.sid
        for key in _recent_keys(probe):
            sids = index.get(key)
            if sids is None:
                index[key] = [sid]
            else:
                sids.append(sid)
        if probe.exact_of is not None:
            self.recent_exact.setdefault(probe.exact_of, []).append(sid)
        self._indexed += _entries(probe)

    def recent_candidates(self, probe: Probe) -> List[Probe]:
        """The recent queries that can match `probe`, in the order they were received: those
        sharing one of its bucket keys or its content key, its first sighting and its exact
        copies. Any other query is disjoint from it on every rule `crossing` applies."""
        sids = set(self.recent_exact.get(probe.sid, ()))
        if probe.exact_of is not None:
            sids.add(probe.exact_of)
        for key in _recent_keys(probe):
            sids.update(self.recent_keys.get(key, ()))
        live = [sid for sid in sids if sid in self.recent_seq]
        return [self.recent[sid] for sid in sorted(live, key=self.recent_seq.__getitem__)]

    # -- answering
    def _report(self, query: str, kind: str, sid: str, link: Optional[Link]) -> Report:
        e = self.entries[sid]
        root = e[2]
        agencies = tuple(sorted(set(self.agencies.get(root, ()))))
        return Report(query, kind, sid, e[1], self.labels.get(sid, UNKNOWN_LABEL), root,
                      self.firsts.get(root, e[1] if root == sid else REMEMBERED_FIRST),
                      self.labels.get(root, UNKNOWN_LABEL), link, agencies)

    def answer(self, probe: Probe, oldest: float, threshold: float, settle: float = 0.0) -> List[Report]:
        """The entries (and aliases) of this shard linked to `probe`: one entry of each cluster,
        except that every entry still deciding (first seen within `settle` of `probe`) is
        checked — its decider needs to hear of `probe` whichever shard holds it."""
        me = Side(probe.full, probe.n, probe.feed, probe.facts)
        out: List[Report] = []
        if probe.exact_of is not None:
            head = self._live(probe.exact_of, oldest)
            if head is not None:
                c_ab, c_ba = containments(me, self._side(head)) if probe.n and head[4] else (None, None)
                out.append(self._report(probe.sid, MATCH, probe.exact_of, Link(probe.exact_rule, c_ab, c_ba)))
        else:
            matched, checks = set(), 0
            for sid in self._candidates(list(probe.keys), probe.ckey):
                e = self._live(sid, oldest)
                if e is None or sid == probe.sid or (e[2] in matched and abs(probe.first - e[1]) > settle):
                    continue
                if checks >= MAX_VERIFY:
                    break
                checks += 1
                if probe.ckey is not None and e[6] == probe.ckey:
                    found = Link(CONTENT_HASH, *containments(me, self._side(e)))
                else:
                    found = verify(me, self._side(e), threshold)
                if found is not None:
                    matched.add(e[2])
                    out.append(self._report(probe.sid, MATCH, sid, found))
        seen = set()
        for key in ([probe.ckey] if probe.ckey else []) + list(probe.keys):
            members = self.alias_buckets.get(key) or []      # as entry buckets: at most 2 x BUCKET_SCAN
            scan = members if len(members) <= 2 * BUCKET_SCAN else members[:BUCKET_SCAN] + members[-BUCKET_SCAN:]
            for sid in scan:
                a = self.aliases[sid]
                if sid in seen or sid == probe.sid or a[0] < oldest:
                    continue
                seen.add(sid)
                target = a[1]
                out.append(Report(probe.sid, ALIAS, sid, REMEMBERED_FIRST, UNKNOWN_LABEL, target,
                                  self.firsts.get(target, REMEMBERED_FIRST), self.labels.get(target, UNKNOWN_LABEL),
                                  None, tuple(sorted(set(self.agencies.get(target, ()))))))
        return out

    def receive(self, probe: Probe, is_home: bool, window_s: float, threshold: float, settle: float,
                horizon: float) -> Tuple[List[tuple], List[Report], List[Report]]:
        """A story's query at this shard (and its insert, on its home shard). Returns (log records,
        the answer for the story, reports for other stories' deciders)."""
        oldest = probe.first - window_s
        self.newest = max(self.newest, probe.first)
        answer = self.answer(probe, oldest, threshold, settle)
        records: List[tuple] = []
        others: List[Report] = []
        matches = [r for r in answer if r.kind == MATCH]
        if matches and not is_home:      # an alias of the querying story, at its best match's root
            nodes = _nodes_of(None, matches)
            target = cluster_root(nodes, settle, [r.root for r in matches])[0]
            records.append(("alias", probe.sid, probe.first, target, probe.keys, probe.ckey))
        for r in matches:
            e = self.entries[r.match]
            nodes = _nodes_of(probe, [r])
            if cluster_root(nodes, settle, [probe.sid, e[2]])[0] == probe.sid:
                # a later arrival within the settle time that ranks first: the entry's decider
                # makes it the root (the same rule, over the same pair), so the hint follows
                records.append(("label", probe.sid, probe.label, probe.first))
                records.append(("hint", r.match, probe.sid))
            if abs(probe.first - e[1]) <= settle:     # the entry's story may still be deciding
                link = Link(r.link.rule, r.link.containment_reverse, r.link.containment)
                others.append(Report(r.match, REVERSE, probe.sid, probe.first, probe.label, probe.sid,
                                     probe.first, probe.label, link, (probe.feed_agency,) if probe.feed_agency else ()))
        if probe.feed_agency:
            for r in answer:
                if r.kind == MATCH:
                    records.append(("agencies", r.root, sorted(set(self.agencies.get(r.root, ())) | {probe.feed_agency})))
        if is_home:
            crossed = self.crossing(probe, threshold, horizon)
            answer += crossed
            for r in crossed:       # the earlier query missed this story: tell its decider too
                link = Link(r.link.rule, r.link.containment_reverse, r.link.containment)
                others.append(Report(r.match, REVERSE, probe.sid, probe.first, probe.label, probe.sid,
                                     probe.first, probe.label, link, ()))
            hint, hint_first, hint_label = cluster_root(_nodes_of(probe, [r for r in answer if r.kind == MATCH
                                                                          and r not in crossed]), settle,
                                                        among=None)
            records.append(("label", probe.sid, probe.label, probe.first))
            if hint != probe.sid:
                records.append(("label", hint, hint_label, hint_first))
            records.append(("add", probe.sid, probe.first, probe.first, hint, sketch(probe.full), probe.n,
                            probe.keys, probe.ckey, probe.feed_agency, probe.feed, probe.facts))
        else:
            records.append(("recent", probe))
        for record in records:
            self.apply(record)
        self.forget_recent(probe.first - horizon)
        return records, answer, others

    def crossing(self, probe: Probe, threshold: float, horizon: float) -> List[Report]:
        """Queries this shard answered before it held `probe`'s story that match it (of those
        `recent_candidates` finds: any other shares no key, content key or exact-copy tie)."""
        found = (crossing_report(probe, q, threshold, horizon) for q in self.recent_candidates(probe))
        return [r for r in found if r is not None]


def crossing_report(probe: Probe, q: Probe, threshold: float, horizon: float) -> Optional[Report]:
    """`probe`'s story against a query `q` its home shard answered before holding it: the match
    (exact copy either way, content hash, or a verified near duplicate), or None."""
    if q.sid == probe.sid or probe.first - q.first > horizon:
        return None
    me, other = Side(probe.full, probe.n, probe.feed, probe.facts), Side(q.full, q.n, q.feed, q.facts)
    if probe.exact_of is not None and q.sid == probe.exact_of:
        link = Link(probe.exact_rule, *containments(me, other))
    elif q.exact_of == probe.sid:
        link = Link(q.exact_rule, *containments(me, other))
    elif probe.ckey is not None and q.ckey == probe.ckey:
        link = Link(CONTENT_HASH, *containments(me, other))
    elif set(q.keys).isdisjoint(probe.keys):
        return None
    else:
        link = verify(me, other, threshold)
    if link is None:
        return None
    return Report(probe.sid, MATCH, q.sid, q.first, q.label, q.sid, q.first, q.label, link,
                  (q.feed_agency,) if q.feed_agency else ())


# --------------------------------------------------------------------------- the decision

class _Node(NamedTuple):
    first: float
    label: str


def _nodes_of(probe: Optional[Probe], reports: Iterable[Report]) -> Dict[str, _Node]:
    nodes = {probe.sid: _Node(probe.first, probe.label)} if probe is not None else {}
    for r in reports:
        if r.kind != ALIAS:
            _better(nodes, r.match, r.match_first, r.match_label)
        _better(nodes, r.root, r.root_first, r.root_label)
    return nodes


def _better(nodes: Dict[str, _Node], sid: str, first: float, label: str) -> None:
    old = nodes.get(sid)
    if old is None:
        nodes[sid] = _Node(first, label)
    else:
        nodes[sid] = _Node(min(old.first, first), label if old.label == UNKNOWN_LABEL else old.label)


def cluster_root(nodes: Dict[str, _Node], settle: float, among=None) -> Tuple[str, float, str]:
    """The root of a cluster by the batch order: its earliest arrival — an earlier run's story
    first — and, among the arrivals within `settle` seconds of it, the batch canonical order
    (the agency's own item first, then the earliest published; a new version of an identity after
    the others, `version_label`). Returns (id, first, label)."""
    ids = list(among) if among is not None else list(nodes)
    f0 = min(nodes[s].first for s in ids)
    close = [s for s in ids if nodes[s].first <= f0 + settle]
    best = min(close, key=lambda s: (_lead(nodes[s].label), _rest(nodes[s].label)
                                     if nodes[s].label != UNKNOWN_LABEL else "~", s))
    return best, nodes[best].first, nodes[best].label


class Decision(NamedTuple):
    root: str
    root_label: str
    linked_to: Optional[str]
    link: Optional[Link]
    events: list
    agencies: tuple


def decide(story: Story, probe: Probe, reports: List[Report], settle: float, at: _dt.datetime,
           run_id: str = "") -> Decision:
    """A settled story's decision from what its S answers (and reverse reports) know; sets the
    story's disposition, cluster, duplicate_of, similarity, link evidence and inferred agencies."""
    links = [r for r in reports if r.kind in (MATCH, REVERSE)
             and (r.kind == MATCH or abs(r.match_first - probe.first) <= settle) and r.match != probe.sid]
    nodes = _nodes_of(probe, [r for r in reports if r.match != probe.sid])
    parent: Dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    for r in reports:                        # what the shards know, without this story
        if r.match != probe.sid and r.root != probe.sid:
            union(r.match, r.root)
    neighbours = {r.match for r in links}
    if probe.exact_of is not None and not links:     # the first sighting is not (or no longer) known
        nodes.setdefault(probe.exact_of, _Node(REMEMBERED_FIRST, UNKNOWN_LABEL))
        neighbours = {probe.exact_of}
    clusters: Dict[str, List[str]] = {}
    for sid in nodes:
        if sid != probe.sid:
            clusters.setdefault(find(sid), []).append(sid)
    touched = {find(n) for n in neighbours}
    roots = {c: cluster_root(nodes, settle, clusters[c])[0] for c in touched}
    members = [probe.sid] + [s for c in touched for s in clusters[c]]
    root, _, root_label = cluster_root(nodes, settle, members)
    events = []
    if root == probe.sid:
        story.disposition, story.duplicate_of, story.similarity = CANONICAL, None, None
        story.link_rule = story.linked_to = story.containment = story.containment_reverse = None
        linked_to, link = None, None
        # concurrent neighbours that rank after it decide the same way (they know this story)
        others = [r for r in roots.values() if r != probe.sid and not (r in neighbours and abs(
            nodes[r].first - probe.first) <= settle)]
        if others:
            events += merge_events(root, others, probe.sid, at, run_id)
    else:
        winner = next(c for c in touched if root in clusters[c])
        best = [r for r in links if find(r.match) == winner]
        if not best and probe.exact_of is not None:
            linked_to, link = probe.exact_of, Link(probe.exact_rule, None, None)
        else:
            pick = min(best, key=lambda r: (r.match != root, r.kind != MATCH, r.match))
            linked_to, link = pick.match, pick.link
        story.disposition, story.duplicate_of = DUPLICATE, root
        story.link_rule, story.linked_to = link.rule, linked_to
        story.containment, story.containment_reverse = link.containment, link.containment_reverse
        sim = max(link.containment or 0.0, link.containment_reverse or 0.0) if link.containment is not None else 1.0
        if link.rule == CONTENT_HASH:
            sim = 1.0
        story.similarity = round(float(min(1.0, sim)), 4)
        others = [r for c, r in roots.items() if c != winner]
        if others:
            events += merge_events(root, others, probe.sid, at, run_id)
        known = [nodes[s].label for s in members if s != probe.sid and nodes[s].label != UNKNOWN_LABEL]
        current = min((origin_rank(k) for k in known), default="~")
        change = origin_change(root, current, probe.label, probe.sid, at, run_id)
        if change is not None:
            events.append(change)
    story.cluster_id = root
    agencies = set()
    for r in reports:
        if find(r.match) in touched or find(r.root) in touched:
            agencies |= set(a for a in r.agencies if a)
    if story.feed_agency:
        agencies.add(story.feed_agency)
    inferred = {a for a in agencies if a not in story.agencies}
    story.agencies_inferred = sorted(set(story.agencies_inferred) | inferred)
    story.agency_sourced = bool(story.agencies or story.agencies_inferred)
    return Decision(root, root_label if root != probe.sid else probe.label, linked_to, link, events,
                    tuple(sorted(agencies)))


def similarity_of(probe: Probe, sk: np.ndarray, n: int) -> float:
    return similarity(probe.full, probe.n, sk, n)[0]


# --------------------------------------------------------------------------- the replay

class ShardedReplay:
    """The sharded path's plain-Python pieces in arrival order, without Beam: each arriving story
    goes to its S shards (home first: no crossings when nothing is concurrent), then every story
    whose settle time has passed is decided, as the `Decide` step does on the next arrival or
    tick. What benchmarks.dedupe_eval --mode stream and benchmarks.stream_cost measure."""

    def __init__(self, shards: int = DEFAULT_SHARDS, settle: float = 0.0, window_s: float = 7 * 86400.0,
                 threshold: float = CONTAINMENT, horizon: Optional[float] = None, run_id: str = ""):
        self.shards, self.settle, self.window_s, self.threshold = shards, float(settle), window_s, threshold
        self.horizon = horizon if horizon is not None else default_horizon(settle)
        self.index: Dict[Tuple[str, int], ShardIndex] = {}
        self.pending: "OrderedDict[str, tuple]" = OrderedDict()
        self.reverse: Dict[str, List[Report]] = {}
        self.events: list = []
        self.decided: List[Story] = []
        self.run_id = run_id
        self._slack = max(3600.0, window_s / 20)
        self._due = float("inf")          # the earliest time a pending story is due

    def shard(self, language: str, j: int) -> ShardIndex:
        return self.index.setdefault((language, j), ShardIndex())

    def arrive(self, story: Story, exact_of, ordered, when: float, language: str = "en") -> list:
        """Returns (story, probe, decision) of the stories decided by this arrival (those settled
        by its time)."""
        probe = make_probe(story, exact_of, ordered, when, self.shards)
        order = [probe.home] + [j for j in range(self.shards) if j != probe.home]
        reports: List[Report] = []
        for j in order:
            shard = self.shard(language, j)
            shard.newest = max(shard.newest, when)
            if shard.oldest < shard.newest - self.window_s - self._slack:
                shard.expire(shard.newest - self.window_s, shard.newest - self.horizon)
            _, answer, others = shard.receive(probe, j == probe.home, self.window_s, self.threshold, self.settle,
                                              self.horizon)
            reports += answer
            for r in others:
                self.reverse.setdefault(r.query, []).append(r)
        self.pending[story.story_id] = (story, probe, reports)
        self._due = min(self._due, probe.first + self.settle)
        return self.release(when)

    def release(self, now: float) -> list:
        out = []
        if now < self._due:               # nothing pending is due yet
            return out
        due = [s for s, (_, p, _) in self.pending.items() if p.first + self.settle <= now]
        self._due = min((p.first + self.settle for s, (_, p, _) in self.pending.items() if p.first + self.settle > now),
                        default=float("inf"))
        for sid in due:
            story, probe, reports = self.pending.pop(sid)
            decision = decide(story, probe, reports + self.reverse.pop(sid, []), self.settle,
                              story.fetched_at or _dt.datetime.fromtimestamp(probe.first, _dt.timezone.utc),
                              self.run_id)
            self.events += decision.events
            out.append((story, probe, decision))
        self.decided += [story for story, _, _ in out]
        return out

    def finish(self) -> list:
        return self.release(float("inf"))

    def largest_shard(self) -> int:
        return max((len(s) for s in self.index.values()), default=0)


def default_horizon(settle: float) -> float:
    """How long a shard keeps the queries it answered, for crossings (fetch time)."""
    return max(600.0, 2 * float(settle))
