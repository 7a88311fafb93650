"""The contract every candidate model passes (in the style of implicit's own tests)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shoplens.errors import InputError
from shoplens.guidance.recommend import Recommender, Rules
from shoplens.guidance.recommend.models import (
    ALS,
    EASE,
    Content,
    CoVisitation,
    ItemKNN,
    Popularity,
)

MODELS = {
    "popularity": lambda: Popularity("category"),
    "item_knn": lambda: ItemKNN(k=50),
    "item_knn_cosine": lambda: ItemKNN(k=50, weighting="cosine"),
    "als": lambda: ALS(factors=16, iterations=30, regularization=0.1, alpha=1.0, seed=3),
    "ease": lambda: EASE(l2=1.0),
    "covisit": lambda: CoVisitation(),
    "content": lambda: Content(),
}


def _fit(name, checkerboard):
    inter, items, vec, _ = checkerboard
    return Recommender({name: MODELS[name]()}, seed=3).fit(inter, items, item_vectors=vec)


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, checkerboard):
    return request.param, _fit(request.param, checkerboard)


def test_held_out_item_comes_first(fitted, checkerboard):
    name, rec = fitted
    held = checkerboard[3]
    users = list(held)
    top = rec.item_ids_[rec.top_n(users, 1, model=name)[:, 0]]
    assert top.tolist() == [held[u] for u in users]


def test_raw_ids_round_trip(fitted, checkerboard):
    _name, rec = fitted
    inter = checkerboard[0]
    for user in list(checkerboard[3])[:4]:
        out = rec.recommend(user, n=5, rules=Rules(category_cap=None))
        assert (out.customer_id == user).all()
        assert set(out.item_id) <= set(inter.item_id) | set(checkerboard[1].item_id)
        assert out["rank"].tolist() == list(range(1, len(out) + 1))
        assert out.reason.str.len().min() > 0


def test_save_load_gives_identical_scores(fitted, tmp_path, checkerboard):
    name, rec = fitted
    rec.save(tmp_path / "m")
    assert not any(p.suffix == ".pkl" for p in (tmp_path / "m").iterdir())
    back = Recommender.load(tmp_path / "m")
    users = [*list(checkerboard[3])[:6], "never seen"]
    X, idx = rec.rows(users)
    a = rec.model_scores(X, idx)[name]
    b = back.model_scores(*back.rows(users))[name]
    np.testing.assert_array_equal(a, b)
    assert back.recommend(users[0], n=5).equals(rec.recommend(users[0], n=5))


def test_no_excluded_item_is_recommended(fitted, checkerboard):
    _name, rec = fitted
    held = checkerboard[3]
    banned = frozenset(list(held.values())[::3])
    for user in list(held)[:8]:
        out = rec.recommend(user, n=20, rules=Rules(exclude_items=banned, category_cap=None))
        assert not set(out.item_id) & banned
        seen = set(checkerboard[0].query("customer_id == @user").item_id)
        assert not set(out.item_id) & seen
        band = rec.recommend(user, n=20, rules=Rules(price_band=(5, 15), category_cap=None))
        prices = dict(zip(checkerboard[1].item_id, checkerboard[1].price, strict=True))
        assert all(5 <= prices[i] <= 15 for i in band.item_id)
        capped = rec.recommend(user, n=10, rules=Rules(category_cap=2))
        assert capped.item_id.map(lambda i: int(i[-2:]) % 2).value_counts().max() <= 2


def test_deterministic_with_a_seed(fitted, checkerboard):
    name, rec = fitted
    again = _fit(name, checkerboard)
    users = list(checkerboard[3])
    a = rec.model_scores(*rec.rows(users))[name]
    b = again.model_scores(*again.rows(users))[name]
    np.testing.assert_array_equal(a, b)


def test_ease_matches_a_dense_numpy_reference():
    rng = np.random.default_rng(1)
    X = (rng.random((60, 25)) < 0.2) * rng.integers(1, 4, (60, 25)).astype(float)
    lam = 7.0
    G = X.T @ X + lam * np.eye(25)
    # the closed form, as written in Steck (2019): B = I - P diagMat(1/diag(P))
    P = np.linalg.inv(G)
    B = np.eye(25) - P @ np.diag(1.0 / np.diag(P))
    m = EASE(l2=lam).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(m.similarity_, B, atol=1e-10)
    np.testing.assert_allclose(np.diag(m.similarity_), 0.0, atol=1e-12)
    # and B minimises ||X - XB||^2 + lam ||B||^2 column by column with B_jj = 0
    j = 4
    others = [k for k in range(25) if k != j]
    A = X[:, others]
    ridge = np.linalg.solve(A.T @ A + lam * np.eye(24), A.T @ X[:, j])
    np.testing.assert_allclose(m.similarity_[others, j], ridge, atol=1e-8)


def test_als_scores_match_implicit_used_directly():
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(2)
    X = sp.csr_matrix((rng.random((50, 30)) < 0.15) * rng.integers(1, 5, (50, 30)), dtype=float)
    ours = ALS(factors=6, iterations=8, regularization=0.1, alpha=2.0, seed=5).fit(X)
    ref = AlternatingLeastSquares(
        factors=6, iterations=8, regularization=0.1, alpha=2.0, random_state=5, num_threads=1
    )
    with threadpool_limits(1, "blas"):
        ref.fit(sp.csr_matrix(X, dtype=np.float32), show_progress=False)
    users = np.arange(50)
    np.testing.assert_allclose(
        ours.score(X, users), ref.user_factors @ ref.item_factors.T, rtol=1e-5, atol=1e-5
    )
    # fold-in of a known user equals implicit's recalculate_user
    with threadpool_limits(1, "blas"):
        want = ref.recalculate_user(7, X[7].astype(np.float32))
    np.testing.assert_allclose(ours.fold_in(X[7]).ravel(), np.ravel(want), rtol=1e-4, atol=1e-5)


def test_bad_input(checkerboard):
    import pandas as pd

    inter, items, _vec, _ = checkerboard
    with pytest.raises(InputError, match="no interactions"):
        Recommender({"p": Popularity()}).fit(inter.iloc[:0])
    with pytest.raises(InputError, match="columns"):
        Recommender({"p": Popularity()}).fit(pd.DataFrame({"a": [1]}))
    rec = Recommender({"p": Popularity()}).fit(inter, items)
    with pytest.raises(InputError, match="unknown item"):
        rec.similar("no such item")
    with pytest.raises(InputError, match="not fitted"):
        Recommender().recommend("x")
    with pytest.raises(InputError, match="affords"):
        EASE().fit(sp.csr_matrix((2, 20_001)))
    out = rec.recommend("a brand-new customer", n=3)
    assert out.reason.str.startswith("popular").all()
