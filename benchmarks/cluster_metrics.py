"""Pairwise clustering metrics for near-duplicate evaluation.

`pairwise_scores(gold, predicted)` compares two clusterings of the same items. Everything is
computed from the contingency table (how many items fall in gold cluster i AND predicted cluster
j), never by enumerating pairs, so 100k items take well under a second:

* pairs_gold      = sum_i C(a_i, 2)    same-cluster pairs in gold      (a_i = gold cluster sizes)
* pairs_predicted = sum_j C(b_j, 2)    same-cluster pairs predicted    (b_j = predicted sizes)
* pairs_correct   = sum_ij C(n_ij, 2)  pairs together in both
* precision = pairs_correct / pairs_predicted, recall = pairs_correct / pairs_gold,
  f1 = harmonic mean (0.0 when precision + recall == 0).
* ari = adjusted Rand index (Hubert & Arabie 1985):
      (index - expected) / (max_index - expected), where index = pairs_correct,
      expected = pairs_gold * pairs_predicted / C(n, 2), max_index = (pairs_gold + pairs_predicted) / 2.

Edge cases (documented conventions):
* no predicted pairs (every prediction a singleton): precision = 1.0 (nothing was wrongly merged);
* no gold pairs (every gold item a singleton): recall = 1.0 (nothing could be missed);
  so all-singletons against all-singletons scores 1.0 / 1.0 / 1.0;
* ARI: when the denominator is 0 (both clusterings trivial in the same way, e.g. both all
  singletons or both one cluster, or fewer than 2 items) ari = 1.0, as scikit-learn does.
  ARI can be negative (worse than chance) and is 0.0 in expectation for random labelings.
All counts are exact Python integers; the ratios are floats.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, Hashable, Mapping

__all__ = ["pairwise_scores"]


def _pairs(k: int) -> int:
    return k * (k - 1) // 2


def pairwise_scores(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Dict:
    """Pairwise precision/recall/F1 and adjusted Rand index of `predicted` against `gold`.

    gold, predicted: item id -> cluster label; both must cover exactly the same ids
    (ValueError otherwise). Labels are only compared for equality within one mapping, so the
    gold and predicted label spaces need not match.
    Returns {"precision", "recall", "f1", "ari", "pairs_gold", "pairs_predicted",
    "pairs_correct", "n_items"}.
    """
    if len(gold) != len(predicted) or gold.keys() != predicted.keys():
        missing = set(gold) ^ set(predicted)
        raise ValueError(f"gold and predicted cover different ids ({len(missing)} differ, "
                         f"e.g. {sorted(map(str, missing))[:5]})")
    n = len(gold)
    joint = Counter((g, predicted[i]) for i, g in gold.items())
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(predicted.values())

    pairs_correct = sum(_pairs(c) for c in joint.values())
    pairs_gold = sum(_pairs(c) for c in gold_sizes.values())
    pairs_pred = sum(_pairs(c) for c in pred_sizes.values())

    precision = pairs_correct / pairs_pred if pairs_pred else 1.0
    recall = pairs_correct / pairs_gold if pairs_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    total = _pairs(n)
    if total == 0:
        ari = 1.0
    else:
        # Multiply through by 2 * total to stay in integers until the final division:
        # (index - expected) / (max - expected) with expected = pg * pp / total, max = (pg + pp) / 2
        num = 2 * (pairs_correct * total - pairs_gold * pairs_pred)
        den = (pairs_gold + pairs_pred) * total - 2 * pairs_gold * pairs_pred
        ari = num / den if den else 1.0

    return {"precision": precision, "recall": recall, "f1": f1, "ari": ari,
            "pairs_gold": pairs_gold, "pairs_predicted": pairs_pred,
            "pairs_correct": pairs_correct, "n_items": n}
