"""Tests for analysis/corpus/records.py: which field of a row or record is which."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus import load_corpus, load_uploads
from analysis.errors import CorpusError


def test_load_corpus_missing_text_column_lists_available(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"no column 'speech'.*Available columns: id, body"):
        load_corpus(tmp_path / "a.csv", text_column="speech")
    with pytest.raises(CorpusError, match=r"no column 'when' for the date"):
        load_corpus(tmp_path / "a.csv", date_column="when")


def test_csv_semicolon_sniffed_and_text_column_by_length() -> None:
    data = "Kurz;Langer Text;Datum\nx;Ein viel längerer Text hier;30.11.2023\n".encode()
    docs = load_uploads([("de.csv", data)]).docs
    assert docs.loc[0, "text"] == "Ein viel längerer Text hier"
    assert docs.loc[0, "Kurz"] == "x"
    assert docs.loc[0, "Datum"] == "30.11.2023"  # not a recognised date name: metadata
    assert pd.isna(docs.loc[0, "date"])


def test_csv_explicit_columns_and_collision_rename() -> None:
    data = b"when,body,text\n2023-11-30,The body.,A short note\n"
    docs = load_uploads([("a.csv", data)], text_column="BODY", date_column="when").docs
    assert docs.loc[0, "text"] == "The body."
    assert docs.loc[0, "meta_text"] == "A short note"
    assert docs.loc[0, "date"] == pd.Timestamp("2023-11-30")
