"""Near-duplicate fingerprints: shingles, MinHash, LSH keys and the verifying similarity.

Pure functions (numpy), no Beam. A story's text is compared without its credit lines and
without its outlet's boilerplate paragraphs (removed per feed by the Dedupe transform), as
word 5-grams of the normalised text (character 5-grams for scripts written without spaces).

Two families of LSH keys find candidates:
- 42 bands x 3 rows over a 126-permutation MinHash of all shingles: catches copies whose
  Jaccard similarity is high (full reprints, dropped or added paragraphs, light edits);
- 12 bands x 2 rows over a 24-permutation MinHash of the first LEAD_SHINGLES shingles: catches
  abridged copies, which keep the lead but share only a small part of a long original.
Candidates are verified with the exact shingle sets: containment |A∩B| / min(|A|, |B|) catches
abridgement, and both texts must have at least MIN_SHINGLES shingles (titles alone never match).
"""
from __future__ import annotations

import re
import zlib
from typing import List, Sequence, Tuple

import numpy as np

from transforms.enrich.agencies.attribution import strip_credits
from transforms.clean.text import normalize_for_hash

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS, ROWS = 42, 3
LEAD_SHINGLES = 20
LEAD_BANDS, LEAD_ROWS = 12, 2
LEAD_PERM = LEAD_BANDS * LEAD_ROWS
MIN_SHINGLES = 8            # both texts need at least this many shingles (12 words) to be compared
CONTAINMENT = 0.50          # verified duplicate when containment >= this (chosen by measurement)
SKETCH_SIZE = 256           # bottom-k sketch kept in the cross-run state
MINHASH_CHUNK = 8192        # shingles hashed at once: 8,192 x 128 x 8 bytes = 8 MB per array

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)
_SHIFT61 = np.uint64(61)
_rng = np.random.RandomState(1)   # fixed: the permutations are part of the state's format
_A = _rng.randint(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_SPACELESS = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\u3040-\u30ff\u0e00-\u0e7f]")


def shingle_text(text: str) -> str:
    """The text that is shingled: credits removed, normalised."""
    return normalize_for_hash(strip_credits(text or ""))


def shingle_text_cached(text: str, paragraph_norms: dict) -> str:
    """`shingle_text(text)`, normalising only the paragraphs not in `paragraph_norms`
    (paragraph -> normalize_for_hash(paragraph), filled as it goes).

    normalize_for_hash works character by character (NFKC, case folding, a translation table)
    and then joins the words with single spaces, and a blank line is a boundary none of these
    steps crosses, so normalising a text equals joining its paragraphs' normalised forms with
    spaces (tests/benchmarks/test_throughput_parts.py checks it on real and generated texts). Credits are
    removed first, which touches a paragraph or two: the others are usually already known from
    the feed's boilerplate detection.
    """
    out = []
    for para in strip_credits(text or "").split("\n\n"):
        norm = paragraph_norms.get(para)
        if norm is None:
            norm = paragraph_norms[para] = normalize_for_hash(para)
        if norm:
            out.append(norm)
    return " ".join(out)


def shingles(text: str) -> np.ndarray:
    """Ordered (by first position) unique 32-bit shingle hashes of a text."""
    return shingles_of_normalised(shingle_text(text))


def is_spaceless(norm: str) -> bool:
    """Whether a normalised text is written without spaces between words (Chinese, Japanese,
    Korean, Thai), so that it is shingled by characters: over 40 such characters in its first
    400, or most of a short text's characters."""
    head = norm[:400]
    spaceless = len(_SPACELESS.findall(head))
    return spaceless > 40 or (spaceless >= 8 and 2 * spaceless > len(head) - head.count(" "))


