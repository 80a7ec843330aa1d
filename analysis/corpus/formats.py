"""File formats: the bytes of one file to units.

``.txt`` ``.md`` (one document per file; the seed format ``date YYYY-MM-DD
headline`` on the first line is honoured) and ``.docx`` are one document each;
``.csv`` ``.tsv`` ``.jsonl`` ``.ndjson`` ``.json`` and ``.xlsx`` (every sheet)
are one unit per row, line or record (:mod:`analysis.corpus.records`). Which
reader a file goes to, and archives, are :mod:`analysis.corpus.containers`'s.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

from analysis.corpus.arrowjson import _string_records_units
from analysis.corpus.dates import _day
from analysis.corpus.encoding import _clean, _decode
from analysis.corpus.ledger import _NO_TEXT, _Doc, _LongNumber, _reject, _Rejected, _Unit
from analysis.corpus.options import _Options
from analysis.corpus.records import _TEXT_NAMES, _json_type, _Record, _records_units
from analysis.limits import IngestLimits, refusal

_SEED_LINE = re.compile(
    r"[\ufeff\s]*date\s+(\d{4}-\d{1,2}-\d{1,2})(?:\s+(.*))?", re.IGNORECASE | re.DOTALL
)
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")


def _text_units(label: str, name: str, data: bytes, source: str) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    return [_one_document(label, name, _clean(text), source, title="")]


def _one_document(label: str, name: str, text: str, source: str, *, title: str) -> _Unit:
    """A whole file as one document: the seed header if present, else name-derived fields."""
    if not text:
        return _reject(label, _NO_TEXT)
    first, _, rest = text.partition("\n")
    seed = _SEED_LINE.fullmatch(first)
    if seed:
        body = _clean(rest)
        if not body:
            return _reject(label, f"{_NO_TEXT} (only the 'date ...' line)")
        headline = (seed.group(2) or "").strip()
        return _Doc(
            label, None, label, None, seed.group(1), None, headline or _stem(name), source, body
        )
    return _Doc(
        label, None, label, None, _date_in_name(name), None, title or _stem(name), source, text
    )


def _docx_units(label: str, name: str, data: bytes, source: str) -> list[_Unit]:
    import docx  # python-docx; imported here so loading plain text stays fast
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        _expand_entities(document.element)
        # paragraphs and tables in the order they stand in the body
        blocks = [
            _docx_table_text(block) if isinstance(block, Table) else block.text.strip()
            for block in document.iter_inner_content()
        ]
        core_title = document.core_properties.title or ""
    # A third-party parser on untrusted bytes: any failure is the file's, not ours.
    except Exception as error:
        return [_reject(label, f"unreadable .docx: {error}")]
    text = "\n\n".join(block for block in blocks if block)
    return [_one_document(label, name, _clean(text), source, title=core_title.strip())]


def _expand_entities(root: Any) -> None:
    """Replace entity references in a .docx body by their text, in place.

    python-docx parses without resolving entities and its ``text`` skips the
    reference nodes, so a paragraph ``&co; rules`` would lose ``&co;`` (and a
    paragraph of one reference would vanish). A reference to an internal
    entity whose value is plain text becomes that text; any other (external,
    undeclared, or itself holding markup or references, which could expand
    without end) is kept as written, ``&name;``.
    """
    from lxml import etree  # python-docx's parser

    references = [node for node in root.iter() if isinstance(node, etree._Entity)]
    if not references:
        return
    values: dict[str, str] = {}
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None:
        for declared in dtd.iterentities():
            content = declared.content
            if declared.name and isinstance(content, str) and not set(content) & set("&<%"):
                values[declared.name] = content
    for node in references:
        name = node.name
        text = values.get(name, f"&{name};") + (node.tail or "")
        parent, previous = node.getparent(), node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        elif parent is not None:
            parent.text = (parent.text or "") + text
        if parent is not None:
            parent.remove(node)


def _docx_table_text(table: Any) -> str:
    """A .docx table's text: each cell on a line of its own (no phrase spans two
    cells), rows in order; a merged cell is read once, a table in a cell too."""
    from docx.table import Table

    seen: dict[int, object] = {}  # keeps each cell element alive, so its id stays its own
    lines = []
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            for block in cell.iter_inner_content():
                text = _docx_table_text(block) if isinstance(block, Table) else block.text.strip()
                if text:
                    lines.append(text)
    return "\n".join(lines)


def _csv_units(
    label: str, data: bytes, source: str, options: _Options, *, tab: bool
) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    if not text.strip():
        return [_reject(label, _NO_TEXT)]
    delimiter = "\t" if tab else _sniff_delimiter(text)
    # Speeches exceed the csv module's default 128 KiB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    items: list[_Rejected | _Record] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # Strict mode: malformed quoting is reported, not guessed around.
            end = reader.line_num
            lines = f"line {start}" if end <= start else f"lines {start}-{end}"
            if header is None:
                return [_reject(label, f"CSV header could not be parsed on {lines}: {error}")]
            items.append(_reject(label, f"CSV parse error on {lines}: {error}", start))
            if end < start:
                break
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are not units
        if header is None:
            header = _unique_names(row)
            continue
        if len(row) != len(header):
            items.append(
                _reject(label, f"CSV row has {len(row)} fields, header has {len(header)}", start)
            )
            continue
        # An empty CSV cell means "no value", as a missing JSON field does.
        fields = {
            key: (cell if cell != "" else None) for key, cell in zip(header, row, strict=True)
        }
        items.append((start, f"{label}:{start}", fields))
    if header is not None and not items:
        return [_reject(label, f"{_NO_TEXT} (a header row and no data rows)")]
    return _records_units(label, items, source, options)


def _jsonl_in_place(
    label: str, buffer: bytearray, source: str, options: _Options
) -> list[_Unit] | None:
    """:func:`_jsonl_units` of a file read into ``buffer`` when Arrow reads it (its texts then
    take over the buffer's memory); None, the buffer unchanged, when it goes another way."""
    if _wide_or_nul(buffer):
        return None
    return _string_records_units(label, buffer, source, options, reuse=True)


def _wide_or_nul(data: bytes | bytearray) -> bool:
    """Whether JSON Lines bytes are decoded whole first: a UTF-16 mark or a NUL byte."""
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data


def _jsonl_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    if _wide_or_nul(data):
        text, reason = _decode(data)
        if text is None:
            return [_reject(label, reason)]
        return _jsonl_lines(label, text.split("\n"), source, options)[0]
    fast = _string_records_units(label, data, source, options)
    if fast is not None:
        return fast
    # Lines are parsed as bytes, so one undecodable line costs that line only, and
    # the 200 MB corpus is never held as one decoded string besides its records.
    units, undecodable = _jsonl_lines(label, data.split(b"\n"), source, options)
    if undecodable:
        text, _ = _decode(data)
        if text is not None:
            # Not UTF-8 at all but a legacy encoding (cp1252, GB18030): decode it whole.
            return _jsonl_lines(label, text.split("\n"), source, options)[0]
    return units


def _jsonl_lines(
    label: str, lines: Iterable[str | bytes], source: str, options: _Options
) -> tuple[list[_Unit], bool]:
    items: list[_Rejected | _Record] = []
    undecodable = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines are not units
        try:
            value = _json_loads(line)
        except UnicodeDecodeError:
            undecodable = True
            items.append(_reject(label, f"bad encoding on line {number}: not UTF-8", number))
            continue
        except json.JSONDecodeError as error:
            items.append(_reject(label, f"invalid JSON on line {number}: {error.msg}", number))
            continue
        except RecursionError:
            reason = f"invalid JSON on line {number}: nested too deeply"
            items.append(_reject(label, reason, number))
            continue
        if not isinstance(value, dict):
            items.append(
                _reject(label, f"JSON line is not an object (got {_json_type(value)})", number)
            )
            continue
        items.append((number, f"{label}:{number}", value))
    if not items:
        return [_reject(label, _NO_TEXT)], undecodable
    return _records_units(label, items, source, options), undecodable


def _json_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    if not text.strip():
        return [_reject(label, _NO_TEXT)]
    try:
        value = _json_loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            # Many tools write JSON Lines under a .json name.
            return _jsonl_lines(label, text.split("\n"), source, options)[0]
        return [_reject(label, f"invalid JSON on line {error.lineno}: {error.msg}")]
    except RecursionError:
        return [_reject(label, "invalid JSON: nested too deeply")]

    records: list[Any]
    if isinstance(value, list):
        records = value
    elif isinstance(value, dict):
        lowered = {str(key).lower(): key for key in value}
        wrapped = value.get(lowered["documents"]) if "documents" in lowered else None
        if isinstance(wrapped, list):
            records = wrapped
        elif any(name in lowered for name in _TEXT_NAMES) or options.text_column in value:
            return _records_units(label, [(None, label, value)], source, options)
        else:
            return [
                _reject(
                    label,
                    "JSON holds no list of documents (expected an array of objects or "
                    '{"documents": [...]})',
                )
            ]
    else:
        return [_reject(label, f"JSON holds a {_json_type(value)}, not documents")]
    if not records:
        return [_reject(label, f"{_NO_TEXT} (an empty JSON array)")]
    items: list[_Rejected | _Record] = []
    for position, record in enumerate(records):
        location = f"{label}[{position}]"
        if isinstance(record, dict):
            items.append((None, location, record))
        else:
            reason = f"JSON record is not an object (got {_json_type(record)})"
            items.append(_reject(label, reason, location=location))
    return _records_units(label, items, source, options)


def _xlsx_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    import openpyxl  # imported here: only workbooks need it

    limits = options.budget.limits
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(sheet.title, _sheet_rows(workbook, sheet, limits)) for sheet in workbook]
        finally:
            workbook.close()
    except _SheetRefused as refused:
        return [_reject(label, refused.reason)]
    # A third-party parser on untrusted bytes: any failure is the file's, not ours.
    except Exception as error:
        return [_reject(label, f"unreadable .xlsx: {error}")]

    tables: list[tuple[str, int, list[str], list[tuple[int, tuple[Any, ...]]]]] = []
    for title, filled in sheets:
        if filled:
            header_number, header_row = filled[0]
            header = _unique_names(["" if cell is None else str(cell) for cell in header_row])
            tables.append((title, header_number, header, filled[1:]))
    if not any(rows for *_, rows in tables):
        return [_reject(label, f"{_NO_TEXT} (no data rows in any sheet)")]
    several = len(tables) > 1
    units: list[_Unit] = []
    for title, _, header, rows in tables:
        items: list[_Rejected | _Record] = []
        for number, row in rows:
            cells = list(row) + [None] * (len(header) - len(row))
            fields = {
                key: (None if isinstance(cell, str) and not cell.strip() else cell)
                for key, cell in zip(header, cells, strict=False)
            }
            if several:
                fields["sheet"] = title
            location = f"{label}!{title}:{number}" if several else f"{label}:{number}"
            items.append((number, location, fields))
        if items:
            units.extend(_records_units(label, items, source, options))
    return units


