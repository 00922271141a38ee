"""Connected components of the duplicate graph, with Beam transforms.

Minimum-label propagation: every node starts with its own label (an order key, so the smallest
label of a component is its canonical story) and, for ROUNDS rounds, takes the smallest label
among itself and its neighbours. Components of reprints are shallow (bucket pairs are stars and
chains), so a few rounds settle almost everything. Whatever has not settled is finished exactly:
the edges whose two ends still disagree are contracted to label pairs, which are few, and joined
with union-find in one step, then mapped back. The result is exact for any graph.
"""
from __future__ import annotations

from typing import Dict, Iterable, Tuple

import apache_beam as beam

ROUNDS = 3


def union_find(pairs: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """label -> smallest label connected to it, for the labels in `pairs`."""
    parent: Dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            parent[hi] = lo
    return {x: find(x) for x in parent}


def _spread(element):
    node, grouped = element
    labels = list(grouped["label"])
    if not labels:   # an edge to a node nobody labelled: ignore it
        return
    label = min(labels)
    yield node, label
    for neighbour in grouped["adj"]:
        yield neighbour, label


def _edge_label_pairs(element):
    """(node, {'edge': [other ends], 'label': [label]}) -> (other end, this end's label)."""
    _, grouped = element
    labels = list(grouped["label"])
    for other in grouped["edge"]:
        yield other, labels[0]


def _relabel(element):
    label, grouped = element
    roots = list(grouped["root"])
    final = roots[0] if roots else label
    for node in grouped["nodes"]:
        yield node, final


class ConnectedComponents(beam.PTransform):
    """{'edges': (a, b, …), 'labels': (node, label)} -> (node, component's smallest label).

    Every node needs an initial label; nodes without edges keep theirs.
    """

    def __init__(self, rounds: int = ROUNDS):
        super().__init__()
        self._rounds = rounds

    def expand(self, inputs):
        edges, labels = inputs["edges"], inputs["labels"]
        both_ways = edges | "BothWays" >> beam.FlatMap(lambda e: [(e[0], e[1]), (e[1], e[0])])
        adjacency = both_ways | "Adjacency" >> beam.GroupByKey() | "Neighbours" >> beam.MapTuple(
            lambda n, nbrs: (n, sorted(set(nbrs))))
        adjacency = adjacency | "FlattenAdj" >> beam.FlatMapTuple(lambda n, nbrs: [(n, m) for m in nbrs])
        for i in range(self._rounds):
            labels = ({"adj": adjacency, "label": labels}
                      | f"Join{i}" >> beam.CoGroupByKey()
                      | f"Spread{i}" >> beam.FlatMap(_spread)
                      | f"Min{i}" >> beam.CombinePerKey(min))
        # Edges whose ends still disagree, as label pairs, joined exactly in one step.
        left = ({"edge": both_ways, "label": labels}
                | "JoinEdgeA" >> beam.CoGroupByKey()
                | "LabelA" >> beam.FlatMap(_edge_label_pairs))
        disagree = ({"la": left, "label": labels}
                    | "JoinEdgeB" >> beam.CoGroupByKey()
                    | "LabelPairs" >> beam.FlatMap(lambda kv: [
                        (la, lb) for la in kv[1]["la"] for lb in list(kv[1]["label"])[:1] if la != lb]))
        mapping = (disagree
                   | "OneGroup" >> beam.Map(lambda pair: (None, pair))
                   | "Residual" >> beam.GroupByKey()
                   | "UnionFind" >> beam.FlatMapTuple(lambda _, pairs: union_find(pairs).items()))
        # Relabel with a join rather than a side input (side inputs derived from the main graph
        # are recomputed per partition on some runners, e.g. Dask).
        return ({"nodes": labels | "ByLabel" >> beam.MapTuple(lambda node, label: (label, node)),
                 "root": mapping}
                | "JoinMapping" >> beam.CoGroupByKey()
                | "Relabel" >> beam.FlatMap(_relabel))
