"""Formulations page: which group used a formulation first, when the others followed, how often.

A formulation is a query (``zero-covid``, ``common prosperity``, ``共同富裕``,
``slave*``, ``a | b``) or a theme (``name = a, b``). The page shows, per group
(source, speaker or any metadata column), the first and last use, the count,
the documents and the rate per million tokens; the cumulative uptake per group
on real dates; the first uses as evidence (the KWIC lines of each group's first
document); and, once its section is opened, the passages the documents using
it share, with who published each first and how many days later the others did.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import Filters, Spread, default_group, group_columns, parse_formulation
from analysis import schema as S
from dashboard import charts, data
from dashboard.escape import md
from dashboard.options import MIN_TOKENS_MAX, MIN_TOKENS_MIN, ViewState
from dashboard.url_codecs import MAX_TEXT
from dashboard.views import common

PAGE = "formulations"
#: The chart point whose group was last opened (a selection persists across reruns).
LAST_PICK_KEY = "_formulations_last_pick"
EVIDENCE_WINDOW = 12
#: Groups drawn in the uptake chart (the earliest first); the table lists all.
MAX_GROUPS_DRAWN = 26
#: Most documents using the formulation among which shared passages are looked for.
MAX_REUSE_DOCS = 5_000
#: Passages drawn in the reuse timeline (those reused by the most documents); all in the table.
MAX_PASSAGES_DRAWN = 40
TERM_HELP = md(
    "A word, a phrase or any query (zero-covid, common prosperity, 共同富裕, slave*, a | b), "
    "or a theme: a name, '=', then its terms separated by commas (covid = zero-covid, "
    "dynamic clearing)."
)
DATE_COLUMNS = {
    "first_date": st.column_config.DateColumn("first use", format="YYYY-MM-DD"),
    "first_doc": st.column_config.TextColumn("first document"),
    "last_date": st.column_config.DateColumn("last use", format="YYYY-MM-DD"),
    "per_million": st.column_config.NumberColumn("per million tokens", format="%.1f"),
}


def _group_by(ctx: common.PageContext, view: ViewState) -> str:
    columns = group_columns(ctx.index)
    wanted = view.spread_by or default_group(ctx.index)
    if wanted not in columns:
        st.warning(
            md(f"No column '{wanted}' to group by in this corpus; grouped by source instead."),
            icon="⚠️",
        )
        wanted = S.SOURCE
    if st.session_state.get("formulations_by") not in columns:
        st.session_state["formulations_by"] = wanted
    return str(
        st.selectbox(
            "Group documents by",
            columns,
            key="formulations_by",
            help="Source, speaker, or any metadata column of the corpus.",
        )
    )


def render(ctx: common.PageContext) -> None:
    """The Formulations page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Formulations", ctx.corpus_label, view.filters.describe())
    left, right = st.columns([3, 1])
    with left:
        term = st.text_input(
            "Formulation",
            key="formulations_term",
            max_chars=MAX_TEXT,
            placeholder="zero-covid",
            help=TERM_HELP,
        ).strip()
    with right:
        by = _group_by(ctx, view)
    auto = by == default_group(ctx.index) and not view.spread_by
    view = common.update_view(spread_term=term, spread_by="" if auto else by)
    if not term:
        st.info("Type a formulation to see which group used it first and who followed.")
        return
    with common.user_errors():
        spread = data.spread(ctx.index_key, view.filters, term, by, ctx.index)
        _notes(spread)
        _table(spread)
        picked = _uptake(spread)
        # a chart selection stays on every rerun: it opens its group once, when made
        if picked is not None and picked != st.session_state.get(LAST_PICK_KEY):
            st.session_state["formulations_first"] = picked
        st.session_state[LAST_PICK_KEY] = picked
        _first_uses(ctx, view, spread, term)
        # searched only while open (the first search of a corpus reads every passage's text)
        section = st.expander("Reused passages", key="formulations_reuse", on_change="rerun")
        if section.open is not False:
            with section:
                _reuse(ctx, view, term, by, users=int(spread.table[S.DOCS].sum()))


def _notes(spread: Spread) -> None:
    note = spread.note()
    if note:
        st.caption(md(note[0].upper() + note[1:] + "."))
    if spread.on_the_fly:
        typed = ", ".join(f"'{t}'" for t in spread.on_the_fly)
        st.caption(md(f"Counted on the fly from the token stream: {typed}."))
    if spread.expansions:
        st.caption(md(f"{spread.term} = {', '.join(spread.expansions[:12])}"))


def _table(spread: Spread) -> None:
    used = int((spread.table[S.COUNT] > 0).sum())
    groups = len(spread.table)
    st.subheader(md(f"'{spread.term}' by {spread.by}"))
    st.text(f"{used:,} of {groups:,} group{'s' if groups != 1 else ''} use it, earliest first.")
    common.dataframe(
        spread.table, hide_index=True, key="formulations_table", column_config=DATE_COLUMNS
    )
    common.table_downloads(spread.table, page=PAGE, name="formulation_groups")


