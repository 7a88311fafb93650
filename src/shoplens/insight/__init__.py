"""Insight: what customers say (text) and where the market goes (forecasts, trends).

Examples
--------
>>> from shoplens.insight import TextAnalyzer
>>> TextAnalyzer().analyze(["Love it!"])[0]["lang"]
'en'
"""

from __future__ import annotations

from typing import Any

__all__ = ["TextAnalyzer"]


def __getattr__(name: str) -> Any:
    if name == "TextAnalyzer":
        from shoplens.insight.text import TextAnalyzer

        return TextAnalyzer
    raise AttributeError(f"module 'shoplens.insight' has no attribute {name!r}")
