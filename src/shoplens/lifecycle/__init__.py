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
    from shoplens.lifecycle.paretonbd import ParetoNBD
    from shoplens.lifecycle.rfm import (
        SEGMENTS,
        calibration_and_holdout,
        rfm_scores,
        rfm_summary,
        segment_of,
        summary_from_transactions,
    )
    from shoplens.lifecycle.spend import GammaGamma

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
}

__all__ = [
    "BGNBD",
    "SEGMENTS",
    "ConvergenceError",
    "GammaGamma",
    "ParetoNBD",
    "calibration_and_holdout",
    "rfm_scores",
    "rfm_summary",
    "segment_of",
    "summary_from_transactions",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"shoplens.lifecycle.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'shoplens.lifecycle' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
