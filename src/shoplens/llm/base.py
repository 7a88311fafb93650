"""The one small LLM interface every backend implements, and its message types.

A backend turns a list of :class:`Message` into a :class:`Completion` (text, tool calls,
token usage), optionally constrained to a JSON schema, or streams the text in pieces.
:class:`UsageMeter` adds up tokens and cost over calls.

Examples
--------
>>> from shoplens.llm.none import NoLLMBackend
>>> out = NoLLMBackend().complete([Message("user", "hi")])
>>> out.usage.total_tokens >= 0
True
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from shoplens.errors import ShopLensError

__all__ = [
    "Completion",
    "LLMBackend",
    "LLMError",
    "Message",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "UsageMeter",
    "check_schema",
]

Role = Literal["system", "user", "assistant", "tool"]


class LLMError(ShopLensError):
    """An LLM endpoint or model that failed, timed out or answered something unusable."""


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for: an id, the tool's name and its JSON arguments."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: name, description and a JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})

    def to_openai(self) -> dict[str, Any]:
        """The tool in the OpenAI ``tools`` format."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


@dataclass(frozen=True)
class Message:
    """One chat message; ``tool`` messages carry a ``tool_call_id`` and JSON content."""

    role: Role
    content: str
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()

    def to_openai(self) -> dict[str, Any]:
        """The message in the OpenAI chat format."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name:
            out["name"] = self.name
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": json.dumps(c.arguments, ensure_ascii=False),
                    },
                }
                for c in self.tool_calls
            ]
        return out


@dataclass
class Usage:
    """Tokens of one call (or a sum of calls) and their cost in the configured currency."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost + other.cost,
        )


@dataclass
class Completion:
    """What a backend answered: text, tool calls, usage, the model, why it stopped.

    ``data`` holds the parsed JSON object when a schema was asked for.
    """

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    data: Any = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class UsageMeter:
    """Adds up the usage of calls; prices are per 1,000 prompt and completion tokens.

    Examples
    --------
    >>> meter = UsageMeter(prompt_price=0.5, completion_price=1.0)
    >>> meter.add(Usage(1000, 500)).cost
    1.0
    >>> meter.total.total_tokens, meter.calls
    (1500, 1)
    """

    def __init__(self, prompt_price: float = 0.0, completion_price: float = 0.0) -> None:
        self.prompt_price = prompt_price
        self.completion_price = completion_price
        self.total = Usage()
        self.calls = 0

    def add(self, usage: Usage) -> Usage:
        """Price ``usage``, add it to the total and return it priced."""
        prompt = usage.prompt_tokens * self.prompt_price
        usage.cost = (prompt + usage.completion_tokens * self.completion_price) / 1000.0
        self.total = self.total + usage
        self.calls += 1
        return usage


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def check_schema(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Check ``value`` against the subset of JSON Schema used for structured output.

    Types, ``required``, ``properties``, ``items`` and ``enum`` are checked; anything
    else is ignored. A mismatch raises :class:`LLMError` naming the path.

    Examples
    --------
    >>> check_schema({"a": 1}, {"type": "object", "required": ["a"],
    ...                         "properties": {"a": {"type": "integer"}}})
    >>> check_schema({"a": "x"}, {"type": "object", "properties": {"a": {"type": "integer"}}})
    Traceback (most recent call last):
    ...
    shoplens.llm.base.LLMError: $.a: expected integer, got str
    """
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if kinds:
        ok = any(
            isinstance(value, _TYPES[k]) and not (k in ("integer", "number") and value is True)
            for k in kinds
            if k in _TYPES
        )
        if not ok or (isinstance(value, bool) and "boolean" not in kinds):
            raise LLMError(f"{path}: expected {'/'.join(kinds)}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        raise LLMError(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                raise LLMError(f"{path}: missing required key {key!r}")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check_schema(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            check_schema(item, schema["items"], f"{path}[{i}]")


class LLMBackend(ABC):
    """A chat model: ``complete`` answers, ``stream`` yields the answer in pieces.

    Attributes
    ----------
    name
        The backend's kind (``none``, ``openai``, ``local``).
    model
        The model it runs.
    remote
        Whether messages leave the machine (then PII is redacted unless allowed).
    meter
        The :class:`UsageMeter` of every call made through it.
    """

    name: str = "base"
    remote: bool = False

    def __init__(self, model: str, meter: UsageMeter | None = None) -> None:
        self.model = model
        self.meter = meter or UsageMeter()

    @abstractmethod
    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """Answer ``messages``; with ``schema``, ``Completion.data`` is the parsed object."""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Yield the answer in pieces (default: the whole answer at once)."""
        yield self.complete(messages, temperature=temperature, max_tokens=max_tokens).text


def parse_json_reply(text: str, schema: dict[str, Any] | None) -> Any:
    """Parse a model's JSON answer (``` fences allowed) and check it against ``schema``.

    Examples
    --------
    >>> parse_json_reply('```json\\n{"a": 1}\\n```', None)
    {'a': 1}
    """
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LLMError(f"the model's answer is not valid JSON ({exc.msg} at {exc.pos})") from None
    if schema is not None:
        check_schema(value, schema)
    return value
