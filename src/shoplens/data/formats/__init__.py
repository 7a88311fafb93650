"""Adapters for public dataset layouts (``shoplens ingest --mapping NAME``).

An adapter turns a file in a known public layout into canonical rows. It never drops or
reorders rows: :meth:`Adapter.map` returns exactly one canonical row per raw row (same
index), leaving values it cannot read as they are so that validation quarantines them
with a reason. Rows of other tables that the layout implies (the customers, items and
order headers behind a line-item file) come back in :attr:`Mapped.derived`, each with a
``_row`` column naming the raw row it came from.

Examples
--------
>>> sorted(ADAPTERS)  # doctest: +SKIP
['amazon_reviews_2023', 'cdnow', 'olist', 'retailrocket', 'uci_online_retail']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from shoplens.errors import InputError, SchemaError


@dataclass
class Mapped:
    """What an adapter made of a raw frame."""

    #: one row per raw row, same index, canonical column names of the target table
    frame: pd.DataFrame
    #: other canonical tables implied by the rows, each with a ``_row`` column
    derived: dict[str, pd.DataFrame] = field(default_factory=dict)


class Adapter:
    """Base class of a public-layout adapter.

    Subclasses set :attr:`name`, :attr:`tables` (canonical tables the layout can fill,
    the default first) and :attr:`source_columns` (raw columns each table needs), and
    implement :meth:`map`. They may override :meth:`read` for layouts that are not
    plain csv / parquet / jsonl / xlsx.
    """

    name: ClassVar[str] = ""
    tables: ClassVar[tuple[str, ...]] = ()
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: timezone of naive timestamps in this layout
    timezone: ClassVar[str] = "UTC"

    def read(self, path: Path, fmt: str) -> pd.DataFrame:
        """Read the raw file (all columns as strings where the format allows)."""
        from shoplens.data.readers import read_frame

        return read_frame(path, fmt)

    def check(self, raw: pd.DataFrame, table: str) -> None:
        """Raise :class:`SchemaError` listing the raw columns the layout needs but lacks."""
        if table not in self.tables:
            raise InputError(f"mapping {self.name!r} fills {', '.join(self.tables)}, not {table!r}")
        missing = [c for c in self.source_columns.get(table, ()) if c not in raw.columns]
        if missing:
            raise SchemaError(
                f"{self.name} layout for {table} needs column(s) missing from the file: "
                + ", ".join(missing)
            )

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:  # pragma: no cover - abstract
        raise NotImplementedError


ADAPTERS: dict[str, Adapter] = {}


def register(adapter_cls: type[Adapter]) -> type[Adapter]:
    """Class decorator adding an adapter to :data:`ADAPTERS`."""
    ADAPTERS[adapter_cls.name] = adapter_cls()
    return adapter_cls


def get_adapter(name: str) -> Adapter:
    """Return the adapter called ``name`` or raise a readable error."""
    _load_builtin()
    try:
        return ADAPTERS[name]
    except KeyError:
        raise InputError(
            f"unknown mapping {name!r}; choose one of: {', '.join(sorted(ADAPTERS))}"
        ) from None


def _load_builtin() -> None:
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def local_to_utc(values: pd.Series, timezone: str, formats: tuple[str, ...]) -> pd.Series:
    """Parse naive local date strings with the first format that fits, as UTC timestamps.

    Values no format reads stay as they are (so validation names them). Ambiguous
    local times (the hour clocks go back) are read as standard time; times that do not
    exist (the hour clocks go forward) are shifted forward.

    Examples
    --------
    >>> local_to_utc(pd.Series(["2010-06-01 08:00:00", "soon"]), "Europe/London",
    ...              ("%Y-%m-%d %H:%M:%S",)).astype(str).tolist()
    ['2010-06-01 07:00:00+00:00', 'soon']
    """
    text = values.where(values.isna(), values.astype(str).str.strip())
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    utc = parsed.dt.tz_localize(
        timezone, ambiguous=np.zeros(len(parsed), dtype=bool), nonexistent="shift_forward"
    ).dt.tz_convert("UTC")
    if utc.notna().sum() == values.notna().sum():
        return utc  # all read: a datetime column (validation takes its fast path)
    return utc.astype(object).where(utc.notna(), values)


def timestamps_only(ts: pd.Series) -> pd.Series:
    """The timestamps of a column that may also hold unreadable raw values (as NaT)."""
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        return ts
    return pd.to_datetime(ts.where(ts.map(lambda v: isinstance(v, pd.Timestamp))), utc=True)
