"""Topics page: topics fitted on passages, their terms, their share over time, their passages.

Labels can be renamed; the names travel in the URL (``label=<topic>=<name>``).
Clicking a point of the timeline shows that topic's passages dated inside that
period. Passages are the user's text and are shown through the document
reader's escaping (:func:`dashboard.views.documents.reader_html`), never as
Markdown or raw HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analysis import schema as S
from dashboard import charts, data, keys, state
from dashboard.escape import md, plain
from dashboard.labels import FREQ_LABELS, VIEW_WORDS, auto_freq
from dashboard.markup import reader_html
from dashboard.options import K_MAX, K_MIN, SEED_MAX, ViewState, make_pick, parse_pick
from dashboard.views import common

PAGE = "topics"
METHOD_LABELS = {"nmf": "NMF", "lda": "LDA"}
PASSAGES_SHOWN = 5
PASSAGE_COLUMNS = ["doc_id", "date", "source", "passage", "weight", "text"]


def _labels(terms: pd.DataFrame, names: dict[int, str]) -> dict[int, str]:
    """Topic id -> label shown: the user's name, else the model's label from top terms."""
    first = terms.drop_duplicates("topic")
    return {
        int(t): names.get(int(t), str(label))
        for t, label in zip(first["topic"], first["label"], strict=True)
    }


def _renamed(table: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    out = table.copy()
    out["label"] = out["topic"].map(lambda t: labels.get(int(t), str(t)))
    return out


def render(ctx: common.PageContext) -> None:
    """The Topics page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Topics", ctx.corpus_label, view.filters.describe())

    with common.user_errors():
        suggested = data.topic_default_k(ctx.index_key, view.filters, ctx.index)
        common.seed("topics_k", view.k or suggested)
        row = st.columns([2, 2, 2, 4])
        k = row[0].number_input(
            "Topics",
            K_MIN,
            K_MAX,
            step=1,
            key="topics_k",
            help=md(f"{suggested} suggested for this selection."),
        )
        method = (
            row[1].segmented_control(
                "Method",
                list(METHOD_LABELS),
                format_func=METHOD_LABELS.__getitem__,
                key="topics_method",
                required=True,
            )
            or "nmf"
        )
        seed = row[2].number_input(
            "Seed", 0, SEED_MAX, step=1, key="topics_seed", help="Same seed, same topics."
        )
        by_choice = (
            row[3].segmented_control(
                "Period",
                list(FREQ_LABELS),
                format_func=FREQ_LABELS.__getitem__,
                key="topics_by",
                required=True,
            )
            or "auto"
        )
        view = common.update_view(
            k=int(k) if int(k) != suggested else 0, method=method, seed=int(seed), by=by_choice
        )
        options = keys.TopicOptions(
            k=int(k), method=method, seed=int(seed), stopwords=ctx.stopwords, numbers=ctx.numbers
        )
        with st.spinner("Fitting topics…"):
            model = data.topic_model(ctx.index_key, view.filters, options, ctx.index)
        for note in model.notes:
            st.info(md(note), icon="ℹ️")
        labels = _terms(model.terms, view)
        by = by_choice
        if by == "auto":
            numbers = data.summary(ctx.index_key, view.filters, ctx.index)
            first, last = numbers.get("first_date"), numbers.get("last_date")
            by = auto_freq(str(first) if first else None, str(last) if last else None)
        _timeline(ctx, view, options, labels, by=by)
        _passages(ctx, view, options, labels)


def _terms(terms: pd.DataFrame, view: ViewState) -> dict[int, str]:
    st.subheader("Topic terms")
    names = state.topic_labels(view)
    model_labels = _labels(terms, {})
    with st.expander("Rename topics"):
        columns = st.columns(min(4, max(1, len(model_labels))))
        chosen: dict[int, str] = {}
        for i, (topic, label) in enumerate(model_labels.items()):
            key = f"topics_label_{topic}"
            common.seed(key, names.get(topic, label))
            typed = (
                columns[i % len(columns)]
                .text_input(md(f"Topic {topic}"), key=key, max_chars=80, placeholder=label)
                .strip()
            )
            if typed and typed != label:
                chosen[topic] = typed
    view = common.update_view(topic_labels=state.with_topic_labels(view, chosen).topic_labels)
    labels = _labels(terms, chosen)
    table = _renamed(terms, labels)
    wide = (
        table.groupby("topic", sort=True)
        .agg(label=("label", "first"), terms=(S.TERM, lambda t: ", ".join(map(str, t))))
        .reset_index()
    )
    common.dataframe(wide, hide_index=True, key="topics_terms_table")
    common.table_downloads(table, page=PAGE, name="topic_terms")
    return labels


