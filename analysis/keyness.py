"""Keyness: what one slice says more than another (groups: :mod:`analysis.groups`).

Dunning log-likelihood over the full 2x2 table, its p-value (optionally
Bonferroni-corrected), log ratio as the effect size and document dispersion;
read from the index's counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError, OptionError
from analysis.kernels.counting import distinct_pairs
from analysis.rows import as_mask
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.terms import (
    TermKind,
    column_totals,
    kind_columns,
    ranked,
)


@dataclass(frozen=True, eq=False)
class KeynessResult:
    """The key terms of slice A against slice B (:func:`keyness`) and what they were tested on.

    Attributes
    ----------
    table
        ``term, kind, count_a, count_b, ll, p, log_ratio, docs_a, docs_b, significant``.
    size_a, size_b
        The word tokens of each slice.
    tested
        The terms tested (left after stopwords, kind, numbers and ``min_count``).
    alpha
        The significance level after any Bonferroni correction.
    """

    table: pd.DataFrame
    size_a: int
    size_b: int
    tested: int
    alpha: float


def check_options(min_count: int, alpha: float, top: int | None) -> None:
    """Raise :class:`OptionError` naming the fix for an option no keyness table can take."""
    if min_count < 1:
        raise OptionError(f"min_count must be at least 1, not {min_count}.")
    if not 0 < alpha < 1:
        raise OptionError(f"alpha must be between 0 and 1, not {alpha}.")
    if top is not None and top < 1:
        raise OptionError(f"top must be at least 1, not {top}.")


def keyness(
    index: CorpusIndex,
    mask_a: np.ndarray,
    mask_b: np.ndarray,
    *,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    kind: TermKind = "all",
    alpha: float = 0.05,
    bonferroni: bool = False,
    top: int | None = None,
    labels: tuple[str, str] = ("A", "B"),
    numbers: bool = False,
) -> KeynessResult:
    """Terms used more in slice A than in slice B, and the reverse.

    For each term, the 2x2 table of its count in each slice against the
    slice's token total (word tokens, as :func:`~analysis.terms.corpus_summary`
    reports them) gives Dunning's log-likelihood ``ll`` and its ``p``
    (chi-squared, one degree of freedom; :mod:`analysis.stats`), and the
    effect size ``log_ratio = log2((count_a / size_a) / (count_b / size_b))``
    with a zero count taken as 0.5. Rows are sorted by ``ll``; the sign of
    ``log_ratio`` says the side: positive terms are key in A, negative ones
    (negative keywords) in B.

    Parameters
    ----------
    mask_a, mask_b
        The two slices (boolean masks over the index's documents).
    stopwords
        Hidden terms; ``None`` uses the default list, an empty set hides none.
    min_count
        Keep terms with ``count_a + count_b >= min_count``.
    kind
        ``word``, ``phrase`` or ``all``.
    alpha, bonferroni
        ``significant`` is ``p < alpha``, or ``p < alpha / tested`` with the
        Bonferroni correction, ``tested`` being the number of terms left after
        ``stopwords``, ``kind`` and ``min_count`` (the result's ``tested``).
    top
        Keep the ``top`` rows with the highest ``ll``.
    labels
        Names of the slices in error messages.
    numbers
        Test pure numbers too (:func:`~analysis.text.is_number`); hidden by
        default, like stopwords, and then not counted in ``tested``.

    Returns
    -------
    KeynessResult
        ``table``: ``term, kind, count_a, count_b, ll, p, log_ratio, docs_a,
        docs_b, significant``; ``docs_a``/``docs_b`` count the documents of
        each slice holding the term. Beside it ``size_a``, ``size_b``,
        ``tested`` and ``alpha`` (after correction).
    """
    check_options(min_count, alpha, top)
    columns = kind_columns(index, kind, stopwords)
    if not numbers:
        columns = columns[~index.number_columns()[columns]]
    sides = []
    for label, mask in zip(labels, (mask_a, mask_b), strict=True):
        mask = as_mask(index, mask)
        if not mask.any():
            raise EmptySelectionError(
                f"Slice {label} selects no document. Widen its filters (dates, source, query)."
            )
        size = int(index.doc_tokens[mask].sum())
        if size == 0:
            raise EmptySelectionError(f"Slice {label} holds no word. Choose other documents.")
        count, docs = column_totals(index, mask)
        sides.append((count[columns], docs[columns], size))
    (count_a, docs_a, size_a), (count_b, docs_b, size_b) = sides
    keep = (count_a + count_b) >= min_count
    cols, count_a, count_b = columns[keep], count_a[keep], count_b[keep]
    tested = len(cols)
    threshold = alpha / max(tested, 1) if bonferroni else alpha
    pair, ll, p, ratio, ll_rank = _pair_statistics(count_a, count_b, size_a, size_b)
    # by ll (descending) then term, as a stable sort of the whole table would give
    order = ranked(index, cols, ll_rank[pair], top=top)
    cols, pair = cols[order], pair[order]
    vocab = index.vocab
    table = pd.DataFrame(
        {
            # taken from the vocabulary's own string columns: no string object per row
            S.TERM: vocab[S.TERM].array.take(cols),
            S.KIND: vocab[S.KIND].array.take(cols),
            S.COUNT_A: count_a[order],
            S.COUNT_B: count_b[order],
            S.LL: ll[pair],
            S.P: p[pair],
            S.LOG_RATIO: ratio[pair],
            S.DOCS_A: docs_a[keep][order],
            S.DOCS_B: docs_b[keep][order],
            S.SIGNIFICANT: p[pair] < threshold,
        }
    )
    return KeynessResult(table, size_a, size_b, tested, threshold)


def _pair_statistics(
    count_a: np.ndarray, count_b: np.ndarray, size_a: int, size_b: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The statistics of each distinct ``(count_a, count_b)`` pair, computed once per pair.

    Returns ``pair`` (per term, its pair) and per pair ``ll``, ``p``, ``log_ratio``
    and the rank of ``ll`` from the highest (equal values the same rank). A term's
    statistics depend on its two counts only (the sizes are the slices'), and most
    terms are rare: 65,931 terms tested at 100,000 documents hold 11,127 pairs, so
    ``p`` (about 1.8 us a value) is evaluated a sixth as often, each value the
    same as computed term by term.
    """
    pair, a, b = distinct_pairs(count_a, count_b)
    ll = log_likelihood(a, b, size_a, size_b)
    descending = np.argsort(-ll)
    steps = np.zeros(len(ll), dtype=np.int64)
    ordered = ll[descending]
    steps[1:] = ordered[1:] != ordered[:-1]
    ll_rank = np.empty(len(ll), dtype=np.int64)
    ll_rank[descending] = np.cumsum(steps)
    return pair, ll, p_value(ll), log_ratio(a, b, size_a, size_b), ll_rank
