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


@pytest.mark.parametrize(
    ("data", "options", "reasons"),
    [
        (  # found by name: "body" (JSON Lines: an empty string, a null, a missing field)
            b'{"id": "1", "body": "Kept."}\n{"id": "2", "body": ""}\n'
            b'{"id": "3", "body": null}\n{"id": "4"}\n',
            {},
            ["", *["no text (its text field 'body' is empty or missing)"] * 3],
        ),
        (  # named by the caller, in another case than the field's
            b'{"summary": "Kept.", "note": "x"}\n{"summary": " ", "note": "y"}\n',
            {"text_column": "SUMMARY"},
            ["", "no text (its text field 'summary' is empty or missing)"],
        ),
        (  # no text name: the field with the longest strings is guessed
            b'{"summary": "A long summary.", "tag": "x"}\n{"summary": "", "tag": "y"}\n',
            {},
            [
                "",
                "no text (its text field 'summary' is empty or missing; no field is named "
                "'text', 'body', 'content', 'full_text', 'article' or 'speech', so 'summary' "
                "was guessed as the one with the longest strings)",
            ],
        ),
        (  # no field holds a string at all
            b'{"n": 1}\n{"n": 2}\n',
            {},
            ["no text (no field holds a string to read as the text)"] * 2,
        ),
    ],
)
def test_record_without_text_is_quarantined_naming_its_text_field(
    data: bytes, options: dict[str, str], reasons: list[str]
) -> None:
    report = load_uploads([("r.jsonl", data)], **options).report
    assert report["status"].tolist() == ["loaded" if not r else "quarantined" for r in reasons]
    quarantined = report["reason"][report["status"] == "quarantined"].tolist()
    assert quarantined == [r for r in reasons if r]


def test_row_without_text_names_its_column_in_a_table() -> None:
    data = b"title,body\nA,Kept.\nB,\n"
    report = load_uploads([("t.csv", data)]).report
    assert report["status"].tolist() == ["loaded", "quarantined"]
    assert report["reason"].iloc[1] == "no text (its text field 'body' is empty or missing)"
