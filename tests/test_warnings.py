"""The suite's warning filters (pyproject ``filterwarnings``) do what they say.

Warnings attributed to ShopLens' own modules fail the test that raised them; the known
deprecations inside dependencies are ignored; any other warning is still shown.
"""

from __future__ import annotations

import warnings

import pytest


def _warn(message: str, category: type[Warning], module: str) -> None:
    warnings.warn_explicit(message, category, f"{module.replace('.', '/')}.py", 1, module=module)


@pytest.mark.parametrize("module", ["shoplens", "shoplens.journeys.report"])
@pytest.mark.parametrize("category", [UserWarning, DeprecationWarning, FutureWarning])
def test_a_warning_from_shoplens_code_is_an_error(module, category):
    with pytest.raises(category, match="new"):
        _warn("a new warning", category, module)


@pytest.mark.parametrize(
    ("message", "category", "module"),
    [
        ("fetch_arrow_table() is deprecated, use ...", DeprecationWarning, "ibis.backends.duckdb"),
        (
            "The 'future.infer_string' option is deprecated and will be removed",
            FutureWarning,
            "ibis.formats.pandas",
        ),
        ("anything", DeprecationWarning, "pyspark.sql.pandas"),
    ],
)
def test_known_third_party_deprecations_are_quiet(message, category, module):
    with warnings.catch_warnings(record=True) as seen:
        _warn(message, category, module)
    assert seen == []


@pytest.mark.parametrize("module", ["ibis.expr", "shoplensx", "lifetimes"])
def test_other_warnings_are_still_shown(module):
    with warnings.catch_warnings(record=True) as seen:
        _warn("something else", UserWarning, module)
    assert [str(w.message) for w in seen] == ["something else"]
