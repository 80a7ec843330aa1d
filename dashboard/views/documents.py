"""Documents page: read one document with a term highlighted, and its distinctive terms.

Document text is the user's data and may hold markup (``<script>``,
``<img onerror=...>``). It is never handed to Markdown or to
``unsafe_allow_html``: metadata is drawn with ``st.text`` and tables, and
the reader is built by :func:`reader_html`, which escapes every character of
the text (so the browser sees text nodes only) before wrapping the matches in
``<mark>``; ``st.html`` then runs DOMPurify over it and executes no script.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import pandas as pd
import streamlit as st

from analysis import schema as S
from analysis import term_spans
from dashboard import data
from dashboard.escape import md, plain
from dashboard.markup import reader_html
from dashboard.url_codecs import MAX_TEXT
from dashboard.views import common

PAGE = "documents"
#: Documents offered in the picker; a browser list of 100k entries is of no use.
MAX_LISTED = 2_000


def _date_text(row: pd.Series) -> str:
    date = row.get(S.DATE)
    if date is None or pd.isna(date):
        return "undated"
    stamp = pd.Timestamp(date)
    precision = row.get(S.DATE_PRECISION) or "day"
    if precision == "year":
        return f"{stamp.year}"
    if precision == "month":
        return stamp.strftime("%Y-%m")
    return stamp.date().isoformat()


def render(ctx: common.PageContext) -> None:
    """The Documents page, drawn for the context the router hands over."""
    view = common.view()
    common.page_header("Documents", ctx.corpus_label, view.filters.describe())

    term = st.text_input(
        "Highlight a word or phrase",
        key="documents_term",
        max_chars=MAX_TEXT,
        help=common.QUERY_HELP,
    ).strip()

    with common.user_errors():
        listing = data.term_documents(ctx.index_key, view.filters, term, ctx.index)
        if listing.empty:
            st.warning(
                "No document matches the filters. Widen the date range, clear the source "
                "filter or change the keyword.",
                icon="⚠️",
            )
            common.update_view(term=term)
            return
        listed = listing.head(MAX_LISTED)
        if view.doc and view.doc not in set(listed[S.DOC_ID]):
            listed = pd.concat([listing[listing[S.DOC_ID] == view.doc], listed])
        options = listed[S.DOC_ID].tolist()
        labels = {row[S.DOC_ID]: _label(row, term) for row in listed.to_dict("records")}
        if st.session_state.get("documents_doc") not in labels:
            st.session_state["documents_doc"] = view.doc if view.doc in labels else options[0]
        shown = (
            f"{len(listing):,} in the selection"
            if len(listing) <= MAX_LISTED
            else f"the first {MAX_LISTED:,} of {len(listing):,}; narrow the filters for others"
        )
        doc_id = st.selectbox(
            md(f"Document ({shown}" + (", most occurrences first)" if term else ")")),
            options,
            format_func=labels.__getitem__,
            key="documents_doc",
        )
        common.update_view(term=term, doc=doc_id)
        _reader(ctx, str(doc_id), term)
        _distinctive(ctx, str(doc_id))


def _label(row: dict[Hashable, Any], term: str) -> str:
    title = str(row.get(S.TITLE) or "").strip() or str(row[S.DOC_ID])
    date = row.get(S.DATE)
    day = "undated" if date is None or pd.isna(date) else pd.Timestamp(date).date().isoformat()
    label = f"{day} · {title[:90]}"
    if term:
        label += f" ({row[S.COUNT]}×)"
    return label


def _reader(ctx: common.PageContext, doc_id: str, term: str) -> None:
    docs = ctx.index.docs
    row = docs[docs[S.DOC_ID].astype(str) == doc_id].iloc[0]
    text = str(row[S.TEXT])
    title = str(row.get(S.TITLE) or "").strip()
    if title:
        st.text(plain(title))
    source = str(row.get(S.SOURCE) or "").strip()
    st.text(plain(" · ".join(p for p in (_date_text(row), source, f"id {doc_id}") if p)))
    spans = term_spans(text, term) if term else []
    if term:
        times = f"{len(spans):,} time{'s' if len(spans) != 1 else ''}"
        st.text(plain(f"'{term}' occurs {times} here."))
    st.html(reader_html(text, spans))
    extra = [c for c in docs.columns if c not in (*S.CORPUS_COLUMNS,)]
    if extra:
        with st.expander("Metadata"):
            common.dataframe(row[extra].to_frame("value"), key="documents_metadata")
    st.download_button(
        "Document text (TXT)",
        data=text.encode("utf-8"),
        file_name=f"{_file_part(doc_id)}.txt",
        mime="text/plain",
        key="documents_text_txt",
        on_click="ignore",
        icon=":material/download:",
    )


def _distinctive(ctx: common.PageContext, doc_id: str) -> None:
    st.subheader("Distinctive terms")
    st.caption("Terms this document uses more than the corpus at large (TF-IDF).")
    table = data.distinctive(ctx.index_key, doc_id, ctx.stopwords, ctx.index, ctx.numbers)
    common.dataframe(
        table,
        hide_index=True,
        key="documents_distinctive_table",
        column_config={S.TFIDF: st.column_config.NumberColumn("tf-idf", format="%.2f")},
    )
    common.table_downloads(table, page=PAGE, name=f"distinctive_{_file_part(doc_id)}")


def _file_part(doc_id: str) -> str:
    """A document id as part of a file name: no path separators, no odd characters."""
    return re.sub(r"[^\w.-]+", "_", doc_id)[:48]


if __name__ == "__main__":
    common.run_page(render)
