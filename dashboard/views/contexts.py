"""Contexts page: keyword in context (KWIC) and the collocates of a word or phrase.

KWIC lines are the user's text. They are shown in a table (never Markdown) and
in a concordance built by :func:`kwic_html`, which escapes every character as
the document reader does (:func:`dashboard.views.documents.reader_html`)
before wrapping the match in ``<mark>``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import schema as S
from dashboard import charts, data
from dashboard.escape import html_text, md, plain
from dashboard.options import MAX_TEXT, MIN_COUNT_MAX, WINDOW_MAX, WINDOW_MIN
from dashboard.views import common
from dashboard.views.documents import MARK_STYLE

PAGE = "contexts"
SORT_LABELS = {"position": "Position", "left": "Left word", "right": "Right word"}
#: Concordance lines drawn on screen; the table and downloads carry all of them.
MAX_SHOWN = 200
KWIC_SHOWN = ["date", "source", "title", "left", "match", "right", "doc_id"]
CONCORDANCE_STYLE = (
    "max-height: 28rem; overflow-y: auto; padding: 0.5rem 0.75rem; "
    "border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; font-size: 0.95rem;"
)
LINE_STYLE = (
    "display: grid; grid-template-columns: 7rem 1fr auto 1fr; gap: 0.5rem; "
    "padding: 0.15rem 0; border-bottom: 1px solid rgba(49, 51, 63, 0.08);"
)


def _day(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]  # scalars only here
        return "undated"
    return pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]  # a date scalar


def kwic_html(lines: pd.DataFrame, *, limit: int = MAX_SHOWN) -> str:
    """The first ``limit`` KWIC lines as an escaped concordance, the match in ``<mark>``.

    Every piece of text (left, match, right, date, source) goes through
    :func:`dashboard.escape.html_text` with quotes, so no character of a document can open a
    tag or an attribute.

    >>> t = pd.DataFrame({"date": [None], "source": ["<b>"], "left": ["a <i>"],
    ...                   "match": ["river"], "right": ["b"]})
    >>> "&lt;i&gt;" in kwic_html(t) and "<mark" in kwic_html(t)
    True
    """
    rows = []
    for line in lines.head(limit).to_dict("records"):
        where = " · ".join(
            p for p in (_day(line.get(S.DATE)), str(line.get(S.SOURCE) or "").strip()) if p
        )
        rows.append(
            f'<div class="kwic-line" style="{LINE_STYLE}">'
            f'<span class="kwic-where" style="opacity: 0.7;">{html_text(where)}</span>'
            f'<span class="kwic-left" style="text-align: right; overflow: hidden; '
            f'white-space: nowrap; direction: rtl;"><bdi>'
            f"{html_text(line.get('left') or '')}</bdi></span>"
            f'<mark style="{MARK_STYLE}">{html_text(line.get("match") or "")}</mark>'
            f'<span class="kwic-right" style="overflow: hidden; white-space: nowrap;">'
            f"{html_text(line.get('right') or '')}</span></div>"
        )
    return f'<div class="kwic-lines" style="{CONCORDANCE_STYLE}">{"".join(rows)}</div>'


def show_kwic(lines: pd.DataFrame, *, page: str, name: str, what: str) -> None:
    """A concordance, the lines as a table and their CSV/XLSX downloads."""
    total = int(lines.attrs.get("total", len(lines)))
    if lines.empty:
        st.info(md(f"No occurrence of {what}."))
        return
    shown = min(len(lines), MAX_SHOWN)
    st.text(
        plain(
            f"{total:,} occurrence{'s' if total != 1 else ''} of {what}; "
            + (f"the first {shown:,} shown." if shown < total else "all shown.")
        )
    )
    st.html(kwic_html(lines))
    with st.expander("As a table"):
        columns = [c for c in KWIC_SHOWN if c in lines.columns]
        common.dataframe(lines[columns], hide_index=True, key=f"{page}_{name}_table")
    common.table_downloads(lines, page=page, name=name)


def render() -> None:
    ctx = common.context()
    view = common.view()
    common.page_header("Contexts", ctx.corpus_label, view.filters.describe())

    term = st.text_input(
        "Word or phrase",
        key="contexts_term",
        max_chars=MAX_TEXT,
        placeholder="yangtze river delta",
        help=common.QUERY_HELP,
    ).strip()
    left, right, last = st.columns([4, 4, 2])
    window = left.slider("Words either side", WINDOW_MIN, WINDOW_MAX, key="contexts_window")
    sort = (
        right.segmented_control(
            "Sort lines by",
            list(SORT_LABELS),
            format_func=SORT_LABELS.__getitem__,
            key="contexts_sort",
            required=True,
        )
        or "position"
    )
    last.write("")
    match_case = last.toggle(
        "Exact case",
        key="contexts_case",
        help="Only lines written exactly as typed: 'US' finds US, not us.",
    )
    view = common.update_view(term=term, window=int(window), sort=sort, match_case=bool(match_case))
    if not term:
        st.info("Type a word or phrase to see it in context and find its collocates.")
        return

    kwic_tab, collocates_tab = st.tabs(["Keyword in context", "Collocates"])
    with kwic_tab, common.user_errors():
        lines = data.kwic_lines(
            ctx.index_key,
            view.filters,
            (term,),
            int(window),
            sort,
            ctx.index,
            match_case=view.match_case,
        )
        show_kwic(lines, page=PAGE, name="kwic", what=f"'{term}'")
    with collocates_tab:
        _collocates(ctx, term)


def _collocates(ctx: common.PageContext, term: str) -> None:
    view = common.view()
    left, right = st.columns(2)
    window = left.slider(
        "Collocate window (words either side)",
        WINDOW_MIN,
        WINDOW_MAX,
        key="contexts_cwindow",
    )
    min_count = right.number_input(
        "Least times together", 1, MIN_COUNT_MAX, step=1, key="contexts_min_count"
    )
    view = common.update_view(coll_window=int(window), min_count=int(min_count))
    with common.user_errors():
        table = data.collocate_table(
            ctx.index_key,
            view.filters,
            term,
            int(window),
            int(min_count),
            ctx.stopwords,
            ctx.index,
            numbers=ctx.numbers,
        )
        if table.empty:
            st.info(
                md(
                    f"No word occurs {int(min_count)} times or more within {int(window)} "
                    f"words of '{term}'. Lower the minimum or widen the window."
                )
            )
            return
        fig = charts.plot_collocates(table, top=min(20, len(table)))
        st.plotly_chart(
            fig,
            theme=None,
            key="contexts_collocates_chart",
            config=common.plotly_config("collocates"),
        )
        common.chart_downloads(
            fig, page=PAGE, name="collocates_chart", table=table.head(20), title="Collocates"
        )
        common.dataframe(
            table,
            hide_index=True,
            key="contexts_collocates_table",
            column_config={
                "ll": st.column_config.NumberColumn("log-likelihood", format="%.2f"),
                "mi": st.column_config.NumberColumn("MI", format="%.2f"),
            },
        )
        st.caption("Ranked by log-likelihood; MI (mutual information) favours rare pairs.")
        common.table_downloads(table, page=PAGE, name="collocates")


if __name__ == "__main__":
    render()
