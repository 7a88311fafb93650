"""On the demo shop: planted anomalies are found and 618 / Double 11 uplifts match the truth."""

from __future__ import annotations

import pandas as pd
import pytest

from shoplens.insight.forecast.alerts import sales_alerts
from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.effects import event_effects
from shoplens.insight.forecast.sentiment import sentiment_alerts, sentiment_frame
from shoplens.insight.forecast.series import activity_series, sales_series


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A 2,000-customer demo shop with its planted anomalies, texts scored by the text part."""
    from threadpoolctl import threadpool_limits

    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.insight.text import TextAnalyzer
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("forecast-truth")
    generate_demo(root / "shop", customers=2000, items=300, events=150_000, seed=7)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "items", "events", "orders", "order_items", "reviews", "messages"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    TextAnalyzer().enrich(con, progress=False)
    cal = Calendar.china([2025, 2026, 2027])
    with threadpool_limits(1):
        alerts = [
            sales_alerts(sales_series(con, measure="orders").to_pandas(), cal, level="total"),
            sales_alerts(
                sales_series(con, level="category", measure="units").to_pandas(),
                cal,
                level="category",
            ),
            sales_alerts(
                sales_series(con, level="item", measure="orders").to_pandas(),
                cal,
                level="item",
                measure="orders",
                top=200,
            ),
            sales_alerts(
                activity_series(con).to_pandas(),
                cal,
                level="item",
                measure="views",
                kinds=("stockout",),
                top=100,
            ),
            sentiment_alerts(sentiment_frame(con)),
        ]
        effects = event_effects(sales_series(con, measure="orders").to_pandas(), cal)
    yield {
        "alerts": pd.concat([a for a in alerts if len(a)], ignore_index=True),
        "effects": effects,
        "truth": pd.read_parquet(root / "shop" / "truth" / "anomalies.parquet"),
        "uplifts": pd.read_parquet(root / "shop" / "truth" / "event_effects.parquet"),
    }
    con.disconnect()


def _matches(alert: pd.Series, planted: pd.Series) -> bool:
    start = planted["start"].tz_convert(None)
    end = planted["end"].tz_convert(None) - pd.Timedelta(days=1)
    if planted["kind"] == "late_delivery":  # the reviews and chats trail the orders
        end += pd.Timedelta(days=28)
    if alert["end"] < start or alert["start"] > end:
        return False
    if planted["kind"] == "late_delivery":
        return (
            alert["source"] == "sentiment"
            and alert["aspect"] in ("delivery", "(any)")
            and (alert["level"] != "region" or alert["unique_id"] == planted["region"])
        )
    if planted["kind"] == "stockout":
        return alert["kind"] in ("stockout", "drop") and alert["unique_id"] == planted["item_id"]
    return alert["kind"] == "spike"  # price error: the item, its category or the shop


def test_planted_anomalies_found_with_few_false_alerts(shop):
    alerts, truth = shop["alerts"], shop["truth"]
    found = [any(_matches(a, p) for _, a in alerts.iterrows()) for _, p in truth.iterrows()]
    true_alerts = [any(_matches(a, p) for _, p in truth.iterrows()) for _, a in alerts.iterrows()]
    recall = sum(found) / len(found)
    precision = sum(true_alerts) / len(true_alerts)
    print(
        f"\nplanted {len(truth)}, found {sum(found)} (recall {recall:.2f}); "
        f"alerts {len(alerts)}, true {sum(true_alerts)} (precision {precision:.2f})"
    )
    assert recall >= 0.9, truth.assign(found=found)[["kind", "start", "found"]]
    assert precision >= 0.5, alerts[["source", "kind", "level", "unique_id", "start"]]


def test_618_and_double11_uplifts_match_the_truth(shop):
    fx = shop["effects"].set_index("event")
    truth = shop["uplifts"]
    for event in ("618", "double11"):
        want = truth.loc[truth["event"] == event, "orders_uplift"]
        row = fx.loc[event]
        # the estimate pools the years; each year's true uplift lies in its 95% interval
        assert ((row["lo"] <= want) & (want <= row["hi"])).all(), (event, row.to_dict(), want)
        assert abs(row["uplift"] / want.mean() - 1) < 0.25