def _picked(event: Any) -> tuple[int, str] | None:
    """``(topic, period ISO date)`` of the clicked point, if any."""
    custom = common.clicked_customdata(event, fields=4)
    return (int(custom[0]), str(custom[3])) if custom else None


def _timeline(
    ctx: common.PageContext,
    view: ViewState,
    options: keys.TopicOptions,
    labels: dict[int, str],
    *,
    by: str,
) -> None:
    st.subheader("Topic timeline")
    timeline = data.topic_timeline(ctx.index_key, view.filters, options, by, ctx.index)
    table = _renamed(timeline.table, labels)
    coarse = timeline.too_coarse
    if coarse:
        st.info(
            md(
                f"{coarse:,} passages of documents dated only by month or year are left out of "
                f"this {VIEW_WORDS[by]} view; choose a coarser period to include them."
            ),
            icon="ℹ️",
        )
    if table.empty or not int(table["passages"].sum()):
        st.info("No passage of the selection has a date fine enough for this period.")
        return
    fig = data.figure(charts.plot_topic_timeline, table, by=by)
    event = common.clickable_chart(fig, "topics_timeline_chart", "topic_timeline")
    st.caption("Click a point to read that topic's passages in that period.")
    common.chart_downloads(
        fig, page=PAGE, name="topic_timeline", table=table, title="Topic timeline"
    )
    picked = _picked(event)
    if picked is not None:
        view = common.update_view(topic_pick=make_pick(str(picked[0]), picked[1]))
    pick = parse_pick(view.topic_pick) if view.topic_pick else None
    if pick is None or not pick[0].isdigit() or int(pick[0]) not in labels:
        return
    topic, start = int(pick[0]), pick[1]
    period = charts.period_label(pd.Timestamp(start), by)
    st.markdown("**" + md(f"Passages of topic {topic} in {period}") + "**")
    st.text(plain(labels[topic]))
    found = data.topic_passages(
        ctx.index_key,
        view.filters,
        options,
        topic,
        ctx.index,
        n=PASSAGES_SHOWN,
        by=by,
        period=start.isoformat(),
    )
    _show_passages(found, name=f"passages_topic{topic}_{start:%Y%m%d}")


def _passages(
    ctx: common.PageContext,
    view: ViewState,
    options: keys.TopicOptions,
    labels: dict[int, str],
) -> None:
    st.subheader("Representative passages")
    topics = list(labels)
    if st.session_state.get("topics_topic") not in topics:
        st.session_state["topics_topic"] = topics[0]
    topic = st.selectbox(
        "Topic",
        topics,
        format_func=lambda t: f"{t}: {labels[t]}",
        key="topics_topic",
    )
    found = data.topic_passages(
        ctx.index_key, view.filters, options, int(topic), ctx.index, n=PASSAGES_SHOWN
    )
    _show_passages(found, name=f"passages_topic{topic}")


def _show_passages(found: pd.DataFrame, *, name: str) -> None:
    if found.empty:
        st.info("No passage of this topic here.")
        return
    for row in found.to_dict("records"):
        date = row.get(S.DATE)
        day = "undated" if date is None or pd.isna(date) else pd.Timestamp(date).date().isoformat()
        source = str(row.get(S.SOURCE) or "").strip()
        weight = float(row.get("weight", 0.0))
        where = (day, source, str(row[S.DOC_ID]), f"weight {weight:.2f}")
        st.text(plain(" · ".join(p for p in where if p)))
        st.html(reader_html(str(row.get(S.TEXT) or ""), []))
    columns = [c for c in PASSAGE_COLUMNS if c in found.columns]
    common.table_downloads(found[columns], page=PAGE, name=name)


if __name__ == "__main__":
    common.run_page(render)
