"""Read csv / tsv / parquet / jsonl / xlsx files into pandas frames of raw values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shoplens.errors import InputError

FORMATS = ("csv", "tsv", "parquet", "jsonl", "json", "xlsx")

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".xlsx": "xlsx",
}


def detect_format(path: Path, fmt: str | None = None) -> str:
    """Return the format given, or the one the file name implies.

    Examples
    --------
    >>> detect_format(Path("events.csv.gz"))
    'csv'
    >>> detect_format(Path("a.parquet"), "jsonl")
    'jsonl'
    """
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        return fmt
    suffixes = [s for s in path.suffixes if s not in (".gz", ".bz2", ".zip", ".xz", ".zst")]
    if suffixes and suffixes[-1].lower() in _SUFFIXES:
        return _SUFFIXES[suffixes[-1].lower()]
    raise InputError(
        f"cannot tell the format of {path.name}; pass --format with one of: {', '.join(FORMATS)}"
    )


def check_file(path: str | Path) -> Path:
    """Return ``path`` as a :class:`Path` or raise :class:`InputError` if it is not a file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {p}")
    if not p.is_file():
        raise InputError(f"not a file: {p}")
    return p


def read_frame(path: str | Path, fmt: str | None = None) -> pd.DataFrame:
    """Read a file into a frame; text formats keep every value as a string.

    Empty cells become missing values; nothing else is interpreted, so validation sees
    exactly what the file holds.
    """
    p = check_file(path)
    fmt = detect_format(p, fmt)
    try:
        if fmt in ("csv", "tsv"):
            return pd.read_csv(
                p,
                sep="\t" if fmt == "tsv" else ",",
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8",
                encoding_errors="strict",
            )
        if fmt == "parquet":
            return pd.read_parquet(p)
        if fmt == "jsonl":
            return _read_jsonl(p)
        if fmt == "json":
            return pd.read_json(p, dtype=False)
        return pd.read_excel(p, dtype=str, engine="openpyxl")
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(f"{p.name} is not valid UTF-8 (byte {exc.start}): re-encode it") from exc
    except Exception as exc:  # every reader has its own error types
        raise InputError(f"cannot read {p.name} as {fmt}: {str(exc).splitlines()[0]}") from exc


def _read_jsonl(path: Path) -> pd.DataFrame:
    """Read JSON lines; a line that is not a JSON object becomes a row holding ``_error``."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    records: list[dict] = []
    with opener(path, "rt", encoding="utf-8", errors="strict") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                rec = {"_error": f"invalid JSON line: {exc}", "_raw": line.rstrip("\n")[:1000]}
            records.append(rec)
    return pd.DataFrame.from_records(records)
