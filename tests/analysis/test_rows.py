"""Rows of an index: the texts of a few documents read cell by cell equal a take; the rows
of a few ids found by a scan equal those of the map of every id."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis import build_index
from analysis import schema as S
from analysis.errors import OptionError
from analysis.rows import FEW_IDS, FEW_ROWS, SCANS_BEFORE_MAP, row_of, rows_for, text_cells


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


def test_rows_for_few_ids_by_a_scan_equal_the_rows_of_the_map_of_every_id() -> None:
    ids = ["a", "b", "c", "b", "7", "d"]  # "b" twice: the map keeps its last row
    index = build_index(pd.DataFrame({"doc_id": ids, "text": [f"text {i}" for i in ids]}))
    asked = [["c"], ["b", "a", "b"], ["7"], [], ["d", "c", "b", "a"]]
    scanned = [rows_for(index, q).tolist() for q in asked]
    assert "row_of" not in index._memo  # a few ids make no map of every id
    with pytest.raises(OptionError, match="No document with id 'x'"):
        rows_for(index, ["a", "x"])
    many = [f"m{n}" for n in range(FEW_IDS + 1)]
    with pytest.raises(OptionError, match="No document with id 'm0'"):
        rows_for(index, many)  # more ids than FEW_IDS: the map is made
    assert isinstance(index._memo.get("row_of"), dict)
    expected = [[row_of(index)[i] for i in q] for q in asked]
    assert scanned == expected == [[2], [3, 0, 3], [4], [], [5, 2, 3, 0]]
    assert [rows_for(index, q).tolist() for q in asked] == expected


def test_rows_for_keeps_a_map_of_every_id_after_its_first_scans() -> None:
    index = build_index(pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["x", "y", "z"]}))
    for n in range(SCANS_BEFORE_MAP):
        assert rows_for(index, ["c", "a"]).tolist() == [2, 0]
        assert "row_of" not in index._memo, n
    assert rows_for(index, ["c", "a"]).tolist() == [2, 0]
    assert index._memo["row_of"] == {"a": 0, "b": 1, "c": 2}
