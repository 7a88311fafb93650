"""Next-best-action on the demo shop: beats one-size-fits-all and random targeting in the
response simulator; contact rules hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data.demo.response import ACTIONS, ResponseModel
from shoplens.errors import InputError
from shoplens.guidance.campaigns.experiments import assign
from shoplens.guidance.campaigns.nba import (
    DEFAULT_ACTIONS,
    ActionUplift,
    ContactRules,
    customer_features,
    past_contacts,
    plan_actions,
    store_plan,
)


@pytest.fixture(scope="module")
def fitted(demo_shop):
    folder, con = demo_shop
    model = ResponseModel.from_demo(folder, seed=1)
    X = customer_features(con)
    ids = X.index.to_numpy()
    half = assign(list(ids), "split").set_index("customer_id")["arm"] == "control"
    past, new = X[half.reindex(ids).to_numpy()], X[~half.reindex(ids).to_numpy()]
    exps, outs = [], []
    for k in range(20):  # twenty past randomised campaigns on the same customers
        e = assign(list(past.index), f"past-experiment-{k}", list(ACTIONS))
        exps.append(e)
        sent = e[["customer_id", "arm"]].set_axis(["customer_id", "action"], axis=1)
        outs.append(model.simulate(sent, seed=2 + k))
    exp, res = pd.concat(exps, ignore_index=True), pd.concat(outs, ignore_index=True)
    up = ActionUplift(DEFAULT_ACTIONS).fit(past.loc[exp.customer_id],
                                                             exp["arm"], res)  # fmt: skip
    return model, new, up


def test_nba_beats_one_size_fits_all_and_random(fitted):
    model, new, up = fitted
    plan = plan_actions(up.uplift(new), DEFAULT_ACTIONS, p_response=up.response(new),
                        features=new, now="2025-09-01 10:00")  # fmt: skip
    ours = model.expected_incremental_value(plan)
    single = {a: model.expected_incremental_value(pd.DataFrame({"customer_id": new.index,
                                                                "action": a}))
              for a in ACTIONS}  # fmt: skip
    rng = np.random.default_rng(0)
    rand = model.expected_incremental_value(
        pd.DataFrame({"customer_id": new.index, "action": rng.choice(ACTIONS, len(new))})
    )
    best = max(single.values())
    assert ours > best and ours > rand, (ours, single, rand)
    oracle = model.probabilities(pd.DataFrame({"customer_id": np.repeat(new.index, len(ACTIONS)),
                                               "action": np.tile(ACTIONS, len(new))}))  # fmt: skip
    ceiling = oracle.groupby("customer_id").incremental_value.max().clip(lower=0).sum()
    assert ours <= ceiling
    chosen = plan.set_index("customer_id")
    assert (chosen.reason.str.len() > 0).all()
    assert chosen.loc[chosen.action != "do_nothing", "expected_value"].gt(0).all()
    types = model.truth.loc[chosen.index, "customer_type"]
    coupon_share = (chosen.action == "win_back_coupon").groupby(types).mean()
    assert coupon_share["bargain_hunter"] > coupon_share["vip"]


def test_contact_rules_and_storage(fitted, demo_shop):
    _, con = demo_shop
    _, new, up = fitted
    X = new.head(300)
    u = up.uplift(X)
    ids = list(X.index)
    consent = pd.DataFrame({"customer_id": ids[:50], "channel": "*", "allowed": False})
    contacts = pd.DataFrame({"customer_id": ids[50:100] * 2,
                             "sent_at": pd.Timestamp("2025-08-30", tz="UTC")})  # fmt: skip
    rules = ContactRules(max_contacts=2, cap_days=7)
    plan = plan_actions(u + 1.0, DEFAULT_ACTIONS, features=X, consent=consent, contacts=contacts,
                        rules=rules, now="2025-09-01 23:00")  # fmt: skip
    p = plan.set_index("customer_id")
    assert (p.loc[ids[:50], "action"] == "do_nothing").all()
    assert p.loc[ids[:50], "reason"].str.contains("consent").all()
    assert (p.loc[ids[50:100], "action"] == "do_nothing").all()
    assert (p.loc[ids[100:], "action"] != "do_nothing").all()
    sends = p.send_at.dropna()
    assert (sends == pd.Timestamp("2025-09-02 08:00", tz="UTC")).all()
    sms_off = pd.DataFrame({"customer_id": ids, "channel": "sms", "allowed": False})
    p2 = plan_actions(u + 1.0, DEFAULT_ACTIONS, features=X, consent=sms_off, now="2025-09-01")
    assert not (p2.channel == "sms").any()
    before = len(past_contacts(con))
    pid = store_plan(con, plan)
    assert con.table("guidance_actions").filter(lambda t: t.plan_id == pid).count().execute() == 300
    assert len(past_contacts(con)) - before == (plan.action != "do_nothing").sum()
    with pytest.raises(InputError, match="uplift"):
        plan_actions(u.drop(columns="cross_sell"), DEFAULT_ACTIONS, features=X)
