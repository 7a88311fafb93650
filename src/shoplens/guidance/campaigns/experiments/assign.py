"""Stable assignment: a customer's arm is a hash of the experiment id and their id.

:func:`bucket` maps ``sha256(experiment_id + ":" + customer_id)`` to a number in [0, 1):
the same customer lands in the same arm of the same experiment on every run, on any
machine, whatever else is in the population; two experiments are independent. A
holdout (never contacted) takes the lowest ``holdout`` share of buckets. Stratified
assignment orders each stratum by bucket and deals the arms out in their proportions, so
every stratum (segment, stage...) is balanced to one unit; it is stable for a fixed
population (a new customer can shift the deal of their stratum).

Examples
--------
>>> out = assign(["C1", "C2", "C3", "C4"], "exp-1", holdout=0.25)
>>> sorted(out.columns)
['arm', 'bucket', 'customer_id', 'experiment_id', 'stratum']
>>> assign(["C1"], "exp-1")["arm"].iloc[0] == assign(["C9", "C1"], "exp-1")["arm"].iloc[1]
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["HOLDOUT", "assign", "bucket"]

HOLDOUT = "holdout"


def bucket(experiment_id: str, customer_ids: Sequence[str]) -> np.ndarray:
    """Uniform numbers in [0, 1) from the first 8 bytes of ``sha256(experiment:customer)``.

    Examples
    --------
    >>> float(bucket("e", ["a"])[0]) == float(bucket("e", ["b", "a"])[1])
    True
    """
    prefix = f"{experiment_id}:".encode()
    out = np.empty(len(customer_ids), dtype=np.float64)
    for i, c in enumerate(customer_ids):
        h = hashlib.sha256(prefix + str(c).encode()).digest()
        out[i] = int.from_bytes(h[:8], "big") / 2.0**64
    return out


def _weights(arms: Mapping[str, float] | Sequence[str]) -> tuple[list[str], np.ndarray]:
    if isinstance(arms, Mapping):
        names, w = list(arms), np.asarray(list(arms.values()), dtype=float)
    else:
        names, w = list(arms), np.ones(len(arms))
    if len(names) < 2 or len(set(names)) != len(names):
        raise InputError("an experiment needs at least two arms with distinct names")
    if HOLDOUT in names:
        raise InputError(f"{HOLDOUT!r} is reserved for the holdout; name the arm otherwise")
    if (w <= 0).any() or not np.isfinite(w).all():
        raise InputError("arm weights must be positive numbers")
    return names, np.cumsum(w / w.sum())


def _deal(u: np.ndarray, names: list[str], cum: np.ndarray, holdout: float) -> np.ndarray:
    arms = np.asarray(names, dtype=object)
    v = (u - holdout) / (1.0 - holdout)
    idx = np.minimum(np.searchsorted(cum, v, side="right"), len(names) - 1)
    return np.where(u < holdout, HOLDOUT, arms[idx])


def assign(
    customers: Sequence[str] | pd.Series | pd.DataFrame,
    experiment_id: str,
    arms: Mapping[str, float] | Sequence[str] = ("control", "treatment"),
    *,
    holdout: float = 0.0,
    strata: str | None = None,
) -> pd.DataFrame:
    """The arm of every customer (``customer_id, experiment_id, arm, bucket, stratum``).

    Parameters
    ----------
    customers
        Customer ids, or a frame with ``customer_id`` (and the ``strata`` column).
    experiment_id
        The experiment's id; it seeds the hash.
    arms
        Arm names (equal shares) or ``{name: weight}``.
    holdout
        Share of customers kept out of every arm (arm ``"holdout"``), in [0, 1).
    strata
        Column of ``customers`` to balance the arms within (random when ``None``).
    """
    if not 0 <= holdout < 1:
        raise InputError(f"holdout must be a share in [0, 1), got {holdout}")
    names, cum = _weights(arms)
    if isinstance(customers, pd.DataFrame):
        if "customer_id" not in customers.columns:
            raise InputError("the customers frame needs a customer_id column")
        frame = customers
    else:
        frame = pd.DataFrame({"customer_id": list(customers)})
    if strata is not None and strata not in frame.columns:
        raise InputError(f"no column {strata!r} to stratify on; columns: {list(frame.columns)}")
    ids = frame["customer_id"].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        raise InputError("customer ids must be unique to assign them")
    u = bucket(experiment_id, ids)
    stratum = (
        frame[strata].astype(str).to_numpy() if strata is not None else np.full(len(ids), "all")
    )
    if strata is None:
        arm = _deal(u, names, cum, holdout)
    else:
        pos = np.empty(len(ids))
        s = pd.Series(u).groupby(stratum)
        rank = s.rank(method="first").to_numpy() - 1.0
        size = s.transform("size").to_numpy()
        pos = (rank + 0.5) / size  # evenly spaced in each stratum, ordered by hash
        arm = _deal(pos, names, cum, holdout)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "experiment_id": experiment_id,
            "arm": arm.astype(object),
            "bucket": u,
            "stratum": stratum.astype(object),
        }
    )
