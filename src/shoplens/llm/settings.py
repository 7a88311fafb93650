"""LLM settings, read from the environment (prefix ``SHOPLENS_LLM_``).

Examples
--------
>>> s = LLMSettings(base_url="http://127.0.0.1:8000/v1", model="qwen2.5")
>>> s.backend, s.allow_pii_remote
('none', False)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LLMSettings", "get_llm_settings"]


class LLMSettings(BaseSettings):
    """Which backend the assistant (and later campaigns) use, and how to reach it.

    Attributes
    ----------
    backend
        ``none`` (deterministic, no model), ``openai`` (any OpenAI-compatible endpoint)
        or ``local`` (a GGUF file run in-process by transformers).
    base_url, model, api_key
        The endpoint (``.../v1``), the model name it serves and its key (if any).
    timeout_s, max_retries, backoff_s
        Per-request timeout; retries on timeouts, 429 and 5xx with exponential backoff
        starting at ``backoff_s`` (a ``Retry-After`` header wins when shorter than 60 s).
    prompt_price, completion_price
        Cost per 1,000 prompt / completion tokens, for the usage meter.
    gguf_path
        The GGUF file of the local backend.
    allow_pii_remote
        Send text with personal data to a remote endpoint unredacted (default: redact).
    """

    model_config = SettingsConfigDict(env_prefix="SHOPLENS_LLM_")

    backend: Literal["none", "openai", "local"] = "none"
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "default"
    api_key: SecretStr | None = None
    timeout_s: float = 30.0
    max_retries: int = 3
    backoff_s: float = 0.5
    prompt_price: float = 0.0
    completion_price: float = 0.0
    gguf_path: Path | None = None
    max_new_tokens: int = 256
    allow_pii_remote: bool = False


@lru_cache(maxsize=1)
def get_llm_settings() -> LLMSettings:
    """The process-wide LLM settings (read from the environment once)."""
    return LLMSettings()
