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


def test_default_single_round_is_exact_with_labels_that_are_not_node_ids():
    """One round (the default) and the residual step give every node its component's smallest
    label; isolated nodes (no edge) keep their own label without taking part in the rounds."""
    rng = random.Random(11)
    nodes = [f"id{i:03d}" for i in range(200)]
    label = {n: f"{rng.randint(0, 99):02d}|{n}" for n in nodes}
    edges = [(rng.choice(nodes[:120]), rng.choice(nodes[:120])) for _ in range(110)]
    edges += [(nodes[150 + i], nodes[151 + i]) for i in range(20)]          # a chain of 21
    root = union_find([(label[a], label[b]) for a, b in edges] + [(label[n], label[n]) for n in nodes])
    expected = sorted((n, root[label[n]]) for n in nodes)
    assert sum(1 for n in nodes if all(n not in e for e in edges)) > 40      # isolated nodes exist
    with TestPipeline() as p:
        out = ({"edges": p | "E" >> beam.Create(edges),
                "labels": p | "L" >> beam.Create(sorted(label.items()))}
               | ConnectedComponents())
        assert_that(out, equal_to(expected))


def test_no_edges_at_all():
    run(["a", "b", "c"], [], rounds=1)
