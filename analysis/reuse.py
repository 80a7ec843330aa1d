"""Text reuse: the passages two documents share, aligned on their token streams.

The only comparison that reads text again: the two documents' own, scanned with
the index's pattern so their words are the index's words.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl
import regex

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.nfkc_offsets import folded_with_offsets, nfkc_with_offsets
from analysis.rows import rows_for, text_cells
from analysis.rule import BOUNDARY_PATTERN, SCAN_PATTERN
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
        normal, raw_at = nfkc_with_offsets(text)
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
            folded, at_char = folded_with_offsets(raw)
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
    texts = text_cells(index, rows)
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
