"""The near-duplicate decision core, shared by the batch Dedupe and the streaming index.

Plain Python and numpy, no Beam: both modes call these functions and nothing else decides.

    candidate_keys(ordered)       the bucket keys of a story: LSH bands over the whole text and
                                  the lead (fingerprint.lsh_keys) plus size-partitioned bands
    story_facts(text)             the facts of a story: its numbers and proper-name tokens
    verify(a, b, threshold)       a Link (rule, containment both ways) or None
    exact_rule(story)             which identity made two copies one story: url, guid, title_date
    canonical_order / order_key   the order of a cluster's members (exact.py)

Size-partitioned keys (LSH Ensemble, Zhu et al., VLDB 2016). A short text copied into a long one
(a wire item inside a feature, a brief that keeps the lead of a long story) has a high
containment |A∩B| / |A| but a low Jaccard |A∩B| / |A∪B|: containment c with a size ratio x/q
is a Jaccard of c / (1 + x/q - c), so the Jaccard bands never meet. Stories are put in size
classes (class = floor(log2 n_shingles)); for each distance d in SIZE_BANDS a story emits the
bands of family (d, its class) as the *small* side and of family (d, its class - d) as the *large*
side, so a small set of class i and a large set of class i + d meet in family (d, i). At the
ratios of classes d apart (2**(d-1) to 2**(d+1)) containment 0.5-1.0 implies a Jaccard of about
0.04-0.3, so every family has one-row bands (a band meets with probability J); their numbers
(SIZE_BANDS) were chosen on seed 11 of the reprint generator by the share of the gold pairs with
containment >= 0.50 that some key finds (99.3%; about 96% with the Jaccard and lead bands alone)
against the keys per story. A story emits at most `keys_per_story()` keys, so the cost stays
linear.

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

from transforms.dedupe.fingerprint import (CONTAINMENT, MIN_SHINGLES, lsh_keys, minhash,
                                           similarity)
from transforms.enrich.agencies.attribution import strip_credits
from transforms.records import UTC, Story

__all__ = ["Link", "Side", "candidate_keys", "size_keys", "size_class", "story_facts", "verify",
           "facts_agree", "exact_rule", "keys_per_story", "containments",
           "canonical_order", "order_key", "label_id",
           "SAME_FEED_CONTAINMENT", "SAME_FEED_UPDATE_CONTAINMENT", "RULES"]

# Rules (the link_rule column).
URL, GUID, TITLE_DATE, CONTENT_HASH = "url", "guid", "title_date", "content_hash"
NEAR_DUPLICATE, SAME_FEED_UPDATE = "near_duplicate", "same_feed_update"
VERSION = "version"                   # a new version of an item to its previous one (versions.py)
RULES = (URL, GUID, TITLE_DATE, VERSION, CONTENT_HASH, NEAR_DUPLICATE, SAME_FEED_UPDATE)

# Two stories of one feed without agreeing facts are never linked; with agreeing facts from this
# containment (a feed's templated items share words, not facts).
SAME_FEED_CONTAINMENT = 0.80          # the former plain same-feed rule (kept for callers)
SAME_FEED_UPDATE_CONTAINMENT = 0.50
FACT_SLACK = 1                        # facts one side may lose (a corrected number, a typo)
FACT_SLACK_SHARE = 0.15               # ... or this share of the smaller fact set, if larger
MIN_FACTS = 3                         # fewer facts on either side: facts cannot tell (0.80 rule)
MAX_FACTS = 96                        # facts kept: the smallest hashes (the same sample on both sides)

# size-partitioned bands: distance between the size classes -> (bands, rows)
SIZE_BANDS = {1: (6, 1), 2: (10, 1), 3: (14, 1)}
SIZE_SALT = 16
MIN_CLASS = 3                         # 2**3 = MIN_SHINGLES


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


def size_keys(sig: np.ndarray, n: int) -> list:
    """Size-partitioned band keys of a MinHash signature of a set of `n` shingles."""
    c = size_class(n)
    raw = np.ascontiguousarray(sig, dtype=np.uint32).tobytes()
    crc32 = zlib.crc32
    keys = []
    for d, (bands, rows) in SIZE_BANDS.items():
        width = rows * 4
        for small in {c, c - d}:             # as the small side, as the large side
            if small < MIN_CLASS:
                continue
            salt = SIZE_SALT + d * 64 + small
            keys += [(salt << 40) | (b << 32) | crc32(raw[b * width:(b + 1) * width]) for b in range(bands)]
    return keys


def keys_per_story() -> int:
    """The most bucket keys a story has: the Jaccard and lead bands, and the size bands (a story
    of one of the smallest classes has no smaller partner class and fewer keys)."""
    from transforms.dedupe.fingerprint import BANDS, LEAD_BANDS
    return BANDS + LEAD_BANDS + sum(2 * b for b, _ in SIZE_BANDS.values())


def candidate_keys(ordered: np.ndarray) -> list:
    """Every bucket key of a story's shingles (ordered by first position): lsh_keys, then the
    size-partitioned keys. Empty for texts of fewer than MIN_SHINGLES shingles."""
    if ordered is None or ordered.size < MIN_SHINGLES:
        return []
    return lsh_keys(ordered) + size_keys(minhash(ordered), int(ordered.size))


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


def facts_agree(fa: Sequence[int], fb: Sequence[int]) -> Optional[bool]:
    """Whether two stories' facts agree: the side that lost fewer of its facts in the other lost
    at most max(FACT_SLACK, FACT_SLACK_SHARE * its facts). None when either side has fewer than
    MIN_FACTS facts (the facts cannot tell)."""
    if fa is None or fb is None or len(fa) < MIN_FACTS or len(fb) < MIN_FACTS:
        return None
    sa, sb = set(fa), set(fb)
    lost_a, lost_b = len(sa - sb), len(sb - sa)
    if lost_a <= lost_b:
        return lost_a <= max(FACT_SLACK, FACT_SLACK_SHARE * len(sa))
    return lost_b <= max(FACT_SLACK, FACT_SLACK_SHARE * len(sb))


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

    - both need MIN_SHINGLES shingles;
    - different feeds (or an unknown feed): `near_duplicate` when the containment of the
      smaller in the larger, |A∩B| / min(|A|, |B|), reaches `threshold`;
    - the same feed: refused when the facts disagree; `same_feed_update` when they agree and
      the containment reaches max(threshold, SAME_FEED_UPDATE_CONTAINMENT); when the facts
      cannot tell (fewer than MIN_FACTS on a side), from SAME_FEED_CONTAINMENT (0.80).
    """
    if min(a.n, b.n) < MIN_SHINGLES:
        return None
    c_ab, c_ba = containments(a, b)
    c = max(c_ab, c_ba)
    same_feed = a.feed is not None and a.feed == b.feed
    if not same_feed:
        return Link(NEAR_DUPLICATE, c_ab, c_ba) if c >= threshold else None
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
