"""Tests for analysis/corpus/containers.py: folders, uploads, zips, links and special files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.corpus import load_corpus, load_uploads
from analysis.limits import IngestLimits
from tests.analysis.corpus.helpers import assert_ledger_invariant

if TYPE_CHECKING:
    from conftest import Hostile


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


def test_an_uploaded_hidden_file_is_loaded() -> None:
    corpus = load_uploads([(".secret.txt", b"Chosen on purpose."), ("a.txt", b"Plain.")])
    assert_ledger_invariant(corpus)
    assert corpus.report[["location", "status"]].values.tolist() == [
        [".secret.txt", "loaded"],
        ["a.txt", "loaded"],
    ]
    assert corpus.docs["text"].tolist() == ["Chosen on purpose.", "Plain."]


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
