"""``python -m shoplens.cli``."""

from shoplens.cli import app

app()
