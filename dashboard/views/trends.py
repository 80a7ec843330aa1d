"""Trends page: terms, phrases and themes over calendar time, and the emerging terms.

Clicking a point of the chart opens the evidence below it: the keyword-in-context
lines of that term (or of the theme's terms) in the documents dated inside that
period. The clicked point travels in the URL (``pick``), so a shared link opens
the same evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import streamlit as st

from analysis import SYNTAX_HELP, KwicResult, OptionError, TrendResult, split_query
from analysis import schema as S
from dashboard import charts, data, keys
from dashboard.escape import md
from dashboard.labels import FREQ_LABELS, VIEW_WORDS, auto_freq
from dashboard.options import MAX_TRENDS, SMOOTH_MAX, ViewState, make_pick, parse_pick
from dashboard.url_codecs import MAX_TEXT
from dashboard.views import common

PAGE = "trends"
NORM_LABELS = {
    "per_million": "Per million tokens",
    "doc_share": "Share of documents",
    "count": "Raw count",
}
#: Terms drawn when the user has typed none: the most frequent phrases (or words).
SUGGESTED = 3
EVIDENCE_WINDOW = 10
#: One-click "add as a phrase" buttons under the chart, at most.
ADD_PHRASE_BUTTONS = 8
#: Words of a prefix query listed under the chart (all go in the export's settings).
EXPANSIONS_SHOWN = 12
USER_PHRASES_KEY = "sidebar_user_phrases"
THEME_HELP = md(
    "One theme per line: a name, '=', then its terms separated by commas, e.g. "
    "'innovation = innovation, sci-tech, technology, g60'. A theme counts all its terms "
    "together; each term is a query: " + SYNTAX_HELP
)


def split_terms(text: str) -> tuple[str, ...]:
    """Terms typed in a box, separated by commas, semicolons or line breaks, de-duplicated.

    >>> split_terms("yangtze river delta, innovation\\n innovation ;g60")
    ('yangtze river delta', 'innovation', 'g60')
    """
    parts = (part.strip() for part in re.split(r"[,;\n，；、]", text))
    return tuple(dict.fromkeys(p[:MAX_TEXT] for p in parts if p))[:MAX_TRENDS]


def theme_lines(text: str) -> tuple[str, ...]:
    """The non-empty lines of the theme editor."""
    lines = (line.strip() for line in text.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))[:MAX_TRENDS]


def _readable(terms: tuple[str, ...]) -> tuple[str, ...]:
    """The typed terms that parse as queries; the others are named with the fix, not drawn."""
    good = []
    for term in terms:
        try:
            split_query(term)
        except OptionError as error:
            st.warning(md(error), icon="⚠️")
        else:
            good.append(term)
    return tuple(good)


def _suggested_terms(ctx: common.PageContext, view: ViewState) -> tuple[str, ...]:
    for kind in ("phrase", "all"):
        options = keys.TermOptions(kind=kind, stopwords=ctx.stopwords, numbers=ctx.numbers)
        table = data.terms(ctx.index_key, view.filters, options, ctx.index)
        if not table.empty:
            return tuple(table[S.TERM].astype(str).head(SUGGESTED))
    return ()


def _granularity(ctx: common.PageContext, view: ViewState, choice: str) -> str:
    if choice != "auto":
        return choice
    numbers = data.summary(ctx.index_key, view.filters, ctx.index)
    first, last = numbers.get("first_date"), numbers.get("last_date")
    return auto_freq(str(first) if first else None, str(last) if last else None)


def render(ctx: common.PageContext) -> None:
    """The Trends page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Trends", ctx.corpus_label, view.filters.describe())

    left, right = st.columns(2)
    terms = split_terms(
        left.text_input(
            "Terms and phrases (comma separated)",
            key="trends_terms",
            placeholder="yangtze river delta, high-quality development",
            help=md("Separate terms with commas. ") + common.QUERY_HELP,
        )
    )
    themes = theme_lines(
        right.text_area(
            "Themes (name = term, term, ...)",
            key="trends_themes",
            height=68,
            help=THEME_HELP,
            placeholder="innovation = innovation, sci-tech, technology, g60",
        )
    )
    row = st.columns([3, 3, 2])
    by_choice = (
        row[0].segmented_control(
            "Period",
            list(FREQ_LABELS),
            format_func=FREQ_LABELS.__getitem__,
            key="trends_by",
            required=True,
        )
        or "auto"
    )
    norm = (
        row[1].segmented_control(
            "Measure",
            list(NORM_LABELS),
            format_func=NORM_LABELS.__getitem__,
            key="trends_norm",
            required=True,
        )
        or "per_million"
    )
    smooth = row[2].slider(
        "Moving average (periods)",
        1,
        SMOOTH_MAX,
        key="trends_smooth",
        help="1 draws each period as it is.",
    )
    view = common.update_view(
        trend_terms=terms, themes=themes, by=by_choice, norm=norm, smooth=int(smooth)
    )

    terms = _readable(terms)
    with common.user_errors():
        shown = terms
        if not terms and not themes:
            shown = _suggested_terms(ctx, view)
            if not shown:
                st.info("Type a term or a theme to draw its trend.")
                return
            st.caption("No term chosen yet: showing the most frequent ones. Type your own above.")
        by = _granularity(ctx, view, by_choice)
        options = keys.TrendOptions(terms=shown, themes=themes, by=by, smooth=int(smooth))
        trend = data.trends(ctx.index_key, view.filters, options, ctx.index)
        _chart(ctx, view, trend, options, norm=norm)
        _emerging(ctx, view, trend.table, by=by)


