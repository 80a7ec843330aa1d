"""Groups of documents by a field, and the keyness of each group against the rest.

A group is every selected document sharing one value of a field: a source, a
speaker, a period (``period``, at a granularity), or any metadata column. Each
group's key terms are the terms it uses more than the rest (the other groups
together), by Dunning's log-likelihood over the full 2x2 table of the counts
the table prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError, OptionError
from analysis.keyness import check_options
from analysis.periods import Granularity, period_ordinals, period_starts, placeable
from analysis.rows import as_mask
from analysis.spread import group_columns
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.terms import TermKind, column_totals, kind_columns, ranked, vocab_arrays

#: The field naming calendar periods (at ``by``) rather than a column.
PERIOD_FIELD = "period"
#: Most groups one table holds (a field with more values is refused, naming the fix).
MAX_GROUPS = 100


@dataclass(frozen=True)
class Groups:
    """The selected documents split by one field.

    ``masks`` maps each value (in order: periods by date, other values by
    name) to its documents; ``without`` counts the selected documents that
    have no value for the field (no date, or an empty cell), which belong to
    no group and to no rest.
    """

    field: str
    masks: dict[str, np.ndarray]
    without: int = 0


def grouping_fields(index: CorpusIndex) -> tuple[str, ...]:
    """The fields the documents of ``index`` can be grouped by: ``source``, ``period``
    (when some document is dated) and every metadata column."""
    columns = group_columns(index)
    dated = [PERIOD_FIELD] if index.docs[S.DATE].notna().any() else []
    return (*columns[:1], *dated, *columns[1:])


def group_masks(
    index: CorpusIndex,
    mask: np.ndarray | None,
    field: str,
    *,
    by: Granularity = "year",
    max_groups: int = MAX_GROUPS,
) -> Groups:
    """Split the selected documents by ``field``: one mask per value.

    ``field`` is ``source``, ``period`` (the calendar periods of ``by``, named
    by the ISO date of their first day; a document dated more coarsely than
    ``by`` has no period) or a metadata column as spelled in the corpus.
    Values are compared as text; an empty or missing value is no group.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> frame = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["x", "y", "z"],
    ...                       "source": ["BBC", "CGTN", "BBC"]})
    >>> {k: v.tolist() for k, v in group_masks(build_index(frame), None, "source").masks.items()}
    {'BBC': [True, False, True], 'CGTN': [False, True, False]}
    """
    mask = as_mask(index, mask)
    docs = index.docs
    if field == PERIOD_FIELD:
        dates = pd.to_datetime(docs[S.DATE])
        use = mask & placeable(dates, docs[S.DATE_PRECISION], by)
        codes = np.full(index.n_docs, -1, dtype=np.int64)
        ordinals = period_ordinals(dates[use], by)
        distinct = np.unique(ordinals)
        codes[use] = np.searchsorted(distinct, ordinals)
        names = [d.date().isoformat() for d in period_starts(distinct, by)]
    else:
        if field not in group_columns(index):
            raise OptionError(
                f"Cannot group by {field!r}: use one of {', '.join(grouping_fields(index))}."
            )
        column = docs[field]
        values = column.astype(str).str.strip().to_numpy()
        present = mask & column.notna().to_numpy() & (values != "")
        names_array, inverse = np.unique(values[present], return_inverse=True)
        codes = np.full(index.n_docs, -1, dtype=np.int64)
        codes[present] = inverse
        names = [str(n) for n in names_array.tolist()]
    if len(names) > max_groups:
        raise OptionError(
            f"{field!r} has {len(names):,} values in the selection, over the {max_groups} groups "
            "one table holds. Narrow the selection, or group by a field with fewer values."
        )
    masks = {name: codes == i for i, name in enumerate(names)}
    return Groups(field=field, masks=masks, without=int((mask & (codes < 0)).sum()))


def group_keyness(
    index: CorpusIndex,
    masks: Mapping[str, np.ndarray],
    *,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    kind: TermKind = "all",
    alpha: float = 0.05,
    bonferroni: bool = False,
    top: int | None = None,
    numbers: bool = False,
) -> pd.DataFrame:
    """The terms each group uses more than the rest (the other groups together).

    For one term and one group the 2x2 table is ``[[count, count_rest],
    [tokens - count, tokens_rest - count_rest]]``: the term's occurrences in
    the group and in the rest, and their word tokens. ``ll`` is its
    log-likelihood G² (:func:`analysis.stats.log_likelihood`), ``p`` the
    chi-squared (1 d.f.) tail, ``log_ratio = log2((count / tokens) /
    (count_rest / tokens_rest))`` with a zero count taken as 0.5. A document
    in two groups counts in both (and in the rest of each other one).

    Parameters
    ----------
    masks
        Group name -> its documents (at least two groups; see :func:`group_masks`).
    stopwords, kind, numbers
        As in :func:`analysis.keyness.keyness` (``None``: the default stopwords).
    min_count
        Test terms with ``count + count_rest >= min_count``.
    alpha, bonferroni
        ``significant`` is ``p < alpha``, or ``p < alpha / tested`` with the
        Bonferroni correction, ``tested`` being the terms tested for the group.
    top
        Keep each group's ``top`` rows.

    Returns
    -------
    DataFrame
        ``group, term, count, count_rest, tokens, tokens_rest, ll, p,
        log_ratio, docs, kind, significant``: per group (in the order of
        ``masks``) the terms with ``log_ratio > 0``, highest ``ll`` first
        (then by term); ``docs`` counts the group's documents holding the term.
    """
    if len(masks) < 2:
        named = f" ({', '.join(map(repr, masks))})" if masks else ""
        raise OptionError(
            f"{len(masks)} group{'' if len(masks) == 1 else 's'}{named}: each group is compared "
            "with the others, so at least two are needed. Widen the selection, or group by "
            "another field."
        )
    check_options(min_count, alpha, top)
    checked = {str(name): as_mask(index, m) for name, m in masks.items()}
    stack = np.array(list(checked.values()))
    union: np.ndarray = np.asarray(stack.any(axis=0), dtype=bool)
    disjoint = bool((stack.sum(axis=0) <= 1).all())
    columns = kind_columns(index, kind, stopwords)
    if not numbers:
        columns = columns[~index.number_columns()[columns]]
    union_count = column_totals(index, union)[0][columns]
    names, kinds = vocab_arrays(index)
    for name, group in checked.items():
        if int(index.doc_tokens[group].sum()) == 0:
            raise EmptySelectionError(
                f"The group {name!r} holds no word. Leave it out or choose another field."
            )
    tables = []
    for name, group in checked.items():
        tokens = int(index.doc_tokens[group].sum())
        count, docs = (a[columns] for a in column_totals(index, group))
        rest: np.ndarray
        if disjoint:
            rest = union & ~group
            count_rest = union_count - count
        else:
            rest = np.asarray(stack[[other != name for other in checked]].any(axis=0), dtype=bool)
            count_rest = column_totals(index, rest)[0][columns]
        tokens_rest = int(index.doc_tokens[rest].sum())
        keep = (count + count_rest) >= min_count
        tested = int(keep.sum())
        cols, a, b, d = columns[keep], count[keep], count_rest[keep], docs[keep]
        ll = log_likelihood(a, b, tokens, tokens_rest)
        lr = log_ratio(a, b, tokens, tokens_rest)
        more = lr > 0
        cols, a, b, d, ll, lr = cols[more], a[more], b[more], d[more], ll[more], lr[more]
        order = ranked(index, cols, -ll)
        if top is not None:
            order = order[:top]
        cols, a, b, d, ll, lr = cols[order], a[order], b[order], d[order], ll[order], lr[order]
        p = p_value(ll)
        threshold = alpha / max(tested, 1) if bonferroni else alpha
        tables.append(
            pd.DataFrame(
                {
                    S.GROUP: name,
                    S.TERM: names[cols],
                    S.COUNT: a,
                    S.COUNT_REST: b,
                    S.TOKENS: tokens,
                    S.TOKENS_REST: tokens_rest,
                    S.LL: ll,
                    S.P: p,
                    S.LOG_RATIO: lr,
                    S.DOCS: d,
                    S.KIND: kinds[cols],
                    S.SIGNIFICANT: p < threshold,
                }
            )
        )
    return pd.concat(tables, ignore_index=True)


@dataclass(frozen=True, eq=False)
class FieldKeyness:
    """:func:`group_keyness` of the groups by one field: the table, the groups, those in none."""

    table: pd.DataFrame
    groups: tuple[str, ...]
    without: int


def field_keyness(
    index: CorpusIndex,
    mask: np.ndarray | None,
    field: str,
    *,
    by: Granularity = "year",
    **options: Any,
) -> FieldKeyness:
    """Each group of :func:`group_masks` against the rest (:func:`group_keyness` ``options``)."""
    groups = group_masks(index, mask, field, by=by)
    table = group_keyness(index, groups.masks, **options)
    return FieldKeyness(table, tuple(groups.masks), groups.without)
