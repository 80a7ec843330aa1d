"""Tests for analysis/corpus/dedup.py: equal normalised texts share a hash; first copy wins."""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa

from analysis.corpus.buffers import _buffers
from analysis.corpus.dedup import (
    _PYTHON,
    _first_copies,
    _flags,
    _folded_hashes,
    _hash_texts,
    _normalised,
)


def _hash_of_normalised(texts: list[str]) -> np.ndarray:
    """The hash of each text's normalised form: a function of that form alone."""
    offsets, data = _buffers(pa.array([_normalised(t) for t in texts], pa.large_string()))
    return _hash_texts(data, offsets, _flags(), False)[0]


def _every_character() -> list[str]:
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def test_each_text_hashes_as_its_normalised_form_over_all_of_unicode() -> None:
    # Equal normalised forms then give equal hashes, whichever way a text went.
    chars = _every_character()
    for before, after in (("", ""), ("e", ""), ("A", "\u0301"), ("가", "\u11a8"), ("x ", " Y")):
        texts = [before + char + after for char in chars]
        hashes = _folded_hashes(pa.array(texts, pa.large_string()))
        assert np.array_equal(hashes, _hash_of_normalised(texts)), (before, after)


def test_characters_read_without_python_are_left_alone_by_nfkc_and_case_folding() -> None:
    flags = _flags()
    for code in range(0x80, 0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or flags[code] & _PYTHON:
            continue
        assert unicodedata.normalize("NFKC", char) == char, hex(code)
        assert char.casefold() == char, hex(code)
        assert unicodedata.combining(char) == 0, hex(code)


def test_first_copies_are_those_of_the_normalised_text() -> None:
    texts = [
        "Hello  World",
        "hello world",
        "HELLO\nWORLD",
        "ｈｅｌｌｏ ｗｏｒｌｄ",  # fullwidth: NFKC
        "Hello World!",
        "Straße",
        "STRASSE",  # case folding ß -> ss
        "e\u0301",
        "é",  # NFKC joins the accent
        "\u1100\u1161",
        "가",  # jamo join to a syllable
        "helloworld",  # the same letters without the space is another text
    ]
    first = _first_copies(pa.array(texts, pa.large_string())).tolist()
    assert first == [0, 0, 0, 0, 4, 5, 5, 7, 7, 9, 9, 11]
    expected = [next(i for i in range(len(texts)) if _normalised(texts[i]) == _normalised(t))
                for t in texts]  # fmt: skip
    assert first == expected
    assert _first_copies(pa.array([], pa.large_string())).tolist() == []