class _SheetRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SHEET_FIX = "delete the stray cells far from the table, split the workbook, or save it as CSV"


def _sheet_rows(
    workbook: Any, sheet: Any, limits: IngestLimits
) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows of ``sheet`` holding a value, read from its real cells.

    openpyxl's own row iterator pads every row to the sheet's dimension and
    yields every missing row up to it: one far cell (``XFD1048576``) makes that
    seventeen billion cells. Here the sheet's XML is parsed cell by cell
    (openpyxl's parser, as its read-only sheets use it), rows without a value
    are skipped, each row is as wide as its last value, and the rows, columns
    and cells laid out are bounded by ``limits``.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only sheets use

    rows: list[tuple[int, tuple[Any, ...]]] = []
    laid_out = 0
    with sheet._get_source() as stream:  # read-only sheets open their XML part so
        parser = WorkSheetParser(
            stream,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            valued = {
                cell["column"]: cell["value"]
                for cell in cells
                if cell["value"] is not None and str(cell["value"]).strip()
            }
            if not valued:
                continue
            width = max(valued)
            if width > limits.sheet_columns:
                detail = (
                    f"sheet {sheet.title!r} has a value in column {get_column_letter(width)} "
                    f"({width:,}, cell {get_column_letter(width)}{number})"
                )
                most = f"{limits.sheet_columns:,} columns"
                raise _SheetRefused(refusal(detail, "sheet_columns", most, _SHEET_FIX))
            if len(rows) >= limits.sheet_rows:
                detail = f"sheet {sheet.title!r} has over {limits.sheet_rows:,} rows with values"
                most = f"{limits.sheet_rows:,} rows"
                raise _SheetRefused(refusal(detail, "sheet_rows", most, _SHEET_FIX))
            laid_out += width
            if laid_out > limits.sheet_cells:
                detail = (
                    f"sheet {sheet.title!r} lays out over {limits.sheet_cells:,} cells "
                    "(each row as wide as its last value)"
                )
                most = f"{limits.sheet_cells:,} cells"
                raise _SheetRefused(refusal(detail, "sheet_cells", most, _SHEET_FIX))
            row = [None] * width
            for column, value in valued.items():
                if column >= 1:
                    row[column - 1] = value
            rows.append((int(number), tuple(row)))
    return rows


def _stem(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    if base.lower().endswith(".gz"):
        base = base[:-3]
    return PurePosixPath(base).stem or base


def _date_in_name(name: str) -> str | None:
    base = PurePosixPath(name.replace("\\", "/")).name
    for match in _NAME_DATE.finditer(base):
        if _day(int(match[1]), int(match[3]), int(match[4])) is not None:
            return f"{match[1]}-{match[3]}-{match[4]}"
    return None


def _unique_names(row: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(row, start=1):
        base = cell.strip().lstrip("\ufeff") or f"column_{position}"
        name, suffix = base, 2
        while name in seen:
            name, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(name)
        names.append(name)
    return names


def _sniff_delimiter(text: str) -> str:
    # The header line decides: it rarely quotes, and the body's prose is full of commas.
    header = next((line for line in text.split("\n", 20)[:20] if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


#: Longer integers are kept as their digits: Python refuses to convert more than
#: ``sys.get_int_max_str_digits()`` (4300) digits, and no metadata needs them.
_MAX_INT_DIGITS = 4000


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else _LongNumber(digits)


def _json_float(digits: str) -> float | str:
    number = float(digits)
    return number if math.isfinite(number) else _LongNumber(digits)  # 1e999 kept as written


_DECODER = json.JSONDecoder(parse_int=_json_int, parse_float=_json_float)


def _json_loads(data: str | bytes) -> Any:
    """``json.loads`` that keeps numbers too long or too large for Python as text.

    What ``json.loads(data, parse_int=..., parse_float=...)`` does, with one
    decoder made once rather than one per call (a JSON Lines file calls this
    per line): bytes are decoded as ``json.loads`` decodes them, and a string
    may not start with a byte-order mark.
    """
    if isinstance(data, str):
        if data.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    else:
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    return _DECODER.decode(data)
