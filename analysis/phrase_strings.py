"""The strings of the vocabulary table's phrases, made a phrase length at a time by Arrow.

:func:`phrase_strings` gives each detected or user phrase (a sequence of word ids)
its display form, its words joined by spaces, its language and its length, as
:func:`analysis.text.join_tokens` and the per-phrase lists of the build before it
gave them (a property test holds them so).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.text import join_tokens

_NONE, _SPACE = pa.scalar("", pa.large_string()), pa.scalar(" ", pa.large_string())


def phrase_strings(
    sequences: list[tuple[int, ...]], words: pa.Array, han: np.ndarray, n_words: int
) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray]:
    """Per phrase (word ids; an id below -1 is word ``n_words - 2 - id`` of ``words``):
    its display form (:func:`analysis.text.join_tokens`), its words joined by spaces,
    whether a word is Han, and its number of words.

    Done a length at a time by Arrow's string kernels, one column of words after another:
    Han words join without a space, all others with one (join_tokens' rule where no
    word is empty; a phrase holding an empty word is joined by join_tokens itself).
    """
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    ids = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64)
    ids = np.where(ids >= 0, ids, n_words - 2 - ids)
    starts = np.cumsum(lengths) - lengths
    empty = (pc.binary_length(words).to_numpy() == 0)[ids]
    order = np.argsort(lengths, kind="stable")
    terms, joined, any_han = [], [], []
    for n in np.unique(lengths).tolist():
        rows = order[lengths[order] == n]
        held = ids[starts[rows][:, None] + np.arange(n)]
        flags = han[held]
        columns = [words.take(pa.array(held[:, c])) for c in range(n)]
        term = columns[0]
        for c in range(1, n):
            gap = pc.if_else(pa.array(flags[:, c - 1] & flags[:, c]), _NONE, _SPACE)
            term = pc.binary_join_element_wise(term, gap, columns[c], _NONE)
        if empty[starts[rows][:, None] + np.arange(n)].any():
            words_of = words.to_pylist()
            term = pa.array(
                [join_tokens([words_of[i] for i in row], han=f) for row, f in
                 zip(held.tolist(), flags.tolist(), strict=True)],
                pa.large_string(),
            )  # fmt: skip
        terms.append(term)
        joined.append(pc.binary_join_element_wise(*columns, _SPACE))
        any_han.append(flags.any(axis=1))
    back = np.empty(len(order), dtype=np.int64)
    back[order] = np.arange(len(order))
    at = pa.array(back)
    return (
        pa.concat_arrays(terms).take(at),
        pa.concat_arrays(joined).take(at),
        np.concatenate(any_han)[back],
        lengths,
    )
