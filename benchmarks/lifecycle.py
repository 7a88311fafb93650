"""Benchmark: ShopLens BG/NBD + Gamma-Gamma against lifetimes, same data, same run.

Fits both libraries on the CDNOW sample (39-week calibration) and on a synthetic
population of ``--n`` customers drawn from a BG/NBD process (summaries in whole days,
reported in weeks), then prints times, peak traced memory, the largest relative
parameter difference and the speed ratio.

Usage::

    python benchmarks/lifecycle.py --n 1000000
    python benchmarks/lifecycle.py --n 200000 --skip-peer-above 500000
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
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.5, 1.0 / 20.0, n)
    p = rng.beta(0.8, 2.5, n)
    big_t = rng.integers(30, 366, n).astype(float)
    t = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        t = t + rng.exponential(1.0, n) / lam
        buy = alive & (t <= big_t)
        x[buy] += 1
        tx[buy] = t[buy]
        alive = buy & (rng.random(n) >= p)
    tx = np.where(x > 0, np.clip(np.ceil(tx), 1, big_t), 0.0)
    nu = rng.gamma(4.0, 1 / 20.0, n)
    spend = np.where(x > 0, rng.gamma(6.0 * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 0.0)
    return pd.DataFrame(
        {"frequency": x, "recency": tx / 7.0, "T": big_t / 7.0, "monetary_value": spend}
    )


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


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, seconds, peak


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic customers")
    parser.add_argument(
        "--skip-peer-above",
        type=int,
        default=10**9,
        help="do not run lifetimes on more customers than this",
    )
    args = parser.parse_args()
    rows = []
    for name, df in [("CDNOW sample", cdnow()), (f"synthetic n={args.n:,}", simulate(args.n))]:
        ours(df.iloc[:1000])  # warm imports
        a, t_ours, m_ours = measure(lambda df=df: ours(df))
        if len(df) <= args.skip_peer_above:
            b, t_peer, m_peer = measure(lambda df=df: peer(df))
            diff = float(np.max(np.abs(a - b) / np.abs(b)))
        else:
            t_peer = m_peer = diff = float("nan")
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
    print(" | ".join(head))
    for name, n, to, tp, ratio, mo, mp, diff in rows:
        print(
            f"{name} | {n:,} | {to:.3f} | {tp:.3f} | {ratio:.1f}x | {mo:.0f} | {mp:.0f} | "
            f"{diff:.1e}"
        )


if __name__ == "__main__":
    main()
