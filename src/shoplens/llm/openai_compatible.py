"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, hosted APIs).

``POST {base_url}/chat/completions`` with httpx: tool calls, JSON-schema output
(``response_format``), server-sent-event streaming, a per-request timeout, retries with
exponential backoff on timeouts, connection errors, 429 and 5xx (a ``Retry-After``
header is honoured), and token accounting from the ``usage`` the server reports.

Examples
--------
>>> backend = OpenAICompatibleBackend("http://127.0.0.1:9/v1", "m", max_retries=0,
...                                   timeout_s=0.5)
>>> backend.remote, backend.model
(True, 'm')
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from shoplens.errors import require
from shoplens.llm.base import (
    Completion,
    LLMBackend,
    LLMError,
    Message,
    ToolCall,
    ToolSpec,
    Usage,
    UsageMeter,
    parse_json_reply,
)

__all__ = ["OpenAICompatibleBackend"]

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class OpenAICompatibleBackend(LLMBackend):
    """Chat completions over HTTP.

    Parameters
    ----------
    base_url
        The API root, e.g. ``http://127.0.0.1:11434/v1`` (Ollama) or ``http://host:8000/v1``.
    model
        The model name the endpoint serves.
    api_key
        Sent as ``Authorization: Bearer ...`` when given.
    timeout_s
        Timeout of each request (connect, read, write).
    max_retries, backoff_s
        Retries after the first try, waiting ``backoff_s * 2**attempt`` seconds.
    meter
        Usage meter (token prices); a new free one by default.
    sleep
        The waiting function (tests pass a recorder).
    """

    name = "openai"
    remote = True

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        meter: UsageMeter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(model, meter)
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: Any = None) -> OpenAICompatibleBackend:
        """Build from :class:`~shoplens.llm.settings.LLMSettings` (the environment)."""
        from shoplens.llm.settings import get_llm_settings

        s = settings or get_llm_settings()
        key = s.api_key.get_secret_value() if s.api_key is not None else None
        return cls(
            s.base_url,
            s.model,
            api_key=key,
            timeout_s=s.timeout_s,
            max_retries=s.max_retries,
            backoff_s=s.backoff_s,
            meter=UsageMeter(s.prompt_price, s.completion_price),
        )

    # -- HTTP -------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def _payload(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] | None,
        schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int | None,
        stream: bool,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.to_openai() for m in messages],
            "temperature": temperature,
        }
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if tools:
            body["tools"] = [t.to_openai() for t in tools]
        if schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _wait(self, attempt: int, response: Any = None) -> None:
        delay = self.backoff_s * (2**attempt)
        if response is not None:
            try:
                after = float(response.headers.get("retry-after", ""))
                if 0 <= after < 60:
                    delay = after
            except ValueError:
                pass
        self.sleep(delay)

    def _request(self, body: dict[str, Any], stream: bool) -> Any:
        """POST with retries; returns an open httpx response (caller closes it)."""
        httpx = require("httpx", "llm")
        client = httpx.Client(timeout=self.timeout_s)
        url = f"{self.base_url}/chat/completions"
        last = ""
        try:
            for attempt in range(self.max_retries + 1):
                try:
                    req = client.build_request("POST", url, json=body, headers=self._headers())
                    resp = client.send(req, stream=stream)
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    last = f"{type(exc).__name__}: {exc}"
                    if attempt < self.max_retries:
                        self._wait(attempt)
                        continue
                    raise LLMError(
                        f"the LLM endpoint {self.base_url} did not answer after "
                        f"{attempt + 1} tries ({last}); check SHOPLENS_LLM_BASE_URL"
                    ) from None
                if resp.status_code == 200:
                    resp._shoplens_client = client  # closed with the response
                    return resp
                resp.read()
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                resp.close()
                if resp.status_code in RETRY_STATUS and attempt < self.max_retries:
                    self._wait(attempt, resp)
                    continue
                raise LLMError(
                    f"the LLM endpoint {self.base_url} refused the request ({last})"
                    + ("" if resp.status_code in RETRY_STATUS else "; check the model and key")
                )
        except BaseException:
            client.close()
            raise
        raise LLMError(f"the LLM endpoint failed: {last}")  # pragma: no cover

    @staticmethod
    def _close(resp: Any) -> None:
        resp.close()
        client = getattr(resp, "_shoplens_client", None)
        if client is not None:
            client.close()

    # -- API --------------------------------------------------------------------------
    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion (see :meth:`LLMBackend.complete`)."""
        body = self._payload(messages, tools, schema, temperature, max_tokens, stream=False)
        resp = self._request(body, stream=False)
        try:
            resp.read()
            try:
                data = resp.json()
                choice = data["choices"][0]
                msg = choice["message"]
            except (ValueError, KeyError, IndexError, TypeError):
                raise LLMError(
                    f"the LLM endpoint answered something that is not a chat completion: "
                    f"{resp.text[:200]!r}"
                ) from None
        finally:
            self._close(resp)
        calls = tuple(_tool_call(c) for c in msg.get("tool_calls") or [])
        u = data.get("usage") or {}
        usage = self.meter.add(
            Usage(int(u.get("prompt_tokens", 0)), int(u.get("completion_tokens", 0)))
        )
        text = msg.get("content") or ""
        parsed = parse_json_reply(text, schema) if schema is not None and not calls else None
        return Completion(
            text=text,
            model=str(data.get("model") or self.model),
            usage=usage,
            tool_calls=calls,
            finish_reason=str(choice.get("finish_reason") or "stop"),
            data=parsed,
        )

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Yield content deltas of a server-sent-event stream; usage is metered at the end."""
        body = self._payload(messages, None, None, temperature, max_tokens, stream=True)
        resp = self._request(body, stream=True)
        usage = Usage()
        try:
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                chunk = line[5:].strip()
                if chunk == "[DONE]":
                    break
                try:
                    data = json.loads(chunk)
                except json.JSONDecodeError:
                    raise LLMError(f"the LLM stream sent a broken event: {chunk[:100]!r}") from None
                if data.get("usage"):
                    u = data["usage"]
                    usage = Usage(
                        int(u.get("prompt_tokens", 0)), int(u.get("completion_tokens", 0))
                    )
                for choice in data.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        finally:
            self._close(resp)
            self.meter.add(usage)


def _tool_call(raw: dict[str, Any]) -> ToolCall:
    fn = raw.get("function") or {}
    args = fn.get("arguments") or "{}"
    try:
        parsed = json.loads(args) if isinstance(args, str) else dict(args)
    except (json.JSONDecodeError, TypeError, ValueError):
        raise LLMError(
            f"the model called {fn.get('name')!r} with arguments that are not JSON"
        ) from None
    if not isinstance(parsed, dict):
        raise LLMError(f"the model called {fn.get('name')!r} with non-object arguments")
    return ToolCall(id=str(raw.get("id") or ""), name=str(fn.get("name") or ""), arguments=parsed)
