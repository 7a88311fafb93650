"""What a tool returns: the facts, the source id to cite and a templated summary.

Examples
--------
>>> ToolResult("t", "order:O1", {"status": "shipped"}, "Order O1 is shipped [order:O1].").found
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ToolResult"]


@dataclass
class ToolResult:
    """What a tool found: its name, the source id to cite, the facts and a summary."""

    tool: str
    source: str
    data: dict[str, Any]
    summary: str
    policy: list[str] = field(default_factory=list)
    found: bool = True

    def content(self) -> str:
        """The JSON a model (and the no-LLM backend) reads."""
        return json.dumps(
            {"source": self.source, "data": self.data, "summary": self.summary},
            ensure_ascii=False,
            default=str,
        )
