"""Assignment is stable, proportional, stratified to one unit; analysis refuses when it must."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.guidance.campaigns.experiments import analyze, assign, bucket, srm_check

IDS = [f"C{i:05d}" for i in range(20000)]


def test_assignment_is_stable_and_independent_of_the_population():
    full = assign(IDS, "exp-a", holdout=0.1).set_index("customer_id")
    part = assign(IDS[5000:7000][::-1], "exp-a", holdout=0.1).set_index("customer_id")
    assert (full.loc[part.index, "arm"] == part["arm"]).all()
    other = assign(IDS, "exp-b").set_index("customer_id")
    tab = pd.crosstab(full["arm"], other["arm"])  # independent experiments: no association
    from scipy.stats import chi2_contingency

    assert chi2_contingency(tab).pvalue > 0.001
    assert (full["arm"] != assign(IDS, "exp-b", holdout=0.1).set_index("customer_id")["arm"]).any()


def test_shares_follow_the_weights_and_holdout():
    out = assign(IDS, "exp-w", {"control": 1, "coupon": 2, "sms": 1}, holdout=0.2)
    counts = out["arm"].value_counts().to_dict()
    assert not srm_check(counts, {"holdout": 0.2, "control": 0.2, "coupon": 0.4, "sms": 0.2})[
        "mismatch"
    ]
    assert abs(counts["holdout"] / len(IDS) - 0.2) < 0.015
    u = bucket("exp-w", IDS)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01


def test_stratified_assignment_balances_every_stratum():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"customer_id": IDS[:3001], "segment": rng.choice(list("abcdefg"), 3001)})
    out = assign(frame, "exp-s", strata="segment")
    tab = pd.crosstab(out["stratum"], out["arm"])
    assert (np.abs(tab["control"] - tab["treatment"]) <= 1).all()
    assert assign(frame, "exp-s", strata="segment").equals(out)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((["a"], "e", ["only"]), {}),
        ((["a"], "e", ["x", "holdout"]), {}),
        ((["a", "a"], "e"), {}),
        ((["a"], "e"), {"holdout": 1.0}),
        ((["a"], "e"), {"strata": "nope"}),
        ((["a"], "e", {"x": 1, "y": -1}), {}),
    ],
)
def test_bad_assignments_raise(args, kwargs):
    with pytest.raises(InputError):
        assign(*args, **kwargs)


def _frame(n: int, effect: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = assign(IDS[:n], "exp-x", holdout=0.1)
    t = (out["arm"] == "treatment").to_numpy()
    out["converted"] = rng.random(n) < 0.1 + effect * t
    out["revenue"] = out["converted"] * rng.gamma(2, 50, n)
    out["segment"] = np.where(np.arange(n) % 2 == 0, "even", "odd")
    return out


def test_analysis_refuses_too_few_units_and_a_sample_ratio_mismatch():
    r = analyze(_frame(150))
    assert r.decision == "refused" and "too few units" in r.reasons[0]
    f = _frame(20000, 0.05)
    assert "holdout" not in set(r.arms["arm"])
    extra = f[f.arm == "treatment"].head(800)
    skewed = pd.concat([f, extra.assign(customer_id=extra.customer_id + "x")])
    r = analyze(skewed)
    assert r.decision == "refused" and "sample ratio" in r.reasons[0]


def test_analysis_ships_a_real_effect_and_reports_segments():
    r = analyze(_frame(20000, 0.05), segment="segment", planned_per_arm=5000)
    assert r.decision == "ship treatment"
    conv = r.comparisons.set_index("metric").loc["converted"]
    assert conv.ci_low < 0.05 < conv.ci_high
    assert set(r.by_segment["segment"]) == {"even", "odd"}
    assert r.by_segment["enough_units"].all()
    assert analyze(_frame(20000, 0.0, seed=5), planned_per_arm=5000).decision == "no effect"
    assert analyze(_frame(20000, 0.0, seed=5)).decision == "keep running"


def test_analysis_bad_input():
    f = _frame(400)
    with pytest.raises(InputError, match="no column"):
        analyze(f, metrics=("clicks",))
    with pytest.raises(InputError, match="control"):
        analyze(f, control="baseline")
