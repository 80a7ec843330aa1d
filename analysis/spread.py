"""How a formulation spreads: which group used a term first, when the others followed.

A *formulation* is any typed query (:mod:`analysis.query`: a word, a word
sequence, ``word*``, ``a | b``) or a :class:`~analysis.trends.Theme`; a
*group* is the value of one document column: ``source``, a metadata column
such as ``speaker``, or any other. Counts come from
:func:`analysis.query.count_query`, the counter of Trends, so a term counts
the same here as on every other page.

Only dated documents can be first uses. A document dated only to the month
or the year stands at the first day of that month or year, as stored (the
result says how many such documents use the term); an undated one counts in
``count`` and ``docs`` but in no date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError, OptionError
from analysis.query import Query, count_query, parse_query
from analysis.rows import nonempty
from analysis.trends import Theme, parse_themes

FIRST_DATE = "first_date"
FIRST_DOC = "first_doc"
LAST_DATE = "last_date"
CUMULATIVE = "cumulative"
SPREAD_COLUMNS = (S.GROUP, FIRST_DATE, FIRST_DOC, LAST_DATE, S.COUNT, S.DOCS, S.PER_MILLION)
UPTAKE_COLUMNS = (S.GROUP, S.DATE, S.COUNT, CUMULATIVE)


@dataclass(frozen=True)
class Spread:
    """The spread of one formulation over the groups of the selected documents.

    Attributes
    ----------
    term
        The formulation's label (a query's, or a theme's name).
    by
        The column the documents are grouped by.
    table
        ``group, first_date, first_doc, last_date, count, docs, per_million``,
        one row per group of the selection (those that never use the term
        too, with ``count`` 0 and no dates), ordered by ``first_date`` (groups
        without a dated use last), then by group. ``first_doc`` is the first
        dated document using the term, the earliest in corpus order among
        those of ``first_date``; ``per_million`` is per million tokens of the
        group's selected documents.
    uptake
        ``group, date, count, cumulative``: per group and per date on which
        it used the term, that date's occurrences and the running total
        (dated documents only), ordered by group (as in ``table``) and date.
    undated_docs, undated_count
        Selected undated documents using the term, and their occurrences:
        counted in ``count`` and ``docs``, in no date.
    coarse_docs
        Selected documents using the term dated only to the month or year
        (standing at its first day).
    on_the_fly
        Alternatives counted from the token stream (not vocabulary terms).
    expansions
        The words the formulation's prefixes (``slave*``) expanded to.
    """

    term: str
    by: str
    table: pd.DataFrame
    uptake: pd.DataFrame
    undated_docs: int
    undated_count: int
    coarse_docs: int
    on_the_fly: tuple[str, ...]
    expansions: tuple[str, ...]

    def note(self) -> str | None:
        """One sentence on the uses without a day, or ``None`` (CLI stderr, the page)."""
        parts = []
        if self.undated_docs:
            n = self.undated_docs
            parts.append(
                f"{n} undated document{'s' if n != 1 else ''} ({self.undated_count} "
                f"occurrence{'s' if self.undated_count != 1 else ''}) counted in count and "
                "docs, but not as a first use"
            )
        if self.coarse_docs:
            n = self.coarse_docs
            parts.append(
                f"{n} document{'s' if n != 1 else ''} dated only to the month or year "
                f"{'stand' if n != 1 else 'stands'} at its first day"
            )
        return "; ".join(parts) if parts else None


def group_labels(index: CorpusIndex, by: str) -> np.ndarray:
    """The group of every document of the index: its ``by`` value as text.

    A missing or empty value is the group ``(no <by>)``. ``by`` is ``source``
    or any metadata column (not the text, id, title or date columns); an
    unknown column raises :class:`~analysis.errors.OptionError` listing the
    ones there are.
    """
    codes, names = group_codes(index, by)
    labels: np.ndarray = names[codes]
    return labels


def group_codes(index: CorpusIndex, by: str) -> tuple[np.ndarray, np.ndarray]:
    """Per document the number of its group, and the group names in code-point order.

    Made once per index and column (see :func:`group_labels`).
    """
    memo = index._memo.get(("group_codes", by))
    if memo is not None:
        return cast(tuple[np.ndarray, np.ndarray], memo)
    allowed = group_columns(index)
    if by not in allowed:
        raise OptionError(
            f"Cannot group by {by!r}. Group by one of this corpus's columns: {', '.join(allowed)}."
        )
    column = index.docs[by]
    text = column.astype(str).where(column.notna(), "").str.strip().to_numpy(dtype=object)
    text[text == ""] = f"(no {by})"
    names, codes = np.unique(text.astype(str), return_inverse=True)
    found = (codes.astype(np.int64).ravel(), names.astype(object))
    index._memo[("group_codes", by)] = found
    return found


def group_columns(index: CorpusIndex) -> list[str]:
    """The columns documents can be grouped by: ``source`` and the metadata columns."""
    skip = {S.DOC_ID, S.DATE, S.DATE_PRECISION, S.TITLE, S.TEXT}
    return [str(c) for c in index.docs.columns if c not in skip]


def parse_formulation(text: str) -> str | Theme:
    """What one box holds: a query (``zero-covid``, ``a | b``) or a theme ``name = a, b``.

    The query syntax has no ``=``, so a text holding one is a theme
    (:func:`~analysis.trends.parse_themes`; its first line).

    >>> parse_formulation("covid = zero-covid, dynamic clearing")
    Theme(name='covid', terms=('zero-covid', 'dynamic clearing'))
    >>> parse_formulation("  zero-covid ")
    'zero-covid'
    """
    if "=" in text:
        return parse_themes(text)[0]
    return text.strip()


def formulation_query(term: str | Theme) -> str:
    """One query finding the documents that use ``term`` (a theme's members joined by ``|``).

    >>> formulation_query(Theme("covid", ("zero-covid", "lockdown | quarantine")))
    'zero-covid | lockdown | quarantine'
    """
    if isinstance(term, Theme):
        return " | ".join(m.strip() for m in term.terms if m.strip())
    return term


def default_group(index: CorpusIndex) -> str:
    """The column that best tells documents apart: ``source`` unless all share one,
    then ``speaker`` when there is such a column, else ``source``."""
    sources = index.docs[S.SOURCE].fillna("").astype(str).str.strip()
    if sources.nunique() > 1 or "speaker" not in index.docs.columns:
        return S.SOURCE
    return "speaker"


def _queries(index: CorpusIndex, term: str | Theme) -> tuple[str, tuple[Query, ...]]:
    """The label and the parsed queries of a formulation (a theme: one per member)."""
    if isinstance(term, Theme):
        members = tuple(m for m in term.terms if m.strip())
        if not term.name.strip() or not members:
            raise OptionError("A theme needs a name and at least one term: 'name = a, b'.")
        return term.name, tuple(parse_query(index, m) for m in members)
    query = parse_query(index, term)
    return query.label, (query,)


def formulation_spread(
    index: CorpusIndex,
    mask: np.ndarray | None,
    term: str | Theme,
    *,
    by: str = S.SOURCE,
) -> Spread:
    """Which group used a formulation first, when each other group followed, how often.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    term
        A query as typed (``"zero-covid"``, ``"common prosperity"``,
        ``"共同富裕"``, ``"slave*"``, ``"union | secession"``) or a
        :class:`~analysis.trends.Theme` (its members' counts summed).
    by
        The document column naming the groups: ``source`` (the default),
        ``speaker`` or any metadata column.

    Returns
    -------
    Spread
        The per-group table and the cumulative uptake (see :class:`Spread`).
        A formulation that occurs nowhere in the corpus raises
        :class:`~analysis.errors.OptionError`; one that occurs only outside
        the selection :class:`~analysis.errors.EmptySelectionError`.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "source": ["X", "Y", "X"],
    ...     "text": ["zero-COVID now", "no", "Zero-Covid, zero-covid"],
    ...     "date": pd.to_datetime(["2022-03-02", "2022-03-01", "2022-03-05"])})
    >>> s = formulation_spread(build_index(docs), None, "zero-covid")
    >>> s.table[["group", "first_doc", "count", "docs"]].values.tolist()
    [['X', 'a', 3, 2], ['Y', '', 0, 0]]
    >>> s.uptake["cumulative"].tolist()
    [1, 3]
    """
    mask = nonempty(index, mask)
    codes, names = group_codes(index, by)  # the column is checked before any count
    label, queries = _queries(index, term)
    rows = np.flatnonzero(mask)
    per_doc = np.zeros(len(rows), dtype=np.int64)
    for query in queries:
        per_doc += count_query(index, query, rows)
    if not per_doc.any():
        everywhere = np.arange(index.n_docs)
        anywhere = sum(int(count_query(index, q, everywhere).sum()) for q in queries)
        if not anywhere:
            raise OptionError(
                f"{label!r} occurs nowhere in this corpus. Check the spelling, or pick a "
                "term from the Terms table."
            )
        raise EmptySelectionError(
            f"{label!r} occurs {anywhere:,} times in the corpus but in no selected "
            "document. Widen the date range, clear the source filter or change the keyword."
        )
    code = codes[rows]
    present = np.flatnonzero(np.bincount(code, minlength=len(names)))
    tokens = np.bincount(code, weights=index.doc_tokens[rows], minlength=len(names))
    used_rows = rows[per_doc > 0]
    docs = index.docs

    def column(name: str) -> pd.Series:  # one column of the users, not the whole frame
        return docs[name].iloc[used_rows]

    users = pd.DataFrame(
        {
            "row": used_rows,
            "code": codes[used_rows],
            S.GROUP: names[codes[used_rows]],
            S.DATE: pd.to_datetime(column(S.DATE)).to_numpy(),
            "precision": column(S.DATE_PRECISION).fillna("day").astype(str).to_numpy(),
            S.DOC_ID: column(S.DOC_ID).astype(str).to_numpy(),
            S.COUNT: per_doc[per_doc > 0],
        }
    )
    count = np.bincount(users["code"], weights=users[S.COUNT], minlength=len(names))
    n_docs = np.bincount(users["code"], minlength=len(names))
    dated = users[users[S.DATE].notna()].sort_values([S.DATE, "row"], kind="stable")
    first = dated.groupby("code", sort=False).first()
    table = pd.DataFrame({S.GROUP: names[present]})
    table[FIRST_DATE] = pd.Series(present).map(first[S.DATE]).astype("datetime64[ns]")
    table[FIRST_DOC] = pd.Series(present).map(first[S.DOC_ID]).fillna("").astype(object)
    last = dated.groupby("code")[S.DATE].max()
    table[LAST_DATE] = pd.Series(present).map(last).astype("datetime64[ns]")
    table[S.COUNT] = count[present].astype(np.int64)
    table[S.DOCS] = n_docs[present].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        table[S.PER_MILLION] = np.where(
            tokens[present] > 0, count[present] / tokens[present] * 1e6, 0.0
        )
    table = table.sort_values(
        [FIRST_DATE, S.GROUP], kind="stable", na_position="last", ignore_index=True
    )
    order = {g: i for i, g in enumerate(table[S.GROUP])}
    daily = dated.groupby([S.GROUP, S.DATE], sort=True)[S.COUNT].sum().reset_index()
    daily = daily.sort_values(
        [S.GROUP, S.DATE], key=lambda c: c.map(order) if c.name == S.GROUP else c, kind="stable"
    )
    daily[CUMULATIVE] = daily.groupby(S.GROUP, sort=False)[S.COUNT].cumsum().astype(np.int64)
    undated = users[users[S.DATE].isna()]
    return Spread(
        term=label,
        by=by,
        table=table[list(SPREAD_COLUMNS)],
        uptake=daily[list(UPTAKE_COLUMNS)].reset_index(drop=True),
        undated_docs=len(undated),
        undated_count=int(undated[S.COUNT].sum()),
        coarse_docs=int((dated["precision"] != "day").sum()),
        on_the_fly=tuple(q.label for q in queries if q.on_the_fly),
        expansions=tuple(dict.fromkeys(w for q in queries for w in q.expansions)),
    )
