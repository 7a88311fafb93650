"""``shoplens assistant chat|eval``: thin wrappers over :mod:`shoplens.guidance.assistant`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shoplens.cli import Engine, WarehousePath, _connect, console, part_app
from shoplens.errors import InputError

app = part_app("Assistant: a grounded customer-service chat, and its evaluation.")

Backend = Annotated[
    str | None,
    typer.Option("--backend", "-b", help="none (default), local (GGUF) or openai (endpoint)."),
]
Gguf = Annotated[
    Path | None, typer.Option("--gguf", help="GGUF file of the local backend.", show_default=False)
]
Embed = Annotated[
    bool, typer.Option("--embed/--no-embed", help="Hybrid retrieval with e5 embeddings.")
]


def _backend(name: str | None, gguf: Path | None):  # type: ignore[no-untyped-def]
    from shoplens.llm import get_backend

    return get_backend(name, gguf_path=gguf)


@app.command()
def chat(
    customer: Annotated[str, typer.Option("--customer", "-c", help="The signed-in customer id.")],
    backend: Backend = None,
    gguf: Gguf = None,
    kb: Annotated[
        Path | None, typer.Option("--kb", help="Folder of policy .md files (default: demo).")
    ] = None,
    embed: Embed = True,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Chat as CUSTOMER (one message per line; 'exit' or end of input stops)."""
    from shoplens.guidance.assistant import Assistant

    con = _connect(engine, warehouse)
    if "orders" not in con.list_tables() or con.table("items").count().execute() == 0:
        raise InputError("the warehouse has no shop yet: run 'shoplens demo' or ingest one")
    with console.status("loading the assistant"):
        bot = Assistant(con, _backend(backend, gguf), kb_folder=kb, embed=embed)
        conv = bot.start(customer)
    interactive = sys.stdin.isatty()
    if interactive:
        console.print(f"[dim]signed in as {customer}; type 'exit' to stop[/]")
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            break
        if line.strip().lower() in ("exit", "quit", "bye"):
            break
        if not line.strip():
            continue
        turn = bot.reply(conv, customer, line)
        console.print(f"[bold]assistant>[/] {escape(turn.answer)}", highlight=False,
                      soft_wrap=True)  # fmt: skip
        note = f"{turn.intent} · {turn.shown} · sources: {', '.join(turn.citations) or '-'}"
        console.print(f"[dim]  {escape(note)}[/]", highlight=False)
        if turn.handoff is not None:
            console.print(f"[yellow]  handed to a human agent ({turn.handoff.reason})[/]")


@app.command("eval")
def eval_cmd(
    backend: Backend = None,
    gguf: Gguf = None,
    k: Annotated[int, typer.Option("--k", help="Runs of every case (pass^k).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the drawn cases.")] = 11,
    embed: Embed = True,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Store the result in the warehouse.")
    ] = False,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Run the evaluation set (on the warehouse's shop, else a seeded demo shop)."""
    from shoplens.guidance.assistant.evaluate import run_eval
    from shoplens.guidance.assistant.report import store_eval

    if k < 1:
        raise InputError("--k must be at least 1")
    con = _connect(engine, warehouse)
    with console.status("evaluating the assistant") as status:
        report = run_eval(con, _backend(backend, gguf), k=k, seed=seed, embed=embed,
                          progress=lambda i, n: status.update(f"case {i}/{n}"))  # fmt: skip
    table = Table(title=f"assistant eval · backend {report.backend} · k={k}")
    for col in ("metric", "value", "goal", "met"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for row in report.summary().itertuples(index=False):
        goal = "" if row.goal is None or row.goal != row.goal else f"{row.goal:g}"
        met = {True: "[green]yes[/]", False: "[red]no[/]"}.get(row.met, "")
        table.add_row(row.metric, f"{row.value:,.3f}", goal, met)
    console.print(table)
    if save:
        store_eval(con, report)
        console.print("stored in [bold]guidance_assistant_eval[/] and its cases table")
