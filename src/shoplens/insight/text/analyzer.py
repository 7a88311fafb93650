"""``TextAnalyzer``: language, sentiment, aspects, entities and intent for each text.

Examples
--------
>>> r = TextAnalyzer().analyze(["物流很快，但是质量很差，要退货"])[0]
>>> r["lang"], r["intent"], [a["aspect"] for a in r["aspects"]]
('zh', 'return_refund', ['delivery', 'quality'])
"""

from __future__ import annotations

import inspect
import json
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from shoplens.errors import InputError
from shoplens.insight.text.aspects import find_aspects
from shoplens.insight.text.english import english_positive_proba
from shoplens.insight.text.entities import EntityExtractor
from shoplens.insight.text.hedges import DAMP, hedge_shrink
from shoplens.insight.text.intents import IntentClassifier
from shoplens.insight.text.language import detect_language
from shoplens.insight.text.normalize import (
    DEFAULT_MAX_CHARS,
    TextTruncatedWarning,
    content_chars,
    normalize_text,
)
from shoplens.insight.text.sentiment import SentimentModel, load_default_sentiment, three_way

__all__ = ["EMOJI", "SENTIMENTS", "TextAnalyzer"]

SENTIMENTS = ("negative", "neutral", "positive")
#: emoji -> polarity, used for texts without letters (emoji-only)
EMOJI: dict[str, float] = {
    **{e: 1.0 for e in "👍😊😀😁😄😃😍🥰❤💯👏😘🙂☺✨🎉💪🤩😆👌♥💖💕"},
    **{e: -1.0 for e in "👎😡😠😤😞😢😭💔🤮😒🙄😫😩😣😖🤬😓😔"},
}


#: version of the default rules, lexicons and hedges; part of ``model_version``
RULES_VERSION = "rules-2"
#: a clause's hedge damping is ``hedge_damp * CLAUSE_DAMP``
CLAUSE_DAMP = 0.4


def _label(probs: np.ndarray) -> list[str]:
    return [SENTIMENTS[i] for i in np.argmax(probs, axis=1)] if len(probs) else []


