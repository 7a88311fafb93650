"""``shoplens text ...``: the same commands as ``shoplens insight text ...``."""

from __future__ import annotations

from shoplens.cli.insight import text_app as app

__all__ = ["app"]
