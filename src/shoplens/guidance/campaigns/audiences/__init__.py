"""Audiences: declared in YAML or Python, compiled to Ibis, evaluated in the warehouse.

Examples
--------
>>> from shoplens.guidance.campaigns.audiences import ready_audiences
>>> len(ready_audiences())
5
"""

from __future__ import annotations

from shoplens.guidance.campaigns.audiences.compile import audience_expr, profiles
from shoplens.guidance.campaigns.audiences.library import LIBRARY_YAML, ready_audiences
from shoplens.guidance.campaigns.audiences.run import (
    AudienceRun,
    evaluate_audiences,
    export_audience,
    overlaps,
    post_webhook,
    store_audiences,
)
from shoplens.guidance.campaigns.audiences.spec import Audience, AudienceError, load_audiences

__all__ = [
    "LIBRARY_YAML",
    "Audience",
    "AudienceError",
    "AudienceRun",
    "audience_expr",
    "evaluate_audiences",
    "export_audience",
    "load_audiences",
    "overlaps",
    "post_webhook",
    "profiles",
    "ready_audiences",
    "store_audiences",
]
