"""_Buckets remembers the pairs it emitted in a bundle (to skip repeats) in a bounded set."""
import random
import tracemalloc

from transforms.dedupe import candidates
from transforms.dedupe.candidates import EMITTED_MAX, _Buckets


def _shard(n_members=400, n_keys=600, per_bucket=8, seed=3):
    """One shard's items: members sharing random LSH keys, 8 to a bucket (all pairs)."""
    r = random.Random(seed)
    keys = {i: [] for i in range(n_members)}
    for k in range(n_keys):
        for i in r.sample(range(n_members), per_bucket):
            keys[i].append(1_000_000 + k)
    return (7, [((f"{i:020x}", f"label-{i:05d}"), band, None) for i, band in keys.items()])


def _pairs(fn, element, watch=None):
    fn.start_bundle()
    out = []
    for pair in fn.process(element):
        out.append(pair)
        if watch is not None:
            watch.append(len(fn._emitted))
    return out


def test_emitted_set_stays_under_its_cap_and_loses_no_pair(monkeypatch):
    element = _shard()
    unbounded = _pairs(_Buckets(), element)
    assert len(set(unbounded)) == len(unbounded) > 5_000           # each pair once
    monkeypatch.setattr(candidates, "EMITTED_MAX", 1_000)
    sizes = []
    bounded = _pairs(_Buckets(), element, sizes)
    assert max(sizes) <= 1_000
    assert set(bounded) == set(unbounded)                            # DistinctPairs sees the same pairs


def test_emitted_set_at_its_cap_is_small():
    """The set at EMITTED_MAX pairs of 20-hex-digit ids (each pair's own strings, as decoded)
    takes at most ~32 MB of a worker."""
    n = 20_000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    emitted = {(f"{2 * i:020x}", f"{2 * i + 1:020x}") for i in range(n)}
    per_pair = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    assert len(emitted) == n and 150 < per_pair < 400
    assert EMITTED_MAX * per_pair <= 32 * 2**20
