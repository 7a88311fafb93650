"""``shoplens campaign audience|plan|write|experiment``: thin wrappers over the library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shoplens.cli import (
    Engine,
    WarehousePath,
    _connect,
    console,
    part_app,
    print_table,
    write_rows,
)
from shoplens.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

app = part_app("Campaigns: audiences, next-best-action, messages and experiments.")
experiment = part_app("Experiments: design (power), assign, analyze.")
app.add_typer(experiment, name="experiment")


def _show(frame: pd.DataFrame, title: str, limit: int = 20) -> None:
    print_table(frame, title, limit=limit)


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"customer_id": str})
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    raise InputError(f"read .csv or .parquet, not {path.name}")


def _write(frame: pd.DataFrame, path: Path) -> None:
    write_rows(frame, path)
    console.print(f"written to [bold]{path}[/]")


@app.command()
def audience(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Audiences YAML.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of (default: last event).")] = None,
    name: Annotated[str | None, typer.Option(help="Audience to export.")] = None,
    export: Annotated[Path | None, typer.Option(help="Write it to .csv or .json.")] = None,
    webhook: Annotated[str | None, typer.Option(help="POST it as JSON to this URL.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the run.")] = True,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Evaluate audiences (the ready library without --file): sizes and change since last run."""
    from shoplens.guidance.campaigns.audiences import (
        evaluate_audiences,
        export_audience,
        load_audiences,
        post_webhook,
        ready_audiences,
        store_audiences,
    )

    con = _connect(engine, warehouse)
    auds = load_audiences(file) if file else ready_audiences()
    run = evaluate_audiences(con, auds, as_of=as_of)
    _show(run.sizes, f"Audiences as of {run.as_of:%Y-%m-%d %H:%M}")
    for w in run.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    if save:
        store_audiences(con, run)
    if export or webhook:
        if name is None:
            raise InputError("name the audience to export with --name")
        if export:
            console.print(f"written to [bold]{export_audience(run, name, export)}[/]")
        if webhook:
            console.print(f"posted in {post_webhook(run, name, webhook)} request(s)")


