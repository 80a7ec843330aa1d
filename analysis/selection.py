"""Filters -> a boolean mask over the documents of an index.

Every analysis takes ``(index, mask, options)``; the mask comes from here.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import OptionError
from analysis.query import query_mask as _query_mask

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the corpus to. Hashable: a cache key and a URL.

    ``date_from`` is inclusive and ``date_to`` exclusive (half-open); ``None``
    leaves that side open. When either date is set, undated documents are left
    out. ``sources`` empty means every source. ``query`` keeps documents that
    contain the word or phrase (token rule applied, so case does not matter).
    ``doc_ids`` empty means every document, otherwise only those ids.
    ``metadata`` maps a metadata column to its allowed values, e.g.
    ``(("speaker", ("George Washington",)),)``; values of one column OR
    together, different columns (and all other fields) AND together.
    ``collapse_duplicates`` removes near-duplicate copies (the first of each
    group stays) from the selection, and so from every count.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)
    query: str = ""
    doc_ids: tuple[str, ...] = field(default_factory=tuple)
    metadata: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)
    collapse_duplicates: bool = False

    def describe(self) -> str:
        """The filters in words, for messages: "between 2024-01-01 and ..."."""
        parts = []
        if self.date_from and self.date_to:
            parts.append(f"between {self.date_from} and {self.date_to}")
        elif self.date_from:
            parts.append(f"from {self.date_from}")
        elif self.date_to:
            parts.append(f"before {self.date_to}")
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        if self.query.strip():
            parts.append(f"containing '{self.query.strip()}'")
        if self.doc_ids:
            label = "document" if len(self.doc_ids) == 1 else "documents"
            parts.append(f"{label} " + ", ".join(self.doc_ids))
        for column, values in self.metadata:
            parts.append(f"with {column} " + " or ".join(values))
        if self.collapse_duplicates:
            parts.append("without near-duplicate copies")
        return " ".join(parts) if parts else "in the corpus"


def select(index: CorpusIndex, filters: Filters) -> np.ndarray:
    """Boolean mask (one entry per document of ``index``) for ``filters``.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["Red sky.", "Blue sea."]})
    >>> select(build_index(frame), Filters(query="SKY")).tolist()
    [True, False]
    """
    docs = index.docs
    mask = np.ones(index.n_docs, dtype=bool)
    dates = pd.to_datetime(docs[S.DATE])
    if filters.date_from is not None:
        mask &= (dates >= pd.Timestamp(filters.date_from)).to_numpy(dtype=bool, na_value=False)
    if filters.date_to is not None:
        mask &= (dates < pd.Timestamp(filters.date_to)).to_numpy(dtype=bool, na_value=False)
    if filters.sources:
        mask &= docs[S.SOURCE].astype(str).isin(filters.sources).to_numpy()
    if filters.doc_ids:
        mask &= docs[S.DOC_ID].astype(str).isin(filters.doc_ids).to_numpy()
    for column, values in filters.metadata:
        if column not in docs.columns or column == S.TEXT:
            available = [c for c in docs.columns if c not in (S.TEXT, S.DATE_PRECISION)]
            raise OptionError(
                f"No metadata column {column!r} in this corpus. Use one of: "
                + ", ".join(map(str, available))
                + "."
            )
        mask &= docs[column].astype(str).isin(values).to_numpy()
    if filters.query.strip():
        mask &= query_mask(index, filters.query)
    if filters.collapse_duplicates:
        mask &= unique_documents(index)
    return mask


#: A metadata column is offered as a filter when it has 2 to this many distinct values.
MAX_FILTER_VALUES = 25
#: Metadata columns offered as a filter whatever their number of values.
ALWAYS_FILTERED = ("speaker",)


def filter_choices(index: CorpusIndex) -> dict[str, tuple[str, ...]]:
    """The metadata columns worth a filter, each with its values (as text, sorted).

    ``speaker`` always (when the corpus has it), and any other metadata column
    with 2 to :data:`MAX_FILTER_VALUES` distinct values; empty and missing
    values are no choice, and a column whose name holds ``=`` is left out (a
    filter is written ``column=value``). The values are those :func:`select`
    compares, so each choice selects the documents holding it.

    >>> from analysis.index import build_index
    >>> frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["x", "y"], "party": ["R", "D"]})
    >>> filter_choices(build_index(frame))
    {'party': ('D', 'R')}
    """
    memo = index._memo.get("filter_choices")
    if isinstance(memo, dict):
        return memo
    docs = index.docs
    choices: dict[str, tuple[str, ...]] = {}
    for column in docs.columns:
        name = str(column)
        if name in S.CORPUS_COLUMNS or "=" in name:
            continue
        cells = docs[column]
        text = cells[cells.notna()].astype(str)
        values = sorted(set(text[text.str.strip() != ""]))
        if values and (name in ALWAYS_FILTERED or 2 <= len(values) <= MAX_FILTER_VALUES):
            choices[name] = tuple(values)
    index._memo["filter_choices"] = choices
    return choices


def add_meta_argument(parser: argparse.ArgumentParser) -> None:
    """Add the command line's repeatable ``--meta FIELD=VALUE`` (read by :func:`parse_meta`)."""
    parser.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="keep documents whose metadata FIELD is VALUE (repeatable: values of one field OR "
        "together, fields AND)",
    )


