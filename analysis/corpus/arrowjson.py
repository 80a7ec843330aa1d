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
import contextlib
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from numba import njit

from analysis.corpus.buffers import _buffers
from analysis.corpus.encoding import _clean
from analysis.corpus.ledger import _Docs, _Unit
from analysis.corpus.options import _Options
from analysis.corpus.records import _detect_roles
from analysis.schema import CORPUS_COLUMNS

_STRINGS = pa.large_string()

#: Arrow reads the file in blocks; a record must fit in one. Blocks of a few
#: megabytes are parsed in memory the allocator has just freed, where larger ones
#: take fresh pages (which the kernel zeroes first: most of the parse's time);
#: a file with a line over ``_LINE_BYTES`` is read in blocks of ``_BLOCK_BYTES``.
_SMALL_BLOCK_BYTES = 4 << 20
_LINE_BYTES = 1 << 20
_BLOCK_BYTES = 64 << 20
#: Bytes a file must have for :func:`_survey` to read its two halves on two threads.
_SURVEY_SPLIT_BYTES = 1 << 20


def _string_records_units(
    label: str, data: bytes | bytearray, source: str, options: _Options, *, reuse: bool = False
) -> list[_Unit] | None:
    """The units of a JSON Lines file of string records, or None to use the general reader.

    With ``reuse`` (``data`` a bytearray of the file that nothing else reads),
    the texts are written over the file's bytes once they are read, instead
    of into new memory (which the kernel would zero first, page by page),
    and the rest is given back; on None, ``data`` is left as it was.
    """
    if not data or data.startswith(codecs.BOM_UTF8):
        return None
    breaks, longest, surrogate, returns = _survey(data)
    if surrogate:
        return None
    lines = breaks + (0 if data.endswith(b"\n") else 1)
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
            pa.BufferReader(data),  # read in place, not copied block by block
            read_options=pa_json.ReadOptions(
                block_size=_SMALL_BLOCK_BYTES if longest <= _LINE_BYTES else _BLOCK_BYTES
            ),
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
        for column in table.columns:
            for chunk in column.chunks:
                chunk.validate(full=True)
    except pa.ArrowInvalid:
        return None  # Arrow's reader leaves UTF-8 unchecked: a bad line costs only that line there
    columns = {name: table.column(name).combine_chunks() for name in names if name != roles.text}
    cleaned = [
        _cleaned(chunk, clean=True, returns=returns) for chunk in table.column(roles.text).chunks
    ]
    if not pc.all(pc.greater(pc.binary_length(pa.chunked_array(cleaned, _STRINGS)), 0)).as_py():
        return None  # an empty text is quarantined by the general reader
    del table
    into = data if reuse and isinstance(data, bytearray) else None
    texts = _joined_into(into, cleaned)
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


def _joined_into(buffer: bytearray | None, chunks: list[pa.Array]) -> pa.Array:
    """One large_string array of ``chunks`` (large strings), its bytes written at the start of
    ``buffer`` when given and large enough (the rest of it then given back), else new."""
    total = sum(len(_buffers(chunk)[1]) for chunk in chunks)
    if buffer is None or total > len(buffer) or any(_inside(chunk, buffer) for chunk in chunks):
        return pa.chunked_array(chunks, _STRINGS).combine_chunks()
    rows = sum(len(chunk) for chunk in chunks)
    offsets = np.zeros(rows + 1, dtype=np.int64)
    view = np.frombuffer(buffer, dtype=np.uint8)
    at = row = 0
    for chunk in chunks:
        chunk_offsets, chunk_data = _buffers(chunk)
        view[at : at + len(chunk_data)] = chunk_data
        offsets[row + 1 : row + len(chunk) + 1] = chunk_offsets[1:] + at
        at, row = at + len(chunk_data), row + len(chunk)
    del view  # the buffer's one export, so that it can shrink
    with contextlib.suppress(BufferError):  # still exported: kept whole, only its start read
        del buffer[total:]  # shrunk in place: the file's other bytes go back
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(buffer))


def _inside(chunk: pa.Array, buffer: bytearray) -> bool:
    """Whether ``chunk``'s bytes lie in ``buffer``'s memory (then they cannot be moved there)."""
    data = chunk.buffers()[2]
    if data is None or len(buffer) == 0:
        return False
    start = int(np.frombuffer(buffer, dtype=np.uint8).ctypes.data)
    end, address = start + len(buffer), int(data.address)
    return address < end and start < address + int(data.size)  # the two ranges overlap


