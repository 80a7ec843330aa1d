"""JSON Lines of plain string records, read by Arrow's JSON reader instead of line by line.

Most corpora arrive as JSON Lines whose every record holds the same string
fields (``id``, ``date``, ``title``, ``text``...). For such a file
:func:`_string_records_units` gives exactly the units the general reader
(:func:`analysis.corpus.formats._jsonl_lines`) gives, without a ``json.loads``
and a field lookup per line: Arrow parses the file on its threads, and the
records become documents column by column. Any other file (a number, a
nested value, a null or a missing field, a blank line, an empty text, an
escape of half a surrogate pair, invalid UTF-8, a byte-order mark, a
repeated key) is left to the general reader: the function returns None, and
nothing of the ledger's wording or order is decided here. A test holds the
two readers equal on every shared corpus and on the hostile fixtures.
"""

from __future__ import annotations

import codecs
import io
import json
import re

import pyarrow as pa
import pyarrow.json as pa_json

from analysis.corpus.encoding import _clean
from analysis.corpus.ledger import _Doc, _Unit
from analysis.corpus.options import _Options
from analysis.corpus.records import _detect_roles
from analysis.schema import CORPUS_COLUMNS

#: An escape that may be half a surrogate pair (the general reader replaces and notes those).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Arrow reads the file in blocks; a record must fit in one.
_BLOCK_BYTES = 64 << 20


def _string_records_units(
    label: str, data: bytes, source: str, options: _Options
) -> list[_Unit] | None:
    """The units of a JSON Lines file of string records, or None to use the general reader."""
    if not data or data.startswith(codecs.BOM_UTF8) or _SURROGATE_ESCAPE.search(data):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        first = json.loads(data[: data.find(b"\n")] if b"\n" in data else data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(first, dict) or not first:
        return None
    # Every field a string, named by the first record; a field of another type
    # or name fails the read (left to inference, Arrow would make dates timestamps).
    schema = pa.schema([(str(name), pa.string()) for name in first])
    try:
        table = pa_json.read_json(
            io.BytesIO(data),
            read_options=pa_json.ReadOptions(block_size=_BLOCK_BYTES),
            parse_options=pa_json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="error"
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, ValueError):
        return None
    # One row per line: no blank line was skipped, so row r is line r + 1.
    if table.num_rows != lines or table.num_columns == 0:
        return None
    for column in table.columns:
        if not pa.types.is_string(column.type) or column.null_count:
            return None
    names = table.column_names
    roles = _detect_roles(label, names, [], options)
    if roles.text is None:
        return None  # the text is then the longest column: the general reader judges it
    try:
        values = {name: table.column(name).to_pylist() for name in names}
    except UnicodeDecodeError:
        return None  # Arrow's reader leaves UTF-8 unchecked: a bad line costs only that line there
    texts = [_clean(text) for text in values[roles.text]]
    if not all(texts):
        return None  # an empty text is quarantined by the general reader
    used = roles.used
    renamed = {
        name: f"meta_{name}" for name in names if name in CORPUS_COLUMNS and name not in used
    }
    meta_names = [name for name in names if name not in used]
    meta_keys = [renamed.get(name, name) for name in meta_names]
    meta_rows = zip(*(values[name] for name in meta_names), strict=True) if meta_names else None
    n = len(texts)
    ids = [v.strip() or None for v in values[roles.doc_id]] if roles.doc_id else [None] * n
    dates = values[roles.date] if roles.date else [None] * n
    precisions = values[roles.precision] if roles.precision else [None] * n
    titles = [v.strip() for v in values[roles.title]] if roles.title else [""] * n
    sources = [v.strip() or source for v in values[roles.source]] if roles.source else [source] * n
    units: list[_Unit] = []
    for row in range(n):
        line = row + 1
        units.append(
            _Doc(
                file=label,
                line=line,
                location=f"{label}:{line}",
                doc_id=ids[row],
                date=dates[row],
                precision=precisions[row],
                title=titles[row],
                source=sources[row],
                text=texts[row],
                meta=dict(zip(meta_keys, next(meta_rows), strict=True)) if meta_rows else {},
            )
        )
    return units
