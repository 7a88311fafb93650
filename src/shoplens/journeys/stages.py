"""Deprecated: renamed :mod:`shoplens.journeys.journey_stages` (``STAGES`` is ``JOURNEY_STAGES``).

Importing this module warns; it re-exports the new module's names.
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

warnings.warn(
    "shoplens.journeys.stages is renamed shoplens.journeys.journey_stages",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    if name == "STAGES":
        return JOURNEY_STAGES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
