"""The campaigns job: audiences, a next-best-action plan, its messages and its experiment.

:func:`plan_from_experiment` fits the uplift models on a past randomised experiment
(``guidance_experiment_units``: ``customer_id, arm, bought, reviewed``) and plans every
customer. On the demo shop, :func:`demo_experiment` runs such an experiment in the
response simulator first (the report says it is simulated), and :func:`measure_plan`
sends the plan with a random 20 % holdout and analyses it with :func:`analyze`.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> read_experiment(con) is None
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError

__all__ = [
    "EXPERIMENT_RESULTS",
    "EXPERIMENT_UNITS",
    "demo_experiment",
    "measure_plan",
    "plan_from_experiment",
    "read_experiment",
    "store_experiment",
]

EXPERIMENT_UNITS = "guidance_experiment_units"
EXPERIMENT_RESULTS = "guidance_experiment_results"
UNITS = ibis.schema({"experiment_id": "string", "customer_id": "string", "arm": "string",
                     "bought": "boolean", "reviewed": "boolean", "value": "float64"})  # fmt: skip


def read_experiment(con: BaseBackend, experiment_id: str | None = None) -> pd.DataFrame | None:
    """The stored experiment units (all, or one experiment's), or ``None``."""
    if EXPERIMENT_UNITS not in con.list_tables():
        return None
    t = con.table(EXPERIMENT_UNITS)
    if experiment_id is not None:
        t = t.filter(t.experiment_id == experiment_id)
    f = t.execute()
    return f if len(f) else None


def store_experiment(con: BaseBackend, units: pd.DataFrame) -> None:
    """Replace the units of the experiments in ``units`` in ``guidance_experiment_units``."""
    from shoplens.warehouse import store_table

    f = units[list(UNITS.names)]
    old = read_experiment(con)
    if old is not None:
        f = pd.concat([old[~old.experiment_id.isin(set(f.experiment_id))], f], ignore_index=True)
    store_table(con, EXPERIMENT_UNITS, ibis.memtable(f, schema=UNITS))


def demo_experiment(con: BaseBackend, demo_dir: str | Path, *, rounds: int = 20,
                    seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Past randomised campaigns on the demo shop, answered by its response model."""
    from shoplens.data.demo.response import ACTIONS, ResponseModel
    from shoplens.guidance.campaigns.experiments import assign

    model = ResponseModel.from_demo(demo_dir, seed=seed)
    ids = [c for c in con.table("customers").customer_id.execute() if c in model.truth.index]
    parts = []
    for k in range(rounds):
        eid = f"demo-past-{k}"
        a = assign(ids, eid, list(ACTIONS))
        r = model.simulate(a[["customer_id", "arm"]].set_axis(["customer_id", "action"], axis=1),
                           seed=seed + 1 + k)  # fmt: skip
        parts.append(pd.DataFrame({"experiment_id": eid, "customer_id": a.customer_id,
                                   "arm": a.arm, "bought": r.bought, "reviewed": r.reviewed,
                                   "value": r.value - r.cost}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def plan_from_experiment(con: BaseBackend, units: pd.DataFrame, *, actions: Any = None,
                         now: Any = None, **options: Any) -> pd.DataFrame:  # fmt: skip
    """Fit uplift on ``units`` and plan every customer with features."""
    from shoplens.guidance.campaigns.nba import (
        DEFAULT_ACTIONS,
        ActionUplift,
        customer_features,
        past_contacts,
        plan_actions,
    )

    acts = list(actions or DEFAULT_ACTIONS)
    X = customer_features(con)
    if X.empty:
        raise InputError("no customers with features: ingest orders and events first")
    known = units[units.customer_id.isin(X.index)]
    if known.empty:
        raise InputError("none of the experiment's customers is in the warehouse")
    up = ActionUplift(acts, **options).fit(X.loc[known.customer_id], known.arm.to_numpy(),
                                           known[["bought", "reviewed"]].astype(float))  # fmt: skip
    return plan_actions(up.uplift(X), acts, p_response=up.response(X), features=X,
                        contacts=past_contacts(con), now=now)  # fmt: skip


def measure_plan(plan: pd.DataFrame, demo_dir: str | Path, *, holdout: float = 0.2,
                 seed: int = 99) -> tuple[pd.DataFrame, Any]:  # fmt: skip
    """Send ``plan`` in the demo simulator with a random holdout; the units and the analysis."""
    from shoplens.data.demo.response import ResponseModel
    from shoplens.guidance.campaigns.experiments import analyze, assign

    model = ResponseModel.from_demo(demo_dir, seed=seed)
    targeted = plan[plan.action != "do_nothing"]
    if targeted.empty:
        raise InputError("the plan contacts nobody; there is nothing to measure")
    a = assign(list(targeted.customer_id), "nba-plan", {"control": holdout,
                                                         "treatment": 1 - holdout})  # fmt: skip
    sent = targeted.assign(action=targeted.action.where(a.arm.to_numpy() == "treatment",
                                                        "do_nothing"))  # fmt: skip
    r = model.simulate(sent[["customer_id", "action"]], seed=seed)
    units = pd.DataFrame({"experiment_id": "nba-plan", "customer_id": a.customer_id,
                          "arm": a.arm, "bought": r.bought, "reviewed": r.reviewed,
                          "value": r.value - r.cost})  # fmt: skip
    result = analyze(units.assign(converted=units.bought), metrics=("converted", "value"),
                     shares={"control": holdout, "treatment": 1 - holdout})  # fmt: skip
    return units, result
