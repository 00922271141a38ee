"""The code each throughput optimisation replaced, kept to measure what it bought.

`ablate(names)` switches optimisations back in this process (the DirectRunner runs the DoFns
in it); benchmarks/throughput.py --ablate runs the pipeline and the baseline that way, and
tests/benchmarks/test_throughput_parts.py checks that the optimised code gives the same values.
"""
from __future__ import annotations

import zlib
from typing import List

import apache_beam as beam
import numpy as np

from transforms.dedupe.candidates import CandidatePairs

ABLATIONS = ("language", "fingerprint", "pickling", "pairs", "buckets", "provenance")


def _ref_shingles(text: str) -> np.ndarray:
    from transforms.dedupe.fingerprint import SHINGLE_WORDS, is_spaceless, shingle_text
    norm = shingle_text(text)
    words = norm.split()
    if is_spaceless(norm):
        chars = norm.replace(" ", "")
        grams = [chars[i:i + SHINGLE_WORDS] for i in range(max(1, len(chars) - SHINGLE_WORDS + 1))]
    else:
        grams = [" ".join(words[i:i + SHINGLE_WORDS])
                 for i in range(max(1, len(words) - SHINGLE_WORDS + 1))] if words else []
    if not grams or not grams[0]:
        return np.zeros(0, dtype=np.uint32)
    hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint32,
                         count=len(grams))
    _, first = np.unique(hashes, return_index=True)
    return hashes[np.sort(first)]


def _ref_minhash(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    from transforms.dedupe.fingerprint import _A, _B, _MAX32, _MERSENNE
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    hv = hashes.astype(np.uint64)[:, None]
    with np.errstate(over="ignore"):
        phv = ((hv * _A[None, :num_perm] + _B[None, :num_perm]) % _MERSENNE) & _MAX32
    return phv.min(axis=0).astype(np.uint32)


def _ref_band_keys(sig, bands, rows, salt):
    keys = []
    for b in range(bands):
        chunk = sig[b * rows:(b + 1) * rows].tobytes()
        keys.append((salt << 40) | (b << 32) | zlib.crc32(chunk))
    return keys


def _ref_lsh_keys(hashes: np.ndarray) -> List[int]:
    from transforms.dedupe import fingerprint as F
    if hashes.size < F.MIN_SHINGLES:
        return []
    keys = _ref_band_keys(_ref_minhash(hashes, F.NUM_PERM), F.BANDS, F.ROWS, salt=1)
    lead = hashes[:F.LEAD_SHINGLES]
    keys += _ref_band_keys(_ref_minhash(lead, F.LEAD_PERM), F.LEAD_BANDS, F.LEAD_ROWS, salt=2)
    return keys


def _ref_fingerprint_feed(stories):
    """fingerprint_feed as it was: boilerplate and paragraph removal normalising each paragraph
    again, the shingled text normalised whole, grams joined and encoded one by one, MinHash
    with numpy's `%`."""
    from transforms.dedupe.candidates import Fingerprint, content_key
    from transforms.dedupe.exact import order_key
    from transforms.dedupe import fingerprint as F
    from transforms.dedupe.fingerprint import boilerplate_paragraphs, without_paragraphs
    from transforms.dedupe.rules import SHORT_MIN_SHINGLES, lead_keys, size_keys, story_facts
    drop = boilerplate_paragraphs([s.text for s in stories]) if len(stories) > 1 else set()
    for s in stories:
        ordered = _ref_shingles(without_paragraphs(s.text, drop))
        keys = _ref_lsh_keys(ordered)
        if ordered.size >= SHORT_MIN_SHINGLES:   # the size-partitioned and lead keys (rules.py) came later
            keys += (size_keys(_ref_minhash(ordered, F.NUM_PERM), int(ordered.size), ordered)
                     + lead_keys(ordered))
        yield Fingerprint(story_id=s.story_id, label=order_key(s), shingles=np.sort(ordered),
                          n_shingles=int(ordered.size), keys=keys,
                          content_key=content_key(s), feed_agency=s.feed_agency, feed=s.feed_url,
                          facts=story_facts(s.text))


def _ref_bucket_keys(fp, shards=None):
    """One element per (bucket key, story), as before the shards (`shards` unused)."""
    member = (fp.story_id, fp.label)
    for key in fp.keys:
        yield key, member
    if fp.content_key:
        yield fp.content_key, member


class _RefBuckets(beam.DoFn):
    """Bucket -> candidate pairs and exact edges, one bucket per element."""

    def __init__(self):
        self._emitted = set()

    def start_bundle(self):
        self._emitted = set()

    def process(self, element):
        from transforms.dedupe.candidates import EMITTED_MAX, bucket_pairs
        key, members = element
        members = list(members)
        if len(members) < 2:
            return
        exact = isinstance(key, str)
        for pair in bucket_pairs(members, exact):
            if exact:
                yield beam.pvalue.TaggedOutput("edges", pair)
            elif pair not in self._emitted:
                if len(self._emitted) >= EMITTED_MAX:
                    self._emitted.clear()
                self._emitted.add(pair)
                yield pair


class RefCandidatePairs(CandidatePairs):
    """CandidatePairs as it was: every (bucket key, story) through the shuffle."""

    bucket_keys = staticmethod(_ref_bucket_keys)
    buckets = _RefBuckets


def ablate(names) -> None:
    """Switch optimisations back to the code they replaced, in this process (the DirectRunner
    runs the DoFns in it)."""
    for name in names:
        if name == "language":               # langdetect's own Detector, as before
            import transforms.enrich.stories
            import transforms.enrich.language
            from benchmarks.langid_accuracy import ReferenceDetector
            transforms.enrich.language.LanguageDetector = ReferenceDetector
            transforms.enrich.stories.LanguageDetector = ReferenceDetector
        elif name == "fingerprint":
            import transforms.dedupe.batch
            import transforms.dedupe.candidates
            transforms.dedupe.batch.fingerprint_feed = _ref_fingerprint_feed
            transforms.dedupe.candidates.fingerprint_feed = _ref_fingerprint_feed
        elif name == "provenance":           # no provenance tables nor state columns (before issue 15)
            import apache_beam as beam
            import pipeline.build
            import transforms.dedupe.state

            class _NoProvenance(beam.PTransform):
                def __init__(self, *args, **kwargs):
                    super().__init__()

                def expand(self, inputs):
                    return {"rows": inputs["stories"] | "NoProvenance" >> beam.Filter(lambda s: False),
                            "state_rows": inputs["state_rows"]}
            pipeline.build.Provenance = _NoProvenance
        elif name == "pickling":             # Beam's default coders, default pickling of Story and Fingerprint
            import transforms.dedupe.candidates as candidates
            from transforms.coders import use_pickle
            from transforms.records import Story
            use_pickle()
            del Story.__reduce__
            del candidates.Fingerprint.__reduce__
            candidates._pack = lambda shingles: shingles
        elif name == "pairs":                # every bucket emits all its candidate pairs
            import transforms.dedupe.candidates as candidates
            candidates.EMITTED_MAX = 0
        elif name == "buckets":              # one shuffled element per (bucket key, story)
            import transforms.dedupe.batch
            transforms.dedupe.batch.CandidatePairs = RefCandidatePairs
        else:
            raise SystemExit(f"unknown optimisation {name!r}: one of {', '.join(ABLATIONS)}")
