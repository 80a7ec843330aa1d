"""JSON Lines of plain string records, read by Arrow's JSON reader instead of line by line.

Most corpora arrive as JSON Lines whose every record holds the same string
fields (``id``, ``date``, ``title``, ``text``...). For such a file
:func:`_string_records_units` gives exactly the units the general reader
(:func:`analysis.corpus.formats._jsonl_lines`) gives, without a ``json.loads``
and a field lookup per line: Arrow parses the file on its threads, and the
file becomes one :class:`~analysis.corpus.ledger._Docs` block of its columns,
which :mod:`analysis.corpus.columns` makes the corpus of without a Python
object per document. Any other file (a number, a
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from analysis.corpus.dedup import _buffers
from analysis.corpus.encoding import _clean
from analysis.corpus.ledger import _Docs, _Unit
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
        columns = {name: table.column(name).combine_chunks() for name in names}
        for column in columns.values():
            column.validate(full=True)
    except pa.ArrowInvalid:
        return None  # Arrow's reader leaves UTF-8 unchecked: a bad line costs only that line there
    texts = _cleaned(columns[roles.text], clean=True, returns=_escapes_return(data))
    if not pc.all(pc.greater(pc.binary_length(texts), 0)).as_py():
        return None  # an empty text is quarantined by the general reader
    used = roles.used
    renamed = {
        name: f"meta_{name}" for name in names if name in CORPUS_COLUMNS and name not in used
    }

    def role(name: str | None, *, strip: bool) -> pa.Array | None:
        if name is None:
            return None
        return _cleaned(columns[name], clean=False) if strip else columns[name]

    return [
        _Docs(
            file=label,
            first_line=1,
            source=source,
            texts=texts,
            doc_ids=role(roles.doc_id, strip=True),
            titles=role(roles.title, strip=True),
            sources=role(roles.source, strip=True),
            dates=role(roles.date, strip=False),
            precisions=role(roles.precision, strip=False),
            meta={renamed.get(name, name): columns[name] for name in names if name not in used},
        )
    ]


def _escapes_return(data: bytes) -> bool:
    """Whether a JSON string in ``data`` may hold a carriage return: an escape ``\\r`` or
    ``\\u000d`` (a raw one is not valid JSON, and Arrow's reader refuses it)."""
    for escape in (b"\\r", b"\\u000d", b"\\u000D"):
        at = data.find(escape)
        while at >= 0:
            before = at
            while before > 0 and data[before - 1] == 0x5C:  # backslashes before it
                before -= 1
            if (at - before) % 2 == 0:  # not itself an escaped backslash
                return True
            at = data.find(escape, at + 1)
    return False


def _cleaned(values: pa.Array, *, clean: bool, returns: bool = True) -> pa.Array:
    """``values`` stripped as ``str.strip`` strips (with ``clean``: as ``_clean`` cleans a text).

    Only values whose first or last byte may be white space (or, for
    ``clean``, that hold a carriage return, if any may: ``returns``) go
    through Python.
    """
    values = values.cast(pa.large_string())
    offsets, data = _buffers(values)
    filled = offsets[1:] > offsets[:-1]
    edges = np.zeros((2, len(values)), dtype=np.uint8)
    edges[0, filled] = data[offsets[:-1][filled]]
    edges[1, filled] = data[offsets[1:][filled] - 1]
    maybe = _MAYBE_SPACE[edges].any(axis=0)
    if clean and returns:
        maybe |= pc.match_substring(values, "\r").to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(maybe)
    if len(positions) == 0:
        return values
    fix = _clean if clean else str.strip
    old = pc.take(values, positions).to_pylist()
    new = [fix(value) for value in old]
    changed = np.zeros(len(values), dtype=bool)
    changed[positions] = [a != b for a, b in zip(old, new, strict=True)]
    fixed = pa.array([b for a, b in zip(old, new, strict=True) if a != b], pa.large_string())
    return pc.replace_with_mask(values, pa.array(changed), fixed)


#: Bytes a value may start or end with when it starts or ends with white space
#: (``str.isspace``) or a byte-order mark: ASCII white space, and any byte of a
#: character beyond ASCII.
_MAYBE_SPACE = np.array([chr(byte).isspace() or byte >= 0x80 for byte in range(256)], dtype=bool)
