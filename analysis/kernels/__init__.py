"""Compiled loops (numba) behind the index build: the scans and the counters.

Everything here works on plain arrays and knows nothing of documents,
vocabularies or phrases; :mod:`analysis.scan`, :mod:`analysis.index` and
:mod:`analysis.phrases` give the arrays their meaning. Each loop reads its
input in order and releases the GIL, so the loops of a build (and its
Python work) run beside one another on threads.

Modules, by job (:mod:`~analysis.kernels.utf8` and
:mod:`~analysis.kernels.hashing` import no sibling; the others use them):

- :mod:`~analysis.kernels.scanning`: :func:`scan_tokens`, raw tokens of
  UTF-8 text by a table of character classes, each distinct raw token
  numbered in order of first appearance; :func:`number_strings`,
  :func:`gather_into`, :func:`fill_rows` join parts (:func:`expanded_counts`,
  :func:`expand_into` where a token stands for several words); :func:`nfkc_unsure`
  finds the texts that may not be in NFKC;
- :mod:`~analysis.kernels.passages`: :func:`passage_spans`, paragraphs (long
  ones cut at line breaks) as character offsets;
- :mod:`~analysis.kernels.counting`: :func:`row_counts`, :func:`totals`,
  :func:`column_sums`, :func:`packed_column_sums`: per-row counts of values
  (documents x terms, CSR), overall counts, column sums over some rows;
  :func:`row_counts_with_room` and :func:`side_by_side`: word and phrase
  columns joined in place;
- :mod:`~analysis.kernels.columns`: :func:`read_columns`, some columns of a
  CSR matrix per row (summed, or which of them), in one pass over its entries;
- :mod:`~analysis.kernels.ngrams`: :func:`partition_ngrams`,
  :func:`count_partitions`, :func:`frequent_rows`, :func:`mark_frequent`,
  :func:`kept_starts`: one level of phrase detection (n-grams scattered by
  hash into partitions, each counted in cache);
  :func:`best_at`: the best score at each of a sorted list of positions;
- :mod:`~analysis.kernels.segment`: :func:`cut_han_runs`, jieba's cut of
  Han runs over a trie of its dictionary (:func:`insert_words`,
  :func:`node_of`, :func:`rehash`) and its HMM;
- :mod:`~analysis.kernels.streams`: :func:`match_sequence`,
  :func:`positions_by_value`, :func:`walk_words`, :func:`shingle_hashes`:
  walks over the index's token stream.

The package hands every loop on under its own name (``kernels.row_counts``)
and holds what the callers that split a pass need: :data:`WORKERS` and
:func:`split_evenly`.

Arrays that grow are grown between calls of a resumable inner loop: numba
charges a reference count on every use of an array reassigned inside a loop.
The functions are compiled on first use and cached next to their file (or
under ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import itertools
import os

import numpy as np

from analysis.kernels.columns import read_columns
from analysis.kernels.counting import (
    column_sums,
    packed_column_sums,
    row_counts,
    row_counts_with_room,
    side_by_side,
    totals,
)
from analysis.kernels.ngrams import (
    best_at,
    count_partitions,
    frequent_rows,
    kept_starts,
    mark_frequent,
    partition_ngrams,
)
from analysis.kernels.passages import passage_spans
from analysis.kernels.scanning import (
    APOSTROPHE,
    CAPITAL,
    DOT,
    JOINER,
    LETTER,
    MARK,
    OTHER,
    WORD,
    expand_into,
    expanded_counts,
    fill_rows,
    gather_into,
    nfkc_unsure,
    number_strings,
    scan_tokens,
)
from analysis.kernels.segment import cut_han_runs, insert_words, node_of, rehash
from analysis.kernels.streams import match_sequence, positions_by_value, shingle_hashes, walk_words

__all__ = [
    "APOSTROPHE",
    "CAPITAL",
    "DOT",
    "JOINER",
    "LETTER",
    "MARK",
    "OTHER",
    "WORD",
    "WORKERS",
    "best_at",
    "column_sums",
    "count_partitions",
    "cut_han_runs",
    "expand_into",
    "expanded_counts",
    "fill_rows",
    "frequent_rows",
    "gather_into",
    "insert_words",
    "kept_starts",
    "mark_frequent",
    "match_sequence",
    "nfkc_unsure",
    "node_of",
    "number_strings",
    "packed_column_sums",
    "partition_ngrams",
    "passage_spans",
    "positions_by_value",
    "read_columns",
    "rehash",
    "row_counts",
    "row_counts_with_room",
    "scan_tokens",
    "shingle_hashes",
    "side_by_side",
    "split_evenly",
    "totals",
    "walk_words",
]


#: Threads for the compiled passes that split their input (they release the GIL).
WORKERS = max(1, min(4, os.cpu_count() or 1))


def split_evenly(bounds: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Ranges ``[lo, hi)`` of the items between ``bounds`` (offsets), about equal in size.

    >>> split_evenly(np.array([0, 5, 6, 10, 20]), 2)
    [(0, 3), (3, 4)]
    """
    n = len(bounds) - 1
    if n <= 0 or parts <= 1:
        return [(0, max(n, 0))]
    targets = np.linspace(bounds[0], bounds[-1], parts + 1)[1:-1]
    cuts = np.searchsorted(bounds, targets).tolist()
    edges = sorted({0, n, *(c for c in cuts if 0 < c < n)})
    return list(itertools.pairwise(edges))
