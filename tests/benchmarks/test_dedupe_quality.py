"""Near-duplicate quality floor on a small fixed set of generated reprints and hard negatives."""



from benchmarks.cluster_metrics import pairwise_scores  # noqa: E402
from benchmarks.dedupe_eval import breakdown, item_to_story, run_dedupe, story_to_json  # noqa: E402
from benchmarks.reprints import generate  # noqa: E402


def test_precision_and_recall_floor(tmp_path):
    items = generate(250, seed=4, source="synthetic")
    path = tmp_path / "stories.jsonl"
    path.write_text("".join(story_to_json(item_to_story(it)) + "\n" for it in items), encoding="utf-8")
    predicted = run_dedupe(str(path), str(tmp_path / "out" / "clusters"))
    assert set(predicted) == {it.id for it in items}          # nothing lost, nothing invented
    scores = pairwise_scores({it.id: it.cluster for it in items}, predicted)
    print(f"precision {scores['precision']:.4f} recall {scores['recall']:.4f} ARI {scores['ari']:.4f}")
    assert scores["precision"] >= 0.98
    assert scores["recall"] >= 0.92
    rates = breakdown(items, predicted)
    for kind in ("negative:agency-versions", "negative:outlet-boilerplate", "negative:same-topic", "negative:short"):
        assert rates[kind].startswith("0/"), (kind, rates[kind])   # no hard negative merged
