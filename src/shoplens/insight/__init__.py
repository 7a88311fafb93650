"""Insight: what customers say, and where the market goes.

:mod:`shoplens.insight.text` (the :class:`TextAnalyzer` and its classifiers: sentiment,
aspects, entities and intents of reviews and chats) with the report's job and view in
:mod:`shoplens.insight.report`; :mod:`shoplens.insight.forecast` (sales series, the
``Forecaster``, shopping calendars, backtests, trends and alerts).

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
