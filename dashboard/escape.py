"""Text from a link or a document, made inert for every sink that would read it as markup.

Document fields (text, title, source, id, metadata), corpus names and every URL
value are untrusted. Three kinds of sink read text as more than text:

- Streamlit's Markdown elements (``st.caption``, ``st.info``, ``st.warning``,
  ``st.subheader``, ``st.markdown``, widget labels, ``help`` tooltips, tab and
  expander labels): links, images, ``:red[...]`` directives, emoji and
  ``:material/...:`` shortcodes, KaTeX (``$...$``), headings, lists. :func:`md`.
- plotly's text (trace names, tick labels, hover values, titles), which reads
  a pseudo-HTML of ``<a href>``, ``<br>``, ``<b>``, ``<span style>`` and
  entities. :func:`svg`.
- Plain-text sinks (``st.text``, table cells, escaped HTML): no markup, but
  Unicode bidirectional controls can still reorder what the reader sees
  (``"invoice\\u202egpj.exe"``). :func:`plain`.

Each function takes any value and returns a string for that sink only; the data
itself (tables, exports, URL values) is never changed.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

import pandas as pd

#: Embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI): they
#: reorder the text around them. Shown as U+FFFD, so the reader sees that something was there.
#: The marks LRM/RLM/ALM only nudge neutral characters and stay.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = {ord(c): "\ufffd" for c in BIDI_CONTROLS}
_BIDI_PATTERN = "[" + BIDI_CONTROLS + "]"

#: CommonMark lets a backslash escape any ASCII punctuation character; escaping all of them
#: disarms every construct (links, images, emphasis, headings, tables, directives, math).
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
# Some constructs are found after parsing, in the text itself, where no backslash survives:
# emoji and icon shortcodes (`:smile:`, `:material/x:`) and GFM's literal autolinks
# (`http://...`, `www.x.y`, `a@b.cd`). An invisible word joiner after every colon and `@`
# and between `www` and its dot breaks each of them without changing what the reader sees.
_WORD_JOINER = "\u2060"
_JOINED = re.compile(r"([:@])|(?i:(www)(?=\\\.))")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def plain(value: Any) -> str:
    """``value`` as text with its bidirectional controls neutralised.

    >>> plain("abc\\u202edef")
    'abc\\ufffddef'
    """
    return str(value).translate(_BIDI)


def md(value: Any) -> str:
    """``value`` as Markdown that shows exactly its characters and renders nothing.

    Line breaks become spaces (a message is one paragraph), bidi controls are
    neutralised, and every ASCII punctuation character is backslash-escaped.

    >>> md("**[x](y)** #1")
    '\\\\*\\\\*\\\\[x\\\\]\\\\(y\\\\)\\\\*\\\\* \\\\#1'
    >>> md(":red[a]") == "\\\\:\\u2060red\\\\[a\\\\]"
    True
    """
    text = _LINE_BREAKS.sub(" ", plain(value))
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _JOINED.sub(lambda m: (m.group(1) or m.group(2)) + _WORD_JOINER, escaped)


def svg(value: Any) -> str:
    """``value`` for a plotly label or hover: no tag or entity of it is read as markup.

    plotly decodes entities, so the escaped text shows as typed.

    >>> svg('<a href="javascript:alert(1)">x</a>')
    '&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;'
    """
    return html.escape(plain(value), quote=True)


def unsvg(value: Any) -> Any:
    """The original of an :func:`svg` string (clicked ``customdata`` comes back escaped).

    Bidi controls do not come back; a clicked value is a term, an id or a date,
    and none of those needs them. Non-strings pass through.

    >>> unsvg(svg("a <b> & c"))
    'a <b> & c'
    """
    return html.unescape(value) if isinstance(value, str) else value


def html_text(value: Any) -> str:
    """``value`` as HTML text: every tag, attribute and entity escaped, bidi controls neutralised.

    For the escaped document readers and concordances drawn with ``st.html``.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(plain(value), quote=True)


def plain_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` for display: bidi controls neutralised in its text cells and headers.

    Returns ``table`` itself when nothing needs changing (the common case), so
    showing a large table costs one scan of its text columns.

    >>> plain_table(pd.DataFrame({"t": ["ok", "a\\u202eb"]}))["t"].tolist()
    ['ok', 'a\\ufffdb']
    """
    changed: dict[Any, pd.Series] = {}
    for column in table.columns:
        series = table[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = series.cat.categories
            if categories.dtype == object or pd.api.types.is_string_dtype(categories.dtype):
                text = pd.Series(categories.astype(str))
                if text.str.contains(_BIDI_PATTERN).any():
                    changed[column] = series.astype(str).map(plain)
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series.astype(str)
            if text.str.contains(_BIDI_PATTERN).any():
                changed[column] = series.map(lambda v: plain(v) if isinstance(v, str) else v)
    headers = [plain(c) if isinstance(c, str) else c for c in table.columns]
    if not changed and headers == list(table.columns):
        return table
    out = table.copy()
    for column, series in changed.items():
        out[column] = series
    out.columns = headers
    return out