def _notes(trend: TrendResult, by: str) -> None:
    coarse, undated = trend.too_coarse, trend.undated
    if coarse:
        st.info(
            md(
                f"{coarse:,} document{'s' if coarse != 1 else ''} dated only by month or year "
                f"{'are' if coarse != 1 else 'is'} left out of this {VIEW_WORDS[by]} view; "
                "choose a coarser period to include them."
            ),
            icon="ℹ️",
        )
    if undated:
        st.text(f"{undated:,} undated document{'s' if undated != 1 else ''} left out.")
    _on_the_fly(trend)
    missing = trend.missing
    if missing:
        st.info(
            md(
                "Not found in this corpus (drawn at zero): "
                + ", ".join(repr(m) for m in missing)
                + ". Check the spelling, or pick terms from the Terms page."
            ),
            icon="ℹ️",
        )


def _add_phrase(phrase: str) -> None:
    """Button callback: put ``phrase`` among the sidebar's user phrases (before it is drawn)."""
    lines = str(st.session_state.get(USER_PHRASES_KEY, "")).splitlines()
    if phrase not in (line.strip() for line in lines):
        lines.append(phrase)
    st.session_state[USER_PHRASES_KEY] = "\n".join(line for line in lines if line.strip())


def _on_the_fly(trend: TrendResult) -> None:
    """Say which series are counted from the token stream, and offer each as a phrase."""
    typed = list(dict.fromkeys(trend.on_the_fly))
    if typed:
        st.caption(
            md(
                "Counted on the fly from the token stream (not a detected phrase; the same "
                "numbers on every page): " + ", ".join(f"'{t}'" for t in typed) + "."
            )
        )
        columns = st.columns(min(len(typed), 4))
        for i, phrase in enumerate(typed[:ADD_PHRASE_BUTTONS]):
            columns[i % len(columns)].button(
                md(f"Add '{phrase}' as a phrase"),
                key=f"trends_add_phrase_{i}",
                on_click=_add_phrase,
                args=(phrase,),
                help="Count it as a phrase everywhere: the Terms table, word cloud and topics.",
            )
    for label, words in trend.expansions.items():
        shown = ", ".join(words[:EXPANSIONS_SHOWN])
        more = len(words) - EXPANSIONS_SHOWN
        st.caption(
            md(f"{label} = {shown}" + (f" and {more:,} more (all in the ZIP)" if more > 0 else ""))
        )


def _picked(event: Any) -> tuple[str, str] | None:
    """``(term, period ISO date)`` of the clicked point, if any."""
    custom = common.clicked_customdata(event, fields=9)
    return (str(custom[0]), str(custom[8])) if custom else None


