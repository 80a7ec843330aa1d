"""Documents and concordances as escaped HTML for ``st.html``: no character of a text is markup.

Document text is the user's data and may hold markup (``<script>``,
``<img onerror=...>``). Every piece of it goes through
:func:`dashboard.escape.html_text` (quotes included, bidi controls
neutralised) before it is wrapped in ``<mark>``; ``st.html`` then runs
DOMPurify over the result and executes no script. Pure: no streamlit here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis import schema as S
from dashboard.escape import html_text

#: Concordance lines drawn on screen; tables and downloads carry all of them.
MAX_SHOWN = 200

READER_STYLE = (
    "white-space: pre-wrap; overflow-wrap: anywhere; max-height: 32rem; overflow-y: auto; "
    "padding: 0.75rem 1rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; "
    "line-height: 1.6; font-size: 1rem;"
)

MARK_STYLE = "background: #ffe08a; padding: 0 0.1em; border-radius: 0.2em;"
SHARED_STYLE = MARK_STYLE  # a shared passage wears the Documents page's highlight
TERM_STYLES = {
    "A": "background: #cfe0f7; border-bottom: 2px solid #3366aa;",
    "B": "background: #fbdcc0; border-bottom: 2px solid #e07b1a;",
}
CONCORDANCE_STYLE = (
    "max-height: 28rem; overflow-y: auto; padding: 0.5rem 0.75rem; "
    "border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; font-size: 0.95rem;"
)
LINE_STYLE = (
    "display: grid; grid-template-columns: minmax(0, 15rem) 1fr auto 1fr; gap: 0.5rem; "
    "padding: 0.15rem 0; border-bottom: 1px solid rgba(49, 51, 63, 0.08);"
)
#: The date and the telling column on one line: cut with an ellipsis, never wrapped.
WHERE_STYLE = "opacity: 0.7; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;"


def reader_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The document as escaped text in a ``<div>``, the ``spans`` wrapped in ``<mark>``.

    Every piece of ``text`` goes through :func:`dashboard.escape.html_text` (quotes included),
    so no character of the document can open a tag or an attribute. Spans
    that overlap an earlier one are skipped.

    >>> reader_html("a <b> river", [(6, 11)])
    '<div class="doc-reader" ...>a &lt;b&gt; <mark ...>river</mark></div>'
    """
    parts: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position or end <= start:
            continue
        parts.append(html_text(text[position:start]))
        parts.append(f'<mark style="{MARK_STYLE}">{html_text(text[start:end])}</mark>')
        position = end
    parts.append(html_text(text[position:]))
    return f'<div class="doc-reader" style="{READER_STYLE}">{"".join(parts)}</div>'


def compare_reader_html(
    text: str,
    shared: Sequence[tuple[int, int]],
    terms: Sequence[tuple[int, int]],
    *,
    side: str,
) -> str:
    """``text`` escaped in a ``<div>``: ``shared`` spans as ``<mark class="shared">``,
    ``terms`` spans inside them or beside them as ``<mark class="key-<side>">``.

    Overlapping spans of one kind are merged; a term span crossing the edge of
    a shared passage is cut there, so every shared passage stays one element.
    Every piece of ``text`` goes through :func:`dashboard.escape.html_text` (quotes included).

    >>> compare_reader_html("a <b> river delta", [(6, 17)], [(12, 17)], side="A")
    '<div ...>a &lt;b&gt; <mark class="shared" ...>river <mark class="key-a" ...>delta</mark>...'
    """
    outer = _merge(shared, len(text))
    inner = _merge(terms, len(text))
    cuts = sorted({0, len(text), *[p for s in outer + inner for p in s]})
    term_style = TERM_STYLES.get(side, TERM_STYLES["A"])
    parts: list[str] = []
    open_shared: tuple[int, int] | None = None
    for start, end in itertools.pairwise(cuts):
        if end <= start:
            continue
        here = next((s for s in outer if s[0] <= start and end <= s[1]), None)
        if here != open_shared:
            if open_shared is not None:
                parts.append("</mark>")
            if here is not None:
                parts.append(f'<mark class="shared" style="{SHARED_STYLE}">')
            open_shared = here
        piece = html_text(text[start:end])
        if any(s[0] <= start and end <= s[1] for s in inner):
            piece = f'<mark class="key-{side.lower()}" style="{term_style}">{piece}</mark>'
        parts.append(piece)
    if open_shared is not None:
        parts.append("</mark>")
    return f'<div class="doc-reader compare-reader" style="{READER_STYLE}">{"".join(parts)}</div>'


def _merge(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, int(s)), min(length, int(e))) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _day(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]  # scalars only here
        return "undated"
    return pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]  # a date scalar


def kwic_html(
    lines: pd.DataFrame,
    *,
    limit: int = MAX_SHOWN,
    where: str = S.SOURCE,
    links: Sequence[str] | None = None,
) -> str:
    """The first ``limit`` KWIC lines as an escaped concordance, the match in ``<mark>``.

    Each line starts with its date and its ``where`` column (the source, or the
    speaker where the sources are all alike), on one line, cut with an
    ellipsis (the whole in the ``title`` attribute). With ``links`` (one
    app-relative URL per line, or ``""``), that cell is a link
    (``<a class="kwic-doc">``) opening the line's document.

    Every piece of text (left, match, right, date, where, the link) goes through
    :func:`dashboard.escape.html_text` with quotes, so no character of a document can open a
    tag or an attribute.

    >>> t = pd.DataFrame({"date": [None], "source": ["<b>"], "left": ["a <i>"],
    ...                   "match": ["river"], "right": ["b"]})
    >>> "&lt;i&gt;" in kwic_html(t) and "<mark" in kwic_html(t)
    True
    """
    rows = []
    for n, line in enumerate(lines.head(limit).to_dict("records")):
        link = links[n] if links is not None and n < len(links) else ""
        rows.append(
            f'<div class="kwic-line" style="{LINE_STYLE}">{_where(line, where, link)}'
            f'<span class="kwic-left" style="text-align: right; overflow: hidden; '
            f'white-space: nowrap; direction: rtl;"><bdi>'
            f"{html_text(line.get('left') or '')}</bdi></span>"
            f'<mark style="{MARK_STYLE}">{html_text(line.get("match") or "")}</mark>'
            f'<span class="kwic-right" style="overflow: hidden; white-space: nowrap;">'
            f"{html_text(line.get('right') or '')}</span></div>"
        )
    return f'<div class="kwic-lines" style="{CONCORDANCE_STYLE}">{"".join(rows)}</div>'


def _where(line: dict[Any, Any], column: str, link: str) -> str:
    """A line's date and ``column`` value, as text or as a link to its document."""
    value = str(line.get(column) or "").strip() if column else ""
    where = html_text(" · ".join(p for p in (_day(line.get(S.DATE)), value) if p))
    if link:
        return (
            f'<a class="kwic-where kwic-doc" href="{html_text(link)}" title="{where}" '
            f'style="{WHERE_STYLE} color: inherit;">{where}</a>'
        )
    return f'<span class="kwic-where" title="{where}" style="{WHERE_STYLE}">{where}</span>'
