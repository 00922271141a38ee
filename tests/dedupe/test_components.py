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


# --------------------------------------------------------------------------- no single key

def _graphs():
    """(name, nodes, edges): chains, stars, long paths of 200 nodes, many components."""
    rng = random.Random(2026)
    out = []
    nodes = [f"p{i:03d}" for i in range(200)]
    out.append(("path of 200, sorted", nodes, [(nodes[i], nodes[i + 1]) for i in range(199)]))
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    out.append(("path of 200, shuffled", nodes, [(shuffled[i], shuffled[i + 1]) for i in range(199)]))
    zig = [nodes[i // 2] if i % 2 == 0 else nodes[199 - i // 2] for i in range(200)]
    out.append(("path of 200, zigzag", nodes, [(zig[i], zig[i + 1]) for i in range(199)]))
    star = [f"s{i:03d}" for i in range(150)]
    out.append(("star centred on the largest", star, [(star[-1], s) for s in star[:-1]]))
    many = [f"m{i:04d}" for i in range(600)]
    edges = []
    for c in range(60):                           # 60 components of 2..10 nodes, chains and stars
        members = many[c * 10: c * 10 + rng.randint(2, 10)]
        if c % 2:
            edges += [(members[i], members[i + 1]) for i in range(len(members) - 1)]
        else:
            edges += [(members[0], m) for m in members[1:]]
    out.append(("many small components", many, edges))
    rand = [f"r{i:03d}" for i in range(300)]
    out.append(("random, with isolated nodes", rand,
                [(rng.choice(rand), rng.choice(rand)) for _ in range(260)]))
    return out


def test_exact_on_random_graphs_for_any_number_of_star_rounds():
    """All the graphs at once (disjoint node names), against a plain union-find, with 0 star
    rounds (everything goes to the fallback), 1, the default and enough for the paths to
    settle without the fallback."""
    graphs = _graphs()
    nodes = [f"{g}{n}" for g, (_, ns, _) in enumerate(graphs) for n in ns]
    edges = [(f"{g}{a}", f"{g}{b}") for g, (_, _, es) in enumerate(graphs) for a, b in es]
    assert len(set(nodes)) == len(nodes) == 1650
    expected = reference(nodes, edges)
    assert len({root for _, root in expected}) > 100          # many components
    with TestPipeline() as p:
        e, l = p | "E" >> beam.Create(edges), p | "L" >> beam.Create([(n, n) for n in nodes])
        for star_rounds in (0, 1, 2, 8):
            out = {"edges": e, "labels": l} | f"CC{star_rounds}" >> ConnectedComponents(star_rounds=star_rounds)
            assert_that(out, equal_to(expected), label=f"check{star_rounds}")


def _residual_pairs(nodes, edges, star_rounds):
    from apache_beam.metrics.metric import MetricsFilter
    p = TestPipeline()
    out = ({"edges": p | "E" >> beam.Create(edges), "labels": p | "L" >> beam.Create([(n, n) for n in nodes])}
           | ConnectedComponents(star_rounds=star_rounds))
    assert_that(out, equal_to(reference(nodes, edges)))
    result = p.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_name("components_residual_pairs"))["counters"]
    return sum(c.committed for c in counters)


def test_fallback_holds_only_the_unsettled_pairs():
    """A sorted path of 200 settles after 8 star rounds (nothing left for the one-key fallback);
    after 2 rounds some label pairs remain, and the fallback still makes the result exact."""
    nodes = [f"p{i:03d}" for i in range(200)]
    edges = [(nodes[i], nodes[i + 1]) for i in range(199)]
    assert _residual_pairs(nodes, edges, star_rounds=8) == 0
    left = _residual_pairs(nodes, edges, star_rounds=2)
    assert 0 < left < 2 * len(edges)


def test_settled_star_check():
    from transforms.dedupe.components import Parent, settled_star
    assert list(settled_star(("b", ["a"]))) == [Parent("b", "a")]            # a leaf
    assert list(settled_star(("a", ["b", "c"]))) == []                       # a centre
    out = list(settled_star(("b", ["a", "c"])))                              # on a path: unsettled
    assert sorted(o.value for o in out) == [("b", "a"), ("b", "c")]
