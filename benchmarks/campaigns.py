"""Campaigns benchmark: audiences and next-best-action for many customers on DuckDB.

Prints, from one run: the ready audiences evaluated in the warehouse (ours) against the
same audiences computed in pandas (the peer) and the ratio; features, uplift scoring and
the plan for every customer; template copy throughput (an LLM backend only when
``SHOPLENS_LLM_BACKEND`` names one that is reachable).

    python benchmarks/campaigns.py --customers 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _shop(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in range(n)], dtype=object)
    end = pd.Timestamp("2025-06-30", tz="UTC")
    m = 3 * n
    cust = rng.integers(0, n, m)
    ts = end - pd.to_timedelta(rng.uniform(0, 60 * 86400, m).round(), unit="s")
    typ = rng.choice(["view", "add_to_cart", "purchase", "review"], m, p=[0.6, 0.2, 0.15, 0.05])
    events = pd.DataFrame({"event_id": np.arange(m).astype(str), "customer_id": ids[cust],
                           "session_id": None, "ts": ts, "type": typ, "item_id": None,
                           "query": None, "value": None, "channel": None, "device": None,
                           "properties": None})  # fmt: skip
    buys = events[events.type == "purchase"]
    orders = pd.DataFrame({"order_id": buys.event_id.to_numpy(), "customer_id": buys.customer_id,
                           "ts": buys.ts, "status": "paid",
                           "total": rng.gamma(2, 100, len(buys)), "currency": "CNY"})  # fmt: skip
    lines = pd.DataFrame({"order_id": orders.order_id, "item_id": "I1", "quantity": 1,
                          "unit_price": orders.total})  # fmt: skip
    customers = pd.DataFrame({"customer_id": ids, "first_seen": end, "country": "CN",
                              "region": None, "attributes": None})  # fmt: skip
    lc = pd.DataFrame({
        "customer_id": ids, "run_date": end.date(), "recency_days": rng.uniform(0, 300, n),
        "frequency": rng.integers(0, 9, n), "monetary": rng.uniform(0, 500, n), "R": 1, "F": 1,
        "M": 1, "rfm_segment": rng.choice(["champions", "loyal_customers", "hibernating"], n),
        "stage": rng.choice(["new", "active", "at_risk", "churned"], n), "segment_id": 0,
        "segment_name": "s", "p_alive": rng.uniform(0, 1, n), "expected_purchases": 1.0,
        "clv": rng.gamma(1.0, 600, n), "churn_probability": rng.uniform(0, 1, n)})  # fmt: skip
    return {"customers": customers, "events": events, "orders": orders, "order_items": lines,
            "lifecycle": lc, "as_of": end}  # fmt: skip


def _pandas_audiences(d) -> dict[str, int]:  # type: ignore[no-untyped-def]
    e, at, lc = d["events"], d["as_of"], d["lifecycle"].set_index("customer_id")
    last = {t: e[e.type == t].groupby("customer_id").ts.max()
            for t in ("purchase", "add_to_cart", "review")}  # fmt: skip
    buy = last["purchase"]
    cart = last["add_to_cart"].to_frame("c").join(buy.rename("b"))
    cart = cart[(cart.c >= at - pd.Timedelta(hours=48)) & ~(cart.b >= cart.c)]
    rev = buy[buy >= at - pd.Timedelta(days=14)].to_frame("b").join(last["review"].rename("r"))
    rev = rev[~(rev.r >= rev.b)]
    recent = set(buy[buy >= at - pd.Timedelta(days=30)].index)
    wb = lc.stage.isin(["at_risk", "churned"]) & (
        (lc.churn_probability >= 0.5) | (lc.p_alive < 0.5)
    )
    vip = (lc.rfm_segment.isin(["champions", "loyal_customers"]) | (lc.clv >= 1000)) & (
        lc.stage != "churned"
    )
    return {"cart_recovery": len(cart), "review_request": len(rev),
            "win_back": len(set(lc.index[wb]) - recent), "vip": int(vip.sum())}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--messages", type=int, default=20_000)
    args = ap.parse_args()
    from shoplens.data.schema import TABLES
    from shoplens.guidance.campaigns.audiences import evaluate_audiences, ready_audiences
    from shoplens.guidance.campaigns.messages import write_messages
    from shoplens.guidance.campaigns.nba import DEFAULT_ACTIONS, customer_features, plan_actions
    from shoplens.lifecycle.store import write_lifecycle_customers
    from shoplens.warehouse import connect

    n = args.customers
    d = _shop(n)
    con = connect("duckdb", Path(tempfile.mkdtemp()) / "bench.duckdb")
    for name in ("customers", "events", "orders", "order_items"):
        con.insert(name, d[name].reindex(columns=list(TABLES[name].columns)))
    write_lifecycle_customers(con, d["lifecycle"])
    auds = [a for a in ready_audiences() if a.name != "post_complaint_care"]
    rows = []
    t = time.perf_counter()
    run = evaluate_audiences(con, auds, as_of=d["as_of"])
    ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = _pandas_audiences(d)
    peer = time.perf_counter() - t
    sizes = run.sizes.set_index("audience")["size"].to_dict()
    assert all(sizes[k] == v for k, v in ref.items()), (sizes, ref)
    rows.append(("4 audiences (DuckDB vs pandas)", ours, peer))
    t = time.perf_counter()
    X = customer_features(con, d["as_of"])
    feat = time.perf_counter() - t
    rng = np.random.default_rng(1)
    up = pd.DataFrame({a.name: rng.normal(0.02, 0.02, len(X)) for a in DEFAULT_ACTIONS},
                      index=X.index)  # fmt: skip
    t = time.perf_counter()
    plan = plan_actions(up, DEFAULT_ACTIONS, p_response=up + 0.1, features=X, now=d["as_of"])
    planning = time.perf_counter() - t
    rows.append(("features (Ibis on DuckDB)", feat, None))
    rows.append(("plan incl. reasons", planning, None))
    few = plan[plan.action != "do_nothing"].head(args.messages)
    t = time.perf_counter()
    write_messages(few)
    tmpl = time.perf_counter() - t
    print(f"customers: {n:,}; events: {len(d['events']):,}")
    print(f"{'step':34} {'ours s':>9} {'peer s':>9} {'ratio':>7}")
    for name, o, p in rows:
        print(f"{name:34} {o:9.2f} {p if p is not None else float('nan'):9.2f} "
              f"{(p / o) if p else float('nan'):7.2f}")  # fmt: skip
    print(f"template copy: {len(few) / tmpl:,.0f} messages/s ({len(few):,} checked messages)")
    print("LLM copy: no endpoint configured here (set SHOPLENS_LLM_BACKEND=openai to measure)")


if __name__ == "__main__":
    main()
