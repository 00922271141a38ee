"""Dedupe: exact copies and near-duplicate reprints, within a run, across runs and in streams.

    batch.py        Dedupe (batch): exact identity, state join, candidates, verification,
                    connected components, dispositions
    stream.py       StreamDedupe (streaming): the same steps decided on arrival, in keyed state
    index.py        the streaming near-duplicate index (LSH buckets over a bounded window)
    shards.py       the streaming index split by home shard, the crossing check, aliases, and
                    the decision a story's answers make once settled (plain Python, no Beam)
    clusters.py     the streaming step after the decision, one key per cluster root: its members'
                    version columns and provenance copies; versions, stale, provenance rows and
                    the state row columns of a decided story (plain Python, no Beam)
    rules.py        the decision core both modes call: candidate keys (LSH and size-partitioned),
                    verify (containment both ways, the same-feed update rule), rule names,
                    the canonical order (plain Python, no Beam)
    fingerprint.py  shingles, MinHash, LSH keys, containment, boilerplate paragraphs
    exact.py        exact identity (ids, guids, content hashes) and the canonical order
    candidates.py   fingerprints per feed, candidate pairs from LSH buckets, verification
    components.py   connected components over the verified edges
    state.py        the cross-run state: remembered fingerprints and feed validators
    versions.py     versions of an item (same identity, other content; desk slugs) and stale
                    reprints: version, previous_story_id, stale (plain Python, both modes)
"""
from transforms.dedupe.batch import Dedupe
from transforms.dedupe.state import (ReadState, ReadValidators, StateDamaged, WriteState, checked_generation,
                                     read_current)
from transforms.dedupe.stream import StreamDedupe

__all__ = ["Dedupe", "ReadState", "ReadValidators", "StateDamaged", "StreamDedupe", "WriteState",
           "checked_generation", "read_current"]
