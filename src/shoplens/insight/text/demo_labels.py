"""Labelled texts from the demo shop, with a split that holds out whole templates.

The demo shop (:mod:`shoplens.data.demo`) writes its reviews and chats from templates, so a
random split puts the same sentences on both sides and any model scores ~100 %. Here each
text is traced back to the template it came from, and the **last template of every list**
(per language and intent, or per language, aspect and polarity) is held out: texts made
from a held-out template are TEST texts, all others TRAIN. A score on TEST therefore
measures how a head trained on the demo copes with wordings it never saw (the openers,
closers and item names are still shared: it is a harder split, not a real-world one).

* :func:`intent_examples`: the first customer message of each conversation, its
  conversation's intent, language, customer and ``template`` (``lang:intent:index``).
* :func:`review_examples`: reviews with their sentiment, labelled aspects and the phrase
  templates they use.
* :func:`clause_examples`: review clauses that carry one aspect phrase, labelled with that
  aspect and its polarity;
* :func:`score_on_demo`: per-class F1 (Chinese and English apart) of a
  :class:`~shoplens.insight.text.TextAnalyzer`'s intents, aspect detection, aspect
  polarity and review sentiment, on all texts and on the TEST part.

Examples
--------
>>> is_held_out("zh:complaint:2"), is_held_out("zh:complaint:0")
(True, False)
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ASPECT_NAMES",
    "clause_examples",
    "intent_examples",
    "is_held_out",
    "per_class_scores",
    "review_examples",
    "score_on_demo",
]

#: demo aspect names -> the analyzer's aspect names
ASPECT_NAMES = {"logistics": "delivery", "performance": "function"}


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    body = "".join(
        (r"\d+" if p == "{n}" else ".+?") if re.fullmatch(r"\{\w+\}", p) else re.escape(p)
        for p in parts
    )
    return re.compile(body)


@lru_cache(maxsize=1)
def _sizes() -> dict[str, int]:
    from shoplens.data.demo.chats import OPEN
    from shoplens.data.demo.reviews import PHRASES

    out = {f"{lg}:{k}": len(v) for lg, d in OPEN.items() for k, v in d.items()}
    for lg, d in PHRASES.items():
        for aspect, pols in d.items():
            out.update({f"{lg}:{aspect}:{pol}": len(v) for pol, v in pols.items()})
    return out


def is_held_out(template: str) -> bool:
    """Whether a template id (``lang:intent:i`` or ``lang:aspect:polarity:i``) is TEST.

    The last template of each list is held out when the list has two or more.
    """
    key, _, idx = template.rpartition(":")
    n = _sizes().get(key, 0)
    return n >= 2 and int(idx) == n - 1


@lru_cache(maxsize=1)
def _open_patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    from shoplens.data.demo.chats import OPEN

    return [
        (lg, f"{lg}:{intent}:{i}", re.compile("^" + _template_regex(t).pattern + "$"))
        for lg, d in OPEN.items()
        for intent, ts in d.items()
        for i, t in enumerate(ts)
    ]


@lru_cache(maxsize=1)
def _phrase_patterns() -> list[tuple[str, str, str, str, re.Pattern[str]]]:
    from shoplens.data.demo.reviews import PHRASES

    out = []
    for lg, d in PHRASES.items():
        for aspect, pols in d.items():
            for pol, ts in pols.items():
                for i, t in enumerate(ts):
                    rx = _template_regex(t)
                    out.append((lg, aspect, pol, f"{lg}:{aspect}:{pol}:{i}", rx))
    return out


def _open_template(text: str, lang: str) -> str | None:
    for lg, tid, rx in _open_patterns():
        if lg == lang and rx.match(text):
            return tid
    return None


def intent_examples(shop_dir: str | Path) -> pd.DataFrame:
    """First customer message per demo conversation with its intent and template.

    Columns: ``conversation_id, customer_id, lang, text, intent, template, test``.
    """
    shop = Path(shop_dir)
    msgs = pd.read_parquet(shop / "messages.parquet")
    conv = pd.read_parquet(shop / "truth" / "conversations.parquet")
    first = (
        msgs[msgs["role"] == "customer"]
        .sort_values(["conversation_id", "ts"], kind="stable")
        .groupby("conversation_id")
        .head(1)[["conversation_id", "text"]]
    )
    df = conv[["conversation_id", "customer_id", "lang", "intent"]].merge(
        first, on="conversation_id"
    )
    df["template"] = [_open_template(t, lg) for t, lg in zip(df["text"], df["lang"], strict=True)]
    df["test"] = [t is not None and is_held_out(t) for t in df["template"]]
    return df.reset_index(drop=True)


def _phrases_in(text: str, lang: str) -> list[tuple[str, str, str]]:
    """``(aspect, polarity, template)`` of every aspect phrase found in a review text."""
    found = []
    for lg, aspect, pol, tid, rx in _phrase_patterns():
        if lg == lang and rx.search(text):
            found.append((aspect, pol, tid))
    return found


def review_examples(shop_dir: str | Path) -> pd.DataFrame:
    """Demo reviews with sentiment, aspects (analyzer names) and phrase templates.

    Columns: ``review_id, customer_id, lang, text, sentiment, aspects`` (``{aspect:
    polarity}``), ``templates`` (list) and ``test`` (uses a held-out phrase).
    """
    shop = Path(shop_dir)
    rv = pd.read_parquet(shop / "reviews.parquet")
    truth = pd.read_parquet(shop / "truth" / "reviews.parquet")
    df = rv[["review_id", "customer_id", "lang", "text"]].merge(
        truth[["review_id", "sentiment", "aspects"]], on="review_id"
    )
    df["aspects"] = [
        {ASPECT_NAMES.get(k, k): v for k, v in json.loads(a).items()} for a in df["aspects"]
    ]
    df["templates"] = [
        [tid for _, _, tid in _phrases_in(t, lg)]
        for t, lg in zip(df["text"], df["lang"], strict=True)
    ]
    df["test"] = [any(is_held_out(t) for t in ts) for ts in df["templates"]]
    return df.reset_index(drop=True)


def clause_examples(reviews: pd.DataFrame) -> pd.DataFrame:
    """Clauses of ``reviews`` (from :func:`review_examples`) that hold one aspect phrase.

    Columns: ``review_id, lang, clause, aspect, polarity, template, test``.
    """
    from shoplens.insight.text.aspects import split_clauses

    rows = []
    for r in reviews.itertuples(index=False):
        for clause in split_clauses(r.text):
            hits = _phrases_in(clause, r.lang)
            if len(hits) != 1:
                continue
            aspect, pol, tid = hits[0]
            rows.append(
                (r.review_id, r.lang, clause, ASPECT_NAMES.get(aspect, aspect), pol, tid,
                 is_held_out(tid))
            )  # fmt: skip
    cols = ["review_id", "lang", "clause", "aspect", "polarity", "template", "test"]
    return pd.DataFrame(rows, columns=cols)


def per_class_scores(y_true: Any, y_pred: Any, labels: list[str]) -> dict[str, Any]:
    """F1 of each label present in ``y_true``, plus ``accuracy``, ``macro_f1`` and ``n``.

    Examples
    --------
    >>> per_class_scores(["a", "b", "b"], ["a", "b", "a"], ["a", "b"])["macro_f1"]
    0.667
    """
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    labels = [lab for lab in labels if (y_true == lab).any()]
    if not labels:
        return {"accuracy": None, "macro_f1": None, "n": 0}
    f1 = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)[2]
    out: dict[str, Any] = {lab: round(float(v), 3) for lab, v in zip(labels, f1, strict=True)}
    out["accuracy"] = round(float((y_true == y_pred).mean()), 3)
    macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    out["macro_f1"] = round(float(macro), 3)
    out["n"] = len(y_true)
    return out


def score_on_demo(shop_dir: str | Path, analyzer: Any = None) -> dict[str, Any]:
    """Score an analyzer on a demo shop's labels: ``part -> split -> lang -> scores``.

    Parts: ``intent`` (first customer message of each conversation), ``aspect_detection``
    (F1 of "the review mentions aspect a", per aspect), ``aspect_polarity`` (sentiment of
    the aspects both labelled and found) and ``sentiment`` (review level). Splits: ``all``
    and ``test`` (texts made from held-out templates). Langs: ``zh`` and ``en``.
    """
    from shoplens.insight.text.analyzer import SENTIMENTS, TextAnalyzer
    from shoplens.insight.text.aspects import ASPECTS

    analyzer = analyzer or TextAnalyzer()
    out: dict[str, Any] = {
        "intent": {},
        "aspect_detection": {},
        "aspect_polarity": {},
        "sentiment": {},
    }
    chats = intent_examples(shop_dir)
    chats["pred"] = [r["intent"] for r in analyzer.analyze(chats["text"].tolist())]
    intents = sorted(chats["intent"].unique())
    reviews = review_examples(shop_dir)
    res = analyzer.analyze(reviews["text"].tolist(), intents=False)
    reviews["pred"] = [r["sentiment"] for r in res]
    reviews["found"] = [{a["aspect"]: a["sentiment"] for a in r["aspects"]} for r in res]
    for split in ("all", "test"):
        for part in out.values():
            part[split] = {}
        for lang in ("zh", "en"):
            c = chats[(chats["lang"] == lang) & (chats["test"] | (split == "all"))]
            out["intent"][split][lang] = per_class_scores(c["intent"], c["pred"], intents)
            r = reviews[(reviews["lang"] == lang) & (reviews["test"] | (split == "all"))]
            out["sentiment"][split][lang] = per_class_scores(
                r["sentiment"], r["pred"], list(SENTIMENTS)
            )
            det: dict[str, Any] = {}
            pol_t: list[str] = []
            pol_p: list[str] = []
            for a in ASPECTS:
                from sklearn.metrics import f1_score

                yt = np.array([a in x for x in r["aspects"]])
                yp = np.array([a in x for x in r["found"]])
                det[a] = round(float(f1_score(yt, yp, zero_division=0)), 3)
                for truth, found in zip(r["aspects"], r["found"], strict=True):
                    if a in truth and a in found:
                        pol_t.append(truth[a])
                        pol_p.append(found[a])
            det["macro_f1"] = round(float(np.mean(list(det.values()))), 3)
            det["n"] = len(r)
            out["aspect_detection"][split][lang] = det
            out["aspect_polarity"][split][lang] = per_class_scores(pol_t, pol_p, list(SENTIMENTS))
    return out