def _survey(data: bytes | bytearray | memoryview) -> tuple[int, int, bool, bool]:
    """One pass over ``data`` (two halves on two threads when large).

    Returns its line breaks; its longest line in bytes, the break included;
    whether it holds an escape that may be half a surrogate pair (``\\u``
    then ``d``/``D`` then one of ``89a-fA-F``: the general reader replaces
    and notes those); and whether a JSON string in it may hold a carriage
    return: an escape ``\\r``, ``\\u000d`` or ``\\u000D`` after an even
    number of backslashes (a raw one is not valid JSON, and Arrow's reader
    refuses it). The pass stops at the first surrogate escape, the other
    figures then unfinished.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    # the bytes as eight-byte words from the first address a multiple of 8
    base = min(-view.ctypes.data % 8, len(view))
    words = view[base : base + (len(view) - base) // 8 * 8].view(np.uint64)
    if len(view) < _SURVEY_SPLIT_BYTES:
        breaks, first, last, longest, surrogate, returns = _survey_part(
            view, words, base, 0, len(view), 0
        )
        return breaks, max(longest, first, len(view) - last), surrogate, returns
    middle = len(view) // 2
    run = 0  # the backslashes just before the middle
    while run < middle and view[middle - 1 - run] == 0x5C:
        run += 1
    parts = [(0, middle, 0), (middle, len(view), run)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        (b1, first1, last1, long1, sur1, ret1), (b2, first2, last2, long2, sur2, ret2) = list(
            pool.map(lambda part: _survey_part(view, words, base, *part), parts)
        )
    # the line across the middle runs from the first half's last line start to
    # the second half's first line end (or on to the end of a half without breaks)
    across = (first2 if b2 else len(view)) - (last1 if b1 else 0)
    end = len(view) - (last2 if b2 else (last1 if b1 else 0))
    longest = max(long1, long2, first1, across, end)
    return b1 + b2, longest, sur1 or sur2, ret1 or ret2


@njit(cache=True, nogil=True)
def _survey_part(
    data: np.ndarray, words: np.ndarray, base: int, start: int, end: int, run: int
) -> tuple[int, int, int, int, bool, bool]:  # pragma: no cover - compiled
    """:func:`_survey` of the bytes from ``start`` to ``end`` (escapes may run past
    ``end``), ``run`` backslashes coming just before ``start``.

    ``words`` are the bytes from ``base`` on, eight at a time: a word holding
    neither a line break nor a backslash (most of them) is passed over whole.
    Returns the breaks; the end of the first line (just past its break, or
    ``end``) and the start of the last (just past the last break, or
    ``start``); the longest line both starting and ending inside; and the
    two escape flags.
    """
    size = len(data)
    ones = np.uint64(0x0101010101010101)
    highs = np.uint64(0x8080808080808080)
    breaks_word = ones * np.uint64(0x0A)
    slashes_word = ones * np.uint64(0x5C)
    breaks = 0
    first = end
    last = start
    longest = 0
    returns = False
    at = start
    while at < end:
        if at >= base and (at - base) % 8 == 0 and at + 8 <= end:
            word = words[(at - base) // 8]
            x = word ^ breaks_word
            y = word ^ slashes_word
            # a zero byte in x or y: a break or a backslash in the word
            if (((x - ones) & ~x) | ((y - ones) & ~y)) & highs == 0:
                run = 0
                at += 8
                continue
        byte = data[at]
        at += 1
        if byte == 0x0A:
            if breaks == 0:
                first = at
            else:
                longest = max(longest, at - last)
            breaks += 1
            last = at
        if byte != 0x5C:
            run = 0
            continue
        # the backslash was at at - 1
        if at + 2 < size and data[at] == 0x75 and (data[at + 1] | 0x20) == 0x64:
            fourth = data[at + 2]
            if fourth == 0x38 or fourth == 0x39 or 0x61 <= (fourth | 0x20) <= 0x66:
                return breaks, first, last, longest, True, returns
        if run % 2 == 0 and at < size:
            if data[at] == 0x72:  # \r
                returns = True
            elif (
                at + 4 < size
                and data[at] == 0x75
                and data[at + 1] == 0x30
                and data[at + 2] == 0x30
                and data[at + 3] == 0x30
                and (data[at + 4] == 0x64 or data[at + 4] == 0x44)
            ):
                returns = True  # \u000d, \u000D
        run += 1
    return breaks, first, last, longest, False, returns


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
    if not changed.any():
        return values  # replacing nothing would still copy every value
    fixed = pa.array([b for a, b in zip(old, new, strict=True) if a != b], pa.large_string())
    return pc.replace_with_mask(values, pa.array(changed), fixed)


#: Bytes a value may start or end with when it starts or ends with white space
#: (``str.isspace``) or a byte-order mark: ASCII white space, and any byte of a
#: character beyond ASCII.
_MAYBE_SPACE = np.array([chr(byte).isspace() or byte >= 0x80 for byte in range(256)], dtype=bool)
