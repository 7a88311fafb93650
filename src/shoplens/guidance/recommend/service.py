"""The in-process entry point a later HTTP service calls: ``recommend(customer, events, n)``.

:class:`RecommendService` holds one loaded engine (read-only while serving: load a new one
and swap it to update) and answers with JSON-ready dicts. Each answer carries a request id;
:meth:`RecommendService.log_served` writes the impressions for the feedback loop.

Examples
--------
>>> import pandas as pd
>>> from shoplens.guidance.recommend import Recommender
>>> from shoplens.guidance.recommend.models import Popularity
>>> inter = pd.DataFrame({"customer_id": ["a", "b"], "item_id": ["x", "y"], "weight": 1.0})
>>> svc = RecommendService(Recommender({"pop": Popularity()}).fit(inter))
>>> out = svc.recommend("new customer", [], 1)
>>> out["items"][0]["reason"].startswith("popular")
True
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from shoplens.guidance.recommend.engine import Recommender
from shoplens.guidance.recommend.rerank import Rules, SessionEvents

__all__ = ["RecommendService"]


class RecommendService:
    """A loaded engine behind a JSON-shaped ``recommend``.

    Parameters
    ----------
    engine
        A fitted :class:`Recommender`, or the folder it was saved to.
    rules
        Default business rules of every call.
    """

    def __init__(self, engine: Recommender | str | Path, rules: Rules | None = None) -> None:
        self.engine = engine if isinstance(engine, Recommender) else Recommender.load(engine)
        self.rules = rules or Rules()

    def recommend(
        self,
        customer: str,
        session_events: SessionEvents | None = None,
        n: int = 10,
        *,
        rules: Rules | None = None,
    ) -> dict[str, Any]:
        """``{"request_id", "customer_id", "model_version", "items": [{rank, item_id, ...}]}``."""
        out = self.engine.recommend(customer, n, session=session_events, rules=rules or self.rules)
        return {
            "request_id": uuid.uuid4().hex,
            "customer_id": str(customer),
            "model_version": getattr(self.engine, "model_version_", None),
            "items": [
                {"rank": int(r.rank), "item_id": str(r.item_id), "title": str(r.title),
                 "score": float(r.score), "model": str(r.model), "reason": str(r.reason)}
                for r in out.itertuples(index=False)
            ],
        }  # fmt: skip

    def log_served(self, con: Any, answer: dict[str, Any], ts: Any | None = None) -> None:
        """Record an answer's impressions (``impression`` events) in the warehouse."""
        from shoplens.guidance.recommend.feedback import record_served

        recs = pd.DataFrame(answer["items"]).assign(customer_id=answer["customer_id"])
        record_served(con, recs, request_id=answer["request_id"],
                      model_version=answer.get("model_version"), ts=ts)  # fmt: skip
