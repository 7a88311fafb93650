"""The deterministic no-LLM backend and the backend factory."""

from __future__ import annotations

import json

import pytest

from shoplens.errors import InputError
from shoplens.llm import LLMError, Message, NoLLMBackend, get_backend


def _tool(summary, i="T1"):
    return Message("tool", json.dumps({"summary": summary}), tool_call_id=i)


def test_composes_tool_summaries_after_the_last_user_message():
    msgs = [
        Message("user", "old question"),
        _tool("old answer"),
        Message("user", "new question"),
        _tool("First [T1].", "T1"),
        Message("tool", "not json", tool_call_id="T2"),
        _tool("Second [T3].", "T3"),
    ]
    out = NoLLMBackend().complete(msgs)
    assert out.text == "First [T1]. Second [T3]."
    assert NoLLMBackend().complete(msgs).text == out.text  # deterministic


def test_fallback_in_the_language_and_no_schema():
    assert "抱歉" in NoLLMBackend(lang="zh").complete([Message("user", "?")]).text
    with pytest.raises(LLMError, match="schema"):
        NoLLMBackend().complete([Message("user", "?")], schema={"type": "object"})


def test_factory_errors_are_user_errors():
    with pytest.raises(InputError, match="backend must be one of"):
        get_backend("gpt")
    with pytest.raises(InputError, match="GGUF"):
        from shoplens.llm.settings import LLMSettings

        get_backend("local", settings=LLMSettings())
