"""Compare page: two slices A and B side by side.

A slice is a document, a source, a speaker (a ``speaker`` metadata column),
a period, or the sidebar's filters. The page shows how similar A and B are
(and, for documents, their nearest neighbours, a heatmap and a dendrogram),
the terms each uses far more than the other (keyness), and, when A and B are
single documents, the passages they share in a side-by-side reader.

Document text is escaped character by character before it is wrapped in
``<mark>`` (as on the Documents page); it never reaches Markdown or
``unsafe_allow_html``.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import streamlit as st

from analysis import (
    PERIOD_FIELD,
    CorpusIndex,
    Filters,
    KeynessResult,
    grouping_fields,
    reference_keyness,
    term_spans_of,
)
from analysis import schema as S
from dashboard import charts, data, keys, state
from dashboard.escape import md, plain
from dashboard.labels import FREQ_LABELS
from dashboard.markup import compare_reader_html
from dashboard.options import (
    GROUP_BYS,
    MIN_COUNT_MAX,
    MIN_TOKENS_MAX,
    MIN_TOKENS_MIN,
    TOP_MIN,
    ViewState,
    make_period,
    parse_period,
)
from dashboard.paging import PAGE_ROWS
from dashboard.views import common

PAGE = "compare"
KIND_LABELS = {
    "document": "A document",
    "source": "Sources",
    "speaker": "Speakers",
    "period": "A period",
    "filter": "The sidebar filters",
    "reference": "Another corpus (a reference)",
}
KEY_KIND_LABELS = {"all": "Words and phrases", "word": "Words", "phrase": "Phrases"}
SPEAKER_COLUMN = "speaker"
#: Documents offered in a picker; a browser list of 100k entries is of no use.
MAX_LISTED = 2_000
#: What a document picker's labels read (:func:`dashboard.state.doc_label`).
LABEL_COLUMNS = (S.DOC_ID, S.TITLE, S.DATE)
#: Documents in the heatmap and dendrogram.
MAX_HEATMAP = 40
NEIGHBOURS = 8
#: Terms named on the keyness scatter, per side (more only overlap).
LABELLED = 8
#: Terms drawn on the keyness scatter, per side, the strongest (a browser is slow over 100k).
MAX_SCATTER = 500
#: Distinctive terms highlighted on each side of the reader.
READER_TERMS = 10
STAT_COLUMNS = {
    S.LL: st.column_config.NumberColumn("log-likelihood", format="%.2f"),
    S.LOG_RATIO: st.column_config.NumberColumn("log ratio", format="%+.2f"),
    S.P: st.column_config.NumberColumn("p", format="%.2g"),
    S.SIGNIFICANT: st.column_config.CheckboxColumn("significant"),
}


def _slice_widgets(
    ctx: common.PageContext,
    view: ViewState,
    side: str,
    listed: pd.DataFrame,
    fallback_doc: str,
) -> tuple[str, tuple[str, ...]]:
    """Draw one side's pickers; return its kind and values."""
    docs = ctx.index.docs
    lower = side.lower()
    kinds = ["document", "source", "period", "filter"]
    if SPEAKER_COLUMN in docs.columns:
        kinds.insert(2, "speaker")
    others = list(ctx.references)
    if others and ctx.open_index is not None:
        kinds.append("reference")
    view_kind = view.a_kind if side == "A" else view.b_kind
    view_values = view.a_values if side == "A" else view.b_values
    kind_key = f"{PAGE}_{lower}_kind"
    common.seed(kind_key, view_kind if view_kind in kinds else "document")
    if st.session_state[kind_key] not in kinds:
        st.session_state[kind_key] = "document"
    kind = str(
        st.selectbox(md(f"{side} is"), kinds, format_func=KIND_LABELS.__getitem__, key=kind_key)
    )
    own = view_values if kind == view_kind else ()
    if kind == "document":
        options = listed[S.DOC_ID].astype(str).tolist()
        labels = {str(r[S.DOC_ID]): state.doc_label(r) for r in listed.to_dict("records")}
        wanted = own[0] if own and own[0] in labels else fallback_doc
        doc_key = f"{PAGE}_{lower}_doc"
        if st.session_state.get(doc_key) not in labels:
            st.session_state[doc_key] = wanted if wanted in labels else options[0]
        doc = st.selectbox(
            md(f"Document {side}"), options, format_func=labels.__getitem__, key=doc_key
        )
        return kind, (str(doc),)
    if kind in ("source", "speaker"):
        column = S.SOURCE if kind == "source" else SPEAKER_COLUMN
        choices = sorted(v for v in docs[column].dropna().astype(str).unique() if v.strip())
        key = f"{PAGE}_{lower}_{kind}s"
        common.seed(key, [v for v in own if v in choices])
        picked = st.multiselect(
            md(f"{KIND_LABELS[kind]} of {side}"),
            choices,
            key=key,
            placeholder=f"Choose one or more {kind}s",
        )
        return kind, tuple(str(v) for v in picked)
    if kind == "period":
        return kind, _period_widget(ctx, side, own)
    if kind == "reference":
        key = f"{PAGE}_{lower}_reference"
        if own and own[0] not in others:  # named by a link, not held here
            wanted, instead = keys.corpus_label(own[0]), keys.corpus_label(others[0])
            st.info(
                md(f"The reference corpus '{wanted}' is not available here; {side} is {instead}.")
            )
        common.seed(key, own[0] if own and own[0] in others else others[0])
        if st.session_state[key] not in others:
            st.session_state[key] = others[0]
        corpus = st.selectbox(
            md(f"Reference corpus {side}"), others, format_func=keys.corpus_label, key=key
        )
        return kind, (str(corpus),)
    st.caption(md(f"{side}: every document {view.filters.describe()}."))
    return kind, ()