def shingles_of_normalised(norm: str) -> np.ndarray:
    """`shingles` of a text already through `shingle_text`."""
    if is_spaceless(norm):
        chars = norm.replace(" ", "")
        grams = [chars[i:i + SHINGLE_WORDS] for i in range(max(1, len(chars) - SHINGLE_WORDS + 1))]
        if not grams or not grams[0]:
            return np.zeros(0, dtype=np.uint32)
        hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint32,
                             count=len(grams))
    elif not norm:
        return np.zeros(0, dtype=np.uint32)
    elif "  " in norm or norm[0] == " " or norm[-1] == " ":
        # not the single-spaced shape normalize_for_hash gives: the general way
        words = norm.split()
        if not words:
            return np.zeros(0, dtype=np.uint32)
        grams = [" ".join(words[i:i + SHINGLE_WORDS])
                 for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
        hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint32,
                             count=len(grams))
    else:
        # Words are separated by single spaces, so a gram of 5 words is a slice of the UTF-8
        # bytes from the start of its first word to the end of its fifth: hash the slices.
        raw = norm.encode("utf-8")
        spaces = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 32).tolist()
        if len(spaces) < SHINGLE_WORDS:                 # five words or fewer: one gram
            hashes = np.array([zlib.crc32(raw)], dtype=np.uint32)
        else:
            starts = [0] + [i + 1 for i in spaces[:len(spaces) - SHINGLE_WORDS + 1]]
            ends = spaces[SHINGLE_WORDS - 1:] + [len(raw)]
            crc32 = zlib.crc32
            hashes = np.array([crc32(raw[a:b]) for a, b in zip(starts, ends)], dtype=np.uint32)
    _, first = np.unique(hashes, return_index=True)
    return hashes[np.sort(first)]


def _permuted(hashes: np.ndarray, num_perm: int):
    """The first `num_perm` MinHash permutations of 32-bit hashes, MINHASH_CHUNK hashes at a
    time (bounded memory: CHUNK x num_perm values at once): one (chunk, num_perm) array each."""
    for start in range(0, hashes.size, MINHASH_CHUNK):
        hv = hashes[start:start + MINHASH_CHUNK].astype(np.uint64)[:, None]
        with np.errstate(over="ignore"):
            y = hv * _A[None, :num_perm]
            y += _B[None, :num_perm]
        r = mod_mersenne61(y)
        r &= _MAX32
        yield r


