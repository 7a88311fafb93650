"""Score every customer and keep the result in the warehouse table ``lifecycle_customers``.

One row per customer and ``run_date``: RFM fields and segment, lifecycle stage,
behavioural segment, BG/NBD P(alive) and expected purchases, Gamma-Gamma CLV and the
churn probability. Writing a run replaces the rows of the same ``run_date`` atomically
(one transaction on DuckDB), so segment and stage movement over time can be read back.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> build_lifecycle_customers(con).empty
True
"""

from __future__ import annotations

import uuid
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.cutoff import default_as_of, purchases, to_timestamp
from shoplens.lifecycle.features import feature_matrix

__all__ = [
    "TABLE",
    "build_lifecycle_customers",
    "fit_bgnbd",
    "movement",
    "read_lifecycle_customers",
    "write_lifecycle_customers",
]

TABLE = "lifecycle_customers"
SCHEMA = ibis.schema(
    {
        "customer_id": "string",
        "run_date": "date",
        "recency_days": "float64",
        "frequency": "int64",
        "monetary": "float64",
        "R": "int64",
        "F": "int64",
        "M": "int64",
        "rfm_segment": "string",
        "stage": "string",
        "segment_id": "int64",
        "segment_name": "string",
        "p_alive": "float64",
        "expected_purchases": "float64",
        "clv": "float64",
        "churn_probability": "float64",
    }
)


def fit_bgnbd(summary: pd.DataFrame) -> Any | None:
    """Fit BG/NBD on an RFM summary, adding a small penalty if needed; ``None`` if it fails."""
    from shoplens.lifecycle import BGNBD, ConvergenceError

    for pen in (0.0, 0.001, 0.01, 0.1):
        try:
            return BGNBD(penalizer_coef=pen).fit(
                summary["frequency"], summary["recency"], summary["T"]
            )
        except (ConvergenceError, InputError):
            continue
    return None


def _btyd(con: BaseBackend, end: pd.Timestamp, horizon_weeks: float) -> pd.DataFrame:
    from shoplens.lifecycle import GammaGamma, rfm_summary

    s = rfm_summary(purchases(con.table("orders"), end), end, freq="D", freq_multiplier=7)
    s = s.execute().set_index("customer_id")
    out = pd.DataFrame(index=s.index, columns=["p_alive", "expected_purchases", "clv"], dtype=float)
    bg = fit_bgnbd(s) if len(s) > 1 else None
    if bg is None:
        return out
    f, r, t = s["frequency"], s["recency"], s["T"]
    out["p_alive"] = bg.conditional_probability_alive(f, r, t)
    out["expected_purchases"] = bg.conditional_expected_number_of_purchases_up_to_time(
        horizon_weeks, f, r, t
    )
    rep = s[(s.frequency > 0) & (s.monetary_value > 0)]
    try:
        gg = GammaGamma(penalizer_coef=0.001).fit(rep["frequency"], rep["monetary_value"])
        m = s["monetary_value"].where(s["monetary_value"] > 0, np.nan)
        ok = m.notna()
        out.loc[ok, "clv"] = gg.customer_lifetime_value(
            bg, f[ok], r[ok], t[ok], m[ok], time=12, discount_rate=0.01, freq="W"
        )
        # one-time buyers: expected purchases x population mean spend, undiscounted
        mean_spend = float(gg.conditional_expected_average_profit())
        if not np.isfinite(mean_spend) or mean_spend <= 0:  # q <= 1: no finite mean
            mean_spend = float(rep["monetary_value"].mean())
        out.loc[~ok, "clv"] = out.loc[~ok, "expected_purchases"] * mean_spend
    except InputError:
        pass
    return out


def build_lifecycle_customers(
    con: BaseBackend,
    run_date: Any = None,
    *,
    window_days: float = 90.0,
    k: int | None = None,
    stage_config: Any = None,
) -> pd.DataFrame:
    """Score every customer as of ``run_date`` (default: the day after the last order).

    The churn model is trained on the window that ends at ``run_date`` (features as of
    ``run_date - window_days``) and scores features as of ``run_date``. Returns an empty
    frame with the table's columns when there are no purchases.
    """
    from shoplens.lifecycle.churn import churn_risk
    from shoplens.lifecycle.rfm import customer_rfm
    from shoplens.lifecycle.segments import CustomerSegmenter
    from shoplens.lifecycle.stages import customer_stages

    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SCHEMA.names})
    orders = con.table("orders")
    end = default_as_of(orders) if run_date is None else to_timestamp(run_date)
    if end is None:
        return empty
    customers = con.table("customers") if "customers" in con.list_tables() else None
    stages = customer_stages(orders, end, stage_config, customers).execute()
    out = stages.set_index("customer_id")[["stage"]]
    p = purchases(orders, end)
    if p.count().execute() == 0:
        return empty
    rfm = customer_rfm(orders, end).execute().set_index("customer_id")
    rfm = rfm.rename(columns={"segment": "rfm_segment"})
    out = out.join(rfm[["recency_days", "frequency", "monetary", "R", "F", "M", "rfm_segment"]])
    X = feature_matrix(con, end)
    if len(X) > 8:
        seg = CustomerSegmenter(k=k).fit(X)
        out = out.join(seg.assign(X), how="outer")
    out = out.join(_btyd(con, end, window_days / 7.0))
    try:
        _, risk = churn_risk(con, end, window_days, explain_top=0)
        out = out.join(risk.set_index("customer_id")["churn_probability"])
    except InputError:
        pass
    out = out.reset_index().rename(columns={"index": "customer_id"})
    out["run_date"] = end.date()
    return out.reindex(columns=SCHEMA.names)


