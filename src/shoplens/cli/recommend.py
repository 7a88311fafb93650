"""``shoplens recommend fit|evaluate|for|similar``: thin wrappers over the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shoplens.cli import Engine, WarehousePath, _connect, console, part_app, print_table
from shoplens.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

app = part_app("Recommendations: fit, evaluate, recommend for a customer, similar items.")

ModelDir = Annotated[
    Path | None,
    typer.Option(
        "--model-dir", help="Saved recommender (default: $SHOPLENS_HOME/models/recommender)."
    ),
]
TestDays = Annotated[float, typer.Option("--test-days", help="Length of the test window (days).")]
ValDays = Annotated[float, typer.Option("--val-days", help="Length of the validation window.")]
N = Annotated[int, typer.Option("--n", "-n", help="How many items.")]


def _show(frame: pd.DataFrame, title: str) -> None:
    print_table(frame, title, limit=None)


def _load(model_dir: Path | None):  # type: ignore[no-untyped-def]
    from shoplens.guidance.recommend import Recommender
    from shoplens.guidance.recommend.report import model_dir as default_dir

    return Recommender.load(model_dir or default_dir())


@app.command()
def fit(
    n: N = 10,
    test_days: TestDays = 28.0,
    val_days: ValDays = 28.0,
    model_dir: ModelDir = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Evaluate, fit on everything, save the model and store guidance_recommendations."""
    from shoplens.guidance.recommend.report import run_recommend

    con = _connect(engine, warehouse)
    with console.status("recommender") as status:
        out = run_recommend(
            con, n=n, test_days=test_days, val_days=val_days, save_to=model_dir,
            progress=lambda s: status.update(f"recommender: {s}"),
        )  # fmt: skip
    ev = out["evaluation"]
    _show(ev.table[["model", "recall@20", "ndcg@10", "coverage@10"]], "Test window")
    console.print(f"default: [bold]{ev.default}[/]; weights: {json.dumps(ev.weights)}")


@app.command()
def evaluate(
    test_days: TestDays = 28.0,
    val_days: ValDays = 28.0,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """One table for every model, the blend and the re-ranker on a time split."""
    from shoplens.guidance.recommend.evaluate import evaluate_recommenders

    con = _connect(engine, warehouse)
    with console.status("evaluating") as status:
        ev = evaluate_recommenders(
            con, test_days=test_days, val_days=val_days,
            progress=lambda s: status.update(f"evaluating: {s}"),
        )  # fmt: skip
    c = ev.cutoffs
    _show(ev.table, f"Test {c['test']:%Y-%m-%d} → {c['end']:%Y-%m-%d} (fit before the test)")
    console.print(f"blend weights (validation from {c['validation']:%Y-%m-%d}): "
                  f"{json.dumps(ev.weights)}; default: [bold]{ev.default}[/]")  # fmt: skip


def _session(path: Path | None) -> list[dict] | None:
    if path is None:
        return None
    if not path.exists():
        raise InputError(f"no such session file: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("events", [])
    return data


@app.command("for")
def for_customer(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    n: N = 10,
    session_file: Annotated[
        Path | None,
        typer.Option("--session-file", help="JSON list (or .jsonl) of the live session's events."),
    ] = None,
    model_dir: ModelDir = None,
) -> None:
    """Recommend for one customer, re-ranked with their live session."""
    rec = _load(model_dir)
    out = rec.recommend(customer, n, session=_session(session_file))
    _show(out[["rank", "item_id", "title", "score", "reason"]], f"For {customer}")


@app.command()
def similar(
    item: Annotated[str, typer.Argument(help="Item id.")],
    n: N = 10,
    model: Annotated[str | None, typer.Option("--model", help="Model to ask.")] = None,
    model_dir: ModelDir = None,
) -> None:
    """Items most similar to one item."""
    out = _load(model_dir).similar(item, n, model=model)
    _show(out[["rank", "similar_id", "title", "score"]], f"Similar to {item} ({out.model.iloc[0]})")
