"""Power, intervals, CUPED, SRM and mSPRT checked against statsmodels, scipy and quadrature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from shoplens.errors import InputError
from shoplens.guidance.campaigns.experiments import (
    analyze,
    cuped_adjust,
    diff_in_means,
    diff_in_proportions,
    msprt_lambda,
    power,
    sample_size,
    srm_check,
)
from shoplens.guidance.campaigns.experiments.power import effect_size

sm_power = pytest.importorskip("statsmodels.stats.power")
sm_prop = pytest.importorskip("statsmodels.stats.proportion")


@pytest.mark.parametrize("alternative", ["two-sided", "larger"])
@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5])
@pytest.mark.parametrize(("baseline", "mde"), [(0.1, 0.02), (0.03, 0.01), (0.5, -0.05)])
def test_sample_size_and_power_match_statsmodels(baseline, mde, ratio, alternative):
    if alternative == "larger" and mde < 0:
        alternative = "smaller"
    es = sm_prop.proportion_effectsize(baseline + mde, baseline)
    ref = sm_power.NormalIndPower().solve_power(
        es, alpha=0.05, power=0.8, ratio=ratio, alternative=alternative
    )
    ours = sample_size(baseline=baseline, mde=mde, ratio=ratio, alternative=alternative)
    assert ours.per_arm == int(np.ceil(ref - 1e-9))
    assert ours.effect_size == pytest.approx(abs(es) if alternative != "smaller" else -es)
    got = power(baseline=baseline, mde=mde, per_arm=700, ratio=ratio, alternative=alternative)
    want = sm_power.NormalIndPower().power(es, 700, 0.05, ratio=ratio, alternative=alternative)
    assert got == pytest.approx(want, rel=1e-9)


def test_sample_size_for_a_mean_and_relative_mde():
    ref = sm_power.NormalIndPower().solve_power(0.1 / 2.5, alpha=0.01, power=0.9)
    assert sample_size(mde=0.1, std=2.5, alpha=0.01, power=0.9).per_arm == int(np.ceil(ref))
    assert effect_size(mde=0.2, baseline=0.1, relative=True) == pytest.approx(
        sm_prop.proportion_effectsize(0.12, 0.1)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(mde=0.1),
        dict(mde=0.1, baseline=0.1, std=1.0),
        dict(mde=0.0, std=1.0),
        dict(mde=0.5, baseline=0.7),
        dict(mde=0.1, std=1.0, alpha=1.5),
    ],
)
def test_sample_size_bad_input(kwargs):
    with pytest.raises(InputError):
        sample_size(**kwargs)


def test_welch_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.gamma(2.0, 3.0, 300), rng.gamma(2.0, 2.5, 450)
    c = diff_in_means(a.mean(), a.var(ddof=1), 300, b.mean(), b.var(ddof=1), 450, alpha=0.1)
    ref = stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(0.9)
    assert float(c.p_value) == pytest.approx(ref.pvalue, rel=1e-9)
    assert (float(c.ci_low), float(c.ci_high)) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_proportions_match_statsmodels():
    c = diff_in_proportions(130, 1000, 100, 1100)
    low, high = sm_prop.confint_proportions_2indep(130, 1000, 100, 1100, method="wald")
    ref = sm_prop.test_proportions_2indep(130, 1000, 100, 1100, method="wald")
    assert (float(c.ci_low), float(c.ci_high)) == pytest.approx((low, high), rel=1e-9)
    assert float(c.p_value) == pytest.approx(ref.pvalue, rel=1e-9)


def test_cuped_equals_the_ols_treatment_coefficient_and_narrows_the_interval():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(2)
    n = 4000
    x = rng.gamma(2.0, 50.0, n)
    t = rng.random(n) < 0.5
    y = 0.8 * x + 5.0 * t + rng.normal(0, 30, n)
    adj, theta = cuped_adjust(y, x, t.astype(int))
    ols = sm.OLS(y, sm.add_constant(np.column_stack([t.astype(float), x]))).fit()
    assert theta == pytest.approx(ols.params[2], rel=1e-9)
    assert adj[t].mean() - adj[~t].mean() == pytest.approx(ols.params[1], rel=1e-9)
    frame = pd.DataFrame({"arm": np.where(t, "treatment", "control"), "revenue": y, "pre": x})
    plain = analyze(frame, metrics=("revenue",)).comparisons.iloc[0]
    cup = analyze(frame, metrics=("revenue",), pre="pre").comparisons.iloc[0]
    assert cup.cuped and not plain.cuped
    assert cup.estimate == pytest.approx(ols.params[1], rel=1e-9)
    assert (cup.ci_high - cup.ci_low) / 2 == pytest.approx(1.96 * ols.bse[1], rel=0.02)
    assert cup.ci_high - cup.ci_low < 0.5 * (plain.ci_high - plain.ci_low)


def test_srm_matches_the_chi_square_formula():
    out = srm_check({"a": 5100, "b": 4900, "c": 10400}, {"a": 1, "b": 1, "c": 2})
    obs, exp = np.array([5100, 4900, 10400]), np.array([5100, 5100, 10200])
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert out["chi2"] == pytest.approx(chi2)
    assert out["p_value"] == pytest.approx(stats.chi2.sf(chi2, 2))
    assert out["mismatch"] is False
    assert srm_check({"a": 5300, "b": 4700}, {"a": 1, "b": 1})["mismatch"] is True


@pytest.mark.parametrize(("d", "s2", "tau"), [(0.3, 0.01, 0.2), (-0.05, 0.002, 0.1), (0, 1, 3)])
def test_msprt_ratio_matches_the_mixture_integral(d, s2, tau):
    def ratio(delta: float) -> float:
        return (stats.norm.pdf(d, delta, np.sqrt(s2)) / stats.norm.pdf(d, 0, np.sqrt(s2))
                * stats.norm.pdf(delta, 0, tau))  # fmt: skip

    ref, _ = integrate.quad(ratio, -12 * tau, 12 * tau, points=[d], limit=200)
    assert float(msprt_lambda(np.array([d]), np.array([s2]), tau)[0]) == pytest.approx(
        ref, rel=1e-6
    )
