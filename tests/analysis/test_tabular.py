"""Formula neutralisation for CSV/XLSX cells."""

from __future__ import annotations

import pandas as pd

from analysis.tabular import neutralise_formulas


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
