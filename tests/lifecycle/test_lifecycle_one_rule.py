"""One rule each for the as-of date, the observation end and cancelled orders.

``shoplens lifecycle rfm|churn``, the library and the stored ``lifecycle_customers`` must
show the same numbers, and all must match a pandas reference written here from the
rule: orders before the as-of date count unless cancelled; recency is measured to the
day before the as-of date; the default as-of date is the day after the last purchase.
"""

from __future__ import annotations

import io

import ibis
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from shoplens.cli import app

AS_OF = "2026-09-15"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A small demo shop, plus a cancelled order after every real purchase."""
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("one-rule")
    generate_demo(root / "shop", customers=300, items=50, events=30_000, seed=5)
    db = root / "w.duckdb"
    con = connect("duckdb", db)
    for name in ("customers", "items", "events", "orders"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        if name == "orders":
            late = frame.iloc[[0]].assign(
                order_id="LATE-CANCELLED",
                status="Cancelled",
                total=9999.0,
                ts=frame["ts"].max() + pd.Timedelta(days=3),
            )
            frame = pd.concat([frame, late], ignore_index=True)
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    orders = con.table("orders").execute()
    con.disconnect()
    return db, orders


def reference_rfm(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """recency_days, frequency, monetary from the rule, in plain pandas."""
    o = orders.copy()
    o["ts"] = pd.to_datetime(o["ts"], utc=True).dt.tz_localize(None)
    o = o[~o["status"].str.lower().isin(["cancelled", "canceled"]) & (o["ts"] < as_of)]
    last_day = (as_of - pd.Timedelta(days=1)).normalize()
    g = o.groupby("customer_id")
    return pd.DataFrame(
        {
            "recency_days": (last_day - g["ts"].max().dt.normalize()).dt.days,
            "frequency": g.size(),
            "monetary": g["total"].sum(),
        }
    ).sort_index()


def _cli_csv(*args: str) -> pd.DataFrame:
    res = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout), dtype={"customer_id": str})


def _same(got: pd.DataFrame, want: pd.DataFrame, label: str) -> None:
    got = got.set_index("customer_id")[list(want.columns)].sort_index().astype(float)
    assert got.index.tolist() == want.index.tolist(), label
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(dtype=float), err_msg=label)


def test_default_as_of_is_the_day_after_the_last_purchase(shop):
    from shoplens.lifecycle.cutoff import default_as_of

    _, orders = shop
    bought = orders[orders["status"].str.lower() != "cancelled"]
    want = pd.Timestamp(bought["ts"].max()).tz_localize(None).normalize() + pd.Timedelta(days=1)
    con = ibis.memtable(orders)
    assert default_as_of(con) == want  # the cancelled order 3 days later does not count


@pytest.mark.parametrize("as_of", [None, AS_OF])
def test_rfm_cli_and_library_match_the_rule(shop, as_of):
    from shoplens.lifecycle.cutoff import resolve_as_of
    from shoplens.lifecycle.rfm import customer_rfm
    from shoplens.warehouse import connect

    db, orders = shop
    con = connect("duckdb", db)
    end = resolve_as_of(con.table("orders"), as_of)
    want = reference_rfm(orders, end)
    assert (want["recency_days"] >= 0).all()
    if as_of is None:  # the default observation end is the last purchase day
        assert (want["recency_days"] == 0).any()
    _same(customer_rfm(con.table("orders"), as_of).execute(), want, "library")
    con.disconnect()
    extra = [] if as_of is None else ["--as-of", as_of]
    _same(_cli_csv("lifecycle", "rfm", "-w", str(db), *extra), want, "cli")


def test_cli_library_and_stored_table_agree(shop):
    """``segments --save`` stores the run; rfm and churn from the CLI match it exactly."""
    from shoplens.lifecycle.churn import churn_risk
    from shoplens.lifecycle.store import read_lifecycle_customers
    from shoplens.warehouse import connect

    db, orders = shop
    w = ["-w", str(db)]
    res = CliRunner().invoke(app, ["lifecycle", "segments", "--save", "--as-of", AS_OF, *w])
    assert res.exit_code == 0, res.output
    con = connect("duckdb", db)
    stored = read_lifecycle_customers(con, AS_OF).dropna(subset=["frequency"])
    want = reference_rfm(orders, pd.Timestamp(AS_OF))
    _same(stored, want, "lifecycle_customers")
    _, lib = churn_risk(con, AS_OF, explain_top=0)
    con.disconnect()
    cli = _cli_csv("lifecycle", "churn", "--as-of", AS_OF, "--explain-top", "0", *w)
    probs = stored.set_index("customer_id")["churn_probability"].sort_index()
    for label, frame in (("cli", cli), ("library", lib)):
        got = frame.set_index("customer_id")["churn_probability"].sort_index()
        assert got.index.tolist() == probs.index.tolist(), label
        np.testing.assert_allclose(got.to_numpy(), probs.to_numpy(), err_msg=label)


def test_rfm_expressions_leave_cancelled_orders_out(warehouse):
    """Hand-checked RFM scores and BTYD summary, on DuckDB and on Spark."""
    from shoplens.lifecycle.rfm import customer_rfm, rfm_scores, rfm_summary

    df = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(5)],
            "customer_id": ["a", "a", "a", "b", "b"],
            "ts": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-09", "2024-01-02", "2024-01-04"], utc=True
            ),
            "status": ["paid", "CANCELED", "cancelled", "paid", None],
            "total": [10.0, 50.0, 70.0, 5.0, 6.0],
            "currency": "EUR",
        }
    )
    warehouse.insert("orders", df)
    t = warehouse.table("orders")
    got = rfm_scores(t, "2024-01-10").execute().set_index("customer_id").sort_index()
    # a: one real order (Jan 1, 10.0); b: two (the NULL status counts), last Jan 4
    assert got["frequency"].tolist() == [1, 2]
    assert got["monetary"].tolist() == [10.0, 11.0]
    assert got["recency_days"].tolist() == [9, 6]
    # as of Jan 11 the last observed day is Jan 10: the same recency
    same = customer_rfm(t, "2024-01-11").execute().set_index("customer_id").sort_index()
    assert same["recency_days"].tolist() == [9, 6]
    # default as-of: the day after b's Jan 4 order (a's Jan 9 order is cancelled)
    assert customer_rfm(t).execute().sort_values("customer_id")["recency_days"].tolist() == [3, 0]
    s = rfm_summary(t, "2024-01-10").execute().set_index("customer_id").sort_index()
    assert s["frequency"].tolist() == [0.0, 1.0] and s["T"].tolist() == [9.0, 8.0]
    assert s["monetary_value"].tolist() == [0.0, 6.0]