def _chart(
    ctx: common.PageContext,
    view: ViewState,
    trend: TrendResult,
    options: keys.TrendOptions,
    *,
    norm: str,
) -> None:
    by = options.by
    _notes(trend, by)
    table, expansions = trend.table, trend.expansions
    fig = data.figure(charts.plot_trends, table, value=norm, by=by, expansions=expansions)
    event = common.clickable_chart(fig, "trends_chart", "trends")
    st.caption(
        "Open markers are thin periods (few tokens): read their rates with care. "
        "Click a point to read the lines behind it."
    )
    common.chart_downloads(
        fig,
        page=PAGE,
        name="trends",
        table=table,
        title="Trends",
        notes={
            "expansions": {label: list(words) for label, words in expansions.items()},
            "counted_on_the_fly": list(trend.on_the_fly),
        },
    )
    picked = _picked(event)
    if picked is not None:
        view = common.update_view(trend_pick=make_pick(*picked))
    _evidence(ctx, view, options, drawn=set(table[S.TERM].astype(str)))


def _evidence(
    ctx: common.PageContext,
    view: ViewState,
    options: keys.TrendOptions,
    *,
    drawn: set[str],
) -> None:
    pick = parse_pick(view.trend_pick) if view.trend_pick else None
    if pick is None:
        return
    name, start = pick
    if name not in drawn:
        return  # a point of a term no longer drawn
    # A series is named by its query's label (a term, a typed sequence, "slave*",
    # "a | b"), which reads back as the same query; a theme by its name.
    members = {n: t for n, t in keys.theme_terms(options).items() if n not in options.terms}

    period = pd.Timestamp(start)
    label = charts.period_label(period, options.by)
    st.subheader(md(f"'{name}' in {label}"))
    terms = members.get(name, (name,))
    if terms != (name,):
        st.caption(md("Theme terms: " + ", ".join(terms)))

    def fetch(offset: int, limit: int) -> KwicResult:
        return data.kwic_lines(
            ctx.index_key,
            view.filters,
            terms,
            EVIDENCE_WINDOW,
            "position",
            ctx.index,
            by=options.by,
            period=start.isoformat(),
            offset=offset,
            limit=limit,
        )

    safe = re.sub(r"[^\w-]+", "_", name)[:40]
    common.show_kwic(
        fetch,
        page=PAGE,
        name=f"evidence_{safe}_{start:%Y%m%d}",
        what=f"'{name}' in {label}",
        term=name if terms == (name,) else "",
    )


def _emerging(ctx: common.PageContext, view: ViewState, table: pd.DataFrame, *, by: str) -> None:
    st.subheader("Emerging terms")
    periods = sorted(
        {
            pd.Timestamp(p).date()
            for p, docs in zip(table[S.PERIOD], table["period_docs"], strict=True)
            if docs
        }
    )
    if len(periods) < 2:
        st.info(md(f"Emerging terms need documents in at least two {by}s of the selection."))
        return
    choices = [p.isoformat() for p in periods[1:]]
    wanted = view.emerging if view.emerging in choices else choices[-1]
    if st.session_state.get("trends_emerging") not in choices:
        st.session_state["trends_emerging"] = wanted
    period = str(
        st.selectbox(
            md(f"Terms rising in this {by} against the {by}s before it"),
            choices,
            format_func=lambda day: charts.period_label(pd.Timestamp(day), by),
            key="trends_emerging",
        )
    )
    common.update_view(emerging=period if period != choices[-1] else "")
    found = data.emerging(
        ctx.index_key, view.filters, by, period, ctx.stopwords, ctx.index, ctx.numbers
    ).table
    if found.empty:
        st.info("No term rises clearly in this period (too few occurrences).")
        return
    common.dataframe(
        found,
        hide_index=True,
        key="trends_emerging_table",
        column_config={
            "ll": st.column_config.NumberColumn("log-likelihood", format="%.2f"),
            "log_ratio": st.column_config.NumberColumn("log ratio", format="%.2f"),
            "p": st.column_config.NumberColumn("p", format="%.2g"),
        },
    )
    st.caption("Log-likelihood says how sure the change is; log ratio (base 2) how large it is.")
    common.table_downloads(
        found, page=PAGE, name=f"emerging_{dt.date.fromisoformat(period):%Y%m%d}"
    )


if __name__ == "__main__":
    common.run_page(render)
