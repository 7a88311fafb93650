"""lifecycle_customers: write, replace and read back runs, and movement, on DuckDB and Spark.

Small hand-made runs so that the Spark write path (a rewrite of the table, not DuckDB's
transaction) is checked quickly against a plain pandas expectation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.lifecycle.store import (
    SCHEMA,
    TABLE,
    movement,
    read_lifecycle_customers,
    write_lifecycle_customers,
)


def _run(date: str, ids: list[str], stages: list[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(ids)
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "run_date": pd.Timestamp(date).date(),
            "recency_days": rng.uniform(0, 300, n).round(3),
            "frequency": rng.integers(0, 9, n),
            "monetary": rng.uniform(0, 900, n).round(2),
            "R": rng.integers(1, 6, n),
            "F": rng.integers(1, 6, n),
            "M": rng.integers(1, 6, n),
            "rfm_segment": "champions",
            "stage": stages,
            "segment_id": rng.integers(0, 3, n),
            "segment_name": "loyal regulars",
            "p_alive": rng.uniform(0, 1, n),
            "expected_purchases": rng.uniform(0, 3, n),
            "clv": rng.uniform(0, 500, n),
            "churn_probability": rng.uniform(0, 1, n),
        }
    )
    frame.loc[0, ["p_alive", "clv", "segment_name"]] = [np.nan, np.nan, None]  # missing scores
    return frame


def _norm(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=SCHEMA.names).sort_values("customer_id").reset_index(drop=True)
    out["run_date"] = pd.to_datetime(out["run_date"]).dt.date
    for col, typ in SCHEMA.items():
        if typ.is_integer():
            out[col] = out[col].astype("int64")
        elif typ.is_floating():
            out[col] = out[col].astype(float)
        elif typ.is_string():
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def test_runs_are_replaced_and_read_back(warehouse):
    jan = _run("2026-01-01", ["a", "b", "c"], ["new", "active", "at_risk"], seed=1)
    feb = _run("2026-02-01", ["a", "b", "c", "d"], ["active", "churned", "at_risk", "new"], 2)
    assert write_lifecycle_customers(warehouse, jan) == 3
    assert write_lifecycle_customers(warehouse, feb) == 4
    jan2 = _run("2026-01-01", ["a", "b"], ["active", "loyal"], seed=3)  # January rerun
    assert write_lifecycle_customers(warehouse, jan2) == 2
    assert warehouse.table(TABLE).count().execute() == 6  # 2 + 4: January replaced
    pd.testing.assert_frame_equal(_norm(read_lifecycle_customers(warehouse)), _norm(feb))
    pd.testing.assert_frame_equal(
        _norm(read_lifecycle_customers(warehouse, "2026-01-01")), _norm(jan2)
    )
    got = movement(warehouse, "2026-01-01", "2026-02-01", "stage").execute()
    got = got.set_index(["value_from", "value_to"])["customers"].sort_index()
    before = jan2.set_index("customer_id")["stage"].reindex(feb["customer_id"]).fillna("(none)")
    want = pd.crosstab(before.to_numpy(), feb["stage"].to_numpy()).stack()
    want = want[want > 0].sort_index()
    assert got.to_dict() == {k: int(v) for k, v in want.items()}
    assert write_lifecycle_customers(warehouse, jan.iloc[:0]) == 0
