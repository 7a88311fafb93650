"""Bad input from the issue, end to end: empty, one customer, non-positive amounts,
transactions after the observation end, non-convergence. Each gives a clear error or a
documented result, never NaN parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.lifecycle import (
    BGNBD,
    ConvergenceError,
    CustomerSegmenter,
    GammaGamma,
    ParetoNBD,
    PurchasePropensity,
    rfm_summary,
    simulate_bgnbd,
    summary_from_transactions,
)


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "ts": pd.to_datetime([d for _, d, _ in rows]),
            "amount": [a for _, _, a in rows],
        }
    )


TX = _tx(
    [
        ("a", "2024-01-01", 10.0),
        ("a", "2024-01-05", 20.0),
        ("a", "2024-02-20", 99.0),  # after the end below
        ("b", "2024-01-03", 7.0),
        ("c", "2024-02-15", 5.0),  # first purchase after the end: not a customer yet
    ]
)


def test_transactions_after_the_observation_end_are_ignored(duck):
    got = summary_from_transactions(TX, observation_period_end="2024-01-10")
    before = summary_from_transactions(
        TX[TX.ts <= "2024-01-10"], observation_period_end="2024-01-10"
    )
    pd.testing.assert_frame_equal(got, before)
    assert list(got.index) == ["a", "b"]
    assert got.loc["a"].to_dict() == {
        "frequency": 1.0,
        "recency": 4.0,
        "T": 9.0,
        "monetary_value": 20.0,
    }
    # the warehouse summary agrees
    duck.create_table("tx", TX)
    ibis_sum = rfm_summary(duck.table("tx"), "2024-01-10", amount="amount").execute()
    ibis_sum = ibis_sum.set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(ibis_sum, got, check_names=False, check_index_type=False)
    with pytest.raises(InputError, match="on or before"):
        summary_from_transactions(TX, observation_period_end="2023-12-01")


def test_empty_input_is_a_clear_error():
    with pytest.raises(InputError, match="no transactions"):
        summary_from_transactions(TX.iloc[:0])
    for model in (BGNBD(), ParetoNBD()):
        with pytest.raises(InputError, match="empty"):
            model.fit([], [], [])
    with pytest.raises(InputError, match="empty"):
        GammaGamma().fit([], [])
    with pytest.raises(InputError, match="non-empty"):
        CustomerSegmenter().fit(pd.DataFrame())
    with pytest.raises(InputError, match="at least 20"):
        PurchasePropensity().fit(pd.DataFrame({"x": []}), [])


def test_a_single_customer():
    one = summary_from_transactions(TX[TX.customer_id == "a"], observation_period_end="2024-01-10")
    assert len(one) == 1  # the summary itself is fine
    f, r, t = one["frequency"], one["recency"], one["T"]
    for model in (BGNBD(), ParetoNBD()):
        with pytest.raises(InputError, match="at least 2"):
            model.fit(f, r, t)
    with pytest.raises(InputError, match="at least 2"):
        GammaGamma().fit(f, one["monetary_value"])
    with pytest.raises(InputError, match="too few"):
        CustomerSegmenter(k=2).fit(pd.DataFrame({"n_orders": [3.0]}))
    # a fitted model scores a single customer
    sim = simulate_bgnbd(2000, 0.5, 6.0, 0.8, 2.5, seed=2)
    bg = BGNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    assert bg.conditional_probability_alive(f, r, t).shape == (1,)


def test_zero_and_negative_amounts():
    refund = _tx(
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-03", -10.0),  # a refunded repeat order: the period nets to -10
            ("b", "2024-01-01", 5.0),
            ("b", "2024-01-04", 0.0),  # a free repeat order
            ("c", "2024-01-01", 5.0),
            ("c", "2024-01-05", 8.0),
        ]
    )
    s = summary_from_transactions(refund, observation_period_end="2024-01-10")
    assert s["monetary_value"].to_dict() == {"a": -10.0, "b": 0.0, "c": 8.0}
    rep = s[s.frequency > 0]
    with pytest.raises(InputError, match="2 customers have a zero or negative monetary_value"):
        GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    gg = GammaGamma()
    gg._set_params([6.25, 3.74, 15.44])
    with pytest.raises(InputError, match="same length"):
        gg.conditional_expected_average_profit([1, 2], [10.0])


def test_non_convergence_raises_and_never_returns_nan():
    rows = (np.r_[0, 1, 2, 3, 0, 5], np.r_[0, 3, 4, 8, 0, 9.0], np.full(6, 10.0))
    with pytest.raises(ConvergenceError, match="stopped before converging"):
        BGNBD(max_iter=2).fit(*rows)
    # every repeat buyer bought at the very end: the optimum runs off to infinity
    for model in (BGNBD(), ParetoNBD()):
        with pytest.raises(ConvergenceError, match="did not converge"):
            model.fit([5, 5, 5], [10.0, 10.0, 10.0], [10.0, 10.0, 10.0])
    # identical spend: no variation between customers to estimate q from
    with pytest.raises(ConvergenceError, match="add customers or a small penalizer_coef"):
        GammaGamma().fit([1, 1], [10.0, 10.0])
