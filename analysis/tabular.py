"""Tables leaving the program: formula cells neutralised for spreadsheets."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: A text cell starting with one of these is a formula to Excel/LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run.

    >>> neutralise_cell("=1+1"), neutralise_cell("river"), neutralise_cell(-3)
    ("'=1+1", 'river', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``table`` whose text cells and headers cannot run as formulas.

    A text cell that starts with ``= + - @`` (or a tab or carriage return) gets
    a leading apostrophe, which spreadsheets show but do not evaluate. Numbers
    stay numbers: ``-3.5`` in a numeric column is data, not a formula.

    >>> neutralise_formulas(pd.DataFrame({"t": ["=1+1", "ok"], "n": [-1, 2]})).to_dict("list")
    {'t': ["'=1+1", 'ok'], 'n': [-1, 2]}
    """
    columns = []
    for position in range(table.shape[1]):
        series = table.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):
            # Categories are text too ("=cmd|..." as a source name); a category column
            # is written as its values, so neutralise those, keeping the column's type.
            categories = series.cat.categories.map(neutralise_cell)
            if categories.is_unique:
                series = series.cat.rename_categories(list(categories))
            else:  # two categories neutralise alike: plain text then
                series = series.astype(object).map(neutralise_cell)
        elif pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(
            series.dtype
        ):
            series = series.map(neutralise_cell).astype(series.dtype)
        columns.append(series.reset_index(drop=True))
    out = pd.concat(columns, axis=1) if columns else table.reset_index(drop=True).copy()
    out.index = table.index
    out.columns = [neutralise_cell(str(c)) for c in table.columns]
    return out
