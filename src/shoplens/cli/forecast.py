"""``shoplens forecast run|backtest|plot``: thin wrappers over :mod:`shoplens.insight.forecast`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli import Engine, WarehousePath, _connect, console, part_app, print_table
from shoplens.errors import InputError

app = part_app("Forecast: sales forecasts with shopping calendars, backtests and alerts.")

Levels = Annotated[
    list[str] | None,
    typer.Option("--level", "-l", help="total, category, item, brand, region, channel (repeat)."),
]
Measure = Annotated[str, typer.Option("--measure", "-m", help="revenue, orders or units.")]
Freq = Annotated[str, typer.Option("--freq", "-f", help="D, W or M.")]
Horizon = Annotated[int, typer.Option("--horizon", "-h", help="Periods to forecast.")]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help="seasonal_naive, auto_ets, auto_arima, mstl, lightgbm (repeat; default:"
        " seasonal_naive, auto_ets, mstl).",
    ),
]
Promotions = Annotated[
    Path | None, typer.Option("--promotions", help="CSV of the shop's promotions: name,start,end.")
]


def _print(frame, title: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    print_table(frame, title, limit=limit)


@app.command()
def run(
    level: Levels = None,
    measure: Measure = "revenue",
    freq: Freq = "D",
    horizon: Horizon = 28,
    model: Models = None,
    promotions: Promotions = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Forecast, backtest, estimate event effects and alert; store it all in the warehouse."""
    from shoplens.insight.forecast.job import compute_forecasts, run_summary, store_results

    con = _connect(engine, warehouse)
    options = {"measure": measure, "freq": freq, "horizon": horizon, "promotions": promotions}
    if level:
        options["levels"] = tuple(level)
    if model:
        options["models"] = tuple(model)
    with console.status("forecasting") as status:
        result = compute_forecasts(con, progress=lambda s: status.update(s), **options)
        store_results(con, result)
    for key, value in run_summary(result).items():
        console.print(f"{key}: [bold]{value:,}[/]")
    _print(result.models[["level", "unique_id", "model", "reason"]], "chosen models", 20)


@app.command()
def backtest(
    level: Levels = None,
    measure: Measure = "revenue",
    freq: Freq = "D",
    horizon: Horizon = 14,
    windows: Annotated[int, typer.Option("--windows", help="Backtest windows.")] = 3,
    model: Models = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Rolling-origin backtest per model and level: MASE, sMAPE, RMSSE, WRMSSE, coverage."""
    from shoplens.insight.forecast.backtest import backtest_table

    con = _connect(engine, warehouse)
    with console.status("backtesting"):
        table = backtest_table(
            con,
            levels=tuple(level or ("total", "category")),
            measure=measure,
            freq=freq,
            h=horizon,
            n_windows=windows,
            models=tuple(model or ("seasonal_naive", "auto_ets", "mstl")),
        )
    _print(table, f"backtest: {windows} windows of {horizon} {freq}")


@app.command()
def plot(
    series: Annotated[str, typer.Argument(help="Series id (total, a category, an item ...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "forecast.html"
    ),
    level: Annotated[str | None, typer.Option("--level", "-l", help="Level of the series.")] = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Write the stored forecast of one series, with its intervals, as an HTML plot."""
    from shoplens.insight.forecast.job import read_table
    from shoplens.insight.forecast.report import forecast_figure

    frame = read_table(_connect(engine, warehouse), "insight_forecasts")
    if frame is None or frame.empty:
        raise InputError("no stored forecasts: run `shoplens forecast run` first")
    if level is not None:
        frame = frame[frame["level"] == level]
    if series not in set(frame["unique_id"]):
        known = ", ".join(sorted(set(frame["unique_id"]))[:10])
        raise InputError(f"no stored forecast for {series!r}; stored: {known} ...")
    forecast_figure(frame, series).write_html(out, include_plotlyjs=True)
    console.print(f"written to [bold]{out}[/]")
