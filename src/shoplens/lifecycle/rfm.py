"""Recency-frequency-monetary summaries: the BTYD inputs and classic RFM scores.

Two engines, one convention (``lifetimes.utils.summary_data_from_transaction_data``):
purchases are collapsed to periods of ``freq`` (``"D"`` days or ``"W"`` weeks starting
Monday); per customer

* ``frequency`` - purchase periods after the first one (repeat purchases);
* ``recency`` - last purchase period minus first, in units of ``freq`` / ``freq_multiplier``;
* ``T`` - observation end period minus first purchase period, same unit;
* ``monetary_value`` - mean of the period totals after the first period, 0 without repeats.

Papers on CDNOW measure in weeks at day precision: ``freq="D", freq_multiplier=7``.

:func:`summary_from_transactions` and :func:`calibration_and_holdout` work on pandas;
:func:`rfm_summary` and :func:`rfm_scores` return Ibis expressions for the warehouse's
``orders`` table (``customer_id, ts, total``) and run on DuckDB or Spark; when the table
has a ``status`` column, cancelled orders are left out (the rule of
:mod:`shoplens.lifecycle.cutoff`). :func:`customer_rfm` is the RFM table as of a date
that the CLI and ``lifecycle_customers`` both show.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
...                    "ts": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05",
...                                          "2024-01-03"]),
...                    "amount": [10.0, 5.0, 20.0, 7.0]})
>>> s = summary_from_transactions(tx, observation_period_end="2024-01-10")
>>> s.loc["a"].tolist(), s.loc["b"].tolist()
([1.0, 4.0, 9.0, 20.0], [0.0, 0.0, 7.0, 0.0])
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from shoplens.errors import InputError
from shoplens.lifecycle.cutoff import is_purchase, observation_end, purchases, resolve_as_of

__all__ = [
    "SEGMENTS",
    "calibration_and_holdout",
    "customer_rfm",
    "rfm_scores",
    "rfm_summary",
    "segment_of",
    "summary_from_transactions",
]

FREQS = {"D": ("D", "day", 1), "W": ("W-SUN", "week", 7)}

#: classic RFM segment map on (R score, F score), both 1..5: (segment, R set, F set)
SEGMENTS: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("hibernating", (1, 2), (1, 2)),
    ("at_risk", (1, 2), (3, 4)),
    ("cant_lose", (1, 2), (5,)),
    ("about_to_sleep", (3,), (1, 2)),
    ("need_attention", (3,), (3,)),
    ("loyal_customers", (3, 4), (4, 5)),
    ("promising", (4,), (1,)),
    ("new_customers", (5,), (1,)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("champions", (5,), (4, 5)),
)


def segment_of(r_score: int, f_score: int) -> str:
    """Name of the RFM segment of an (R, F) score pair.

    Examples
    --------
    >>> segment_of(5, 5), segment_of(1, 1), segment_of(2, 3)
    ('champions', 'hibernating', 'at_risk')
    """
    for name, rs, fs in SEGMENTS:
        if r_score in rs and f_score in fs:
            return name
    raise InputError(f"scores must be 1..5, got R={r_score}, F={f_score}")


def _check_freq(freq: str, freq_multiplier: float) -> str:
    if freq not in FREQS:
        raise InputError(f"freq must be 'D' (days) or 'W' (weeks), got {freq!r}")
    if not freq_multiplier > 0:
        raise InputError(f"freq_multiplier must be > 0, got {freq_multiplier}")
    return FREQS[freq][0]


def _utc_naive(values: Any, what: str) -> pd.Series:
    try:
        ts = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot read {what} as timestamps: {exc}") from None
    if getattr(ts.dt if isinstance(ts, pd.Series) else ts, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(ts, pd.Series) else ts
    return ts


def _period_start(ts: Any, pfreq: str) -> Any:
    if isinstance(ts, pd.Series):
        return ts.dt.to_period(pfreq).dt.start_time
    return pd.Timestamp(ts).to_period(pfreq).start_time


def _scalar_ts(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def summary_from_transactions(
    transactions: pd.DataFrame,
    customer_id_col: str = "customer_id",
    datetime_col: str = "ts",
    monetary_value_col: str | None = "amount",
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T[, monetary_value]`` from a transaction log.

    Parameters
    ----------
    transactions
        One row per purchase.
    customer_id_col, datetime_col, monetary_value_col
        Column names; ``monetary_value_col=None`` skips the value column.
    observation_period_end
        End of observation (default: the last purchase); purchases in later periods
        are ignored.
    freq, freq_multiplier
        Period (``"D"`` or ``"W"``) and the divisor giving the reported unit.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id, float columns, sorted by id.
    """
    pfreq = _check_freq(freq, freq_multiplier)
    cols = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    missing = [c for c in cols if c not in transactions.columns]
    if missing:
        raise InputError(f"transactions lack column(s) {missing}; have {list(transactions)}")
    if transactions.empty:
        raise InputError("no transactions given")
    tx = transactions[cols].copy()
    tx[datetime_col] = _utc_naive(tx[datetime_col], datetime_col)
    end = tx[datetime_col].max() if observation_period_end is None else observation_period_end
    end = _period_start(_scalar_ts(end), pfreq)
    tx["_period"] = _period_start(tx[datetime_col], pfreq)
    tx = tx[tx["_period"] <= end]
    if tx.empty:
        raise InputError("no transactions on or before observation_period_end")
    agg = {"_n": (datetime_col, "size")}
    if monetary_value_col:
        agg["_value"] = (monetary_value_col, "sum")
    per = tx.groupby([customer_id_col, "_period"], sort=True).agg(**agg).reset_index()
    g = per.groupby(customer_id_col, sort=True)
    first, last, count = g["_period"].min(), g["_period"].max(), g["_period"].size()
    unit = pd.Timedelta(days=FREQS[freq][2]) * freq_multiplier
    out = pd.DataFrame(
        {
            "frequency": (count - 1).astype(float),
            "recency": (last - first) / unit,
            "T": (end - first) / unit,
        }
    )
    if monetary_value_col:
        is_first = per["_period"].to_numpy() == first.reindex(per[customer_id_col]).to_numpy()
        repeat = per.loc[~is_first]
        out["monetary_value"] = repeat.groupby(customer_id_col)["_value"].mean()
        out["monetary_value"] = out["monetary_value"].fillna(0.0).astype(float)
    return out


