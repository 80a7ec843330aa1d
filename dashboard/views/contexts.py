"""Contexts page: keyword in context (KWIC), where a term occurs in each document
(dispersion), and the collocates of a word or phrase.

KWIC lines are the user's text. They are shown in a table (never Markdown) and
in a concordance built by :func:`dashboard.markup.kwic_html`, which escapes
every character as the document reader does before wrapping the match in
``<mark>``. Only the part chosen in the tabs is computed.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from analysis import KwicResult
from analysis import schema as S
from dashboard import charts, data
from dashboard.escape import md, plain
from dashboard.options import CONTEXT_TABS, MIN_COUNT_MAX, WINDOW_MAX, WINDOW_MIN, ViewState
from dashboard.url_codecs import MAX_TEXT
from dashboard.views import common

PAGE = "contexts"
SORT_LABELS = {"position": "Position", "left": "Left word", "right": "Right word"}
#: The tabs' labels, in the order of the option's values (``ctab``).
TAB_NAMES = dict(zip(CONTEXT_TABS, ("Keyword in context", "Dispersion", "Collocates"), strict=True))
TAB_LABELS = [md(label) for label in TAB_NAMES.values()]
TAB_OF_LABEL = dict(zip(TAB_LABELS, CONTEXT_TABS, strict=True))


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
    if (term, sort, bool(match_case)) != (view.term, view.sort, view.match_case):
        st.session_state["contexts_kwic_page"] = 1  # other lines: back to the first page
    view = common.update_view(term=term, window=int(window), sort=sort, match_case=bool(match_case))
    if not term:
        st.info("Type a word or phrase to see it in context and find its collocates.")
        return

    common.seed("contexts_tab", md(TAB_NAMES[view.context_tab]))  # the view's tab, as drawn
    tabs = st.tabs(TAB_LABELS, key="contexts_tab", on_change="rerun")
    chosen = TAB_OF_LABEL.get(str(st.session_state.get("contexts_tab")), "kwic")
    view = common.update_view(context_tab=chosen)
    with tabs[CONTEXT_TABS.index(chosen)], common.user_errors():
        if chosen == "kwic":
            _kwic(ctx, view, term)
        elif chosen == "dispersion":
            _dispersion(ctx, view, term)
        else:
            _collocates(ctx, term)


def _kwic(ctx: common.PageContext, view: ViewState, term: str) -> None:
    def fetch(offset: int, limit: int) -> KwicResult:
        return data.kwic_lines(
            ctx.index_key,
            view.filters,
            (term,),
            view.window,
            view.sort,
            ctx.index,
            match_case=view.match_case,
            offset=offset,
            limit=limit,
        )

    number = common.show_kwic(
        fetch, page=PAGE, name="kwic", what=f"'{term}'", term=term, page_key="contexts_kwic_page"
    )
    common.update_view(kwic_page=number)


def _dispersion(ctx: common.PageContext, view: ViewState, term: str) -> None:
    placed = data.dispersion_table(ctx.index_key, view.filters, term, ctx.index)
    table = placed.table
    if table.empty:
        st.info(md(f"No occurrence of '{term}' in the selection."))
        return
    documents = charts.dispersion_documents(table)
    cap = charts.MAX_DISPERSION_ROWS
    shown = min(len(documents), cap)
    holding = f"{len(documents):,} of the {placed.selected:,} selected documents"
    st.text(
        plain(
            f"{len(table):,} occurrence{'s' if len(table) != 1 else ''} of '{term}' in {holding}; "
            + (
                f"all {shown:,} drawn, by date."
                if shown == len(documents)
                else f"the first {shown:,} by date drawn (at most {cap:,} rows); "
                "narrow the filters for the others."
            )
        )
    )
    for doc_id in placed.unplaced:
        st.caption(md(f"{doc_id}: its text and its index disagree; its occurrences are left out."))
    fig = data.figure(charts.plot_dispersion, table, rows=cap, title=f"Where '{term}' occurs")
    event = common.clickable_chart(fig, "contexts_dispersion_chart", "dispersion")
    st.caption(
        "Each row is a document from its first word (0 %) to its last (100 %); each mark "
        "an occurrence. Click a mark to read its line."
    )
    common.chart_downloads(fig, page=PAGE, name="dispersion", table=table, title="Dispersion")
    clicked = common.clicked_customdata(event, fields=3)
    if clicked is not None:
        view = common.update_view(mark=f"{clicked[0]}|{int(clicked[1])}")
    _mark_line(ctx, view, term, table)


def _mark_line(ctx: common.PageContext, view: ViewState, term: str, table: pd.DataFrame) -> None:
    """The KWIC line of the clicked mark (``view.mark``: ``doc_id|start``)."""
    doc_id, _, start = view.mark.rpartition("|")
    if not doc_id or not start.isdigit():
        return
    here = table[S.DOC_ID] == doc_id
    rows = table[here & (table[S.START] == int(start))]
    if rows.empty:
        return  # a mark of another term or selection
    only = replace(view.filters, doc_ids=(doc_id,))
    found = data.kwic_lines(
        ctx.index_key, only, (term,), view.window, "position", ctx.index, limit=int(here.sum())
    )
    lines = found.table
    one = lines[lines[S.START] == int(start)].reset_index(drop=True)
    line = replace(found, table=one, total=len(one))
    position = float(rows["position"].iloc[0])
    st.subheader("The clicked occurrence")  # the document's id is data: never a heading
    st.text(plain(f"At {position:.0%} of {doc_id}"))
    common.show_kwic(line, page=PAGE, name="dispersion_line", what=f"'{term}' here", term=term)


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
        fig = data.figure(charts.plot_collocates, table, top=min(20, len(table)))
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
