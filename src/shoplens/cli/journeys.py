"""``shoplens journeys sessions|funnel|paths|retention|timeline``: thin wrappers."""

from __future__ import annotations

import re
from datetime import timedelta
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

app = part_app("Journeys: sessions, funnels, paths, retention and customer timelines.")

Limit = Annotated[int, typer.Option("--limit", "-n", help="Rows to print.")]
Gap = Annotated[str, typer.Option("--gap", help="Session inactivity gap: 30m, 1h, ...")]
Level = Annotated[str, typer.Option("--level", help="Steps are event 'type's or 'stage's.")]
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(text: str, what: str = "duration") -> timedelta:
    """Parse ``90s``, ``30m``, ``1h``, ``7d`` or ``2w`` into a ``timedelta``.

    Examples
    --------
    >>> duration("7d")
    datetime.timedelta(days=7)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text or "")
    if not m:
        raise InputError(f"{what} {text!r} is not a duration; write e.g. 30m, 1h, 7d or 2w")
    return timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


def _names(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


@app.command()
def sessions(
    gap: Gap = "30m",
    split_on_day: Annotated[bool, typer.Option(help="New session when the day changes.")] = False,
    save: Annotated[bool, typer.Option(help="Store the sessions in journey_sessions.")] = False,
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 20,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Split events into sessions by inactivity and list them."""
    from shoplens.journeys import save_sessions, sessionize

    con = _connect(engine, warehouse)
    options = {"gap": duration(gap, "--gap"), "split_on_day": split_on_day}
    if save:
        expr = save_sessions(con, con.table("events"), **options)
        (console if fmt == "table" else err_console).print("stored in [bold]journey_sessions[/]")
    else:
        expr = sessionize(con.table("events"), **options)
    frame = expr.order_by(["customer_id", "session_number"]).execute()
    show_frame(frame, "Sessions", fmt=fmt, out=out, limit=limit)


