"""The docs move with the code: every canonical column is documented."""

from pathlib import Path

from shoplens.data.schema import SYSTEM_TABLES, TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_column_is_in_the_data_model_page():
    page = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    for spec in [*TABLES.values(), *SYSTEM_TABLES.values()]:
        section = page.split(f"## `{spec.name}`", 1)[1].split("\n## ", 1)[0]
        for column in spec.columns:
            assert f"| `{column}` |" in section, (spec.name, column)


def test_readme_quick_start_has_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick
