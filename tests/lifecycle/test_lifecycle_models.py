"""BTYD models: parameter recovery on simulated data, edge cases, bad input, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from shoplens.errors import InputError, ShopLensError
from shoplens.lifecycle import BGNBD, ConvergenceError, GammaGamma, ParetoNBD, simulate


def simulate_bgnbd(n, r, alpha, a, b, seed=0):
    """BG/NBD customers observed for T in [20, 52] (continuous time), as arrays."""
    df = simulate.simulate_bgnbd(n, r, alpha, a, b, T=(20.0, 52.0), seed=seed)
    return df["frequency"].to_numpy(), df["recency"].to_numpy(), df["T"].to_numpy()


def test_bgnbd_recovers_simulated_parameters():
    true = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    x, tx, T = simulate_bgnbd(20_000, **true, seed=42)
    m = BGNBD().fit(x, tx, T)
    for k, v in true.items():  # ~3 standard errors at n = 20k
        assert abs(m.params_[k] / v - 1) < 0.15, (k, m.params_[k], v)
    assert abs(m.expected_number_of_purchases_up_to_time(36.0) / np.mean(x[T >= 36]) - 1) < 0.2


def test_weights_equal_repeated_rows():
    x, tx, T = simulate_bgnbd(3000, 0.5, 6.0, 0.8, 2.5, seed=1)
    x, tx, T = x, np.round(tx), np.round(T)
    tx = np.where(x > 0, np.maximum(tx, 1), 0)
    full = BGNBD().fit(np.r_[x, x], np.r_[tx, tx], np.r_[T, T])
    weighted = BGNBD().fit(x, tx, T, weights=np.full(len(x), 2.0))
    np.testing.assert_allclose(
        list(full.params_.values()), list(weighted.params_.values()), rtol=1e-5
    )
    assert full.log_likelihood_ == pytest.approx(weighted.log_likelihood_, rel=1e-9)


@pytest.mark.parametrize("renumber", [False, True])
def test_compress_matches_a_pandas_groupby(monkeypatch, renumber):
    import pandas as pd

    from shoplens.lifecycle import btyd

    if renumber:  # the path taken when frequency x recency x T could overflow int64
        monkeypatch.setattr(btyd, "_RENUMBER_ABOVE", 0)
    rng = np.random.default_rng(4)
    f = rng.integers(0, 4, 5000).astype(float)
    r = np.where(f > 0, rng.integers(1, 30, 5000) / 7.0, 0.0)
    t = rng.integers(30, 40, 5000) / 7.0
    w = rng.integers(1, 4, 5000).astype(float)
    got = btyd.compress(f, r, t, w)
    want = pd.DataFrame({"f": f, "r": r, "t": t, "w": w}).groupby(["f", "r", "t"])["w"].sum()
    assert len(got[0]) == len(want) < 5000
    np.testing.assert_array_equal(got[0], want.index.get_level_values(0))
    np.testing.assert_array_equal(got[1], want.index.get_level_values(1))
    np.testing.assert_array_equal(got[2], want.index.get_level_values(2))
    np.testing.assert_array_equal(got[3], want.to_numpy())


@pytest.mark.parametrize("model", [BGNBD, ParetoNBD])
def test_bad_input_raises(model):
    m = model()
    with pytest.raises(InputError, match="empty"):
        m.fit([], [], [])
    with pytest.raises(InputError, match="at least 2"):
        m.fit([1], [3.0], [5.0])
    with pytest.raises(InputError, match="recency 0"):
        m.fit([1, 0], [0.0, 0.0], [5.0, 5.0])
    with pytest.raises(InputError, match="recency > T"):
        m.fit([1, 0], [6.0, 0.0], [5.0, 5.0])
    with pytest.raises(InputError, match="made a repeat purchase"):
        m.fit([0, 0, 0], [0.0, 0.0, 0.0], [5.0, 6.0, 7.0])
    with pytest.raises(InputError, match="NaN"):
        m.fit([1, np.nan], [1.0, 0.0], [5.0, 5.0])
    with pytest.raises(InputError, match="same length"):
        m.fit([1, 0], [1.0], [5.0, 5.0])
    with pytest.raises(InputError, match="not fitted"):
        m.conditional_probability_alive([1], [1.0], [2.0])


def test_degenerate_data_raises_convergence_error():
    # every customer repeats at the very end: the likelihood has no interior maximum
    with pytest.raises(ShopLensError):
        BGNBD().fit([5, 5, 5], [10.0, 10.0, 10.0], [10.0, 10.0, 10.0])
    assert issubclass(ConvergenceError, ShopLensError)


def test_recency_equal_t_and_predictions_are_finite():
    x, tx, T = simulate_bgnbd(2000, 0.5, 6.0, 0.8, 2.5, seed=3)
    bg = BGNBD().fit(x, tx, T)
    pn = ParetoNBD().fit(x, tx, T)
    f, r, t = np.array([0, 3, 3, 50]), np.array([0.0, 30.0, 30.0, 30.0]), np.array([30.0] * 4)
    for m in (bg, pn):
        alive = m.conditional_probability_alive(f, r, t)
        assert np.all((alive >= 0) & (alive <= 1)) and np.all(np.isfinite(alive))
        assert alive[1] == pytest.approx(alive[2])
        pred = m.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t)
        assert np.all(np.isfinite(pred)) and np.all(pred >= 0)
    assert bg.conditional_probability_alive([0], [0.0], [30.0])[0] == 1.0


def test_gammagamma_bad_input():
    gg = GammaGamma()
    with pytest.raises(InputError, match="repeat"):
        gg.fit([0, 2], [10.0, 12.0])
    with pytest.raises(InputError, match="zero or negative"):
        gg.fit([1, 2], [-1.0, 12.0])
    with pytest.raises(InputError, match="zero or negative"):
        gg.fit([1, 2], [0.0, 12.0])
    with pytest.raises(InputError, match="at least 2"):
        gg.fit([1], [10.0])
    with pytest.raises(InputError, match="empty"):
        gg.fit([], [])


def test_gammagamma_recovers_simulated_parameters():
    x = np.random.default_rng(7).integers(1, 10, 20_000)
    m = simulate.simulate_spend(x, p=6.0, q=4.0, v=20.0, seed=7)
    gg = GammaGamma().fit(x, m)
    assert gg.p_ == pytest.approx(6.0, rel=0.1)
    assert gg.q_ == pytest.approx(4.0, rel=0.1)
    assert gg.v_ == pytest.approx(20.0, rel=0.15)


@pytest.mark.parametrize("model", [BGNBD, ParetoNBD])
def test_json_round_trip(tmp_path, model):
    x, tx, T = simulate_bgnbd(1000, 0.5, 6.0, 0.8, 2.5, seed=5)
    m = model().fit(x, tx, T)
    m.save(tmp_path / "m.json")
    back = model.load(tmp_path / "m.json")
    assert back.params_ == m.params_
    np.testing.assert_allclose(
        back.conditional_probability_alive(x, tx, T), m.conditional_probability_alive(x, tx, T)
    )
    other = GammaGamma if model is BGNBD else BGNBD
    with pytest.raises(InputError):
        other.load(tmp_path / "m.json")


@pytest.mark.parametrize(
    ("model", "params"),
    [(BGNBD(), [0.7, 3.0, 0.6, 1.8]), (GammaGamma(), [5.0, 3.5, 18.0])],
)
def test_analytic_gradient_matches_finite_differences(model, params, numeric_log_gradient):
    sim = simulate.simulate_bgnbd(3000, 0.5, 6.0, 0.8, 2.5, seed=8)
    if isinstance(model, GammaGamma):
        rep = sim[sim.frequency > 0]
        m = simulate.simulate_spend(rep.frequency, 6.0, 4.0, 20.0, seed=8)
        data = model._prepare(rep.frequency.to_numpy(), m, None, None)
    else:
        data = model._prepare(*(sim[c].to_numpy() for c in ("frequency", "recency", "T")), None)
    logp = np.log(params)
    _, grad = model._total(np.exp(logp), data, True)
    numeric = numeric_log_gradient(model, params, data)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)
