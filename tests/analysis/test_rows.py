"""Rows of an index: the texts of a few documents read cell by cell equal a take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis import build_index
from analysis import schema as S
from analysis.rows import FEW_ROWS, text_cells


@pytest.fixture(scope="module")
def chunked():
    """An index whose text column is held in three Arrow chunks, as a large one is read."""
    texts = [f"Text {n}: tea and {'rice ' * (n % 4)}more." for n in range(FEW_ROWS + 300)]
    index = build_index(
        pd.DataFrame({"doc_id": [f"d{n}" for n in range(len(texts))], "text": texts})
    )
    parts = pa.chunked_array([texts[:700], texts[700:1100], texts[1100:]], pa.large_string())
    index.docs[S.TEXT] = pd.Series(pd.arrays.ArrowStringArray(parts), index=index.docs.index)
    assert index.docs[S.TEXT].array._pa_array.num_chunks == 3
    return index, texts


@pytest.mark.parametrize("how", ["few", "many", "none"])
def test_text_cells_equal_a_take_of_the_column(chunked, how: str) -> None:
    index, texts = chunked
    rng = np.random.default_rng(7)
    size = {"few": 40, "many": FEW_ROWS + 5, "none": 0}[how]
    rows = np.sort(rng.choice(len(texts), size=size, replace=False))
    if how == "few":
        rows = np.concatenate([rows, [699, 700, 1100, len(texts) - 1, 0, 0]])  # chunk edges
    taken = index.docs[S.TEXT].iloc[rows].astype(str).tolist()
    assert text_cells(index, rows) == taken == [texts[r] for r in rows.tolist()]
