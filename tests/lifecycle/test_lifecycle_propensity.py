"""Churn/purchase propensity, stored scores and report sections on the seeded demo shop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shoplens.data.schema import TABLES
from shoplens.lifecycle.features import feature_matrix
from shoplens.lifecycle.propensity import PurchasePropensity, evaluate, lift_table, time_split

END = pd.Timestamp("2026-11-01")
WINDOW = 90


def load_demo(folder, con) -> None:
    for name in ("customers", "items", "events", "orders", "order_items"):
        spec = TABLES[name]
        f = pd.read_parquet(folder / f"{name}.parquet").reindex(columns=list(spec.columns))
        con.insert(
            name, pa.Table.from_pandas(f, schema=spec.schema.to_pyarrow(), preserve_index=False)
        )


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from shoplens.data.demo import generate_demo
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("demo-lifecycle")
    generate_demo(root / "shop", customers=1500, items=150, events=150_000, seed=3)
    con = connect("duckdb", root / "w.duckdb")
    load_demo(root / "shop", con)
    truth = pd.read_parquet(root / "shop" / "truth" / "customers.parquet").set_index("customer_id")
    yield con, truth
    con.disconnect()


@pytest.fixture(scope="module")
def fitted(shop):
    con, _ = shop
    test_cut = END - pd.Timedelta(days=WINDOW)
    parts = [time_split(con, test_cut - pd.Timedelta(days=WINDOW * i), WINDOW) for i in (1, 2)]
    X = pd.concat([x for x, _ in parts])
    y = pd.concat([v for _, v in parts])
    model = PurchasePropensity().fit(X, y)
    Xt, yt = time_split(con, test_cut, WINDOW)
    return model, Xt, yt, test_cut


def test_features_ignore_everything_after_the_cutoff(shop, tmp_path):
    from shoplens.warehouse import connect

    con, _ = shop
    cut = pd.Timestamp("2026-03-01")
    before = feature_matrix(con, cut)
    # a copy of the warehouse whose rows after the cutoff are changed and added to
    other = connect("duckdb", tmp_path / "w2.duckdb")
    for name in ("customers", "items", "events", "orders", "order_items"):
        frame = con.table(name).execute()
        if name in ("orders", "events"):
            late = frame["ts"] >= cut.tz_localize("UTC")
            frame.loc[late, "customer_id"] = (
                frame.loc[late, "customer_id"].sample(frac=1.0, random_state=0).to_numpy()
            )
            extra = frame[~late].head(50).copy()
            extra["ts"] = cut.tz_localize("UTC") + pd.Timedelta(hours=1)
            key = "order_id" if name == "orders" else "event_id"
            extra[key] = extra[key] + "-late"
            frame = pd.concat([frame, extra], ignore_index=True)
        other.insert(name, frame)
    after = feature_matrix(other, cut)
    pd.testing.assert_frame_equal(before, after)
    assert not feature_matrix(other, cut + pd.Timedelta(days=30)).equals(before)


def test_churn_auc_on_a_later_cutoff(shop, fitted):
    _, truth = shop
    model, Xt, yt, test_cut = fitted
    churn_score = model.churn_probability(Xt)
    m = evaluate(churn_score, 1 - yt)
    assert m["auc"] > 0.7
    assert m["pr_auc"] > m["base_rate"] + 0.1
    # ground truth: customers the generator had churned before the cutoff score higher
    t = truth.reindex(Xt.index)
    gone = (t["churned"] & (t["churn_date"] < test_cut.tz_localize("UTC"))).astype(int)
    assert evaluate(churn_score, gone)["auc"] > 0.6
    kept = t["customer_type"].isin(["vip", "loyal"]).to_numpy()
    assert churn_score[gone.to_numpy() == 1].mean() > churn_score[kept].mean()
    lift = lift_table(churn_score, 1 - yt)
    assert lift["lift"].iloc[0] > 1.2 > lift["lift"].iloc[-1]


def test_probabilities_are_calibrated(fitted):
    model, Xt, yt, _ = fitted
    p = model.predict_proba(Xt)
    assert ((p >= 0) & (p <= 1)).all()
    assert abs(p.mean() - yt.mean()) < 0.1  # calibrated on the earlier window


def test_shap_contributions_sum_to_the_raw_score(fitted):
    model, Xt, _, _ = fitted
    contrib = model.explain(Xt)
    np.testing.assert_allclose(contrib.sum(axis=1), model.raw_score(Xt), rtol=1e-6, atol=1e-6)
    assert model.importance_.index[0] in Xt.columns
    reasons = model.top_reasons(Xt)
    assert reasons.str.count(",").eq(2).all()
    plain = contrib.drop(columns="bias").apply(lambda r: ", ".join(r.nsmallest(3).index), axis=1)
    pd.testing.assert_series_equal(reasons, plain, check_dtype=False)


@pytest.mark.parametrize("explain_top", [0.1, 37, "25%", "all"])
def test_churn_scores_explain_only_the_riskiest(fitted, explain_top):
    model, Xt, _, _ = fitted
    out = model.churn_scores(explain_top=explain_top, X=Xt, num_threads=2, chunk_size=50)
    assert out.index.equals(Xt.index)
    np.testing.assert_allclose(out["churn_probability"], model.churn_probability(Xt))
    want = {0.1: int(np.ceil(0.1 * len(Xt))), 37: 37, "25%": int(np.ceil(0.25 * len(Xt)))}
    k = want.get(explain_top, len(Xt))
    assert out["explained"].sum() == k
    # the explained rows are the k riskiest: pandas sort by churn, then raw purchase score
    ref = pd.DataFrame({"churn": out["churn_probability"], "raw": model.raw_score(Xt)})
    ref["pos"] = np.arange(len(ref))
    top = ref.sort_values(["churn", "raw", "pos"], ascending=[False, True, True]).head(k)
    assert set(out.index[out["explained"]]) == set(top.index)
    # unexplained rows are marked: no reasons at all
    assert out.loc[~out["explained"], "top_reasons"].isna().all()
    # explained rows: the three most negative SHAP contributions, from LightGBM directly
    picked = Xt[out["explained"].to_numpy()]
    contrib = pd.DataFrame(
        model.booster_.predict(picked.to_numpy(dtype=float), pred_contrib=True)[:, :-1],
        index=picked.index,
        columns=model.feature_names_,
    )
    plain = contrib.apply(lambda r: ", ".join(r.nsmallest(3).index), axis=1)
    got = out.loc[out["explained"], "top_reasons"]
    pd.testing.assert_series_equal(got, plain, check_dtype=False, check_names=False)


def test_chunked_threaded_explain_equals_one_call(fitted):
    model, Xt, _, _ = fitted
    one = model.explain(Xt)
    many = model.explain(Xt, num_threads=2, chunk_size=17)
    np.testing.assert_allclose(many.to_numpy(), one.to_numpy(), rtol=1e-12, atol=1e-12)
    pd.testing.assert_series_equal(
        model.top_reasons(Xt, chunk_size=17), model.top_reasons(Xt), check_dtype=False
    )


@pytest.mark.parametrize("bad", [-1, 1.5, "lots", "150%", True])
def test_explain_top_bad_values_are_clear_errors(fitted, bad):
    from shoplens.errors import InputError

    model, Xt, _, _ = fitted
    with pytest.raises(InputError, match="explain_top"):
        model.churn_scores(Xt, explain_top=bad)


def test_model_saves_as_text_and_json(fitted, tmp_path):
    model, Xt, _, _ = fitted
    where = model.save(tmp_path / "churn")
    assert sorted(p.name for p in where.iterdir()) == ["model.json", "model.txt"]
    again = PurchasePropensity.load(where)
    np.testing.assert_allclose(again.predict_proba(Xt), model.predict_proba(Xt))


def test_store_replaces_a_run_and_report_sections(shop, monkeypatch):
    from shoplens.lifecycle import propensity
    from shoplens.lifecycle.report import lifecycle_sections, run_lifecycle
    from shoplens.lifecycle.store import (
        TABLE,
        build_lifecycle_customers,
        movement,
        read_lifecycle_customers,
        write_lifecycle_customers,
    )

    con, _ = shop
    early = build_lifecycle_customers(con, "2026-06-01")
    assert write_lifecycle_customers(con, early) == len(early)
    write_lifecycle_customers(con, early)  # same run date: replaced, not doubled
    assert con.table(TABLE).count().execute() == len(early)
    assert lifecycle_sections(con)[0].title == "Customer segments"
    run_lifecycle(con)  # the job: the latest run and the tables the view draws
    n_latest = len(read_lifecycle_customers(con))
    assert con.table(TABLE).count().execute() == len(early) + n_latest

    def no_fit(*args, **kwargs):
        raise AssertionError("a view fitted a model")

    monkeypatch.setattr(propensity.PurchasePropensity, "fit", no_fit)
    sections = lifecycle_sections(con)
    assert [s.anchor for s in sections] == [
        "lifecycle-segments",
        "lifecycle-stages",
        "lifecycle-clv",
        "lifecycle-p-alive",
        "lifecycle-churn",
    ]
    latest = read_lifecycle_customers(con)
    assert latest["customer_id"].is_unique and pd.Timestamp(latest["run_date"].iloc[0]) == END
    buyers = latest.dropna(subset=["frequency"])
    assert buyers["churn_probability"].between(0, 1).all()
    assert buyers["p_alive"].between(0, 1).all()
    moved = movement(con, "2026-06-01", "2026-11-01", "stage").execute()
    assert moved["customers"].sum() == len(latest)
