"""The near-duplicate decision core, shared by the batch Dedupe and the streaming index.

Plain Python and numpy, no Beam: both modes call these functions and nothing else decides.

    candidate_keys(ordered)       the bucket keys of a story: LSH bands over the whole text and
                                  the lead (fingerprint.lsh_keys), size-partitioned bands and the
                                  lead keys (the first and sixth shingles)
    story_facts(text)             the facts of a story: its numbers and proper-name tokens
    fact_overlap(fa, fb)          facts shared and lost each way (samples compared where complete)
    verify(a, b, threshold)       a Link (rule, containment both ways) or None
    exact_rule(story)             which identity made two copies one story: url, guid, title_date
    canonical_order / order_key   the order of a cluster's members (exact.py)

Size-partitioned keys (LSH Ensemble, Zhu et al., VLDB 2016). A short text copied into a long one
(a wire item inside a feature, a brief that keeps the lead of a long story) has a high
containment |A∩B| / |A| but a low Jaccard |A∩B| / |A∪B|: containment c with a size ratio x/q
is a Jaccard of c / (1 + x/q - c), so the Jaccard bands never meet. Stories are put in size
classes (class = floor(log2 n_shingles)); for each distance d in SIZE_BANDS a story emits the
bands of family (d, its class) as the *small* side (its minimum of the band's permutation) and of
family (d, its class - d) as the *large* side (the SIZE_DEPTH smallest values of it), so a small
set of class i and a large set of class i + d that holds a share x of it meet in a band with a
probability of about 1 - (1 - x)**SIZE_DEPTH rather than x. The first numbers (one-row bands
6, 10, 14, the large side's minimum only) were chosen on seed 11 of the reprint generator; issue
13's second round chose 6, 8, 10 bands at depth 3 on seed 10 (the gold pairs some key finds,
against the keys per story) and reported on seeds 11-14. A story emits at most
`keys_per_story()` keys, so the cost stays linear.

Second signals across feeds (issue 13, chosen on seed 10). Below the containment threshold, from
threshold - FACTS_MARGIN, a pair of two feeds is `shared_facts` when the smaller text (by
shingles) finds at least SHARED_FACTS_MIN of its facts, and SHARED_FACTS_SHARE of them, in the
other: a one-paragraph cut with an outlet's paragraph added, a teaser rewording a phrase. A text
of SHORT_MIN_SHINGLES..MIN_SHINGLES-1 shingles (8-11 words) is a `short_copy` when its containment
reaches the threshold and at least SHORT_FACTS of its facts are in the other, at most FACT_SLACK
lost: a generic one-liner of two outlets ("Here are the winning numbers for the Monday draw")
has a single fact. Neither applies within one feed (templates) nor without facts (a story
remembered by the cross-run state).

Same-feed rule. Two stories of one feed share the feed's templates (analyst notes, weather,
results: the words stay, the facts change), while an outlet carrying a story twice (an update, a
re-run under a new URL) keeps the facts and edits the words. So a same-feed pair is linked
(`same_feed_update`) when its containment reaches SAME_FEED_UPDATE_CONTAINMENT and its facts
agree: the side that lost fewer of its facts (numbers, capitalised words not starting a sentence)
in the other lost at most max(FACT_SLACK, FACT_SLACK_SHARE of them) — an update adds a paragraph
(new facts on one side only) and may correct a number or a name's spelling, a templated sibling
changes several facts on both sides. A same-feed pair whose facts disagree is refused at any
containment. (On seed 11 the updates lost at most 18% of their facts, the templated siblings at
least 24%.) The facts are taken from the story's whole text, credits removed, in both modes (the
streaming index sees the text, not the feed's boilerplate decision); a feed's boilerplate is on
both sides of a same-feed pair, so it adds no loss.
"""
from __future__ import annotations

import datetime as _dt
import re
import zlib
from typing import NamedTuple, Optional, Sequence, Tuple

import numpy as np

from transforms.dedupe.fingerprint import (CONTAINMENT, MIN_SHINGLES, bottom_hashes, lsh_keys,
                                           minhash, similarity)
from transforms.enrich.agencies.attribution import strip_credits
from transforms.records import UTC, Story

__all__ = ["Link", "Side", "candidate_keys", "size_keys", "size_class", "lead_keys", "story_facts",
           "verify", "facts_agree", "fact_overlap", "FactOverlap", "exact_rule", "keys_per_story",
           "containments",
           "canonical_order", "order_key", "label_id",
           "SAME_FEED_CONTAINMENT", "SAME_FEED_UPDATE_CONTAINMENT", "RULES"]

