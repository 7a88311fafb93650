"""Assemble the canonical tables (events, orders, reviews, messages) from the simulation.

Examples
--------
>>> ids("E", 3, 8).tolist()
['E00000001', 'E00000002', 'E00000003']
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from shoplens.data.demo.anomalies import P_LATE_NEGATIVE
from shoplens.data.demo.behaviour import EVENT_BLOCKS, ShopEvents
from shoplens.data.demo.catalog import CATEGORY_KEYS, Catalog
from shoplens.data.demo.chats import write_conversation
from shoplens.data.demo.customers import CHANNEL_NAMES, DEVICES, TYPE_NAMES, Population
from shoplens.data.demo.reviews import (
    ASPECTS,
    SENTIMENTS,
    draw_labels,
    sentiment_probabilities,
    write_review,
)
from shoplens.data.demo.sessions import DAY, NS, POST_INTENTS, PRE_INTENTS
from shoplens.data.demo.timeline import Timeline

_TYPES = np.asarray((*EVENT_BLOCKS, "review"), dtype=object)
_REVIEW = len(EVENT_BLOCKS)


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + 1-based zero-padded numbers."""
    return np.char.mod(f"{prefix}%0{width}d", np.arange(1, n + 1)).astype(object)


def build_events(sess: pd.DataFrame, se: ShopEvents, tl: Timeline, pop: Population) -> pd.DataFrame:
    """One frame of every event with final timestamps, sorted by time; ids not yet set.

    Columns: visit, sess, block, rank, item, query, value, ts, channel, device, cust.
    """
    v = tl.visits
    shop_visit = np.empty(len(sess), dtype=np.int64)
    shop_rows = np.flatnonzero(v["kind"].to_numpy() == 0)
    shop_visit[v["sess"].to_numpy()[shop_rows]] = shop_rows
    ev = se.events
    sess_idx = ev["sess"].to_numpy()
    shop = pd.DataFrame(
        {
            "visit": shop_visit[sess_idx],
            "sess": sess_idx,
            "block": ev["block"].to_numpy(),
            "rank": ev["rank"].to_numpy(),
            "item": ev["item"].to_numpy(),
            "query": ev["query"].to_numpy(),
            "value": ev["value"].to_numpy(),
            "ts": tl.shop_start[sess_idx] + ev["offset_ns"].to_numpy(),
        }
    )
    # review visits: one event per reviewed line, the first lines of the order
    rv = np.flatnonzero(v["kind"].to_numpy() == 1)
    n_rev = v["n_events"].to_numpy()[rv]
    rep = np.repeat(rv, n_rev)
    rank = np.arange(len(rep)) - np.repeat(np.cumsum(n_rev) - n_rev, n_rev)
    lines = se.lines
    key = pd.Series(
        np.arange(len(lines)),
        index=pd.MultiIndex.from_arrays(
            [lines["sess"].to_numpy(), lines["line_number"].to_numpy()]
        ),
    )
    rsess = v["sess"].to_numpy()[rep]
    line_row = key.reindex(pd.MultiIndex.from_arrays([rsess, rank + 1])).to_numpy()
    review = pd.DataFrame(
        {
            "visit": rep,
            "sess": rsess,
            "block": _REVIEW,
            "rank": rank,
            "item": lines["item"].to_numpy()[line_row],
            "query": None,
            "value": np.nan,
            "ts": v["start"].to_numpy()[rep] + rank * 60 * NS,
        }
    )
    cv = np.flatnonzero(v["kind"].to_numpy() == 2)
    csess = v["sess"].to_numpy()[cv]
    first_line = key.reindex(pd.MultiIndex.from_arrays([csess, np.ones(len(cv), int)]))
    chat = pd.DataFrame(
        {
            "visit": cv,
            "sess": csess,
            "block": EVENT_BLOCKS.index("chat"),
            "rank": -1,
            "item": lines["item"].to_numpy()[first_line.to_numpy()],
            "query": None,
            "value": np.nan,
            "ts": v["start"].to_numpy()[cv],
        }
    )
    events = pd.concat([shop, review, chat], ignore_index=True)
    events["cust"] = v["cust"].to_numpy()[events["visit"].to_numpy()]
    derived = v["kind"].to_numpy()[events["visit"].to_numpy()] > 0
    s = events["sess"].to_numpy()
    events["channel"] = np.where(
        derived, CHANNEL_NAMES.index("direct"), sess["channel"].to_numpy()[s]
    )
    events["device"] = np.where(
        derived, pop.device[events["cust"].to_numpy()], sess["device"].to_numpy()[s]
    )
    events["derived"] = derived
    order = np.lexsort(
        (
            events["rank"].to_numpy(),
            events["block"].to_numpy(),
            events["visit"].to_numpy(),
            events["ts"].to_numpy(),
        )
    )
    return events.iloc[order].reset_index(drop=True)


