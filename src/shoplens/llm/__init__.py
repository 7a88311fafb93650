"""The LLM layer: one small interface, three backends.

* :class:`~shoplens.llm.none.NoLLMBackend`: deterministic templates over tool results;
* :class:`~shoplens.llm.openai_compatible.OpenAICompatibleBackend`: any OpenAI-compatible
  endpoint over HTTP (the production path);
* :class:`~shoplens.llm.local.LocalGGUFBackend`: a GGUF file run in-process.

:func:`get_backend` builds one by name from :class:`~shoplens.llm.settings.LLMSettings`.

Examples
--------
>>> get_backend("none").name
'none'
"""

from __future__ import annotations

from typing import Any

from shoplens.errors import InputError
from shoplens.llm.base import (
    Completion,
    LLMBackend,
    LLMError,
    Message,
    ToolCall,
    ToolSpec,
    Usage,
    UsageMeter,
)
from shoplens.llm.none import NoLLMBackend

__all__ = [
    "BACKENDS",
    "Completion",
    "LLMBackend",
    "LLMError",
    "Message",
    "NoLLMBackend",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "UsageMeter",
    "get_backend",
]

BACKENDS = ("none", "openai", "local")


def get_backend(name: str | None = None, settings: Any = None, **options: Any) -> LLMBackend:
    """The backend called ``name`` (default: ``SHOPLENS_LLM_BACKEND``), from settings.

    ``options`` override settings (``gguf_path=...`` for ``local``).
    """
    from shoplens.llm.settings import get_llm_settings

    s = settings or get_llm_settings()
    name = name or s.backend
    if name == "none":
        return NoLLMBackend()
    if name == "openai":
        from shoplens.llm.openai_compatible import OpenAICompatibleBackend

        return OpenAICompatibleBackend.from_settings(s)
    if name == "local":
        from shoplens.llm.local import LocalGGUFBackend

        path = options.get("gguf_path") or s.gguf_path
        if path is None:
            raise InputError(
                "the local backend needs a GGUF file: set SHOPLENS_LLM_GGUF_PATH or pass --gguf"
            )
        return LocalGGUFBackend(path, max_new_tokens=s.max_new_tokens)
    raise InputError(f"backend must be one of {', '.join(BACKENDS)}, not {name!r}")
