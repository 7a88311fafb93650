"""The training loop of a transformer text classifier: freezing, AdamW, early stopping.

:func:`train_loop` is what :meth:`TransformerClassifier.fit
<shoplens.insight.text.finetune.TransformerClassifier.fit>` runs once the model is loaded:
shuffled batches, AdamW with linear warm-up (the first 10 % of the steps) and linear decay,
class-weighted cross entropy (``n / (k * count)``, for imbalanced labels), an evaluation
after each epoch and early stopping on dev macro-F1 (the best trainable weights are put
back). :func:`freeze_lower` freezes the embeddings and the lowest encoder layers, which
:func:`encoder_parts` finds in a BERT-style model (BERT, RoBERTa, XLM-R, e5, DistilBERT).

Examples
--------
>>> from transformers import BertConfig, BertForSequenceClassification
>>> tiny = BertForSequenceClassification(BertConfig(
...     vocab_size=30, hidden_size=8, num_hidden_layers=3, num_attention_heads=2,
...     intermediate_size=16))
>>> len(encoder_parts(tiny)[1])
3
>>> n_trainable = freeze_lower(tiny, 2)
>>> [any(p.requires_grad for p in layer.parameters()) for layer in encoder_parts(tiny)[1]]
[False, False, True]
>>> any(p.requires_grad for p in tiny.bert.embeddings.parameters())
False
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from shoplens.errors import InputError

__all__ = ["check_layers", "encoder_parts", "freeze_lower", "lora_config", "train_loop"]


def check_layers(
    layers: int | None,
    freeze_layers: int | None,
    n_layers: int | None = None,
    base: Any = "the checkpoint",
) -> None:
    """Raise :class:`~shoplens.errors.InputError` for a layer count or freeze out of range.

    ``n_layers`` is the checkpoint's number of encoder layers, when known.

    Examples
    --------
    >>> check_layers(4, 2, n_layers=12)
    >>> check_layers(0, None)
    Traceback (most recent call last):
    ...
    shoplens.errors.InputError: layers must be a positive number of encoder layers, not 0
    """
    if layers is not None and layers < 1:
        raise InputError(f"layers must be a positive number of encoder layers, not {layers}")
    if freeze_layers is not None and freeze_layers < 0:
        raise InputError(f"freeze_layers must be 0 or more, not {freeze_layers}")
    if layers is not None and freeze_layers is not None and freeze_layers > layers:
        raise InputError(f"freeze_layers ({freeze_layers}) cannot exceed layers ({layers})")
    if n_layers is not None:
        for name, value in (("layers", layers), ("freeze_layers", freeze_layers)):
            if value is not None and value > n_layers:
                raise InputError(
                    f"{name} ({value}) exceeds the {n_layers} encoder layers of {base}"
                )


def lora_config(model: Any, r: int = 8, alpha: int = 16) -> Any:
    """LoRA on the attention ``query``/``value`` projections; the head (and pooler) train fully."""
    from peft import LoraConfig, TaskType

    extra = ["pooler"] if hasattr(getattr(model, "bert", None), "pooler") else []
    return LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=r,
        lora_alpha=alpha,
        lora_dropout=0.1,
        target_modules=["query", "value"],
        modules_to_save=["classifier", *extra],
    )


def encoder_parts(model: Any) -> tuple[Any, Any]:
    """The embeddings module and the list of encoder layers (lowest first) of ``model``.

    Works on a ``transformers`` model with a BERT-style core (``embeddings`` and
    ``encoder.layer`` or ``transformer.layer``); anything else raises
    :class:`~shoplens.errors.InputError`.
    """
    core = getattr(model, "base_model", model)
    embeddings = getattr(core, "embeddings", None)
    stack = getattr(core, "encoder", None)
    if stack is None:
        stack = getattr(core, "transformer", None)
    layers = getattr(stack, "layer", None)
    if embeddings is None or layers is None:
        raise InputError(
            f"cannot find the embeddings and encoder layers of {type(model).__name__}; "
            "layer truncation and freezing need a BERT-style encoder"
        )
    return embeddings, layers


def freeze_lower(model: Any, k: int | None) -> int:
    """Freeze the embeddings and the lowest ``k`` encoder layers; returns the trainable count.

    ``k=None`` freezes nothing; ``k=0`` freezes the embeddings only. Call it after adding
    LoRA adapters (``peft``) so that the adapters of the frozen layers are frozen too.
    """
    if k is not None:
        embeddings, layers = encoder_parts(model)
        if not 0 <= k <= len(layers):
            raise InputError(f"freeze_layers must be between 0 and {len(layers)}, not {k}")
        for module in [embeddings, *layers[:k]]:
            module.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_loop(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    targets: np.ndarray,
    n_classes: int,
    *,
    epochs: int = 3,
    batch_size: int = 16,
    lr: float = 5e-5,
    max_length: int = 128,
    max_steps: int | None = None,
    class_weight: bool = True,
    patience: int = 2,
    seed: int = 0,
    evaluate: Callable[[Any], dict[str, float]] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Train the trainable weights of ``model`` in place; returns ``(history, best_epoch)``.

    Parameters
    ----------
    model, tokenizer
        A ``transformers`` sequence classifier (possibly ``peft``-wrapped) and its tokenizer.
    texts, targets
        Training texts and their class indices (``0 .. n_classes - 1``).
    evaluate
        ``evaluate(model)`` after each epoch (the model in eval mode) returns scores with
        at least ``dev_macro_f1`` (the history keeps them rounded to 4 decimals); the
        epoch with the best one is kept and ``patience`` epochs without improvement stop
        the training. Without it the last epoch is kept.
    progress
        ``progress(step, total, note)`` after each optimiser step.

    Other parameters are those of
    :class:`~shoplens.insight.text.finetune.TransformerClassifier`.
    """
    import torch

    targets_t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise InputError("nothing to train: every weight is frozen")
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    per_epoch = math.ceil(len(texts) / batch_size)
    total = per_epoch * epochs
    if max_steps:
        total = min(total, max_steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total)
    )
    counts = np.bincount(targets_t.numpy(), minlength=n_classes).astype(float)
    weight = len(texts) / (n_classes * np.maximum(counts, 1)) if class_weight else None
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=None if weight is None else torch.tensor(weight, dtype=torch.float32)
    )
    gen = torch.Generator().manual_seed(seed)
    history: list[dict[str, Any]] = []
    best, best_state, bad, step, best_epoch = -1.0, None, 0, 0, 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(texts), generator=gen).tolist()
        running = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            enc = tokenizer(
                [texts[j] for j in idx],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            loss = loss_fn(model(**enc).logits, targets_t[idx])
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
        entry: dict[str, Any] = {
            "epoch": epoch,
            "step": step,
            "train_loss": round(running / per_epoch, 4),
        }
        if evaluate is not None:
            model.eval()
            scores = evaluate(model)
            f1 = scores["dev_macro_f1"]
            entry.update({k: round(float(v), 4) for k, v in scores.items()})
            if f1 > best:
                best, bad, best_epoch = f1, 0, epoch
                best_state = {
                    k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad
                }
            else:
                bad += 1
        history.append(entry)
        if step >= total or (evaluate is not None and bad >= patience):
            break
    if best_state is not None:
        model.load_state_dict(best_state, strict=False)
    else:
        best_epoch = history[-1]["epoch"]
    return history, best_epoch
