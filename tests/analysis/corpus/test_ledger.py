"""Tests for analysis/corpus/ledger.py: precision, ids, duplicates, metadata, hashes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.corpus import SEEDS_DIR, LoadedCorpus, load_corpus, load_uploads
from analysis.schema import CORPUS_COLUMNS
from tests.analysis.corpus.helpers import assert_ledger_invariant

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_load_corpus_all_quarantined_returns_empty_docs_with_ledger(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01")
    corpus = load_corpus(tmp_path)
    assert corpus.docs.empty
    assert list(corpus.docs.columns) == list(CORPUS_COLUMNS)
    assert corpus.report["status"].tolist() == ["quarantined", "quarantined"]
    assert_ledger_invariant(corpus)


def test_declared_precision_never_refines_a_date() -> None:
    data = (
        b'{"text": "a", "date": "2023-11", "date_precision": "day"}\n'
        b'{"text": "b", "date": "2023-11-30", "date_precision": "month"}\n'
        b'{"text": "c", "date": "2023-11-30", "date_precision": "decade"}\n'
    )
    corpus = load_uploads([("a.jsonl", data)])
    docs = corpus.docs
    assert docs["date_precision"].tolist() == ["month", "month", "day"]
    assert docs["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-11-01",
        "2023-11-01",
        "2023-11-30",
    ]
    assert corpus.report["reason"].iloc[2] == "precision: ignored date_precision 'decade'"


def test_duplicate_ids_renamed_and_rename_collisions_avoided() -> None:
    rows = [("x", "one"), ("x", "two"), ("x#2", "three"), ("x", "four")]
    data = "\n".join(json.dumps({"id": i, "text": t}) for i, t in rows).encode()
    corpus = load_uploads([("a.jsonl", data)])
    assert corpus.docs["doc_id"].tolist() == ["x", "x#2", "x#2#2", "x#3"]
    assert corpus.report["reason"].tolist()[:2] == [
        "undated: no date",
        "undated: no date; renamed: doc_id 'x' was already used; this is 'x#2'",
    ]


def test_duplicates_by_normalised_text_keep_the_first() -> None:
    texts = ["Hello  World", "hello world", "HELLO\nWORLD", "ｈｅｌｌｏ ｗｏｒｌｄ", "Hello World!"]
    files = [(f"{i}.txt", t.encode()) for i, t in enumerate(texts)]
    corpus = load_uploads(files)
    assert corpus.report["status"].tolist() == [
        "loaded",
        "duplicate",
        "duplicate",
        "duplicate",
        "loaded",
    ]
    assert corpus.report["duplicate_of"].tolist() == ["", "0.txt", "0.txt", "0.txt", ""]


def test_content_hash_stable_across_processes_and_sensitive_to_text(tmp_path: Path) -> None:
    first = load_corpus("seeds")
    assert first.content_hash == first.content_hash == load_corpus("seeds").content_hash
    code = "from analysis.corpus import load_corpus; print(load_corpus('seeds').content_hash)"
    other = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == first.content_hash
    for path in SEEDS_DIR.glob("*.txt"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert load_corpus(tmp_path).content_hash == first.content_hash
    (tmp_path / "000_1548ca6221300e84.txt").write_text("date 2023-11-30 T\n\nChanged.")
    assert load_corpus(tmp_path).content_hash != first.content_hash


def test_unpaired_surrogate_escapes_in_json_are_kept_as_replacement_characters(
    tmp_path: Path,
) -> None:
    # Half a surrogate pair (\ud83d without \ude00: an emoji cut in two) is valid
    # JSON but not Unicode; the document is kept and the ledger says so.
    lines = [
        '{"text": "Cut emoji \\ud83d here", "title": "T\\udc00", "tags": ["x\\ud800"], '
        '"date": "2020\\ud800"}',
        '{"text": "Whole emoji \\ud83d\\ude00 here"}',
    ]
    (tmp_path / "broken.jsonl").write_text("\n".join(lines), encoding="utf-8")
    corpus = load_corpus(tmp_path / "broken.jsonl")
    docs = corpus.docs
    assert docs["text"].tolist() == ["Cut emoji \ufffd here", "Whole emoji \U0001f600 here"]
    assert docs["title"].tolist()[0] == "T\ufffd"
    assert docs["tags"].tolist()[0] == ["x\ufffd"]
    reasons = corpus.report["reason"].tolist()
    assert reasons[0] == (
        "undated: could not parse date '2020\ufffd'; "
        "replaced: unpaired surrogates (broken \\u escapes) shown as U+FFFD"
    )
    assert reasons[1] == "undated: no date"
    from analysis.index import build_index

    assert {"cut", "emoji", "whole"} <= set(build_index(corpus).vocab["term"])


def _saved_and_reloaded(corpus: LoadedCorpus, tmp_path: Path) -> None:
    """The index cache's parquet save takes the corpus, and a reload gives the same counts."""
    from analysis.index import build_index
    from analysis.terms import corpus_summary

    built = build_index(corpus, cache_dir=tmp_path)
    loaded = build_index(corpus, cache_dir=tmp_path, notice=lambda n: pytest.fail(n.message))
    assert (loaded.counts != built.counts).nnz == 0
    assert (
        loaded.docs.drop(columns="date")
        .astype(str)
        .equals(corpus.docs.drop(columns="date").astype(str))
    )
    assert corpus_summary(loaded, None)["documents"] == len(corpus.docs)


