"""Fingerprints, LSH candidate pairs and their exact verification.

Cost is linear in the number of stories: every story emits a fixed number of bucket keys, and
a bucket larger than ALL_PAIRS_MAX emits a star plus a chain over its sorted members (2n edges)
instead of all n(n-1)/2 pairs, so a huge bucket (boilerplate, a story syndicated hundreds of
times) cannot make the cost quadratic.
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from transforms.coders import register_record
from transforms.dedupe.fingerprint import keeps_repeats, shingle_text_cached, shingles_of_normalised
from transforms.dedupe.rules import (SAME_FEED_CONTAINMENT, Side, candidate_keys, containments, order_key,
                                     story_facts, verify)
from transforms.clean.text import normalize_for_hash
from transforms.records import Story

ALL_PAIRS_MAX = 12
# The same-feed rule lives in rules.verify (SAME_FEED_CONTAINMENT is re-exported for callers).
__all__ = ["Fingerprint", "fingerprint_feed", "content_key", "CandidatePairs", "VerifyPairs",
           "bucket_pairs", "SAME_FEED_CONTAINMENT"]
MIN_WORDS_FOR_CONTENT_KEY = 12   # shorter texts (generic one-liners) never match by content hash


@dataclass
class Fingerprint:
    """A node of the duplicate graph: a story of this run, or one remembered from earlier runs."""
    story_id: str
    label: str                  # order key; for remembered stories the root key of their cluster
    shingles: np.ndarray        # sorted uint32 (whole set this run; bottom-k sketch from state)
    n_shingles: int
    keys: List[int]
    content_key: Optional[str]
    feed_agency: Optional[str]
    old: bool = False
    feed: Optional[str] = None  # the feed of a story of this run (None for remembered ones)
    facts: Optional[tuple] = None   # rules.story_facts of its text (None for remembered ones)

    def side(self) -> Side:
        """What rules.verify needs of this story."""
        return Side(self.shingles, self.n_shingles, self.feed, self.facts)

    def __reduce__(self):
        # Beam pickles each Fingerprint at every shuffle it crosses (about ten times: it feeds
        # the buckets, the verification joins, the labels and the final join). The shingle set
        # travels as raw bytes: a numpy array pickles and unpickles several times slower.
        sh = self.shingles
        packed = (isinstance(sh, np.ndarray) and sh.dtype == np.uint32 and sh.ndim == 1)
        return _fingerprint_from, (self.story_id, self.label, sh.tobytes() if packed else sh, packed,
                                   self.n_shingles, self.keys, self.content_key, self.feed_agency, self.old,
                                   self.feed, self.facts)


def _fingerprint_from(story_id, label, shingles, packed, n_shingles, keys, content_key, feed_agency, old,
                      feed=None, facts=None):
    if packed:
        shingles = np.frombuffer(shingles, dtype=np.uint32).copy()
    return Fingerprint(story_id, label, shingles, n_shingles, keys, content_key, feed_agency, old, feed,
                       facts)


register_record(Fingerprint)


def content_key(story) -> Optional[str]:
    if story.word_count >= MIN_WORDS_FOR_CONTENT_KEY and story.content_hash:
        return "h:" + story.content_hash
    return None


def fingerprint_feed(stories: List) -> Iterable[Fingerprint]:
    """Fingerprints of one feed's stories, without the paragraphs the feed repeats (boilerplate).

    The same as `shingles(without_paragraphs(s.text, boilerplate_paragraphs(texts)))` per story,
    with each distinct paragraph normalised once (boilerplate detection, paragraph removal and
    the shingled text all need the normalised paragraphs).
    """
    norms: dict = {}                      # paragraph -> normalize_for_hash(paragraph)

    def norm_of(para: str) -> str:
        n = norms.get(para)
        if n is None:
            n = norms[para] = normalize_for_hash(para)
        return n

    paragraphs = [(s.text or "").split("\n\n") for s in stories]
    drop = set()
    if len(stories) > 1:                  # boilerplate_paragraphs(texts), sharing the norms
        counts: dict = {}
        distinct = {s.text or "": paras for s, paras in zip(stories, paragraphs)}   # a copy counts once
        for paras in distinct.values():
            for para in {norm_of(p) for p in paras}:
                if para:
                    counts[para] = counts.get(para, 0) + 1
        drop = {p for p, n in counts.items() if n >= 2}
    for s, paras in zip(stories, paragraphs):
        text = s.text
        if drop:                          # without_paragraphs(s.text, drop)
            repeated = [norm_of(p) in drop for p in paras]
            if any(repeated) and not keeps_repeats(paras, repeated):
                text = "\n\n".join(p for p, r in zip(paras, repeated) if not r)
        ordered = shingles_of_normalised(shingle_text_cached(text, norms))
        yield Fingerprint(story_id=s.story_id, label=order_key(s), shingles=np.sort(ordered),
                          n_shingles=int(ordered.size), keys=candidate_keys(ordered),
                          content_key=content_key(s), feed_agency=s.feed_agency, feed=s.feed_url,
                          facts=story_facts(s.text))


def fingerprint_input(s):
    """A Story with only what fingerprint_feed reads (the text, what order_key and content_key
    read, the feed and its agency): what GroupByFeed shuffles, not the whole story."""
    return Story(story_id=s.story_id, feed_url=s.feed_url, text=s.text, published=s.published,
                 feed_agency=s.feed_agency, entry_index=s.entry_index, word_count=s.word_count,
                 content_hash=s.content_hash)


def bucket_pairs(members: List[Tuple[str, str]], exact: bool) -> Iterable[tuple]:
    """Candidate pairs of one bucket; members are (story_id, label). Exact buckets (same
    content hash) give verified edges directly."""
    members = sorted(set(members), key=lambda m: (m[1], m[0]))
    ids = [m[0] for m in members]
    if len(ids) <= ALL_PAIRS_MAX and not exact:
        pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    else:
        pairs = [(ids[0], b) for b in ids[1:]] + [(a, b) for a, b in zip(ids[1:], ids[2:])]
    for a, b in pairs:
        yield (min(a, b), max(a, b), 1.0) if exact else (min(a, b), max(a, b))


# Candidate pairs remembered per bundle to skip repeats (the set is emptied when full; a repeat
# it forgot is removed by DistinctPairs). A pair holds its two ids: ~290 bytes, so <= ~29 MB
# (1,000,000 was ~290 MB: on the local runner a bundle is a whole stage's share of the run).
EMITTED_MAX = 100_000
BUCKET_SHARDS = 256          # the bucket keys are grouped in at least this many shards (by key hash)
FINGERPRINTS_PER_SHARD = 13_000   # ... and in more when a run brings more fingerprints (bucket_shards)


class _Buckets(beam.DoFn):
    """Shard of bucket keys -> candidate pairs (main), exact edges ('edges') and the members of
    large buckets ('large': (story_id, bucket id), ordered by label downstream).

    A story has 54 LSH keys (and a content key), and nearly every bucket holds one story:
    shuffling one element per (key, story) was a million elements for 20,000 stories, the
    most expensive shuffle of the run. Each story instead sends one element per shard it has
    keys in, with its keys of that shard, and the buckets of a shard are formed here in memory
    by sorting the shard's keys. A shard is a hash of the key, so no shard key holds more than
    about 1 / BUCKET_SHARDS of the elements however large the run (with 8 shards, each held
    1/8 of all stories' keys: one worker's share on any runner); with 256 shards a story's 55
    keys fall in about 50 shards (256 * (1 - e^(-55/256))).

    An element names its story by id only: the label (an order key of ~100 bytes) is needed
    only to order a bucket's members, which matters for an exact bucket (its content key and
    label ride on the one element of the shard holding the content key) and for an LSH bucket
    of more than ALL_PAIRS_MAX stories (star and chain over the label order): such a bucket is
    sent on as (story_id, bucket id) per member, joined with the labels by story id and its
    pairs formed by bucket_pairs (CandidatePairs.expand). A smaller LSH bucket gives all its
    pairs, which need no order.

    Two copies of a story share most of their buckets, so each bucket would emit the same pair
    again (about 20 times per distinct pair on reprints), and from several shards; a pair
    (or a large bucket) already emitted in this bundle is skipped: the pairs are made distinct
    downstream anyway.
    """

    def __init__(self):
        self._big = Metrics.counter("dedupe", "large_buckets")
        self._emitted = set()

    def start_bundle(self):
        self._emitted = set()

    def process(self, element):
        _, items = element
        ids, keys, owners, exact = [], [], [], {}
        for compact, band_keys, content in items:
            owner = len(ids)
            story_id = full_id(compact)
            ids.append(story_id)
            if type(band_keys) is int:          # one key in this shard (most elements)
                keys.append(band_keys)
                owners.append(owner)
            else:
                keys.extend(band_keys)
                owners.extend([owner] * len(band_keys))
            if content:                     # (content key, label)
                exact.setdefault(content[0], []).append((story_id, content[1]))
        for members in exact.values():
            if len(members) >= 2:
                if len(members) > ALL_PAIRS_MAX:
                    self._big.inc()
                for pair in bucket_pairs(members, True):
                    yield beam.pvalue.TaggedOutput("edges", pair)
        if not keys:
            return
        # Buckets with two or more members, found by sorting the keys (a stable sort keeps
        # every bucket's members in item order).
        keys = np.array(keys, dtype=np.uint64)
        owners = np.array(owners, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        ends = np.append(starts[1:], keys.size)
        multi = (ends - starts) >= 2
        groups = set()
        for a, b in zip(starts[multi].tolist(), ends[multi].tolist()):
            group = tuple(owners[a:b].tolist())
            # Copies share many buckets with the same members: form a group's pairs once.
            if group in groups:
                continue
            groups.add(group)
            if len(group) > ALL_PAIRS_MAX:
                self._big.inc()
            members = sorted({ids[i] for i in group})
            if len(members) > ALL_PAIRS_MAX:      # ordered by label: bucket_pairs downstream
                bucket = large_bucket_id(members)
                if self._first_time(bucket):
                    for story_id in members:
                        yield beam.pvalue.TaggedOutput("large", (story_id, bucket))
                continue
            for pair in bucket_pairs([(x, "") for x in members], False):   # a small bucket: all pairs, no order
                if self._first_time(pair):
                    yield pair

    def _first_time(self, item) -> bool:
        """Whether a pair or a large bucket is new in this bundle (remembered in a set of at
        most EMITTED_MAX, emptied when full)."""
        emitted = self._emitted
        if item in emitted:
            return False
        if len(emitted) >= EMITTED_MAX:
            emitted.clear()
        emitted.add(item)
        return True


def large_bucket_id(members: List[str]) -> bytes:
    """The id of a large LSH bucket: a 128-bit digest of its sorted member ids (the same members
    in another shard or bundle are the same bucket, and give the same pairs)."""
    return hashlib.blake2b("\x1f".join(members).encode("utf-8"), digest_size=16).digest()


def bucket_shards(fingerprints: int) -> int:
    """Shards of the bucket keys for a run of this many fingerprints (its new stories and the
    remembered window's rows, counted first): BUCKET_SHARDS, or more so that a shard holds the
    keys of about FINGERPRINTS_PER_SHARD fingerprints at most (~150 keys each: ~2 million
    (key, story) entries, a few hundred MB decoded on the worker that forms its buckets).
    A bucket is all in one shard whatever the count (a shard is a hash of the key), so the
    pairs do not depend on it."""
    return max(BUCKET_SHARDS, -(-int(fingerprints) // FINGERPRINTS_PER_SHARD))


def _shard_of(key, shards: int = BUCKET_SHARDS) -> int:
    if isinstance(key, str):                     # a content key: "h:" + hex digest
        return zlib.crc32(key.encode("utf-8")) % shards
    return (key & 0xFFFFFFFF) % shards           # the band's CRC (the high bits name the band)


def _bucket_keys(fp: Fingerprint, shards: int = BUCKET_SHARDS):
    """(shard, (story_id (compact_id), LSH keys in that shard (one key: the int itself),
    (content key, label) if the content key is in that shard else None)) for each shard the
    story has keys in."""
    by_shard: dict = {}
    for key in fp.keys:
        by_shard.setdefault(_shard_of(key, shards), []).append(key)
    content = _shard_of(fp.content_key, shards) if fp.content_key else None
    if content is not None:
        by_shard.setdefault(content, [])
    sid = compact_id(fp.story_id)
    for shard, keys in by_shard.items():
        yield shard, (sid, keys[0] if len(keys) == 1 else keys,
                      (fp.content_key, fp.label) if shard == content else None)


def compact_id(story_id: str):
    """A story id as it rides the bucket shards: a 20-hex-digit id (clean.stories.stable_id) as
    its 10 bytes, any other id as it is (full_id gives it back)."""
    if len(story_id) == 20:
        try:
            packed = bytes.fromhex(story_id)
        except ValueError:
            return story_id
        if packed.hex() == story_id:
            return packed
    return story_id


def full_id(compact) -> str:
    return compact.hex() if isinstance(compact, bytes) else compact


def pack_keys(keys):
    """Bucket keys (ints under 2**48: a salt, a band and a 32-bit value) as 6 little-endian bytes
    each, for the joins that only carry them to the state row (unpack_keys gives the list
    back); any other keys stay a list."""
    try:
        a = np.asarray(keys, dtype="<u8")
    except (OverflowError, TypeError, ValueError):
        return list(keys)
    if a.ndim != 1 or (a.size and int(a.max()) >= 1 << 48):
        return list(keys)
    return a.view(np.uint8).reshape(-1, 8)[:, :6].tobytes()


def unpack_keys(packed) -> list:
    if not isinstance(packed, bytes):
        return list(packed)
    six = np.frombuffer(packed, dtype=np.uint8).reshape(-1, 6)
    eight = np.zeros((six.shape[0], 8), dtype=np.uint8)
    eight[:, :6] = six
    return eight.view("<u8").ravel().tolist()


def lost_in_transit(story_id: str, step: str, what: str) -> str:
    """The message of a step that finds a record without what an earlier step made for every
    record: elements were lost between steps (by the runner), and the run must fail rather than
    commit decisions and state without them."""
    return (f"story {story_id} reached {step} without its {what}: the runner lost elements between "
            "steps; nothing is committed")


def _labelled(kv):
    """(story_id, {'bucket': [large bucket ids], 'label': [label]}) -> (bucket id, (story_id, label))."""
    story_id, grouped = kv
    labels = list(grouped["label"])
    if not labels:                       # every member has a fingerprint: the runner lost it
        raise RuntimeError(lost_in_transit(story_id, "Dedupe/CandidatePairs/JoinLargeBuckets", "label"))
    for bucket in set(grouped["bucket"]):
        yield bucket, (story_id, labels[0])


class CandidatePairs(beam.PTransform):
    """Fingerprint -> {'pairs': (a, b) to verify, 'edges': (a, b, 1.0) exact content matches}."""

    bucket_keys = staticmethod(_bucket_keys)    # Fingerprint -> (group key, members' keys)
    buckets = _Buckets                          # (group key, [...]) -> pairs and exact edges

    def expand(self, fps):
        shards = (fps | "CountFingerprints" >> beam.combiners.Count.Globally()
                  | "Shards" >> beam.Map(bucket_shards))
        out = (fps
               | "BucketKeys" >> beam.FlatMap(self.bucket_keys, shards=beam.pvalue.AsSingleton(shards))
               | "GroupByShard" >> beam.GroupByKey()
               | "Pairs" >> beam.ParDo(self.buckets()).with_outputs("edges", "large", main="pairs"))
        large = ({"bucket": out.large, "label": fps | "LabelById" >> beam.Map(lambda f: (f.story_id, f.label))}
                 | "JoinLargeBuckets" >> beam.CoGroupByKey()
                 | "Labelled" >> beam.FlatMap(_labelled)
                 | "GroupLargeBuckets" >> beam.GroupByKey()
                 | "LargePairs" >> beam.FlatMapTuple(lambda _, members: bucket_pairs(list(members), False)))
        pairs = (out.pairs, large) | "AllPairs" >> beam.Flatten()
        return {"pairs": pairs | "DistinctPairs" >> beam.Distinct(), "edges": out.edges}


class _Verify(beam.DoFn):
    """(b, {'left': [(a, set_a or None, rule or None)], 'set': [set_b]}) -> verified edges
    (a, b, rule, containment a in b, containment b in a, label_a, label_b).

    A pair is (a, b) from the LSH buckets, verified by rules.verify; or (a, b, rule) for an exact
    edge (same story id, same content hash), already linked: its containment is measured for
    the evidence (None when a side has no fingerprint: a story already in the state)."""

    def __init__(self, threshold: float):
        self._threshold = threshold
        self._checked = Metrics.counter("dedupe", "candidates_verified")
        self._accepted = Metrics.counter("dedupe", "candidates_accepted")

    def process(self, element):
        b, grouped = element
        sets = list(grouped["set"])
        side_b = set_side(sets[0]) if sets else None
        label_b = sets[0][4] if sets else ""
        for a, set_a, forced in grouped["left"]:
            side_a = set_side(set_a) if set_a is not None else None
            label_a = set_a[4] if set_a is not None else ""
            if forced is not None:
                if side_a is not None and side_b is not None:
                    c_ab, c_ba = containments(side_a, side_b)
                else:
                    c_ab = c_ba = None
                yield (a, b, forced, c_ab, c_ba, label_a, label_b)
                continue
            if side_a is None or side_b is None:
                continue
            self._checked.inc()
            link = verify(side_a, side_b, self._threshold)
            if link is not None:
                self._accepted.inc()
                yield (a, b, link.rule, link.containment, link.containment_reverse, label_a, label_b)


def set_side(packed_set) -> Side:
    shingles, n, feed, facts, _ = packed_set
    return Side(_unpack(shingles), n, feed, _unpack_facts(facts))


def verify_set(f: Fingerprint) -> tuple:
    """What the verification joins carry of a fingerprint: what rules.verify reads (the shingle
    set and facts as raw uint32 bytes; the feed as a 64-bit digest, as rules.verify only asks
    whether two feeds are the same) and the label (the edges' evidence)."""
    feed = f.feed
    if feed is not None:
        feed = hashlib.blake2b(feed.encode("utf-8"), digest_size=8).digest()
    return (_pack(f.shingles), f.n_shingles, feed, _pack_facts(f.facts), f.label)


def _pack_facts(facts):
    """story_facts (sorted CRC32s) as raw uint32 bytes: 4 bytes a fact instead of ~6."""
    return None if facts is None else np.asarray(facts, dtype=np.uint32).tobytes()


def _unpack_facts(packed):
    return None if packed is None else tuple(np.frombuffer(packed, dtype=np.uint32).tolist())


def _attach_a(kv):
    """(a, {'pairs': [(b,) or (b, rule)], 'set': [set_a]}) -> (b, (a, set_a, rule or None))."""
    a, grouped = kv
    sets = list(grouped["set"])[:1]
    for rest in grouped["pairs"]:
        forced = rest[1] if len(rest) > 1 else None
        if sets:
            yield rest[0], (a, sets[0], forced)
        elif forced is not None:            # an exact edge keeps its evidence without a set
            yield rest[0], (a, None, forced)


def _pack(shingles):
    """A uint32 shingle array as raw bytes for the joins (pickling an array costs more)."""
    if isinstance(shingles, np.ndarray) and shingles.dtype == np.uint32 and shingles.ndim == 1:
        return shingles.tobytes()
    return shingles


def _unpack(packed):
    return np.frombuffer(packed, dtype=np.uint32) if isinstance(packed, bytes) else packed


class VerifyPairs(beam.PTransform):
    """(a, b) candidate pairs and (a, b, rule) exact edges + fingerprints -> verified edges
    (a, b, rule, containment a in b, containment b in a, label_a, label_b) (see _Verify)."""

    def __init__(self, fps, threshold: float):
        super().__init__()
        self._fps = fps
        self._threshold = threshold

    def expand(self, pairs):
        sets = self._fps | "SetById" >> beam.Map(lambda f: (f.story_id, verify_set(f)))
        left = ({"pairs": pairs | "KeyByA" >> beam.Map(lambda p: (p[0], p[1:])), "set": sets}
                | "JoinA" >> beam.CoGroupByKey()
                | "AttachA" >> beam.FlatMap(_attach_a))
        return ({"left": left, "set": sets}
                | "JoinB" >> beam.CoGroupByKey()
                | "Verify" >> beam.ParDo(_Verify(self._threshold)))
