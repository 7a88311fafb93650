"""Lifecycle stages and transitions: Ibis on DuckDB and Spark against a pandas reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.data.schema import TABLES
from shoplens.errors import InputError
from shoplens.lifecycle.stages import (
    LIFECYCLE_STAGES,
    StageConfig,
    customer_stages,
    stage_transitions,
)

BASE = pd.Timestamp("2024-01-01", tz="UTC")
CFG = StageConfig(new_days=30, active_days=60, churn_days=120, loyal_orders=3)


def reference(orders: pd.DataFrame, customers: list[str], as_of, cfg: StageConfig) -> pd.Series:
    """Stage per customer, written plainly in pandas."""
    end = pd.Timestamp(as_of, tz="UTC")
    p = orders[(orders.ts < end) & (orders.status != "cancelled")]
    out = {}
    for cid, grp in p.groupby("customer_id"):
        ts = grp.ts.sort_values()
        last, first = ts.iloc[-1], ts.iloc[0]
        since_last = (end - last).total_seconds() / 86400
        earlier = ts[ts < last]
        gap = (last - earlier.iloc[-1]).total_seconds() / 86400 if len(earlier) else 0.0
        if since_last > cfg.churn_days:
            out[cid] = "churned"
        elif since_last > cfg.active_days:
            out[cid] = "at_risk"
        elif gap > cfg.churn_days:
            out[cid] = "won_back"
        elif (end - first).total_seconds() / 86400 <= cfg.new_days:
            out[cid] = "new"
        elif len(grp) >= cfg.loyal_orders:
            out[cid] = "loyal"
        else:
            out[cid] = "active"
    for cid in customers:
        out.setdefault(cid, "potential")
    return pd.Series(out, name="stage").sort_index()


def _load(con, orders: pd.DataFrame, customers: list[str]) -> None:
    for name, frame in (
        ("orders", orders),
        ("customers", pd.DataFrame({"customer_id": customers})),
    ):
        spec = TABLES[name]
        frame = frame.reindex(columns=list(spec.columns))
        for col, typ in spec.schema.items():
            if typ.is_timestamp() and frame[col].isna().all():
                frame[col] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
            elif typ.is_string() and frame[col].isna().all():
                frame[col] = frame[col].astype(object)
        arrow = pa.Table.from_pandas(frame, schema=spec.schema.to_pyarrow(), preserve_index=False)
        con.insert(name, arrow)


def _orders(rows: list[tuple[int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(rows))],
            "customer_id": [f"c{c}" for c, _, _ in rows],
            "ts": pd.to_datetime([BASE + pd.Timedelta(seconds=s) for _, s, _ in rows], utc=True),
            "status": [s for _, _, s in rows],
            "total": 10.0,
            "currency": "EUR",
        }
    )


def _random_orders(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (int(c), int(s), st_)
        for c, s, st_ in zip(
            rng.integers(0, 60, n),
            rng.integers(0, 400 * 86400, n),
            rng.choice(["paid", "delivered", "cancelled"], n, p=[0.5, 0.4, 0.1]),
            strict=True,
        )
    ]
    return _orders(rows)


def test_stages_match_pandas_reference(warehouse):
    orders = _random_orders(1)
    customers = [f"c{i}" for i in range(70)]
    _load(warehouse, orders, customers)
    for as_of in ("2024-06-01", "2025-01-20"):
        got = customer_stages(warehouse.table("orders"), as_of, CFG, warehouse.table("customers"))
        got = got.execute().set_index("customer_id")["stage"].sort_index()
        want = reference(orders, customers, as_of, CFG)
        pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False)
        assert set(got) <= set(LIFECYCLE_STAGES)


def test_transition_matrix_matches_crosstab(warehouse):
    orders = _random_orders(2)
    customers = [f"c{i}" for i in range(65)]
    _load(warehouse, orders, customers)
    got = stage_transitions(
        warehouse.table("orders"), "2024-05-01", "2024-12-01", CFG, warehouse.table("customers")
    ).execute()
    a = reference(orders, customers, "2024-05-01", CFG)
    b = reference(orders, customers, "2024-12-01", CFG)
    want = pd.crosstab(a.reindex(b.index).fillna("(none)"), b).stack()
    want = want[want > 0].sort_index()
    got = got.set_index(["stage_from", "stage_to"])["customers"].sort_index()
    assert got.to_dict() == {k: int(v) for k, v in want.items()}
    assert got.sum() == len(customers)


DAY = 86400
AS_OF_DAY = 200
#: one customer per stage boundary (days before the cutoff), checked on DuckDB and Spark
EDGE_HISTORIES: dict[int, list[tuple[float, str]]] = {
    1: [(5, "cancelled")],  # only a cancelled order: potential
    2: [(10, "paid")],  # new
    3: [(30, "paid")],  # first purchase exactly new_days ago: still new
    4: [(31, "paid")],  # active
    5: [(50, "paid"), (20, "delivered"), (3, "returned")],  # loyal (3 purchases)
    6: [(60, "paid")],  # exactly active_days: not yet at risk
    7: [(61, "paid")],  # at risk
    8: [(120, "paid")],  # exactly churn_days: at risk
    9: [(121, "paid")],  # churned
    10: [(190, "paid"), (10, "paid")],  # a gap over churn_days: won back
    11: [(40, "paid"), (40, "paid")],  # two orders at the same second
    12: [(100, "paid"), (-5, "paid")],  # the later order is after the cutoff
    13: [(0, "paid")],  # exactly at the cutoff: not before it, so potential
    14: [(45, "paid"), (44, "paid"), (43, "cancelled")],  # 2 purchases: active
}


def test_stage_boundaries_match_pandas_reference(warehouse):
    """A fixed, small set of boundary histories: fast enough for Spark on every run."""
    rows = [
        (c, (AS_OF_DAY - days) * DAY, status)
        for c, history in EDGE_HISTORIES.items()
        for days, status in history
    ]
    orders = _orders(rows)
    customers = [f"c{i}" for i in range(16)]  # c0 and c15 never ordered
    _load(warehouse, orders, customers)
    as_of = (BASE + pd.Timedelta(days=AS_OF_DAY)).tz_localize(None)
    got = customer_stages(warehouse.table("orders"), as_of, CFG, warehouse.table("customers"))
    got = got.execute().set_index("customer_id")["stage"].sort_index()
    want = reference(orders, customers, as_of, CFG)
    assert got.to_dict() == want.to_dict()
    assert {want[f"c{i}"] for i in (0, 1, 13, 15)} == {"potential"}
    assert [want[f"c{i}"] for i in range(2, 11)] == [
        "new",
        "new",
        "active",
        "loyal",
        "active",
        "at_risk",
        "at_risk",
        "churned",
        "won_back",
    ]


history = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 300 * 86400),
        st.sampled_from(["paid", "cancelled", "returned"]),
    ),
    min_size=0,
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=history, as_of_day=st.integers(1, 320))
def test_stages_on_generated_histories(duck, rows, as_of_day):
    for name in ("orders", "customers"):
        duck.raw_sql(f"DELETE FROM {name}")
    orders = _orders(rows)
    customers = [f"c{i}" for i in range(7)]
    _load(duck, orders, customers)
    as_of = (BASE + pd.Timedelta(days=as_of_day)).tz_localize(None)
    got = customer_stages(duck.table("orders"), as_of, CFG, duck.table("customers")).execute()
    got = got.set_index("customer_id")["stage"].sort_index()
    want = reference(orders, customers, as_of, CFG)
    assert got.to_dict() == want.to_dict()


def test_config_is_checked():
    with pytest.raises(InputError):
        StageConfig(active_days=200, churn_days=100)
    with pytest.raises(InputError):
        StageConfig(new_days=0)
    with pytest.raises(InputError):
        stage_transitions(None, "2024-01-01", "2024-01-01")
