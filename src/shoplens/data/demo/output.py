"""Write the demo tables as Parquet with the canonical Arrow types, deterministically.

Examples
--------
>>> arrow_type("timestamp('UTC')")
TimestampType(timestamp[us, tz=UTC])
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shoplens.data.schema import TABLES

_TYPES = {
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "boolean": pa.bool_(),
    "timestamp('UTC')": pa.timestamp("us", tz="UTC"),
}


def arrow_type(ibis_type: str) -> pa.DataType:
    """The Arrow type a canonical column is written with.

    Examples
    --------
    >>> arrow_type("float64")
    DataType(double)
    """
    return _TYPES[ibis_type]


def _column(values, typ: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(typ):
        arr = np.asarray(values)
        if arr.dtype.kind in "iu":  # int64 ns since the epoch
            mask = arr == np.iinfo(np.int64).min  # null marker
            return pa.array(arr // 1000, type=pa.int64(), mask=mask).cast(typ)
        return pa.array(pd.to_datetime(arr, utc=True), type=typ)
    if pa.types.is_string(typ):
        return pa.array([None if v is None or v is np.nan else str(v) for v in values], type=typ)
    return pa.array(np.asarray(values), type=typ, from_pandas=True)


def write_canonical(frame: pd.DataFrame, table: str, path: Path) -> Path:
    """Write ``frame`` as the canonical ``table``: every column, in order, with its type.

    Timestamp columns may hold int64 nanoseconds since the epoch (UTC).
    """
    spec = TABLES[table]
    arrays = [_column(frame[c].to_numpy(), arrow_type(t)) for c, t in spec.columns.items()]
    tbl = pa.Table.from_arrays(arrays, names=list(spec.columns))
    pq.write_table(tbl, path, compression="zstd")
    return path


def write_plain(frame: pd.DataFrame, path: Path, ts_columns: tuple[str, ...] = ()) -> Path:
    """Write a ground-truth frame (no pandas metadata, so files are byte-stable)."""
    arrays, names = [], []
    for c in frame.columns:
        v = frame[c].to_numpy()
        if c in ts_columns:
            arrays.append(_column(v, pa.timestamp("us", tz="UTC")))
        elif v.dtype == object:
            arrays.append(_column(v, pa.string()))
        else:
            arrays.append(pa.array(v, from_pandas=True))
        names.append(c)
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path, compression="zstd")
    return path


def write_json(obj: dict, path: Path) -> Path:
    """Write ``obj`` as stable, readable UTF-8 JSON."""
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")  # fmt: skip
    return path
