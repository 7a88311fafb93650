"""Search tokens for Chinese (jieba, search mode) and English (lower-cased words, light stemming).

Examples
--------
>>> search_tokens("Can I return the shoes?")
['return', 'shoe']
>>> "退货" in search_tokens("我想退货")
True
"""

from __future__ import annotations

import logging
import re

from shoplens.errors import require

__all__ = ["search_tokens"]

_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*|[\u4e00-\u9fff]+")
STOP_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "our",
        "it",
        "its",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "with",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "how",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "please",
        "hi",
        "hello",
        "about",
        "as",
        "by",
        "from",
        "if",
        "so",
        "not",
        "no",
        "any",
        "some",
        "have",
        "has",
        "had",
        "get",
        "got",
        "want",
        "like",
        "just",
        "than",
        "then",
    ]
)
STOP_ZH = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "我",
        "你",
        "您",
        "是",
        "在",
        "有",
        "和",
        "就",
        "都",
        "也",
        "要",
        "想",
        "请问",
        "请",
        "一下",
        "怎么",
        "什么",
        "可以",
        "能",
        "么",
        "嘛",
        "呀",
    ]
)


def _stem(word: str) -> str:
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def search_tokens(text: str) -> list[str]:
    """Tokens for BM25: jieba's search-mode words for Han runs, stemmed words otherwise."""
    out: list[str] = []
    for piece in _WORD.findall(text.lower()):
        if "\u4e00" <= piece[0] <= "\u9fff":
            jieba = require("jieba", "llm")
            jieba.setLogLevel(logging.WARNING)
            out += [w for w in jieba.lcut_for_search(piece) if w not in STOP_ZH]
        elif piece not in STOP_EN:
            out.append(_stem(piece))
    return out
