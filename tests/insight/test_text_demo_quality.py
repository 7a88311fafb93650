"""Intents, aspects and sentiment against the demo shop's labels, Chinese and English apart.

The shop here uses a seed (3) and size the rules and lexicons were not tuned on (seed 7,
see docs/insight-text.md), so its customers, items, slots and template draws are new. The
floors sit a few points under the scores measured with seed 7 and fail on a regression.
They are scored on the demo's templates, which the rules were written against, so they do
not measure generalisation: ``test_text_paraphrases.py`` does, on 156 hand-written texts
the rules never saw (intent accuracy ~0.5-0.6 there, against >= 0.95 macro-F1 here).
"""

from __future__ import annotations

import numpy as np
import pytest

from shoplens.errors import InputError
from shoplens.insight.text import IntentClassifier, TextAnalyzer
from shoplens.insight.text.demo_labels import (
    clause_examples,
    intent_examples,
    is_held_out,
    per_class_scores,
    review_examples,
    score_on_demo,
)
from shoplens.insight.text.heads import NgramClassifier


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from shoplens.data.demo import generate_demo

    root = tmp_path_factory.mktemp("demo-text")
    generate_demo(root / "shop", customers=1500, items=300, events=120_000, seed=3)
    return root / "shop"


@pytest.fixture(scope="module")
def scores(shop):
    return score_on_demo(shop, TextAnalyzer())


def test_every_demo_text_is_traced_to_its_template(shop):
    chats = intent_examples(shop)
    assert len(chats) > 300 and chats["template"].notna().all()
    # the template's intent is the conversation's label
    assert (chats["template"].str.split(":").str[1] == chats["intent"]).all()
    assert 0.15 < chats["test"].mean() < 0.5
    reviews = review_examples(shop)
    assert (reviews["templates"].str.len() > 0).mean() > 0.95
    clauses = clause_examples(reviews)
    assert set(clauses["polarity"]) == {"negative", "neutral", "positive"}
    assert not is_held_out("zh:other:0") and is_held_out("en:purchase:1")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intent_per_class_f1(scores, lang):
    s = scores["intent"]["all"][lang]
    per_class = {k: v for k, v in s.items() if k not in ("accuracy", "macro_f1", "n")}
    assert len(per_class) == 9 and s["n"] > 50
    assert s["macro_f1"] >= 0.95 and min(per_class.values()) >= 0.85, s


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.95), ("en", 0.85)])
def test_aspect_detection_per_aspect_f1(scores, lang, floor):
    s = scores["aspect_detection"]["all"][lang]
    assert s["macro_f1"] >= floor, s
    # English has ~140 reviews here: single aspects are noisy
    assert min(v for k, v in s.items() if k not in ("macro_f1", "n")) >= 0.55, s


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.58), ("en", 0.62)])
def test_aspect_polarity_macro_f1(scores, lang, floor):
    s = scores["aspect_polarity"]["all"][lang]
    assert s["macro_f1"] >= floor and s["n"] > 100, s


@pytest.mark.parametrize(("lang", "floor"), [("zh", 0.68), ("en", 0.58)])
def test_review_sentiment_macro_f1(scores, lang, floor):
    s = scores["sentiment"]["all"][lang]
    assert s["macro_f1"] >= floor and s["accuracy"] >= 0.72, s


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("多久能到啊，急用", "logistics_inquiry"),
        ("纠结要红色还是蓝色", "compare"),
        ("这个有满减吗", "price_inquiry"),
        ("刚收到就是坏的", "complaint"),
        ("先不要了，谢谢", "hesitation"),
        ("我想下单三件，能开发票吗", "purchase"),
        ("能发到新加坡吗", "other"),
        ("Do you deliver to Australia?", "other"),
        ("I'll check other stores first", "hesitation"),
        ("What do customers think of this kettle?", "seek_reviews"),
        ("The charger doesn't work at all", "complaint"),
        ("I would like to order two of these", "purchase"),
    ],
)
def test_intent_rules_generalise_to_new_wording(text, intent):
    assert IntentClassifier().predict_one(text) == intent