def test_a_5000_digit_number_is_kept_as_text_and_the_other_records_load(tmp_path: Path) -> None:
    digits = "7" * 5000
    data = f'{{"text": "one", "n": {digits}}}\n{{"text": "two", "n": 5}}\n{{"text": "three"}}\n'
    corpus = load_uploads([("big.jsonl", data.encode())])
    assert_ledger_invariant(corpus)
    assert corpus.report["status"].tolist() == ["loaded"] * 3
    assert corpus.docs["n"].tolist() == [digits, "5", None]
    assert (
        "metadata: 'n' holds a 5,000-digit number; the column is stored as text"
        in (corpus.report.loc[0, "reason"])
    )
    array = json.dumps([{"text": "one", "x": 1}]).replace("1}", f"{digits}.5e99999}}")
    assert load_uploads([("a.json", array.encode())]).docs["x"].tolist() == [f"{digits}.5e99999"]
    _saved_and_reloaded(corpus, tmp_path)


def test_mixed_type_and_huge_integer_metadata_are_stored_as_text(tmp_path: Path) -> None:
    lines = [
        {"text": "one", "page": 3, "n": 2**64, "ok": 1},
        {"text": "two", "page": "iv", "n": 1, "ok": 2.5},
        {"text": "three", "n": -(2**63)},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    corpus = load_uploads([("mixed.jsonl", data)])
    assert_ledger_invariant(corpus)
    docs = corpus.docs
    assert docs["page"].tolist() == ["3", "iv", None]
    assert docs["n"].tolist() == [str(2**64), "1", str(-(2**63))]
    assert docs["ok"].tolist()[:2] == [1.0, 2.5]  # integers beside floats stay numbers
    reasons = corpus.report["reason"].tolist()
    assert "metadata: 'page' mixes integer and text; the column is stored as text" in reasons[0]
    assert "metadata: 'n' holds an integer beyond 64 bits" in reasons[0]
    assert "metadata" not in reasons[1]  # the text value was text already
    _saved_and_reloaded(corpus, tmp_path / "jsonl")


def test_an_xlsx_column_of_dates_and_na_is_stored_as_text(tmp_path: Path) -> None:
    from datetime import datetime

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["text", "signed", "page"])
    sheet.append(["one", datetime(2020, 1, 2), 3])
    sheet.append(["two", "n/a", "iv"])
    sheet.append(["three", datetime(2021, 5, 6), 4])
    buffer = io.BytesIO()
    workbook.save(buffer)
    corpus = load_uploads([("t.xlsx", buffer.getvalue())])
    assert_ledger_invariant(corpus)
    assert corpus.docs["signed"].tolist() == ["2020-01-02T00:00:00", "n/a", "2021-05-06T00:00:00"]
    assert corpus.docs["page"].tolist() == ["3", "iv", "4"]
    assert "metadata: 'signed' mixes date and text" in corpus.report.loc[0, "reason"]
    _saved_and_reloaded(corpus, tmp_path)


def test_missing_dates_get_no_false_surrogate_note() -> None:
    data = b'{"text": "x", "date": NaN}\n{"text": "y", "date": null}\n{"text": "z \\ud800"}\n'
    corpus = load_uploads([("d.jsonl", data), ("t.csv", b"text,date\nhello,\n")])
    assert_ledger_invariant(corpus)
    reasons = corpus.report["reason"].tolist()
    assert reasons[:2] == ["undated: no date", "undated: no date"]
    assert reasons[2] == (
        "undated: no date; replaced: unpaired surrogates (broken \\u escapes) shown as U+FFFD"
    )
    assert reasons[3] == "undated: no date"
