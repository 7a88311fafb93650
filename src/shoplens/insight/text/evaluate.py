"""Labelled text files and the evaluation report of a text classifier.

A labelled file is a csv, tsv, jsonl or parquet file with the columns ``text`` and
``label``. :func:`read_labeled` checks it (missing columns, empty file, fewer than two
classes raise :class:`~shoplens.errors.InputError` with one readable line).
:func:`evaluation_report` computes accuracy, macro-F1, the per-class report and the
confusion matrix; :func:`write_report` saves it beside a model as ``report.json`` plus a
confusion-matrix plot (``confusion.html``: a heat-map table that needs no JavaScript, or
``confusion.png`` when matplotlib is installed).

Examples
--------
>>> rep = evaluation_report(["a", "b", "b"], ["a", "b", "a"], labels=["a", "b"])
>>> rep["accuracy"], rep["confusion"]
(0.6667, [[1, 0], [1, 1]])
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import DependencyError, InputError

__all__ = [
    "confusion_figure",
    "evaluation_report",
    "read_labeled",
    "score_model",
    "write_report",
]

_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}


def read_labeled(path: str | Path) -> tuple[list[str], list[str]]:
    """Read ``text`` and ``label`` from a labelled csv/tsv/jsonl/parquet file.

    Labels are returned as strings; rows with an empty text or label are dropped.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "l.csv"
    >>> _ = p.write_text("text,label\\ngood,pos\\nbad,neg\\n")
    >>> read_labeled(p)
    (['good', 'bad'], ['pos', 'neg'])
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unknown file type; use csv, tsv, jsonl or parquet")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty; it needs columns text,label")
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        elif kind == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = pd.read_csv(path, sep="\t" if kind == "tsv" else ",", dtype=str)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise InputError(f"{path}: the file is empty; it needs columns text,label") from None
        raise InputError(f"{path}: cannot read it as {kind}: {str(exc).splitlines()[0]}") from None
    missing = [c for c in ("text", "label") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, frame.columns)) or 'none'}"
        )
    frame = frame[["text", "label"]].dropna()
    frame = frame[
        (frame["text"].astype(str).str.strip() != "") & (frame["label"].astype(str) != "")
    ]
    if frame.empty:
        raise InputError(f"{path}: no labelled rows (every text or label is empty)")
    labels = frame["label"].astype(str).str.strip().tolist()
    if len(set(labels)) < 2:
        raise InputError(f"{path}: needs at least 2 classes in column label, found {set(labels)}")
    return frame["text"].astype(str).tolist(), labels


def evaluation_report(y_true: Any, y_pred: Any, labels: list[str] | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Rows of ``confusion`` are true labels, columns predicted labels, both in ``labels``
    order. Figures are rounded to 4 decimals.

    Examples
    --------
    >>> evaluation_report([1, 0, 1], [1, 0, 0])["macro_f1"]
    0.6667
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    y_true = np.asarray([str(v) for v in y_true])
    y_pred = np.asarray([str(v) for v in y_pred])
    if labels is None:
        labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    labels = [str(v) for v in labels]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float((y_true == y_pred).mean()) if len(y_true) else 0.0, 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "majority_rate": round(
            float(max(np.mean(y_true == lab) for lab in labels)) if len(y_true) else 0.0, 4
        ),
        "labels": labels,
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def score_model(model: Any, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Evaluate any classifier with ``predict`` and ``classes_`` on labelled texts.

    Labels the model never saw count as errors (and appear in the confusion matrix).
    """
    pred = model.predict(texts)
    known = [str(c) for c in model.classes_]
    extra = sorted(set(map(str, labels)) - set(known))
    return evaluation_report(labels, pred, labels=known + extra)


def confusion_figure(report: dict[str, Any]) -> Any:
    """A Plotly heat map of ``report["confusion"]`` (for the HTML report).

    Examples
    --------
    >>> fig = confusion_figure(evaluation_report(["a", "b"], ["a", "a"]))  # doctest: +SKIP
    """
    import plotly.graph_objects as go

    labels = report["labels"]
    fig = go.Figure(
        go.Heatmap(
            z=report["confusion"],
            x=labels,
            y=labels,
            colorscale="Blues",
            text=report["confusion"],
            texttemplate="%{text}",
        )
    )
    fig.update_layout(xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed")
    return fig


def _confusion_html(report: dict[str, Any], title: str) -> str:
    labels, cm = report["labels"], np.asarray(report["confusion"])
    peak = max(int(cm.max()), 1)
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
    rows = []
    for i, lab in enumerate(labels):
        cells = []
        for v in cm[i]:
            shade = int(255 - 180 * v / peak)
            color = "#fff" if v / peak > 0.6 else "#000"
            cells.append(
                f'<td style="background:rgb({shade},{shade},255);color:{color}">{int(v)}</td>'
            )
        rows.append(f"<tr><th>{html.escape(lab)}</th>{''.join(cells)}</tr>")
    return (
        "<!doctype html><meta charset='utf-8'><title>confusion matrix</title>"
        "<style>body{font-family:sans-serif}td,th{padding:6px 10px;text-align:right}</style>"
        f"<h3>{html.escape(title)}</h3>"
        f"<p>accuracy {report['accuracy']:.4f} · macro-F1 {report['macro_f1']:.4f} · "
        f"n {report['n']} (rows: true, columns: predicted)</p>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def _confusion_png(report: dict[str, Any], path: Path, title: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DependencyError(
            "a PNG confusion matrix needs matplotlib: pip install matplotlib (or use --plot html)"
        ) from None
    labels, cm = report["labels"], np.asarray(report["confusion"])
    fig, ax = plt.subplots(figsize=(1.2 + 0.7 * len(labels), 1 + 0.6 * len(labels)))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(
    report: dict[str, Any], folder: str | Path, *, plot: str = "html", title: str = "test split"
) -> dict[str, Path]:
    """Write ``report.json`` and the confusion-matrix plot into ``folder``.

    Parameters
    ----------
    plot
        ``"html"`` (default, no extra dependency), ``"png"`` (needs matplotlib) or
        ``"none"``.

    Examples
    --------
    >>> import tempfile
    >>> out = write_report(evaluation_report([1, 0], [1, 1]), tempfile.mkdtemp())
    >>> sorted(out)
    ['plot', 'report']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {"report": folder / "report.json"}
    out["report"].write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if plot == "html":
        out["plot"] = folder / "confusion.html"
        out["plot"].write_text(_confusion_html(report, title), encoding="utf-8")
    elif plot == "png":
        out["plot"] = folder / "confusion.png"
        _confusion_png(report, out["plot"], title)
    elif plot != "none":
        raise InputError(f"plot must be html, png or none, not {plot!r}")
    return out
