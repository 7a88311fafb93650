"""The demo shop's taste: utilities, intents, complements and launches match the truth files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from shoplens.data.demo import generate_demo, utilities_from_truth

SIZE = dict(customers=600, items=200, events=60_000, months=12, seed=21)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("taste"), **SIZE)


@pytest.fixture(scope="module")
def t(shop):
    out = shop.out_dir
    read = pd.read_parquet
    frames = {name: read(path) for name, path in shop.files.items()}
    frames.update({f"truth_{k}": read(p) for k, p in shop.truth_files.items()})
    frames["json"] = json.loads(shop.truth_path.read_text(encoding="utf-8"))
    lines = frames["order_items"].merge(
        frames["orders"][["order_id", "customer_id", "ts"]], on="order_id"
    )
    frames["lines"] = lines.merge(
        frames["truth_items"][["item_id", "category", "sub_category", "tier"]], on="item_id"
    )
    frames["out"] = out
    return frames


def _utilities_reference(t) -> pd.DataFrame:
    """Every customer's utility for every item at the period's end, from the published truth."""
    items, taste = t["truth_items"], t["truth_taste"]
    rank = t["json"]["taste"]["rank"]
    beta = t["json"]["taste"]["beta"]
    cust = t["truth_customers"].set_index("customer_id").loc[taste["customer_id"]]
    budget = cust["customer_type"].map(
        {k: v["budget_share"] for k, v in t["json"]["customer_types"].items()}
    )
    u_end = taste[[f"taste_end_{d}" for d in range(rank)]].to_numpy()
    v = items[[f"factor_{d}" for d in range(rank)]].to_numpy()
    score = np.log(items["popularity"].to_numpy())[None, :] + beta * u_end @ v.T
    util = np.empty_like(score)
    for (cat, tier), idx in items.groupby(["category", "tier"]).indices.items():
        s = score[:, idx]
        log_z = np.log(np.exp(s - s.max(1, keepdims=True)).sum(1, keepdims=True)) + s.max(
            1, keepdims=True
        )
        p_tier = budget.to_numpy() if tier == "budget" else 1 - budget.to_numpy()
        other = "premium" if tier == "budget" else "budget"
        if not ((items["category"] == cat) & (items["tier"] == other)).any():
            p_tier = np.ones_like(p_tier)  # the empty tier borrows this one
        aff = taste[f"affinity_{cat}"].to_numpy()
        util[:, idx] = np.log(aff * p_tier)[:, None] + s - log_z
    return pd.DataFrame(util, index=taste["customer_id"], columns=items["item_id"])


def test_preferences_are_the_published_model(t):
    pref = t["truth_preferences"]
    n = t["json"]["taste"]["top_n"]
    assert len(pref) == SIZE["customers"] * n
    assert set(pref["customer_id"]) == set(t["customers"]["customer_id"])
    g = pref.groupby("customer_id")
    assert (g["rank"].apply(lambda r: r.tolist() == list(range(1, n + 1)))).all()
    assert (g["utility"].apply(lambda u: u.is_monotonic_decreasing)).all()
    assert (g["item_id"].nunique() == n).all()
    # recomputed independently from the taste vectors, item factors and affinities
    ref = _utilities_reference(t)
    got = ref.to_numpy()[
        ref.index.get_indexer(pref["customer_id"]), ref.columns.get_indexer(pref["item_id"])
    ]
    np.testing.assert_allclose(pref["utility"], got, atol=2e-6)
    # and the listed items are each customer's best ones
    kth = np.sort(ref.to_numpy(), axis=1)[:, -n]
    worst = pref.groupby("customer_id")["utility"].min().reindex(ref.index).to_numpy()
    np.testing.assert_allclose(worst, kth, atol=2e-6)
    # utilities are log-probabilities of a session's target: they sum to at most 1
    assert (np.exp(ref).sum(axis=1) < 1 + 1e-9).all()


def test_utilities_from_truth_match_reference_and_launches(t):
    ref = _utilities_reference(t)
    got = utilities_from_truth(t["out"])
    pd.testing.assert_index_equal(got.index, pd.Index(ref.index.to_numpy()))
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=1e-12)
    # at an earlier date the items launched later are unavailable, the others are not
    items = t["truth_items"].set_index("item_id")
    mid = items.loc[items["new_item"], "launch_date"].median()
    early = utilities_from_truth(t["out"], mid.strftime("%Y-%m-%d"))
    launched = (items["launch_date"] <= mid.normalize()).reindex(early.columns).to_numpy()
    assert 0 < (~launched).sum() < items["new_item"].sum()
    assert np.isneginf(early.to_numpy()[:, ~launched]).all()
    assert np.isfinite(early.to_numpy()[:, launched]).all()
    np.testing.assert_allclose(np.exp(early).sum(axis=1), 1.0, atol=1e-9)


def test_purchases_follow_utilities_better_than_popularity(t):
    lines, pref = t["lines"], t["truth_preferences"]
    cut = lines["ts"].min() + (lines["ts"].max() - lines["ts"].min()) * 0.7
    train, test = lines[lines["ts"] < cut], lines[lines["ts"] >= cut]
    top10 = pref[pref["rank"] <= 10]
    hit = test.merge(top10, on=["customer_id", "item_id"], how="left")["rank"].notna().mean()
    popular = train["item_id"].value_counts().index[:10]
    pop_hit = test["item_id"].isin(popular).mean()
    chance = 10 / SIZE["items"]
    assert hit > 5 * chance, (hit, chance)
    assert hit > 1.5 * pop_hit, (hit, pop_hit)


def test_view_counts_rank_correlate_with_utility(t):
    ref = _utilities_reference(t)
    ev = t["events"]
    views = ev[ev["type"] == "view"].groupby(["customer_id", "item_id"]).size().unstack()
    views = views.reindex(columns=ref.columns).fillna(0)
    views = views[views.sum(axis=1) >= 30]
    # Spearman per customer: Pearson correlation of the two rows' ranks
    a = views.rank(axis=1).to_numpy()
    b = ref.loc[views.index].rank(axis=1).to_numpy()
    a, b = a - a.mean(1, keepdims=True), b - b.mean(1, keepdims=True)
    rho = (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
    assert len(rho) > 50
    assert np.mean(rho) > 0.3, np.mean(rho)
    # one customer cross-checked against pandas' own Spearman
    c = views.index[0]
    want = ref.loc[c].corr(views.loc[c], method="spearman")
    np.testing.assert_allclose(rho[0], want, rtol=1e-9)


def test_complements_bought_together_above_chance(t):
    lines, comp = t["lines"], t["truth_complements"]
    wide = lines.pivot_table(
        index="order_id", columns="line_number", values="sub_category", aggfunc="first"
    )
    two = wide[wide[2].notna()]
    cat_of = t["truth_items"].groupby("sub_category")["category"].first()
    first_cat = cat_of.reindex(two[1]).to_numpy()
    observed = expected = 0.0
    for b, anchors in comp.groupby("complement_sub_category")["sub_category"]:
        for a in anchors:
            with_a = two[1] == a
            observed += (with_a & (two[2] == b)).sum()
            # chance: how often other first lines of a's category (neither b nor an anchor of
            # b) lead to b
            base = (first_cat == cat_of[a]) & ~two[1].isin([*anchors, b]).to_numpy()
            rate = (two.loc[base, 2] == b).mean() if base.sum() else 0.0
            expected += with_a.sum() * rate
    assert observed >= 30
    assert observed > 2 * expected, (observed, expected)
    # about half the baskets led by an anchor continue with one of its complements (planted
    # 0.5), against the chance share above
    led = two[1].isin(comp["sub_category"])
    share = observed / led.sum()
    assert share > 0.4, (share, expected / led.sum())
    # the truth's flag agrees with the tables
    pairs = set(zip(comp["sub_category"], comp["complement_sub_category"], strict=True))
    is_pair = np.array([(x, y) in pairs for x, y in zip(two[1], two[2], strict=True)])
    sess = t["truth_sessions"]
    flagged = set(sess.loc[sess["complement_line"], "order_id"].dropna())
    assert flagged <= set(two.index)
    assert is_pair[two.index.isin(flagged)].all()
    assert is_pair.sum() >= len(flagged) > 0


def test_new_items_only_after_launch_and_bought_by_matching_taste(t):
    items = t["truth_items"].set_index("item_id")
    new = items[items["new_item"]]
    assert 0.05 < items["new_item"].mean() < 0.3
    attrs = t["items"].set_index("item_id")["attributes"].map(json.loads)
    launch_attr = pd.to_datetime(attrs.map(lambda a: a["launch_date"]), utc=True)
    assert (launch_attr == items["launch_date"].reindex(launch_attr.index)).all()
    launch = items["launch_date"]
    for name in ("events", "reviews", "lines"):
        f = t[name].dropna(subset=["item_id"])
        assert (f["ts"] >= launch.reindex(f["item_id"]).to_numpy()).all(), name
    lines = t["lines"]
    bought = lines[lines["item_id"].isin(new.index)]
    assert bought["item_id"].nunique() >= len(new) // 2
    # buyers of a new item have a taste that matches it far better than other customers
    rank = t["json"]["taste"]["rank"]
    taste = t["truth_taste"].set_index("customer_id")
    u = taste[[f"taste_end_{d}" for d in range(rank)]]
    v = new[[f"factor_{d}" for d in range(rank)]]
    affinity = (u.to_numpy() @ v.to_numpy().T).mean(axis=0)  # mean customer
    buyer = np.einsum(
        "nk,nk->n",
        u.loc[bought["customer_id"]].to_numpy(),
        v.loc[bought["item_id"]].to_numpy(),
    )
    base = pd.Series(affinity, index=new.index).loc[bought["item_id"]].to_numpy()
    assert (buyer - base).mean() > 0.3, (buyer - base).mean()


def test_sessions_share_an_intent(t):
    ev, sess, items = t["events"], t["truth_sessions"], t["truth_items"]
    shop = sess[sess["kind"] == "shop"].set_index("session_id")
    sub = items.set_index("item_id")["sub_category"]
    views = ev[ev["type"] == "view"].copy()
    views["sub"] = sub.reindex(views["item_id"]).to_numpy()
    views["target"] = shop["target_item_id"].reindex(views["session_id"]).to_numpy()
    views["target_sub"] = sub.reindex(views["target"]).to_numpy()
    # the target is viewed in every session (second after a clicked recommendation, so not
    # in a one-view session with a click); other views mostly share its sub-category
    seen = (views["item_id"] == views["target"]).groupby(views["session_id"]).any()
    clicked = set(ev.loc[ev["type"] == "click_rec", "session_id"])
    single = views.groupby("session_id").size() == 1
    excused = single & single.index.isin(clicked)
    assert seen[~excused.reindex(seen.index)].all()
    assert seen.mean() > 0.9
    others = views[views["item_id"] != views["target"]]
    same = (others["sub"] == others["target_sub"]).mean()
    subs_per_cat = items.groupby("category")["sub_category"].nunique().mean()
    assert same > 2 / subs_per_cat, (same, subs_per_cat)
    # searches name the target's sub-category (or one of its features)
    q = ev[ev["type"] == "search"].copy()
    q["target"] = shop["target_item_id"].reindex(q["session_id"]).to_numpy()
    attrs = t["items"].set_index("item_id")["attributes"].map(json.loads)
    names = attrs.map(lambda a: (a["sub_category"].lower(), a["category_zh"].split(" > ")[1]))
    hit = [
        any(n in query for n in names[tg])
        for query, tg in zip(q["query"], q["target"], strict=True)
    ]
    rand = [
        any(n in query for n in names.iloc[(k * 7) % len(names)])
        for k, query in enumerate(q["query"])
    ]
    assert np.mean(hit) > 0.6 and np.mean(hit) > 3 * np.mean(rand), (np.mean(hit), np.mean(rand))


def test_taste_drifts_slowly_and_new_customers_have_truth(t):
    rank = t["json"]["taste"]["rank"]
    taste = t["truth_taste"]
    start = taste[[f"taste_start_{d}" for d in range(rank)]].to_numpy().ravel()
    end = taste[[f"taste_end_{d}" for d in range(rank)]].to_numpy().ravel()
    r = np.corrcoef(start, end)[0, 1]
    assert 0.8 < r < 0.995, r
    # behaviour follows the drift: late views lean toward the drift direction, early ones not
    ev = t["events"]
    views = ev[ev["type"] == "view"]
    tv = taste.set_index("customer_id")
    drift = (
        tv[[f"taste_end_{d}" for d in range(rank)]].to_numpy()
        - tv[[f"taste_start_{d}" for d in range(rank)]].to_numpy()
    )
    drift = pd.DataFrame(drift, index=tv.index)
    factors = t["truth_items"].set_index("item_id")[[f"factor_{d}" for d in range(rank)]]
    lean = np.einsum(
        "nk,nk->n",
        drift.loc[views["customer_id"]].to_numpy(),
        factors.loc[views["item_id"]].to_numpy(),
    )
    span = views["ts"].max() - views["ts"].min()
    frac = ((views["ts"] - views["ts"].min()) / span).to_numpy()
    early, late = lean[frac < 0.3], lean[frac > 0.7]
    se = np.hypot(early.std() / np.sqrt(len(early)), late.std() / np.sqrt(len(late)))
    assert late.mean() - early.mean() > max(0.05, 6 * se), (early.mean(), late.mean(), se)
    cust = t["customers"]
    period_start = pd.Timestamp(t["json"]["params"]["start"], tz="UTC")
    new = cust.loc[cust["first_seen"] >= period_start, "customer_id"]
    assert len(new) > 0.2 * len(cust)
    assert set(new) <= set(t["truth_preferences"]["customer_id"])
    fav = taste.set_index("customer_id")["favourite_category"]
    aff = taste.set_index("customer_id")[[c for c in taste if c.startswith("affinity_")]]
    assert (aff.idxmax(axis=1).str.removeprefix("affinity_") == fav).all()


def test_taste_truth_reproducible(tmp_path):
    small = dict(customers=60, items=40, events=3000, months=4, seed=5)
    a = generate_demo(tmp_path / "a", **small)
    b = generate_demo(tmp_path / "b", **small)
    c = generate_demo(tmp_path / "c", **{**small, "seed": 6})
    for name in ("preferences", "taste", "complements", "items", "sessions"):
        assert a.truth_files[name].read_bytes() == b.truth_files[name].read_bytes(), name
    pa, pc = (pd.read_parquet(x.truth_files["preferences"]) for x in (a, c))
    assert not pa.equals(pc)
