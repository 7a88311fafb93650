"""Journeys: how people move through the shop, and where they leave.

Every function returns an Ibis expression over the canonical ``events`` table; execute
it on any backend (DuckDB, Spark, ...) at the edge.
"""

from shoplens.journeys.funnels import (
    MODES,
    Step,
    funnel,
    funnel_frame,
    funnel_units,
    time_to_convert,
)
from shoplens.journeys.sessions import DEFAULT_GAP, assign_sessions, sessionize
from shoplens.journeys.stages import DEFAULT_STAGE_MAP, STAGES, stage_of, with_stage

__all__ = [
    "DEFAULT_GAP",
    "DEFAULT_STAGE_MAP",
    "MODES",
    "STAGES",
    "Step",
    "assign_sessions",
    "funnel",
    "funnel_frame",
    "funnel_units",
    "sessionize",
    "stage_of",
    "time_to_convert",
    "with_stage",
]
