"""Overview page: what the corpus is about before any choice, then documents per period.

The first screen names the documents (all of them, or the most recent ones),
the top phrases and words, the date span and the sources. Its sections are
made by :func:`dashboard.report.overview_sections`, which the command-line
report (``python -m dashboard report``) calls too, so both give the same file.
"""

from __future__ import annotations

import streamlit as st

from analysis import schema as S
from dashboard import data, keys, report
from dashboard.escape import md, plain
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
        about = st.container()
        timeline = st.container()
        with timeline:
            freq = _period_choice(view, numbers)
        sections = _sections(ctx, view, numbers, freq)
        with about:
            _about(sections[:3])
        rest = list(sections[3:])
        with timeline:
            if freq is not None:
                _periods(rest.pop(0), freq)
        st.subheader("Sources")
        _table(rest.pop(0), name="sources", key="overview_sources_table")


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
    sources = numbers["sources"]
    assert isinstance(sources, dict)
    named = [s or "(no source)" for s in sources]
    listed = ", ".join(named[:5]) + (f" and {len(named) - 5:,} more" if len(named) > 5 else "")
    st.text(plain(f"Date span: {span} · {len(named):,} source{'s' * (len(named) != 1)}: {listed}"))


def _period_choice(view: ViewState, numbers: dict[str, object]) -> str | None:
    """The period of the timeline (``None`` when nothing is dated), from its control."""
    if not numbers["first_date"]:
        st.info("No document in the selection has a date, so there is no timeline.")
        return None
    freq_choice = st.segmented_control(
        "Period",
        list(FREQ_LABELS),
        format_func=FREQ_LABELS.__getitem__,
        key="overview_freq",
        required=True,
    )
    freq_choice = freq_choice or "auto"
    common.update_view(freq=freq_choice)
    if freq_choice == "auto":
        return auto_freq(str(numbers["first_date"]), str(numbers["last_date"]))
    return str(freq_choice)


def _sections(
    ctx: common.PageContext, view: ViewState, numbers: dict[str, object], freq: str | None
) -> tuple[report.Section, ...]:
    mask = data.selection(ctx.index_key, view.filters, ctx.index)
    recent = report.recent_documents(ctx.index.docs[mask], ctx.index.doc_tokens[mask])
    # Only the rows listed (the whole term table is copied out of the cache when asked for).
    terms = {
        kind: data.term_rows(
            ctx.index_key,
            view.filters,
            keys.TermOptions(
                kind=kind,
                stopwords=ctx.stopwords,
                hide_nested=view.hide_nested,
                numbers=ctx.numbers,
            ),
            "count",
            0,
            report.FIRST_TERMS,
            ctx.index,
        )[0]
        for kind in (S.PHRASE, S.WORD)
    }
    sources = numbers["sources"]
    assert isinstance(sources, dict)
    return report.overview_sections(
        recent=recent,
        phrases=terms[S.PHRASE],
        words=terms[S.WORD],
        periods=None
        if freq is None
        else data.periods(ctx.index_key, view.filters, freq, ctx.index),
        freq=freq or "year",
        sources=report.sources_table(sources),
        plot=data.figure,
    )


def _table(section: report.Section, *, name: str, key: str) -> None:
    wide = {S.TITLE: st.column_config.TextColumn(width="large")}
    common.dataframe(section.frame(), hide_index=True, key=key, column_config=wide)
    common.table_downloads(
        section.frame(), page=PAGE, name=name, title=section.title, report_notes=section.notes
    )


def _about(sections: tuple[report.Section, ...]) -> None:
    documents, phrases, words = sections
    st.subheader("What it is about")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Documents**")
        for note in documents.notes:
            st.caption(md(note))
        _table(documents, name="documents", key="overview_documents_table")
    with right:
        for section, name in ((phrases, "top_phrases"), (words, "top_words")):
            st.markdown("**" + md(section.title) + "**")
            _table(section, name=name, key=f"overview_{name}_table")


def _periods(section: report.Section, freq: str) -> None:
    assert section.figure is not None
    st.plotly_chart(
        section.figure,
        theme=None,
        key="overview_periods_chart",
        config=common.plotly_config("documents_per_period"),
    )
    for note in section.notes:
        st.text(note)
    common.chart_downloads(
        section.figure,
        page=PAGE,
        name="documents_per_period",
        table=section.frame(),
        title=section.title,
        report_notes=section.notes,
    )


if __name__ == "__main__":
    common.run_page(render)
