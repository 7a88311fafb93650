"""Sales series on DuckDB and Spark against a pandas reference on random data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.insight.forecast.series import period_starts, sales_series


def _shop(seed: int = 3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 300
    ts = pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 60 * 24 * 3600, n), unit="s"
    )
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i:04d}" for i in range(n)],
            "customer_id": rng.choice([f"c{i}" for i in range(12)], n),
            "ts": ts,
            "status": rng.choice(["paid", "delivered", "cancelled"], n, p=[0.45, 0.45, 0.1]),
            "total": 0.0,
            "currency": "CNY",
        }
    )
    k = rng.integers(1, 4, n)
    lines = pd.DataFrame(
        {
            "order_id": np.repeat(orders["order_id"], k).to_numpy(),
            "line_number": np.concatenate([np.arange(1, j + 1) for j in k]),
            "item_id": rng.choice([f"i{i}" for i in range(9)], k.sum()),
            "quantity": rng.integers(1, 4, k.sum()).astype(float),
            "unit_price": rng.choice([9.9, 19.0, 99.0], k.sum()),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": [f"i{i}" for i in range(9)],
            "category": [
                ["Beauty > Serum", "Home > Cups", "Phones > Cases"][i % 3] for i in range(9)
            ],
            "brand": [f"b{i % 2}" for i in range(9)],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(12)], "region": [f"r{i % 4}" for i in range(12)]}
    )
    keep = orders.sample(frac=0.9, random_state=seed)
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(keep))],
            "customer_id": keep["customer_id"].to_numpy(),
            "ts": keep["ts"].to_numpy(),
            "type": "purchase",
            "channel": rng.choice(["search", "ads"], len(keep)),
            "properties": [json.dumps({"order_id": o}) for o in keep["order_id"]],
        }
    )
    return {
        "orders": orders,
        "order_items": lines,
        "items": items,
        "customers": customers,
        "events": events,
    }


def _load(con, shop):
    import ibis

    from shoplens.data.schema import TABLES

    for name, frame in shop.items():
        spec = TABLES[name]
        full = frame.reindex(columns=list(spec.columns)).astype(
            {c: object for c in spec.columns if c not in frame.columns}
        )
        con.insert(name, ibis.memtable(full, schema=spec.schema))


def _reference(shop, level, measure, freq):
    o = shop["orders"][shop["orders"]["status"] != "cancelled"]
    t = shop["order_items"].merge(o, on="order_id")
    t["revenue"] = t["quantity"] * t["unit_price"]
    t["units"] = t["quantity"]
    if level == "total":
        t["unique_id"] = "total"
    elif level == "item":
        t["unique_id"] = t["item_id"]
    elif level == "category":
        cat = shop["items"].set_index("item_id")["category"].str.split(" > ").str[0]
        t["unique_id"] = t["item_id"].map(cat)
    elif level == "region":
        t["unique_id"] = t["customer_id"].map(shop["customers"].set_index("customer_id")["region"])
    elif level == "channel":
        ev = shop["events"].assign(
            oid=[json.loads(p)["order_id"] for p in shop["events"]["properties"]]
        )
        t["unique_id"] = t["order_id"].map(ev.set_index("oid")["channel"]).fillna("(unknown)")
    day0 = shop["orders"]["ts"].min().normalize()
    end = shop["orders"]["ts"].max().normalize() + pd.Timedelta(days=1)
    pfreq = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    period = {"D": "D", "W": "W-SUN", "M": "M"}[freq]  # weeks ending Sunday start Monday
    t["ds"] = t["ts"].dt.tz_convert(None).dt.to_period(period).dt.start_time
    starts = pd.date_range(
        day0.tz_convert(None) - pd.Timedelta(days=40), end.tz_convert(None), freq=pfreq
    )
    nxt = starts + pd.tseries.frequencies.to_offset(pfreq)
    starts = starts[(starts >= day0.tz_convert(None)) & (nxt <= end.tz_convert(None))]
    t = t[t["ds"].isin(starts)]
    if measure == "orders":
        sums = t.groupby(["unique_id", "ds"])["order_id"].nunique().astype(float)
    else:
        sums = t.groupby(["unique_id", "ds"])[measure].sum()
    sums = sums.rename("y").reset_index()
    rows = []
    for uid, g in sums.groupby("unique_id"):
        grid = pd.DataFrame({"ds": starts[starts >= g["ds"].min()]})
        rows.append(grid.merge(g, on="ds", how="left").fillna({"y": 0.0}).assign(unique_id=uid))
    out = pd.concat(rows)[["unique_id", "ds", "y"]]
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


@pytest.mark.parametrize(
    ("level", "measure", "freq"),
    [
        ("total", "revenue", "D"),
        ("category", "orders", "W"),
        ("item", "units", "D"),
        ("region", "revenue", "M"),
        ("channel", "orders", "D"),
    ],
)
def test_series_match_pandas(warehouse, level, measure, freq):
    shop = _shop()
    _load(warehouse, shop)
    got = sales_series(warehouse, level=level, measure=measure, freq=freq).to_pandas()
    got["ds"] = pd.to_datetime(got["ds"]).dt.tz_localize(None).astype("datetime64[us]")
    want = _reference(shop, level, measure, freq)
    want["ds"] = want["ds"].astype("datetime64[us]")
    got = got.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)
    if freq == "D" and level != "total":
        assert (got["y"] == 0).any()  # real zeros are present


def test_series_errors(duck):
    with pytest.raises(InputError, match="no rows"):
        sales_series(duck)
    _load(duck, _shop())
    with pytest.raises(InputError, match="unknown level"):
        sales_series(duck, level="planet")
    with pytest.raises(InputError, match="unknown measure"):
        sales_series(duck, measure="joy")
    with pytest.raises(InputError, match="frequency"):
        sales_series(duck, freq="H")
    with pytest.raises(InputError, match="no complete"):
        sales_series(duck, freq="M", start="2025-03-03", end="2025-03-20")


def test_period_starts_keep_complete_periods():
    days = period_starts(
        pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-03-01", tz="UTC"), "M"
    )
    assert days.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-02-01"]
