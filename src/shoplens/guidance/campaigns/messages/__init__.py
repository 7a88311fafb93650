"""Messages: copy per customer through the LLM layer, templates by default, checked and kept.

Examples
--------
>>> from shoplens.guidance.campaigns.messages import LIMITS
>>> LIMITS["sms"]["zh"]
70
"""

from __future__ import annotations

from shoplens.guidance.campaigns.messages.checks import (
    BANNED_CLAIMS,
    LIMITS,
    allowed_numbers,
    check_message,
    numbers_in,
)
from shoplens.guidance.campaigns.messages.templates import TEMPLATES, render
from shoplens.guidance.campaigns.messages.writer import (
    MESSAGES_TABLE,
    build_prompt,
    store_messages,
    write_messages,
)

__all__ = [
    "BANNED_CLAIMS",
    "LIMITS",
    "MESSAGES_TABLE",
    "TEMPLATES",
    "allowed_numbers",
    "build_prompt",
    "check_message",
    "numbers_in",
    "render",
    "store_messages",
    "write_messages",
]
