"""The ledger of documents read as columns: the corpus made column by column.

:func:`_finalise` is the loaders' one way to a :class:`LoadedCorpus`. Units
read one by one go to :func:`analysis.corpus.ledger._finalise_units`; when
every document arrived in blocks of Arrow columns (:class:`_Docs`, from
:mod:`analysis.corpus.arrowjson`) with the same metadata fields, the same
tables are made here without a Python object per document: dates parsed
once per distinct value, duplicates found by
:func:`analysis.corpus.dedup._first_copies`, notes written only where there
is one, and the text column handed to pandas as it is. Tests hold the two
ways equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.dates import parse_dates
from analysis.corpus.dedup import _first_copies
from analysis.corpus.ledger import (
    _PRECISION_RANK,
    LoadedCorpus,
    _Doc,
    _Docs,
    _finalise_units,
    _has_surrogates,
    _no_surrogates,
    _Rejected,
    _renamed,
    _renamed_note,
    _same_text_note,
    _undated_reason,
    _Unit,
)
from analysis.schema import (
    DATE,
    DATE_PRECISION,
    DOC_ID,
    DUPLICATE,
    DUPLICATE_OF,
    FILE,
    LINE,
    LOADED,
    LOCATION,
    QUARANTINED,
    REASON,
    SOURCE,
    STATUS,
    TEXT,
    TITLE,
    UNIT,
)

_STRINGS = pa.large_string()


def _finalise(name: str, units: list[_Unit]) -> LoadedCorpus:
    """The corpus and ledger of ``units``, in their order."""
    blocks = [unit for unit in units if isinstance(unit, _Docs)]
    if not blocks:
        return _finalise_units(name, [u for u in units if not isinstance(u, _Docs)])
    fields = list(blocks[0].meta)
    if any(isinstance(u, _Doc) for u in units) or any(
        list(block.meta) != fields or _has_surrogates(block.file) for block in blocks
    ):
        one_by_one: list[_Doc | _Rejected] = []
        for unit in units:
            one_by_one.extend(unit.docs() if isinstance(unit, _Docs) else [unit])
        return _finalise_units(name, one_by_one)
    return _finalise_columns(name, units, blocks)


def _finalise_columns(name: str, units: list[_Unit], blocks: list[_Docs]) -> LoadedCorpus:
    texts = _joined([block.texts for block in blocks])
    n = len(texts)
    locations = _joined([_locations(block) for block in blocks])
    ids = _joined([_or_empty(block.doc_ids, len(block)) for block in blocks])
    wanted = pc.if_else(pc.equal(ids, ""), locations, ids)
    notes: dict[int, list[str]] = {}

    raw_dates = _joined([_or_null(block.dates, len(block)) for block in blocks])
    days, precisions, raw_codes, raw_values = _dates(raw_dates)
    _declared_precision(blocks, days, precisions, notes)
    undated = np.flatnonzero(np.isnat(days))
    reasons: dict[int, str] = {}
    for position in undated.tolist():
        code = int(raw_codes[position])
        if code not in reasons:
            reasons[code] = _undated_reason(raw_values[code] if code >= 0 else None)
        notes.setdefault(position, []).insert(0, reasons[code])

    first = _first_copies(texts)
    loaded = first == np.arange(n)
    renamed = _renamed(wanted, loaded)
    final = wanted
    if renamed:
        positions = np.zeros(n, dtype=bool)
        positions[list(renamed)] = True
        final = pc.replace_with_mask(
            wanted, pa.array(positions), pa.array(list(renamed.values()), _STRINGS)
        )
        for position, new_id in renamed.items():
            notes.setdefault(position, []).append(_renamed_note(wanted[position].as_py(), new_id))
    copies = np.flatnonzero(~loaded)
    kept_ids = pc.take(final, first[copies]).to_pylist()
    for position, kept_id in zip(copies.tolist(), kept_ids, strict=True):
        notes[position] = [_same_text_note(kept_id)]  # date notes do not matter for a copy
    duplicate_of = _strings_at(n, dict(zip(copies.tolist(), kept_ids, strict=True)))
    reason = _strings_at(n, {position: "; ".join(parts) for position, parts in notes.items()})

    statuses = pc.take(pa.array([LOADED, DUPLICATE], _STRINGS), pa.array((~loaded).astype(np.int8)))
    report = _report(
        units,
        {
            LINE: _joined([block.lines() for block in blocks], pa.int64()),
            LOCATION: locations,
            STATUS: statuses,
            REASON: reason,
            DOC_ID: final,
            DUPLICATE_OF: duplicate_of,
        },
    )
    keep = None if loaded.all() else pa.array(np.flatnonzero(loaded))

    def kept(values: pa.Array) -> pa.Array:
        return values if keep is None else pc.take(values, keep)

    titles = _joined([_or_empty(block.titles, len(block)) for block in blocks])
    sources = _joined([_sources(block) for block in blocks])
    columns: dict[str, Any] = {
        DOC_ID: _str_series(kept(final)),
        DATE: pd.Series(days[loaded], dtype="datetime64[us]"),
        DATE_PRECISION: pd.Series(precisions[loaded], dtype=object),
        TITLE: _str_series(kept(titles)),
        SOURCE: _str_series(kept(sources)),
        TEXT: _str_series(kept(texts)),
    }
    for field in blocks[0].meta:
        # every value a string: the column is one of text, as _metadata_series makes it
        columns[field] = _str_series(kept(_joined([block.meta[field] for block in blocks])))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(int(loaded.sum())))
    return LoadedCorpus(name=name, docs=frame, report=report)


def _report(units: list[_Unit], documents: dict[str, Any]) -> pd.DataFrame:
    """The ledger: the documents' rows (``documents``, in order) among the other units'."""
    sizes = np.array([len(u) if isinstance(u, _Docs) else 1 for u in units], dtype=np.int64)
    is_block = np.array([isinstance(u, _Docs) for u in units], dtype=bool)
    rows = np.repeat(np.arange(len(units)), sizes)
    at_documents = np.repeat(is_block, sizes)
    rejected = [u for u in units if isinstance(u, _Rejected)]
    single = {
        FILE: [_no_surrogates(u.file) for u in rejected],
        LINE: [u.line for u in rejected],
        LOCATION: [_no_surrogates(u.location) for u in rejected],
        STATUS: [QUARANTINED] * len(rejected),
        REASON: [_no_surrogates(u.reason) for u in rejected],
        DOC_ID: [""] * len(rejected),
        DUPLICATE_OF: [""] * len(rejected),
    }
    blocks = [u for u in units if isinstance(u, _Docs)]
    files = pc.take(
        pa.array([_no_surrogates(block.file) for block in blocks], _STRINGS),
        pa.array(np.repeat(np.arange(len(blocks)), [len(block) for block in blocks])),
    )
    documents = {FILE: files, **documents}
    report: dict[str, pd.Series] = {UNIT: pd.Series(np.arange(len(rows)), dtype="int64")}
    for column, values in documents.items():
        merged = _interleaved(values, single[column], at_documents, column == LINE)
        report[column] = pd.Series(merged, dtype="Int64" if column == LINE else "str")
    return pd.DataFrame(report)


def _interleaved(
    documents: Any, others: list[Any], at_documents: np.ndarray, integers: bool
) -> pa.Array:
    """One column of the ledger: ``documents`` where ``at_documents``, ``others`` elsewhere."""
    kind = pa.int64() if integers else _STRINGS
    documents = documents if isinstance(documents, pa.Array) else pa.array(documents, kind)
    if not others:
        return documents.cast(kind)
    both = pa.concat_arrays([documents.cast(kind), pa.array(others, kind)])
    order = np.empty(len(at_documents), dtype=np.int64)
    order[at_documents] = np.arange(len(documents))
    order[~at_documents] = len(documents) + np.arange(len(others))
    return pc.take(both, pa.array(order))


def _dates(raw: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    """Days and precisions of raw date strings, parsed once per distinct value.

    Also the code of each document's raw value among the distinct ones (-1:
    none) and those values.
    """
    encoded = pc.dictionary_encode(raw)
    values = encoded.dictionary.to_pylist()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    parsed_days, parsed_precisions = parse_dates(pd.Series([*values, None], dtype=object))
    days = parsed_days.to_numpy(dtype="datetime64[us]")[codes]
    precisions = parsed_precisions.to_numpy(dtype=object)[codes]
    return days, precisions, codes, values


def _declared_precision(
    blocks: list[_Docs], days: np.ndarray, precisions: np.ndarray, notes: dict[int, list[str]]
) -> None:
    """:func:`analysis.corpus.ledger._apply_declared_precision`, once per distinct value."""
    if all(block.precisions is None for block in blocks):
        return
    declared = pc.dictionary_encode(_joined([_or_null(b.precisions, len(b)) for b in blocks]))
    codes = declared.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    wanted = [str(value).strip().lower() for value in declared.dictionary.to_pylist()]
    for code, value in enumerate(declared.dictionary.to_pylist()):
        at = np.flatnonzero(codes == code)
        if wanted[code] not in _PRECISION_RANK:
            for position in at.tolist():
                note = f"precision: ignored date_precision {str(value)[:20]!r}"
                notes.setdefault(position, []).append(note)
            continue
        rank = _PRECISION_RANK[wanted[code]]
        parsed = precisions[at]
        coarser = np.array(
            [p is not None and rank > _PRECISION_RANK[str(p)] for p in parsed], dtype=bool
        )
        change = at[coarser]
        unit = "Y" if wanted[code] == "year" else "M"
        days[change] = days[change].astype(f"datetime64[{unit}]").astype("datetime64[us]")
        precisions[change] = wanted[code]


def _locations(block: _Docs) -> pa.Array:
    lines = pc.cast(block.lines(), _STRINGS)
    return pc.binary_join_element_wise(
        pa.scalar(block.file, _STRINGS), lines, pa.scalar(":", _STRINGS)
    )


def _sources(block: _Docs) -> pa.Array:
    if block.sources is None:
        return pc.take(pa.array([block.source], _STRINGS), pa.array(np.zeros(len(block), np.int8)))
    return pc.if_else(
        pc.equal(block.sources, ""), pa.scalar(block.source, _STRINGS), block.sources.cast(_STRINGS)
    )


def _or_empty(values: pa.Array | None, n: int) -> pa.Array:
    return _strings_at(n, {}) if values is None else values.cast(_STRINGS)


def _strings_at(n: int, values: dict[int, str]) -> pa.Array:
    """``n`` strings: ``values[i]`` at each position ``i`` given, ``""`` elsewhere."""
    empty = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b"")
    )
    if not values:
        return empty
    positions = sorted(values)
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    return pc.replace_with_mask(
        empty, pa.array(mask), pa.array([values[at] for at in positions], _STRINGS)
    )


def _or_null(values: pa.Array | None, n: int) -> pa.Array:
    return pa.nulls(n, _STRINGS) if values is None else values.cast(_STRINGS)


def _joined(arrays: list[pa.Array], kind: pa.DataType = _STRINGS) -> pa.Array:
    """One array of ``arrays`` end to end."""
    cast = [array.cast(kind) for array in arrays]
    return cast[0] if len(cast) == 1 else pa.concat_arrays(cast)


def _str_series(values: pa.Array) -> pd.Series:
    """A pandas ``str`` column holding ``values`` (Arrow large strings) as they are."""
    return pd.Series(values.cast(_STRINGS), dtype="str")
