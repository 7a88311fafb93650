"""Uplift of P(response) per action: T- and X-learners on LightGBM.

From a past randomised experiment (features ``X``, the action each customer got, and
whether they responded), the T-learner fits one classifier per action and reads the
uplift of action ``a`` as ``P(y | x, a) - P(y | x, control)``. The X-learner (Kunzel et al.
2019) then imputes each unit's effect with the other arm's model and regresses it, mixing
the two effect models by the arms' shares; it helps when an arm is small. Both are
short enough to keep here instead of pulling causalml (which needs a compiler and pins old
numpy); LightGBM does the fitting.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.random(4000)})
>>> a = rng.choice(["control", "coupon"], 4000)
>>> y = rng.random(4000) < 0.1 + 0.3 * (a == "coupon") * (X.x > 0.5)
>>> m = UpliftModel(control="control").fit(X, a, y)
>>> u = m.uplift(pd.DataFrame({"x": [0.2, 0.8]}))["coupon"]
>>> bool(u.iloc[1] - u.iloc[0] > 0.15)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["ActionUplift", "UpliftModel"]


class UpliftModel:
    """Per-action uplift in P(response) against ``control`` (sklearn style).

    Parameters
    ----------
    method
        ``"x"`` (X-learner, default) or ``"t"`` (T-learner). Small, heavily regularised
        trees (4 leaves, 100 units a leaf): a response is a rare, noisy binary outcome.
    control
        The no-action arm's name in the experiment.
    n_estimators, learning_rate, num_leaves, min_child_samples
        LightGBM settings of every model.
    seed
        Random seed of LightGBM.
    """

    def __init__(self, method: str = "x", control: str = "do_nothing", n_estimators: int = 100,
                 learning_rate: float = 0.05, num_leaves: int = 4, min_child_samples: int = 100,
                 seed: int = 0) -> None:  # fmt: skip
        self.method = method
        self.control = control
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.seed = seed

    def _params(self) -> dict:
        return dict(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                    num_leaves=self.num_leaves, min_child_samples=self.min_child_samples,
                    random_state=self.seed, verbose=-1, n_jobs=1)  # fmt: skip

    def _clf(self, X: pd.DataFrame, y: np.ndarray):  # type: ignore[no-untyped-def]
        from lightgbm import LGBMClassifier

        if len(np.unique(y)) < 2:
            return float(y.mean()) if len(y) else 0.0
        return LGBMClassifier(**self._params()).fit(X, y)

    @staticmethod
    def _p(model, X: pd.DataFrame) -> np.ndarray:  # type: ignore[no-untyped-def]
        if isinstance(model, float):
            return np.full(len(X), model)
        return model.predict_proba(X)[:, 1]

    def fit(self, X: pd.DataFrame, action: Sequence[str], responded: Sequence[bool]) -> UpliftModel:
        """Fit on a randomised experiment's units."""
        from lightgbm import LGBMRegressor

        if self.method not in ("t", "x"):
            raise InputError(f"method must be 't' or 'x', not {self.method!r}")
        a = np.asarray(action, dtype=object)
        y = np.asarray(responded, dtype=float)
        if len(a) != len(X) or len(y) != len(X):
            raise InputError("features, actions and responses must have one row per customer")
        if self.control not in set(a):
            raise InputError(f"the experiment has no {self.control!r} (control) units")
        self.features_ = list(X.columns)
        self.actions_ = sorted(set(a) - {self.control})
        c = a == self.control
        self.models_ = {self.control: self._clf(X[c], y[c])}
        for name in self.actions_:
            m = a == name
            self.models_[name] = self._clf(X[m], y[m])
        self.effects_: dict[str, tuple] = {}
        if self.method == "x":
            for name in self.actions_:
                m = a == name
                d1 = y[m] - self._p(self.models_[self.control], X[m])
                d0 = self._p(self.models_[name], X[c]) - y[c]
                t1 = LGBMRegressor(**self._params()).fit(X[m], d1)
                t0 = LGBMRegressor(**self._params()).fit(X[c], d0)
                share = m.sum() / (m.sum() + c.sum())
                self.effects_[name] = (t0, t1, share)
        return self

    def response(self, X: pd.DataFrame) -> pd.DataFrame:
        """P(response | x, action) for the control and every action (T-learner models)."""
        X = X[self.features_]
        return pd.DataFrame({n: self._p(m, X) for n, m in self.models_.items()}, index=X.index)

    def uplift(self, X: pd.DataFrame) -> pd.DataFrame:
        """Estimated uplift in P(response) of every action against control."""
        X = X[self.features_]
        if self.method == "t":
            p = self.response(X)
            return p[self.actions_].sub(p[self.control], axis=0)
        out = {}
        for name, (t0, t1, e) in self.effects_.items():
            out[name] = e * t0.predict(X) + (1 - e) * t1.predict(X)
        return pd.DataFrame(out, index=X.index)


class ActionUplift:
    """One :class:`UpliftModel` per response metric, so each action is compared with control
    on its own metric (purchases for a coupon, reviews for a review request).

    Parameters
    ----------
    actions
        The :class:`~shoplens.guidance.campaigns.nba.plan.Action` list (``name``, ``metric``).
    **params
        Settings of every :class:`UpliftModel` (``method``, ``control``, LightGBM ...).
    """

    def __init__(self, actions: Sequence, **params: object) -> None:
        self.actions = actions
        self.params = params

    def fit(self, X: pd.DataFrame, arms: Sequence[str], outcomes: pd.DataFrame) -> ActionUplift:
        """Fit on an experiment: ``arms`` per unit, ``outcomes`` with one column per metric."""
        arms = np.asarray(arms, dtype=object)
        control = str(self.params.get("control", "do_nothing"))
        self.models_: dict[str, UpliftModel] = {}
        for metric in sorted({a.metric for a in self.actions}):
            if metric not in outcomes.columns:
                raise InputError(f"the experiment has no outcome column {metric!r}")
            names = {a.name for a in self.actions if a.metric == metric}
            missing = names - set(arms)
            if missing:
                raise InputError(f"the experiment never tried {sorted(missing)}")
            keep = np.isin(arms, [*names, control])
            model = UpliftModel(**self.params)  # type: ignore[arg-type]
            model.fit(X[keep], arms[keep], outcomes[metric].to_numpy()[keep])
            self.models_[metric] = model
        return self

    def uplift(self, X: pd.DataFrame) -> pd.DataFrame:
        """Uplift of every action on its metric."""
        parts = [m.uplift(X) for m in self.models_.values()]
        return pd.concat(parts, axis=1)[[a.name for a in self.actions]]

    def response(self, X: pd.DataFrame) -> pd.DataFrame:
        """P(response | action) of every action on its metric."""
        parts = [m.response(X).drop(columns=m.control) for m in self.models_.values()]
        return pd.concat(parts, axis=1)[[a.name for a in self.actions]]
