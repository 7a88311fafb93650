"""Segmentation: recovers planted groups, names them from centroids, picks k by silhouette."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.lifecycle.segments import CustomerSegmenter, distinct_names


def planted(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 120
    groups = {
        "vip": dict(
            n_orders=(12, 1),
            monetary=(9000, 500),
            recency_days=(10, 3),
            discount_share=(0.02, 0.01),
        ),
        "gone": dict(
            n_orders=(2, 0.3),
            monetary=(300, 50),
            recency_days=(300, 20),
            discount_share=(0.02, 0.01),
        ),
        "deal": dict(
            n_orders=(3, 0.3), monetary=(400, 50), recency_days=(30, 5), discount_share=(0.3, 0.02)
        ),
        "none": dict(
            n_orders=(0, 0), monetary=(0, 0), recency_days=(500, 1), discount_share=(0, 0)
        ),
    }
    frames, truth = [], []
    for i, spec in enumerate(groups.values()):
        frames.append(pd.DataFrame({k: np.abs(rng.normal(m, s, n)) for k, (m, s) in spec.items()}))
        truth += [i] * n
    return pd.concat(frames, ignore_index=True), np.array(truth)


def test_planted_groups_are_found_and_named():
    from sklearn.metrics import adjusted_rand_score

    X, truth = planted()
    seg = CustomerSegmenter(k_range=(2, 6), random_state=0).fit(X)
    assert seg.k_ == 4
    assert max(seg.silhouette_, key=seg.silhouette_.get) == 4
    assert adjusted_rand_score(truth, seg.labels_) > 0.95
    name_of = {g: seg.names_[int(np.bincount(seg.labels_[truth == g]).argmax())] for g in range(4)}
    assert name_of == {
        0: "high-value loyal",
        1: "slipping away",
        2: "bargain hunters",
        3: "lapsed visitors",
    }
    assert seg.profile_["size"].sum() == len(X)
    np.testing.assert_array_equal(seg.predict(X), seg.labels_)
    assert seg.to_dict()["names"] == {str(k): v for k, v in seg.names_.items()}


def test_given_k_and_errors():
    X, _ = planted(1)
    assert CustomerSegmenter(k=3).fit(X).k_ == 3
    with pytest.raises(InputError):
        CustomerSegmenter(k=1).fit(X)
    with pytest.raises(InputError):
        CustomerSegmenter().fit(pd.DataFrame())
    with pytest.raises(InputError):
        CustomerSegmenter().predict(X)


def test_segments_with_the_same_base_name_get_distinct_meaningful_names():
    """Two lapsing groups that differ only in spend: named apart by spend, no numbers."""
    rng = np.random.default_rng(3)
    n = 100
    groups = {
        "gone_rich": dict(n_orders=(2, 0.3), monetary=(3000, 200), recency_days=(300, 20)),
        "gone_poor": dict(n_orders=(2, 0.3), monetary=(100, 10), recency_days=(300, 20)),
        "vip": dict(n_orders=(12, 1), monetary=(9000, 500), recency_days=(10, 3)),
    }
    frames, truth = [], []
    for i, spec in enumerate(groups.values()):
        frames.append(pd.DataFrame({k: np.abs(rng.normal(m, s, n)) for k, (m, s) in spec.items()}))
        truth += [i] * n
    X, truth = pd.concat(frames, ignore_index=True), np.array(truth)
    seg = CustomerSegmenter(k=3, random_state=0).fit(X)
    name_of = {g: seg.names_[int(np.bincount(seg.labels_[truth == g]).argmax())] for g in range(3)}
    assert len(set(seg.names_.values())) == 3
    assert name_of[0] == "slipping away, higher spend"
    assert name_of[1] == "slipping away, lower spend"
    assert name_of[2] == "high-value loyal"
    assert list(seg.profile_["name"]) == [seg.names_[i] for i in range(3)]


def test_distinct_names_of_three_alike_segments():
    z = pd.DataFrame(
        {"monetary": [2.0, -2.0, 0.0], "recency_days": [0.0, 0.0, 3.0], "n_orders": 0.0}
    )
    names = distinct_names(dict.fromkeys(range(3), "occasional buyers"), z)
    assert names == {
        0: "occasional buyers, higher spend",
        1: "occasional buyers, lower spend",
        2: "occasional buyers, longer gone",
    }
    same = pd.DataFrame({"monetary": [0.0, 0.05]})  # no real difference: numbered
    assert distinct_names({0: "new buyers", 1: "new buyers"}, same) == {
        0: "new buyers (1)",
        1: "new buyers (2)",
    }


def test_k_chosen_on_a_sample_then_fitted_on_everyone():
    from sklearn.metrics import adjusted_rand_score

    X, truth = planted(2)
    seg = CustomerSegmenter(k_range=(2, 6), random_state=0, search_size=150).fit(X)
    assert seg.k_ == 4 and len(seg.labels_) == len(X)
    assert adjusted_rand_score(truth, seg.labels_) > 0.95
    np.testing.assert_array_equal(seg.predict(X), seg.labels_)
    assert sorted(seg.names_.values()) == sorted(
        ["high-value loyal", "slipping away", "bargain hunters", "lapsed visitors"]
    )
