"""Passages of UTF-8 texts: paragraphs (long ones cut at line breaks) as character offsets."""

from __future__ import annotations

import numpy as np
from numba import njit

from analysis.kernels.utf8 import _blank_at, _chars, _space_at, _space_before


@njit(cache=True, nogil=True)
def passage_spans(
    buf: np.ndarray, doc_bounds: np.ndarray, space: np.ndarray, long: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Passages of UTF-8 texts, as character offsets.

    Document ``d`` is ``buf[doc_bounds[d]:doc_bounds[d + 1]]``. A paragraph
    ends at a separator ``\\n[ \\t\\u3000]*\\n\\s*`` and is stripped of white
    space (``space``: per code point, Python's ``str.isspace``). One of more
    than ``long`` characters is cut after each line break run ``\\n\\s*``
    that lies at least ``long // 4`` characters past the last cut. Empty
    pieces are left out. One pass over each text finds its line breaks and
    their character offsets; the rest looks only at the line breaks and the
    white space around them.

    Returns
    -------
    doc, passage, start, end
        Per passage: its document, its number there, and its character span.
    """
    lo, hi = doc_bounds[0], doc_bounds[-1]
    n_lines = 0
    for x in buf[lo:hi]:
        n_lines += x == 10
    room = n_lines + len(doc_bounds) - 1
    out_doc = np.empty(room, dtype=np.int32)
    out_passage = np.empty(room, dtype=np.int32)
    out_start = np.empty(room, dtype=np.int64)
    out_end = np.empty(room, dtype=np.int64)
    # per line break of the current text: its byte and character offsets
    line_byte = np.empty(n_lines + 1, dtype=np.int64)
    line_char = np.empty(n_lines + 1, dtype=np.int64)
    n = 0
    for d in range(len(doc_bounds) - 1):
        first, last = doc_bounds[d], doc_bounds[d + 1]
        lines = 0
        text = buf[first:last]
        for k in range(len(text)):
            if text[k] == 10:
                line_byte[lines] = first + k
                lines += 1
        chars = 0
        at = first
        for i in range(lines):
            chars += _chars(buf, at, line_byte[i])
            line_char[i] = chars
            at = line_byte[i]
        chars += _chars(buf, at, last)
        number = 0
        start, start_char = first, 0
        j = 0  # the first line break at or after start
        while True:
            # the next separator: a line break, blanks, a line break, white space
            paragraph_lines = j
            sep_start, sep_start_char = last, chars
            sep_end = -1
            while j < lines:
                q = line_byte[j] + 1
                while q < last:
                    width = _blank_at(buf, q, last)
                    if width == 0:
                        break
                    q += width
                if q < last and buf[q] == 10:
                    sep_start, sep_start_char = line_byte[j], line_char[j]
                    sep_end = q + 1
                    while sep_end < last:
                        width = _space_at(buf, sep_end, space)
                        if width == 0:
                            break
                        sep_end += width
                    break
                j += 1
            # the paragraph start:sep_start, stripped
            a, a_char = start, start_char
            while a < sep_start:
                width = _space_at(buf, a, space)
                if width == 0:
                    break
                a += width
                a_char += 1
            b, b_char = sep_start, sep_start_char
            while b > a:
                width = _space_before(buf, b, space)
                if width == 0:
                    break
                b -= width
                b_char -= 1
            cursor_char = a_char
            if b_char - a_char > long:
                # cut after line break runs far enough past the last cut
                jj = paragraph_lines
                while jj < lines and line_byte[jj] < b:
                    k = line_byte[jj]
                    if k < a:
                        jj += 1
                        continue
                    run_end, run_end_char = k + 1, line_char[jj] + 1
                    while run_end < b:
                        width = _space_at(buf, run_end, space)
                        if width == 0:
                            break
                        run_end += width
                        run_end_char += 1
                    if line_char[jj] - cursor_char >= long // 4:
                        if line_char[jj] > cursor_char:
                            out_doc[n], out_passage[n] = d, number
                            out_start[n], out_end[n] = cursor_char, line_char[jj]
                            n += 1
                            number += 1
                        cursor_char = run_end_char
                    while jj < lines and line_byte[jj] < run_end:
                        jj += 1
            if b_char > cursor_char:
                out_doc[n], out_passage[n] = d, number
                out_start[n], out_end[n] = cursor_char, b_char
                n += 1
                number += 1
            if sep_end < 0:
                break
            start, start_char = sep_end, sep_start_char + _chars(buf, sep_start, sep_end)
            while j < lines and line_byte[j] < sep_end:
                j += 1
    return out_doc[:n], out_passage[:n], out_start[:n], out_end[:n]