def test_hedges_make_lukewarm_texts_neutral():
    r = TextAnalyzer().analyze(
        [
            "质量一般般，价格还算合理",
            "Shipping was okay",
            "looks nothing like the photos",
            "质量很好",
        ]
    )
    assert [x["sentiment"] for x in r] == ["neutral", "neutral", "negative", "positive"]
    off = TextAnalyzer(hedge_damp=1.0).analyze(["质量一般般，价格还算合理"])[0]
    assert off["sentiment"] == "negative" and off["p_neu"] < r[0]["p_neu"]
    with pytest.raises(InputError):
        TextAnalyzer(hedge_damp=1.5)
    # an aspect clause with a hedge is neutral even when the whole text is not
    aspects = TextAnalyzer().analyze(["非常满意！物流速度正常，质量很好"])[0]["aspects"]
    assert {a["aspect"]: a["sentiment"] for a in aspects} == {
        "delivery": "neutral",
        "quality": "positive",
    }
    off = TextAnalyzer(hedge_damp=1.0).analyze(["非常满意！物流速度正常，质量很好"])[0]
    assert {a["aspect"]: a["sentiment"] for a in off["aspects"]}["delivery"] == "positive"


def test_template_heldout_split_defeats_a_head_trained_on_demo_text(shop):
    """Why the rules stay: an n-gram head fitted on some templates fails on the others."""
    chats = intent_examples(shop)
    train, test = chats[~chats["test"]], chats[chats["test"]]
    head = NgramClassifier(C=10).fit(train["text"].tolist(), train["intent"])
    labels = sorted(chats["intent"].unique())
    # the same head is perfect on a random split of the same templates ...
    rng = np.random.default_rng(0)
    m = rng.random(len(train)) < 0.7
    easy = NgramClassifier(C=10).fit(train["text"][m].tolist(), train["intent"][m])
    easy_f1 = per_class_scores(train["intent"][~m], easy.predict(train["text"][~m].tolist()),
                               labels)["macro_f1"]  # fmt: skip
    assert easy_f1 >= 0.95
    # ... and far below the rules on the held-out templates
    head_f1 = per_class_scores(test["intent"], head.predict(test["text"].tolist()), labels)
    rules_f1 = per_class_scores(test["intent"], IntentClassifier().predict(test["text"]), labels)
    assert head_f1["macro_f1"] < 0.5 < rules_f1["macro_f1"]


def test_ngram_head_roundtrip_is_npz_without_pickle(tmp_path):
    texts = ["where is my parcel", "物流到哪了", "I want a refund", "我要退款", "hi", "你好"] * 3
    labels = ["logistics", "logistics", "refund", "refund", "other", "other"] * 3
    head = NgramClassifier(C=10, n_features=2**12).fit(texts, labels)
    assert head.predict(["refund please", "物流"]).tolist() == ["refund", "logistics"]
    back = NgramClassifier.load(head.save(tmp_path / "h.npz", model_version="t"))
    np.testing.assert_allclose(back.predict_proba(texts), head.predict_proba(texts), atol=2e-3)
    assert back.meta_["model_version"] == "t"
    binary = NgramClassifier(n_features=2**10).fit(["好", "差"] * 3, ["p", "n"] * 3)
    assert binary.predict_proba(["好"]).shape == (1, 2)
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(InputError):
        NgramClassifier.load(tmp_path / "bad.npz")
    with pytest.raises(InputError):
        NgramClassifier().fit(["a", "b"], ["x", "x"])
    with pytest.raises(InputError):
        NgramClassifier().predict(["a"])


def test_an_intent_model_labels_what_the_rules_leave_as_other():
    head = NgramClassifier(n_features=2**12).fit(
        ["invoice please", "发票", "member points", "积分"] * 3,
        ["billing", "billing", "loyalty", "loyalty"] * 3,
    )
    r = TextAnalyzer(intent_model=head).analyze(["能开发票吗", "我要退货", "", "积分怎么用"])
    assert [x["intent"] for x in r] == ["billing", "return_refund", "other", "loyalty"]
    assert TextAnalyzer().analyze(["能开发票吗"])[0]["intent"] == "other"
