"""Terms page: top words and phrases as a bar chart, a word cloud and a table.

Clicking a bar (or selecting a table row) opens the Documents page with that
term highlighted.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analysis import schema as S
from dashboard import charts, data, export, keys
from dashboard.escape import md, unsvg
from dashboard.options import TOP_MAX, TOP_MIN, ViewState, encode
from dashboard.paging import PAGE_ROWS
from dashboard.views import common

PAGE = "terms"
DOCUMENTS_PAGE = "views/documents.py"
KIND_LABELS = {"all": "All", "word": "Words", "phrase": "Phrases"}
MEASURE_LABELS = {"count": "Occurrences", "per_million": "Per million tokens"}
TABS = ("Bar chart", "Word cloud", "Table")
ORDER_LABELS = {
    "count": "Most frequent",
    "docs": "Most documents",
    "tfidf": "Highest TF-IDF",
    "term": "A–Z",
}


def render(ctx: common.PageContext) -> None:
    """The Terms page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Terms", ctx.corpus_label, view.filters.describe())

    left, middle, right = st.columns([2, 2, 3])
    kind = (
        left.segmented_control(
            "Show",
            list(KIND_LABELS),
            format_func=KIND_LABELS.__getitem__,
            key="terms_kind",
            required=True,
        )
        or "all"
    )
    measure = (
        middle.segmented_control(
            "Measure",
            list(MEASURE_LABELS),
            format_func=MEASURE_LABELS.__getitem__,
            key="terms_measure",
            required=True,
        )
        or "count"
    )
    top = right.slider("Terms in the chart", TOP_MIN, TOP_MAX, key="terms_top")
    hide_nested = st.checkbox(
        "Hide words that mostly occur inside a shown phrase",
        key="terms_hide_nested",
        help="'yangtze' is hidden when nearly all its occurrences are in 'yangtze river delta'.",
    )
    view = common.update_view(kind=kind, top=int(top), measure=measure, hide_nested=hide_nested)
    options = keys.TermOptions(
        kind=kind, stopwords=ctx.stopwords, hide_nested=hide_nested, numbers=ctx.numbers
    )

    with common.user_errors():
        head, total = data.term_rows(
            ctx.index_key, view.filters, options, "count", 0, int(top), ctx.index
        )
        if not total:
            st.info("No term left: every term of the selection is a stopword or hidden.")
            return
        # Only the open tab is drawn (and sent): a tab opened later runs the page again.
        chart_tab, cloud_tab, table_tab = st.tabs(TABS, key="terms_tab", on_change="rerun")
        if chart_tab.open is not False:
            with chart_tab:
                _chart(ctx, view, options, head, top=int(top), measure=measure)
        if cloud_tab.open is not False:
            with cloud_tab:
                _cloud(ctx, view, options, top=int(top))
        if table_tab.open is not False:
            with table_tab:
                _table(ctx, view, options, total)


def _open_documents(term: str) -> None:
    """Read ``term`` in context: switch to the Documents page with it highlighted."""
    view = common.update_view(term=term, doc="")
    st.session_state.pop("documents_term", None)
    st.session_state.pop("documents_doc", None)
    st.switch_page(DOCUMENTS_PAGE, query_params=encode(view))


def _selected_term(event: Any) -> str | None:
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        custom = point.get("customdata")
        if custom:
            return str(unsvg(custom[0]))  # the chart escapes what it draws
        if point.get("y") is not None:
            return str(unsvg(point["y"]))
    return None


def _chart(
    ctx: common.PageContext,
    view: ViewState,
    options: keys.TermOptions,
    table: Any,
    *,
    top: int,
    measure: str,
) -> None:
    fig = data.figure(charts.plot_terms, table, top=top, value=measure)
    event = common.clickable_chart(fig, "terms_chart", "top_terms")
    term = _selected_term(event)
    if term:
        _open_documents(term)
    st.caption("Click a bar to read that term in its documents.")
    common.chart_downloads(
        fig, page=PAGE, name="top_terms", table=table.head(top), title="Top terms"
    )


def _cloud(
    ctx: common.PageContext, view: ViewState, options: keys.TermOptions, *, top: int
) -> None:
    font = data.cjk_font()
    with st.spinner("Drawing the word cloud…"):
        png = data.wordcloud_png(ctx.index_key, view.filters, options, top, font, ctx.index)
    st.image(png, caption=md(f"The {top} most frequent terms; phrases drawn whole."))
    if font is None:
        st.info(
            "No Chinese font was found on the server (install fonts-noto-cjk), so Chinese "
            "terms are left out of the word cloud."
        )
    st.download_button(
        "Word cloud (PNG)",
        data=png,
        file_name="word_cloud.png",
        mime=export.IMAGE_MIME["png"],
        key="terms_wordcloud_png",
        on_click="ignore",
        icon=":material/download:",
    )


def _table(ctx: common.PageContext, view: ViewState, options: keys.TermOptions, total: int) -> None:
    """One page of the whole term table, in the order chosen; every term in the downloads."""
    order = (
        st.segmented_control(
            "Order",
            list(ORDER_LABELS),
            format_func=ORDER_LABELS.__getitem__,
            key="terms_order",
            required=True,
        )
        or "count"
    )
    page = common.page_number(total, key="terms_page")
    start = (page - 1) * PAGE_ROWS
    shown, _ = data.term_rows(
        ctx.index_key, view.filters, options, order, start, start + PAGE_ROWS, ctx.index
    )
    event = common.dataframe(
        shown,
        hide_index=True,
        key="terms_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            S.PER_MILLION: st.column_config.NumberColumn("per million", format="%.1f"),
            S.DOCS: st.column_config.NumberColumn(
                "documents", help="Document frequency: the selected documents holding the term."
            ),
            S.TFIDF: st.column_config.NumberColumn(
                "TF-IDF",
                format="%.1f",
                help="Count times ln((1 + documents selected) / (1 + documents)) + 1: high for "
                "terms frequent in few documents.",
            ),
        },
    )
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        _open_documents(str(shown.iloc[rows[0]][S.TERM]))
    common.page_picker(total, key="terms_page", what="terms")
    st.caption("Select a row to read the term; the downloads hold every term.")
    common.table_downloads(
        lambda: data.terms(ctx.index_key, view.filters, options, ctx.index), page=PAGE, name="terms"
    )


if __name__ == "__main__":
    common.run_page(render)
