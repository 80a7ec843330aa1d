"""Text reuse: the passages two documents share, aligned on their token streams.

The only comparison that reads text again: the two documents' own, scanned with
the index's pattern so their words are the index's words.
"""

from __future__ import annotations

import functools
import heapq
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl
import regex

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.rows import rows_for
from analysis.rule import _FOLD_TABLE, BOUNDARY_PATTERN, SCAN_PATTERN
from analysis.text import classify_raw

_SCAN = regex.compile(SCAN_PATTERN, regex.V1)


_IS_BOUNDARY = regex.compile(f"^{BOUNDARY_PATTERN}$", regex.V1)


def token_offsets(
    text: str, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> pd.DataFrame:
    """Words of ``text`` by the token rule with their character offsets.

    The text is scanned with the index's own scan pattern, each raw match is
    NFKC-normalised and classified exactly as the index does
    (:func:`~analysis.text.classify_raw`), so the words are those the index
    counted. A Han run gives several words, located inside the run in order.

    Returns
    -------
    DataFrame
        ``token, start, end`` in reading order (boundaries left out).
    """
    ((tokens, starts, ends),) = _offsets([text], user_words, fold_chinese)
    return pd.DataFrame({"token": tokens, S.START: starts, S.END: ends})


def word_offsets(
    texts: Sequence[str], *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per text, the ``start`` and ``end`` offsets of its words, as :func:`token_offsets`
    gives them; the distinct raw tokens of all the texts are classified at once."""
    return [
        (np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))
        for _tokens, starts, ends in _offsets(texts, user_words, fold_chinese)
    ]


def _offsets(
    texts: Sequence[str], user_words: tuple[str, ...], fold_chinese: bool
) -> list[tuple[list[str], list[int], list[int]]]:
    found = []
    for text in texts:
        normal, raw_at = _nfkc_with_offsets(text)
        matches = [m for m in _SCAN.finditer(normal) if not _IS_BOUNDARY.match(m.group())]
        found.append((raw_at, matches))
    distinct = list(dict.fromkeys(m.group() for _raw_at, matches in found for m in matches))
    classified = dict(
        zip(
            distinct,
            classify_raw(
                pl.Series(distinct, dtype=pl.String),
                user_words=user_words,
                fold_chinese=fold_chinese,
            ),
            strict=True,
        )
    )
    out = []
    for raw_at, matches in found:
        tokens: list[str] = []
        spans: list[tuple[int, int]] = []
        for match in matches:
            raw = match.group()
            words = [w for w in classified[raw] if w is not None]
            if len(words) == 1:
                tokens.append(words[0])
                spans.append((match.start(), match.end()))
                continue
            folded, at_char = _folded(raw)
            size, base, cursor = len(folded), match.start(), 0
            for word in words:
                at = folded.find(word, cursor)
                if at < 0:  # folded otherwise (Traditional to Simplified): in step
                    at = cursor if cursor < size else size - 1
                cursor = at + len(word)
                end = cursor if cursor < size else size
                tokens.append(word)
                if at_char is not None:
                    at, end = at_char[at], at_char[end - 1] + 1
                spans.append((base + at, base + end))
        bounds = np.array(spans, dtype=np.int64).reshape(-1, 2)
        starts, ends = raw_at.spans(bounds[:, 0], bounds[:, 1])
        out.append((tokens, starts.tolist(), ends.tolist()))
    return out


_CLUSTER = regex.compile(r"\X", regex.V1)

#: A stretch NFKC may change: characters that are not both in NFKC and of combining
#: class 0 (the UAX #15 quick check is not "yes" for them), with the character
#: before them, with which they may compose. NFKC leaves the rest as it is.
_UNSURE_CLASS = r"[\p{NFKC_QC=N}\p{NFKC_QC=M}\p{^ccc=0}]"
_UNSURE = regex.compile(rf"(?s).?{_UNSURE_CLASS}+", regex.V1)
_UNSURE_CHAR = regex.compile(_UNSURE_CLASS, regex.V1)


class _RawOffsets:
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

    def spans(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NFKC spans ``starts[i]:ends[i]`` (non-empty) as spans of the text."""
        if not len(self._same):
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


def _nfkc_with_offsets(text: str) -> tuple[str, _RawOffsets]:
    """``text`` in NFKC, as the index scans it, and the way back to ``text``'s offsets.

    NFKC changes lengths (``ﬁ`` is ``fi``, ``½`` is ``1⁄2``, ``㈱`` is
    ``(株)``, ``ｶﾞ`` is ``ガ``) and moves word boundaries (``other－a`` is one
    word, ``other-a``). Only the stretches it may change are normalised piece
    by piece (their grapheme clusters, within which canonical composition
    stays; neighbours whose NFKC together is not their forms joined are
    joined); the forms joined are checked to be the NFKC of the whole text.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, _RawOffsets([])
    whole = unicodedata.normalize("NFKC", text)
    pieces: list[tuple[str, str]] = []
    cursor = 0
    for match in _UNSURE.finditer(text):
        if match.start() > cursor:
            pieces.append((text[cursor : match.start()],) * 2)
        pieces += _clusters(match.group())
        cursor = match.end()
    if cursor < len(text):
        pieces.append((text[cursor:],) * 2)
    if "".join(form for _piece, form in pieces) != whole:  # the cuts did not hold: all of it
        pieces = list(_clusters(text))
    return whole, _RawOffsets(pieces)


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


def _folded(raw: str) -> tuple[str, list[int] | None]:
    """``raw`` (NFKC already) case-folded as the token rule folds it, and per folded
    character its character in ``raw`` (full case folding may lengthen one: ``ß`` is
    ``ss``), or ``None`` where they are one to one."""
    folded = raw.casefold().translate(_FOLD_TABLE)
    if len(folded) == len(raw):  # folding never shortens a character: each is one
        return folded, None
    parts = [char.casefold().translate(_FOLD_TABLE) for char in raw]
    return folded, [i for i, part in enumerate(parts) for _ in part]


def _aligned_runs(a: list[str], b: list[str], k: int) -> list[tuple[int, int, int]]:
    """Maximal common runs of at least ``k`` tokens: ``(start_a, start_b, length)``.

    Windows of ``k`` tokens of B are hashed (a dict of tuples); each window of
    A that matches is a seed, and seeds on one diagonal at consecutive
    positions merge into one run.
    """
    where: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(b) - k + 1):
        where.setdefault(tuple(b[j : j + k]), []).append(j)
    seeds = [(i - j, i) for i in range(len(a) - k + 1) for j in where.get(tuple(a[i : i + k]), ())]
    seeds.sort()
    runs = []
    previous: tuple[int, int] | None = None
    first = 0
    for diagonal, i in seeds:
        if previous is not None and diagonal == previous[0] and i == previous[1] + 1:
            previous = (diagonal, i)
            continue
        if previous is not None:
            runs.append((first, first - previous[0], previous[1] - first + k))
        first, previous = i, (diagonal, i)
    if previous is not None:
        runs.append((first, first - previous[0], previous[1] - first + k))
    return runs


def _tile(
    runs: list[tuple[int, int, int]], n_a: int, n_b: int, k: int
) -> list[tuple[int, int, int]]:
    """Greedy longest-first tiling: no token of A or B in two accepted runs.

    A run overlapping accepted ones is cut to its longest free stretch and
    queued again if that still has ``k`` tokens.
    """
    used_a = np.zeros(n_a, dtype=bool)
    used_b = np.zeros(n_b, dtype=bool)
    heap = [(-length, i, j) for i, j, length in runs]
    heapq.heapify(heap)
    accepted = []
    while heap:
        negative, i, j = heapq.heappop(heap)
        length = -negative
        free = ~(used_a[i : i + length] | used_b[j : j + length])
        if free.all():
            accepted.append((i, j, length))
            used_a[i : i + length] = True
            used_b[j : j + length] = True
            continue
        best_start, best_len, start = 0, 0, None
        for offset, ok in enumerate([*free.tolist(), False]):
            if ok and start is None:
                start = offset
            elif not ok and start is not None:
                if offset - start > best_len:
                    best_start, best_len = start, offset - start
                start = None
        if best_len >= k:
            heapq.heappush(heap, (-best_len, i + best_start, j + best_start))
    return sorted(accepted)


def shared_passages(
    index: CorpusIndex, doc_a: str, doc_b: str, *, min_tokens: int = 6
) -> pd.DataFrame:
    """Passages two documents share: aligned runs of at least ``min_tokens`` words.

    Both texts are read as words under the token rule (:func:`token_offsets`;
    punctuation and case do not break a match). Every maximal common run of
    at least ``min_tokens`` words is found from hashed word windows; runs are
    then taken longest first, each word of either document in at most one
    passage (an overlapping run is cut to its free part if that is still long
    enough).

    Returns
    -------
    DataFrame
        ``start_a, end_a, start_b, end_b, tokens, text_a, text_b``: character
        offsets into each document's text (from the first word's start to the
        last word's end), the number of words, and the text at those offsets;
        in the order of document A.
    """
    if min_tokens < 2:
        raise OptionError(f"min_tokens must be at least 2, not {min_tokens}.")
    rows = rows_for(index, [doc_a, doc_b])
    texts = index.docs[S.TEXT].iloc[rows].astype(str).tolist()
    settings = index.settings
    tok_a, tok_b = (
        token_offsets(t, user_words=settings.user_words, fold_chinese=settings.fold_chinese)
        for t in texts
    )
    a, b = tok_a["token"].tolist(), tok_b["token"].tolist()
    runs = _tile(_aligned_runs(a, b, min_tokens), len(a), len(b), min_tokens)
    sa, ea = tok_a[S.START].to_numpy(), tok_a[S.END].to_numpy()
    sb, eb = tok_b[S.START].to_numpy(), tok_b[S.END].to_numpy()
    records = []
    for i, j, length in runs:
        start_a, end_a = int(sa[i]), int(ea[i + length - 1])
        start_b, end_b = int(sb[j]), int(eb[j + length - 1])
        records.append(
            (
                start_a,
                end_a,
                start_b,
                end_b,
                length,
                texts[0][start_a:end_a],
                texts[1][start_b:end_b],
            )
        )
    return pd.DataFrame.from_records(records, columns=list(S.SHARED_COLUMNS)).astype(
        dict.fromkeys((S.START_A, S.END_A, S.START_B, S.END_B, S.TOKENS), np.int64)
    )
