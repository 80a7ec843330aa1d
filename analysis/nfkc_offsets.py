"""A text as the token rule normalises it, and the way back to the text's own offsets.

The index reads documents in NFKC (:mod:`analysis.rule`, step 1), which changes
lengths (``ﬁ`` is ``fi``, ``½`` is ``1⁄2``, ``㈱`` is ``(株)``, ``ｶﾞ`` is
``ガ``) and moves word boundaries (``other－a`` is one word, ``other-a``); case
folding lengthens some letters (``ß`` is ``ss``). Whatever reads a document
again to place the index's words in it (shared passages, highlighted terms)
reads the normalised text, as the index did, and maps what it finds back to
the characters of the document's own text that it came from.

(The index build's own NFKC is :mod:`analysis.nfkc`, compiled over UTF-8 bytes,
which keeps no offsets.)
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

import numpy as np
import regex

from analysis.rule import _FOLD_TABLE

_CLUSTER = regex.compile(r"\X", regex.V1)

#: A stretch NFKC may change: characters that are not both in NFKC and of combining
#: class 0 (the UAX #15 quick check is not "yes" for them), with the character
#: before them, with which they may compose. NFKC leaves the rest as it is.
_UNSURE_CLASS = r"[\p{NFKC_QC=N}\p{NFKC_QC=M}\p{^ccc=0}]"
_UNSURE_CHAR = regex.compile(_UNSURE_CLASS, regex.V1)


class RawOffsets:
    """Where the characters of a text's NFKC form come from in the text itself.

    The text is cut into pieces, each given with its NFKC form: stretches NFKC
    leaves alone, whose characters map one to one, and the grapheme clusters
    it changes (several joined where NFKC joins them), every character of
    whose form stands for the whole cluster. A word found in the NFKC text so
    covers, in the text, exactly the characters it came from.
    """

    def __init__(self, pieces: Sequence[tuple[str, str]]) -> None:
        sizes = np.array([len(piece) for piece, _form in pieces], dtype=np.int64)
        self._raw = np.concatenate([[0], np.cumsum(sizes)])
        self._normal = np.concatenate([[0], np.cumsum([len(form) for _piece, form in pieces])])
        self._same = np.array([piece == form for piece, form in pieces], dtype=bool)

    @property
    def same_offsets(self) -> bool:
        """Whether every character of the NFKC form stands where its own does in the text."""
        return not len(self._same)

    def spans(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NFKC spans ``starts[i]:ends[i]`` (non-empty) as spans of the text."""
        if self.same_offsets:
            return starts, ends
        first = np.searchsorted(self._normal, starts, side="right") - 1
        last = np.searchsorted(self._normal, ends - 1, side="right") - 1
        raw_starts = np.where(
            self._same[first], self._raw[first] + starts - self._normal[first], self._raw[first]
        )
        raw_ends = np.where(
            self._same[last], self._raw[last] + ends - self._normal[last], self._raw[last + 1]
        )
        return raw_starts, raw_ends


