"""``shoplens journeys ...`` on a small demo shop: thin commands, files written, clean errors."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from shoplens.cli import app
from shoplens.cli.journeys import duration
from shoplens.errors import InputError


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("journeys-cli")
    generate_demo(root / "shop", customers=200, items=50, events=8_000, seed=5)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "events", "orders", "reviews", "messages"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    con.disconnect()
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def buyer(db):
    return pd.read_parquet(db.parent / "shop" / "orders.parquet")["customer_id"].iloc[0]


def test_journeys_commands(db, buyer, tmp_path):
    run = CliRunner().invoke
    w = ["-w", str(db)]
    res = run(app, ["journeys", "sessions", "--save", "--out", str(tmp_path / "s.parquet"), *w])
    assert res.exit_code == 0, res.output
    assert "converted" in pd.read_parquet(tmp_path / "s.parquet").columns
    out = tmp_path / "f.csv"
    args = ["--steps", "view,add_to_cart,checkout,purchase", "--window", "7d", "--mode", "ordered"]
    res = run(app, ["journeys", "funnel", *args, "--breakdown", "channel", "--out", str(out), *w])
    assert res.exit_code == 0, res.output
    f = pd.read_csv(out)
    assert {"channel", "step", "entered", "conversion_rate"} <= set(f.columns)
    for show in ("top", "edges", "drop-offs"):
        res = run(app, ["journeys", "paths", "--show", show, "--level", "stage", *w])
        assert res.exit_code == 0, res.output
    res = run(app, ["journeys", "paths", "--show", "next", "--step", "add_to_cart", *w])
    assert res.exit_code == 0 and "checkout" in res.output, res.output
    out = tmp_path / "r.csv"
    res = run(app, ["journeys", "retention", "--period", "month", "--out", str(out), *w])
    assert res.exit_code == 0 and set(pd.read_csv(out).columns) >= {"cohort", "rate"}
    res = run(app, ["journeys", "retention", "--lifecycle", *w])
    assert res.exit_code == 0 and "returning" in res.output, res.output
    res = run(app, ["journeys", "timeline", buyer, "--out", str(tmp_path / "t.csv"), *w])
    assert res.exit_code == 0, res.output
    assert "order" in set(pd.read_csv(tmp_path / "t.csv")["kind"])


def test_user_errors_are_one_line(db):
    run = CliRunner().invoke
    w = ["-w", str(db)]
    for args, msg in [
        (["timeline", "nobody"], "unknown customer"),
        (["funnel", "--window", "7x"], "not a duration"),
        (["funnel", "--mode", "loose"], "unknown funnel mode"),
        (["paths", "--show", "next"], "needs --step"),
        (["retention", "--period", "day"], "period"),
        (["sessions", "--out", "x.txt"], "csv or .parquet"),
    ]:
        res = run(app, ["journeys", *args, *w])
        assert res.exit_code == 2 and msg in res.output, (args, res.output)


def test_duration():
    assert duration("30m").total_seconds() == 1800
    with pytest.raises(InputError):
        duration("")


def test_funnel_customer_insight_breakdown(db, tmp_path):
    """``--customer-insight`` breaks a customer funnel down by the latest sentiment.

    The funnel starts at a review, so every entrant has a sentiment (the demo's reviews
    mostly come after the purchase funnel they belong to)."""
    import shutil

    from shoplens.journeys import funnel_frame, with_customer_insight
    from shoplens.warehouse import connect

    run = CliRunner().invoke
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    w = ["-w", str(copy)]
    args = ["journeys", "funnel", "--steps", "review,view,add_to_cart", "--customer-insight"]
    res = run(app, [*args, "--breakdown", "sentiment", *w])
    assert res.exit_code == 2 and "needs the insight_texts table" in res.output, res.output
    # insight with a known answer: the review's rating decides its sentiment
    reviews = pd.read_parquet(db.parent / "shop" / "reviews.parquet")
    texts = pd.DataFrame(
        {
            "text_id": reviews.review_id,
            "source": "reviews",
            "sentiment": pd.cut(reviews.rating, [0, 2, 3, 5], labels=["neg", "neu", "pos"]),
            "intent": pd.Series(pd.NA, index=reviews.index, dtype="string"),
        }
    ).astype({"sentiment": str})
    con = connect("duckdb", copy)
    con.create_table("insight_texts", texts)
    con.disconnect()
    out = tmp_path / "f.csv"
    res = run(app, [*args, "--breakdown", "sentiment", "--out", str(out), *w])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, keep_default_na=False)
    assert {"sentiment", "step", "entered"} <= set(got.columns)
    assert "pos" in set(got.sentiment) and set(got.sentiment) <= {"neg", "neu", "pos"}
    # every reviewer enters step 1 in exactly one sentiment group
    events = pd.read_parquet(db.parent / "shop" / "events.parquet")
    reviewers = events.loc[events.type == "review", "customer_id"].nunique()
    assert got.loc[got.step == 1, "entered"].sum() == reviewers
    # the command renders what the library computes
    con = connect("duckdb", copy)
    moods = with_customer_insight(con.table("events"), con.table("insight_texts"))
    want = funnel_frame(
        moods, ["review", "view", "add_to_cart"], window=duration("7d"), breakdown="sentiment"
    )
    con.disconnect()
    key = ["sentiment", "step"]
    want = want.assign(sentiment=want.sentiment.fillna("")).sort_values(key, ignore_index=True)
    got = got.sort_values(key, ignore_index=True)
    assert got.entered.tolist() == want.entered.tolist()
    assert got.sentiment.tolist() == want.sentiment.tolist()
