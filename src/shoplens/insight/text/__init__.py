"""Text insight: language, sentiment, aspects, entities and intents of shopping texts.

Examples
--------
>>> from shoplens.insight.text import TextAnalyzer
>>> TextAnalyzer().analyze(["质量很好，物流也快"])[0]["sentiment"]
'positive'
"""

from __future__ import annotations

from shoplens.insight.text.analyzer import TextAnalyzer
from shoplens.insight.text.aspects import ASPECTS, find_aspects, split_clauses
from shoplens.insight.text.entities import BRANDS, EntityExtractor
from shoplens.insight.text.intents import INTENTS, IntentClassifier
from shoplens.insight.text.language import detect_language
from shoplens.insight.text.normalize import TextTruncatedWarning, normalize_text
from shoplens.insight.text.sentiment import SentimentModel, load_default_sentiment, three_way

__all__ = [
    "ASPECTS",
    "BRANDS",
    "INTENTS",
    "EntityExtractor",
    "IntentClassifier",
    "SentimentModel",
    "TextAnalyzer",
    "TextTruncatedWarning",
    "detect_language",
    "find_aspects",
    "load_default_sentiment",
    "normalize_text",
    "split_clauses",
    "three_way",
]
