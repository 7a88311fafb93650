"""Conversation state, turns and the handoff summary.

Examples
--------
>>> c = Conversation("V1", "C000001")
>>> c.remember("customer", "hi", "en"); len(c.history)
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Conversation", "Handoff", "Turn"]


@dataclass
class Handoff:
    """A hand-over to a human agent: why, and a summary the agent reads first."""

    reason: str
    summary: dict[str, Any]


@dataclass
class Turn:
    """One answer of the assistant, with everything needed to audit it.

    Attributes
    ----------
    answer
        The text shown to the customer.
    lang
        Its language (the customer's).
    intent
        What the router understood.
    citations
        Source ids the shown answer cites.
    verifier
        The verdict on the model's answer (or on the deterministic one when no model ran).
    shown
        ``"model"`` or ``"deterministic"``.
    deterministic
        The deterministic answer (always computed; the fallback).
    handoff
        Set when the conversation goes to a human.
    tools
        The tools that ran, with their source ids.
    flags
        ``injection``, ``pii:<kind>``, ``clarify``, ``refused``, ``not_found``...
    timings
        Milliseconds spent in retrieval, tools, generation and verification.
    grounded
        Whether the shown answer passes the verifier against its cited sources.
    """

    answer: str
    lang: str
    intent: str
    citations: list[str]
    verifier: dict[str, Any]
    shown: str
    deterministic: str
    model: str
    handoff: Handoff | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    message_ids: tuple[str, str] = ("", "")
    grounded: bool = True


@dataclass
class Conversation:
    """The memory of one conversation with one signed-in customer."""

    id: str
    customer_id: str
    lang: str = "en"
    history: list[tuple[str, str, str]] = field(default_factory=list)
    pending: str | None = None
    pending_reason: str = "no_reason"
    last_order: str | None = None
    failures: int = 0
    intents: list[str] = field(default_factory=list)
    orders_mentioned: list[str] = field(default_factory=list)
    handed_off: bool = False
    state: dict[str, Any] = field(default_factory=dict)

    def remember(self, role: str, text: str, lang: str) -> None:
        """Add a (redacted) message to the history."""
        self.history.append((role, text, lang))

    def summary(self, reason: str) -> dict[str, Any]:
        """What a human agent needs: who, why, what was asked, which orders."""
        asked = [t for r, t, _ in self.history if r == "customer"]
        return {
            "conversation_id": self.id,
            "customer_id": self.customer_id,
            "lang": self.lang,
            "reason": reason,
            "intents": list(dict.fromkeys(self.intents)),
            "orders": list(dict.fromkeys(self.orders_mentioned)),
            "customer_messages": asked[-5:],
            "turns": len(asked),
            "failed_answers": self.failures,
        }
