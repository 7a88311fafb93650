"""A grounded, bilingual customer-service assistant on the LLM layer (:mod:`shoplens.llm`).

Answers come from the shop's policy documents (hybrid BM25 + e5 retrieval), the catalog
and the signed-in customer's own orders (tools), are verified claim by claim against the
cited sources, and go to a human agent on request, complaint, strong negative sentiment
or repeated failure. See ``docs/assistant.md``.

Examples
--------
>>> from shoplens.guidance.assistant import Assistant
>>> Assistant.__name__
'Assistant'
"""

from __future__ import annotations

from shoplens.guidance.assistant.assistant import Assistant
from shoplens.guidance.assistant.dialogue import Conversation, Handoff, Turn
from shoplens.guidance.assistant.kb import KnowledgeBase, load_kb
from shoplens.guidance.assistant.policy import Policy
from shoplens.guidance.assistant.verify import Source, Verdict, verify

__all__ = [
    "Assistant",
    "Conversation",
    "Handoff",
    "KnowledgeBase",
    "Policy",
    "Source",
    "Turn",
    "Verdict",
    "load_kb",
    "verify",
]
