"""One name per thing: the renamed public names still work, and warn."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest


def test_journey_stages_and_lifecycle_stages_have_distinct_names():
    from shoplens.journeys import JOURNEY_STAGES
    from shoplens.lifecycle.stages import LIFECYCLE_STAGES

    assert "browse" in JOURNEY_STAGES and "churned" in LIFECYCLE_STAGES
    assert not set(JOURNEY_STAGES) & set(LIFECYCLE_STAGES)


@pytest.mark.parametrize(
    ("module", "new"),
    [
        ("shoplens.journeys", "JOURNEY_STAGES"),
        ("shoplens.journeys.stages", "JOURNEY_STAGES"),
        ("shoplens.lifecycle.stages", "LIFECYCLE_STAGES"),
    ],
)
def test_old_stages_names_are_deprecated_aliases(module, new):
    import importlib

    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match="renamed"):
        old = mod.STAGES
    assert old == getattr(mod, new, None) or old == getattr(
        importlib.import_module("shoplens.journeys"), new
    )


def test_journeys_lifecycle_is_a_deprecated_alias_of_activity_composition():
    from shoplens.journeys import activity_composition, lifecycle

    ev = ibis.memtable(
        pd.DataFrame(
            {
                "event_id": ["a", "b"],
                "customer_id": ["u", "u"],
                "ts": pd.to_datetime(["2024-01-01", "2024-01-15"], utc=True),
                "type": ["view", "view"],
            }
        )
    )
    with pytest.warns(DeprecationWarning, match="activity_composition"):
        old = lifecycle(ev)  # an expression; executed outside the block
    pd.testing.assert_frame_equal(old.execute(), activity_composition(ev).execute())
