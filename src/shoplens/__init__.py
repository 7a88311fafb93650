"""ShopLens: customer intelligence for e-commerce on an embedded warehouse.

Public API (imported lazily so that ``import shoplens`` stays fast):

>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> "events" in con.list_tables()
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "connect": "shoplens.warehouse",
    "get_settings": "shoplens.settings",
    "Settings": "shoplens.settings",
    "ShopLensError": "shoplens.errors",
    "InputError": "shoplens.errors",
    "SchemaError": "shoplens.errors",
    "DependencyError": "shoplens.errors",
    "TABLES": "shoplens.data.schema",
    "ingest_file": "shoplens.data.ingest",
    "Reconciliation": "shoplens.data.ingest",
    "generate_demo": "shoplens.data.demo",
    "run_pipeline": "shoplens.pipeline",
    "build_report": "shoplens.report",
}

__all__ = [  # noqa: RUF022 - grouped by part
    "__version__",
    "connect",
    "get_settings",
    "Settings",
    "ShopLensError",
    "InputError",
    "SchemaError",
    "DependencyError",
    "TABLES",
    "ingest_file",
    "Reconciliation",
    "generate_demo",
    "run_pipeline",
    "build_report",
]

if TYPE_CHECKING:  # pragma: no cover
    from shoplens.data.demo import generate_demo
    from shoplens.data.ingest import Reconciliation, ingest_file
    from shoplens.data.schema import TABLES
    from shoplens.errors import DependencyError, InputError, SchemaError, ShopLensError
    from shoplens.pipeline import run_pipeline
    from shoplens.report import build_report
    from shoplens.settings import Settings, get_settings
    from shoplens.warehouse import connect


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shoplens' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
