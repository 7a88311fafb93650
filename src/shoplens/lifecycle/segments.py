"""Behavioural segments: K-means on standardised customer features, named in plain words.

Counts and money are ``log1p``-transformed, every column is standardised, and K-means
(scikit-learn) runs with ``k`` given or chosen by the silhouette score over a range.
Each segment is then named from its centroid's z-scores ("high-value loyal",
"bargain hunters", "slipping away", ...) and described by its most distinctive features.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"n_orders": np.r_[rng.poisson(8, 50), rng.poisson(1, 50)],
...                   "recency_days": np.r_[rng.uniform(1, 20, 50), rng.uniform(200, 300, 50)]})
>>> seg = CustomerSegmenter(k=2, random_state=0).fit(X)
>>> sorted(seg.names_.values())
['loyal regulars', 'slipping away']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["CustomerSegmenter", "distinct_names", "name_segment"]

#: columns that are counts or money (``log1p`` before standardising)
SKEWED_PREFIXES = ("n_", "monetary", "avg_order", "orders_", "spend_", "events", "sessions")
SKEWED_PREFIXES += ("views", "carts", "searches", "recency", "tenure", "days_since")

_WORDS = {
    "n_orders": "orders",
    "monetary": "spend",
    "avg_order_value": "order value",
    "recency_days": "days since last order",
    "tenure_days": "time as customer",
    "orders_90d": "recent orders",
    "spend_90d": "recent spend",
    "return_share": "returns",
    "events": "activity",
    "sessions": "visits",
    "views": "views",
    "carts": "add-to-carts",
    "events_30d": "recent activity",
    "days_since_event": "days since last visit",
    "cart_rate": "cart rate",
    "discount_share": "discounts",
    "sentiment": "sentiment",
}


#: (higher, lower) wording of a feature used to tell apart segments with the same name
_QUALIFIERS = {
    "n_orders": ("more orders", "fewer orders"),
    "monetary": ("higher spend", "lower spend"),
    "avg_order_value": ("bigger baskets", "smaller baskets"),
    "recency_days": ("longer gone", "more recent"),
    "tenure_days": ("longer-standing", "newer"),
    "orders_90d": ("more recent orders", "fewer recent orders"),
    "spend_90d": ("more recent spend", "less recent spend"),
    "return_share": ("more returns", "fewer returns"),
    "events": ("more active", "less active"),
    "events_30d": ("more recent visits", "fewer recent visits"),
    "days_since_event": ("longer unseen", "seen more recently"),
    "discount_share": ("more discounts", "fewer discounts"),
    "sentiment": ("happier", "less happy"),
}


def _qualifier(col: str, higher: bool) -> str:
    if col in _QUALIFIERS:
        return _QUALIFIERS[col][0 if higher else 1]
    if col.startswith(("cat_", "ch_")):
        kind = "category" if col.startswith("cat_") else "channel"
        return f"{'more' if higher else 'less'} {kind} {col.split('_', 1)[1]}"
    label = _WORDS.get(col, col.replace("_", " "))
    return f"{'more' if higher else 'fewer'} {label}"


def distinct_names(names: dict[int, str], z: pd.DataFrame) -> dict[int, str]:
    """Qualify segments that share a name by the feature that sets each apart.

    Within a group of segments with the same base name, each segment gets the feature
    on which its centroid (``z``: z-scores, one row per segment) differs most from the
    mean of the others in the group, e.g. ``"slipping away, higher spend"`` and
    ``"slipping away, lower spend"``. A feature already used in the group is skipped
    so that the names stay distinct; differences under 0.25 sd do not count, and a
    number is only the last resort.

    Examples
    --------
    >>> z = pd.DataFrame({"monetary": [1.0, -1.0, 0.0], "n_orders": [0.1, 0.0, 2.0]})
    >>> distinct_names({0: "slipping away", 1: "slipping away", 2: "loyal regulars"}, z)
    {0: 'slipping away, higher spend', 1: 'slipping away, lower spend', 2: 'loyal regulars'}
    """
    out = dict(names)
    groups: dict[str, list[int]] = {}
    for seg, name in names.items():
        groups.setdefault(name, []).append(seg)
    for name, segs in groups.items():
        if len(segs) < 2:
            continue
        used: set[str] = set()
        for seg in segs:
            others = z.loc[[o for o in segs if o != seg]].mean(axis=0)
            diff = (z.loc[seg] - others).dropna()
            label = None
            for col in diff.abs().sort_values(ascending=False).index:
                if abs(diff[col]) < 0.25:  # under a quarter sd: not a real difference
                    break
                candidate = f"{name}, {_qualifier(str(col), bool(diff[col] > 0))}"
                if candidate not in used and candidate not in names.values():
                    label = candidate
                    break
            if label is None:
                label = f"{name} ({len(used) + 1})"
            used.add(label)
            out[seg] = label
    return out


def _z(centroid: pd.Series, name: str) -> float:
    return float(centroid.get(name, 0.0))


def name_segment(z: pd.Series, raw: pd.Series) -> str:
    """Plain-word name of a segment from its centroid (``z``: z-scores, ``raw``: means).

    Examples
    --------
    >>> name_segment(pd.Series({"n_orders": 0.0}), pd.Series({"n_orders": 0.1}))
    'lapsed visitors'
    """
    if raw.get("n_orders", 1.0) < 0.5:
        active = _z(z, "events_30d") > 0 or _z(z, "days_since_event") < 0
        return "browsers who never bought" if active else "lapsed visitors"
    value = max(_z(z, "monetary"), _z(z, "avg_order_value"))
    if _z(z, "recency_days") > 0.5 or (_z(z, "orders_90d") < -0.3 and _z(z, "recency_days") > 0):
        return "slipping away"
    if value > 0.8 and _z(z, "n_orders") > 0.5:
        return "high-value loyal"
    if _z(z, "discount_share") > 0.5:
        return "bargain hunters"
    if _z(z, "n_orders") > 0.5:
        return "loyal regulars"
    if value > 0.8:
        return "big-ticket buyers"
    if _z(z, "tenure_days") < -1 or (raw.get("n_orders", 0.0) < 1.5 and _z(z, "tenure_days") < 0):
        return "new buyers"
    return "occasional buyers"


def _describe(z: pd.Series, n: int = 3) -> str:
    top = z.reindex(z.abs().sort_values(ascending=False).index)[:n]
    words = []
    for col, val in top.items():
        label = _WORDS.get(col, col.replace("cat_", "category ").replace("ch_", "channel "))
        words.append(f"{'more' if val > 0 else 'fewer'} {label} ({val:+.1f} sd)")
    return ", ".join(words)


class CustomerSegmenter:
    """K-means segmentation of customers with plain-word segment names.

    Parameters
    ----------
    k
        Number of segments; ``None`` picks the best silhouette in ``k_range``.
    k_range
        Inclusive range of ``k`` tried when ``k`` is ``None``.
    random_state
        Seed of K-means and of the silhouette sample.
    sample_size
        Customers sampled for the silhouette score (it is quadratic).
    search_size
        With ``k`` to choose and more customers than this, each candidate ``k`` is
        fitted on a random sample of this many customers; only the chosen ``k`` is then
        fitted on everyone, starting from the sample's centroids.

    Attributes
    ----------
    k_ : int
        Number of segments used.
    silhouette_ : dict
        Silhouette score per ``k`` tried.
    feature_names_ : list of str
    centroids_ : pandas.DataFrame
        Centroids in z-scores (rows: segment id).
    profile_ : pandas.DataFrame
        Per segment: ``size``, ``name``, ``description`` and the feature means in
        original units.
    names_ : dict
        Segment id -> name (unique).
    labels_ : numpy.ndarray
        Segment id of each fitted row.
    """

    def __init__(
        self,
        k: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        random_state: int = 0,
        sample_size: int = 5000,
        search_size: int = 50_000,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.random_state = random_state
        self.sample_size = sample_size
        self.search_size = search_size

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        values = X.reindex(columns=self.feature_names_).fillna(0.0).to_numpy(dtype=float)
        values = values.copy()
        values[:, self._log] = np.log1p(np.clip(values[:, self._log], 0.0, None))
        return (values - self.mean_) / self.scale_

    def fit(self, X: pd.DataFrame) -> CustomerSegmenter:
        """Standardise ``X`` (one row per customer, numeric), choose ``k``, cluster, name."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        if not isinstance(X, pd.DataFrame) or X.empty:
            raise InputError("segmentation needs a non-empty frame of customer features")
        X = X.select_dtypes("number")
        lo, hi = (self.k, self.k) if self.k is not None else self.k_range
        if lo < 2 or hi < lo:
            raise InputError(f"k must be >= 2 (got k={self.k}, k_range={self.k_range})")
        if len(X) <= lo:
            raise InputError(f"{len(X)} customers are too few for {lo} segments")
        self.feature_names_ = list(X.columns)
        self._log = np.array([c.startswith(SKEWED_PREFIXES) for c in X.columns], dtype=bool)
        raw = X.fillna(0.0).to_numpy(dtype=float).copy()
        raw[:, self._log] = np.log1p(np.clip(raw[:, self._log], 0.0, None))
        self.mean_ = raw.mean(axis=0)
        scale = raw.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        # a group of share columns (cat_*, ch_*) weighs as much as one feature
        for prefix in ("cat_", "ch_"):
            group = np.array([c.startswith(prefix) for c in X.columns], dtype=bool)
            if group.sum() > 1:
                self.scale_[group] *= np.sqrt(group.sum())
        Z = (raw - self.mean_) / self.scale_
        self.silhouette_: dict[int, float] = {}
        search = Z
        if self.k is None and len(Z) > self.search_size:
            rng = np.random.default_rng(self.random_state)
            search = Z[rng.choice(len(Z), self.search_size, replace=False)]
        best = None
        for k in range(lo, min(hi, len(X) - 1) + 1):
            km = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(search)
            if self.k is None:
                score = silhouette_score(
                    search,
                    km.labels_,
                    sample_size=min(self.sample_size, len(search)),
                    random_state=self.random_state,
                )
                self.silhouette_[k] = float(score)
                if best is None or score > self.silhouette_[best[0]]:
                    best = (k, km)
            else:
                best = (k, km)
        assert best is not None
        self.k_, self._km = best
        if search is not Z:  # refit the chosen k on everyone, from the sample's centroids
            self._km = KMeans(
                n_clusters=self.k_,
                init=self._km.cluster_centers_,
                n_init=1,
                random_state=self.random_state,
            ).fit(Z)
        self.labels_ = self._km.labels_.astype(int)
        self.centroids_ = pd.DataFrame(self._km.cluster_centers_, columns=self.feature_names_)
        self._profile(X, raw)
        return self

    def _profile(self, X: pd.DataFrame, raw: np.ndarray) -> None:
        means = X.fillna(0.0).groupby(self.labels_).mean().reindex(range(self.k_)).fillna(0.0)
        # name buyers' segments against buyers: non-buyers would make every buyer look big
        buyers = X["n_orders"].to_numpy() > 0 if "n_orders" in X else np.ones(len(X), bool)
        ref = raw[buyers] if buyers.sum() > 1 else raw
        sd = ref.std(axis=0)
        zb = pd.DataFrame(
            (self._km.cluster_centers_ * self.scale_ + self.mean_ - ref.mean(axis=0))
            / np.where(sd > 0, sd, 1.0),
            columns=self.feature_names_,
        )
        base = {seg: name_segment(zb.loc[seg], means.loc[seg]) for seg in range(self.k_)}
        names = distinct_names(base, zb)
        rows = []
        for seg in range(self.k_):
            name = names[seg]
            rows.append(
                {
                    "segment_id": seg,
                    "name": name,
                    "size": int((self.labels_ == seg).sum()),
                    "description": _describe(zb.loc[seg]),
                }
            )
        self.names_ = names
        self.profile_ = pd.DataFrame(rows).set_index("segment_id").join(means)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment id of each row of ``X`` (same columns as in ``fit``)."""
        if not hasattr(self, "_km"):
            raise InputError("fit the segmenter before predicting")
        return self._km.predict(self._transform(X)).astype(int)

    def assign(self, X: pd.DataFrame) -> pd.DataFrame:
        """``segment_id`` and ``segment_name`` per row of ``X`` (same index)."""
        ids = self.predict(X)
        return pd.DataFrame(
            {"segment_id": ids, "segment_name": [self.names_[i] for i in ids]}, index=X.index
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state: scaling, centroids and names (no pickle)."""
        return {
            "version": 1,
            "feature_names": self.feature_names_,
            "log1p": self._log.tolist(),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "centroids": self.centroids_.to_numpy().tolist(),
            "names": {str(k): v for k, v in self.names_.items()},
        }