def _period_widget(ctx: common.PageContext, side: str, own: tuple[str, ...]) -> tuple[str, ...]:
    dates = pd.to_datetime(ctx.index.docs[S.DATE]).dropna()
    if not len(dates):
        st.caption("No document has a date.")
        return ()
    first, last = dates.min().date(), dates.max().date()
    period = parse_period(own[0]) if own else None
    start = (period[0] if period and period[0] else first) if period else first
    end = (period[1] - dt.timedelta(days=1)) if period and period[1] else last
    key = f"{PAGE}_{side.lower()}_period"
    common.seed(key, (min(max(start, first), last), min(max(end, first), last)))
    chosen = st.date_input(
        md(f"Period of {side} (both days included)"),
        min_value=first,
        max_value=last,
        key=key,
        format="YYYY-MM-DD",
    )
    if not (isinstance(chosen, tuple) and len(chosen) == 2):
        return own  # half-picked range: keep what the view had
    low, high = chosen
    return (make_period(low, high + dt.timedelta(days=1)),)


def _options(view: ViewState, *, sides: str = "A + B", passages: bool = True) -> ViewState:
    row = st.columns([3, 2, 2, 2, 3])
    key_kind = (
        row[0].segmented_control(
            "Keyness terms",
            list(KEY_KIND_LABELS),
            format_func=KEY_KIND_LABELS.__getitem__,
            key=f"{PAGE}_kind",
            required=True,
        )
        or "all"
    )
    min_count = row[1].number_input(
        md(f"Least count ({sides})"),
        1,
        MIN_COUNT_MAX,
        key=f"{PAGE}_min_count",
        help=md(f"Terms seen fewer times ({sides}) are left out of the keyness table."),
    )
    min_tokens = view.min_tokens
    if passages:  # shared passages are read between two documents of one corpus only
        min_tokens = row[2].number_input(
            "Shared passage: least tokens",
            MIN_TOKENS_MIN,
            MIN_TOKENS_MAX,
            key=f"{PAGE}_min_tokens",
        )
    row[3].write("")
    bonferroni = row[3].toggle(
        "Bonferroni",
        key=f"{PAGE}_bonferroni",
        help="Divide the 0.05 threshold by the number of terms tested.",
    )
    top = row[4].slider("Terms in the charts", TOP_MIN, 50, key=f"{PAGE}_top")
    return common.update_view(
        key_kind=key_kind,
        key_min=int(min_count),
        min_tokens=int(min_tokens),
        bonferroni=bool(bonferroni),
        key_top=int(top),
    )


