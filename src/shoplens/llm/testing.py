"""A scripted OpenAI-compatible server on loopback, for tests and integration checks.

A real HTTP server (``http.server`` in a thread) that answers ``POST .../chat/completions``
with the replies queued in ``script`` and keeps every request body, so a backend (or the
assistant) can be driven through tool calls, streaming, malformed bodies, timeouts and
429/500 retries without a model or the network.

Examples
--------
>>> server = FakeOpenAI()
>>> server.script.append({"json": chat_reply("hi")})
>>> from shoplens.llm import Message
>>> from shoplens.llm.openai_compatible import OpenAICompatibleBackend
>>> OpenAICompatibleBackend(server.url, "m").complete([Message("user", "q")]).text
'hi'
>>> server.close()
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI", "chat_reply"]


class FakeOpenAI:
    """Replies popped from ``script``, one per request; every request body is kept.

    A reply is a dict: ``{"status": 200, "json": {...}}``, ``{"sse": [chunks...]}``,
    ``{"raw": "text"}``, ``{"sleep": seconds, ...}`` (delay first) or with ``headers``.
    """

    def __init__(self) -> None:
        self.script: list[dict] = []
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                n = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(n) or b"{}")
                fake.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("authorization")}
                )
                reply = fake.script.pop(0) if fake.script else {"status": 500, "raw": "empty"}
                if reply.get("sleep"):
                    time.sleep(reply["sleep"])
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply)

            def _send(self, reply):
                status = reply.get("status", 200)
                if "sse" in reply:
                    self.send_response(status)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    for chunk in reply["sse"]:
                        line = chunk if isinstance(chunk, str) else json.dumps(chunk)
                        self.wfile.write(f"data: {line}\n\n".encode())
                        self.wfile.flush()
                    return
                data = (
                    reply["raw"].encode()
                    if "raw" in reply
                    else json.dumps(reply.get("json", {})).encode()
                )
                self.send_response(status)
                for k, v in reply.get("headers", {}).items():
                    self.send_header(k, v)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @staticmethod
    def chat(*args, **kwargs):
        """A chat-completion body, see :func:`chat_reply`."""
        return chat_reply(*args, **kwargs)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chat_reply(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    usage: tuple[int, int] = (10, 5),
    model: str = "fake-1",
) -> dict[str, Any]:
    """A chat-completion body as OpenAI sends it."""
    msg = {"role": "assistant", "content": content}
    if tool_calls:
        msg["tool_calls"] = tool_calls
    return {
        "id": "c1",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {"index": 0, "message": msg, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]},
    }
