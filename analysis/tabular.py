"""Tables leaving the program: formula cells neutralised for spreadsheets."""

from __future__ import annotations

import pandas as pd

#: A text cell starting with one of these is a formula to Excel/LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``table`` whose text cells cannot run as spreadsheet formulas.

    A text cell that starts with ``= + - @`` (or a tab or carriage return) gets
    a leading apostrophe, which spreadsheets show but do not evaluate. Numbers
    stay numbers: ``-3.5`` in a numeric column is data, not a formula.

    >>> neutralise_formulas(pd.DataFrame({"t": ["=1+1", "ok"], "n": [-1, 2]})).to_dict("list")
    {'t': ["'=1+1", 'ok'], 'n': [-1, 2]}
    """
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(_safe)
    out.columns = [_safe(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