def render(ctx: common.PageContext) -> None:
    """The Compare page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Compare", ctx.corpus_label, "sidebar: " + view.filters.describe())

    with common.user_errors():
        fields = grouping_fields(ctx.index)
        common.seed(f"{PAGE}_groups", view.groups if view.groups in fields else "")
        field = str(
            st.selectbox(
                "Compare",
                ["", *fields],
                format_func=lambda f: md(f"Each {f} against the rest" if f else "A against B"),
                key=f"{PAGE}_groups",
            )
        )
        view = common.update_view(groups=field)
        if field:
            _groups(ctx, view, field)
            return
        selected = np.flatnonzero(data.selection(ctx.index_key, view.filters, ctx.index))
        if not len(selected):
            st.warning(
                "No document matches the sidebar filters. Widen the date range, clear the "
                "source filter or change the keyword.",
                icon="⚠️",
            )
            return
        # only what a picker's label reads: the rows of the texts are not copied
        labelled = ctx.index.docs[list(LABEL_COLUMNS)]
        listed = labelled.iloc[selected[:MAX_LISTED]]  # in corpus order
        sides = ((view.a_kind, view.a_values), (view.b_kind, view.b_values))
        for wanted in [values[0] for kind, values in sides if kind == "document" and values]:
            if wanted not in set(listed[S.DOC_ID].astype(str)):
                extra = labelled[labelled[S.DOC_ID].astype(str) == wanted]
                listed = pd.concat([extra, listed], ignore_index=True)
        ids = listed[S.DOC_ID].astype(str).tolist()
        left, right = st.columns(2)
        with left:
            a_kind, a_values = _slice_widgets(ctx, view, "A", listed, ids[0])
        with right:
            b_kind, b_values = _slice_widgets(ctx, view, "B", listed, ids[min(1, len(ids) - 1)])
        view = common.update_view(
            a_kind=a_kind, a_values=a_values, b_kind=b_kind, b_values=b_values
        )
        view = _options(view, passages="reference" not in (a_kind, b_kind))
        if "reference" in (a_kind, b_kind):
            _reference(ctx, view, ((a_kind, a_values), (b_kind, b_values)))
            return
        filters_a = state.slice_filters(a_kind, a_values, view.filters)
        filters_b = state.slice_filters(b_kind, b_values, view.filters)
        if filters_a is None or filters_b is None:
            st.info("Choose what A and B are above to compare them.")
            return
        if filters_a == filters_b:
            st.warning("A and B are the same. Choose something else for one of them.", icon="⚠️")
            return
        mask_a = data.selection(ctx.index_key, filters_a, ctx.index)
        mask_b = data.selection(ctx.index_key, filters_b, ctx.index)
        for side, mask, filters in (("A", mask_a, filters_a), ("B", mask_b, filters_b)):
            if not mask.any():
                st.warning(
                    md(
                        f"No document in {side} ({filters.describe()}). Widen it or the "
                        "sidebar filters."
                    ),
                    icon="⚠️",
                )
                return
        st.caption(
            md(
                f"A: {int(mask_a.sum()):,} document(s) · B: {int(mask_b.sum()):,} document(s)"
                + (" · some documents are in both" if bool((mask_a & mask_b).any()) else "")
            )
        )
        single = a_kind == "document" and b_kind == "document"
        _similarity(ctx, view, filters_a, filters_b, (mask_a, mask_b), single=single)
        options = _keyness_options(ctx, view)
        found = data.keyness_table(ctx.index_key, filters_a, filters_b, options, ctx.index)
        table = _keyness(ctx, view, found)
        if single:
            _reuse(ctx, view, a_values[0], b_values[0], table)


def _groups(ctx: common.PageContext, view: ViewState, field: str) -> None:
    """Each value of ``field`` against the rest: key terms per group; a bar opens its lines."""
    by = ""
    if field == PERIOD_FIELD:
        by = str(
            st.segmented_control(
                "Period of each group",
                list(GROUP_BYS),
                format_func=FREQ_LABELS.__getitem__,
                key=f"{PAGE}_group_by",
                required=True,
            )
            or view.group_by
        )
        view = common.update_view(group_by=by)
    view = _options(view, sides="group + rest", passages=False)
    options = _keyness_options(ctx, view)
    found = data.group_keyness_table(
        ctx.index_key, view.filters, field, by or view.group_by, options, ctx.index
    )
    table, names, without = found.table, found.groups, found.without
    st.subheader(md(f"Keyness: what each {field} says more than the rest"))
    st.caption(
        md(
            f"{len(names):,} groups by {field}, each against the others together"
            + (
                f"; {without:,} selected documents without a {field} are in no group"
                if without
                else ""
            )
            + ". Log-likelihood is the G² of the 2x2 table of the term's count and the other "
            "tokens in the group and in the rest; only the terms a group uses more are listed. "
            "Click a bar for that term's lines in that group."
        )
    )
    fig = data.figure(charts.plot_group_keyness, table, top=view.key_top, field=field)
    event = common.clickable_chart(fig, f"{PAGE}_group_bars", "group_keyness")
    common.chart_downloads(fig, page=PAGE, name="group_keyness", table=table, title="Keyness")
    clicked = common.clicked_customdata(event, fields=2)
    if clicked:
        view = common.update_view(group_pick=state.make_group_pick(*map(str, clicked[:2])))
    with st.expander("As a table"):
        _paged_table(table, key=f"{PAGE}_group_table")
    pick = state.parse_group_pick(view.group_pick)
    if pick is None or pick[0] not in names:
        return
    group, term = pick
    if field == PERIOD_FIELD:
        lines = data.kwic_lines(
            ctx.index_key, view.filters, (term,), view.window, view.sort, ctx.index,
            by=by, period=group,
        )  # fmt: skip
    else:
        filters = state.group_filters(field, group, view.filters)
        lines = data.kwic_lines(ctx.index_key, filters, (term,), view.window, "position", ctx.index)
    st.subheader(md(f"'{term}' in {group}"))
    common.show_kwic(lines, page=PAGE, name="group_kwic", what=f"'{term}' in {group}")


def _similarity(
    ctx: common.PageContext,
    view: ViewState,
    filters_a: Filters,
    filters_b: Filters,
    masks: tuple[np.ndarray, np.ndarray],
    *,
    single: bool,
) -> None:
    st.subheader("Similarity")
    value = data.slice_similarity(ctx.index_key, filters_a, filters_b, ctx.stopwords, ctx.index)
    st.metric("A against B (TF-IDF cosine, 0 to 1)", f"{value:.3f}")
    docs = ctx.index.docs
    # Rows, not ids, until the few drawn are known (doc ids are unique: B's own rows are B - A).
    rows_a, rows_b = np.flatnonzero(masks[0]), np.flatnonzero(masks[1] & ~masks[0])
    if len(rows_a) + len(rows_b) > MAX_HEATMAP:
        # Both sides in the picture: up to half the places each, the rest to the other.
        take_b = min(len(rows_b), max(MAX_HEATMAP // 2, MAX_HEATMAP - len(rows_a)))
        st.caption(
            md(
                f"Heatmap and dendrogram of {MAX_HEATMAP} of the {len(rows_a) + len(rows_b):,} "
                "documents of A and B."
            )
        )
        rows_a, rows_b = rows_a[: MAX_HEATMAP - take_b], rows_b[:take_b]
    ids = docs[S.DOC_ID].iloc[np.concatenate([rows_a, rows_b])].astype(str).tolist()
    if single:
        tabs = st.tabs([md(f"Nearest to {side}") for side in "AB"])
        for tab, side, filters in zip(tabs, "AB", (filters_a, filters_b), strict=True):
            doc_id = filters.doc_ids[0]
            with tab:
                st.caption(md(f"Documents most like {side}, within the sidebar filters."))
                near = data.nearest(
                    ctx.index_key, doc_id, NEIGHBOURS, view.filters, ctx.stopwords, ctx.index
                )
                common.dataframe(
                    near,
                    hide_index=True,
                    key=f"{PAGE}_nearest_{side.lower()}_table",
                    column_config={
                        "similarity": st.column_config.NumberColumn("cosine", format="%.3f"),
                        S.DATE: st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                    },
                )
                common.table_downloads(near, page=PAGE, name=f"nearest_{side.lower()}")
                # Two documents make a dull heatmap: their neighbours join them.
                ids += [i for i in near[S.DOC_ID].astype(str) if i not in ids]
    if len(ids) < 2:
        return
    matrix = data.similarity_matrix(ctx.index_key, tuple(ids), ctx.stopwords, ctx.index)
    tree = data.clustering(ctx.index_key, tuple(ids), ctx.stopwords, ctx.index)
    order = [str(i) for i in tree.get("ordered_labels", ids)]
    ordered = matrix.loc[order, order] if set(order) == set(matrix.index) else matrix
    shown = docs[docs[S.DOC_ID].astype(str).isin(ids)]
    shown = shown.set_index(shown[S.DOC_ID].astype(str), drop=False)
    labels = charts.doc_labels(shown.loc[[i for i in ids if i in shown.index]])
    heat_tab, tree_tab = st.tabs(["Heatmap", "Dendrogram"])
    export_table = ordered.reset_index(names=S.DOC_ID)
    with heat_tab:
        fig = data.figure(charts.plot_similarity_heatmap, ordered, labels=labels)
        st.plotly_chart(
            fig, theme=None, key=f"{PAGE}_heatmap", config=common.plotly_config("similarity")
        )
        common.chart_downloads(
            fig, page=PAGE, name="similarity", table=export_table, title="Document similarity"
        )
    with tree_tab:
        linkage = tree.get("linkage")
        if linkage is None:
            st.caption("No clustering for these documents.")
        else:
            leaves = [str(i) for i in tree.get("labels", ids)]
            fig = data.figure(charts.plot_dendrogram, linkage, [labels.get(i, i) for i in leaves])
            st.plotly_chart(
                fig, theme=None, key=f"{PAGE}_dendrogram", config=common.plotly_config("dendrogram")
            )
            common.chart_downloads(
                fig, page=PAGE, name="dendrogram", table=export_table, title="Document clustering"
            )


def _keyness_options(ctx: common.PageContext, view: ViewState) -> keys.KeynessOptions:
    return keys.KeynessOptions(
        kind=view.key_kind,
        min_count=view.key_min,
        bonferroni=view.bonferroni,
        stopwords=ctx.stopwords,
        numbers=ctx.numbers,
    )


def _reference(
    ctx: common.PageContext, view: ViewState, sides: tuple[tuple[str, tuple[str, ...]], ...]
) -> None:
    """A against B where either is another corpus (a reference, all its documents) and the
    other a slice of this one or another corpus: keyness only (nothing across indexes)."""
    found: list[tuple[CorpusIndex, np.ndarray | None, str]] = []
    for side, (kind, values) in zip("AB", sides, strict=True):
        chosen = None if kind == "reference" else state.slice_filters(kind, values, view.filters)
        if chosen is not None:
            mask = data.selection(ctx.index_key, chosen, ctx.index)
            if not mask.any():
                st.warning(md(f"No document in {side} ({chosen.describe()}). Widen it."), icon="⚠️")
                return
            found.append((ctx.index, mask, f"{int(mask.sum()):,} document(s)"))
        elif kind == "reference" and values and ctx.open_index is not None:
            other = ctx.open_index(values[0])  # a listed key: a sample or library corpus
            label = f"{keys.corpus_label(values[0])}, all {other.n_docs:,} documents"
            found.append((other, None, label))
    if len(found) < 2 or sides[0] == sides[1]:
        st.info("Choose what A and B are above, two different things, to compare them.")
        return
    (index_a, mask_a, size_a), (index_b, mask_b, size_b) = found
    options = _keyness_options(ctx, view).arguments()
    keyed = reference_keyness(index_a, mask_a, index_b, mask_b, **options)
    st.caption(
        md(
            f"A: {size_a} · B: {size_b}. Words are matched by name; {keyed.phrases_left_out:,} "
            "phrases detected in one corpus only are left out (the other has no count for them)."
        )
    )
    _keyness(ctx, view, keyed)


def _keyness(ctx: common.PageContext, view: ViewState, found: KeynessResult) -> pd.DataFrame:
    st.subheader("Keyness: what each side says more")
    table = found.table
    if table.empty:
        st.info("No term reaches the least count in A and B together; lower it.")
        return table
    significant = int(table["significant"].sum()) if "significant" in table else 0
    st.caption(
        md(
            f"{len(table):,} terms, {significant:,} significant at p < 0.05"
            + (" after the Bonferroni correction" if view.bonferroni else "")
            + ". Log-likelihood says how sure the difference is; log ratio (base 2) how large: "
            "+1 is twice as frequent in A, -1 twice as frequent in B."
        )
    )
    _paged_table(table, key=f"{PAGE}_keyness_table")
    common.table_downloads(table, page=PAGE, name="keyness")
    size_a, size_b = found.size_a, found.size_b
    bars_tab, scatter_tab = st.tabs(["Strongest terms", "Frequency in A against B"])
    with bars_tab:
        fig = data.figure(charts.plot_keyness_bars, table, top=view.key_top)
        st.plotly_chart(
            fig, theme=None, key=f"{PAGE}_keyness_bars", config=common.plotly_config("keyness_bars")
        )
        common.chart_downloads(fig, page=PAGE, name="keyness_bars", table=table, title="Keyness")
    with scatter_tab:
        if size_a and size_b:
            fig = data.figure(
                charts.plot_keyness_scatter,
                table,
                size_a=size_a,
                size_b=size_b,
                labelled=min(view.key_top, LABELLED),
                most=MAX_SCATTER,
            )
            st.plotly_chart(
                fig,
                theme=None,
                key=f"{PAGE}_keyness_scatter",
                config=common.plotly_config("keyness_scatter"),
            )
            st.caption(
                md(
                    "Dotted line: equal frequency. A term absent from a side sits at half a "
                    f"count. At most the {MAX_SCATTER:,} strongest terms of each side are drawn, "
                    f"of {len(table):,}; the downloads hold them all."
                )
            )
            common.chart_downloads(
                fig, page=PAGE, name="keyness_scatter", table=table, title="Keyness"
            )
    return table


def _paged_table(table: pd.DataFrame, *, key: str) -> None:
    """One page of a keyness table, in the table's own order; the downloads hold every row."""
    start = (common.page_number(len(table), key=f"{key}_page") - 1) * PAGE_ROWS
    rows = table.iloc[start : start + PAGE_ROWS]
    common.dataframe(rows, hide_index=True, key=key, column_config=STAT_COLUMNS)
    common.page_picker(len(table), key=f"{key}_page", what="terms")


