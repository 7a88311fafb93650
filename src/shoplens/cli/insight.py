"""``shoplens insight ...``: what customers say; ``text`` is :mod:`shoplens.cli.text`."""

from __future__ import annotations

from shoplens.cli import part_app
from shoplens.cli.text import app as text_app

app = part_app("Insight: what customers say (text models); forecasts and trend alerts are coming.")
app.add_typer(text_app, name="text")