def _uptake(spread: Spread) -> str | None:
    """Draw the uptake chart; the group of a clicked point, if any."""
    if spread.uptake.empty:
        st.info("No dated document uses it: there is no uptake to draw.")
        return None
    groups = [g for g in spread.table[S.GROUP] if g in set(spread.uptake[S.GROUP])]
    drawn = groups[:MAX_GROUPS_DRAWN]
    fig = data.figure(charts.plot_uptake, spread.uptake, groups=drawn, term=spread.term)
    event = common.clickable_chart(fig, "formulations_uptake_chart", "uptake")
    more = len(groups) - len(drawn)
    st.caption(
        md(
            "Each line steps up on the days the group used it; its first mark is the first use. "
            "Click a point to read that group's first use."
            + (f" The {more:,} later groups are in the table." if more > 0 else "")
        )
    )
    common.chart_downloads(
        fig,
        page=PAGE,
        name="uptake",
        table=spread.uptake,
        title="Uptake",
        notes={"counted_on_the_fly": list(spread.on_the_fly), "expansions": spread.expansions},
    )
    custom = common.clicked_customdata(event, fields=4)
    return str(custom[0]) if custom else None


def _first_uses(ctx: common.PageContext, view: ViewState, spread: Spread, term: str) -> None:
    firsts = spread.table[spread.table["first_doc"] != ""]
    if firsts.empty:
        return
    st.subheader("First uses")
    groups = firsts[S.GROUP].astype(str).tolist()
    if st.session_state.get("formulations_first") not in groups:
        st.session_state["formulations_first"] = (
            view.spread_first if view.spread_first in groups else groups[0]
        )
    chosen = str(
        st.selectbox(
            "First use of",
            groups,
            key="formulations_first",
            format_func=lambda g: f"{g} · {_day(firsts, g)}",
        )
    )
    common.update_view(spread_first="" if chosen == groups[0] else chosen)
    doc = str(firsts.loc[firsts[S.GROUP] == chosen, "first_doc"].iloc[0])
    formulation = parse_formulation(term)
    terms = (term,) if isinstance(formulation, str) else formulation.terms
    lines = data.kwic_lines(
        ctx.index_key, Filters(doc_ids=(doc,)), tuple(terms), EVIDENCE_WINDOW, "position", ctx.index
    )
    title = str(ctx.index.docs.loc[ctx.index.docs[S.DOC_ID].astype(str) == doc, S.TITLE].iloc[0])
    st.caption(md(f"{chosen} first used it on {_day(firsts, chosen)}: {title} ({doc})"))
    common.show_kwic(lines, page=PAGE, name="first_use", what=f"'{spread.term}' in {doc}")


def _day(table: pd.DataFrame, group: str) -> str:
    value = table.loc[table[S.GROUP] == group, "first_date"].iloc[0]
    return pd.Timestamp(value).date().isoformat()


def _reuse(ctx: common.PageContext, view: ViewState, term: str, by: str, *, users: int) -> None:
    if users > MAX_REUSE_DOCS:
        st.info(
            md(
                f"{users:,} selected documents use '{term}': passages are looked for among "
                f"{MAX_REUSE_DOCS:,} at most, so as to answer in seconds. Narrow the dates or "
                "the sources, or use `python -m analysis reuse CORPUS --corpus-wide --query "
                "TERM` for all of them."
            )
        )
        return
    min_tokens = int(
        st.slider(
            "Least words of a shared passage",
            MIN_TOKENS_MIN,
            MIN_TOKENS_MAX,
            key="formulations_min_tokens",
        )
    )
    view = common.update_view(min_tokens=min_tokens)
    found = data.reuse_lags(ctx.index_key, view.filters, term, by, min_tokens, ctx.index)
    note = found.note()
    if found.passages.empty:
        st.info(
            md(
                f"The selected documents using '{term}' share no passage of {min_tokens} words "
                "or more. Lower the least words to find shorter ones."
                + (f" ({note}.)" if note else "")
            )
        )
        return
    st.text(
        f"{len(found.passages):,} passages of {min_tokens}+ words shared among "
        f"{found.uses[S.DOC_ID].nunique():,} documents using it" + (f"; {note}." if note else ".")
    )
    top = found.passages.sort_values(["reusers", "passage"], ascending=[False, True])
    shown = set(top["passage"].head(MAX_PASSAGES_DRAWN))
    fig = data.figure(charts.plot_reuse_lag, found.uses[found.uses["passage"].isin(shown)])
    st.plotly_chart(
        fig, theme=None, key="formulations_reuse_chart", config=common.plotly_config("reuse")
    )
    if len(found.passages) > len(shown):
        st.caption(
            md(f"The {len(shown)} passages reused by the most documents are drawn; all are below.")
        )
    common.chart_downloads(fig, page=PAGE, name="reuse_lag", table=found.uses, title="Reuse lag")
    common.dataframe(
        found.passages,
        hide_index=True,
        key="formulations_passages",
        column_config={"first_date": DATE_COLUMNS["first_date"]},
    )
    common.table_downloads(found.uses, page=PAGE, name="reuse_uses")


if __name__ == "__main__":
    common.run_page(render)
