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
from dashboard.views import common

PAGE = "terms"
DOCUMENTS_PAGE = "views/documents.py"
KIND_LABELS = {"all": "All", "word": "Words", "phrase": "Phrases"}
MEASURE_LABELS = {"count": "Occurrences", "per_million": "Per million tokens"}
#: Rows drawn in the browser table; the downloads carry every term.
MAX_TABLE_ROWS = 10_000


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
        table = data.terms(ctx.index_key, view.filters, options, ctx.index)
        if table.empty:
            st.info("No term left: every term of the selection is a stopword or hidden.")
            return
        chart_tab, cloud_tab, table_tab = st.tabs(["Bar chart", "Word cloud", "Table"])
        with chart_tab:
            _chart(table, top=int(top), measure=measure)
        with cloud_tab:
            _cloud(ctx, view, options, top=int(top))
        with table_tab:
            _table(table)


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


def _chart(table: Any, *, top: int, measure: str) -> None:
    fig = charts.plot_terms(table, top=top, value=measure)
    event = st.plotly_chart(
        fig,
        theme=None,
        key="terms_chart",
        on_select="rerun",
        selection_mode="points",
        config=common.plotly_config("top_terms"),
    )
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


def _table(table: Any) -> None:
    shown = table.head(MAX_TABLE_ROWS)
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
    count = (
        f"{len(table):,} terms"
        if len(table) <= MAX_TABLE_ROWS
        else f"The {MAX_TABLE_ROWS:,} most frequent of {len(table):,} terms (all in the downloads)"
    )
    st.caption(md(f"{count}. Click a column to sort; select a row to read the term."))
    common.table_downloads(table, page=PAGE, name="terms")


if __name__ == "__main__":
    common.run_page(render)