@app.command()
def funnel(
    steps: Annotated[str, typer.Option(help="Comma-separated event types, in order.")] = (
        "view,add_to_cart,checkout,purchase"
    ),
    window: Annotated[str, typer.Option(help="Conversion window: 1h, 1d, 7d ...")] = "7d",
    mode: Annotated[str, typer.Option(help="ordered, strict or any.")] = "ordered",
    by: Annotated[str, typer.Option(help="Count 'customer' or 'session' units.")] = "customer",
    breakdown: Annotated[
        str | None, typer.Option(help="Comma-separated event columns, e.g. channel.")
    ] = None,
    customer_insight: Annotated[
        bool,
        typer.Option(
            "--customer-insight",
            help="Give each event the customer's latest sentiment and intent (from "
            "insight_texts), so that --breakdown can name sentiment and/or intent.",
        ),
    ] = False,
    gap: Gap = "30m",
    out: Out = None,
    fmt: Format = "table",
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Conversion funnel: units reaching each step, drop-off and conversion rates."""
    from shoplens.journeys import funnel_frame, with_customer_insight

    con = _connect(engine, warehouse)
    events = con.table("events")
    if customer_insight:
        tables = set(con.list_tables())
        if "insight_texts" not in tables:
            raise InputError(
                "--customer-insight needs the insight_texts table; score the reviews and"
                " messages first: `shoplens insight text enrich` (the main job `shoplens run`"
                " does it too)"
            )
        messages = con.table("messages") if "messages" in tables else None
        events = with_customer_insight(events, con.table("insight_texts"), messages)
    frame = funnel_frame(
        events,
        _names(steps),
        mode=mode,
        window=duration(window, "--window"),
        by=by,
        breakdown=_names(breakdown),
        gap=duration(gap, "--gap"),
    )
    show_frame(frame, f"Funnel by {by}", fmt=fmt, out=out, limit=None)


@app.command()
def paths(
    show: Annotated[str, typer.Option(help="top, next, previous, edges or drop-offs.")] = "top",
    start: Annotated[str | None, typer.Option(help="Paths from this step.")] = None,
    end: Annotated[str | None, typer.Option(help="Paths to this step.")] = None,
    step: Annotated[str | None, typer.Option(help="The step for next/previous.")] = None,
    depth: Annotated[int, typer.Option(help="Maximum steps of a path.")] = 5,
    top: Annotated[int, typer.Option(help="Number of top paths.")] = 10,
    level: Level = "type",
    gap: Gap = "30m",
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 50,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Top session paths, next/previous steps, Sankey edges or drop-off points."""
    from shoplens.journeys import drop_offs, next_steps, path_edges, top_paths

    events = _connect(engine, warehouse).table("events")
    g = duration(gap, "--gap")
    if show == "top":
        expr = top_paths(events, start=start, end=end, depth=depth, n=top, level=level, gap=g)
    elif show in ("next", "previous"):
        if not step:
            raise InputError(f"--show {show} needs --step, e.g. --step add_to_cart")
        expr = next_steps(events, step, direction=show, level=level, gap=g)
    elif show == "edges":
        expr = path_edges(events, start=start, depth=depth, exits=True, level=level, gap=g)
    elif show == "drop-offs":
        expr = drop_offs(events, level=level, gap=g)
    else:
        raise InputError(f"--show must be top, next, previous, edges or drop-offs, not {show!r}")
    show_frame(expr.execute(), f"Paths: {show}", fmt=fmt, out=out, limit=limit)


@app.command()
def retention(
    cohort: Annotated[str, typer.Option(help="first_seen or first_purchase.")] = "first_seen",
    period: Annotated[str, typer.Option(help="week or month.")] = "week",
    return_events: Annotated[
        str | None, typer.Option(help="Comma-separated event types that count (default: any).")
    ] = None,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity/--no-activity",
            "--lifecycle",
            help="Show the activity composition: new/returning/resurrecting/dormant"
            " (--lifecycle is a deprecated spelling).",
        ),
    ] = False,
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 30,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Retention by cohort (rates per period offset), or the activity composition."""
    from shoplens.journeys import cohorts

    events = _connect(engine, warehouse).table("events")
    returns = _names(return_events) or None
    if activity:
        frame = cohorts.activity_composition(events, period=period, active_events=returns).execute()
        wide = frame.pivot_table(
            index="period", columns="status", values="customers", aggfunc="sum"
        )
        wide = wide.fillna(0).astype("int64").reset_index()
        wide["period"] = wide["period"].astype(str)
        show_frame(wide, f"Activity per {period}", fmt=fmt, limit=limit)
    else:
        frame = cohorts.retention(
            events, cohort=cohort, period=period, return_events=returns
        ).execute()
        frame["cohort"] = frame["cohort"].astype(str)
        wide = frame.pivot_table(
            index=["cohort", "cohort_size"], columns="period_offset", values="rate"
        ).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        show_frame(wide, f"Retention rate by {period} ({cohort})", fmt=fmt, limit=limit)
    if out is not None:
        show_frame(frame, "rows", fmt=fmt, out=out, show=False)


@app.command()
def timeline(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.", show_default=False)],
    gap: Gap = "30m",
    out: Out = None,
    fmt: Format = "table",
    limit: Limit = 100,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """One customer's steps, sessions, orders, reviews and chats (with sentiment and intent)."""
    from shoplens.journeys import customer_timeline

    con = _connect(engine, warehouse)
    frame = customer_timeline(con, customer_id, gap=duration(gap, "--gap")).execute()
    frame["detail"] = frame["detail"].astype(object).where(frame["detail"].notna(), None)
    frame["detail"] = frame["detail"].map(
        lambda s: s if s is None or len(s) <= 60 else s[:57] + "..."
    )
    show_frame(frame, f"Timeline of {customer_id}", fmt=fmt, out=out, limit=limit)