# Rules (the link_rule column).
URL, GUID, TITLE_DATE, CONTENT_HASH = "url", "guid", "title_date", "content_hash"
NEAR_DUPLICATE, SAME_FEED_UPDATE = "near_duplicate", "same_feed_update"
VERSION = "version"                   # a new version of an item to its previous one (versions.py)
SHORT_COPY, SHARED_FACTS = "short_copy", "shared_facts"
RULES = (URL, GUID, TITLE_DATE, VERSION, CONTENT_HASH, NEAR_DUPLICATE, SAME_FEED_UPDATE, SHORT_COPY, SHARED_FACTS)

# Two stories of one feed without agreeing facts are never linked; with agreeing facts from this
# containment (a feed's templated items share words, not facts).
SAME_FEED_CONTAINMENT = 0.80          # the former plain same-feed rule (kept for callers)
SAME_FEED_UPDATE_CONTAINMENT = 0.50
FACT_SLACK = 1                        # facts one side may lose (a corrected number, a typo)
FACT_SLACK_SHARE = 0.15               # ... or this share of the smaller fact set, if larger
MIN_FACTS = 3                         # fewer facts on either side: facts cannot tell (0.80 rule)
MAX_FACTS = 96                        # facts kept: the smallest hashes (the same sample on both sides)

# Two feeds, a short text: a text of SHORT_MIN_SHINGLES..MIN_SHINGLES-1 shingles (8-11 words: a
# one-line item, a teaser) is a `short_copy` of another when its containment reaches the threshold
# and its facts are in the other: at least SHORT_FACTS of them, at most FACT_SLACK lost.
SHORT_MIN_SHINGLES = 4
SHORT_FACTS = 2
# Two feeds, a second signal below the threshold: from `threshold - FACTS_MARGIN` a pair is
# `shared_facts` when the smaller text (by shingles) finds at least SHARED_FACTS_MIN of its facts,
# and SHARED_FACTS_SHARE of them, in the other.
FACTS_MARGIN = 0.15
SHARED_FACTS_MIN = 4
SHARED_FACTS_SHARE = 0.8

# size-partitioned bands: distance between the size classes -> one-row bands; the large side
# emits the SIZE_DEPTH smallest values of each band's permutation
SIZE_BANDS = {1: 6, 2: 8, 3: 10}
SIZE_DEPTH = 3
SIZE_SALT = 16
MIN_CLASS = 3                         # 2**3 = MIN_SHINGLES
LEAD_KEY_POSITIONS = (0, 5)           # lead keys: the first shingle and the sixth
LEAD_KEY_SALT = 8


class Side(NamedTuple):
    """What the rules need of one story: its shingle set (sorted; a bottom-k sketch for a
    remembered story), the set's size, its feed and its facts (None: unknown)."""
    shingles: np.ndarray
    n: int
    feed: Optional[str] = None
    facts: Optional[Tuple[int, ...]] = None


class Link(NamedTuple):
    rule: str
    containment: float           # share of a's shingles found in b
    containment_reverse: float   # share of b's shingles found in a


# ---------------------------------------------------------------- candidate keys

def size_class(n: int) -> int:
    return max(MIN_CLASS, int(n).bit_length() - 1)


def size_keys(sig: np.ndarray, n: int, ordered: np.ndarray | None = None) -> list:
    """Size-partitioned keys of a set of `n` shingles with MinHash signature `sig`: per family
    (d, class) and band b, as the small side its minimum of permutation b, as the large side
    (`ordered`: its shingles, needed for this role) the SIZE_DEPTH smallest values of it. The
    small side's minimum is among the large side's SIZE_DEPTH smallest with a probability of
    about 1 - (1 - x)^SIZE_DEPTH at containment 1 and size ratio 1/x, against x for one-row bands."""
    c = size_class(n)
    crc32 = zlib.crc32
    raw = np.ascontiguousarray(sig, dtype=np.uint32).tobytes()
    keys = []
    depth = None
    for d, bands in SIZE_BANDS.items():
        if c >= MIN_CLASS:                   # as the small side
            salt = SIZE_SALT + d * 64 + c
            keys += [(salt << 40) | (b << 32) | crc32(raw[b * 4:(b + 1) * 4]) for b in range(bands)]
        large = c - d
        if large >= MIN_CLASS and ordered is not None:   # as the large side
            if depth is None:                # (bands, SIZE_DEPTH) values as 4-byte strings
                cols = np.ascontiguousarray(
                    bottom_hashes(ordered, max(SIZE_BANDS.values()), SIZE_DEPTH).T, dtype=np.uint32)
                depth = [sorted({row[i:i + 4] for i in range(0, len(row), 4)})
                         for row in (r.tobytes() for r in cols)]
            salt = SIZE_SALT + d * 64 + large
            keys += [(salt << 40) | (b << 32) | crc32(v) for b in range(bands) for v in depth[b]]
    return keys