def parse_meta(pairs: list[str] | tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``Filters.metadata`` from ``column=value`` texts; values of one column OR together.

    >>> parse_meta(["party=Whig", "speaker=A", "party=Democratic"])
    (('party', ('Whig', 'Democratic')), ('speaker', ('A',)))
    """
    found: dict[str, list[str]] = {}
    for pair in pairs:
        column, sep, value = pair.partition("=")
        column, value = column.strip(), value.strip()
        if not sep or not column or not value:
            raise OptionError(
                f"Cannot read {pair!r} as a metadata filter: write FIELD=VALUE, for example "
                "--meta party=Whig (repeat --meta for more values or fields)."
            )
        values = found.setdefault(column, [])
        if value not in values:
            values.append(value)
    return tuple((column, tuple(values)) for column, values in found.items())


def unique_documents(index: CorpusIndex) -> np.ndarray:
    """Mask keeping the first of every group of near-duplicate documents.

    Duplicates are found once per index over the whole corpus (so which copy
    stays does not depend on the other filters; see
    :func:`analysis.duplicates.near_duplicates`) and remembered on the index.
    """
    if index._unique is None:
        from analysis.duplicates import collapse_duplicates, near_duplicates

        index._unique = collapse_duplicates(index, near_duplicates(index))
    return index._unique


#: Slice keys with a field of their own; any other key names a metadata column.
SLICE_KEYS = ("doc", "source", "speaker", "from", "to", "query")
_SLICE_EXAMPLE = 'for example "source=Xinhua;from=2022-03-01;to=2022-04-01"'


def parse_slice(text: str) -> Filters:
    """Filters from the CLI SLICE syntax: ``key=value`` pairs joined by ``;``.

    Keys: ``doc`` (a document id), ``source``, ``speaker``, ``from``
    (inclusive) and ``to`` (exclusive) as ``YYYY-MM-DD``, ``query`` (a word
    or phrase), and any other metadata column name (as spelled in the corpus).
    A repeated key ORs its
    values together (``source=BBC News;source=CGTN``); ``from``, ``to`` and
    ``query`` may appear once. The named keys are case-insensitive, values
    are kept as written (surrounding spaces removed). An unknown metadata column is
    reported by :func:`select`, which knows the corpus.

    Examples
    --------
    >>> parse_slice("source=Xinhua;from=2022-03-01").describe()
    'from 2022-03-01 from Xinhua'
    >>> parse_slice("speaker=A;speaker=B").metadata
    (('speaker', ('A', 'B')),)
    """
    values: dict[str, list[str]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key.lower() in SLICE_KEYS:
            key = key.lower()
        if not sep or not key or not value:
            raise OptionError(
                f"Cannot read {part.strip()!r} in the slice {text!r}: write key=value pairs "
                f"joined by ';', {_SLICE_EXAMPLE}."
            )
        values.setdefault(key, []).append(value)
    if not values:
        raise OptionError(f"The slice {text!r} is empty: {_SLICE_EXAMPLE}.")
    for key in ("from", "to", "query"):
        if len(values.get(key, [])) > 1:
            raise OptionError(f"The slice {text!r} gives {key!r} twice; give it once.")
    dates: dict[str, dt.date | None] = {}
    for key in ("from", "to"):
        dates[key] = None
        if key in values:
            try:
                dates[key] = dt.date.fromisoformat(values[key][0])
            except ValueError:
                raise OptionError(
                    f"{key}={values[key][0]!r} is not a date; write it as YYYY-MM-DD, "
                    f"{_SLICE_EXAMPLE}."
                ) from None
    if dates["from"] and dates["to"] and dates["from"] >= dates["to"]:
        raise OptionError(
            f"from={dates['from']} is not before to={dates['to']} in {text!r}; swap them."
        )
    metadata = tuple(
        (key, tuple(dict.fromkeys(vals)))
        for key, vals in values.items()
        if key not in ("doc", "source", "from", "to", "query")
    )
    return Filters(
        date_from=dates["from"],
        date_to=dates["to"],
        sources=tuple(dict.fromkeys(values.get("source", []))),
        query=values.get("query", [""])[0],
        doc_ids=tuple(dict.fromkeys(values.get("doc", []))),
        metadata=metadata,
    )


def query_mask(index: CorpusIndex, query: str) -> np.ndarray:
    """Documents in which a typed query occurs (:mod:`analysis.query`: a word, any word
    sequence, ``word*``, alternatives with ``|``); an empty query selects none.

    Vocabulary terms are read from the counts, other sequences matched in the
    token stream, so the filter agrees with every count.
    """
    if not query.strip():
        return np.zeros(index.n_docs, dtype=bool)
    return _query_mask(index, query)
