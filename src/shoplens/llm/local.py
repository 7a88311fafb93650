"""A local GGUF chat model run in-process by ``transformers`` (through the ``gguf`` package).

Any GGUF file the user has works (Qwen2.5-0.5B/1.5B-Instruct, SmolLM2, Llama ...): the
weights are de-quantised into a PyTorch model, the chat template comes from the file.
No model ships with ShopLens (docs/decisions/0020-local-llm-runtime.md says why); pass a
path or set ``SHOPLENS_LLM_GGUF_PATH``.

Tool calls are not native here: the assistant decides tools itself and asks a model only
to phrase answers; ``schema`` asks for JSON in the prompt and checks the reply.

Examples
--------
>>> LocalGGUFBackend("/nowhere/model.gguf")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
shoplens.errors.InputError: no GGUF file at /nowhere/model.gguf
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shoplens.errors import InputError, require
from shoplens.llm.base import (
    Completion,
    LLMBackend,
    Message,
    ToolSpec,
    Usage,
    UsageMeter,
    parse_json_reply,
)

__all__ = ["LocalGGUFBackend"]

_LOADED: dict[str, tuple[Any, Any]] = {}


class LocalGGUFBackend(LLMBackend):
    """Run a GGUF chat model with transformers on the CPU.

    Parameters
    ----------
    path
        The ``.gguf`` file.
    max_new_tokens
        Default length limit of an answer.
    threads
        Torch threads (default: torch's choice).
    """

    name = "local"
    remote = False

    def __init__(
        self,
        path: str | Path,
        *,
        max_new_tokens: int = 256,
        threads: int | None = None,
        meter: UsageMeter | None = None,
    ) -> None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise InputError(f"no GGUF file at {p}; pass --gguf PATH or set SHOPLENS_LLM_GGUF_PATH")
        super().__init__(p.name, meter)
        self.path = p
        self.max_new_tokens = max_new_tokens
        self.threads = threads

    def _load(self) -> tuple[Any, Any]:
        key = str(self.path.resolve())
        if key not in _LOADED:
            require("gguf", "llm")
            require("torch", "nlp")
            transformers = require("transformers", "nlp")
            import torch

            if self.threads:
                torch.set_num_threads(self.threads)
            folder, name = str(self.path.parent), self.path.name
            tok = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                folder, gguf_file=name, dtype=torch.float32
            ).eval()
            _LOADED[key] = (model, tok)
        return _LOADED[key]

    def _inputs(self, messages: Sequence[Message], schema: dict[str, Any] | None) -> Any:
        _, tok = self._load()
        chat = [{"role": m.role if m.role != "tool" else "user", "content": m.content}
                for m in messages]  # fmt: skip
        if schema is not None:
            chat.append(
                {
                    "role": "user",
                    "content": "Answer with one JSON object only, matching this JSON schema: "
                    + json.dumps(schema),
                }
            )
        return tok.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """Generate greedily (or sampled when ``temperature > 0``)."""
        import torch

        model, tok = self._load()
        enc = self._inputs(messages, schema)
        n_in = int(enc["input_ids"].shape[1])
        kw: dict[str, Any] = {"max_new_tokens": max_tokens or self.max_new_tokens}
        kw.update({"do_sample": True, "temperature": temperature} if temperature > 0 else
                  {"do_sample": False})  # fmt: skip
        with torch.inference_mode():
            out = model.generate(**enc, **kw, pad_token_id=tok.eos_token_id)
        new = out[0, n_in:]
        text = tok.decode(new, skip_special_tokens=True).strip()
        usage = self.meter.add(Usage(n_in, int(new.shape[0])))
        data = parse_json_reply(text, schema) if schema is not None else None
        return Completion(text=text, model=self.model, usage=usage, data=data)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Yield decoded pieces as they are generated (transformers' text streamer)."""
        transformers = require("transformers", "nlp")
        model, tok = self._load()
        enc = self._inputs(messages, None)
        streamer = transformers.TextIteratorStreamer(
            tok, skip_prompt=True, skip_special_tokens=True
        )
        kw = {
            "max_new_tokens": max_tokens or self.max_new_tokens,
            "do_sample": temperature > 0,
            "streamer": streamer,
            "pad_token_id": tok.eos_token_id,
        }
        if temperature > 0:
            kw["temperature"] = temperature
        worker = threading.Thread(target=model.generate, kwargs={**enc, **kw}, daemon=True)
        worker.start()
        n = 0
        for piece in streamer:
            n += 1
            yield piece
        worker.join()
        self.meter.add(Usage(int(enc["input_ids"].shape[1]), n))