def lead_keys(ordered: np.ndarray) -> list:
    """Exact keys of the shingles at LEAD_KEY_POSITIONS of a text (ordered by first position): a
    teaser or a one-line copy of a story's first sentence meets it here whatever their sizes (one
    word edit breaks at most one of the two: they share no word)."""
    return [(LEAD_KEY_SALT << 40) | (i << 32) | int(ordered[p])
            for i, p in enumerate(LEAD_KEY_POSITIONS) if p < ordered.size]


def keys_per_story() -> int:
    """The most bucket keys a story has: the Jaccard and lead bands, the size bands (a story
    of one of the smallest classes has no smaller partner class and fewer keys) and the lead keys."""
    from transforms.dedupe.fingerprint import BANDS, LEAD_BANDS
    return (BANDS + LEAD_BANDS + sum((1 + SIZE_DEPTH) * b for b in SIZE_BANDS.values())
            + len(LEAD_KEY_POSITIONS))


def candidate_keys(ordered: np.ndarray) -> list:
    """Every bucket key of a story's shingles (ordered by first position): lsh_keys, the
    size-partitioned keys and the lead keys. A short text (SHORT_MIN_SHINGLES to MIN_SHINGLES - 1
    shingles) has only the size and lead keys; a shorter one none."""
    if ordered is None or ordered.size < SHORT_MIN_SHINGLES:
        return []
    bands = lsh_keys(ordered) if ordered.size >= MIN_SHINGLES else []
    return bands + size_keys(minhash(ordered), int(ordered.size), ordered) + lead_keys(ordered)


# ---------------------------------------------------------------- facts

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_ENDS = frozenset('.!?:;\u201d"')
_DASHES = ("-", "\u2014", "\u2013")


def story_facts(text: str) -> Tuple[int, ...]:
    """The facts of a text (credit lines removed), as sorted CRC32s: its numbers (without
    thousands separators) and its capitalised words that do not start a sentence (names)."""
    text = strip_credits(text or "")
    facts = {"#" + num.replace(",", "").rstrip(".") for num in _NUMBER.findall(text)}
    start = True
    ends = _ENDS
    for token in text.split():
        if not start:
            first = token[0]
            if first.isupper() or (not first.isalnum() and token[1:2].isupper()):
                word = _WORD.search(token)
                if word is not None and word.group(0)[:1].isupper():
                    facts.add(word.group(0).rstrip("'’-"))
        start = token[-1] in ends or token in _DASHES
    hashed = sorted({zlib.crc32(f.encode("utf-8")) for f in facts})
    return tuple(hashed[:MAX_FACTS])


class FactOverlap(NamedTuple):
    shared: int
    only_a: int                  # facts of a not found in b
    only_b: int                  # facts of b not found in a


def fact_overlap(fa: Sequence[int] | None, fb: Sequence[int] | None) -> FactOverlap | None:
    """How two stories' facts (story_facts) overlap; None when either is unknown. A side holding
    MAX_FACTS facts holds a sample (the smallest hashes): both sides are then compared only up
    to the smaller of the samples' largest hashes, where both are complete."""
    if fa is None or fb is None:
        return None
    limits = [f[-1] for f in (fa, fb) if len(f) >= MAX_FACTS]
    sa, sb = set(fa), set(fb)
    if limits:
        sa = {f for f in sa if f <= min(limits)}
        sb = {f for f in sb if f <= min(limits)}
    shared = len(sa & sb)
    return FactOverlap(shared, len(sa) - shared, len(sb) - shared)


def facts_agree(fa: Sequence[int], fb: Sequence[int]) -> Optional[bool]:
    """Whether two stories' facts agree: the side that lost fewer of its facts in the other lost
    at most max(FACT_SLACK, FACT_SLACK_SHARE * its facts). None when either side has fewer than
    MIN_FACTS facts (the facts cannot tell)."""
    if fa is None or fb is None or len(fa) < MIN_FACTS or len(fb) < MIN_FACTS:
        return None
    o = fact_overlap(fa, fb)
    lost, kept = min((o.only_a, o.only_a + o.shared), (o.only_b, o.only_b + o.shared))
    return lost <= max(FACT_SLACK, FACT_SLACK_SHARE * kept)


# ---------------------------------------------------------------- verification

