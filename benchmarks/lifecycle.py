"""Benchmark: ShopLens BG/NBD + Gamma-Gamma against lifetimes, same data, same run.

Fits both libraries on the CDNOW sample (39-week calibration) and on a synthetic
population of ``--n`` customers drawn from a BG/NBD process (summaries in whole days,
reported in weeks), then prints times, peak memory, the largest relative parameter
difference and the speed ratio. Pareto/NBD is compared the same way with lifetimes'
``ParetoNBDFitter`` on CDNOW and on ``--pareto-n`` customers drawn from a Pareto/NBD
process (lifetimes is slow on Pareto/NBD, so the default is 20,000). Then times
segmentation (K-means, k by silhouette)
and the churn model (LightGBM + isotonic calibration, scoring, SHAP reasons) on a
synthetic feature matrix of the same size and reports seconds per 1M customers.

Time and memory are measured in separate passes: the timed fit runs without
tracing (``tracemalloc`` slows Python-level allocation, lifetimes' far more than
ours), then the fit runs again under ``tracemalloc`` for the peak memory. Each timed
fit is the best of ``--repeat`` runs, for both libraries alike. ShopLens runs its
optimiser with one BLAS thread; ``--blas-threads 1`` imposes the same on lifetimes, so
that the ratio does not come from thread contention on a busy machine.

Usage::

    python benchmarks/lifecycle.py --n 1000000
    python benchmarks/lifecycle.py --n 200000 --skip-peer-above 500000 --skip-models
    python benchmarks/lifecycle.py --n 100000 --skip-btyd --pareto-n 0  # segments, churn
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    """BG/NBD (r=0.5, alpha=20 days, a=0.8, b=2.5) and Gamma-Gamma spend, day precision."""
    from shoplens.lifecycle.simulate import simulate_bgnbd, simulate_spend

    big_t = np.random.default_rng(seed + 1).integers(30, 366, n).astype(float)
    df = simulate_bgnbd(n, 0.5, 20.0, 0.8, 2.5, T=big_t, ceil_recency=True, seed=seed)
    df["monetary_value"] = simulate_spend(df["frequency"], 6.0, 4.0, 20.0, seed=seed + 2)
    df["recency"] /= 7.0
    df["T"] /= 7.0
    return df


def cdnow() -> pd.DataFrame:
    from shoplens.data.formats.cdnow import cdnow_path, read_cdnow
    from shoplens.lifecycle import calibration_and_holdout

    raw = read_cdnow(cdnow_path("sample"))
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ts": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
        }
    )
    cal = calibration_and_holdout(tx, "1997-09-30", "1998-06-30", freq="D", freq_multiplier=7)
    return cal.rename(
        columns={
            "frequency_cal": "frequency",
            "recency_cal": "recency",
            "T_cal": "T",
            "monetary_value_cal": "monetary_value",
        }
    )


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Result and best wall time of ``repeat`` untraced runs."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak memory allocated by ``fn`` as traced by ``tracemalloc`` (a separate run)."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def ours(df: pd.DataFrame) -> np.ndarray:
    from shoplens.lifecycle import BGNBD, GammaGamma

    bg = BGNBD().fit(df["frequency"], df["recency"], df["T"])
    rep = df[df["frequency"] > 0]
    gg = GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    return np.array([*bg.params_.values(), *gg.params_.values()])


def peer(df: pd.DataFrame) -> np.ndarray:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    bg = BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])
    rep = df[df["frequency"] > 0]
    gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    return np.r_[bg.params_[["r", "alpha", "a", "b"]].to_numpy(), gg.params_.to_numpy()]


def features(df: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A customer feature matrix shaped like ``feature_matrix``'s, and a churn label.

    Built from the simulated summaries (days): orders, spend, recency, tenure, recent
    activity, a discount share and a category mix. The label "buys in the next 90
    days" is drawn from a logistic model of recency and orders; only the timing matters.
    """
    rng = np.random.default_rng(seed)
    n = len(df)
    orders = df["frequency"].to_numpy() + 1
    tenure = df["T"].to_numpy() * 7
    recency_days = tenure - df["recency"].to_numpy() * 7
    spend = orders * np.where(orders > 1, df["monetary_value"], rng.gamma(6.0, 5.0, n))
    cats = rng.dirichlet(np.ones(4), n)
    X = pd.DataFrame(
        {
            "n_orders": orders,
            "monetary": spend,
            "avg_order_value": spend / orders,
            "recency_days": recency_days,
            "tenure_days": tenure,
            "orders_90d": rng.poisson(orders * 90 / np.maximum(tenure, 90)),
            "events_30d": rng.poisson(3.0 * np.exp(-recency_days / 60)),
            "discount_share": rng.beta(1, 6, n),
            **{f"cat_{i}": cats[:, i] for i in range(4)},
        }
    )
    logit = 1.0 - recency_days / 60 + 0.3 * np.log(orders)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def models(n: int) -> list[tuple[str, float]]:
    """Seconds per 1M customers for segmentation and the churn model on ``n`` customers."""
    from shoplens.lifecycle import CustomerSegmenter, PurchasePropensity

    X, y = features(simulate(n, seed=5))
    per = 1e6 / n
    rows = []
    seg, t_seg = timed(lambda: CustomerSegmenter(random_state=0).fit(X))
    rows.append((f"segments: fit, k by silhouette 3..8 on 50k (k={seg.k_})", t_seg * per))
    _, t = timed(lambda: CustomerSegmenter(k=seg.k_, random_state=0).fit(X))
    rows.append((f"segments: fit, k={seg.k_} given", t * per))
    _, t = timed(lambda: seg.assign(X))
    rows.append(("segments: assign", t * per))
    model, t = timed(lambda: PurchasePropensity().fit(X, y))
    rows.append(("churn: fit (LightGBM 200 rounds + isotonic)", t * per))
    _, t = timed(lambda: model.churn_probability(X))
    rows.append(("churn: score", t * per))
    _, t = timed(lambda: model.churn_scores(X))
    rows.append(("churn: scores + SHAP reasons for the riskiest 10% (default)", t * per))
    _, t = timed(lambda: model.churn_scores(X, num_threads=2))
    rows.append(("churn: scores + SHAP reasons for the riskiest 10%, 2 threads", t * per))
    _, t = timed(lambda: model.top_reasons(X))
    rows.append(("churn: top-3 reasons from SHAP (pred_contrib), every customer", t * per))
    _, t = timed(lambda: model.top_reasons(X, num_threads=2))
    rows.append(("churn: top-3 reasons, every customer, 2 threads", t * per))
    return rows


