"""Sales anomaly alerts: spikes, drops and stock-outs against a calendar-aware baseline.

Each series gets a :class:`~shoplens.insight.forecast.models.calendar_glm.CalendarGLM`
(trend, weekday, season and every calendar event), fitted robustly so the anomalies do
not bend it. A day, or a 7-day window, whose observed sales are improbable under the
fitted negative-binomial (``P < alpha``) is flagged; flagged days of one direction that
touch are merged into one alert, and a run of zero days whose probability is below
``alpha`` is a stock-out. Calendar peaks are in the baseline, so 618 or Double 11 is
never an alert by itself; a 618 that sells far less than the model expected is.

Every alert carries its evidence (observed, expected and a 95% interval over its days),
a severity and a plain-language explanation in English and Chinese.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ds = pd.date_range("2025-01-01", periods=120)
>>> y = rng.poisson(30, 120).astype(float)
>>> y[60:66] = 0
>>> df = pd.DataFrame({"unique_id": "i1", "ds": ds, "y": y})
>>> alerts = sales_alerts(df)
>>> alerts[["kind", "start", "days"]].to_dict("records")
[{'kind': 'stockout', 'start': Timestamp('2025-03-02 00:00:00'), 'days': 6}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.models.calendar_glm import CalendarGLM

__all__ = ["ALERT_COLUMNS", "sales_alerts", "severity"]

ALERT_COLUMNS = [
    "alert_id",
    "source",
    "kind",
    "level",
    "unique_id",
    "aspect",
    "measure",
    "start",
    "end",
    "days",
    "observed",
    "expected",
    "lo",
    "hi",
    "p_value",
    "severity",
    "explanation_en",
    "explanation_zh",
]

_KIND_ZH = {"spike": "激增", "drop": "下滑", "stockout": "疑似断货"}
_MEASURE_ZH = {"units": "销量", "orders": "订单数", "revenue": "销售额"}


def severity(p: float, ratio: float) -> str:
    """``high`` (p < 1e-8 or a 3-fold change), ``medium`` (p < 1e-6), else ``low``.

    Examples
    --------
    >>> severity(1e-9, 1.2), severity(1e-7, 1.5), severity(1e-5, 0.8)
    ('high', 'medium', 'low')
    """
    far = ratio >= 3 or ratio <= 1 / 3
    return "high" if p < 1e-8 or far else "medium" if p < 1e-6 else "low"


def _sum_tails(fit: CalendarGLM, obs: float, mu: float) -> tuple[float, float]:
    up, down = fit.tail_probabilities(np.array([obs]), np.array([mu]))
    return float(up[0]), float(down[0])


def _sum_interval(fit: CalendarGLM, mu: float) -> tuple[float, float]:
    lo, hi = fit.interval(np.array([mu]), 0.95)
    return float(lo[0]), float(hi[0])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` inclusive index ranges of the True runs of ``mask``."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _series_alerts(
    uid: str,
    ds: pd.DatetimeIndex,
    y: np.ndarray,
    x: pd.DataFrame,
    alpha: float,
    min_zero_run: int,
    windows: tuple[int, ...],
    min_size: float = 5.0,
) -> list[dict]:
    # quiet series get a stiffer baseline (a straight trend, one yearly wave)
    simple = {"fourier": 1, "knots_every": None} if y.mean() < 1 else {}
    try:
        fit = CalendarGLM("D", **simple).fit(ds, y, x)
    except (ValueError, np.linalg.LinAlgError):  # IRLS diverged on a degenerate series
        try:
            fit = CalendarGLM("D", fourier=0, knots_every=None).fit(ds, y, x)
        except (ValueError, np.linalg.LinAlgError):
            return []
    mu = fit.predict(ds, x)
    up, down = fit.tail_probabilities(y, mu)
    found: list[dict] = []
    zero_days = np.zeros(len(y), dtype=bool)
    p0 = np.clip(down * (y == 0), 1e-300, 1.0)  # P(Y = 0) on zero days
    for a, b in _runs(y == 0):
        if b - a + 1 < min_zero_run:
            continue
        logp = float(np.sum(np.log(p0[a : b + 1])))
        if logp < np.log(alpha):
            zero_days[a : b + 1] = True
            found.append({"kind": "stockout", "a": a, "b": b, "p": float(np.exp(logp))})
    for direction in ("spike", "drop"):
        flag = np.zeros(len(y), dtype=bool)
        for w in windows:
            if w == 1:
                p = up if direction == "spike" else down
                flag |= p < alpha
                continue
            ys = np.convolve(y, np.ones(w), "valid")
            ms = np.convolve(mu, np.ones(w), "valid")
            su, sd = fit.tail_probabilities(ys, ms)
            hit = (su if direction == "spike" else sd) < alpha
            for i in np.flatnonzero(hit):
                flag[i : i + w] = True
        if direction == "drop":
            flag &= ~zero_days
            # a drop window marks its quiet days only, not the ordinary days it spans
            flag &= y < mu
        else:
            flag &= y > mu
        for a, b in _runs(flag):
            obs, exp_ = float(y[a : b + 1].sum()), float(mu[a : b + 1].sum())
            pu, pd_ = _sum_tails(fit, obs, exp_)
            p = pu if direction == "spike" else pd_
            # a handful of units is no news, whatever the model says about a quiet item
            big = obs >= min_size and obs >= 2 * exp_ if direction == "spike" else exp_ >= min_size
            if p < alpha and big:
                found.append({"kind": direction, "a": a, "b": b, "p": p})
    rows = []
    for f in found:
        a, b = f["a"], f["b"]
        obs, exp_ = float(y[a : b + 1].sum()), float(mu[a : b + 1].sum())
        lo, hi = _sum_interval(fit, exp_)
        events = [c for c in x.columns if x[c].iloc[a : b + 1].any()]
        rows.append(
            {
                "unique_id": uid,
                "kind": f["kind"],
                "start": ds[a],
                "end": ds[b],
                "days": b - a + 1,
                "observed": obs,
                "expected": exp_,
                "lo": lo,
                "hi": hi,
                "p_value": f["p"],
                "events": events,
            }
        )
    return rows


def _explain(row: dict, level: str, measure: str) -> tuple[str, str]:
    who = "total sales" if level == "total" else f"{level} {row['unique_id']}"
    who_zh = "全店" if level == "total" else f"{row['unique_id']}"
    span = f"{row['start']:%Y-%m-%d}" + (f" to {row['end']:%Y-%m-%d}" if row["days"] > 1 else "")
    span_zh = f"{row['start']:%Y-%m-%d}" + (f" 至 {row['end']:%Y-%m-%d}" if row["days"] > 1 else "")
    ev = f" (during {', '.join(row['events'])})" if row["events"] else ""
    ev_zh = f"(适逢{'、'.join(row['events'])})" if row["events"] else ""
    obs, exp_, lo, hi = row["observed"], row["expected"], row["lo"], row["hi"]
    m_zh = _MEASURE_ZH.get(measure, measure)
    band = f"95% interval {lo:,.0f}-{hi:,.0f}"
    band_zh = f"95% 区间 {lo:,.0f}-{hi:,.0f}"
    if row["kind"] == "stockout":
        en = (
            f"{measure.capitalize()} of {who} were zero for {row['days']} days from {span}{ev},"
            f" where {exp_:,.0f} were expected ({band}): a likely stock-out or a broken listing."
        )
        zh = (
            f"{who_zh} 在 {span_zh} 连续 {row['days']} 天{m_zh}为零{ev_zh},"
            f"按模型预期应有约 {exp_:,.0f}({band_zh}):可能断货或商品下架。"
        )
    else:
        word = "rose" if row["kind"] == "spike" else "fell"
        ratio = obs / exp_ if exp_ > 0 else float("inf")
        en = (
            f"{measure.capitalize()} of {who} {word} to {obs:,.0f} on {span}{ev},"
            f" against {exp_:,.0f} expected ({band}; {ratio:.1f}x)."
        )
        zh = (
            f"{who_zh} 在 {span_zh}{m_zh}{_KIND_ZH[row['kind']]}至 {obs:,.0f}{ev_zh},"
            f"预期约 {exp_:,.0f}({band_zh},为预期的 {ratio:.1f} 倍)。"
        )
    return en, zh


def sales_alerts(
    df: pd.DataFrame,
    calendar: Calendar | None = None,
    *,
    level: str = "item",
    measure: str = "units",
    alpha: float = 1e-4,
    min_zero_run: int = 3,
    windows: tuple[int, ...] = (1, 7),
    min_mean: float = 0.05,
    min_size: float = 5.0,
    top: int | None = None,
    kinds: tuple[str, ...] = ("spike", "drop", "stockout"),
    since: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Alerts on daily series ``df`` (``unique_id, ds, y``; counts work best: units, orders).

    Parameters
    ----------
    calendar
        Events the baseline expects (default: none; the China calendar on the years of
        ``df`` is what :func:`~shoplens.insight.forecast.report.run_forecast` passes).
    level, measure
        What the series are, for the explanations and the stored rows.
    alpha
        Probability below which a day, a window or a run of zeros is an anomaly.
    min_zero_run
        Shortest run of zero days that can be a stock-out.
    min_mean
        Series averaging fewer than this per day are skipped (too sparse to judge).
    min_size
        A spike needs at least this many (and twice the expected), a drop this many
        expected: a few units more or less on a quiet item is no news.
    top
        Only the ``top`` series by total volume (the items that matter most).
    kinds
        The kinds kept (``("stockout",)`` for item views: a vanished item).
    since
        Keep only alerts that end on or after this day.

    Returns
    -------
    pandas.DataFrame
        :data:`ALERT_COLUMNS`, most severe first.
    """
    rows = []
    if top is not None:
        keep = df.groupby("unique_id")["y"].sum().nlargest(top).index
        df = df[df["unique_id"].isin(keep)]
    for uid, g in df.sort_values("ds").groupby("unique_id", sort=True):
        y = g["y"].to_numpy(dtype=float)
        if len(y) < 56 or y.mean() < min_mean:
            continue
        ds = pd.DatetimeIndex(g["ds"])
        x = calendar.features(ds) if calendar is not None else pd.DataFrame(index=range(len(y)))
        rows.extend(_series_alerts(str(uid), ds, y, x, alpha, min_zero_run, windows, min_size))
    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = pd.DataFrame(rows)
    out = out[out["kind"].isin(kinds)]
    if out.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    if since is not None:
        out = out[out["end"] >= pd.Timestamp(since).tz_localize(None)]
    texts = [_explain(r, level, measure) for r in out.to_dict("records")]
    out["explanation_en"] = [t[0] for t in texts]
    out["explanation_zh"] = [t[1] for t in texts]
    ratio = out["observed"] / out["expected"].where(out["expected"] > 0)
    out["severity"] = [severity(p, r) for p, r in zip(out["p_value"], ratio.fillna(0), strict=True)]
    out["source"] = "sales"
    out["level"] = level
    out["measure"] = measure
    out["aspect"] = None
    out["alert_id"] = [
        f"sales:{level}:{u}:{k}:{s:%Y%m%d}"
        for u, k, s in zip(out["unique_id"], out["kind"], out["start"], strict=True)
    ]
    rank = out["severity"].map({"high": 0, "medium": 1, "low": 2})
    out = out.assign(_r=rank).sort_values(["_r", "p_value", "start"]).drop(columns="_r")
    return out[ALERT_COLUMNS].reset_index(drop=True)