def calibration_and_holdout(
    transactions: pd.DataFrame,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "ts",
    monetary_value_col: str | None = "amount",
    freq: str = "D",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Calibration summary (``*_cal``) plus holdout purchases, as ``lifetimes`` does.

    Customers are those who bought on or before ``calibration_period_end``; holdout
    columns: ``frequency_holdout`` (purchase periods in the holdout),
    ``monetary_value_holdout`` (mean holdout purchase value) and ``duration_holdout``.
    """
    pfreq = _check_freq(freq, freq_multiplier)
    if datetime_col not in transactions.columns:
        raise InputError(f"transactions lack column {datetime_col!r}")
    tx = transactions.copy()
    tx[datetime_col] = _utc_naive(tx[datetime_col], datetime_col)
    cal_end = _scalar_ts(calibration_period_end)
    obs_end = (
        tx[datetime_col].max()
        if observation_period_end is None
        else _scalar_ts(observation_period_end)
    )
    if obs_end <= cal_end:
        raise InputError("observation_period_end must come after calibration_period_end")
    cal = summary_from_transactions(
        tx[tx[datetime_col] <= cal_end],
        customer_id_col,
        datetime_col,
        monetary_value_col,
        cal_end,
        freq,
        freq_multiplier,
    )
    cal.columns = [f"{c}_cal" for c in cal.columns]
    hold = tx[(tx[datetime_col] > cal_end) & (tx[datetime_col] <= obs_end)].copy()
    hold["_period"] = _period_start(hold[datetime_col], pfreq)
    out = cal.copy()
    out["frequency_holdout"] = hold.groupby(customer_id_col)["_period"].nunique()
    if monetary_value_col:
        out["monetary_value_holdout"] = hold.groupby(customer_id_col)[monetary_value_col].mean()
    out = out.fillna(0.0)
    out["frequency_holdout"] = out["frequency_holdout"].astype(float)
    span = _period_start(obs_end, pfreq) - _period_start(cal_end, pfreq)
    out["duration_holdout"] = span / pd.Timedelta(days=FREQS[freq][2]) / freq_multiplier
    return out


# -- Ibis ------------------------------------------------------------------------------
def _end_period(table: Any, ts: str, observation_period_end: Any, unit: str) -> Any:
    import ibis

    if observation_period_end is None:
        return table[ts].max().truncate(unit)
    end = _scalar_ts(observation_period_end)
    return ibis.timestamp(end.isoformat()).truncate(unit)


def rfm_summary(
    table: Any,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    customer_id: str = "customer_id",
    ts: str = "ts",
    amount: str = "total",
) -> Any:
    """Ibis expression of the BTYD summary of an ``orders``-like table.

    Same convention and columns as :func:`summary_from_transactions`
    (``customer_id, frequency, recency, T, monetary_value``); executes on any Ibis
    backend. Timestamps are read as UTC.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> orders = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]),
    ...     "total": [10.0, 20.0, 7.0]}))
    >>> df = rfm_summary(orders, "2024-01-10").execute().sort_values("customer_id")
    >>> df["frequency"].tolist(), df["T"].tolist()
    ([1.0, 0.0], [9.0, 7.0])
    """
    _check_freq(freq, freq_multiplier)
    unit = FREQS[freq][1]
    divisor = float(FREQS[freq][2] * freq_multiplier)
    missing = [c for c in (customer_id, ts, amount) if c not in table.columns]
    if missing:
        raise InputError(f"table lacks column(s) {missing}; have {list(table.columns)}")
    table = table.filter(is_purchase(table))
    end = _end_period(table, ts, observation_period_end, unit)
    t = table.mutate(_period=table[ts].truncate(unit))
    t = t.filter(t._period <= end)
    per = t.group_by([customer_id, "_period"]).aggregate(_value=t[amount].sum())
    per = per.mutate(_first=per._period.min().over(group_by=per[customer_id]))
    g = per.group_by(customer_id).aggregate(
        _n=per._period.count(),
        _firstp=per._period.min(),
        _lastp=per._period.max(),
        _repeat_value=per._value.sum(where=per._period != per._first),
    )
    days_recency = g._lastp.date().delta(g._firstp.date(), unit="day")
    days_t = end.date().delta(g._firstp.date(), unit="day")
    return g.select(
        g[customer_id],
        frequency=(g._n - 1).cast("float64"),
        recency=days_recency.cast("float64") / divisor,
        T=days_t.cast("float64") / divisor,
        monetary_value=(g._n > 1).ifelse(
            g._repeat_value.cast("float64") / (g._n - 1).cast("float64"), 0.0
        ),
    )


def rfm_scores(
    table: Any,
    observation_period_end: Any = None,
    customer_id: str = "customer_id",
    ts: str = "ts",
    amount: str = "total",
) -> Any:
    """Ibis expression of classic RFM quintile scores and segments per customer.

    ``recency_days`` is whole days from the last order to the observation end (the
    last observed day, inclusive; default: the day of the last order),
    ``frequency`` the number of orders, ``monetary`` the total spend. Each is cut in
    five equal-count groups (SQL ``NTILE``, ties broken by customer id): ``R`` is 5 for
    the most recent, ``F`` and ``M`` 5 for the highest. ``segment`` follows the usual
    (R, F) map in :data:`SEGMENTS` and ``rfm`` is the ``"RFM"`` string.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> orders = ibis.memtable(pd.DataFrame({"customer_id": list("abcde"),
    ...     "ts": pd.date_range("2024-01-01", periods=5, freq="D"),
    ...     "total": [1.0, 2.0, 3.0, 4.0, 5.0]}))
    >>> out = rfm_scores(orders).execute().sort_values("customer_id")
    >>> out["R"].tolist(), out["segment"].tolist()[-1]
    ([1, 2, 3, 4, 5], 'champions')
    """
    import ibis

    missing = [c for c in (customer_id, ts, amount) if c not in table.columns]
    if missing:
        raise InputError(f"table lacks column(s) {missing}; have {list(table.columns)}")
    table = table.filter(is_purchase(table))
    end = (
        table[ts].max().truncate("day")
        if observation_period_end is None
        else ibis.timestamp(_scalar_ts(observation_period_end).isoformat()).truncate("day")
    )
    t = table.filter(table[ts].truncate("day") <= end)
    g = t.group_by(customer_id).aggregate(
        _last=t[ts].max(), frequency=t[ts].count(), monetary=t[amount].sum()
    )
    g = g.mutate(recency_days=end.date().delta(g._last.date(), unit="day"))
    cid = g[customer_id]

    def score(col: Any, descending: bool) -> Any:
        order = [ibis.desc(col) if descending else col, cid]
        return (ibis.ntile(5).over(order_by=order) + 1).cast("int64")

    g = g.mutate(
        R=score(g.recency_days, True), F=score(g.frequency, False), M=score(g.monetary, False)
    )
    cases = [(g.R.isin(list(rs)) & g.F.isin(list(fs)), name) for name, rs, fs in SEGMENTS]
    segment = ibis.cases(*cases, else_="unknown")
    rfm = g.R.cast("string") + g.F.cast("string") + g.M.cast("string")
    return g.select(
        customer_id,
        "recency_days",
        "frequency",
        "monetary",
        "R",
        "F",
        "M",
        rfm=rfm,
        segment=segment,
    )


def customer_rfm(orders: Any, as_of: Any = None) -> Any:
    """Ibis expression: :func:`rfm_scores` of the purchases before ``as_of``.

    ``as_of`` defaults to the day after the last purchase; the observation end is the
    day before ``as_of`` (see :mod:`shoplens.lifecycle.cutoff`), so ``recency_days`` is
    0 for a customer who bought on the last observed day. This is the table that
    ``shoplens lifecycle rfm`` prints and ``lifecycle_customers`` stores.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> orders = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-05"], utc=True),
    ...     "status": ["paid", "cancelled", "paid"], "total": [1.0, 2.0, 3.0]}))
    >>> out = customer_rfm(orders, "2024-01-10").execute().sort_values("customer_id")
    >>> out["recency_days"].tolist(), out["frequency"].tolist()
    ([8, 4], [1, 1])
    """
    end = resolve_as_of(orders, as_of)
    return rfm_scores(purchases(orders, end), observation_end(end))
