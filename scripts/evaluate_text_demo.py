"""Score the text analyzer's intents, aspects and sentiment on the demo shop's labels.

The demo shop (seeded; ``--seed``) writes every review's sentiment and aspect polarities and
every conversation's intent. The texts come from templates, so besides the full set each
table is also reported on the TEST part of a split that holds out the last template of
every list (:mod:`shoplens.insight.text.demo_labels`). Per-class F1 is reported for Chinese
and English separately.

``--heads`` also trains hashed n-gram heads (:class:`~shoplens.insight.text.heads.
NgramClassifier`) on the TRAIN templates — an intent head on first customer messages and
a polarity head on aspect clauses — and compares them with the rules / models the
analyzer uses, on the TEST templates and by 5-fold cross-validation grouped by template on
TRAIN. Run::

    flock /tmp/shoplens-cpu.lock nice -n 10 .venv/bin/python scripts/evaluate_text_demo.py \\
        [--seed 7] [--customers 5000] [--events 500000] [--heads] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.insight.text import TextAnalyzer, three_way
from shoplens.insight.text.demo_labels import (
    clause_examples,
    intent_examples,
    per_class_scores,
    review_examples,
    score_on_demo,
)
from shoplens.insight.text.heads import NgramClassifier
from shoplens.insight.text.hedges import hedge_shrink
from shoplens.insight.text.intents import IntentClassifier

POLARITIES = np.array(["negative", "neutral", "positive"])


def show(results: dict) -> None:
    for part, splits in results.items():
        for split, langs in splits.items():
            print(f"\n== {part} ({split})")
            print(pd.DataFrame(langs).to_string())


def _heads_table(
    frame: pd.DataFrame, text: str, label: str, baseline, labels: list[str], name: str
) -> dict:
    """Baseline vs a trained n-gram head: grouped CV on TRAIN, then TEST, per language."""
    from sklearn.model_selection import GroupKFold

    train = frame[~frame["test"]].reset_index(drop=True)
    test = frame[frame["test"]].reset_index(drop=True)
    cv: dict[str, list[float]] = {"baseline": [], "head": []}
    for a, b in GroupKFold(5).split(train, groups=train["template"]):
        head = NgramClassifier(C=10).fit(train[text][a].tolist(), train[label][a])
        part = train.iloc[b]
        for key, pred in (
            ("baseline", baseline(part)),
            ("head", head.predict(part[text].tolist())),
        ):
            cv[key].append(per_class_scores(part[label], pred, labels)["macro_f1"])
    head = NgramClassifier(C=10).fit(train[text].tolist(), train[label])
    out = {f"cv_{k}": round(float(np.mean(v)), 3) for k, v in cv.items()}
    for lang in ("zh", "en"):
        part = test[test["lang"] == lang]
        for key, pred in (
            ("baseline", baseline(part)),
            ("head", head.predict(part[text].tolist())),
        ):
            out[f"test_{lang}_{key}"] = per_class_scores(part[label], pred, labels)["macro_f1"]
    print(f"\n== {name}: macro-F1, baseline vs n-gram head trained on TRAIN templates")
    print(json.dumps(out, indent=1))
    return out


def compare_heads(shop: Path) -> dict:
    analyzer = TextAnalyzer()
    rules = IntentClassifier()
    chats = intent_examples(shop)
    intents = sorted(chats["intent"].unique())
    out = {
        "intent": _heads_table(
            chats, "text", "intent", lambda d: rules.predict(d["text"]), intents, "intent"
        )
    }
    clauses = clause_examples(review_examples(shop))

    def polarity(d: pd.DataFrame) -> np.ndarray:
        texts = d["clause"].tolist()
        p = analyzer.positive_proba(texts, d["lang"].tolist())
        return POLARITIES[three_way(hedge_shrink(texts, p, 0.4 * 0.4)).argmax(axis=1)]

    out["polarity"] = _heads_table(
        clauses, "clause", "polarity", polarity, list(POLARITIES), "aspect clause polarity"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--shop", type=Path, default=None, help="an existing demo shop folder")
    parser.add_argument("--heads", action="store_true", help="compare with trained n-gram heads")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    shop = args.shop
    if shop is None:
        from shoplens.data.demo import generate_demo

        shop = Path(tempfile.mkdtemp()) / "shop"
        generate_demo(shop, customers=args.customers, events=args.events, seed=args.seed)
    results = score_on_demo(shop, TextAnalyzer())
    show(results)
    if args.heads:
        results["heads"] = compare_heads(shop)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