def build_orders(
    events: pd.DataFrame, sess: pd.DataFrame, se: ShopEvents, pop: Population, t1_ns: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Orders and order lines from the purchase events, ordered by time.

    Returns (orders, order_items, order_id per shop session or None).
    """
    buy = events[events["block"] == EVENT_BLOCKS.index("purchase")]
    s = buy["sess"].to_numpy()
    oid = ids("O", len(s), 7)
    order_of = np.full(len(sess), None, dtype=object)
    order_of[s] = oid
    status_code = sess["status"].to_numpy()[s]
    ts = buy["ts"].to_numpy()
    status = np.where(
        status_code == 1,
        "returned",
        np.where(
            status_code == 2, "cancelled", np.where(ts < t1_ns - 5 * DAY, "delivered", "shipped")
        ),
    )
    orders = pd.DataFrame(
        {
            "order_id": oid,
            "customer_id": pop.frame["customer_id"].to_numpy()[sess["cust"].to_numpy()[s]],
            "ts": ts,
            "status": status.astype(object),
            "total": se.totals[s],
            "currency": "CNY",
        }
    )
    lines = se.lines.copy()
    lines["order_id"] = order_of[lines["sess"].to_numpy()]
    lines["rank_o"] = (
        pd.Series(np.arange(len(oid)), index=oid).reindex(lines["order_id"]).to_numpy()
    )
    lines = lines.sort_values(["rank_o", "line_number"], kind="stable").reset_index(drop=True)
    return orders, lines, order_of


def build_reviews(
    rng: np.random.Generator,
    events: pd.DataFrame,
    sess: pd.DataFrame,
    catalog: Catalog,
    pop: Population,
    order_of: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Review rows and their labels (review_id, order_id, sentiment, rating, aspects JSON,
    per-aspect polarities)."""
    rv = events[events["block"] == _REVIEW]
    n = len(rv)
    rid = ids("R", n, 7)
    item = rv["item"].to_numpy()
    cust = rv["cust"].to_numpy()
    s = rv["sess"].to_numpy()
    returned = sess["status"].to_numpy()[s] == 1
    churning = pop.type_idx[cust] == TYPE_NAMES.index("churning")
    p = sentiment_probabilities(catalog.quality[item], returned, churning)
    u = rng.random(n)
    sent = np.minimum((u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), 2)
    late = sess["late"].to_numpy()[s]  # late deliveries: mostly negative, about logistics
    sent = np.where(late & (rng.random(n) < P_LATE_NEGATIVE), 0, sent)
    rows, labels = [], []
    for i in range(n):
        lang = pop.lang[cust[i]]
        sentiment = SENTIMENTS[sent[i]]
        rating, aspects = draw_labels(rng, sentiment, CATEGORY_KEYS[catalog.category[item[i]]])
        if late[i]:
            aspects = {
                "logistics": "negative",
                **{a: v for a, v in aspects.items() if a != "logistics"},
            }
        name = (catalog.short_zh if lang == "zh" else catalog.short_en)[item[i]]
        title, text = write_review(rng, lang, sentiment, aspects, name)
        rows.append((rating, title, text, lang))
        labels.append(
            (
                sentiment,
                rating,
                json.dumps(aspects, ensure_ascii=False),
                *[aspects.get(a) for a in ASPECTS],
            )
        )
    rating, title, text, lang = (
        (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [], [])
    )
    reviews = pd.DataFrame(
        {
            "review_id": rid,
            "customer_id": pop.frame["customer_id"].to_numpy()[cust],
            "item_id": catalog.frame["item_id"].to_numpy()[item],
            "ts": rv["ts"].to_numpy(),
            "rating": np.asarray(rating, dtype=float),
            "title": title,
            "text": text,
            "lang": lang,
        }
    )
    cols = ["sentiment", "rating", "aspects", *[f"aspect_{a}" for a in ASPECTS]]
    truth = pd.DataFrame(labels, columns=cols) if labels else pd.DataFrame(columns=cols)
    truth.insert(0, "review_id", rid)
    truth.insert(1, "item_id", reviews["item_id"].to_numpy())
    truth.insert(2, "order_id", order_of[s])
    truth["rating"] = truth["rating"].astype(float)
    return reviews, truth


def build_messages(
    rng: np.random.Generator,
    events: pd.DataFrame,
    sess: pd.DataFrame,
    catalog: Catalog,
    pop: Population,
    order_of: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Messages, conversation labels and the conversation id of every chat event."""
    ch = events[events["block"] == EVENT_BLOCKS.index("chat")]
    n = len(ch)
    cid = ids("V", n, 6)
    s = ch["sess"].to_numpy()
    derived = ch["derived"].to_numpy()
    post = np.asarray(POST_INTENTS, dtype=object)[np.maximum(sess["post_intent"].to_numpy()[s], 0)]
    pre = np.asarray(PRE_INTENTS, dtype=object)[sess["pre_intent"].to_numpy()[s]]
    intent = np.where(derived, post, pre)
    cust, item, ts = ch["cust"].to_numpy(), ch["item"].to_numpy(), ch["ts"].to_numpy()
    other = rng.integers(0, len(catalog.price), n)
    customer_ids = pop.frame["customer_id"].to_numpy()
    msgs, conv = [], []
    for i in range(n):
        lang = pop.lang[cust[i]]
        short = catalog.short_zh if lang == "zh" else catalog.short_en
        slots = {"item": short[item[i]], "item2": short[other[i]], "order": order_of[s[i]] or ""}
        t = ts[i]
        for role, text in write_conversation(rng, lang, intent[i], slots):
            msgs.append((cid[i], customer_ids[cust[i]], t, role, text, lang))
            t += int(rng.integers(15, 180)) * NS
        conv.append(
            (
                cid[i],
                customer_ids[cust[i]],
                intent[i],
                lang,
                "post_purchase" if derived[i] else "pre_purchase",
                order_of[s[i]],
            )
        )
    cols = ["conversation_id", "customer_id", "ts", "role", "text", "lang"]
    messages = pd.DataFrame(msgs, columns=cols)
    messages.insert(0, "message_id", ids("M", len(messages), 7))
    truth = pd.DataFrame(
        conv, columns=["conversation_id", "customer_id", "intent", "lang", "stage", "order_id"]
    )
    return messages, truth, cid


def finish_events(
    events: pd.DataFrame,
    sess: pd.DataFrame,
    tl: Timeline,
    catalog: Catalog,
    pop: Population,
    order_of: np.ndarray,
    review_ids: np.ndarray,
    review_rating: np.ndarray,
    conv_ids: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The canonical events table, and the session id of every visit."""
    v = tl.visits
    vorder = np.lexsort((np.arange(len(v)), v["start"].to_numpy()))
    session_id = np.empty(len(v), dtype=object)
    session_id[vorder] = ids("S", len(v), 7)
    block = events["block"].to_numpy()
    n = len(events)
    props = np.full(n, "{}", dtype=object)
    rank = events["rank"].to_numpy()
    for b, name in ((0, "home_feed"), (2, "home_feed")):
        m = np.flatnonzero(block == b)
        props[m] = [f'{{"placement": "{name}", "slot": {r + 1}}}' for r in rank[m].clip(0)]
    m = np.flatnonzero(block == EVENT_BLOCKS.index("purchase"))
    props[m] = [f'{{"order_id": "{o}"}}' for o in order_of[events["sess"].to_numpy()[m]]]
    m = np.flatnonzero(block == _REVIEW)
    props[m] = [
        f'{{"rating": {int(r)}, "review_id": "{i}"}}'
        for i, r in zip(review_ids, review_rating, strict=True)
    ]
    m = np.flatnonzero(block == EVENT_BLOCKS.index("chat"))
    props[m] = [f'{{"conversation_id": "{c}"}}' for c in conv_ids]
    item = events["item"].to_numpy()
    item_ids = catalog.frame["item_id"].to_numpy()
    frame = pd.DataFrame(
        {
            "event_id": ids("E", n, 8),
            "customer_id": pop.frame["customer_id"].to_numpy()[events["cust"].to_numpy()],
            "session_id": session_id[events["visit"].to_numpy()],
            "ts": events["ts"].to_numpy(),
            "type": _TYPES[block],
            "item_id": np.where(item >= 0, item_ids[np.maximum(item, 0)], None),
            "query": events["query"].to_numpy(),
            "value": events["value"].to_numpy(),
            "channel": np.asarray(CHANNEL_NAMES, dtype=object)[events["channel"].to_numpy()],
            "device": np.asarray(list(DEVICES), dtype=object)[events["device"].to_numpy()],
            "properties": props,
        }
    )
    return frame, session_id
