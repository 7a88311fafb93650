"""Helpers of the routes: JSON-safe rows, pages of an Ibis table."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from shoplens.service.errors import ApiError


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (timestamps as ISO text, NaN as null)."""

    def safe(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, pd.Timestamp | pd.Timedelta):
            return None if pd.isna(v) else v.isoformat()
        if hasattr(v, "isoformat"):
            return v.isoformat()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if hasattr(v, "item"):  # numpy scalars
            v = v.item()
            return None if isinstance(v, float) and not math.isfinite(v) else v
        if isinstance(v, list | tuple):
            return [safe(x) for x in v]
        if isinstance(v, dict):
            return {k: safe(x) for k, x in v.items()}
        try:
            if pd.isna(v):
                return None
        except (TypeError, ValueError):
            pass
        return v

    return [{k: safe(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def page(expr: Any, limit: int, offset: int) -> dict[str, Any]:
    """``{total, limit, offset, items}`` of an ordered Ibis table."""
    total = int(expr.count().execute())
    rows = expr.limit(limit, offset=offset).execute()
    return {"total": total, "limit": limit, "offset": offset, "items": records(rows)}


def stored(con: Any, name: str, how: str) -> Any:
    """The stored table ``name``, or 404 saying how to compute it."""
    if name not in con.list_tables():
        raise ApiError(404, f"{name} is not computed yet: {how}", "not_computed")
    return con.table(name)