def _typed(frame: pd.DataFrame) -> Any:
    import pyarrow as pa

    f = frame.reindex(columns=SCHEMA.names).copy()
    f["run_date"] = pd.to_datetime(f["run_date"]).dt.date
    for name, typ in SCHEMA.items():
        if typ.is_integer():
            f[name] = pd.to_numeric(f[name]).astype("Int64")
        elif typ.is_floating():
            f[name] = pd.to_numeric(f[name]).astype(float)
        elif typ.is_string():
            f[name] = f[name].astype(object).where(f[name].notna(), None)
    return pa.Table.from_pandas(f, schema=SCHEMA.to_pyarrow(), preserve_index=False)


def write_lifecycle_customers(con: BaseBackend, frame: pd.DataFrame) -> int:
    """Replace the rows of ``frame``'s run date(s) in ``lifecycle_customers``; returns rows written.

    DuckDB: delete and insert in one transaction (rolled back on any error, Ctrl-C
    included). Other engines: the table is rewritten in one overwrite.
    """
    if frame.empty:
        return 0
    arrow = _typed(frame)
    dates = sorted({str(d) for d in frame["run_date"]})
    if TABLE not in con.list_tables():
        con.create_table(TABLE, schema=SCHEMA)
    if con.name == "duckdb":
        db = con.con
        view = f"_shoplens_lc_{uuid.uuid4().hex[:8]}"
        db.register(view, arrow)
        db.begin()
        try:
            marks = ", ".join("?" for _ in dates)
            db.execute(f'DELETE FROM "{TABLE}" WHERE CAST(run_date AS VARCHAR) IN ({marks})', dates)
            db.execute(f'INSERT INTO "{TABLE}" BY NAME SELECT * FROM "{view}"')
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.unregister(view)
        return len(frame)
    t = con.table(TABLE)
    keep = t.filter(~t.run_date.cast("string").isin(dates)).execute()
    both = pd.concat([keep, arrow.to_pandas()], ignore_index=True)
    con.create_table(TABLE, _typed(both), overwrite=True)
    return len(frame)


def read_lifecycle_customers(con: BaseBackend, run_date: Any = None) -> pd.DataFrame:
    """Rows of one run (default: the latest); empty when the table does not exist."""
    if TABLE not in con.list_tables():
        return pd.DataFrame(columns=SCHEMA.names)
    t = con.table(TABLE)
    if run_date is None:
        latest = t.run_date.max().execute()
        if latest is None or pd.isna(latest):
            return pd.DataFrame(columns=SCHEMA.names)
        run_date = latest
    rows = t.filter(t.run_date == to_timestamp(run_date).date())
    return rows.order_by("customer_id").execute()


def movement(con: BaseBackend, date_from: Any, date_to: Any, column: str = "segment_name") -> Any:
    """Ibis expression: customers moving between values of ``column`` across two runs."""
    if column not in SCHEMA.names:
        raise InputError(f"unknown column {column!r}; choose one of {', '.join(SCHEMA.names)}")
    if TABLE not in con.list_tables():
        raise InputError("no lifecycle_customers yet: run `shoplens lifecycle segments --save`")
    t = con.table(TABLE)
    a = t.filter(t.run_date == to_timestamp(date_from).date()).select(
        _cid="customer_id", value_from=t[column].cast("string")
    )
    b = t.filter(t.run_date == to_timestamp(date_to).date()).select(
        "customer_id", value_to=t[column].cast("string")
    )
    j = b.left_join(a, b.customer_id == a._cid)
    j = j.mutate(
        value_from=j.value_from.fill_null("(none)"), value_to=j.value_to.fill_null("(none)")
    )
    return j.group_by(["value_from", "value_to"]).aggregate(customers=j.count())
