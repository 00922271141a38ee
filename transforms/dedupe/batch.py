"""Dedupe: exact copies and near-duplicate reprints, within a run and across runs.

    stories ─ExactIdentity─► unique ids + exact edges
            ─SplitSeen (join with the state)─► already seen │ new stories │ remembered rows kept
    new stories ─Fingerprint (per feed: boilerplate out)─► fingerprints ◄─ remembered fingerprints
            ─CandidatePairs (LSH and size-partitioned buckets, content hash)─►
            ─VerifyPairs (rules.verify; exact edges measured for their evidence)─► edges
            ─ConnectedComponents─► (node, smallest label) ─Resolve─► dispositions, similarity,
                                                     evidence, inferred agencies, state rows
Evidence: every edge (exact: url / guid / title_date from ExactIdentity, content_hash from the
content buckets; verified: near_duplicate / same_feed_update) carries its rule and containment
both ways; each duplicate reports the edge to its neighbour with the smallest label (the
earliest in the canonical order), as link_rule, linked_to, containment, containment_reverse.
The smallest label of a component is its canonical story: a story remembered from an earlier
run first, then an agency's own item, then the earliest published (see exact.order_key).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import NamedTuple, Optional

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from transforms.coders import register_record
from transforms.dedupe.candidates import (CandidatePairs, VerifyPairs, fingerprint_feed, fingerprint_input,
                                          lost_in_transit, pack_keys, unpack_keys)
from transforms.dedupe.components import ConnectedComponents
from transforms.dedupe.events import merge_events, origin_event
from transforms.dedupe.exact import ExactIdentity, label_id, order_key
from transforms.dedupe.rules import CONTENT_HASH, RULES
from transforms.dedupe.state import compact_row, in_window, newest_row, row_fingerprint, state_row
from transforms.dedupe.versions import (VERSION_RULE, VersionInfo, identity_version, info_of_row, info_of_story,
                                        resolve_cluster, state_columns)
from transforms.dedupe.fingerprint import CONTAINMENT, similarity
from transforms.records import ALREADY_SEEN, CANONICAL, DUPLICATE, ClusterEvent, Story
from transforms.tagged import TypedParDo

__all__ = ["Dedupe"]


class _SplitSeen(beam.DoFn):
    """Per story id (an identity's id, with the rows of its versions that have ids of their own): a
    story whose content matches a remembered version is 'already seen' (that row is refreshed);
    other content is a new version (versions.identity_version: new id, version, previous
    version; an edge to the previous version on 'version_edges'); a remembered row nobody saw
    is kept until it leaves the window."""

    def __init__(self, as_of: _dt.datetime, window_days: float):
        self._as_of = as_of
        self._window_days = window_days
        self._expired = Metrics.counter("dedupe", "state_rows_expired")
        self._versions = Metrics.counter("dedupe", "new_versions")

    def process(self, element):
        _, grouped = element
        stories, by_id = list(grouped["story"]), {}
        for r in grouped["row"]:             # a generation's row and a stream's deltas, per version
            by_id.setdefault(r["story_id"], []).append(r)
        rows = {}
        for sid, found in by_id.items():
            row = dict(newest_row(found))
            if in_window(row, self._as_of, self._window_days):
                rows[sid] = row
            else:
                self._expired.inc()      # left the window: forgotten
        known = [info_of_row(r) for r in rows.values()]
        for s in stories:
            head = s.story_id
            matched = identity_version(s, known)
            if matched is None:
                if s.previous_story_id is not None:      # a new version of a remembered item
                    self._versions.inc()
                    yield beam.pvalue.TaggedOutput("version_edges", (s.story_id, s.previous_story_id, 1.0,
                                                                     VERSION_RULE))
                    known.append(info_of_story(s))
                yield s
                continue
            row = rows.get(matched.story_id) or rows.get(head)
            if row is not None:
                row["seen_at"] = self._as_of
            s.story_id = matched.story_id
            s.disposition = ALREADY_SEEN
            yield beam.pvalue.TaggedOutput("seen", s)
        for row in rows.values():
            yield beam.pvalue.TaggedOutput("rows", row)


class Member(NamedTuple):
    """A new story of a component, keyed by the component's root id."""
    root: str
    value: tuple                 # (story, shingles, n_shingles, its state row or None)


class KnownVersion(NamedTuple):
    """A remembered member's version information (versions.VersionInfo), keyed by its
    component's root id."""
    root: str
    info: VersionInfo


class AgencyOf(NamedTuple):
    root: str
    agency: str


class RootSet(NamedTuple):
    story_id: str
    value: tuple                 # (shingles, n_shingles)


class Remembered(NamedTuple):
    """A component holding a story remembered from an earlier run: (its cluster id as
    remembered, the component's label), keyed by the component's root id."""
    root: str
    value: tuple                 # (remembered cluster id, component label)


for _record in (Member, AgencyOf, RootSet, Remembered, KnownVersion, VersionInfo):
    register_record(_record)   # VersionInfo: versions.py is plain Python, registered where Beam carries it


class _ByRoot(beam.DoFn):
    """(id, {'story', 'fp', 'label'}) -> members by root, state rows, agencies by root.
    Each output has its own record type, so TypedParDo keeps them apart on every runner."""

    def __init__(self, as_of):
        self._as_of = as_of

    def process(self, kv_story_fp_label):
        story_id, g = kv_story_fp_label
        labels, fps, stories = list(g["label"]), list(g["fp"]), list(g["story"])
        link = choose_evidence(g.get("evidence", ()))
        for story in stories:
            story.link_rule, story.linked_to, story.containment, story.containment_reverse = link
        if not labels or not fps:
            if stories:   # every story has both: the runner lost one in transit (pipeline/dataplane.py)
                raise RuntimeError(lost_in_transit(story_id, "Dedupe/JoinLabels", "fingerprint" if not fps else "label"))
            return
        label, fp = labels[0], fps[0]
        root = label_id(label)
        if fp.feed_agency:
            yield beam.pvalue.TaggedOutput("agencies", AgencyOf(root, fp.feed_agency))
        if fp.old or root != fp.story_id or not stories:
            # A new story that is its own component's root is a member of that component:
            # _Resolve takes the root's set from its Member instead (most stories are unique).
            yield beam.pvalue.TaggedOutput("root_sets", RootSet(fp.story_id, (fp.shingles, fp.n_shingles)))
        if fp.old:
            yield beam.pvalue.TaggedOutput("remembered", Remembered(root, (label_id(fp.label), label)))
            for info in g.get("versions", ()):
                yield beam.pvalue.TaggedOutput("versions", KnownVersion(root, info))
            return
        language = stories[0].language if stories else None
        row = compact_row(state_row(dataclasses.replace(fp, keys=unpack_keys(fp.keys)), label, self._as_of,
                                    language))    # provenance columns: transforms/provenance
        if not stories:
            yield beam.pvalue.TaggedOutput("rows", row)
            return
        for i, story in enumerate(stories):      # the row goes with its story: _Resolve completes it
            yield Member(root, (story, fp.shingles, fp.n_shingles, row if i == 0 else None))


def slim_fingerprint(fp):
    """A fingerprint as JoinLabels needs it (_ByRoot, state_row): without what only rules.verify
    reads (the feed and the facts); a remembered one without its keys and content key (its
    state row is kept as it is), a new one with its keys packed (candidates.pack_keys)."""
    if fp.old:
        return dataclasses.replace(fp, keys=[], content_key=None, feed=None, facts=None)
    return dataclasses.replace(fp, keys=pack_keys(fp.keys), feed=None, facts=None)


def evidence_both_ways(edge):
    """A verified edge (a, b, rule, c_ab, c_ba, label_a, label_b) -> the evidence of each end:
    (node, (neighbour label, neighbour, rule, node's containment in it, its in node))."""
    a, b, rule, c_ab, c_ba, label_a, label_b = edge
    yield a, (label_b, b, rule, c_ab, c_ba)
    yield b, (label_a, a, rule, c_ba, c_ab)


def choose_evidence(items) -> tuple:
    """(link_rule, linked_to, containment, containment_reverse) of a node from its edges' evidence:
    the edge to the neighbour with the smallest label (the earliest member; a neighbour without a
    fingerprint, remembered in the state, counts as earliest), measured evidence first, then the
    rule in rules.RULES order (an exact identity before a content hash before a verified link)."""
    best = None
    for label, other, rule, c, c_rev in items:
        key = (label or "", c is None, RULES.index(rule) if rule in RULES else len(RULES), other)
        if best is None or key < best[0]:
            best = (key, (rule, other, c, c_rev))
    return best[1] if best is not None else (None, None, None, None)


class _Resolve(beam.DoFn):
    """(root, {'members', 'root', 'agencies', 'remembered', 'versions'}) -> the component's
    stories with their versions and state rows (on 'rows', with the version columns), and
    their dispositions, and its cluster events (events.py) on the 'events' output."""

    def __init__(self, as_of, run_id: str = ""):
        self._as_of, self._run_id = as_of, run_id

    def process(self, element):
        root, g = element
        members = list(g["members"])
        infos = {}
        yield from _resolve(root, g, members, infos)
        for story, _, _, row in members:
            if row is not None:
                info = infos.get(story.story_id)
                row = compact_row(row)
                row.update(state_columns(story, info.sentences if info is not None else None))
                yield beam.pvalue.TaggedOutput("rows", row)
        for event in component_events(root, members, list(g["remembered"]), self._as_of, self._run_id):
            yield beam.pvalue.TaggedOutput("events", event)


def component_events(root: str, members, remembered, at, run_id: str = "") -> list:
    """Cluster events of a component that holds stories remembered from earlier runs: the
    remembered clusters it merged (all but the root's), and an origin change when its best new
    member ranks before the remembered canonical story (events.origin_event, as a stream
    decides on arrival)."""
    if not remembered or not members:
        return []
    new = sorted(((order_key(story), story.story_id) for story, *_ in members))
    component_label = remembered[0][1]
    events = merge_events(root, (cluster for cluster, _ in remembered), new[0][1], at, run_id)
    best_label, best_id = new[0]
    change = origin_event(root, component_label, best_label, best_id, at, run_id)
    return events + ([change] if change is not None else [])


def _resolve(root, g, members, infos: Optional[dict] = None):
    roots = list(g["root"]) or [(shingles, n) for story, shingles, n, _ in members
                                if story.story_id == root and shingles is not None][:1]
    agencies = sorted(set(g["agencies"]))
    found = resolve_cluster([story for story, *_ in members], list(g.get("versions", ())))
    if infos is not None:
        infos.update(found)
    for story, shingles, n, _ in members:
        if story.story_id == root:
            story.disposition, story.duplicate_of, story.similarity = CANONICAL, None, None
            story.link_rule = story.linked_to = story.containment = story.containment_reverse = None
        else:
            story.disposition, story.duplicate_of = DUPLICATE, root
            if roots and shingles is not None:
                containment, _ = similarity(shingles, n, roots[0][0], roots[0][1])
                story.similarity = round(float(containment), 4)
            else:
                story.similarity = None
        story.cluster_id = root
        inferred = [a for a in agencies if a not in story.agencies and a not in story.agencies_inferred]
        story.agencies_inferred = sorted(set(story.agencies_inferred) | set(inferred))
        story.agency_sourced = bool(story.agencies or story.agencies_inferred)
        yield story


class Dedupe(beam.PTransform):
    """Story -> {'stories': every story with its disposition, 'state_rows': the next state,
    'events': cluster events (events.py) of components that hold remembered stories}.

    `state_rows` is the PCollection of remembered rows (ReadState), or None for no memory.
    """

    def __init__(self, state_rows=None, as_of: Optional[_dt.datetime] = None, window_days: float = 7,
                 threshold: float = CONTAINMENT, run_id: str = ""):
        super().__init__()
        self._run_id = run_id
        self._state_rows = state_rows
        self._as_of = as_of or _dt.datetime.now(_dt.timezone.utc)
        self._window_days = window_days
        self._threshold = threshold

    def expand(self, stories):
        exact = stories | "ExactIdentity" >> ExactIdentity()
        old_rows = self._state_rows
        if old_rows is None:
            old_rows = stories.pipeline | "NoState" >> beam.Create([])
        split = ({"story": exact["stories"] | "StoryById" >> beam.Map(lambda s: (s.story_id, s)),
                  "row": old_rows | "RowByIdentity" >> beam.Map(lambda r: (r.get("identity_id") or r["story_id"], r))}
                 | "JoinState" >> beam.CoGroupByKey()
                 | "SplitSeen" >> TypedParDo(_SplitSeen(self._as_of, self._window_days),
                                             {"new": Story, "seen": Story, "rows": dict, "version_edges": tuple}))
        exact_edges = (exact["edges"], split["version_edges"]) | "ExactAndVersionEdges" >> beam.Flatten()
        new, seen = split["new"], split["seen"]
        fps = ((new | "KeyByFeed" >> beam.Map(lambda s: (s.feed_url, fingerprint_input(s)))
                | "GroupByFeed" >> beam.GroupByKey()
                | "Fingerprint" >> beam.FlatMapTuple(lambda _, group: fingerprint_feed(list(group))),
                split["rows"] | "Remembered" >> beam.Map(row_fingerprint))
               | "AllFingerprints" >> beam.Flatten())
        candidates = fps | "CandidatePairs" >> CandidatePairs()
        known = ((exact_edges | "ExactRule" >> beam.Map(lambda e: (e[0], e[1], e[3])),
                  candidates["edges"] | "ContentRule" >> beam.Map(lambda e: (e[0], e[1], CONTENT_HASH)))
                 | "KnownEdges" >> beam.Flatten())
        verified = ((candidates["pairs"], known) | "ToVerify" >> beam.Flatten()
                    | "VerifyPairs" >> VerifyPairs(fps, self._threshold))
        evidence = verified | "EvidenceBothWays" >> beam.FlatMap(evidence_both_ways)
        edges = (exact_edges, candidates["edges"], verified) | "Edges" >> beam.Flatten()
        labels = ({"edges": edges, "labels": fps | "InitialLabels" >> beam.Map(lambda f: (f.story_id, f.label))}
                  | "ConnectedComponents" >> ConnectedComponents())
        joined = ({"story": new | "NewById" >> beam.Map(lambda s: (s.story_id, s)),
                   "fp": fps | "FpById" >> beam.Map(lambda f: (f.story_id, slim_fingerprint(f))),
                   "label": labels, "evidence": evidence,
                   "versions": split["rows"] | "RememberedVersions" >> beam.Map(
                       lambda r: (r["story_id"], info_of_row(r)))}
                  | "JoinLabels" >> beam.CoGroupByKey()
                  | "ByRoot" >> TypedParDo(_ByRoot(self._as_of), {"members": Member, "agencies": AgencyOf,
                                                                 "root_sets": RootSet, "rows": dict,
                                                                 "remembered": Remembered,
                                                                 "versions": KnownVersion}))
        resolved = ({"members": joined["members"] | "MemberKV" >> beam.Map(tuple),
                     "root": joined["root_sets"] | "RootKV" >> beam.Map(tuple),
                     "agencies": joined["agencies"] | "AgencyKV" >> beam.Map(tuple),
                     "remembered": joined["remembered"] | "RememberedKV" >> beam.Map(tuple),
                     "versions": joined["versions"] | "VersionsKV" >> beam.Map(tuple)}
                    | "JoinRoots" >> beam.CoGroupByKey()
                    | "Resolve" >> TypedParDo(_Resolve(self._as_of, self._run_id),
                                              {"stories": Story, "events": ClusterEvent, "rows": dict}))
        return {
            "stories": (resolved["stories"], seen) | "AllStories" >> beam.Flatten(),
            "state_rows": (joined["rows"], resolved["rows"], split["rows"]) | "StateRows" >> beam.Flatten(),
            "events": resolved["events"],
        }