def _reuse(
    ctx: common.PageContext,
    view: ViewState,
    doc_a: str,
    doc_b: str,
    keyness: pd.DataFrame,
) -> None:
    st.subheader("Shared passages")
    found = data.passages(ctx.index_key, doc_a, doc_b, view.min_tokens, ctx.index)
    st.caption(
        md(
            f"{len(found):,} passage{'s' if len(found) != 1 else ''} of at least "
            f"{view.min_tokens} tokens in both documents (positions are characters in each text)."
        )
    )
    if not found.empty:
        common.dataframe(found, hide_index=True, key=f"{PAGE}_passages_table")
    safe = re.sub(r"[^\w.-]+", "_", f"{doc_a}_{doc_b}")[:60]
    common.table_downloads(found, page=PAGE, name=f"shared_passages_{safe}")

    st.subheader("Side by side")
    st.caption(
        "Yellow: passages both documents share. Blue: terms A uses far more than B; "
        "orange: terms B uses far more than A."
    )
    docs = ctx.index.docs
    ids = docs[S.DOC_ID].astype(str)  # each row picked by a mask: an index of every id cost 25 ms
    columns = st.columns(2)
    for column, side, doc_id in zip(columns, "AB", (doc_a, doc_b), strict=True):
        row = docs[ids == doc_id].iloc[0]
        text = str(row[S.TEXT])
        suffix = side.lower()
        shared = (
            [
                (int(s), int(e))
                for s, e in zip(found[f"start_{suffix}"], found[f"end_{suffix}"], strict=True)
            ]
            if not found.empty
            else []
        )
        terms = state.side_terms(keyness, side, most=READER_TERMS)
        spans = [span for found in term_spans_of(text, terms) for span in found]
        with column:
            st.text(plain(f"{side}: " + (str(row.get(S.TITLE) or "").strip() or doc_id)))
            if terms:
                st.text(plain("Distinctive: " + ", ".join(terms)))
            st.html(compare_reader_html(text, shared, spans, side=side))


if __name__ == "__main__":
    common.run_page(render)
