"""CDNOW: published BG/NBD, Pareto/NBD and Gamma-Gamma estimates, and lifetimes in the same run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data.formats.cdnow import cdnow_path, read_cdnow
from shoplens.lifecycle import BGNBD, GammaGamma, ParetoNBD, calibration_and_holdout

lifetimes = pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """39-week calibration summary of the 2,357-customer sample, weeks at day precision."""
    raw = read_cdnow(cdnow_path("sample"))
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ts": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
        }
    )
    return calibration_and_holdout(tx, "1997-09-30", "1998-06-30", freq="D", freq_multiplier=7)


def _frt(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return df["frequency_cal"].to_numpy(), df["recency_cal"].to_numpy(), df["T_cal"].to_numpy()


def test_cdnow_summary_shape(cdnow):
    assert len(cdnow) == 2357
    assert int(cdnow["frequency_cal"].sum()) == 2457
    assert int((cdnow["frequency_cal"] > 0).sum()) == 946


def test_bgnbd_published(cdnow):
    m = BGNBD().fit(*_frt(cdnow))
    assert round(m.r_, 3) == 0.243
    assert round(m.alpha_, 3) == 4.414
    assert round(m.a_, 3) == 0.793
    assert round(m.b_, 3) == 2.426
    assert round(m.log_likelihood_, 1) == -9582.4


def test_paretonbd_published(cdnow):
    m = ParetoNBD().fit(*_frt(cdnow))
    assert round(m.r_, 3) == 0.553
    assert round(m.alpha_, 3) == 10.578
    assert round(m.s_, 3) == 0.606
    assert round(m.beta_, 3) == 11.669
    assert round(m.log_likelihood_, 1) == -9595.0


def test_gammagamma_published(cdnow):
    rep = cdnow[cdnow["frequency_cal"] > 0]
    gg = GammaGamma().fit(rep["frequency_cal"], rep["monetary_value_cal"])
    assert (round(gg.p_, 2), round(gg.q_, 2), round(gg.v_, 2)) == (6.25, 3.74, 15.44)


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def test_bgnbd_matches_lifetimes(cdnow):
    f, r, t = _frt(cdnow)
    ours = BGNBD().fit(f, r, t)
    peer = lifetimes.BetaGeoFitter().fit(f, r, t)
    assert _rel(list(ours.params_.values()), peer.params_[["r", "alpha", "a", "b"]]) < 1e-3
    assert (
        _rel(
            ours.conditional_probability_alive(f, r, t), peer.conditional_probability_alive(f, r, t)
        )
        < 1e-3
    )
    assert (
        _rel(
            ours.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
            peer.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
        )
        < 1e-3
    )
    assert (
        _rel(
            ours.expected_number_of_purchases_up_to_time(np.array([1.0, 39.0, 78.0])),
            peer.expected_number_of_purchases_up_to_time(np.array([1.0, 39.0, 78.0])),
        )
        < 1e-3
    )


def test_paretonbd_matches_lifetimes(cdnow):
    f, r, t = _frt(cdnow)
    ours = ParetoNBD().fit(f, r, t)
    peer = lifetimes.ParetoNBDFitter().fit(f, r, t)
    assert _rel(list(ours.params_.values()), peer.params_[["r", "alpha", "s", "beta"]]) < 1e-3
    assert (
        _rel(
            ours.conditional_probability_alive(f, r, t), peer.conditional_probability_alive(f, r, t)
        )
        < 1e-3
    )
    assert (
        _rel(
            ours.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
            peer.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
        )
        < 1e-3
    )


def test_gammagamma_and_clv_match_lifetimes(cdnow):
    rep = cdnow[cdnow["frequency_cal"] > 0]
    f, r, t = _frt(rep)
    m = rep["monetary_value_cal"]
    ours = GammaGamma().fit(f, m)
    peer = lifetimes.GammaGammaFitter().fit(rep["frequency_cal"], m)
    assert _rel(list(ours.params_.values()), peer.params_[["p", "q", "v"]]) < 1e-3
    assert (
        _rel(
            ours.conditional_expected_average_profit(f, m),
            peer.conditional_expected_average_profit(rep["frequency_cal"], m),
        )
        < 1e-3
    )
    bg, peer_bg = BGNBD().fit(*_frt(cdnow)), lifetimes.BetaGeoFitter().fit(*_frt(cdnow))
    ours_clv = ours.customer_lifetime_value(bg, f, r, t, m, time=12, discount_rate=0.01, freq="W")
    peer_clv = peer.customer_lifetime_value(
        peer_bg,
        rep["frequency_cal"],
        rep["recency_cal"],
        rep["T_cal"],
        m,
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    assert _rel(ours_clv, peer_clv.to_numpy()) < 1e-3


def test_holdout_prediction_is_sensible(cdnow):
    """Holdout (weeks 40-78) purchase periods are predicted in aggregate within 15%."""
    f, r, t = _frt(cdnow)
    m = BGNBD().fit(f, r, t)
    pred = m.conditional_expected_number_of_purchases_up_to_time(
        cdnow["duration_holdout"].to_numpy(), f, r, t
    ).sum()
    actual = cdnow["frequency_holdout"].sum()
    assert abs(pred / actual - 1) < 0.15
