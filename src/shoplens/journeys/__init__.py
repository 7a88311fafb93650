"""Journeys: how people move through the shop, and where they leave.

Every function returns an Ibis expression over the canonical ``events`` table; execute
it on any backend (DuckDB, Spark, ...) at the edge.

Deprecated names (they warn): ``lifecycle`` is :func:`activity_composition`, ``STAGES``
is :data:`JOURNEY_STAGES`, the module ``shoplens.journeys.stages`` is
:mod:`shoplens.journeys.journey_stages`.
"""

import warnings as _warnings
from typing import Any as _Any

from shoplens.journeys.cohorts import activity_composition, lifecycle, retention
from shoplens.journeys.funnels import (
    MODES,
    Step,
    funnel,
    funnel_frame,
    funnel_units,
    time_to_convert,
)
from shoplens.journeys.journey_stages import (
    DEFAULT_STAGE_MAP,
    JOURNEY_STAGES,
    stage_of,
    with_stage,
)
from shoplens.journeys.paths import drop_offs, next_steps, path_edges, path_steps, top_paths
from shoplens.journeys.session_table import save_sessions, session_categories
from shoplens.journeys.sessions import DEFAULT_GAP, assign_sessions, sessionize
from shoplens.journeys.timeline import (
    customer_timeline,
    with_customer_insight,
    with_text_insight,
)

__all__ = [
    "DEFAULT_GAP",
    "DEFAULT_STAGE_MAP",
    "JOURNEY_STAGES",
    "MODES",
    "Step",
    "activity_composition",
    "assign_sessions",
    "customer_timeline",
    "drop_offs",
    "funnel",
    "funnel_frame",
    "funnel_units",
    "lifecycle",
    "next_steps",
    "path_edges",
    "path_steps",
    "retention",
    "save_sessions",
    "session_categories",
    "sessionize",
    "stage_of",
    "time_to_convert",
    "top_paths",
    "with_customer_insight",
    "with_stage",
    "with_text_insight",
]


def __getattr__(name: str) -> _Any:
    if name == "STAGES":
        _warnings.warn(
            "shoplens.journeys.STAGES is renamed JOURNEY_STAGES (lifecycle stages are "
            "shoplens.lifecycle.stages.LIFECYCLE_STAGES)",
            DeprecationWarning,
            stacklevel=2,
        )
        return JOURNEY_STAGES
    raise AttributeError(f"module 'shoplens.journeys' has no attribute {name!r}")
