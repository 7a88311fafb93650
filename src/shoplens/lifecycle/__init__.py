"""Lifecycle: RFM summaries and scores, BTYD transaction models, spend and CLV.

Names are imported lazily, so ``import shoplens.lifecycle`` stays cheap.

Examples
--------
>>> from shoplens.lifecycle import BGNBD, GammaGamma
>>> BGNBD().penalizer_coef
0.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoplens.lifecycle.bgnbd import BGNBD
    from shoplens.lifecycle.btyd import ConvergenceError
    from shoplens.lifecycle.features import feature_matrix
    from shoplens.lifecycle.paretonbd import ParetoNBD
    from shoplens.lifecycle.propensity import PurchasePropensity, time_split
    from shoplens.lifecycle.rfm import (
        SEGMENTS,
        calibration_and_holdout,
        rfm_scores,
        rfm_summary,
        segment_of,
        summary_from_transactions,
    )
    from shoplens.lifecycle.segments import CustomerSegmenter
    from shoplens.lifecycle.simulate import simulate_bgnbd, simulate_paretonbd, simulate_spend
    from shoplens.lifecycle.spend import GammaGamma
    from shoplens.lifecycle.stages import StageConfig, customer_stages, stage_transitions
    from shoplens.lifecycle.store import build_lifecycle_customers, write_lifecycle_customers

_EXPORTS = {
    "BGNBD": "bgnbd",
    "ParetoNBD": "paretonbd",
    "GammaGamma": "spend",
    "ConvergenceError": "btyd",
    "SEGMENTS": "rfm",
    "calibration_and_holdout": "rfm",
    "rfm_scores": "rfm",
    "rfm_summary": "rfm",
    "segment_of": "rfm",
    "summary_from_transactions": "rfm",
    "CustomerSegmenter": "segments",
    "simulate_bgnbd": "simulate",
    "simulate_paretonbd": "simulate",
    "simulate_spend": "simulate",
    "StageConfig": "stages",
    "customer_stages": "stages",
    "stage_transitions": "stages",
    "feature_matrix": "features",
    "PurchasePropensity": "propensity",
    "time_split": "propensity",
    "build_lifecycle_customers": "store",
    "write_lifecycle_customers": "store",
}

__all__ = [
    "BGNBD",
    "SEGMENTS",
    "ConvergenceError",
    "CustomerSegmenter",
    "GammaGamma",
    "ParetoNBD",
    "PurchasePropensity",
    "StageConfig",
    "build_lifecycle_customers",
    "calibration_and_holdout",
    "customer_stages",
    "feature_matrix",
    "rfm_scores",
    "rfm_summary",
    "segment_of",
    "simulate_bgnbd",
    "simulate_paretonbd",
    "simulate_spend",
    "stage_transitions",
    "summary_from_transactions",
    "time_split",
    "write_lifecycle_customers",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"shoplens.lifecycle.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'shoplens.lifecycle' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
