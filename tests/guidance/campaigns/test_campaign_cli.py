"""The campaign CLI: design, assign, analyze, audience; bad input is one line and exit 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from shoplens.cli import app
from shoplens.guidance.campaigns.experiments import sample_size

runner = CliRunner()


def test_experiment_design_assign_analyze(tmp_path):
    r = runner.invoke(app, ["campaign", "experiment", "design", "--mde", "0.02",
                            "--baseline", "0.1"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert f"{sample_size(mde=0.02, baseline=0.1).per_arm:,}" in r.output
    pd.DataFrame({"customer_id": [f"C{i}" for i in range(3000)]}).to_csv(tmp_path / "c.csv")
    out = tmp_path / "a.csv"
    r = runner.invoke(app, ["campaign", "experiment", "assign", str(tmp_path / "c.csv"),
                            "--id", "e1", "--holdout", "0.1", "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    a = pd.read_csv(out)
    rng = np.random.default_rng(0)
    a["converted"] = rng.random(len(a)) < np.where(a.arm == "treatment", 0.2, 0.1)
    a.to_csv(out, index=False)
    r = runner.invoke(app, ["campaign", "experiment", "analyze", str(out),
                            "--metrics", "converted"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "ship treatment" in r.output
    r = runner.invoke(app, ["campaign", "experiment", "analyze", str(out), "--metrics", "nope"])
    assert r.exit_code == 2 and "no column 'nope'" in r.output


def test_audience_errors_point_at_the_line(tmp_path, duck):
    f = tmp_path / "a.yaml"
    f.write_text("audiences:\n  - name: x\n    where:\n      - clvv: {gt: 3}\n", "utf-8")
    r = runner.invoke(app, ["campaign", "audience", "--file", str(f), "--warehouse",
                            str(tmp_path / "warehouse.duckdb")])  # fmt: skip
    assert r.exit_code == 2
    assert "line 4" in r.output and "clvv" in r.output
