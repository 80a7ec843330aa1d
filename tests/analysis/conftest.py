"""Fixtures for the corpus loader tests.

``write_hostile_corpus`` builds, in code, a folder of inputs that go wrong in
every way the loader must survive (bad encodings, binary files, broken CSV
rows, invalid JSON lines, bad dates, duplicates, a zip with a traversal name,
unsupported types) and returns the ledger row each unit must produce. No
binary fixture is committed: the bytes are written here.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from analysis.corpus import load_corpus
from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from tests.analysis.tiny import NUMBERS, REUSE_DOCS, SPREAD_DOCS, TINY, shared_corpus

SHARED_CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"

BAD_ENCODING = "bad encoding: not UTF-8/UTF-16/cp1252/GB18030 (convert the file to UTF-8)"
BINARY = "binary file (it contains NUL bytes; if it is UTF-16 text, save it with a BOM or as UTF-8)"

# Texts the tests compare after loading.
UTF16_TEXT = "Grüße aus Köln, written as UTF-16 with a byte-order mark."
CP1252_TEXT = "He said “smart quotes” — café, naïve, résumé."
GB18030_TEXT = "中华人民共和国国务院政府工作报告。各位代表：现在，我代表国务院，向大会报告。"
# 0x81 0x8D 0x8F 0x90 0x9D are undefined in cp1252, and 0x81 followed by a space
# is no GB18030 sequence: these bytes are nothing in any supported encoding.
UNDECODABLE = b"Caf\x81 \x8d\x8f\x90\x9d text"


@dataclass(frozen=True)
class Expected:
    """The ledger row one unit must produce (``reason`` compared exactly)."""

    status: str
    reason: str = ""
    duplicate_of: str = ""


def _csv_text() -> str:
    return (
        "\n".join(
            [
                "id,date,text",  # line 1
                "c1,2023-11-30,First good row about rivers.",  # 2
                "c2,2023-11-30,too,many,fields",  # 3: 5 fields
                'c3,2023-11-30,"bad "quote" here"',  # 4: malformed quoting
                "c4,sometime,Row with a date nobody can read.",  # 5
                "c5,1999,A year-only row.",  # 6
                "",  # 7: blank, not a unit
                'c6,2023-12-01,"  FIRST good ROW   about rivers. "',  # 8: duplicate of c1
                'c7,2023-12-02,"A quoted',  # 9: one record over two lines
                'multi-line row."',  # 10
                'c8,2023-12-03,"unterminated quote',  # 11: swallows the rest
                "still open",  # 12
            ]
        )
        + "\n"
    )


def _jsonl_text() -> str:
    return (
        "\n".join(
            [
                '{"id": "j1", "date": "2023-11", "title": "Month only", '
                '"text": "A month-precision line.", "speaker": "A"}',  # 1
                '{"id": "j2", "date": "2023-11-30", "text": "Broken line"',  # 2
                "",  # 3: blank, not a unit
                "[1, 2, 3]",  # 4
                '{"id": "j4", "text": "   "}',  # 5
                '{"id": "j5", "text": ["a", "list"]}',  # 6
                '{"id": "j6", "date": "1946-01-01", "date_precision": "year", '
                '"text": "Declared year precision."}',  # 7
                '{"id": "j1", "date": "2023-12-01", "text": "Same id, different text."}',  # 8
                '{"id": "j9", "text": "a MONTH-precision   line."}',  # 9: duplicate of j1
                '{"id": "j10", "date": "2023-13-45", "text": "Impossible date."}',  # 10
                '{"id": "j11", "text": "No date field at all."}',  # 11
                '"just a string"',  # 12
                '{"id": "j13", "date": "2023-11-30", "text": "ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ"}',  # 13
                '{"id": "j14", "date": "2023-11-30", "text": "FULLWIDTH text"}',  # 14: NFKC dup
            ]
        )
        + "\n"
    )


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("news/a.txt", "Zip member text.")
        archive.writestr("news/copy.txt", "zip MEMBER   text.")
        archive.writestr("news/picture.png", b"\x89PNG\r\n\x1a\n\x00\x00")
        archive.writestr("../../evil.txt", "A traversal name is only a label.")
        archive.writestr("__MACOSX/news/._a.txt", b"\x00\x05\x16\x07")
        archive.writestr("rows.csv", "text;date\nSemicolon row;2023-11-30\n")
        archive.writestr("empty.jsonl", "\n\n")
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "2023"
    first.append(["Title", "Date", "Body", "Party"])  # row 1
    first.append(["A", datetime(2023, 11, 30, 9, 30), "Body of row A.", "X"])  # 2
    first.append([None, None, None, None])  # 3: blank, not a unit
    first.append(["B", "2023-12", "Body of row B.", None])  # 4
    first.append(["C", "2023-12-05", None, "Y"])  # 5: no text
    second = workbook.create_sheet("notes")
    second.append(["text"])
    second.append(["A note on the second sheet."])  # 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_bytes(paragraphs: list[str], title: str = "") -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _tsv_gz_bytes() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["headline", "published", "outlet"])
    writer.writerow(["Tab separated and gzipped headline", "Nov 30, 2023", "Wire"])
    return gzip.compress(buffer.getvalue().encode("utf-8"))


def hostile_files() -> dict[str, bytes]:
    """Relative path -> bytes of every hostile input (hidden files included)."""
    return {
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "._ghost.txt": b"\x00\x05\x16\x07AppleDouble",
        ".git/config": b"[core]\n",
        "archive.zip": _zip_bytes(),
        "bad.csv.gz": b"not gzip at all",
        "bad.json": b'[\n  {"text": "one"}\n  {"text": "two"}\n]',
        "bad_encoding.txt": UNDECODABLE,
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "blank.md": b"  \n\t\n",
        "book.xlsx": _xlsx_bytes(),
        "broken.csv": _csv_text().encode("utf-8"),
        "broken.docx": b"PK\x03\x04 this is not a real docx",
        "cp1252.txt": CP1252_TEXT.encode("cp1252"),
        "empty.txt": b"",
        "gb18030.txt": GB18030_TEXT.encode("gb18030"),
        "lines.jsonl": _jsonl_text().encode("utf-8"),
        "mixed_utf8.txt": "Line one is fine: café.\nLine two has a stray ".encode()
        + b"\x93cp1252 quote.\n",
        "noext": b"plain text without an extension",
        "records.json": b'{"documents": [{"text": "Record zero."}, 3, {"text": "Record two."}]}',
        "report.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "rows.tsv.gz": _tsv_gz_bytes(),
        "seed.docx": _docx_bytes(
            ["date 2023-12-03 A headline in Word", "", "First paragraph.", "Second paragraph."]
        ),
        "sub/2023-11-30_note.txt": b"A note whose date is in its file name.",
        "sub/deeper/titled.docx": _docx_bytes(["Only paragraph."], title="Core Title"),
        "utf16.txt": UTF16_TEXT.encode("utf-16"),
        "utf16_nobom.txt": "No BOM here".encode("utf-16-le"),
        "utf8_bom.txt": "\ufeff date 2023-11-30 Seed headline\n\n\nThe body.".encode("utf-8"),
    }


# location -> the ledger row it must produce, in the order the folder is read.
HOSTILE_LEDGER: dict[str, Expected] = {
    "archive.zip!../../evil.txt": Expected("loaded", "undated: no date"),
    "archive.zip!empty.jsonl": Expected("quarantined", "no text"),
    "archive.zip!news/a.txt": Expected("loaded", "undated: no date"),
    "archive.zip!news/copy.txt": Expected(
        "duplicate", "same text as 'archive.zip!news/a.txt'", "archive.zip!news/a.txt"
    ),
    "archive.zip!news/picture.png": Expected(
        "quarantined", "unsupported file type .png (convert it to .txt, .docx, .csv or .jsonl)"
    ),
    "archive.zip!rows.csv:2": Expected("loaded"),
    "bad.csv.gz": Expected("quarantined", "unreadable gzip: Not a gzipped file (b'no')"),
    "bad.json": Expected("quarantined", "invalid JSON on line 3: Expecting ',' delimiter"),
    "bad_encoding.txt": Expected("quarantined", BAD_ENCODING),
    "binary.txt": Expected("quarantined", BINARY),
    "blank.md": Expected("quarantined", "no text"),
    "book.xlsx!2023:2": Expected("loaded"),
    "book.xlsx!2023:4": Expected("loaded"),
    "book.xlsx!2023:5": Expected(
        "quarantined", "no text (its text field 'Body' is empty or missing)"
    ),
    "book.xlsx!notes:2": Expected("loaded", "undated: no date"),
    "broken.csv:2": Expected("loaded"),
    "broken.csv:3": Expected("quarantined", "CSV row has 5 fields, header has 3"),
    "broken.csv:4": Expected("quarantined", "CSV parse error on line 4: ',' expected after '\"'"),
    "broken.csv:5": Expected("loaded", "undated: could not parse date 'sometime'"),
    "broken.csv:6": Expected("loaded"),
    "broken.csv:8": Expected("duplicate", "same text as 'c1'", "c1"),
    "broken.csv:9": Expected("loaded"),
    "broken.csv:11": Expected(
        "quarantined", "CSV parse error on lines 11-12: unexpected end of data"
    ),
    "broken.docx": Expected("quarantined", "unreadable .docx: File is not a zip file"),
    "cp1252.txt": Expected("loaded", "undated: no date"),
    "empty.txt": Expected("quarantined", "no text"),
    "gb18030.txt": Expected("loaded", "undated: no date"),
    "lines.jsonl:1": Expected("loaded"),
    "lines.jsonl:2": Expected("quarantined", "invalid JSON on line 2: Expecting ',' delimiter"),
    "lines.jsonl:4": Expected("quarantined", "JSON line is not an object (got list)"),
    "lines.jsonl:5": Expected("quarantined", "no text (its text field 'text' is empty or missing)"),
    "lines.jsonl:6": Expected("quarantined", "text field 'text' holds a list, not a string"),
    "lines.jsonl:7": Expected("loaded"),
    "lines.jsonl:8": Expected("loaded", "renamed: doc_id 'j1' was already used; this is 'j1#2'"),
    "lines.jsonl:9": Expected("duplicate", "same text as 'j1'", "j1"),
    "lines.jsonl:10": Expected("loaded", "undated: could not parse date '2023-13-45'"),
    "lines.jsonl:11": Expected("loaded", "undated: no date"),
    "lines.jsonl:12": Expected("quarantined", "JSON line is not an object (got string)"),
    "lines.jsonl:13": Expected("loaded"),
    "lines.jsonl:14": Expected("duplicate", "same text as 'j13'", "j13"),
    "mixed_utf8.txt": Expected(
        "quarantined",
        "bad encoding: invalid UTF-8 byte 0x93 on line 2 (the rest is UTF-8; fix or delete "
        "that byte)",
    ),
    "noext": Expected(
        "quarantined", "unsupported file type (no extension; rename it to .txt if it is plain text)"
    ),
    "records.json[0]": Expected("loaded", "undated: no date"),
    "records.json[1]": Expected("quarantined", "JSON record is not an object (got number)"),
    "records.json[2]": Expected("loaded", "undated: no date"),
    "report.pdf": Expected(
        "quarantined", "unsupported file type .pdf (convert it to .txt or .docx)"
    ),
    "rows.tsv.gz:2": Expected("loaded"),
    "seed.docx": Expected("loaded"),
    "sub/2023-11-30_note.txt": Expected("loaded"),
    "sub/deeper/titled.docx": Expected("loaded", "undated: no date"),
    "utf16.txt": Expected("loaded", "undated: no date"),
    "utf16_nobom.txt": Expected("quarantined", BINARY),
    "utf8_bom.txt": Expected("loaded"),
}


def write_hostile_corpus(root: Path) -> Path:
    """Write :func:`hostile_files` under ``root / "hostile"`` and return that folder."""
    folder = root / "hostile"
    for relative, content in hostile_files().items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


@dataclass(frozen=True)
class Hostile:
    """The hostile inputs on disk, their bytes, and what loading them must give."""

    folder: Path
    files: dict[str, bytes]
    ledger: dict[str, Expected]
    texts: dict[str, str]


@pytest.fixture
def hostile(tmp_path: Path) -> Hostile:
    """A folder of hostile inputs with the exact ledger each unit must produce."""
    return Hostile(
        folder=write_hostile_corpus(tmp_path),
        files=hostile_files(),
        ledger=dict(HOSTILE_LEDGER),
        texts={"utf16": UTF16_TEXT, "cp1252": CP1252_TEXT, "gb18030": GB18030_TEXT},
    )


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The shared corpora beside the checkout; skips only when that folder is absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {SHARED_CORPORA.resolve()}")
    return SHARED_CORPORA


# Indexes the comparison tests share (similarity, keyness, reuse, duplicates).


@pytest.fixture(scope="module")
def seeds():
    return build_index(load_corpus("seeds"))


@pytest.fixture(scope="module")
def tiny():
    return build_index(TINY, settings=IndexSettings(detect_phrases=False))


@pytest.fixture(scope="module")
def headlines():
    corpus = load_corpus(shared_corpus("china_media_headlines_2022") / "docs.jsonl")
    return build_index(corpus)


@pytest.fixture(scope="module")
def reuters():
    corpus = load_corpus(shared_corpus("reuters21578") / "docs.jsonl")
    return build_index(corpus, settings=IndexSettings(detect_phrases=False))


@pytest.fixture(scope="module")
def numbers_index():
    return build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))


@pytest.fixture(scope="module")
def spread_index():
    return build_index(SPREAD_DOCS, settings=IndexSettings(detect_phrases=False))


@pytest.fixture(scope="module")
def reuse_index():
    return build_index(REUSE_DOCS, settings=IndexSettings(detect_phrases=False))
