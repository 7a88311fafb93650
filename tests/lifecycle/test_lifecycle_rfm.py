"""RFM summaries (pandas, Ibis on DuckDB) against lifetimes, and RFM scores against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data.formats.cdnow import cdnow_path, read_cdnow
from shoplens.errors import InputError
from shoplens.lifecycle import (
    calibration_and_holdout,
    rfm_scores,
    rfm_summary,
    segment_of,
    summary_from_transactions,
)

lt_utils = pytest.importorskip("lifetimes.utils")


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    raw = read_cdnow(cdnow_path("sample"))
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(raw))],
            "customer_id": raw["customer_id"],
            "ts": pd.to_datetime(raw["date"], format="%Y%m%d").dt.tz_localize("UTC"),
            "status": "paid",
            "total": raw["dollar_value"].astype(float),
            "currency": "USD",
        }
    )


def _naive(tx: pd.DataFrame) -> pd.DataFrame:
    return tx.assign(ts=tx["ts"].dt.tz_localize(None))


@pytest.mark.parametrize(
    ("freq", "mult", "end"),
    [("D", 1, None), ("D", 7, "1997-09-30"), ("W", 1, "1997-09-30"), ("W", 1, None)],
)
def test_pandas_summary_matches_lifetimes(tx, freq, mult, end):
    ours = summary_from_transactions(
        tx, monetary_value_col="total", observation_period_end=end, freq=freq, freq_multiplier=mult
    )
    peer = lt_utils.summary_data_from_transaction_data(
        _naive(tx),
        "customer_id",
        "ts",
        "total",
        observation_period_end=end,
        freq=freq,
        freq_multiplier=mult,
    ).sort_index()
    assert list(ours.index) == list(peer.index)
    np.testing.assert_allclose(ours.to_numpy(), peer.to_numpy(), rtol=1e-12, atol=1e-9)


def test_calibration_holdout_matches_lifetimes(tx):
    ours = calibration_and_holdout(
        tx, "1997-09-30", "1998-06-30", monetary_value_col="total", freq="D", freq_multiplier=7
    )
    peer = lt_utils.calibration_and_holdout_data(
        _naive(tx),
        "customer_id",
        "ts",
        "1997-09-30",
        "1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="total",
    ).sort_index()
    np.testing.assert_allclose(ours[peer.columns].to_numpy(), peer.to_numpy(), atol=1e-9)


@pytest.mark.parametrize(("freq", "mult", "end"), [("D", 7, "1997-09-30"), ("W", 1, None)])
def test_ibis_summary_matches_pandas(duck, tx, freq, mult, end):
    duck.insert("orders", tx)
    expr = rfm_summary(duck.table("orders"), end, freq=freq, freq_multiplier=mult)
    got = expr.execute().set_index("customer_id").sort_index()
    want = summary_from_transactions(
        tx, monetary_value_col="total", observation_period_end=end, freq=freq, freq_multiplier=mult
    )
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got[want.columns].to_numpy(), want.to_numpy(), atol=1e-9)


def _ntile(n_rows: int, n: int = 5) -> np.ndarray:
    size, extra = divmod(n_rows, n)
    return np.repeat(np.arange(1, n + 1), [size + (i < extra) for i in range(n)])


def test_rfm_scores_match_pandas_reference(duck, tx):
    duck.insert("orders", tx)
    got = rfm_scores(duck.table("orders"), "1998-06-30").execute().set_index("customer_id")
    end = pd.Timestamp("1998-06-30", tz="UTC")
    g = tx.groupby("customer_id").agg(
        last=("ts", "max"), frequency=("ts", "size"), monetary=("total", "sum")
    )
    g["recency_days"] = (end - g["last"].dt.floor("D")).dt.days
    ref = g.reset_index()
    for col, score, asc in [
        ("recency_days", "R", False),
        ("frequency", "F", True),
        ("monetary", "M", True),
    ]:
        order = ref.sort_values([col, "customer_id"], ascending=[asc, True]).index
        ref.loc[order, score] = _ntile(len(ref))
    ref = ref.set_index("customer_id").sort_index()
    got = got.sort_index()
    for col in ["recency_days", "frequency", "R", "F", "M"]:
        np.testing.assert_array_equal(got[col].to_numpy(), ref[col].to_numpy().astype(int))
    np.testing.assert_allclose(got["monetary"], ref["monetary"])
    want_seg = [segment_of(int(r), int(f)) for r, f in zip(ref["R"], ref["F"], strict=True)]
    assert got["segment"].tolist() == want_seg
    assert set(got["segment"]) <= {
        "hibernating",
        "at_risk",
        "cant_lose",
        "about_to_sleep",
        "need_attention",
        "loyal_customers",
        "promising",
        "new_customers",
        "potential_loyalists",
        "champions",
    }


def test_segment_map_is_total():
    names = {segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert "champions" in names and "at_risk" in names and len(names) == 10
    with pytest.raises(InputError):
        segment_of(0, 3)


def test_summary_bad_input(tx):
    with pytest.raises(InputError, match="column"):
        summary_from_transactions(tx.drop(columns="total"), monetary_value_col="total")
    with pytest.raises(InputError, match="no transactions"):
        summary_from_transactions(tx.iloc[:0], monetary_value_col="total")
    with pytest.raises(InputError, match="freq"):
        summary_from_transactions(tx, monetary_value_col="total", freq="M")
    with pytest.raises(InputError, match="after"):
        calibration_and_holdout(tx, "1998-06-30", "1997-09-30", monetary_value_col="total")
