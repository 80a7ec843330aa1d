"""Keyness of a selection against a reference corpus: another corpus, with its own index.

Terms are matched by name across the two vocabularies (both made by the one
token rule). Words are compared everywhere; a phrase only when both indexes
detected it, since a phrase found in one corpus alone has no count in the
other (it would read as absent there): those are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError
from analysis.keyness import KeynessResult, check_options
from analysis.rows import as_mask
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.terms import TermKind, column_totals, kind_columns, vocab_arrays


@dataclass(frozen=True, eq=False)
class ReferenceKeyness(KeynessResult):
    """:class:`~analysis.keyness.KeynessResult` of a selection (A) against a reference (B).

    ``phrases_left_out`` counts the phrases detected in one corpus only (not tested).
    """

    phrases_left_out: int = 0


def _side(
    index: CorpusIndex,
    mask: np.ndarray,
    kind: TermKind,
    stopwords: frozenset[str] | None,
    numbers: bool,
    label: str,
) -> tuple[pd.DataFrame, int]:
    mask = as_mask(index, mask)
    size = int(index.doc_tokens[mask].sum())
    if not mask.any() or size == 0:
        raise EmptySelectionError(f"{label} holds no word. Widen its filters or choose another.")
    columns = kind_columns(index, kind, stopwords)
    if not numbers:
        columns = columns[~index.number_columns()[columns]]
    count, docs = column_totals(index, mask)
    names, kinds = vocab_arrays(index)
    frame = pd.DataFrame(
        {S.TERM: names[columns], S.KIND: kinds[columns], "c": count[columns], "d": docs[columns]}
    )
    return frame, size


def reference_keyness(
    index: CorpusIndex,
    mask: np.ndarray | None,
    reference: CorpusIndex,
    reference_mask: np.ndarray | None = None,
    *,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    kind: TermKind = "all",
    alpha: float = 0.05,
    bonferroni: bool = False,
    top: int | None = None,
    numbers: bool = False,
) -> ReferenceKeyness:
    """Terms the selection (A) uses more than a reference corpus (B), and the reverse.

    The columns, statistics and options are those of
    :func:`analysis.keyness.keyness`: ``count_b`` and ``docs_b`` are the
    reference's, ``size_b`` its word tokens (of ``reference_mask``, all its
    documents by default). A word absent from one corpus counts 0 there.
    """
    check_options(min_count, alpha, top)
    ours, size_a = _side(index, as_mask(index, mask), kind, stopwords, numbers, "The selection")
    theirs, size_b = _side(
        reference, as_mask(reference, reference_mask), kind, stopwords, numbers, "The reference"
    )
    both = ours.merge(
        theirs, on=[S.TERM, S.KIND], how="outer", suffixes=("_a", "_b"), indicator=True
    )
    one_sided = (both[S.KIND] == S.PHRASE) & (both["_merge"] != "both")
    left_out = int(one_sided.sum())
    both = both[~one_sided].fillna({"c_a": 0, "d_a": 0, "c_b": 0, "d_b": 0})
    count_a = both["c_a"].to_numpy(dtype=np.int64)
    count_b = both["c_b"].to_numpy(dtype=np.int64)
    keep = (count_a + count_b) >= min_count
    both, count_a, count_b = both[keep], count_a[keep], count_b[keep]
    ll = log_likelihood(count_a, count_b, size_a, size_b)
    tested = len(both)
    threshold = alpha / max(tested, 1) if bonferroni else alpha
    p = p_value(ll)
    table = pd.DataFrame(
        {
            S.TERM: both[S.TERM].to_numpy(),
            S.KIND: both[S.KIND].to_numpy(),
            S.COUNT_A: count_a,
            S.COUNT_B: count_b,
            S.LL: ll,
            S.P: p,
            S.LOG_RATIO: log_ratio(count_a, count_b, size_a, size_b),
            S.DOCS_A: both["d_a"].to_numpy(dtype=np.int64),
            S.DOCS_B: both["d_b"].to_numpy(dtype=np.int64),
            S.SIGNIFICANT: p < threshold,
        }
    )
    table = table.sort_values([S.LL, S.TERM], ascending=[False, True], kind="stable")
    if top is not None:
        table = table.head(top)
    return ReferenceKeyness(
        table.reset_index(drop=True), size_a, size_b, tested, threshold, phrases_left_out=left_out
    )
