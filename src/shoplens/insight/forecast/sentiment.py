"""Sentiment alerts: a surge of negative reviews and chats per region, brand or item and aspect.

Reads what the text part stored (``insight_texts``: sentiment and aspects per review and
chat message, see :mod:`shoplens.insight.text.enrich`) with the reviews' items and the
customers' regions. Per group (a region, a brand, an item), aspect and week, the count of
texts with a negative mention of the aspect is tested against the group's own rate in the
other weeks (shrunk to the shop-wide rate): a binomial tail below ``alpha`` with at least
``min_count`` texts and ``min_ratio`` times the usual share is an alert.

Examples
--------
>>> import pandas as pd
>>> rows = [{"text_id": i, "ts": pd.Timestamp("2026-01-05") + pd.Timedelta(days=i % 70),
...          "region": "Hubei" if i % 2 else "Hunan", "brand": None, "item_id": None,
...          "negative": False, "neg_aspects": []} for i in range(700)]
>>> for r in rows:
...     if r["region"] == "Hubei" and r["ts"] < pd.Timestamp("2026-01-12") and r["text_id"] < 400:
...         r.update(negative=True, neg_aspects=["delivery"])
>>> a = sentiment_alerts(pd.DataFrame(rows), dims=("region",))
>>> a[["unique_id", "aspect", "start"]].to_dict("records")
[{'unique_id': 'Hubei', 'aspect': 'delivery', 'start': Timestamp('2026-01-05 00:00:00')}]
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend
from scipy import stats

from shoplens.insight.forecast.alerts import ALERT_COLUMNS, severity

__all__ = ["ASPECT_ZH", "sentiment_alerts", "sentiment_frame"]

ASPECT_ZH = {
    "price": "价格",
    "quality": "质量",
    "delivery": "物流",
    "service": "服务",
    "packaging": "包装",
    "size_fit": "尺码",
    "appearance": "外观",
    "function": "功能",
    "(any)": "整体",
}
_DIM_EN = {"region": "region", "brand": "brand", "item_id": "item"}
_DIM_ZH = {"region": "地区", "brand": "品牌", "item_id": "商品"}


def _negative_aspects(text: str | None) -> list[str]:
    try:
        found = json.loads(text) if text else []
    except (TypeError, ValueError):
        return []
    return sorted({a.get("aspect") for a in found if a.get("sentiment") == "negative"} - {None})


def sentiment_frame(con: BaseBackend) -> pd.DataFrame:
    """One row per scored review or customer chat message, with its time, item, brand, region.

    Columns: ``text_id, source, ts, item_id, brand, region, negative, neg_aspects``. Empty
    when ``insight_texts`` does not exist yet.
    """
    cols = ["text_id", "source", "ts", "item_id", "brand", "region", "negative", "neg_aspects"]
    if "insight_texts" not in con.list_tables():
        return pd.DataFrame(columns=cols)
    t = con.table("insight_texts").select("text_id", "source", "sentiment", "aspects")
    r = con.table("reviews")
    r = r.select(text_id=r.review_id, customer_id=r.customer_id, item_id=r.item_id, ts=r.ts)
    m = con.table("messages")
    m = m.filter(m.role.isnull() | (m.role == "customer"))
    m = m.select(
        text_id=m.message_id,
        customer_id=m.customer_id,
        item_id=ibis.null().cast("string"),
        ts=m.ts,
    )
    parts = []
    for source, side in (("reviews", r), ("messages", m)):
        ts = t.filter(t.source == source)
        j = ts.join(side, ts.text_id == side.text_id)
        parts.append(
            j.select(
                ts.text_id,
                ts.source,
                ts.sentiment,
                ts.aspects,
                side.customer_id,
                side.item_id,
                side.ts,
            )
        )
    texts = parts[0].union(parts[1])
    items = con.table("items").select("item_id", "brand")
    cust = con.table("customers").select("customer_id", "region")
    j = texts.left_join(items, texts.item_id == items.item_id)
    j = j.select(*[j[c] for c in texts.columns], j.brand)
    k = j.left_join(cust, j.customer_id == cust.customer_id)
    k = k.select(*[k[c] for c in j.columns], k.region)
    frame = k.to_pandas()
    frame["negative"] = frame["sentiment"] == "negative"
    frame["neg_aspects"] = [_negative_aspects(a) for a in frame["aspects"]]
    ts = pd.to_datetime(frame["ts"])
    frame["ts"] = ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    return frame[cols]


def _rolling(x: np.ndarray, w: int) -> np.ndarray:
    """Sums of ``w`` consecutive columns, per row."""
    c = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    return c[:, w:] - c[:, :-w]


def _surges(
    dim: str,
    aspect: str,
    n_gw: pd.DataFrame,
    k_gw: pd.DataFrame,
    p_all: float,
    windows: Sequence[int],
    alpha: float,
    min_count: int,
    min_ratio: float,
    prior: float,
) -> list[dict]:
    """Runs of weeks whose negative count is improbably high, per group (one aspect)."""
    from shoplens.insight.forecast.alerts import _runs

    n, k = n_gw.to_numpy(dtype=float), k_gw.to_numpy(dtype=float)
    n_g, k_g = n.sum(axis=1, keepdims=True), k.sum(axis=1, keepdims=True)

    def test(kw, nw):  # type: ignore[no-untyped-def]
        p0 = np.clip((k_g - kw + prior * p_all) / (n_g - nw + prior), 1e-6, 1 - 1e-6)
        p = stats.binom.sf(kw - 1, nw, p0)
        return p, p0, (p < alpha) & (kw >= min_count) & (kw >= min_ratio * nw * p0)

    flag = np.zeros_like(k, dtype=bool)
    for w in windows:
        if w > k.shape[1]:
            continue
        kw, nw = _rolling(k, w), _rolling(n, w)
        hit = test(kw, nw)[2]
        for g, i in zip(*np.nonzero(hit), strict=True):
            flag[g, i : i + w] |= k[g, i : i + w] > 0
    rows = []
    for g in np.flatnonzero(flag.any(axis=1)):
        for a, b in _runs(flag[g]):
            kk, nn = k[g, a : b + 1].sum(), n[g, a : b + 1].sum()
            p0 = float(
                np.clip((k_g[g, 0] - kk + prior * p_all) / (n_g[g, 0] - nn + prior), 1e-6, 1 - 1e-6)
            )
            p = float(stats.binom.sf(kk - 1, nn, p0))
            if not (p < alpha and kk >= min_count and kk >= min_ratio * nn * p0):
                continue
            lo, hi = stats.binom.ppf([0.025, 0.975], nn, p0)
            rows.append(
                {
                    "dim": dim,
                    "unique_id": str(n_gw.index[g]),
                    "aspect": aspect,
                    "start": n_gw.columns[a],
                    "weeks": b - a + 1,
                    "observed": kk,
                    "n": nn,
                    "expected": nn * p0,
                    "lo": lo,
                    "hi": hi,
                    "p_value": p,
                    "share": p0,
                }
            )
    return rows


def sentiment_alerts(
    texts: pd.DataFrame,
    *,
    dims: Sequence[str] = ("region", "brand", "item_id"),
    windows: Sequence[int] = (1, 2, 4),
    alpha: float = 1e-5,
    min_count: int = 5,
    min_ratio: float = 2.0,
    prior: float = 50.0,
    since: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Negative-surge alerts per ``dims`` group and aspect (``(any)``: any negative).

    Counts are tested over 1, 2 and 4 consecutive weeks (``windows``), so a wave spread
    over a month is found as surely as a one-week burst; touching flagged weeks become one
    alert, scored again over its whole span.

    ``texts`` is a :func:`sentiment_frame`. Returns :data:`ALERT_COLUMNS` with
    ``source = "sentiment"``, ``kind = "negative_surge"``, observed and expected counts of
    negative texts in the week and the 95% binomial interval of the expected count.
    """
    if texts.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    base = texts.copy()
    base["week"] = pd.to_datetime(base["ts"]).dt.to_period("W-SUN").dt.start_time
    long = base[["text_id", "neg_aspects"]].explode("neg_aspects").dropna()
    flags = pd.crosstab(long["text_id"], long["neg_aspects"]).clip(upper=1)
    flags = flags.reindex(base["text_id"]).fillna(0).astype(int).reset_index(drop=True)
    flags["(any)"] = base["negative"].astype(int).to_numpy()
    aspects = list(flags.columns)
    rows = []
    p_all = flags[aspects].mean()
    for dim in dims:
        if dim not in base or base[dim].isna().all():
            continue
        frame = pd.concat([base[[dim, "week"]].reset_index(drop=True), flags], axis=1)
        frame = frame.dropna(subset=[dim])
        weeks = pd.date_range(frame["week"].min(), frame["week"].max(), freq="7D")
        n_gw = frame.groupby([dim, "week"]).size().unstack(fill_value=0)
        n_gw = n_gw.reindex(columns=weeks, fill_value=0)
        for aspect in aspects:
            k_gw = frame.groupby([dim, "week"])[aspect].sum().unstack(fill_value=0)
            k_gw = k_gw.reindex(index=n_gw.index, columns=weeks, fill_value=0)
            rows.extend(
                _surges(
                    dim,
                    aspect,
                    n_gw,
                    k_gw,
                    float(p_all[aspect]),
                    windows,
                    alpha,
                    min_count,
                    min_ratio,
                    prior,
                )
            )
    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = pd.DataFrame(rows)
    # the (any) alert of a group-week that has an aspect alert says nothing more
    named_rows = out[out["aspect"] != "(any)"]
    named = set(zip(named_rows["dim"], named_rows["unique_id"], named_rows["start"], strict=True))
    keys = zip(out["dim"], out["unique_id"], out["start"], out["aspect"], strict=True)
    keep = [a != "(any)" or (d, u, s) not in named for d, u, s, a in keys]
    out = out[keep].reset_index(drop=True)
    if since is not None:
        out = out[out["start"] + pd.Timedelta(days=6) >= pd.Timestamp(since).tz_localize(None)]
    out["end"] = out["start"] + pd.to_timedelta(7 * out["weeks"] - 1, unit="D")
    out["days"] = 7 * out["weeks"]
    en, zh = [], []
    for r in out.to_dict("records"):
        what = "negative texts" if r["aspect"] == "(any)" else f"negative {r['aspect']} mentions"
        en.append(
            f"{what.capitalize()} for {_DIM_EN[r['dim']]} {r['unique_id']}: {r['observed']:.0f}"
            f" of {r['n']:.0f} texts in the {r['weeks']} week(s) from {r['start']:%Y-%m-%d}"
            f" ({r['observed'] / r['n']:.0%}), against {r['share']:.0%} usually"
            f" (expected {r['expected']:.1f}, 95% up to {r['hi']:.0f})."
        )
        zh.append(
            f"{_DIM_ZH[r['dim']]}{r['unique_id']} 关于{ASPECT_ZH.get(r['aspect'], r['aspect'])}"
            f"的负面反馈激增:{r['start']:%Y-%m-%d} 起 {r['weeks']} 周内 {r['n']:.0f} 条中有"
            f" {r['observed']:.0f} 条"
            f"({r['observed'] / r['n']:.0%}),平时约 {r['share']:.0%}"
            f"(预期 {r['expected']:.1f} 条,95% 上限 {r['hi']:.0f} 条)。"
        )
    out["explanation_en"], out["explanation_zh"] = en, zh
    ratio = out["observed"] / out["expected"]
    out["severity"] = [severity(p, r) for p, r in zip(out["p_value"], ratio, strict=True)]
    out["source"] = "sentiment"
    out["kind"] = "negative_surge"
    out["level"] = out["dim"].map(_DIM_EN)
    out["measure"] = "negative_texts"
    out["alert_id"] = [
        f"sentiment:{d}:{u}:{a}:{s:%Y%m%d}"
        for d, u, a, s in zip(
            out["level"], out["unique_id"], out["aspect"], out["start"], strict=True
        )
    ]
    rank = out["severity"].map({"high": 0, "medium": 1, "low": 2})
    out = out.assign(_r=rank).sort_values(["_r", "p_value"]).drop(columns="_r")
    return out[ALERT_COLUMNS].reset_index(drop=True)
