"""The intent and aspect rules on texts they never saw (``paraphrases.py``).

The demo-shop floors (``test_text_demo_quality.py``) score the rules on the demo's own
templates, which the rules and lexicons were written against: they catch regressions on
the demo, not generalisation. Here the rules meet 108 hand-written chat openers (6 per
intent and language) and 48 review clauses (3 per aspect and language) written from the
label definitions alone. Measured when this test was written: intent accuracy 0.50 (zh)
and 0.61 (en) against 0.11 for always answering one intent, macro-F1 0.50 / 0.61;
aspect detection 1.00 / 0.96, clause polarity 0.88 / 0.87 on detected aspects. The floors
sit a few points under those numbers: raising them is how a better rule set shows.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import pytest

from shoplens.insight.text import IntentClassifier, TextAnalyzer
from shoplens.insight.text.demo_labels import per_class_scores

_DATA = runpy.run_path(str(Path(__file__).with_name("paraphrases.py")))
INTENTS, ASPECTS = _DATA["INTENTS"], _DATA["ASPECTS"]


def test_the_held_out_set_covers_every_label_evenly():
    from shoplens.insight.text import ASPECTS as ASPECT_NAMES
    from shoplens.insight.text import INTENTS as INTENT_NAMES

    df = pd.DataFrame(INTENTS, columns=["lang", "text", "intent"])
    assert df.groupby(["lang", "intent"]).size().eq(6).all()
    assert set(df["intent"]) == set(INTENT_NAMES) and not df["text"].duplicated().any()
    a = pd.DataFrame(ASPECTS, columns=["lang", "text", "aspect", "polarity"])
    assert set(a["aspect"]) == set(ASPECT_NAMES)
    assert a.groupby(["lang", "aspect"])["polarity"].apply(set).map(len).eq(3).all()


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.45), ("en", 0.55)])
def test_intents_on_unseen_wording(lang, floor):
    df = pd.DataFrame([r for r in INTENTS if r[0] == lang], columns=["lang", "text", "intent"])
    pred = IntentClassifier().predict(df["text"].tolist())
    accuracy = float((pd.Series(pred) == df["intent"]).mean())
    s = per_class_scores(df["intent"], pred, sorted(df["intent"].unique()))
    assert accuracy >= floor and s["macro_f1"] >= floor - 0.05, (accuracy, s)
    # far above answering one intent for everything (1 in 9)
    assert accuracy > 3 / 9


@pytest.mark.parametrize(("lang", "detect", "polarity"), [("zh", 0.95, 0.8), ("en", 0.9, 0.8)])
def test_aspects_and_their_polarity_on_unseen_wording(lang, detect, polarity):
    rows = [r for r in ASPECTS if r[0] == lang]
    found = [
        {a["aspect"]: a["sentiment"] for a in r["aspects"]}
        for r in TextAnalyzer().analyze([text for _, text, _, _ in rows])
    ]
    hits = [aspect in f for (_, _, aspect, _), f in zip(rows, found, strict=True)]
    right = [
        f[aspect] == pol for (_, _, aspect, pol), f in zip(rows, found, strict=True) if aspect in f
    ]
    assert sum(hits) / len(rows) >= detect, found
    assert sum(right) / len(right) >= polarity, found
