"""Personal data: find and redact phone numbers, e-mails, IDs, bank cards and addresses.

Reused by the assistant (logs, stored messages, text sent to a remote LLM) and later by
campaigns. Chinese resident ID numbers are checked with their ISO 7064 checksum and birth
date, bank cards with the Luhn checksum, so order ids and prices are left alone.

Examples
--------
>>> redact("call 13812345678 or mail li.wei@example.com")
'call [PHONE] or mail [EMAIL]'
"""

from __future__ import annotations

from shoplens.privacy.pii import (
    KINDS,
    PIISpan,
    cn_id_valid,
    find_pii,
    luhn_valid,
    redact,
    redact_value,
)

__all__ = ["KINDS", "PIISpan", "cn_id_valid", "find_pii", "luhn_valid", "redact", "redact_value"]