def nfkc_with_offsets(text: str) -> tuple[str, RawOffsets]:
    """``text`` in NFKC, as the index scans it, and the way back to ``text``'s offsets.

    Characters NFKC changes alone, composing with none (``，``, ``１``, ``ﬁ``,
    ``㈱``), are replaced where they stand (:func:`_code_point_tables`); the
    other stretches it may change are normalised piece by piece (their grapheme clusters, within
    which canonical composition stays; neighbours whose NFKC together is not
    their forms joined are joined), and the forms joined are checked to be the
    NFKC of the whole text.

    >>> normal, back = nfkc_with_offsets("the ﬁnance ㈱")
    >>> normal
    'the finance (株)'
    >>> starts, ends = back.spans(np.array([4, 12]), np.array([11, 15]))  # finance, 株
    >>> list(zip(starts.tolist(), ends.tolist()))
    [(4, 10), (11, 12)]
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, RawOffsets([])
    kinds, forms, longer = _code_point_tables()
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    here = kinds[points]
    # characters changed one for one keep their offsets, and NFKC of the text with
    # them changed is NFKC of the text (their forms decompose as they do)
    text = forms[points].tobytes().decode("utf-32-le", "surrogatepass")
    other = np.flatnonzero(here == _OTHER)
    pieces: list[tuple[str, str]] = []
    cursor = 0
    if not len(other):  # each character changed alone: replaced where it stands
        for at in np.flatnonzero(here == _LONGER).tolist():
            if at > cursor:
                pieces.append((text[cursor:at],) * 2)
            pieces.append((text[at], longer[text[at]]))
            cursor = at + 1
        if not pieces:
            return text, RawOffsets([])
        if cursor < len(text):
            pieces.append((text[cursor:],) * 2)
        return "".join(form for _piece, form in pieces), RawOffsets(pieces)
    whole = unicodedata.normalize("NFKC", text)
    # the runs of other characters, each with the character before it (they may compose)
    breaks = np.flatnonzero(np.diff(other) > 1)
    run_starts = other[np.concatenate([[0], breaks + 1])].tolist()
    run_ends = (other[np.concatenate([breaks, [len(other) - 1]])] + 1).tolist()
    for start, end in zip(run_starts, run_ends, strict=True):
        start = max(start - 1, cursor)
        if start > cursor:
            pieces.append((text[cursor:start],) * 2)
        pieces += _clusters(text[start:end])
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:],) * 2)
    if "".join(form for _piece, form in pieces) != whole:  # the cuts did not hold: all of it
        pieces = list(_clusters(text))
    return whole, RawOffsets(pieces)


_KEPT, _ONE_FOR_ONE, _LONGER, _OTHER = 0, 1, 2, 3
_MAYBE = regex.compile(r"\p{NFKC_QC=M}", regex.V1)
_STABLE = regex.compile(r"[\p{NFKC_QC=Y}&&\p{ccc=0}]+", regex.V1)


@functools.cache
def _code_point_tables() -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Per code point, what NFKC does to it, and the forms of those it changes alone.

    ``_KEPT``: NFKC keeps it, whatever its neighbours. ``_ONE_FOR_ONE`` and
    ``_LONGER``: a character that composes with none (combining class 0,
    quick check "no", not "maybe") and whose form is made of such characters,
    one (``，`` is ``,``, ``１`` is ``1``; given per code point) or more
    (``ﬁ``, ``㈱``, ``½``, ``…``; given by character): NFKC of a text of these
    and kept ones replaces each by its form. ``_OTHER``: the rest (combining
    marks, half-width ``ﾞ``), read by grapheme clusters. Read off Unicode once,
    when first needed (a tenth of a second).
    """
    kinds = np.full(0x110000, _KEPT, dtype=np.uint8)
    forms = np.arange(0x110000, dtype=np.uint32)
    longer: dict[str, str] = {}
    every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    for char in _UNSURE_CHAR.findall(every):
        form = unicodedata.normalize("NFKC", char)
        code = ord(char)
        alone = unicodedata.combining(char) == 0 and not _MAYBE.match(char)
        if alone and _STABLE.fullmatch(form):
            if len(form) == 1:
                kinds[code], forms[code] = _ONE_FOR_ONE, ord(form)
            else:
                kinds[code], longer[char] = _LONGER, form
        else:
            kinds[code] = _OTHER
    return kinds, forms, longer


@functools.lru_cache(maxsize=1 << 16)
def _clusters(text: str) -> tuple[tuple[str, str], ...]:
    """``text``'s grapheme clusters with their NFKC forms, neighbours joined wherever NFKC of
    the two is not their forms joined (``ㄱㅡ`` is ``그``); one piece if that is not enough.

    Only a form starting with a character that may compose with the one before
    it can join (``，`` is ``,``: never).
    """
    whole = unicodedata.normalize("NFKC", text)
    out: list[tuple[str, str]] = []
    for piece in _CLUSTER.findall(text):
        form = unicodedata.normalize("NFKC", piece)
        if out and _UNSURE_CHAR.match(form):
            joined = unicodedata.normalize("NFKC", out[-1][0] + piece)
            if joined != out[-1][1] + form:
                out[-1] = (out[-1][0] + piece, joined)
                continue
        out.append((piece, form))
    if "".join(form for _piece, form in out) != whole:
        return ((text, whole),)
    return tuple(out)


def folded_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """``text`` (NFKC already) case-folded as the token rule folds it, and per folded
    character its character in ``text`` (full case folding may lengthen one: ``ß`` is
    ``ss``), or ``None`` where they are one to one.

    >>> folded_with_offsets("Straße")
    ('strasse', [0, 1, 2, 3, 4, 4, 5])
    """
    folded = text.casefold().translate(_FOLD_TABLE)
    if len(folded) == len(text):  # folding never shortens a character: each is one
        return folded, None
    parts = [char.casefold().translate(_FOLD_TABLE) for char in text]
    return folded, [i for i, part in enumerate(parts) for _ in part]
