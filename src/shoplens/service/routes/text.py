"""``POST /v1/text/analyze``: sentiment, aspects, entities and intent of short texts."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends

from shoplens.service.deps import needs
from shoplens.service.keys import ANALYTICS_READ, ASSISTANT
from shoplens.service.models import TextsIn, TextsOut
from shoplens.service.routes.common import records

router = APIRouter(tags=["text"])
_analyzer: Any = None
_lock = threading.Lock()


def analyzer() -> Any:
    """The default :class:`~shoplens.insight.text.TextAnalyzer`, built once."""
    global _analyzer
    with _lock:
        if _analyzer is None:
            from shoplens.errors import require

            require("jieba", "nlp")
            from shoplens.insight.text import TextAnalyzer

            _analyzer = TextAnalyzer()
        return _analyzer


@router.post("/v1/text/analyze", response_model=TextsOut)
def analyze(body: TextsIn, _key=Depends(needs(ANALYTICS_READ, ASSISTANT))) -> TextsOut:  # type: ignore[no-untyped-def]
    """Analyse each text (:meth:`shoplens.insight.text.TextAnalyzer.analyze`)."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = analyzer().analyze(body.texts, intents=body.intents)
    return TextsOut(items=records(pd.DataFrame(rows)))
