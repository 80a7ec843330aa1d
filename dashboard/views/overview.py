"""Overview page: headline numbers, sources, and documents per period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import schema as S
from dashboard import charts, data
from dashboard.labels import FREQ_LABELS, auto_freq
from dashboard.options import ViewState
from dashboard.views import common

PAGE = "overview"


def render(ctx: common.PageContext) -> None:
    """The Overview page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Overview", ctx.corpus_label, view.filters.describe())
    with common.user_errors():
        numbers = data.summary(ctx.index_key, view.filters, ctx.index)
        _headline(numbers)
        if numbers["documents"] == 0:
            st.warning(
                "No document matches the filters. Widen the date range, clear the source "
                "filter or change the keyword.",
                icon="⚠️",
            )
            return
        _periods(ctx, view, numbers)
        _sources(numbers)


def _headline(numbers: dict[str, object]) -> None:
    span = (
        f"{numbers['first_date']} – {numbers['last_date']}" if numbers["first_date"] else "no dates"
    )
    row = st.columns(5)
    row[0].metric("Documents", f"{numbers['documents']:,}")
    row[1].metric("Tokens", f"{numbers['tokens']:,}")
    row[2].metric("Vocabulary", f"{numbers['types']:,}", help="Distinct words in the selection")
    row[3].metric("Phrases", f"{numbers.get('phrases', 0):,}", help="Distinct phrases found")
    row[4].metric("Undated", f"{numbers['undated']:,}")
    st.text(f"Date span: {span}")


def _periods(ctx: common.PageContext, view: ViewState, numbers: dict[str, object]) -> None:
    if not numbers["first_date"]:
        st.info("No document in the selection has a date, so there is no timeline.")
        return
    freq_choice = st.segmented_control(
        "Period",
        list(FREQ_LABELS),
        format_func=FREQ_LABELS.__getitem__,
        key="overview_freq",
        required=True,
    )
    freq_choice = freq_choice or "auto"
    view = common.update_view(freq=freq_choice)
    freq = (
        auto_freq(str(numbers["first_date"]), str(numbers["last_date"]))
        if freq_choice == "auto"
        else freq_choice
    )
    table = data.periods(ctx.index_key, view.filters, freq, ctx.index)
    fig = charts.plot_documents_per_period(table, freq=freq)
    st.plotly_chart(
        fig,
        theme=None,
        key="overview_periods_chart",
        config=common.plotly_config("documents_per_period"),
    )
    notes = []
    if table.attrs.get("too_coarse"):
        notes.append(
            f"{table.attrs['too_coarse']:,} documents dated only by month or year are not "
            f"drawn per {freq}; choose a coarser period to include them."
        )
    if table.attrs.get("undated"):
        notes.append(f"{table.attrs['undated']:,} undated documents are not drawn.")
    for note in notes:
        st.text(note)
    common.chart_downloads(
        fig, page=PAGE, name="documents_per_period", table=table, title=f"Documents per {freq}"
    )


def _sources(numbers: dict[str, object]) -> None:
    sources = numbers["sources"]
    assert isinstance(sources, dict)
    table = pd.DataFrame(
        {S.SOURCE: [s or "(no source)" for s in sources], S.DOCUMENTS: list(sources.values())}
    ).sort_values([S.DOCUMENTS, S.SOURCE], ascending=[False, True], ignore_index=True)
    st.subheader("Sources")
    common.dataframe(table, hide_index=True, key="overview_sources_table")
    common.table_downloads(table, page=PAGE, name="sources")


if __name__ == "__main__":
    common.run_page(render)
