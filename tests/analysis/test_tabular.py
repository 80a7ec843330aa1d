"""Formula neutralisation for CSV/XLSX cells."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.tabular import neutralise_cell, neutralise_formulas


def test_neutralise_formulas_prefixes_dangerous_text_only():
    table = pd.DataFrame(
        {
            "term": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "plain", "a=b"],
            "value": [-1.5, 2, 3, 4, 5, 6, 7],
        }
    )
    safe = neutralise_formulas(table)
    assert safe["term"].tolist() == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "a=b",
    ]
    assert safe["value"].tolist() == [-1.5, 2, 3, 4, 5, 6, 7]
    assert table["term"].iloc[0] == '=HYPERLINK("x")'  # input untouched


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_neutralise_cell_prefixes_formula_text(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["river", "长江", "", 3, -3, 2.5, None])
def test_neutralise_cell_leaves_other_values(cell: object) -> None:
    assert neutralise_cell(cell) == cell


def test_neutralise_formulas_copies_and_keeps_numbers(formula_table) -> None:
    table = formula_table
    before = table.copy()
    out = neutralise_formulas(table)
    pd.testing.assert_frame_equal(table, before)
    assert out["title"].tolist()[:6] == ["'" + v for v in before["title"][:6]]
    assert out["title"].tolist()[6:] == ["长江三角洲", "plain"]
    assert out["count"].tolist() == before["count"].tolist()


def test_neutralise_formulas_covers_headers() -> None:
    out = neutralise_formulas(pd.DataFrame({"=cmd": [1]}))
    assert list(out.columns) == ["'=cmd"]


def test_neutralise_formulas_reaches_category_columns() -> None:
    table = pd.DataFrame(
        {
            "source": pd.Categorical(['=HYPERLINK("http://x")', "BBC", '=HYPERLINK("http://x")']),
            "clash": pd.Categorical(["=a", "'=a", "b"]),
        }
    )
    out = neutralise_formulas(table)
    assert out["source"].tolist() == ['\'=HYPERLINK("http://x")', "BBC", '\'=HYPERLINK("http://x")']
    assert isinstance(out["source"].dtype, pd.CategoricalDtype)
    # Two categories that neutralise alike still come out right, as plain text.
    assert out["clash"].tolist() == ["'=a", "'=a", "b"]
    assert table["source"].iloc[0].startswith("=")  # the input is untouched