def containments(a: Side, b: Side) -> Tuple[float, float]:
    """(share of a's shingles in b, share of b's shingles in a).

    Exact when both sets are whole. When one side is a bottom-k sketch (a story remembered by the
    cross-run state or the streaming index) and the other whole, the whole side's shingles at or
    below the sketch's largest hash are exactly those whose membership the sketch decides: the
    share of them found in the sketch estimates the whole side's containment, with as many
    samples as that side has there (the bottom-k Jaccard estimator of fingerprint.similarity has
    only min(k, |smaller|) and is far noisier when the sizes differ). Two sketches: similarity.
    """
    if a.n == 0 or b.n == 0:
        return 0.0, 0.0
    a_whole, b_whole = a.shingles.size == a.n, b.shingles.size == b.n
    if a_whole != b_whole:
        whole, sk = (a, b) if a_whole else (b, a)
        below = whole.shingles[whole.shingles <= sk.shingles[-1]] if sk.shingles.size else whole.shingles[:0]
        if below.size:
            share = np.intersect1d(below, sk.shingles, assume_unique=True).size / below.size
            inter = share * whole.n
            c_whole, c_sk = share, inter / sk.n
            c_ab, c_ba = (c_whole, c_sk) if a_whole else (c_sk, c_whole)
            return round(min(1.0, c_ab), 4), round(min(1.0, c_ba), 4)
    c_min, _ = similarity(a.shingles, a.n, b.shingles, b.n)
    inter = c_min * min(a.n, b.n)
    return round(min(1.0, inter / a.n), 4), round(min(1.0, inter / b.n), 4)


def verify(a: Side, b: Side, threshold: float = CONTAINMENT) -> Optional[Link]:
    """The link between two stories, or None.

    - the smaller needs SHORT_MIN_SHINGLES shingles, and MIN_SHINGLES except for `short_copy`;
    - different feeds (or an unknown feed): `near_duplicate` when the containment of the
      smaller in the larger, |A∩B| / min(|A|, |B|), reaches `threshold`; below it, from
      threshold - FACTS_MARGIN, `shared_facts` when the smaller text's facts are in the other
      (SHARED_FACTS_MIN and SHARED_FACTS_SHARE of them); a short text (fewer than MIN_SHINGLES
      shingles) only as a `short_copy`: containment from `threshold` and at least SHORT_FACTS of
      its facts found in the other, at most FACT_SLACK lost;
    - the same feed: refused when the facts disagree; `same_feed_update` when they agree and
      the containment reaches max(threshold, SAME_FEED_UPDATE_CONTAINMENT); when the facts
      cannot tell (fewer than MIN_FACTS on a side), from SAME_FEED_CONTAINMENT (0.80). Never a
      short text.
    """
    small = min(a.n, b.n)
    if small < SHORT_MIN_SHINGLES:
        return None
    same_feed = a.feed is not None and a.feed == b.feed
    if small < MIN_SHINGLES and same_feed:
        return None
    c_ab, c_ba = containments(a, b)
    c = max(c_ab, c_ba)
    if not same_feed:
        if small >= MIN_SHINGLES and c >= threshold:
            return Link(NEAR_DUPLICATE, c_ab, c_ba)
        if c < threshold - (FACTS_MARGIN if small >= MIN_SHINGLES else 0.0):
            return None
        o = fact_overlap(a.facts, b.facts)
        if o is None:
            return None
        lost = o.only_a if a.n <= b.n else o.only_b         # the smaller text's facts not in the other
        if small < MIN_SHINGLES:
            ok = o.shared >= SHORT_FACTS and lost <= FACT_SLACK
            return Link(SHORT_COPY, c_ab, c_ba) if ok else None
        ok = o.shared >= SHARED_FACTS_MIN and o.shared >= SHARED_FACTS_SHARE * (o.shared + lost)
        return Link(SHARED_FACTS, c_ab, c_ba) if ok else None
    agree = facts_agree(a.facts, b.facts)
    if agree is False:
        return None
    need = max(threshold, SAME_FEED_UPDATE_CONTAINMENT if agree else SAME_FEED_CONTAINMENT)
    return Link(SAME_FEED_UPDATE, c_ab, c_ba) if c >= need else None


def exact_rule(story) -> str:
    """The identity two copies with one story_id share (clean.stories.identity: canonical URL,
    else guid, else title + date) -> 'url', 'guid' or 'title_date'."""
    if getattr(story, "canonical_url", None):
        return URL
    if getattr(story, "guid", None):
        return GUID
    return TITLE_DATE


# ---------------------------------------------------------------- the canonical order

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
