"""The deterministic no-LLM backend: answers composed from tool results by templates.

Every tool result the assistant feeds in (order lookups, policy passages, product facts)
carries a ``summary`` already written from a template in the customer's language; this
backend joins the summaries of the tool messages after the last user message. No model,
no randomness: the same messages give the same answer, so every feature works (and is
tested) without an LLM, and this is the answer shown whenever a model's answer fails
the verifier.

Examples
--------
>>> import json
>>> from shoplens.llm.base import Message
>>> msgs = [Message("user", "where is my order?"),
...         Message("tool", json.dumps({"summary": "Order O1 is shipped [T1]."}),
...                 tool_call_id="T1")]
>>> NoLLMBackend().complete(msgs).text
'Order O1 is shipped [T1].'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shoplens.llm.base import Completion, LLMBackend, LLMError, Message, ToolSpec, Usage

__all__ = ["NoLLMBackend", "compose"]

FALLBACK = {
    "en": "Sorry, I could not find an answer to that in the shop's documents.",
    "zh": "抱歉，我没有在本店的资料中找到这个问题的答案。",
}


def compose(messages: Sequence[Message], lang: str = "en") -> str:
    """Join the ``summary`` of every tool message after the last user message.

    A tool message whose content is not JSON with a ``summary`` is skipped; with no
    summary at all the answer is a fixed "not found" sentence in ``lang``.
    """
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    parts: list[str] = []
    for m in messages[last_user + 1 :]:
        if m.role != "tool":
            continue
        try:
            body = json.loads(m.content)
        except json.JSONDecodeError:
            continue
        if isinstance(body, dict) and isinstance(body.get("summary"), str) and body["summary"]:
            parts.append(body["summary"])
    if not parts:
        return FALLBACK.get(lang, FALLBACK["en"])
    sep = "" if lang == "zh" else " "
    return sep.join(parts)


class NoLLMBackend(LLMBackend):
    """Compose answers from tool results; never calls a model.

    Parameters
    ----------
    lang
        Language of the "not found" sentence when no tool result has a summary.
    """

    name = "none"
    remote = False

    def __init__(self, lang: str = "en") -> None:
        super().__init__("templates")
        self.lang = lang

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """The composed answer (``schema`` needs a model: it raises :class:`LLMError`)."""
        if schema is not None:
            raise LLMError("the no-LLM backend cannot write JSON to a schema; use a model backend")
        text = compose(messages, self.lang)
        usage = self.meter.add(Usage(0, 0))
        return Completion(text=text, model=self.model, usage=usage)
