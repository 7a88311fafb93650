"""Train, save, load and re-score text classifiers on a labelled file.

:func:`train_text_model` splits labelled texts into train / dev / test (seeded,
stratified when every class has enough texts), fits either a fine-tuned transformer
(:class:`~shoplens.insight.text.finetune.TransformerClassifier`, full or LoRA) or a head on
frozen embeddings (:class:`~shoplens.insight.text.embeddings.EmbeddingClassifier`), scores
the held-out test texts and saves the model with its report (``report.json`` + confusion
matrix plot) in one folder. :func:`load_text_model` reads any saved folder (PyTorch,
embedding head or exported ONNX) and :func:`evaluate_text_model` re-scores it on any
labelled file.

Examples
--------
>>> result = train_text_model(texts, labels, "models/sentiment", lora=True)  # doctest: +SKIP
>>> result.report["accuracy"]  # doctest: +SKIP
0.93
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import InputError
from shoplens.insight.text.evaluate import read_labeled, score_model, write_report
from shoplens.insight.text.finetune import DEFAULT_BASE, TransformerClassifier, read_meta

__all__ = [
    "TASKS",
    "TrainResult",
    "evaluate_text_model",
    "load_text_model",
    "split_labeled",
    "train_text_model",
]

TASKS = ("sentiment", "aspects", "intent")


@dataclass
class TrainResult:
    """What :func:`train_text_model` made: the model, its test report and where it lies."""

    model: Any
    report: dict[str, Any]
    folder: Path
    sizes: dict[str, int]


def split_labeled(
    texts: list[str], labels: list[str], *, dev: float = 0.1, test: float = 0.1, seed: int = 0
) -> dict[str, tuple[list[str], list[str]]]:
    """Seeded train / dev / test split, stratified by label when possible.

    Examples
    --------
    >>> parts = split_labeled([str(i) for i in range(20)], ["a", "b"] * 10, seed=1)
    >>> {k: len(v[0]) for k, v in parts.items()}
    {'train': 16, 'dev': 2, 'test': 2}
    """
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(texts))
    y = np.asarray(labels)
    counts = np.unique(y, return_counts=True)[1]
    strat = counts.min() >= 3

    def cut(i: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
        n = max(1, round(share * len(idx)))
        if n >= len(i):
            raise InputError(f"too few labelled texts ({len(texts)}) for a dev and test split")
        ok = strat and n >= len(np.unique(y[i]))
        return train_test_split(i, test_size=n, random_state=seed, stratify=y[i] if ok else None)

    rest, test_idx = cut(idx, test) if test > 0 else (idx, idx[:0])
    train_idx, dev_idx = cut(rest, dev) if dev > 0 else (rest, rest[:0])

    def take(i: np.ndarray) -> tuple[list[str], list[str]]:
        return [texts[j] for j in sorted(i)], [labels[j] for j in sorted(i)]

    return {"train": take(train_idx), "dev": take(dev_idx), "test": take(test_idx)}


def train_text_model(
    texts: list[str],
    labels: list[str],
    out: str | Path,
    *,
    task: str = "sentiment",
    base: str = DEFAULT_BASE,
    lora: bool = False,
    head_only: bool = False,
    encoder: str = "minilm",
    epochs: int = 3,
    batch_size: int = 16,
    lr: float | None = None,
    max_length: int = 128,
    max_steps: int | None = None,
    layers: int | None = None,
    freeze_layers: int | None = None,
    dev: float = 0.1,
    test: float = 0.1,
    seed: int = 0,
    plot: str = "html",
    progress: Callable[[int, int, str], None] | None = None,
) -> TrainResult:
    """Split, train, score on the test split and save model + report into ``out``.

    Parameters
    ----------
    task
        ``sentiment``, ``aspects`` or ``intent``: recorded with the model (each row has
        one label; an aspect classifier predicts the main aspect of a text).
    head_only
        Train a logistic-regression head on frozen ``encoder`` embeddings instead of
        fine-tuning ``base``.
    layers, freeze_layers
        Keep the lowest ``layers`` encoder layers; freeze the embeddings and the lowest
        ``freeze_layers`` (fine-tuning only, see ``TransformerClassifier``).
    plot
        Confusion matrix as ``html``, ``png`` or ``none``.

    Other parameters are those of ``TransformerClassifier`` and :func:`split_labeled`.
    """
    from shoplens.insight.text.embeddings import ENCODERS, EmbeddingClassifier

    if task not in TASKS:
        raise InputError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    if head_only and encoder not in ENCODERS:
        raise InputError(f"encoder must be one of {', '.join(ENCODERS)}, not {encoder!r}")
    if head_only and (layers is not None or freeze_layers is not None):
        raise InputError("layers and freeze_layers apply to fine-tuning, not to head_only")
    parts = split_labeled(texts, labels, dev=dev, test=test, seed=seed)
    (tr_x, tr_y), (dv_x, dv_y), (te_x, te_y) = parts["train"], parts["dev"], parts["test"]
    if len(set(tr_y)) < 2:
        raise InputError("the training split has fewer than 2 classes; add labelled texts")
    if head_only:
        model: Any = EmbeddingClassifier(encoder, base=base).fit(tr_x, tr_y, dv_x, dv_y)
    else:
        model = TransformerClassifier(
            base,
            lora=lora,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            max_length=max_length,
            max_steps=max_steps,
            layers=layers,
            freeze_layers=freeze_layers,
            seed=seed,
        ).fit(tr_x, tr_y, dv_x, dv_y, progress=progress)
    report = score_model(model, te_x, te_y) if te_x else {}
    sizes = {k: len(v[0]) for k, v in parts.items()}
    folder = Path(out)
    model.save(folder, task=task, seed=seed, split=sizes, test_report=report)
    if report:
        write_report(report, folder, plot=plot, title=f"{task}: held-out test split")
    return TrainResult(model, report, folder, sizes)


def load_text_model(path: str | Path) -> Any:
    """Load a saved text classifier: fine-tuned, embedding head, ONNX or n-gram head.

    A path to an ``.onnx`` file loads that file from an exported folder; an ``.npz`` file
    is an :class:`~shoplens.insight.text.heads.NgramClassifier`.

    Examples
    --------
    >>> load_text_model("no/such/model.npz")
    Traceback (most recent call last):
    ...
    shoplens.errors.InputError: no/such/model.npz: no such model file
    """
    from shoplens.insight.text.embeddings import EmbeddingClassifier

    path = Path(path)
    if path.suffix == ".npz":
        from shoplens.insight.text.heads import NgramClassifier

        if not path.is_file():
            raise InputError(f"{path}: no such model file")
        return NgramClassifier.load(path)
    if path.suffix == ".onnx":
        from shoplens.insight.text.export import OnnxClassifier

        return OnnxClassifier.load(path)
    if not path.exists():
        raise InputError(f"{path}: no such model folder")
    kind = read_meta(path)["kind"]
    if kind == "transformer":
        return TransformerClassifier.load(path)
    if kind == "embedding_head":
        return EmbeddingClassifier.load(path)
    if kind == "onnx":
        from shoplens.insight.text.export import OnnxClassifier

        return OnnxClassifier.load(path)
    raise InputError(f"{path}: unknown text model kind {kind!r}")


def evaluate_text_model(
    model_path: str | Path, data: str | Path, out: str | Path | None = None, *, plot: str = "html"
) -> dict[str, Any]:
    """Score a saved model on a labelled file; writes the report into ``out`` if given.

    Examples
    --------
    >>> evaluate_text_model("models/sentiment", "labeled.csv")["accuracy"]  # doctest: +SKIP
    0.91
    """
    texts, labels = read_labeled(data)
    model = load_text_model(model_path)
    report = score_model(model, texts, labels)
    if out is not None:
        write_report(report, out, plot=plot, title=f"{Path(model_path).name} on {Path(data).name}")
    return report
