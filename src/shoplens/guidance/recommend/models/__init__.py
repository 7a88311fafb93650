"""Candidate models: each a small estimator on a sparse user x item matrix.

Examples
--------
>>> sorted(MODELS)
['als', 'content', 'covisit', 'ease', 'item_knn', 'popularity']
"""

from __future__ import annotations

from shoplens.guidance.recommend.models.als import ALS
from shoplens.guidance.recommend.models.base import CandidateModel, FitContext
from shoplens.guidance.recommend.models.content import Content
from shoplens.guidance.recommend.models.covisit import CoVisitation
from shoplens.guidance.recommend.models.ease import EASE
from shoplens.guidance.recommend.models.knn import ItemKNN
from shoplens.guidance.recommend.models.popularity import Popularity

__all__ = [
    "ALS",
    "EASE",
    "MODELS",
    "CandidateModel",
    "CoVisitation",
    "Content",
    "FitContext",
    "ItemKNN",
    "Popularity",
]

#: model classes by name (the names used in saved files and the CLI)
MODELS: dict[str, type[CandidateModel]] = {
    m.name: m for m in (Popularity, ItemKNN, ALS, EASE, CoVisitation, Content)
}