def minhash(hashes: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signature (uint32) of a set of 32-bit hashes; empty set -> all max.

    Each permutation is ((h * a + b) mod 2**64) mod (2**61 - 1), low 32 bits. The modulo by the
    Mersenne prime is done with shifts (x mod (2**61-1) == (x >> 61) + (x & (2**61-1)), less
    2**61-1 if that reaches it), which gives the same values as numpy's `%` several times faster.
    """
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    best = None
    for r in _permuted(hashes, num_perm):
        low = r.min(axis=0)
        best = low if best is None else np.minimum(best, low)
    return best.astype(np.uint32)


def bottom_hashes(hashes: np.ndarray, num_perm: int, t: int) -> np.ndarray:
    """The t smallest values of each of the first `num_perm` MinHash permutations of a set of
    32-bit hashes (minhash's permutations): a (min(t, n), num_perm) uint32 array, unsorted
    within a column (the column's minimum is minhash's value). Bounded memory, as minhash."""
    best = None
    for r in _permuted(hashes, num_perm):
        if best is not None:
            r = np.concatenate((best, r))
        best = np.partition(r, t - 1, axis=0)[:t] if r.shape[0] > t else r
    if best is None:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return best.astype(np.uint32)


def mod_mersenne61(y: np.ndarray) -> np.ndarray:
    """y % (2**61 - 1) for a uint64 array (y is overwritten): (y >> 61) + (y & M), since
    2**61 = 1 (mod M); that sum is at most M + 7, so one conditional subtraction finishes it."""
    r = y & _MERSENNE
    y >>= _SHIFT61
    r += y
    with np.errstate(over="ignore"):
        np.minimum(r, r - _MERSENNE, out=r)             # r - M wraps to a huge value when r < M
    return r


def _band_keys(sig: np.ndarray, bands: int, rows: int, salt: int) -> List[int]:
    raw = np.ascontiguousarray(sig, dtype=np.uint32).tobytes()   # the bands are slices of it
    width = rows * 4
    crc32 = zlib.crc32
    return [(salt << 40) | (b << 32) | crc32(raw[b * width:(b + 1) * width]) for b in range(bands)]


def lsh_keys(hashes: np.ndarray) -> List[int]:
    """LSH bucket keys (ints) of a story's shingles: full-text bands, then lead bands."""
    if hashes.size < MIN_SHINGLES:
        return []
    keys = _band_keys(minhash(hashes), BANDS, ROWS, salt=1)
    lead = hashes[:LEAD_SHINGLES]
    keys += _band_keys(minhash(lead, LEAD_PERM), LEAD_BANDS, LEAD_ROWS, salt=2)
    return keys


def sketch(hashes: np.ndarray, k: int = SKETCH_SIZE) -> np.ndarray:
    """Bottom-k sketch: the k smallest hashes, sorted (the whole set when it is smaller)."""
    return np.sort(hashes)[:k] if hashes.size > k else np.sort(hashes)


def similarity(a: np.ndarray, n_a: int, b: np.ndarray, n_b: int) -> Tuple[float, float]:
    """(containment, jaccard) of two shingle sets given as sorted (possibly bottom-k) arrays.

    Exact when both arrays hold their whole sets; otherwise the bottom-k estimator.
    """
    if n_a == 0 or n_b == 0:
        return 0.0, 0.0
    if a.size == n_a and b.size == n_b:
        inter = np.intersect1d(a, b, assume_unique=True).size
    else:
        k = min(a.size, b.size)
        union_k = np.union1d(a, b)[:k]
        both = np.intersect1d(np.intersect1d(union_k, a, assume_unique=True), b, assume_unique=True).size
        j = both / k if k else 0.0
        inter = j * (n_a + n_b) / (1 + j)
    jaccard = inter / (n_a + n_b - inter)
    return min(1.0, inter / min(n_a, n_b)), min(1.0, jaccard)


def is_duplicate(containment: float, n_a: int, n_b: int, threshold: float = CONTAINMENT) -> bool:
    return min(n_a, n_b) >= MIN_SHINGLES and containment >= threshold


def boilerplate_paragraphs(texts: Sequence[str], min_stories: int = 2) -> set:
    """Normalised paragraphs that recur in at least `min_stories` different texts of one feed
    (identical texts count once: a story carried twice is not a template)."""
    counts = {}
    for text in dict.fromkeys(texts):
        for para in {normalize_for_hash(p) for p in (text or "").split("\n\n")}:
            if para:
                counts[para] = counts.get(para, 0) + 1
    return {p for p, n in counts.items() if n >= min_stories}


# A story whose repeated paragraphs are most of its text repeats a story, it is not wrapped in
# chrome: an outlet carrying its story again (an update with edits, a re-run) repeats its long
# narrative paragraphs, which would otherwise be removed as the feed's boilerplate and leave only
# the edited ones to compare. Chrome is short lines and one "About" paragraph.
REPEAT_SHARE = 0.3          # repeated paragraphs hold at least this share of the words ...
REPEAT_LONG_WORDS = 25      # ... and at least two of them are this long


def keeps_repeats(paragraphs: Sequence[str], repeated: Sequence[bool]) -> bool:
    """Whether a story keeps the paragraphs its feed repeats (see REPEAT_SHARE): `repeated[i]`
    says whether paragraphs[i] is one of the feed's repeated paragraphs."""
    words = [len(p.split()) for p in paragraphs]
    rep = sum(w for w, r in zip(words, repeated) if r)
    total = sum(words)
    long_repeats = sum(1 for w, r in zip(words, repeated) if r and w >= REPEAT_LONG_WORDS)
    return long_repeats >= 2 and rep >= REPEAT_SHARE * total


def without_paragraphs(text: str, drop: set) -> str:
    """`text` without the paragraphs whose normalised form is in `drop` (the feed's repeated
    paragraphs), unless they are most of it (keeps_repeats: a story carried again)."""
    if not drop:
        return text
    paras = (text or "").split("\n\n")
    repeated = [normalize_for_hash(p) in drop for p in paras]
    if not any(repeated) or keeps_repeats(paras, repeated):
        return text
    return "\n\n".join(p for p, r in zip(paras, repeated) if not r)
