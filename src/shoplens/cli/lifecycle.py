"""``shoplens lifecycle rfm|segments|stages|clv|churn``: thin wrappers over the library.

The rules (the as-of date, its default "the day after the last order", the observation
end, the statuses that are not purchases) live in :mod:`shoplens.lifecycle.cutoff`; the
commands only parse, call the library and print, so they show the numbers that
``lifecycle_customers`` stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli import (
    Engine,
    Format,
    Out,
    WarehousePath,
    _connect,
    console,
    err_console,
    part_app,
    show_frame,
)
from shoplens.errors import InputError

app = part_app("Lifecycle: RFM, segments, stages, CLV and churn propensity.")

AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Score as the warehouse stood at the start of this date (orders before it"
        " count; default: the day after the last order).",
    ),
]
Save = Annotated[
    bool, typer.Option("--save/--no-save", help="Store the run in lifecycle_customers.")
]
Limit = Annotated[int, typer.Option("--limit", "-n", help="Rows to print as a table.")]


def _scores(engine, warehouse, as_of, save):  # type: ignore[no-untyped-def]
    from shoplens.lifecycle.store import build_lifecycle_customers, write_lifecycle_customers

    con = _connect(engine, warehouse)
    with err_console.status("scoring customers"):
        frame = build_lifecycle_customers(con, as_of)
    if frame.empty:
        raise InputError("no orders in the warehouse: ingest orders first")
    if save:
        write_lifecycle_customers(con, frame)
    return frame


@app.command()
def rfm(
    as_of: AsOf = None,
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 20,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """RFM scores and classic RFM segments per customer."""
    from shoplens.lifecycle.rfm import customer_rfm

    con = _connect(engine, warehouse)
    frame = customer_rfm(con.table("orders"), as_of).execute()
    if frame.empty:
        raise InputError("no orders in the warehouse: ingest orders first")
    frame = frame.sort_values(["monetary", "customer_id"], ascending=[False, True])
    show_frame(frame, "RFM", fmt=fmt, out=out, limit=limit)


@app.command()
def segments(
    as_of: AsOf = None,
    save: Save = True,
    out: Out = None,
    fmt: Format = "table",
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Behavioural segments (K-means), named in plain words."""
    frame = _scores(engine, warehouse, as_of, save)
    summary = frame.groupby("segment_name", dropna=True).agg(
        customers=("customer_id", "size"), spend=("monetary", "sum"), clv=("clv", "sum")
    )
    summary = summary.reset_index().sort_values("customers", ascending=False)
    show_frame(summary, "Segments", fmt=fmt, limit=None)
    if out is not None:
        cols = ["customer_id", "run_date", "segment_id", "segment_name"]
        show_frame(frame[cols], "Customers", fmt=fmt, out=out, show=False)


@app.command()
def stages(
    as_of: AsOf = None,
    since: Annotated[str | None, typer.Option(help="Also show transitions from this date.")] = None,
    out: Out = None,
    fmt: Format = "table",
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Lifecycle stage per customer, and the transition matrix since a date."""
    from shoplens.lifecycle.cutoff import resolve_as_of
    from shoplens.lifecycle.stages import customer_stages, stage_transitions

    con = _connect(engine, warehouse)
    end = resolve_as_of(con.table("orders"), as_of)
    cust = con.table("customers")
    frame = customer_stages(con.table("orders"), end, customers=cust).execute()
    counts = frame["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    show_frame(counts, f"Stages as of {end:%Y-%m-%d}", fmt=fmt, limit=None)
    if since:
        m = stage_transitions(con.table("orders"), since, end, customers=cust).execute()
        pivot = m.pivot_table(
            index="stage_from", columns="stage_to", values="customers", fill_value=0
        )
        pivot.columns = [str(c) for c in pivot.columns]
        show_frame(pivot.reset_index(), "Transitions", fmt=fmt, limit=None)
    if out is not None:
        show_frame(frame, "Customers", fmt=fmt, out=out, show=False)


@app.command()
def clv(
    as_of: AsOf = None,
    save: Save = True,
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 20,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """BG/NBD P(alive), expected purchases and 12-month CLV (Gamma-Gamma)."""
    frame = _scores(engine, warehouse, as_of, save)
    cols = ["customer_id", "frequency", "recency_days", "p_alive", "expected_purchases", "clv"]
    frame = frame.dropna(subset=["clv"]).sort_values("clv", ascending=False)[cols]
    show_frame(frame, "CLV", fmt=fmt, out=out, limit=limit)


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
    evaluate: Annotated[
        bool | None,
        typer.Option(
            "--evaluate/--no-evaluate",
            help="Also evaluate on a later cutoff (trains twice more; default: only with"
            " --format table).",
        ),
    ] = None,
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 20,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Churn propensity (LightGBM): evaluation on a later cutoff, and scores per customer."""
    import pandas as pd

    from shoplens.lifecycle.churn import churn_evaluation, churn_risk
    from shoplens.lifecycle.cutoff import resolve_as_of

    con = _connect(engine, warehouse)
    end = resolve_as_of(con.table("orders"), as_of)
    if evaluate or (evaluate is None and fmt == "table"):
        with err_console.status("evaluating on a later cutoff"):
            ev = churn_evaluation(con, end, window)
        rows = [{"score": "LightGBM", **ev["model"]}]
        if "p_alive" in ev:
            rows.append({"score": "1 - P(alive) BG/NBD", **ev["p_alive"]})
        show_frame(pd.DataFrame(rows), "Churn on a later cutoff", fmt=fmt, limit=None)
    with err_console.status("training, scoring and explaining"):
        model, frame = churn_risk(con, end, window, explain_top=explain_top)
    if model_dir is not None:
        say = console if fmt == "table" else err_console
        say.print(f"model saved to [bold]{model.save(model_dir)}[/]")
    frame = frame.sort_values(["churn_probability", "customer_id"], ascending=[False, True])
    show_frame(frame, "Churn risk", fmt=fmt, out=out, limit=limit)
