"""Validate and coerce a frame to a canonical table; name what is wrong with each bad row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.schema import TableSpec

#: column of a raw frame whose value, when present, is itself the reason to quarantine
ERROR_COLUMN = "_error"


@dataclass
class Validated:
    """The rows that fit the table (coerced) and the reasons of those that do not."""

    good: pd.DataFrame
    #: index: the raw row labels that failed; value: the reason
    reasons: pd.Series


def _add(reasons: pd.Series, mask: pd.Series | np.ndarray, text) -> pd.Series:
    """Append ``text`` to the reasons of the rows in ``mask``.

    ``text``: one string, a series of texts, or a function of the mask returning the
    texts of those rows only (so a message is built for the bad rows, not for all).
    """
    mask = pd.Series(mask, index=reasons.index).fillna(False).astype(bool)
    if not mask.any():
        return reasons
    if callable(text):
        text = text(mask)
    new = text[mask] if isinstance(text, pd.Series) else pd.Series(text, index=reasons.index)[mask]
    cur = reasons[mask]
    reasons.loc[mask] = cur.where(cur.isna(), cur + "; " + new).fillna(new)
    return reasons


def _quoting(prefix: str, raw: pd.Series):
    """The texts ``prefix + 'value'`` of the masked rows of ``raw`` (see :func:`_add`)."""
    return lambda mask: prefix + raw[mask].map(_short).astype("string")


def _short(value: object) -> str:
    s = str(value)
    return repr(s if len(s) <= 40 else s[:37] + "...")


def parse_timestamps(values: pd.Series, timezone: str = "UTC") -> pd.Series:
    """Parse values to UTC timestamps; naive values are read in ``timezone``.

    Unparseable values become ``NaT``. Already tz-aware datetimes are converted.

    Examples
    --------
    >>> s = pd.Series(["2024-01-01 08:00", "2024-01-01T08:00:00+08:00", "soon", None])
    >>> parse_timestamps(s, "Asia/Shanghai").dt.strftime("%H:%M").tolist()
    ['00:00', '00:00', nan, nan]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localize(values, timezone)
    fast = _parse_iso(values, timezone)
    if fast is not None:
        return fast
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    present = values.notna()
    if not present.any():
        return out
    uniq = pd.unique(values[present])
    parsed: dict[object, pd.Timestamp] = {}
    for v in uniq:
        parsed[v] = _parse_one(v, timezone)
    mapped = pd.to_datetime(values[present].map(parsed), utc=True)
    out[present] = mapped.astype("datetime64[us, UTC]")
    return out


def _parse_iso(values: pd.Series, timezone: str) -> pd.Series | None:
    """Vectorised parse when every value is ISO 8601 with the same tz-awareness, else None."""
    try:
        parsed = pd.to_datetime(values, format="ISO8601", errors="raise")
    except (ValueError, TypeError, OverflowError):
        return None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    if pd.api.types.is_datetime64_dtype(parsed.dtype):
        return _localize(parsed, timezone)
    return None  # mixed offsets come back as objects


def _parse_one(value: object, timezone: str) -> pd.Timestamp:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return pd.NaT
    elif isinstance(value, int | float | np.integer | np.floating):
        return pd.NaT  # bare numbers are not timestamps; adapters convert epochs
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if ts is pd.NaT:
        return pd.NaT
    try:
        if ts.tzinfo is None:
            ts = ts.tz_localize(timezone, ambiguous=False, nonexistent="shift_forward")
        return ts.tz_convert("UTC")
    except Exception:  # nonexistent local times and the like
        return pd.NaT


def _localize(values: pd.Series, timezone: str) -> pd.Series:
    """Read naive times in ``timezone``: a time skipped by a DST change moves forward, and
    one that occurs twice is read as standard time."""
    standard = np.zeros(len(values), dtype=bool)
    local = values.dt.tz_localize(timezone, ambiguous=standard, nonexistent="shift_forward")
    return local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def validate(frame: pd.DataFrame, spec: TableSpec, timezone: str = "UTC") -> Validated:
    """Coerce ``frame`` to ``spec``'s columns and types; return good rows and bad reasons.

    A row is bad when a required value is missing, a value cannot be read as its type
    (a date that is no date, a number that is no number), a number is negative where it
    cannot be, or out of its range. Unknown columns are ignored; missing optional
    columns are filled with nulls.

    Examples
    --------
    >>> from shoplens.data.schema import TABLES
    >>> raw = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", None],
    ...                     "ts": ["2024-01-01", "2024-01-02"], "total": ["9.5", "-1"]})
    >>> v = validate(raw, TABLES["orders"])
    >>> v.good["order_id"].tolist(), v.reasons.tolist()
    (['1'], ['missing customer_id; negative total'])
    """
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    if ERROR_COLUMN in frame.columns:
        err = frame[ERROR_COLUMN]
        reasons = _add(reasons, err.notna(), err.astype("string"))
    out = pd.DataFrame(index=frame.index)
    unreadable: dict[str, pd.Series] = {}
    for col, dtype in spec.columns.items():
        raw = (
            frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        )
        if dtype.startswith("timestamp"):
            parsed = parse_timestamps(raw, timezone)
            bad = raw.notna() & parsed.isna()
            reasons = _add(reasons, bad, _quoting(f"bad timestamp in {col}: ", raw))
            unreadable[col] = bad
            out[col] = parsed
        elif dtype in ("float64", "int64"):
            numeric = pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != bool
            num = raw if numeric else pd.to_numeric(raw.astype(object), errors="coerce")
            num = num.astype("float64")
            num = num.where(np.isfinite(num))
            bad = raw.notna() & num.isna()
            if dtype == "int64":
                frac = num.notna() & (num != np.floor(num))
                bad |= frac
                num = num.where(~frac)
            reasons = _add(reasons, bad, _quoting(f"not a number in {col}: ", raw))
            unreadable[col] = bad
            out[col] = num.astype("Int64") if dtype == "int64" else num
        else:
            txt = raw.where(raw.isna(), raw.astype(str)).astype(object)
            if col.endswith("_id") or col == "type":
                txt = txt.where(txt.isna(), txt.str.strip())
                txt = txt.where(txt != "")
            out[col] = txt
    for col in spec.required:
        missing = out[col].isna()
        if col in unreadable:
            missing &= ~unreadable[col]
        reasons = _add(reasons, missing, f"missing {col}")
    for col in spec.non_negative:
        reasons = _add(reasons, out[col] < 0, f"negative {col}")
    for col, lo, hi in spec.ranges:
        reasons = _add(
            reasons, (out[col] < lo) | (out[col] > hi), f"{col} out of range [{lo:g}, {hi:g}]"
        )
    bad = reasons.notna()
    return Validated(good=out[~bad], reasons=reasons[bad].astype(str))


def content_key(frame: pd.DataFrame, columns: list[str], prefix: str = "") -> pd.Series:
    """A deterministic id per row from the values of ``columns`` (sha1, 20 hex chars).

    Rows equal in those columns get the same id, so an exact repeat counts as a duplicate.

    Examples
    --------
    >>> f = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 1, 2]})
    >>> k = content_key(f, ["a", "b"])
    >>> k[0] == k[1], k[0] == k[2]
    (True, False)
    """
    joined = (
        frame[columns].astype(str).where(frame[columns].notna(), "\x00").agg("\x1f".join, axis=1)
    )
    return prefix + joined.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:20])
