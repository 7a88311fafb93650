"""A scripted OpenAI-compatible server on loopback (a real HTTP server in a thread)."""

from __future__ import annotations

import pytest

from shoplens.llm.testing import FakeOpenAI


@pytest.fixture
def fake_openai():
    server = FakeOpenAI()
    yield server
    server.close()
