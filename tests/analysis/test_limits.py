"""Every limit of analysis/limits.py, crossed: the message, the ledger row, nothing half-loaded."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from analysis.corpus import load_corpus, load_uploads
from analysis.corpus_index import IndexSettings
from analysis.errors import OptionError
from analysis.index import build_index
from analysis.limits import LIMIT_VARIABLES, IngestLimits, check_user_terms, estimate_tokens

README = Path(__file__).resolve().parents[2] / "README.md"
MORE = "or ask the host to raise the limit"
ARCHIVE_FIX = f"unpack the archive and load its files, or split it into smaller archives, {MORE}"
SHEET_FIX = (
    "delete the stray cells far from the table, split the workbook, or save it as CSV, " + MORE
)
UPLOAD_FIX = f"upload fewer or smaller files (nothing from this upload was loaded), {MORE}"


def _zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx(cells: dict[str, str], *, styled: tuple[str, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "S"
    for where, value in cells.items():
        sheet[where] = value
    for where in styled:
        sheet[where].font = Font(bold=True)  # a cell with a style and no value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(corpus):
    return corpus.report[["location", "status", "reason"]].values.tolist()


def _balanced(corpus) -> bool:
    counts = corpus.counts()
    return counts["units"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"]


# Archives.


def test_archive_over_its_ratio_is_refused_whole() -> None:
    data = _zip({"a.txt": "spam " * 40_000, "b.txt": "fine"})
    limits = IngestLimits(archive_ratio=10, archive_ratio_after=1000)
    corpus = load_uploads([("bomb.zip", data)], limits=limits)
    assert _rows(corpus) == [
        [
            "bomb.zip",
            "quarantined",
            f"refused: bomb.zip expands to over 10 times its {len(data):,} compressed bytes, "
            f"over the limit of 10 times (DASHBOARD_MAX_ARCHIVE_RATIO); {ARCHIVE_FIX}",
        ]
    ]
    assert corpus.docs.empty
    assert _balanced(corpus)


def test_archive_ratio_is_judged_on_bytes_read_when_the_directory_lies() -> None:
    data = bytearray(_zip({"a.txt": "spam " * 40_000}))
    central = data.rindex(b"PK\x01\x02")  # the central directory says 10 bytes
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    limits = IngestLimits(archive_ratio=10, archive_ratio_after=100)
    corpus = load_uploads([("liar.zip", bytes(data))], limits=limits)
    assert corpus.report["status"].tolist() == ["quarantined"]
    assert corpus.docs.empty


def test_small_archive_of_repeated_text_is_under_the_ratio_floor() -> None:
    corpus = load_uploads([("ok.zip", _zip({"a.txt": "spam " * 40_000}))])
    assert corpus.report["status"].tolist() == ["loaded"]


def test_archive_with_too_many_members_is_refused_whole() -> None:
    data = _zip({f"{n}.txt": f"text {n}" for n in range(3)})
    corpus = load_uploads([("many.zip", data)], limits=IngestLimits(archive_members=2))
    assert _rows(corpus) == [
        [
            "many.zip",
            "quarantined",
            "refused: many.zip holds over 2 files, over the limit of 2 files "
            f"(DASHBOARD_MAX_ARCHIVE_MEMBERS); {ARCHIVE_FIX}",
        ]
    ]


def test_archive_nested_too_deep_is_refused_whole() -> None:
    inner = _zip({"x.txt": "deep text"})
    data = _zip({"b.zip": inner, "y.txt": "shallow text"})
    corpus = load_uploads([("a.zip", data)], limits=IngestLimits(archive_depth=1))
    assert _rows(corpus) == [
        [
            "a.zip",
            "quarantined",
            "refused: a.zip!b.zip nests archives more than 1 deep, over the limit of 1 levels "
            "(DASHBOARD_MAX_ARCHIVE_DEPTH); unpack the inner archives first, " + MORE,
        ]
    ]
    assert corpus.docs.empty
    two_deep = load_uploads([("a.zip", data)], limits=IngestLimits(archive_depth=2))
    assert two_deep.report["status"].tolist() == ["loaded", "loaded"]


def test_gzip_over_the_expanded_size_is_refused() -> None:
    data = gzip.compress(b"word " * 1000)
    corpus = load_uploads([("x.txt.gz", data)], limits=IngestLimits(archive_bytes=1000))
    assert _rows(corpus) == [
        [
            "x.txt.gz",
            "quarantined",
            "refused: x.txt.gz expands to over 1,000 bytes, over the limit of 1,000 bytes "
            f"(DASHBOARD_MAX_ARCHIVE_BYTES); {ARCHIVE_FIX}",
        ]
    ]


def test_expanded_size_counts_nested_archives_and_refuses_the_outermost(tmp_path: Path) -> None:
    inner = _zip({"x.txt": "n" * 600, "y.txt": "m" * 600})
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "outer.zip").write_bytes(_zip({"in.zip": inner}))
    (tmp_path / "lib" / "plain.txt").write_text("A plain file beside it.", encoding="utf-8")
    corpus = load_corpus(tmp_path / "lib", limits=IngestLimits(archive_bytes=1000))
    assert _rows(corpus)[0] == [
        "outer.zip",
        "quarantined",
        "refused: outer.zip!in.zip expands to over 1,000 bytes, over the limit of 1,000 bytes "
        f"(DASHBOARD_MAX_ARCHIVE_BYTES); {ARCHIVE_FIX}",
    ]
    assert corpus.docs["text"].tolist() == ["A plain file beside it."]
    assert _balanced(corpus)


def test_workbook_parts_count_as_an_archive() -> None:
    data = _xlsx({"A1": "text", "A2": "hello"})
    corpus = load_uploads([("book.xlsx", data)], limits=IngestLimits(archive_bytes=100))
    assert _rows(corpus) == [
        [
            "book.xlsx",
            "quarantined",
            "refused: book.xlsx expands to over 100 bytes, over the limit of 100 bytes "
            f"(DASHBOARD_MAX_ARCHIVE_BYTES); {ARCHIVE_FIX}",
        ]
    ]


# Spreadsheets: the real cells, never the declared dimension.


def test_far_value_cell_refuses_the_workbook_without_scanning_the_padding() -> None:
    data = _xlsx({"A1": "text", "A2": "hello there", "XFD1048576": "x"})
    corpus = load_uploads([("far.xlsx", data)])
    assert _rows(corpus) == [
        [
            "far.xlsx",
            "quarantined",
            "refused: sheet 'S' has a value in column XFD (16,384, cell XFD1048576), over the "
            f"limit of 1,000 columns (DASHBOARD_MAX_SHEET_COLUMNS); {SHEET_FIX}",
        ]
    ]


def test_far_styled_empty_cell_is_ignored() -> None:
    data = _xlsx(
        {"A1": "text", "B1": "date", "A2": "hello there", "B2": "2023-11-30"},
        styled=("XFD1048576",),
    )
    corpus = load_uploads([("styled.xlsx", data)])
    assert _rows(corpus) == [["styled.xlsx:2", "loaded", ""]]
    assert corpus.docs["text"].tolist() == ["hello there"]


def test_far_row_holding_a_value_is_read_alone() -> None:
    data = _xlsx({"A1": "text", "A2": "first", "A1048576": "last"})
    corpus = load_uploads([("rows.xlsx", data)])
    assert corpus.report["location"].tolist() == ["rows.xlsx:2", "rows.xlsx:1048576"]
    assert corpus.docs["text"].tolist() == ["first", "last"]


def test_sheet_with_too_many_rows_is_refused_whole() -> None:
    cells = {"A1": "text"} | {f"A{n}": f"row {n}" for n in range(2, 7)}
    corpus = load_uploads([("long.xlsx", _xlsx(cells))], limits=IngestLimits(sheet_rows=3))
    assert _rows(corpus) == [
        [
            "long.xlsx",
            "quarantined",
            "refused: sheet 'S' has over 3 rows with values, over the limit of 3 rows "
            f"(DASHBOARD_MAX_SHEET_ROWS); {SHEET_FIX}",
        ]
    ]


def test_sheet_laying_out_too_many_cells_is_refused_whole() -> None:
    cells = {"A1": "text", "B1": "n", "A2": "one", "B2": "1", "A3": "two", "B3": "2"}
    corpus = load_uploads([("wide.xlsx", _xlsx(cells))], limits=IngestLimits(sheet_cells=5))
    assert _rows(corpus) == [
        [
            "wide.xlsx",
            "quarantined",
            "refused: sheet 'S' lays out over 5 cells (each row as wide as its last value), "
            f"over the limit of 5 cells (DASHBOARD_MAX_SHEET_CELLS); {SHEET_FIX}",
        ]
    ]


# Per upload: bytes, documents, tokens.


def test_upload_over_its_bytes_is_refused_before_reading() -> None:
    files = [("a.txt", b"first text"), ("b.txt", b"second text")]
    corpus = load_uploads(files, limits=IngestLimits(upload_bytes=15))
    reason = (
        "refused: the upload is 21 bytes, over the limit of 15 bytes "
        f"(DASHBOARD_MAX_UPLOAD_BYTES); {UPLOAD_FIX}"
    )
    assert _rows(corpus) == [["a.txt", "quarantined", reason], ["b.txt", "quarantined", reason]]
    assert corpus.docs.empty


def test_upload_over_its_documents_is_refused_whole() -> None:
    table = "text\n" + "".join(f"row {n}\n" for n in range(5))
    files = [("t.csv", table.encode()), ("z.txt", b"after it")]
    corpus = load_uploads(files, limits=IngestLimits(upload_documents=3))
    reason = (
        "refused: the upload holds over 3 documents, over the limit of 3 documents "
        f"(DASHBOARD_MAX_UPLOAD_DOCUMENTS); {UPLOAD_FIX}"
    )
    assert _rows(corpus) == [["t.csv", "quarantined", reason], ["z.txt", "quarantined", reason]]
    assert corpus.docs.empty
    assert _balanced(corpus)


def test_upload_over_its_tokens_is_refused_whole_even_inside_an_archive() -> None:
    data = _zip({"a.txt": "one two three four five six", "b.txt": "seven eight nine ten"})
    corpus = load_uploads([("z.zip", data)], limits=IngestLimits(upload_tokens=5))
    assert _rows(corpus) == [
        [
            "z.zip",
            "quarantined",
            "refused: the upload holds about 6 tokens or more (estimated from its size), over "
            f"the limit of 5 tokens (DASHBOARD_MAX_UPLOAD_TOKENS); {UPLOAD_FIX}",
        ]
    ]


def test_upload_limits_do_not_apply_to_a_library_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one two three four five six seven", encoding="utf-8")
    limits = IngestLimits(upload_tokens=2, upload_documents=1, upload_bytes=1)
    assert load_corpus(tmp_path, limits=limits).report["status"].tolist() == ["loaded"]


def test_token_estimate_is_near_the_real_count() -> None:
    corpus = load_corpus("seeds")
    index = build_index(corpus, settings=IndexSettings(detect_phrases=False))
    estimated = sum(estimate_tokens(text) for text in corpus.docs["text"])
    assert 0.5 <= estimated / int(index.doc_tokens.sum()) <= 2


# The host's variables.


def test_limits_read_from_the_environment() -> None:
    limits = IngestLimits.from_environment(
        {"DASHBOARD_MAX_UPLOAD_TOKENS": "1_000", "DASHBOARD_MAX_ARCHIVE_RATIO": "12.5"}
    )
    assert (limits.upload_tokens, limits.archive_ratio) == (1000, 12.5)
    assert limits.archive_bytes == IngestLimits().archive_bytes


@pytest.mark.parametrize("value", ["lots", "0", "-3"])
def test_a_bad_limit_variable_names_itself(value: str) -> None:
    with pytest.raises(OptionError, match=r"DASHBOARD_MAX_SHEET_ROWS='.*' is not a positive whole"):
        IngestLimits.from_environment({"DASHBOARD_MAX_SHEET_ROWS": value})


def test_the_environment_reaches_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_DOCUMENTS", "1")
    corpus = load_uploads([("a.txt", b"one"), ("b.txt", b"two")])
    assert corpus.report["reason"].str.contains("DASHBOARD_MAX_UPLOAD_DOCUMENTS").all()


def test_readme_lists_every_limit_with_its_variable_and_default() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Limits") :]
    section = section[: section.index("\n## ", 1)]
    for name, variable in LIMIT_VARIABLES.items():
        row = next((line for line in section.splitlines() if f"`{variable}`" in line), None)
        assert row is not None, f"README's Limits table lacks {variable}"
        default = getattr(IngestLimits(), name)
        shown = f"{default:g}" if isinstance(default, float) else f"{default:,}"
        assert shown in row, f"README gives another default for {variable}"
    for variable in ("DASHBOARD_MAX_BUILDS_PER_SESSION", "DASHBOARD_BUILD_WINDOW_SECONDS"):
        assert f"`{variable}`" in section


# User phrases, words and stopwords.


@pytest.mark.parametrize(
    ("settings", "stopwords", "message"),
    [
        (
            IndexSettings(user_phrases=("a b",) * 3),
            (),
            "3 user phrases were given, over the limit of 2 (DASHBOARD_MAX_USER_PHRASES). "
            "Remove some of them.",
        ),
        (
            IndexSettings(user_phrases=("x" * 11,)),
            (),
            "A user phrase is 11 characters long ('xxxxxxxxxxx'), over the limit of 10 "
            "(DASHBOARD_MAX_USER_PHRASE_CHARS). Shorten it or remove it.",
        ),
        (
            IndexSettings(user_words=("长三角",) * 3),
            (),
            "3 user words were given, over the limit of 2 (DASHBOARD_MAX_USER_WORDS).",
        ),
        (
            IndexSettings(user_words=("长" * 11,)),
            (),
            "A user word is 11 characters long",
        ),
        (IndexSettings(), ("the",) * 3, "3 added stopwords were given, over the limit of 2"),
        (IndexSettings(), ("y" * 11,), "(DASHBOARD_MAX_STOPWORD_CHARS). Shorten it"),
    ],
)
def test_user_terms_over_a_limit_are_refused(
    settings: IndexSettings, stopwords: tuple[str, ...], message: str
) -> None:
    limits = IngestLimits(
        user_phrases=2,
        user_phrase_chars=10,
        user_words=2,
        user_word_chars=10,
        stopwords=2,
        stopword_chars=10,
    )
    with pytest.raises(OptionError, match=re.escape(message)):
        check_user_terms(settings, stopwords=stopwords, limits=limits)


def test_user_terms_within_the_limits_pass() -> None:
    check_user_terms(
        IndexSettings(user_phrases=("yangtze river delta",), user_words=("长三角",)),
        stopwords=("said",),
    )
