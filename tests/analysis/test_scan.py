"""The scan's Python side: character classes, white space, NFKC, parallel parts, Arrow."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from analysis import kernels
from analysis.index import build_index
from analysis.scan import _utf8, char_classes, nfkc_safe, scan


def test_character_classes_partition_the_pattern_sets():
    classes = char_classes()
    assert classes[ord("a")] == kernels.LETTER  # a word character, and an abbreviation's letter
    assert classes[ord("9")] == kernels.WORD
    assert classes[ord("中")] == kernels.WORD  # Han: no abbreviation letter
    assert classes[ord("\u0301")] == kernels.WORD  # a mark
    assert classes[ord("-")] == kernels.JOINER
    assert classes[ord("’")] == kernels.APOSTROPHE  # a joiner that starts a possessive
    assert classes[ord(".")] == kernels.DOT  # a mark that follows an abbreviation's letters
    assert classes[ord(",")] == kernels.MARK
    assert classes[ord("\n")] == kernels.MARK
    assert classes[ord("$")] == kernels.MARK
    assert classes[ord(" ")] == kernels.OTHER
    assert classes[ord("\r")] == kernels.OTHER


def test_scan_in_parallel_parts_equals_one_pass(monkeypatch):
    import analysis.scan as scanning

    texts = [f"Doc {i}: the Yangtze River Delta’s plan, 长三角{i % 7}." for i in range(3000)]
    texts[1500:1510] = [""] * 10  # empty texts inside a part
    whole = scan(texts)
    monkeypatch.setattr(scanning, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(scanning, "PART_BYTES", 20_000)
    monkeypatch.setattr(kernels, "WORKERS", 3)
    assert len(scanning.scan_parts(texts).pieces) > 6
    split = scan(texts)
    assert whole[2] == split[2]
    assert whole[0].tolist() == split[0].tolist()
    assert whole[1].tolist() == split[1].tolist()


def _numbers(scanned):
    doc, codes = scanned.numbered(np.arange(len(scanned.distinct), dtype=np.int32))
    return doc.tolist(), codes.tolist(), scanned.distinct


@pytest.mark.parametrize("small_parts", [False, True])
def test_scan_reads_an_arrow_column_like_a_list(monkeypatch, small_parts):
    import pandas as pd

    import analysis.scan as scanning

    texts = ["Xi’s high-quality plan.", "", "naïve ＡＢＣ café… ﬁ", "长三角 g60", "e\u0301 x"] * 40
    expected = _numbers(scanning.scan_parts(texts))
    if small_parts:
        monkeypatch.setattr(scanning, "PARALLEL_BYTES", 0)
        monkeypatch.setattr(scanning, "PART_BYTES", 50)
    column = pd.Series(["skipped"] * 3 + texts).iloc[3:]  # an Arrow array with an offset
    assert scanning._arrow_utf8(column) is not None
    assert _numbers(scanning.scan_parts(column)) == expected
    # not Arrow-backed: read as Python strings
    assert _numbers(scanning.scan_parts(pd.Series(texts, dtype=object))) == expected


def test_scan_calls_meanwhile_once():
    import analysis.scan as scanning

    calls = []
    scanned = scanning.scan_parts(["a b", "c"], meanwhile=lambda: calls.append(1))
    assert calls == [1]
    assert scanned.doc_tokens.tolist() == [2, 1]


def test_nfkc_safe_characters_never_compose_with_the_one_before():
    # NFKC's quick check says "yes" only for characters that are their own
    # NFKC form, of combining class 0, and never the second character of a
    # canonical composition; the table must hold no such second character.
    safe = nfkc_safe()
    seconds = set()
    for point in range(0x110000):
        parts = unicodedata.decomposition(chr(point)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    seconds.update(range(0x1161, 0x1176))  # Hangul vowels and trailing consonants
    seconds.update(range(0x11A8, 0x11C3))
    assert not any(safe[p] for p in seconds)
    for point in np.flatnonzero(safe).tolist():
        char = chr(point)
        assert unicodedata.normalize("NFKC", char) == char
        assert unicodedata.combining(char) == 0


@pytest.mark.parametrize(
    "text",
    ["plain", "café “quoted” — 中文，", "x y", "etc…", "ﬁ ligature", "é", " "],
)
def test_prepared_text_is_the_nfkc_form(text):
    buf, bounds = _utf8([text, "ascii"])
    assert buf[bounds[0] : bounds[1]].tobytes().decode() == unicodedata.normalize("NFKC", text)
    assert buf[bounds[1] : bounds[2]].tobytes() == b"ascii"


def test_white_space_is_pythons():
    from analysis.scan import white_space

    space = white_space()
    expected = [p for p in range(0x110000) if chr(p).isspace()]
    assert np.flatnonzero(space).tolist() == expected


def test_a_chunked_arrow_column_is_read_in_place():
    from analysis.scan import _arrow_utf8, arrow_text

    column = pd.concat([pd.Series(["Tea time"]), pd.Series(["More tea"])], ignore_index=True)
    combined = arrow_text(column)
    assert _arrow_utf8(combined) is not None
    assert combined.tolist() == column.tolist()
    frame = pd.DataFrame({"doc_id": ["a", "b"], "text": column})
    assert build_index(frame).doc_tokens.tolist() == [2, 2]


def test_distinct_strings_are_decoded_in_arrow_or_one_by_one_when_not_utf8():
    from analysis.scan import _decoded, _distinct_strings

    words = ["tea", "长三角", "", "é"]
    data = "".join(words).encode()
    bounds = np.cumsum([0, *(len(w.encode()) for w in words)])
    assert _distinct_strings(
        np.frombuffer(data, np.uint8), bounds, np.array([3, 0, 1])
    ).to_list() == [
        "é",
        "tea",
        "长三角",
    ]
    # a lone surrogate (a Python text's, encoded with surrogatepass) is not UTF-8
    odd = ["a\ud800", "b"]
    data = "".join(odd).encode("utf-8", "surrogatepass")
    bounds = np.array([0, 4, 5])
    assert _decoded(np.frombuffer(data, np.uint8), bounds, np.array([1, 0])) == ["b", "a\ud800"]
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        _distinct_strings(np.frombuffer(data, np.uint8), bounds, np.array([1, 0]))
