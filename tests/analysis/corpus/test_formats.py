"""Tests for analysis/corpus/formats.py: the seed format, CSV, JSON, JSON Lines and .docx."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.corpus import load_corpus, load_uploads
from tests.analysis.corpus.helpers import assert_ledger_invariant


def _lines_and_statuses(report: pd.DataFrame) -> list[tuple[int, str]]:
    return list(zip(report["line"].tolist(), report["status"].tolist(), strict=True))


def test_load_corpus_seed_format_with_bom_and_leading_space(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(
        b"\xef\xbb\xbf  date 2023-11-30 Headline here\r\n\r\n\r\nBody line.\r\nSecond line.\r\n"
    )
    docs = load_corpus(tmp_path / "doc.txt").docs
    assert docs.loc[0, "title"] == "Headline here"
    assert docs.loc[0, "text"] == "Body line.\nSecond line."
    assert docs.loc[0, "date"] == pd.Timestamp("2023-11-30")


def test_csv_header_only_is_one_quarantined_unit() -> None:
    corpus = load_uploads([("a.csv", b"id,text\n\n")])
    assert corpus.report["reason"].tolist() == ["no text (a header row and no data rows)"]


def test_json_array_and_jsonl_named_json() -> None:
    array = json.dumps([{"body": "One."}, {"body": "Two.", "year": 1999}]).encode()
    lines = b'{"text": "First."}\n{"text": "Second."}\n'
    corpus = load_uploads([("a.json", array), ("b.json", lines)])
    assert corpus.report["location"].tolist() == ["a.json[0]", "a.json[1]", "b.json:1", "b.json:2"]
    assert corpus.report["line"].isna().tolist() == [True, True, False, False]
    assert corpus.docs.loc[1, "date_precision"] == "year"


def test_jsonl_undecodable_line_costs_only_that_line() -> None:
    data = '{"text": "café one"}\n'.encode() + b'{"text": "bad \x93 byte"}\n{"text": "three"}\n'
    corpus = load_uploads([("a.jsonl", data)])
    assert corpus.report["status"].tolist() == ["loaded", "quarantined", "loaded"]
    assert corpus.report["reason"].iloc[1] == "bad encoding on line 2: not UTF-8"


def test_jsonl_in_cp1252_is_decoded_whole() -> None:
    data = '{"text": "“quoted” café"}\n{"text": "plain"}\n'.encode("cp1252")
    docs = load_uploads([("a.jsonl", data)]).docs
    assert docs["text"].tolist() == ["“quoted” café", "plain"]


_SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)


_KINDS = st.sampled_from(["good", "dup", "bad_json", "not_object", "no_text", "blank"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.tuples(_KINDS, _SAFE_TEXT), max_size=25))
def test_property_jsonl_every_line_accounted_once(kinds: list[tuple[str, str]]) -> None:
    lines: list[str] = []
    expected: list[tuple[int, str]] = []  # (line, status)
    goods: list[str] = []
    for kind, noise in kinds:
        number = len(lines) + 1
        if kind == "dup" and goods:
            original = goods[0]
            lines.append(json.dumps({"text": "  " + original.upper() + " "}))
            expected.append((number, "duplicate"))
        elif kind in ("good", "dup"):
            text = f"doc {number} | {noise}"
            goods.append(text)
            lines.append(json.dumps({"text": text}, ensure_ascii=False))
            expected.append((number, "loaded"))
        elif kind == "bad_json":
            lines.append('{"text": ' + json.dumps(noise))
            expected.append((number, "quarantined"))
        elif kind == "not_object":
            lines.append(json.dumps([noise]))
            expected.append((number, "quarantined"))
        elif kind == "no_text":
            lines.append(json.dumps({"text": None, "title": noise}))
            expected.append((number, "quarantined"))
        else:
            lines.append("   ")
    corpus = load_uploads([("p.jsonl", "\n".join(lines).encode("utf-8"))])
    report = corpus.report
    if not expected:
        assert report["status"].tolist() == ["quarantined"]
        assert report["reason"].tolist() == ["no text"]
    else:
        assert _lines_and_statuses(report) == expected
    assert_ledger_invariant(corpus)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(
        st.tuples(st.sampled_from(["good", "dup", "wrong", "empty"]), _SAFE_TEXT), max_size=25
    )
)
def test_property_csv_every_row_accounted_once(kinds: list[tuple[str, str]]) -> None:
    # The default "\r\n" terminator makes the writer quote fields holding "\r" or "\n".
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "text"])
    expected: list[tuple[int, str]] = []
    goods: list[str] = []
    line = 2
    for number, (kind, noise) in enumerate(kinds):
        chunk = io.StringIO()
        row_writer = csv.writer(chunk)
        if kind == "dup" and goods:
            row_writer.writerow([f"r{number}", goods[0].casefold()])
            expected.append((line, "duplicate"))
        elif kind in ("good", "dup"):
            text = f"doc {number} | {noise}"
            goods.append(text)
            row_writer.writerow([f"r{number}", text])
            expected.append((line, "loaded"))
        elif kind == "wrong":
            row_writer.writerow([f"r{number}", noise, "extra"])
            expected.append((line, "quarantined"))
        else:
            row_writer.writerow([f"r{number}", ""])
            expected.append((line, "quarantined"))
        buffer.write(chunk.getvalue())
        # Physical lines as the reader counts them: "\r\n", "\r" and "\n" end a line.
        line += len(re.findall(r"\r\n|\r|\n", chunk.getvalue()))
    corpus = load_uploads([("p.csv", buffer.getvalue().encode("utf-8"))])
    report = corpus.report
    if not expected:
        assert report["status"].tolist() == ["quarantined"]
    else:
        assert _lines_and_statuses(report) == expected
    assert_ledger_invariant(corpus)


@pytest.mark.shared
def test_shared_us_sotu_loads_249_without_quarantine(shared_corpora: Path) -> None:
    corpus = load_corpus(shared_corpora / "us_sotu" / "docs.jsonl")
    assert corpus.counts() == {
        "units": 249,
        "loaded": 249,
        "quarantined": 0,
        "duplicates": 0,
        "undated": 0,
    }
    assert_ledger_invariant(corpus)


@pytest.mark.shared
def test_shared_un_general_debate_year_precision(shared_corpora: Path) -> None:
    corpus = load_corpus(shared_corpora / "un_general_debate" / "docs.jsonl.gz")
    assert len(corpus.docs) == 10_952
    assert corpus.counts()["quarantined"] == 0
    assert (corpus.docs["date_precision"] == "year").all()
    assert corpus.docs["date"].dt.month.eq(1).all()
    assert_ledger_invariant(corpus)


@pytest.mark.shared
def test_shared_china_media_headlines_loads_with_duplicates_reported(
    shared_corpora: Path,
) -> None:
    corpus = load_corpus(shared_corpora / "china_media_headlines_2022" / "docs.jsonl")
    counts = corpus.counts()
    assert counts["units"] == 38_225
    assert counts["quarantined"] == 0
    # Headlines re-listed on other days or by other outlets repeat the same text.
    assert counts["duplicates"] == 1_672
    assert "sections" in corpus.docs.columns
    assert_ledger_invariant(corpus)


@pytest.mark.shared
def test_shared_zh_gov_work_reports_loads_67(shared_corpora: Path) -> None:
    corpus = load_corpus(shared_corpora / "zh_gov_work_reports" / "docs.jsonl")
    docs = corpus.docs
    assert len(docs) == 67
    assert docs["date_precision"].value_counts().to_dict() == {"year": 65, "day": 2}
    assert_ledger_invariant(corpus)


def test_docx_tables_are_read_in_place_each_cell_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Yangtze River"
    table.cell(0, 1).text = "Delta"
    table.cell(0, 2).merge(table.cell(1, 2)).text = "Merged cell"
    table.cell(1, 0).text = "Pearl River"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Nested"
    document.add_paragraph("After the table.")
    document.save(tmp_path / "report.docx")
    text = load_corpus(tmp_path / "report.docx").docs["text"].tolist()
    assert text == [
        "Before the table.\n\nYangtze River\nDelta\nMerged cell\nPearl River\nNested"
        "\n\nAfter the table."
    ]


def _docx_with_entities(paragraphs: list[str], doctype: bytes) -> bytes:
    from tests.analysis.conftest import _docx_bytes

    marked = [p.replace("&", "AMPERSAND") for p in paragraphs]
    source = zipfile.ZipFile(io.BytesIO(_docx_bytes(marked)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"AMPERSAND", b"&")
                data = re.sub(rb"(<\?xml[^>]*\?>)", rb"\1" + doctype, data, count=1)
            target.writestr(info, data)
    return out.getvalue()


def test_docx_paragraphs_with_entity_references_are_kept() -> None:
    doctype = b'<!DOCTYPE w:document [<!ENTITY co "Acme"><!ENTITY deep "&co;&co;">]>'
    data = _docx_with_entities(
        ["&co; rules the market.", "&co;", "Nested &deep; stays as written.", "Plain."],
        doctype,
    )
    undeclared = _docx_with_entities(["An &nope; here."], doctype)
    corpus = load_uploads([("e.docx", data), ("u.docx", undeclared)])
    assert_ledger_invariant(corpus)
    assert corpus.report["status"].tolist() == ["loaded", "quarantined"]
    assert corpus.docs["text"].tolist() == [
        "Acme rules the market.\n\nAcme\n\nNested &deep; stays as written.\n\nPlain."
    ]
    assert corpus.report.loc[1, "reason"].startswith("unreadable .docx: Entity 'nope' not defined")