class TextAnalyzer:
    """Score texts (reviews, queries, chat messages; Chinese and English).

    Parameters
    ----------
    max_chars
        Longer texts are cut to this many characters with a warning.
    batch_size
        Texts per sentiment-model call.
    neutral_band
        Width of the neutral band, see :func:`~shoplens.insight.text.sentiment.three_way`.
    aspects
        Aspect lexicon (``aspect -> keywords``); default
        :data:`~shoplens.insight.text.aspects.ASPECTS`.
    brands, extra_brands, model_lines
        Passed to :class:`~shoplens.insight.text.entities.EntityExtractor`.
    intent_rules
        Passed to :class:`~shoplens.insight.text.intents.IntentClassifier`.
    intent_model
        A trained intent classifier (anything with ``predict(texts)``), e.g.
        ``load_text_model(folder)`` of a ``shoplens text train --task intent`` model or an
        :class:`~shoplens.insight.text.heads.NgramClassifier`. It labels the texts the
        rules leave as ``other``; the rules keep priority. Default: rules only.
    sentiment_model
        A fitted :class:`SentimentModel` for Chinese; default: the shipped one.
    hedge_damp
        Texts and clauses with a hedge word ("一般", "还行", "okay", "as expected") keep this
        share of ``p_pos - 0.5`` (aspect clauses ``CLAUSE_DAMP`` times that; see
        :mod:`~shoplens.insight.text.hedges`); ``1`` switches hedges off.

    Examples
    --------
    >>> r = TextAnalyzer().analyze(["Great quality but shipping was slow"])[0]
    >>> r["sentiment"], [(a["aspect"], a["sentiment"]) for a in r["aspects"]]
    ('neutral', [('quality', 'positive'), ('delivery', 'negative')])
    """

    def __init__(
        self,
        max_chars: int = DEFAULT_MAX_CHARS,
        batch_size: int = 256,
        neutral_band: float = 0.3,
        aspects: dict[str, tuple[str, ...]] | None = None,
        brands: Iterable[str] | None = None,
        extra_brands: Iterable[str] | None = None,
        model_lines: Iterable[str] | None = None,
        intent_rules: Iterable[tuple[str, Iterable[str]]] | None = None,
        intent_model: Any = None,
        sentiment_model: SentimentModel | None = None,
        hedge_damp: float = DAMP,
    ) -> None:
        if max_chars < 1 or batch_size < 1:
            raise InputError("max_chars and batch_size must be positive integers")
        self.max_chars = max_chars
        self.batch_size = batch_size
        self.neutral_band = neutral_band
        self.aspects = aspects
        self.brands = brands
        self.extra_brands = extra_brands
        self.model_lines = model_lines
        self.intent_rules = intent_rules
        self.intent_model = intent_model
        self.sentiment_model = sentiment_model
        if not 0.0 <= hedge_damp <= 1.0:
            raise InputError("hedge_damp must be between 0 and 1")
        self.hedge_damp = hedge_damp
        self._entities = EntityExtractor(brands, model_lines, extra_brands)
        self._intents = IntentClassifier(intent_rules)

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as stored (scikit-learn's convention), to rebuild with.

        Examples
        --------
        >>> TextAnalyzer(batch_size=8).get_params()["batch_size"]
        8
        """
        names = inspect.signature(TextAnalyzer.__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    @property
    def model(self) -> SentimentModel:
        """The Chinese sentiment model in use."""
        if self.sentiment_model is None:
            self.sentiment_model = load_default_sentiment()
        return self.sentiment_model

    @property
    def model_version(self) -> str:
        """Identifies the scoring models, written to ``insight_texts.model_version``.

        The sentiment model's version, ``+`` :data:`RULES_VERSION` (``+custom`` when the
        rules, aspects, hedges or an intent model are not the defaults).

        Examples
        --------
        >>> TextAnalyzer().model_version
        'zh-char13-logreg-1+rules-2'
        """
        meta = getattr(self.model, "meta_", {})
        custom = (
            self.intent_rules is not None
            or self.aspects is not None
            or self.intent_model is not None
            or self.hedge_damp != DAMP
        )
        return f"{meta.get('model_version', 'custom')}+{'custom' if custom else RULES_VERSION}"

    def positive_proba(self, texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
        """Positive probability per clean text; ``langs`` picks the scorer of each."""
        p = np.full(len(texts), 0.5)
        zh = [i for i, lang in enumerate(langs) if lang == "zh"]
        en = [i for i, lang in enumerate(langs) if lang == "en"]
        for start in range(0, len(zh), self.batch_size):
            idx = zh[start : start + self.batch_size]
            p[idx] = self.model.predict_proba([texts[i] for i in idx])
        if en:
            p[en] = english_positive_proba([texts[i] for i in en])
        for i, lang in enumerate(langs):
            if lang == "und" and texts[i]:
                score = sum(EMOJI.get(ch, 0.0) for ch in texts[i])
                p[i] = 1.0 / (1.0 + np.exp(-1.5 * score))
        return p

    def predict_intents(self, texts: Sequence[str]) -> list[str]:
        """Intent of each clean text: the rules, then ``intent_model`` where they say other.

        Examples
        --------
        >>> TextAnalyzer().predict_intents(["我要退货", "hello"])
        ['return_refund', 'other']
        """
        out = self._intents.predict(texts)
        rest = [i for i, v in enumerate(out) if v == self._intents.default and texts[i]]
        if self.intent_model is not None and rest:
            pred = self.intent_model.predict([texts[i] for i in rest])
            for i, v in zip(rest, pred, strict=True):
                out[i] = str(v)
        return out

    def analyze(self, texts: Sequence[Any], *, intents: bool = True) -> list[dict[str, Any]]:
        """Analyse each text; returns one ``dict`` per text, in order.

        Keys: ``text`` (the cleaned text), ``lang`` (zh/en/und), ``mixed``, ``sentiment``,
        ``p_neg``, ``p_neu``, ``p_pos``, ``aspects`` (list of ``{aspect, term, sentiment,
        p_pos}``), ``entities`` (list of ``{type, text, start, end[, value]}``), ``intent``
        (``None`` when ``intents=False``) and ``flags`` (``empty``, ``html``,
        ``truncated``, ``invalid_utf8``, ``no_letters``).

        Examples
        --------
        >>> TextAnalyzer().analyze([""])[0]["sentiment"]
        'neutral'
        """
        if isinstance(texts, str | bytes):
            raise InputError("analyze() takes a list of texts; wrap a single text in [ ]")
        clean, flags = [], []
        for t in texts:
            c, f = normalize_text(t, self.max_chars, warn=False)
            if c and content_chars(c) == 0:
                f.append("no_letters")
            clean.append(c)
            flags.append(f)
        n_cut = sum("truncated" in f for f in flags)
        if n_cut:
            warnings.warn(
                f"{n_cut} text(s) longer than max_chars={self.max_chars} were cut",
                TextTruncatedWarning,
                stacklevel=2,
            )
        detected = [detect_language(c) for c in clean]
        langs = [lang for lang, _ in detected]
        p_text = hedge_shrink(clean, self.positive_proba(clean, langs), self.hedge_damp)
        probs = three_way(p_text, self.neutral_band)
        for i, c in enumerate(clean):
            if not c or (langs[i] == "und" and not any(ch in EMOJI for ch in c)):
                probs[i] = (0.0, 1.0, 0.0)
        # aspects: score every clause that mentions one, all in one batch
        found = [
            find_aspects(c, self.aspects) if langs[i] != "und" else [] for i, c in enumerate(clean)
        ]
        clauses = [cl for f in found for _, _, cl in f]
        clause_langs = [detect_language(cl)[0] for cl in clauses]
        clause_langs = [lg if lg != "und" else "zh" for lg in clause_langs]
        # a hedge in a short clause is stronger evidence of neutral than in a whole text
        damp = self.hedge_damp * CLAUSE_DAMP if self.hedge_damp < 1 else 1.0
        cp = hedge_shrink(clauses, self.positive_proba(clauses, clause_langs), damp)
        clabels = _label(three_way(cp, self.neutral_band))
        labels = _label(probs)
        intent = self.predict_intents(clean) if intents else [None] * len(clean)
        out, k = [], 0
        for i, c in enumerate(clean):
            aspects = []
            for aspect, term, _ in found[i]:
                aspects.append(
                    {
                        "aspect": aspect,
                        "term": term,
                        "sentiment": clabels[k],
                        "p_pos": round(float(cp[k]), 4),
                    }
                )
                k += 1
            out.append(
                {
                    "text": c,
                    "lang": langs[i],
                    "mixed": detected[i][1],
                    "sentiment": labels[i],
                    "p_neg": float(probs[i, 0]),
                    "p_neu": float(probs[i, 1]),
                    "p_pos": float(probs[i, 2]),
                    "aspects": aspects,
                    "entities": self._entities.extract(c),
                    "intent": intent[i],
                    "flags": flags[i],
                }
            )
        return out

    def analyze_frame(self, texts: Sequence[Any], *, intents: bool = True) -> Any:
        """:meth:`analyze` as a pandas DataFrame (aspects/entities stay lists).

        Examples
        --------
        >>> list(TextAnalyzer().analyze_frame(["好评"]).columns)[:3]
        ['text', 'lang', 'mixed']
        """
        import pandas as pd

        return pd.DataFrame(self.analyze(texts, intents=intents))

    def enrich(self, con: Any, **kwargs: Any) -> dict[str, int]:
        """Score the warehouse's reviews and messages not yet in ``insight_texts``.

        See :func:`shoplens.insight.text.enrich.enrich_warehouse` for the parameters.
        """
        from shoplens.insight.text.enrich import enrich_warehouse

        return enrich_warehouse(self, con, **kwargs)

    @staticmethod
    def to_json(value: Any) -> str:
        """JSON text of a list of aspects or entities (UTF-8 kept readable)."""
        return json.dumps(value, ensure_ascii=False)

    @staticmethod
    def now() -> datetime:
        """Current UTC time (the ``scored_at`` stamp)."""
        return datetime.now(UTC)
