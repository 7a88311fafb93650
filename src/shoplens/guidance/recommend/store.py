"""Save and load a fitted :class:`~shoplens.guidance.recommend.engine.Recommender`.

``manifest.json`` (format version, model classes and parameters, blend weights) and
``arrays.npz`` (ids as unicode arrays, the matrix, each model's arrays); read back with
``allow_pickle=False``, so a model file can never run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from shoplens.errors import InputError

__all__ = ["load_engine", "save_engine"]

_SPARSE = ("X_", "purchased_", "shown_", "age_")
_DENSE = ("user_ids_", "item_ids_", "item_category_", "category_names_", "item_price_",
          "item_title_", "available_")  # fmt: skip


def save_engine(engine: Any, folder: Path) -> Path:
    """Write the engine into ``folder``; returns the manifest path."""
    from shoplens.guidance.recommend.engine import FORMAT_VERSION

    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for a in _DENSE:
        v = np.asarray(getattr(engine, a))
        arrays[f"engine/{a}"] = v.astype(str) if v.dtype.kind in "OU" else v
    for a in _SPARSE:
        m = sp.csr_matrix(getattr(engine, a))
        for part in ("data", "indices", "indptr"):
            arrays[f"engine/{a}.{part}"] = getattr(m, part)
        arrays[f"engine/{a}.shape"] = np.array(m.shape)
    models = {}
    for name, model in engine.models_.items():
        models[name] = {"class": model.name, "params": model.get_params()}
        for k, v in model.state().items():
            arrays[f"model/{name}/{k}"] = v
    manifest = {
        "format": "shoplens-recommender",
        "version": FORMAT_VERSION,
        "seed": engine.seed,
        "text": getattr(engine, "text", "full"),
        "weights": engine.weights_,
        "models": models,
        "model_version": getattr(engine, "model_version_", None),
    }
    ranker = getattr(engine, "reranker_", None)
    manifest["reranker"] = ranker.to_json() if ranker is not None else None
    np.savez(folder / "arrays.npz", **arrays)
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return path


def load_engine(cls: type, folder: Path) -> Any:
    """Rebuild an engine from :func:`save_engine`'s files."""
    from shoplens.guidance.recommend.engine import FORMAT_VERSION
    from shoplens.guidance.recommend.models import MODELS
    from shoplens.guidance.recommend.tokens import QueryIndex

    path = folder / "manifest.json"
    if not path.exists():
        raise InputError(f"no saved recommender in {folder}: run `shoplens recommend fit` first")
    manifest = json.loads(path.read_text())
    if (
        manifest.get("format") != "shoplens-recommender"
        or manifest.get("version") != FORMAT_VERSION
    ):
        raise InputError(
            f"{path} is not a version-{FORMAT_VERSION} ShopLens recommender: fit it again"
        )
    with np.load(folder / "arrays.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    eng = cls(seed=manifest["seed"], text=manifest.get("text", "full"))
    for a in _DENSE:
        setattr(eng, a, arrays[f"engine/{a}"])
    for a in _SPARSE:
        shape = tuple(int(s) for s in arrays[f"engine/{a}.shape"])
        parts = tuple(arrays[f"engine/{a}.{p}"] for p in ("data", "indices", "indptr"))
        setattr(eng, a, sp.csr_matrix(parts, shape=shape))
    eng.user_index_ = {u: i for i, u in enumerate(eng.user_ids_.tolist())}
    eng.item_index_ = {u: i for i, u in enumerate(eng.item_ids_.tolist())}
    cats = [eng.category_names_[c] if c >= 0 else "" for c in eng.item_category_]
    eng.query_index_ = QueryIndex().fit(
        [f"{t} {c}" for t, c in zip(eng.item_title_, cats, strict=True)]
    )
    eng.models_ = {}
    for name, spec in manifest["models"].items():
        if spec["class"] not in MODELS:
            raise InputError(f"{path}: unknown model class {spec['class']!r}")
        model = MODELS[spec["class"]](**spec["params"])
        prefix = f"model/{name}/"
        model.set_state({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
        eng.models_[name] = model
    eng.weights_ = {k: float(v) for k, v in manifest["weights"].items()}
    eng.model_version_ = manifest.get("model_version")
    eng.reranker_ = None
    if manifest.get("reranker"):
        from shoplens.guidance.recommend.ranker import Reranker

        eng.reranker_ = Reranker.from_json(manifest["reranker"])
    return eng