def pareto_rows(n: int, repeat: int) -> list[tuple[str, int, float, float, float]]:
    """Pareto/NBD fit, ShopLens and lifetimes' ``ParetoNBDFitter``, same data, same run."""
    from lifetimes import ParetoNBDFitter

    from shoplens.lifecycle import ParetoNBD, simulate_paretonbd

    big_t = np.random.default_rng(1).integers(30, 366, n).astype(float)
    sim = simulate_paretonbd(n, 0.55, 75.0, 0.6, 80.0, T=big_t, ceil_recency=True, seed=0)
    sim["recency"] /= 7.0
    sim["T"] /= 7.0
    out = []
    for name, df in (("CDNOW sample", cdnow()), (f"synthetic n={n:,}", sim)):
        cols = (df["frequency"], df["recency"], df["T"])
        a, t_ours = timed(lambda cols=cols: ParetoNBD().fit(*cols), repeat)
        b, t_peer = timed(lambda cols=cols: ParetoNBDFitter().fit(*cols), repeat)
        pa = np.array(list(a.params_.values()))
        pb = b.params_[["r", "alpha", "s", "beta"]].to_numpy()
        out.append((name, len(df), t_ours, t_peer, float(np.max(np.abs(pa - pb) / pb))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic customers")
    parser.add_argument(
        "--skip-peer-above",
        type=int,
        default=10**9,
        help="do not run lifetimes on more customers than this",
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per fit (best)")
    parser.add_argument("--skip-memory", action="store_true", help="no tracemalloc pass")
    parser.add_argument("--skip-models", action="store_true", help="no segments/churn timing")
    parser.add_argument("--skip-btyd", action="store_true", help="no BG/NBD + Gamma-Gamma")
    parser.add_argument(
        "--pareto-n",
        type=int,
        default=20_000,
        help="synthetic customers for Pareto/NBD (lifetimes is slow on it; 0 skips it)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="limit BLAS threads for both libraries (0: leave the environment's default)",
    )
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads, user_api="blas")
        print(f"BLAS limited to {args.blas_threads} thread(s) for both libraries")
    nan = float("nan")
    rows = []
    datasets = [] if args.skip_btyd else [("CDNOW sample", cdnow())]
    datasets += [] if args.skip_btyd else [(f"synthetic n={args.n:,}", simulate(args.n))]
    for name, df in datasets:
        ours(df.iloc[:1000])  # warm imports
        run_peer = len(df) <= args.skip_peer_above
        if run_peer:
            peer(df.iloc[:1000])
        a, t_ours = timed(lambda df=df: ours(df), args.repeat)
        b, t_peer = timed(lambda df=df: peer(df), args.repeat) if run_peer else (None, nan)
        diff = float(np.max(np.abs(a - b) / np.abs(b))) if b is not None else nan
        m_ours = m_peer = nan
        if not args.skip_memory:
            m_ours = peak_mib(lambda df=df: ours(df))
            m_peer = peak_mib(lambda df=df: peer(df)) if run_peer else nan
        rows.append((name, len(df), t_ours, t_peer, t_peer / t_ours, m_ours, m_peer, diff))
    head = (
        "data",
        "customers",
        "shoplens s",
        "lifetimes s",
        "speed-up",
        "shoplens MiB",
        "lifetimes MiB",
        "max rel param diff",
    )
    if rows:
        print(" | ".join(head))
    for name, n, to, tp, ratio, mo, mp, diff in rows:
        print(
            f"{name} | {n:,} | {to:.3f} | {tp:.3f} | {ratio:.1f}x | {mo:.0f} | {mp:.0f} | "
            f"{diff:.1e}"
        )
    if args.pareto_n:
        print()
        print("Pareto/NBD | customers | shoplens s | lifetimes s | speed-up | max rel param diff")
        for name, n, to, tp, diff in pareto_rows(args.pareto_n, args.repeat):
            print(f"{name} | {n:,} | {to:.3f} | {tp:.3f} | {tp / to:.1f}x | {diff:.1e}")
    if not args.skip_models:
        print()
        print(f"step | seconds per 1M customers (measured on {args.n:,})")
        for step, seconds in models(args.n):
            print(f"{step} | {seconds:.1f}")


if __name__ == "__main__":
    main()
