"""Recommendations: candidate models, a learned blend, session re-ranking, evaluation.

:func:`~shoplens.guidance.recommend.interactions.interactions` turns the warehouse into
weighted implicit feedback; :class:`Recommender` fits the candidate models (popularity,
item-kNN, ALS, EASE, co-visitation, content) and blends them; ``recommend`` re-ranks one
customer's list with their live session, the business rules and MMR, each item with its
reason. See ``docs/recommend.md``.
"""

from __future__ import annotations

from shoplens.guidance.recommend.engine import Recommender, default_models
from shoplens.guidance.recommend.interactions import FeedbackWeights, interactions
from shoplens.guidance.recommend.rerank import Rules

__all__ = ["FeedbackWeights", "Recommender", "Rules", "default_models", "interactions"]
