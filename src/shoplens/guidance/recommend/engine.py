"""The :class:`Recommender` engine: raw ids in and out, candidate models and a blend inside.

The engine owns the frames (customer and item ids of any string form, the catalog, the
matrix); each model owns its maths on integer indices. ``recommend`` scores every model
for the customer (known: their row; new: their live session only), blends the z-scored
scores with the fitted weights, re-ranks with the session, applies the business rules and
MMR diversity, and gives each item a reason.

Examples
--------
>>> import pandas as pd
>>> from shoplens.guidance.recommend.models import ItemKNN, Popularity
>>> inter = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
...                       "item_id": ["x", "y", "x", "y", "x"], "weight": 1.0})
>>> rec = Recommender({"knn": ItemKNN(k=5), "pop": Popularity()}).fit(inter)
>>> rec.recommend("c", n=1)[["customer_id", "item_id"]].values.tolist()
[['c', 'y']]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shoplens.errors import InputError
from shoplens.guidance.recommend.models import MODELS, CandidateModel, FitContext
from shoplens.guidance.recommend.rerank import Rules, SessionEvents, rerank
from shoplens.guidance.recommend.tokens import QueryIndex

__all__ = ["FORMAT_VERSION", "Recommender", "default_models"]

#: version stamp of saved engines (``manifest.json``)
FORMAT_VERSION = 1


def default_models(seed: int = 0, *, content: bool = True) -> dict[str, CandidateModel]:
    """The candidate models a shop gets by default (content only with a catalog).

    Examples
    --------
    >>> sorted(default_models(content=False))
    ['als', 'covisit', 'ease', 'item_knn', 'popularity']
    """
    from shoplens.guidance.recommend.models import (
        ALS,
        EASE,
        Content,
        CoVisitation,
        ItemKNN,
        Popularity,
    )

    out: dict[str, CandidateModel] = {
        "popularity": Popularity("category"),
        "item_knn": ItemKNN(),
        "als": ALS(seed=seed),
        "ease": EASE(),
        "covisit": CoVisitation(),
    }
    if content:
        out["content"] = Content()
    return out


def _zscore(s: np.ndarray) -> np.ndarray:
    mu = s.mean(axis=1, keepdims=True)
    sd = s.std(axis=1, keepdims=True)
    return (s - mu) / np.where(sd > 0, sd, 1.0)


def _ids(values: Iterable[Any], what: str) -> np.ndarray:
    arr = pd.Series(list(values), dtype=object)
    if arr.isna().any():
        raise InputError(f"{what} ids must not be missing")
    return arr.astype(str).to_numpy(dtype=str)


class Recommender:
    """Hybrid recommender: candidate models, a linear blend, session re-ranking, rules.

    Parameters
    ----------
    models
        Candidate models by name (default :func:`default_models`).
    weights
        Blend weight per model name (default: equal); :meth:`set_weights` or
        :func:`~shoplens.guidance.recommend.blend.fit_blend` change them.
    seed
        Seed of every model that draws.
    text
        Item text the content model embeds: ``"full"`` (title, brand, category,
        description, attributes) or ``"short"`` (title, brand, category and the titles in
        other languages; about 4x faster to embed).
    """

    def __init__(
        self,
        models: Mapping[str, CandidateModel] | None = None,
        weights: Mapping[str, float] | None = None,
        seed: int = 0,
        text: str = "full",
    ) -> None:
        self.models = models
        self.weights = weights
        self.seed = seed
        self.text = text

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        *,
        sessions: pd.DataFrame | None = None,
        purchased: pd.DataFrame | None = None,
        shown: pd.DataFrame | None = None,
        recent: pd.DataFrame | None = None,
        item_vectors: np.ndarray | None = None,
        embed_cache: str | Path | None = None,
    ) -> Recommender:
        """Fit every candidate model.

        Parameters
        ----------
        interactions
            ``customer_id, item_id, weight`` (see :func:`~.interactions.interactions`).
        items
            The catalog (``item_id`` and optionally ``title, category, price,
            attributes``): its items without interactions are cold-start items.
        sessions
            ``key, item_id, weight`` for co-visitation (default: the interactions).
        purchased
            ``customer_id, item_id`` pairs the rules exclude (bought, not consumable).
        shown
            ``customer_id, item_id, shown, clicked`` impression counts of served lists.
        recent
            ``item_id, weight``: recent weight per item for trending popularity.
        item_vectors
            Content embeddings per catalog row (default: embedded from the catalog text).
        """
        need = {"customer_id", "item_id", "weight"}
        if interactions is None or not need <= set(interactions.columns):
            raise InputError(f"interactions need the columns {sorted(need)}")
        inter = interactions[interactions["weight"] > 0]
        if inter.empty:
            raise InputError(
                "no interactions to learn from: ingest events or orders (and check the window)"
            )
        rows, self.user_ids_ = _factor(inter["customer_id"], "customer")
        icodes, item_uniques = _factor(inter["item_id"], "item")
        catalog = None
        if items is not None and len(items):
            catalog = items.drop_duplicates("item_id").copy()
            catalog["item_id"] = _ids(catalog["item_id"], "item")
            self.item_ids_ = np.union1d(item_uniques, catalog["item_id"].to_numpy(str))
        else:
            self.item_ids_ = item_uniques
        cols = np.searchsorted(self.item_ids_, item_uniques)[icodes]
        self.user_index_ = {u: i for i, u in enumerate(self.user_ids_.tolist())}
        self.item_index_ = {u: i for i, u in enumerate(self.item_ids_.tolist())}
        shape = (len(self.user_ids_), len(self.item_ids_))
        self.X_ = _csr(rows, cols, inter["weight"].to_numpy(float), shape)
        self._catalog(catalog)
        self.age_ = sp.csr_matrix(shape)
        if "last_ts" in inter.columns:  # days to each pair's last touch (+1: stays non-zero)
            ts = pd.to_datetime(inter["last_ts"], utc=True)
            days = ((ts.max() - ts).dt.total_seconds() / 86400.0).to_numpy(float) + 1.0
            self.age_ = _csr(rows, cols, days, shape)
        self.purchased_ = self._pairs(purchased)
        self.shown_ = self._shown(shown)
        ctx = FitContext(category=self.item_category_, seed=self.seed)
        if sessions is not None and len(sessions):
            s = sessions[sessions["item_id"].notna() & sessions["key"].notna()]
            codes, keys = pd.factorize(s["key"])
            icodes, iuniq = _factor(s["item_id"], "item")
            known = np.isin(iuniq, self.item_ids_)
            pos = np.searchsorted(self.item_ids_, iuniq).clip(max=len(self.item_ids_) - 1)
            keep = known[icodes]
            ctx.sessions = sp.csr_matrix(
                (s["weight"].to_numpy(float)[keep], (codes[keep], pos[icodes][keep])),
                (len(keys), len(self.item_ids_)),
            )
        if recent is not None and len(recent):
            r = np.zeros(len(self.item_ids_))
            for i, w in zip(recent["item_id"].astype(str), recent["weight"], strict=True):
                if i in self.item_index_:
                    r[self.item_index_[i]] += float(w)
            ctx.recent = r
        models = (
            dict(self.models)
            if self.models is not None
            else default_models(self.seed, content=catalog is not None or item_vectors is not None)
        )
        if "content" in {m.name for m in models.values()}:
            ctx.item_vectors = self._vectors(catalog, item_vectors, embed_cache)
        self.models_ = {}
        for name, model in models.items():
            model = type(model)(**model.get_params())
            self.models_[name] = model.fit(self.X_, ctx)
        self.weights_ = {k: float((self.weights or {}).get(k, 1.0)) for k in self.models_}
        return self

    def _matrix(self, users, items, weights, n_users) -> sp.csr_matrix:
        r = _positions(self.user_ids_, users, self.user_index_)
        c = _positions(self.item_ids_, items, self.item_index_)
        X = sp.csr_matrix((weights, (r, c)), (n_users, len(self.item_ids_)), dtype=np.float64)
        X.sum_duplicates()
        return X

    def _pairs(self, pairs: pd.DataFrame | None) -> sp.csr_matrix:
        n, m = len(self.user_ids_), len(self.item_ids_)
        if pairs is None or pairs.empty:
            return sp.csr_matrix((n, m))
        u = pairs["customer_id"].astype(str).map(self.user_index_)
        i = pairs["item_id"].astype(str).map(self.item_index_)
        ok = u.notna() & i.notna()
        out = sp.csr_matrix(
            (np.ones(int(ok.sum())), (u[ok].astype(int), i[ok].astype(int))), (n, m)
        )
        out.data[:] = 1.0
        return out

    def _shown(self, shown: pd.DataFrame | None) -> sp.csr_matrix:
        if shown is None or shown.empty:
            return self._pairs(None)
        s = shown[shown["clicked"].fillna(0) == 0]
        n, m = len(self.user_ids_), len(self.item_ids_)
        u = s["customer_id"].astype(str).map(self.user_index_)
        i = s["item_id"].astype(str).map(self.item_index_)
        ok = u.notna() & i.notna()
        w = s["shown"].to_numpy(float)[ok.to_numpy()]
        return sp.csr_matrix((w, (u[ok].astype(int), i[ok].astype(int))), (n, m))

    def _catalog(self, catalog: pd.DataFrame | None) -> None:
        m = len(self.item_ids_)
        info = pd.DataFrame(index=pd.Index(self.item_ids_, name="item_id"))
        if catalog is not None:
            info = info.join(catalog.set_index("item_id"))
        cat = info["category"] if "category" in info else pd.Series([None] * m, index=info.index)
        codes, names = pd.factorize(cat.astype(object), use_na_sentinel=True)
        self.item_category_ = codes.astype(np.int64)
        self.category_names_ = np.asarray(names, dtype=str)
        price = info["price"] if "price" in info else pd.Series(np.nan, index=info.index)
        self.item_price_ = price.to_numpy(dtype=float)
        titles = info["title"] if "title" in info else pd.Series(self.item_ids_, index=info.index)
        self.item_title_ = titles.fillna(pd.Series(self.item_ids_, index=info.index)).to_numpy(str)
        attrs = info["attributes"] if "attributes" in info else pd.Series([None] * m)
        avail = np.ones(m, dtype=bool)
        for k, raw in enumerate(attrs.tolist()):
            if isinstance(raw, str) and ("stock" in raw):
                try:
                    a = json.loads(raw)
                except ValueError:
                    continue
                if a.get("in_stock") is False or a.get("stock") == 0:
                    avail[k] = False
        self.available_ = avail
        self.query_index_ = QueryIndex().fit(
            [f"{t} {c}" for t, c in zip(self.item_title_, cat.fillna("").astype(str), strict=True)]
        )

    def _vectors(self, catalog, item_vectors, cache) -> np.ndarray:
        if item_vectors is not None:
            V = np.asarray(item_vectors, dtype=np.float32)
            if V.shape[0] != len(self.item_ids_):
                raise InputError(
                    f"item_vectors has {V.shape[0]} rows for {len(self.item_ids_)} items"
                )
            return V
        if catalog is None:
            raise InputError("the content model needs the catalog (items) or item_vectors")
        from shoplens.guidance.recommend.item_text import embed_items

        rows = catalog.set_index("item_id").reindex(self.item_ids_).reset_index()
        return embed_items(rows, cache=cache, short=self.text == "short")

    # ------------------------------------------------------------------ scoring
    def _check(self) -> None:
        if not hasattr(self, "models_"):
            raise InputError("the recommender is not fitted: call fit (or load) first")

    def rows(self, customers: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Interaction rows and matrix indices (``-1``: unknown) of these customers."""
        self._check()
        users = np.array([self.user_index_.get(str(c), -1) for c in customers], dtype=np.int64)
        return _take_rows(self.X_, users), users

    def model_scores(
        self, X_users: sp.csr_matrix, users: np.ndarray, names: Iterable[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Raw scores of each model (rows: customers, columns: items)."""
        names = list(self.models_) if names is None else list(names)
        for n in names:
            if n not in self.models_:
                raise InputError(f"unknown model {n!r}; fitted: {', '.join(self.models_)}")
        return {n: self.models_[n].score(X_users, users) for n in names}

    def blend(
        self, scores: Mapping[str, np.ndarray], weights: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """``sum_m w_m * z(scores_m)``: per-customer z-scores, weighted."""
        w = self.weights_ if weights is None else weights
        out = None
        for name, s in scores.items():
            if w.get(name, 0.0) == 0.0:
                continue
            z = w[name] * _zscore(s)
            out = z if out is None else out + z
        if out is None:
            return np.zeros_like(next(iter(scores.values())))
        return out

    def top_n(
        self,
        customers: Sequence[str],
        n: int = 10,
        *,
        model: str | None = None,
        weights: Mapping[str, float] | None = None,
        exclude_seen: bool = True,
    ) -> np.ndarray:
        """Item indices of each customer's top ``n`` (fast path for evaluation).

        ``model``: one candidate model's own ranking; ``None``: the blend.
        """
        X, users = self.rows(customers)
        if model is None:
            names = [k for k, v in (weights or self.weights_).items() if v != 0.0]
            s = self.blend(self.model_scores(X, users, names), weights)
        else:
            s = self.model_scores(X, users, [model])[model]
        s = s.astype(np.float64, copy=True)
        cold = np.flatnonzero(np.diff(X.indptr) == 0)
        pop = next((k for k, m in self.models_.items() if m.name == "popularity"), None)
        if len(cold) and pop is not None:  # nothing known: popularity, as recommend does
            s[cold] = self.models_[pop].score(X[cold], users[cold])
        if exclude_seen:
            s[X.nonzero()] = -np.inf
        n = min(n, s.shape[1])
        part = np.argpartition(-s, n - 1, axis=1)[:, :n]
        order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1)

    def set_weights(self, weights: Mapping[str, float]) -> Recommender:
        """Use these blend weights (models left out get 0)."""
        self._check()
        self.weights_ = {k: float(weights.get(k, 0.0)) for k in self.models_}
        return self

    def recommend(
        self,
        customer: str,
        n: int = 10,
        *,
        session: SessionEvents | None = None,
        rules: Rules | None = None,
    ) -> pd.DataFrame:
        """One customer's list: ``customer_id, rank, item_id, score, model, reason``.

        A customer the engine has not seen gets what their session suggests, or the
        popular items with a "popular in ..." reason; every rule in ``rules`` holds.
        """
        self._check()
        return rerank(self, str(customer), n, session, rules or Rules())

    def similar(self, item: str, n: int = 10, *, model: str | None = None) -> pd.DataFrame:
        """Items most similar to ``item``: ``item_id, rank, similar_id, score, model``."""
        self._check()
        if str(item) not in self.item_index_:
            raise InputError(f"unknown item {item!r}: it is not in the fitted catalog")
        if model is None:
            model = next((m for m in ("content", "item_knn", "ease") if m in self.models_), None)
            model = model or next(iter(self.models_))
        if model not in self.models_:
            raise InputError(f"unknown model {model!r}; fitted: {', '.join(self.models_)}")
        k = self.item_index_[str(item)]
        m = self.models_[model]
        if model == "content" or m.name == "content":
            from shoplens.guidance.recommend.models.content import nearest

            idx, sc = nearest(m.item_vectors_, m.item_vectors_[k], n + 1)
            idx, sc = idx[0], sc[0]
        else:
            s = m.similar_items(np.array([k]))[0]
            idx = np.argsort(-s, kind="stable")[: n + 1]
            sc = s[idx]
        keep = idx != k
        idx, sc = idx[keep][:n], sc[keep][:n]
        return pd.DataFrame(
            {
                "item_id": str(item),
                "rank": np.arange(1, len(idx) + 1),
                "similar_id": self.item_ids_[idx],
                "title": self.item_title_[idx],
                "score": sc.astype(float),
                "model": model,
            }
        )

    # ------------------------------------------------------------------ updates
    def partial_fit(self, interactions: pd.DataFrame) -> Recommender:
        """Add interactions of known or new customers without a retrain.

        Their rows grow, ALS folds their factors in (``recalculate_user``); item-item
        models score from the new rows at once. Unknown items are ignored (add them with
        :meth:`add_items`); a full :meth:`fit` retrains everything.
        """
        self._check()
        inter = interactions[interactions["item_id"].astype(str).isin(self.item_index_)]
        new = sorted(set(inter["customer_id"].astype(str)) - set(self.user_index_))
        if new:
            self.user_ids_ = np.concatenate([self.user_ids_, np.array(new, dtype=str)])
            for u in new:
                self.user_index_[u] = len(self.user_index_)
            pad = len(self.user_ids_) - self.X_.shape[0]
            self.X_ = sp.vstack([self.X_, sp.csr_matrix((pad, self.X_.shape[1]))]).tocsr()
            self.purchased_ = sp.vstack([self.purchased_, sp.csr_matrix((pad, self.X_.shape[1]))])
            self.shown_ = sp.vstack([self.shown_, sp.csr_matrix((pad, self.X_.shape[1]))]).tocsr()
            self.age_ = sp.vstack([self.age_, sp.csr_matrix((pad, self.X_.shape[1]))]).tocsr()
            self.purchased_ = self.purchased_.tocsr()
            for m in self.models_.values():
                if hasattr(m, "user_factors_"):
                    f = m.user_factors_
                    m.user_factors_ = np.vstack([f, np.zeros((pad, f.shape[1]), f.dtype)])
        add = self._matrix(
            _ids(inter["customer_id"], "customer"),
            _ids(inter["item_id"], "item"),
            inter["weight"].to_numpy(float),
            len(self.user_ids_),
        )
        self.X_ = (self.X_ + add).tocsr()
        touched = np.unique(add.nonzero()[0])
        for m in self.models_.values():
            if hasattr(m, "update_users") and len(touched):
                m.update_users(touched, self.X_[touched])
        return self

    def add_items(self, items: pd.DataFrame, item_vectors: np.ndarray | None = None) -> Recommender:
        """Add catalog items: content scores them at once; other models give them 0."""
        self._check()
        items = items[~items["item_id"].astype(str).isin(self.item_index_)]
        if items.empty:
            return self
        ids = _ids(items["item_id"], "item")
        if item_vectors is None and any(m.name == "content" for m in self.models_.values()):
            from shoplens.guidance.recommend.item_text import embed_items

            item_vectors = embed_items(items, short=getattr(self, "text", "full") == "short")
        k = len(ids)
        old = pd.DataFrame(
            {"item_id": self.item_ids_, "title": self.item_title_, "price": self.item_price_,
             "category": [self.category_names_[c] if c >= 0 else None
                          for c in self.item_category_]}
        )  # fmt: skip
        self.item_ids_ = np.concatenate([self.item_ids_, ids])
        self.item_index_.update({u: len(self.item_index_) + j for j, u in enumerate(ids)})
        cols = [c for c in ("item_id", "title", "price", "category", "attributes") if c in items]
        cat = pd.concat([old, items[cols].assign(item_id=ids)], ignore_index=True)
        self._catalog(cat)
        pad = sp.csr_matrix((self.X_.shape[0], k))
        self.X_ = sp.hstack([self.X_, pad]).tocsr()
        self.purchased_ = sp.hstack([self.purchased_, pad]).tocsr()
        self.shown_ = sp.hstack([self.shown_, pad]).tocsr()
        self.age_ = sp.hstack([self.age_, pad]).tocsr()
        for m in self.models_.values():
            _grow(m, k, item_vectors, self.item_category_)
        return self

    # ------------------------------------------------------------------ storage
    def save(self, folder: str | Path) -> Path:
        """Write ``manifest.json`` + ``arrays.npz`` (no pickle) into ``folder``."""
        from shoplens.guidance.recommend.store import save_engine

        self._check()
        return save_engine(self, Path(folder))

    @classmethod
    def load(cls, folder: str | Path) -> Recommender:
        """Read what :meth:`save` wrote."""
        from shoplens.guidance.recommend.store import load_engine

        return load_engine(cls, Path(folder))


def _factor(values: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct ids (hashing first: sorting every row's string is slow)."""
    if values.isna().any():
        raise InputError(f"{what} ids must not be missing")
    codes, uniques = pd.factorize(values, sort=False)
    uniq = np.asarray(uniques, dtype=object).astype(str)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniq[order]


def _csr(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, shape: tuple[int, int]) -> Any:
    X = sp.csr_matrix((w, (rows, cols)), shape, dtype=np.float64)
    X.sum_duplicates()
    return X


def _positions(sorted_ids: np.ndarray, values: np.ndarray, index: dict[str, int]) -> np.ndarray:
    """Positions of ``values`` in the id array (binary search when it is sorted)."""
    if len(sorted_ids) and bool(np.all(sorted_ids[1:] > sorted_ids[:-1])):
        pos = np.searchsorted(sorted_ids, values)
        pos = pos.clip(max=len(sorted_ids) - 1)
        if bool(np.all(sorted_ids[pos] == values)):
            return pos.astype(np.int64)
    return np.array([index[v] for v in values.tolist()], dtype=np.int64)


def _take_rows(X: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """Rows of ``X`` (``-1``: an empty row), without scipy's fancy-indexing overhead."""
    starts, ends = X.indptr[rows.clip(min=0)], X.indptr[rows.clip(min=0) + 1]
    lengths = np.where(rows >= 0, ends - starts, 0)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    take = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths, strict=True)]
                          or [np.zeros(0, np.int64)])  # fmt: skip
    return sp.csr_matrix((X.data[take], X.indices[take], indptr), (len(rows), X.shape[1]))


def _grow(m: CandidateModel, k: int, vectors: np.ndarray | None, category: np.ndarray) -> None:
    """Widen a fitted model by ``k`` new items (zero scores, or content at once)."""
    if m.name == "content":
        m.add_items(vectors)  # type: ignore[attr-defined]
    elif hasattr(m, "item_factors_"):
        f = m.item_factors_
        m.item_factors_ = np.vstack([f, np.zeros((k, f.shape[1]), f.dtype)])
    elif m.name == "popularity":
        m.popularity_ = np.concatenate([m.popularity_, np.zeros(k)])
        m.category_ = category.copy()
    elif getattr(m, "similarity_", None) is not None:
        S = m.similarity_
        n = S.shape[0]
        if sp.issparse(S):
            m.similarity_ = sp.csr_matrix(
                (S.data, S.indices, np.concatenate([S.indptr, np.full(k, S.indptr[-1])])),
                (n + k, n + k),
            )
        else:
            B = np.zeros((n + k, n + k))
            B[:n, :n] = S
            m.similarity_ = B


MODEL_CLASSES = MODELS