@app.command()
def plan(
    experiment_file: Annotated[
        Path | None,
        typer.Option(
            "--experiment", help="Past experiment units: customer_id, arm, bought, reviewed."
        ),
    ] = None,
    demo: Annotated[
        Path | None, typer.Option(help="Demo shop folder: simulate a past experiment there.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".csv or .parquet")] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Store in guidance_actions.")
    ] = True,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Next-best-action per customer by expected incremental value."""
    from shoplens.guidance.campaigns.nba import store_plan
    from shoplens.guidance.campaigns.run import (
        demo_experiment,
        plan_from_experiment,
        read_experiment,
        store_experiment,
    )

    con = _connect(engine, warehouse)
    if experiment_file is not None:
        units = _read(experiment_file)
    elif demo is not None:
        units = demo_experiment(con, demo)
        store_experiment(con, units)
    else:
        units = read_experiment(con)
    if units is None:
        raise InputError("no past experiment: pass --experiment FILE or --demo FOLDER")
    frame = plan_from_experiment(con, units)
    by = frame.groupby("action").agg(
        customers=("customer_id", "size"), expected_value=("expected_value", "sum")
    )
    by = by.reset_index()
    _show(by, "Plan")
    if save:
        console.print(f"stored as plan [bold]{store_plan(con, frame)}[/]")
    if out:
        _write(frame, out)


@app.command()
def write(
    backend: Annotated[str, typer.Option(help="none (templates), openai or local.")] = "none",
    lang: Annotated[str | None, typer.Option(help="zh or en (default: the customer's).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many contacts.")] = 1000,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Store in guidance_messages.")
    ] = True,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Write the messages of the latest stored plan, checked, with every variant kept."""
    from shoplens.guidance.campaigns.messages import store_messages, write_messages
    from shoplens.llm import get_backend

    con = _connect(engine, warehouse)
    if "guidance_actions" not in con.list_tables():
        raise InputError("no stored plan: run shoplens campaign plan first")
    a = con.table("guidance_actions")
    frame = a.filter(a.planned_at == a.planned_at.max(), a.action != "do_nothing").execute()
    out = write_messages(frame.head(limit), backend=get_backend(backend), lang=lang)
    _show(out[out.chosen][["customer_id", "channel", "variant", "text"]], "Messages")
    console.print(f"{int(out.passed.sum())} of {len(out)} variants passed the checks")
    if save:
        store_messages(con, out)


@experiment.command("design")
def design(
    mde: Annotated[float, typer.Option(help="Minimum detectable effect.")],
    baseline: Annotated[float | None, typer.Option(help="Control conversion rate.")] = None,
    std: Annotated[float | None, typer.Option(help="Std of a per-customer metric.")] = None,
    relative: Annotated[bool, typer.Option(help="mde relative to baseline.")] = False,
    alpha: Annotated[float, typer.Option()] = 0.05,
    power: Annotated[float, typer.Option()] = 0.8,
    ratio: Annotated[float, typer.Option(help="Control units per treatment unit.")] = 1.0,
) -> None:
    """Sample size per arm for a two-arm test."""
    from shoplens.guidance.campaigns.experiments import sample_size

    s = sample_size(mde=mde, baseline=baseline, std=std, relative=relative, alpha=alpha,
                    power=power, ratio=ratio)  # fmt: skip
    console.print(f"treatment {s.per_arm:,} + control {s.control:,} = {s.total:,} customers"
                  f" (effect size {s.effect_size:.4f}, alpha {alpha}, power {power})")  # fmt: skip


@experiment.command("assign")
def assign_cmd(
    customers: Annotated[Path, typer.Argument(help=".csv/.parquet with customer_id.")],
    experiment_id: Annotated[str, typer.Option("--id", help="Experiment id (seeds the hash).")],
    arms: Annotated[str, typer.Option(help="Comma-separated arms, name=weight allowed.")] = (
        "control,treatment"
    ),
    holdout: Annotated[float, typer.Option(help="Share kept out of every arm.")] = 0.0,
    strata: Annotated[str | None, typer.Option(help="Column to balance within.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("assignment.csv"),
) -> None:
    """Stable assignment of customers to arms."""
    from shoplens.guidance.campaigns.experiments import assign

    spec: dict[str, float] = {}
    for part in arms.split(","):
        k, _, w = part.partition("=")
        try:
            spec[k.strip()] = float(w) if w else 1.0
        except ValueError:
            raise InputError(f"bad arm weight in {part!r}; use name=weight") from None
    frame = assign(_read(customers), experiment_id, spec, holdout=holdout, strata=strata)
    _show(frame["arm"].value_counts().rename("customers").reset_index(), "Arms")
    _write(frame, out)


@experiment.command("analyze")
def analyze_cmd(
    units: Annotated[Path, typer.Argument(help=".csv/.parquet: one row per customer with arm.")],
    metrics: Annotated[str, typer.Option(help="Comma-separated; the first decides.")] = (
        "converted,revenue"
    ),
    control: Annotated[str, typer.Option()] = "control",
    pre: Annotated[str | None, typer.Option(help="Pre-period covariate (CUPED).")] = None,
    segment: Annotated[str | None, typer.Option(help="Uplift by this column.")] = None,
    min_units: Annotated[int, typer.Option(help="Fewest units per arm to decide.")] = 100,
) -> None:
    """Intervals, CUPED, always-valid p-values, SRM and a decision."""
    from shoplens.guidance.campaigns.experiments import analyze

    r = analyze(_read(units), metrics=tuple(m.strip() for m in metrics.split(",")),
                control=control, pre=pre, segment=segment, min_units=min_units)  # fmt: skip
    _show(r.arms, "Arms")
    _show(r.comparisons, "Against control")
    if len(r.by_segment):
        _show(r.by_segment, "By segment")
    console.print(f"SRM p = {r.srm['p_value']:.3g}; decision: [bold]{r.decision}[/]")
    for why in r.reasons:
        console.print(f"  {why}")
