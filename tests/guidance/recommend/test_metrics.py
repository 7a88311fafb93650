"""Ranking metrics against hand-computed values (Microsoft Recommenders' definitions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shoplens.guidance.recommend.blend import fit_blend
from shoplens.guidance.recommend.metrics import (
    coverage,
    intra_list_diversity,
    novelty,
    ranking_metrics,
)


def test_hand_computed_case():
    # customer 0: hits at ranks 1 and 3 of 4 relevant; customer 1: nothing relevant found
    recs = np.array([[5, 7, 2, 9], [1, 2, 3, 4]])
    rel = [{5, 2, 11, 12}, {8}]
    m = ranking_metrics(recs, rel, k=4)
    assert m["recall"].tolist() == [0.5, 0.0]
    assert m["hit_rate"].tolist() == [1.0, 0.0]
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(5)
    assert m["ndcg"][0] == pytest.approx(dcg / idcg)
    assert m["map"][0] == pytest.approx((1 / 1 + 2 / 3) / 4)
    assert m["ndcg"][1] == 0.0
    # K smaller than |relevant|: ideal DCG and MAP use min(|rel|, K)
    m2 = ranking_metrics(recs, rel, k=2)
    assert m2["ndcg"][0] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert m2["map"][0] == pytest.approx(1 / 2)


def test_catalog_metrics():
    recs = np.array([[0, 1], [1, 3]])
    assert coverage(recs, 8) == 3 / 8
    share = np.array([0.5, 0.25, 1.0, 0.125])
    assert novelty(recs, share) == pytest.approx((1 + 2 + 2 + 3) / 4)
    vec = np.array([[1.0, 0], [1.0, 0], [0, 1], [0, 1]])
    assert intra_list_diversity(recs, vec) == pytest.approx((0.0 + 1.0) / 2)


def test_blend_weights_find_the_informative_model():
    rng = np.random.default_rng(0)
    n, m = 60, 30
    rel = [{int(rng.integers(m))} for _ in range(n)]
    good = rng.standard_normal((n, m))
    for u, r in enumerate(rel):
        good[u, next(iter(r))] += 3.0
    noise = rng.standard_normal((n, m))
    w = fit_blend({"good": good, "noise": noise}, rel, np.zeros((n, m), bool), k=5)
    assert w["good"] > w["noise"]
