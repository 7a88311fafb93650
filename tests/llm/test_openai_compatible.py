"""The OpenAI-compatible backend against a real HTTP server on loopback."""

from __future__ import annotations

import json

import pytest

from shoplens.llm import LLMError, Message, ToolSpec, UsageMeter
from shoplens.llm.openai_compatible import OpenAICompatibleBackend


def _backend(fake, **kw):
    waits: list[float] = []
    opts = {"max_retries": 2, "backoff_s": 0.25, "timeout_s": 2.0, **kw}
    b = OpenAICompatibleBackend(fake.url, "fake-1", sleep=waits.append, **opts)
    return b, waits


def test_plain_completion_sends_messages_and_meters_cost(fake_openai):
    fake_openai.script.append({"json": fake_openai.chat("Hello there", usage=(1000, 2000))})
    b, _ = _backend(fake_openai, api_key="sk-test", meter=UsageMeter(0.5, 2.0))
    out = b.complete([Message("system", "be brief"), Message("user", "hi")], temperature=0.2)
    assert out.text == "Hello there" and out.model == "fake-1"
    assert (out.usage.prompt_tokens, out.usage.completion_tokens) == (1000, 2000)
    assert out.usage.cost == pytest.approx(1000 / 1000 * 0.5 + 2000 / 1000 * 2.0)
    req = fake_openai.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert [m["role"] for m in req["body"]["messages"]] == ["system", "user"]
    assert req["body"]["temperature"] == 0.2 and "stream" not in req["body"]


def test_tool_calls_are_parsed_and_tools_sent(fake_openai):
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "order_status", "arguments": json.dumps({"order_id": "O0000007"})},
    }
    fake_openai.script.append({"json": fake_openai.chat(None, tool_calls=[call])})
    b, _ = _backend(fake_openai)
    tool = ToolSpec("order_status", "Status of one order", {"type": "object"})
    out = b.complete([Message("user", "where is O0000007")], tools=[tool])
    assert out.finish_reason == "tool_calls" and out.text == ""
    assert out.tool_calls[0].name == "order_status"
    assert out.tool_calls[0].arguments == {"order_id": "O0000007"}
    assert fake_openai.requests[0]["body"]["tools"][0]["function"]["name"] == "order_status"


def test_tool_call_with_broken_arguments_is_an_error(fake_openai):
    call = {"id": "c", "type": "function", "function": {"name": "x", "arguments": "{oops"}}
    fake_openai.script.append({"json": fake_openai.chat(None, tool_calls=[call])})
    b, _ = _backend(fake_openai)
    with pytest.raises(LLMError, match="not JSON"):
        b.complete([Message("user", "q")])


def test_json_schema_output_parsed_checked_and_malformed_rejected(fake_openai):
    schema = {
        "type": "object",
        "required": ["subject", "body"],
        "properties": {"subject": {"type": "string"}, "body": {"type": "string"}},
    }
    fake_openai.script += [
        {"json": fake_openai.chat('{"subject": "Hi", "body": "Sale"}')},
        {"json": fake_openai.chat('{"subject": "Hi", "body": ')},
        {"json": fake_openai.chat('{"subject": 3, "body": "x"}')},
    ]
    b, _ = _backend(fake_openai)
    out = b.complete([Message("user", "write")], schema=schema)
    assert out.data == {"subject": "Hi", "body": "Sale"}
    rf = fake_openai.requests[0]["body"]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["schema"] == schema
    with pytest.raises(LLMError, match="not valid JSON"):
        b.complete([Message("user", "write")], schema=schema)
    with pytest.raises(LLMError, match=r"\$\.subject: expected string"):
        b.complete([Message("user", "write")], schema=schema)


def test_malformed_http_body_is_an_error(fake_openai):
    fake_openai.script.append({"raw": "<html>proxy error</html>"})
    b, _ = _backend(fake_openai)
    with pytest.raises(LLMError, match="not a chat completion"):
        b.complete([Message("user", "q")])


def test_429_and_500_are_retried_with_backoff_and_retry_after(fake_openai):
    fake_openai.script += [
        {"status": 429, "json": {"error": "slow down"}, "headers": {"Retry-After": "0.1"}},
        {"status": 500, "json": {"error": "boom"}},
        {"json": fake_openai.chat("finally")},
    ]
    b, waits = _backend(fake_openai)
    assert b.complete([Message("user", "q")]).text == "finally"
    assert len(fake_openai.requests) == 3
    assert waits == [0.1, 0.25 * 2]  # Retry-After wins, then exponential backoff


def test_retries_run_out_and_4xx_is_not_retried(fake_openai):
    fake_openai.script += [{"status": 503, "json": {}}] * 3
    b, waits = _backend(fake_openai)
    with pytest.raises(LLMError, match="HTTP 503"):
        b.complete([Message("user", "q")])
    assert len(fake_openai.requests) == 3 and waits == [0.25, 0.5]
    fake_openai.script.append({"status": 401, "json": {"error": "bad key"}})
    with pytest.raises(LLMError, match="HTTP 401"):
        b.complete([Message("user", "q")])
    assert len(fake_openai.requests) == 4


def test_timeout_is_retried_then_answers(fake_openai):
    late, ok = fake_openai.chat("late"), fake_openai.chat("ok")
    fake_openai.script += [{"sleep": 1.0, "json": late}, {"json": ok}]
    b, waits = _backend(fake_openai, timeout_s=0.3)
    assert b.complete([Message("user", "q")]).text == "ok"
    assert waits == [0.25]


def test_unreachable_endpoint_names_the_setting():
    b = OpenAICompatibleBackend("http://127.0.0.1:9/v1", "m", max_retries=1, sleep=lambda s: None)
    with pytest.raises(LLMError, match="SHOPLENS_LLM_BASE_URL"):
        b.complete([Message("user", "q")])


def test_streaming_sse_yields_deltas_and_meters_usage(fake_openai):
    chunks = [
        {"choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"content": "Your order "}}]},
        {"choices": [{"delta": {"content": "has shipped."}}]},
        {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 4}},
        "[DONE]",
    ]
    fake_openai.script.append({"sse": chunks})
    b, _ = _backend(fake_openai)
    pieces = list(b.stream([Message("user", "q")]))
    assert pieces == ["Your order ", "has shipped."]
    assert fake_openai.requests[0]["body"]["stream"] is True
    assert b.meter.total.prompt_tokens == 7 and b.meter.total.completion_tokens == 4


def test_streaming_broken_event_is_an_error(fake_openai):
    fake_openai.script.append({"sse": [{"choices": [{"delta": {"content": "a"}}]}, "{nope"]})
    b, _ = _backend(fake_openai)
    with pytest.raises(LLMError, match="broken event"):
        list(b.stream([Message("user", "q")]))


def test_settings_build_the_backend(monkeypatch, fake_openai):
    from shoplens.llm import get_backend
    from shoplens.llm.settings import LLMSettings

    s = LLMSettings(base_url=fake_openai.url, model="m2", api_key="k", prompt_price=1.0)
    b = get_backend("openai", settings=s)
    fake_openai.script.append({"json": fake_openai.chat("x", usage=(2000, 0))})
    assert b.complete([Message("user", "q")]).usage.cost == pytest.approx(2.0)
    assert fake_openai.requests[0]["body"]["model"] == "m2"
