"""``shoplens lifecycle rfm|segments|stages|clv|churn``: thin wrappers over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from shoplens.cli import Engine, WarehousePath, _connect, console, part_app
from shoplens.errors import InputError

app = part_app("Lifecycle: RFM, segments, stages, CLV and churn propensity.")

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Date to score at (default: day after the last order)."),
]
Out = Annotated[
    Path | None, typer.Option("--out", "-o", help="Also write the rows to .csv or .parquet.")
]
Save = Annotated[
    bool, typer.Option("--save/--no-save", help="Store the run in lifecycle_customers.")
]


def _show(frame: pd.DataFrame, title: str, out: Path | None, limit: int = 20) -> None:
    table = Table(title=f"{title} ({len(frame):,} rows)")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if frame[col].dtype.kind in "if" else "left")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(f"{v:,.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
    if out is not None:
        if out.suffix == ".csv":
            frame.to_csv(out, index=False)
        elif out.suffix == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            raise InputError(f"--out must end in .csv or .parquet, got {out.name}")
        console.print(f"written to [bold]{out}[/]")


def _scores(engine, warehouse, as_of, save):  # type: ignore[no-untyped-def]
    from shoplens.lifecycle.store import build_lifecycle_customers, write_lifecycle_customers

    con = _connect(engine, warehouse)
    with console.status("scoring customers"):
        frame = build_lifecycle_customers(con, as_of)
    if frame.empty:
        raise InputError("no orders in the warehouse: ingest orders first")
    if save:
        write_lifecycle_customers(con, frame)
    return frame


@app.command()
def rfm(
    as_of: AsOf = None, out: Out = None, engine: Engine = None, warehouse: WarehousePath = None
) -> None:
    """RFM scores and classic RFM segments per customer."""
    from shoplens.lifecycle import rfm_scores
    from shoplens.lifecycle.features import purchases, to_timestamp

    con = _connect(engine, warehouse)
    end = None if as_of is None else to_timestamp(as_of)
    frame = rfm_scores(purchases(con.table("orders"), end), end).execute()
    if frame.empty:
        raise InputError("no orders in the warehouse: ingest orders first")
    _show(frame.sort_values("monetary", ascending=False), "RFM", out)


@app.command()
def segments(
    as_of: AsOf = None,
    save: Save = True,
    out: Out = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Behavioural segments (K-means), named in plain words."""
    frame = _scores(engine, warehouse, as_of, save)
    summary = frame.groupby("segment_name", dropna=True).agg(
        customers=("customer_id", "size"), spend=("monetary", "sum"), clv=("clv", "sum")
    )
    _show(summary.reset_index().sort_values("customers", ascending=False), "Segments", None)
    if out is not None:
        _show(frame[["customer_id", "run_date", "segment_id", "segment_name"]], "Customers", out, 0)


@app.command()
def stages(
    as_of: AsOf = None,
    since: Annotated[str | None, typer.Option(help="Also show transitions from this date.")] = None,
    out: Out = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Lifecycle stage per customer, and the transition matrix since a date."""
    from shoplens.lifecycle.features import purchases, to_timestamp
    from shoplens.lifecycle.stages import customer_stages, stage_transitions

    con = _connect(engine, warehouse)
    last = purchases(con.table("orders")).ts.max().execute()
    if as_of is None and (last is None or pd.isna(last)):
        raise InputError("no orders in the warehouse: ingest orders first")
    end = to_timestamp(as_of) if as_of else to_timestamp(last).normalize() + pd.Timedelta(days=1)
    cust = con.table("customers")
    frame = customer_stages(con.table("orders"), end, customers=cust).execute()
    counts = frame["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    _show(counts, f"Stages as of {end:%Y-%m-%d}", None)
    if since:
        m = stage_transitions(con.table("orders"), since, end, customers=cust).execute()
        pivot = m.pivot_table(
            index="stage_from", columns="stage_to", values="customers", fill_value=0
        )
        _show(pivot.reset_index(), "Transitions", None)
    if out is not None:
        _show(frame, "Customers", out, 0)


@app.command()
def clv(
    as_of: AsOf = None,
    save: Save = True,
    out: Out = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """BG/NBD P(alive), expected purchases and 12-month CLV (Gamma-Gamma)."""
    frame = _scores(engine, warehouse, as_of, save)
    cols = ["customer_id", "frequency", "recency_days", "p_alive", "expected_purchases", "clv"]
    _show(frame.dropna(subset=["clv"]).sort_values("clv", ascending=False)[cols], "CLV", out)


@app.command()
def churn(
    as_of: AsOf = None,
    window: Annotated[float, typer.Option(help="Days after the cutoff that define churn.")] = 90.0,
    model_dir: Annotated[
        Path | None, typer.Option(help="Save the model (LightGBM text + JSON) here.")
    ] = None,
    explain_top: Annotated[
        str,
        typer.Option(
            help="SHAP reasons for the riskiest customers only: a share ('10%', 0.1), "
            "a count (500) or 'all'; the others get no reasons."
        ),
    ] = "10%",
    out: Out = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Churn propensity (LightGBM): evaluation on a later cutoff, and scores per customer."""
    from shoplens.lifecycle.features import feature_matrix, purchases, to_timestamp
    from shoplens.lifecycle.propensity import PurchasePropensity, time_split
    from shoplens.lifecycle.report import churn_evaluation

    con = _connect(engine, warehouse)
    last = purchases(con.table("orders")).ts.max().execute()
    if last is None or pd.isna(last):
        raise InputError("no orders in the warehouse: ingest orders first")
    end = to_timestamp(as_of) if as_of else to_timestamp(last).normalize() + pd.Timedelta(days=1)
    with console.status("training and evaluating"):
        ev = churn_evaluation(con, end, window)
        X, y = time_split(con, end - pd.Timedelta(days=window), window)
        model = PurchasePropensity().fit(X, y)
        now = feature_matrix(con, end, customers="buyers")
    rows = [{"score": "LightGBM", **ev["model"]}]
    if "p_alive" in ev:
        rows.append({"score": "1 - P(alive) BG/NBD", **ev["p_alive"]})
    _show(pd.DataFrame(rows), "Churn on a later cutoff", None)
    if model_dir is not None:
        console.print(f"model saved to [bold]{model.save(model_dir)}[/]")
    with console.status("scoring and explaining"):
        frame = model.churn_scores(now, explain_top=explain_top)
    frame = frame.rename_axis("customer_id").reset_index()
    _show(frame.sort_values("churn_probability", ascending=False), "Churn risk", out)
