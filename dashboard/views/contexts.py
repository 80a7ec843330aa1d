"""Contexts page: keyword in context (KWIC) and the collocates of a word or phrase.

KWIC lines are the user's text. They are shown in a table (never Markdown) and
in a concordance built by :func:`kwic_html`, which escapes every character as
the document reader does (:func:`dashboard.views.documents.reader_html`)
before wrapping the match in ``<mark>``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.escape import md
from dashboard.options import MIN_COUNT_MAX, WINDOW_MAX, WINDOW_MIN
from dashboard.url_codecs import MAX_TEXT
from dashboard.views import common

PAGE = "contexts"
SORT_LABELS = {"position": "Position", "left": "Left word", "right": "Right word"}
#: Concordance lines drawn on screen; the table and downloads carry all of them.
MAX_SHOWN = 200


def render(ctx: common.PageContext) -> None:
    """The Contexts page, drawn for the context the router hands over."""
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
        common.show_kwic(lines, page=PAGE, name="kwic", what=f"'{term}'")
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
        ).table
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
    common.run_page(render)
