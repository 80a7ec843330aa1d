"""analysis/corpus/arrowjson.py: Arrow's reading of string records equals the general reader."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis.corpus.arrowjson as arrowjson
import analysis.corpus.columns as columns
import analysis.corpus.formats as formats
from analysis.corpus import load_corpus
from analysis.corpus.arrowjson import _joined_into, _string_records_units, _survey
from analysis.corpus.columns import _finalise
from analysis.corpus.containers import _read_into
from analysis.corpus.formats import _jsonl_lines
from analysis.corpus.ledger import _Docs, _finalise_units, _Unit
from analysis.corpus.options import _Budget, _Options
from analysis.limits import IngestLimits

OPTIONS = _Options(text_column=None, date_column=None, budget=_Budget(limits=IngestLimits()))


def _general(data: bytes, source: str = "") -> list:
    return _jsonl_lines("docs.jsonl", data.split(b"\n"), source, OPTIONS)[0]


def _assert_read_alike(fast: list[_Unit], general: list) -> None:
    """The block's documents one by one are the general reader's, and so is the corpus."""
    assert all(isinstance(unit, _Docs) for unit in fast)
    assert [doc for unit in fast if isinstance(unit, _Docs) for doc in unit.docs()] == general
    columns, one_by_one = _finalise("c", fast), _finalise_units("c", general)
    pd.testing.assert_frame_equal(columns.docs, one_by_one.docs)
    pd.testing.assert_frame_equal(columns.report, one_by_one.report)
    assert columns.content_hash == one_by_one.content_hash


def _string_fields_only(path: Path, *, ascii_escapes: bool) -> bytes:
    """A shared corpus with its non-string fields dropped (the form Arrow's path takes)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    records = [r for r in records if isinstance(r.get("text"), str) and r["text"].strip()]
    # the fields that are strings in every record, in the first record's order
    keep = [k for k in records[0] if all(isinstance(r.get(k), str) for r in records)]
    lines = [json.dumps({k: r[k] for k in keep}, ensure_ascii=ascii_escapes) for r in records]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("ascii_escapes", [False, True])
@pytest.mark.parametrize(
    "name",
    [
        "us_sotu/docs.jsonl",
        "china_media_headlines_2022/docs.jsonl",
        "zh_gov_work_reports/docs.jsonl",
        "reuters21578/docs.jsonl",
        "un_general_debate/docs.jsonl.gz",
    ],
)
def test_string_records_of_shared_corpora_are_read_as_the_general_reader_reads_them(
    shared_corpora: Path, name: str, ascii_escapes: bool
) -> None:
    data = _string_fields_only(shared_corpora / name, ascii_escapes=ascii_escapes)
    fast = _string_records_units("docs.jsonl", data, "folder", OPTIONS)
    assert fast is not None
    _assert_read_alike(fast, _general(data, "folder"))


# Each is left to the general reader (None), or read the same.
HOSTILE = {
    "a number": b'{"text": "a b", "year": 1999}\n',
    "a null": b'{"text": "a b", "title": null}\n',
    "a missing field": b'{"text": "a b", "title": "t"}\n{"text": "c d"}\n',
    "a field the first record lacks": b'{"text": "a b"}\n{"text": "c d", "title": "t"}\n',
    "a blank line": b'{"text": "a b"}\n\n{"text": "c d"}\n',
    "a white-space line": b'{"text": "a b"}\n   \n',
    "an empty text": b'{"text": "  "}\n{"text": "c d"}\n',
    "half a surrogate pair": b'{"text": "a \\ud800 b"}\n',
    "a whole surrogate pair": b'{"text": "a \\ud83d\\ude00 b"}\n',
    "a byte-order mark": b'\xef\xbb\xbf{"text": "a b"}\n',
    "invalid UTF-8": b'{"text": "a \xff b"}\n',
    "invalid UTF-8 on a later line": b'{"text": "a b"}\n{"text": "c \x93 d"}\n',
    "a repeated key": b'{"text": "a b", "text": "c d"}\n',
    "a nested value": b'{"text": "a b", "tags": ["x"]}\n',
    "a list line": b'["a b"]\n',
    "a trailing comma": b'{"text": "a b"}\n{"text": "c",}\n',
    "single quotes": b"{'text': 'a b'}\n",
    "a comment": b'{"text": "a b"} // c\n',
    "a raw tab in a string": b'{"text": "a b"}\n{"text": "a\tb"}\n',
    "junk after the object": b'{"text": "a b"}\n{"text": "c"} junk\n',
    "two objects on a line": b'{"text": "a b"}{"text": "c"}\n',
    "DEL and escapes": b'{"text": "a b"}\n{"text": "c\x7f \\/d \\u00e9"}\n',
    "invalid JSON": b'{"text": "a b"\n',
    "no text field": b'{"body2": "a b", "x": "y"}\n',
    "no final line break": b'{"text": "a b"}\n{"text": "c d"}',
    "CRLF line ends": b'{"text": "a b"}\r\n{"text": "c\\r\\nd"}\r\n',
    "keys in another order": b'{"text": "a b", "id": "1"}\n{"id": "2", "text": "c d"}\n',
    "ids, titles and sources with spaces": (
        b'{"id": " 7 ", "title": " T ", "source": "  ", "text": " a b ", "date": "2020"}\n'
    ),
    "a corpus column as metadata": b'{"body": "a b", "text": "x", "file": "f"}\n',
    "a duplicate text": b'{"text": "a b"}\n{"text": "A  B"}\n',
    "a BOM inside the text": b'{"text": "\\ufeff a b"}\n',
    "carriage returns as escapes": b'{"text": "a\\r\\nb\\u000dc\\u000D"}\n',
    "a backslash before r": b'{"text": "a \\\\r b"}\n{"text": "c \\\\\\r d"}\n',
}
MUST_FALL_BACK = {
    "a number",
    "a null",
    "a missing field",
    "a field the first record lacks",
    "a blank line",
    "a white-space line",
    "an empty text",
    "half a surrogate pair",
    "a byte-order mark",
    "invalid UTF-8",
    "invalid UTF-8 on a later line",
    "a repeated key",
    "a nested value",
    "a list line",
    "invalid JSON",
    "a trailing comma",
    "single quotes",
    "a comment",
    "a raw tab in a string",
    "junk after the object",
    "two objects on a line",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_lines_are_left_to_the_general_reader_or_read_alike(case: str) -> None:
    data = HOSTILE[case]
    fast = _string_records_units("docs.jsonl", data, "folder", OPTIONS)
    if case in MUST_FALL_BACK:
        assert fast is None
    elif fast is not None:
        _assert_read_alike(fast, _general(data, "folder"))


def test_a_file_of_string_records_loads_the_same_corpus_either_way(tmp_path, monkeypatch):
    rows = [
        {"id": "a", "date": "2020-01-02", "title": "One", "source": "S", "text": "Tea, tea."},
        {"id": "a", "date": "2021", "title": "Two", "source": "", "text": "Coffee ＴＥＡ"},
        {"id": "c", "date": "not a date", "title": "", "source": "S", "text": "tea,  TEA."},
        {"id": "d", "date": "", "title": "x", "source": "S", "text": "Green tea"},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    fast = load_corpus(path)
    monkeypatch.setattr(formats, "_string_records_units", lambda *_args, **_kwargs: None)
    general = load_corpus(path)
    pd.testing.assert_frame_equal(fast.docs, general.docs)
    pd.testing.assert_frame_equal(fast.report, general.report)
    assert fast.content_hash == general.content_hash
    # by hand: the repeated id renamed, the copy of "Tea, tea." (case, spaces) a duplicate
    assert fast.docs["doc_id"].tolist() == ["a", "a#2", "d"]
    assert fast.counts()["duplicates"] == 1
    assert fast.report["line"].tolist() == [1, 2, 3, 4]


def test_a_folder_of_string_record_files_loads_the_same_corpus_either_way(tmp_path, monkeypatch):
    by_column = columns._finalise_columns

    # two blocks of the same fields, a quarantined file between them, a copy and
    # a repeated id across files, undated and coarser-declared dates
    def write(name: str, rows: list[dict[str, str]]) -> None:
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        (tmp_path / name).write_text("\n".join(lines) + "\n")

    write("a.jsonl", [
        {"id": "x", "date": "2020-01-02", "date_precision": "year", "text": "Tea, tea.", "k": "1"},
        {"id": "y", "date": "soon", "date_precision": "DAY", "text": "Coffee ＴＥＡ", "k": ""},
    ])  # fmt: skip
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.7")
    write("c.jsonl", [
        {"id": "x", "date": "2021-03", "date_precision": "often", "text": " Green tea ", "k": "2"},
        {"id": "", "date": "", "date_precision": "", "text": "tea,  TEA.", "k": "3"},
    ])  # fmt: skip
    made = []
    monkeypatch.setattr(columns, "_finalise_columns", lambda *a: made.append(a) or by_column(*a))
    fast = load_corpus(tmp_path)
    assert len(made) == 1  # made column by column
    monkeypatch.setattr(formats, "_string_records_units", lambda *_args, **_kwargs: None)
    general = load_corpus(tmp_path)
    assert len(made) == 1
    pd.testing.assert_frame_equal(fast.docs, general.docs)
    pd.testing.assert_frame_equal(fast.report, general.report)
    assert fast.content_hash == general.content_hash
    # by hand
    assert fast.report["status"].tolist() == [
        "loaded",
        "loaded",
        "quarantined",
        "loaded",
        "duplicate",
    ]
    assert fast.docs["doc_id"].tolist() == ["x", "y", "x#2"]
    assert fast.docs["date_precision"].tolist() == ["year", None, "month"]
    assert fast.report["duplicate_of"].tolist()[4] == "x"


def test_a_block_is_charged_the_documents_and_tokens_of_its_texts_one_by_one() -> None:
    data = (
        b'{"text": "High-quality development."}\n'
        b'{"text": "\\u957f\\u4e09\\u89d2\\u4e00\\u4f53\\u5316 and more words"}\n'
        b'{"text": "x"}\n'
    )
    (block,) = _string_records_units("docs.jsonl", data, "", OPTIONS)
    by_block = _Budget(limits=IngestLimits(), upload=True)
    by_block.charge([block])
    one_by_one = _Budget(limits=IngestLimits(), upload=True)
    one_by_one.charge(block.docs())
    assert (by_block.documents, by_block.tokens) == (one_by_one.documents, one_by_one.tokens)
    # by hand: 25 bytes -> 5 tokens, 18 + 15 bytes -> 7, 1 byte -> 1
    assert (by_block.documents, by_block.tokens) == (3, 13)


def _survey_by_search(data: bytes) -> tuple[int, int, bool, bool]:
    """What :func:`_survey` finds, found by ``bytes.count``, a regex and ``bytes.find``."""
    returns = False
    for escape in (b"\\r", b"\\u000d", b"\\u000D"):
        at = data.find(escape)
        while at >= 0 and not returns:
            before = at
            while before > 0 and data[before - 1] == 0x5C:
                before -= 1
            returns = (at - before) % 2 == 0
            at = data.find(escape, at + 1)
    surrogate = re.search(rb"\\u[dD][89a-fA-F]", data) is not None
    *ended, rest = data.split(b"\n")
    longest = max([len(line) + 1 for line in ended] + [len(rest)])  # breaks counted
    return data.count(b"\n"), longest, surrogate, returns


# Pieces that make and unmake the escapes: backslashes before them, cut short, other cases.
_PIECES = [b"\\", b"\\\\", b"r", b"u", b"u000", b"d", b"D", b"8", b"a", b"F", b"g", b"0",
           b"\n", b'"', b"x", "é".encode(), b"clean words", b"0123456789abcdef"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120), st.integers(1, 64), st.integers(0, 7))
def test_the_survey_finds_what_a_search_finds_in_one_pass_or_two(pieces, split, shift) -> None:
    data = b"".join(pieces)
    expected = _survey_by_search(data)
    # read from an address ``shift`` bytes past the buffer's own: words start elsewhere
    breaks, longest, surrogate, returns = _survey(memoryview(b"#" * shift + data)[shift:])
    assert surrogate == expected[2]
    if not surrogate:  # the pass stops at the first surrogate escape
        assert (breaks, longest, returns) == (expected[0], expected[1], expected[3])
    arrowjson._SURVEY_SPLIT_BYTES, before = split, arrowjson._SURVEY_SPLIT_BYTES
    try:  # halves on two threads: a run of backslashes or an escape across the middle
        halves = _survey(data)
    finally:
        arrowjson._SURVEY_SPLIT_BYTES = before
    assert halves[2] == expected[2]
    if not surrogate:
        assert halves == expected


def test_the_survey_by_hand() -> None:
    # lines of 14 and 11 bytes, breaks included
    assert _survey(b'{"t": "a\\rb"}\n{"t": "c"}\n') == (2, 14, False, True)
    assert _survey(b'{"t": "a\\\\rb"}') == (0, 14, False, False)  # an escaped backslash, r
    assert _survey(b'{"t": "a\\\\\\u000Db"}') == (0, 19, False, True)
    assert _survey(b'{"t": "\\uDBFF"}')[2]
    assert not _survey(b'{"t": "\\uD7FF"}')[2]
    assert _survey(b"\\u00") == (0, 4, False, False)
    assert _survey(b"ab\n\ncde") == (2, 3, False, False)


def test_records_over_many_small_blocks_or_a_line_over_the_limit_read_alike(monkeypatch) -> None:
    monkeypatch.setattr(arrowjson, "_SMALL_BLOCK_BYTES", 256)
    monkeypatch.setattr(arrowjson, "_LINE_BYTES", 128)
    sizes: list[int] = []
    read_json = arrowjson.pa_json.read_json

    def recorded(source, *, read_options, **kwargs):
        sizes.append(read_options.block_size)
        return read_json(source, read_options=read_options, **kwargs)

    monkeypatch.setattr(arrowjson.pa_json, "read_json", recorded)
    rows = [{"id": f"d{i}", "text": f"Text {i % 7}, " + "word " * (i % 9)} for i in range(60)]
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    fast = _string_records_units("docs.jsonl", data, "", OPTIONS)
    assert fast is not None
    _assert_read_alike(fast, _general(data))
    (block,) = fast
    assert isinstance(block, _Docs)
    assert len(block) == 60
    long = data + (json.dumps({"id": "long", "text": "x" * 200}) + "\n").encode()
    fast = _string_records_units("docs.jsonl", long, "", OPTIONS)
    assert fast is not None
    _assert_read_alike(fast, _general(long))
    assert sizes == [256, arrowjson._BLOCK_BYTES]  # the 200-byte line: large blocks


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_on_disk_loads_as_the_general_reader_loads_it(tmp_path, monkeypatch, case):
    # read into a bytearray that Arrow's texts may take over: one left to the general
    # reader must reach it unchanged
    path = tmp_path / "docs.jsonl"
    path.write_bytes(HOSTILE[case])
    fast = load_corpus(path)
    monkeypatch.setattr(formats, "_string_records_units", lambda *_args, **_kwargs: None)
    general = load_corpus(path)
    pd.testing.assert_frame_equal(fast.docs, general.docs)
    pd.testing.assert_frame_equal(fast.report, general.report)


def _chunks(texts: list[list[str]]) -> list[pa.Array]:
    # sliced, so that a chunk's offsets do not start at 0
    return [pa.array(["skipped", *chunk], pa.large_string()).slice(1) for chunk in texts]


def test_texts_are_joined_over_the_bytes_of_the_file_and_the_rest_given_back() -> None:
    texts = [["tea", "", "長三角"], ["coffee"], [], ["x" * 100]]
    buffer = bytearray(b"#" * 500)
    joined = _joined_into(buffer, _chunks(texts))
    expected = [text for chunk in texts for text in chunk]
    assert joined.to_pylist() == expected
    joined.validate(full=True)
    size = sum(len(text.encode()) for text in expected)  # 3 + 0 + 9 + 6 + 100
    assert size == 118
    assert len(buffer) == 118
    assert bytes(buffer) == "".join(expected).encode()
    assert joined.buffers()[2].address == pa.py_buffer(buffer).address  # the same memory


def test_texts_go_to_new_memory_when_the_buffer_cannot_hold_or_shrink() -> None:
    texts = [["tea", "coffee"], ["milk"]]
    small = bytearray(b"#" * 12)  # 13 bytes needed
    assert _joined_into(small, _chunks(texts)).to_pylist() == ["tea", "coffee", "milk"]
    assert small == bytearray(b"#" * 12)
    assert _joined_into(None, _chunks(texts)).to_pylist() == ["tea", "coffee", "milk"]
    held = bytearray(b"#" * 40)
    export = memoryview(held)  # someone still reads it: it cannot shrink, only its start is used
    joined = _joined_into(held, _chunks(texts))
    assert joined.to_pylist() == ["tea", "coffee", "milk"]
    assert len(held) == 40
    assert bytes(held[:13]) == b"teacoffeemilk"
    export.release()
    # a chunk whose bytes are in the buffer itself is never written over
    own = bytearray(b"abcdefgh")
    inner = pa.LargeStringArray.from_buffers(
        2, pa.py_buffer(np.array([2, 4, 8], dtype=np.int64)), pa.py_buffer(own)
    )
    assert _joined_into(own, [inner]).to_pylist() == ["cd", "efgh"]
    assert own == bytearray(b"abcdefgh")


@pytest.mark.parametrize("hint", [0, 10, 27, 28, 29, 100])
def test_a_file_is_read_whole_whatever_size_was_taken_before(tmp_path, hint) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"text": "a b"}\n{"text": "c"}\n')  # 28 bytes
    with open(path, "rb") as handle:
        assert _read_into(handle, hint) == bytearray(path.read_bytes())
