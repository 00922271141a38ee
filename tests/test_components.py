"""ConnectedComponents: smallest label per component, exact for any graph."""
import random

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.dedupe.components import ConnectedComponents, union_find


def reference(nodes, edges):
    mapping = union_find([(a, b) for a, b in edges] + [(n, n) for n in nodes])
    return sorted((n, mapping[n]) for n in nodes)


def run(nodes, edges, rounds):
    with TestPipeline() as p:
        out = ({"edges": p | "E" >> beam.Create(edges), "labels": p | "L" >> beam.Create([(n, n) for n in nodes])}
               | ConnectedComponents(rounds=rounds))
        assert_that(out, equal_to(reference(nodes, edges)))


def test_long_chain_needs_the_exact_residual_step():
    nodes = [f"n{i:03d}" for i in range(40)]
    edges = [(nodes[i + 1], nodes[i]) for i in range(39)]       # diameter 39 >> 3 rounds
    run(nodes, edges, rounds=3)


def test_random_graph_with_isolated_nodes():
    rng = random.Random(7)
    nodes = [f"s{i:03d}" for i in range(120)]
    edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(90)]
    run(nodes, edges, rounds=2)


def test_union_find_prefers_smallest():
    assert union_find([("c", "b"), ("b", "d"), ("x", "y")]) == {"b": "b", "c": "b", "d": "b", "x": "x", "y": "x"}
