"""Deprecated module name: the journey stages live in :mod:`shoplens.journeys.journey_stages`.

Its names are re-exported here; ``STAGES`` (now ``JOURNEY_STAGES``) warns.
"""

from __future__ import annotations

import warnings
from typing import Any

from shoplens.journeys.journey_stages import (  # noqa: F401 - re-exported
    DEFAULT_STAGE_MAP,
    JOURNEY_STAGES,
    OTHER,
    stage_of,
    validate_stage_map,
    with_stage,
)


def __getattr__(name: str) -> Any:
    if name == "STAGES":
        warnings.warn(
            "shoplens.journeys.stages.STAGES is renamed "
            "shoplens.journeys.journey_stages.JOURNEY_STAGES",
            DeprecationWarning,
            stacklevel=2,
        )
        return JOURNEY_STAGES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
