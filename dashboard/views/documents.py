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
#: Rows of the document list on one page.
PER_PAGE = 50
SORT_WORDS = {
    "date": ("Date", "oldest first", "newest first"),
    "title": ("Title", "A–Z", "Z–A"),
    "source": ("Source", "A–Z", "Z–A"),
    "speaker": ("Speaker", "A–Z", "Z–A"),
    "tokens": ("Length", "shortest first", "longest first"),
    "count": ("Occurrences", "fewest first", "most first"),
}
LIST_COLUMNS = ["date", "title", "source", "speaker", "tokens", "count"]


def _date_text(row: pd.Series | dict[Hashable, Any]) -> str:
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


def _sort_label(choice: str, term: str) -> str:
    if choice == "auto":
        return "Most occurrences first" if term else "Date, oldest first"
    column = choice.lstrip("-")
    name, up, down = SORT_WORDS[column]
    return f"{name}, {down if choice.startswith('-') else up}"


def _sorts(ctx: common.PageContext, term: str) -> list[str]:
    offered = ["auto"]
    for column in SORT_WORDS:
        if column == "speaker" and "speaker" not in ctx.index.docs.columns:
            continue
        if column == "count" and not term:
            continue
        offered += [column, f"-{column}"]
    return offered


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
    offered = _sorts(ctx, term)
    if st.session_state.get("documents_sort") not in offered:
        st.session_state["documents_sort"] = "auto"
    left, right = st.columns([3, 1])
    choice = str(
        left.selectbox(
            "Sort documents by",
            offered,
            format_func=lambda c: _sort_label(c, term),
            key="documents_sort",
        )
    )
    if choice == "auto":
        column, descending = ("count", True) if term else ("date", False)
    else:
        column, descending = choice.lstrip("-"), choice.startswith("-")
    shape = (term, choice, view.filters)
    if st.session_state.get("_documents_shape", shape) != shape:
        st.session_state["documents_page"] = 1  # another list: back to its first page
        st.session_state.pop("documents_list", None)
    st.session_state["_documents_shape"] = shape

    with common.user_errors():
        listing = data.document_table(
            ctx.index_key, view.filters, term, column, descending, ctx.index
        )
        if listing.empty:
            st.warning(
                "No document matches the filters. Widen the date range, clear the source "
                "filter or change the keyword.",
                icon="⚠️",
            )
            common.update_view(term=term, doc_sort=choice)
            return
        pages = max(1, -(-len(listing) // PER_PAGE))
        if int(st.session_state.get("documents_page", 1) or 1) > pages:
            st.session_state["documents_page"] = pages
        number = int(
            right.number_input(md(f"Page (of {pages:,})"), 1, pages, step=1, key="documents_page")
        )
        if st.session_state.get("_documents_page_shown", number) != number:
            st.session_state.pop("documents_list", None)  # a row number of another page
        st.session_state["_documents_page_shown"] = number
        page_rows = listing.iloc[(number - 1) * PER_PAGE : number * PER_PAGE].reset_index(drop=True)
        picked = _list(page_rows, term, first=(number - 1) * PER_PAGE, total=len(listing))
        ids = set(listing[S.DOC_ID])
        doc_id = picked or (view.doc if view.doc in ids else str(page_rows[S.DOC_ID].iloc[0]))
        common.update_view(term=term, doc=doc_id, doc_sort=choice, doc_page=number)
        _reader(ctx, doc_id, term)
        _distinctive(ctx, doc_id)


def _list(page_rows: pd.DataFrame, term: str, *, first: int, total: int) -> str | None:
    """One page of the list as a table; the id of the document a click selected, if any."""
    shown = page_rows.copy()
    shown["date"] = [_date_text(row) for row in page_rows.to_dict("records")]
    columns = [c for c in LIST_COLUMNS if c in shown.columns]
    if not shown[S.SOURCE].astype(bool).any():
        columns.remove(S.SOURCE)  # a corpus without sources: no empty column
    st.caption(
        md(
            f"Documents {first + 1:,}–{first + len(page_rows):,} of {total:,} in the selection"
            + (f", with how often '{term}' occurs in each" if term else "")
            + ". Select a row to read it."
        )
    )
    event = common.dataframe(
        shown[columns],
        hide_index=True,
        key="documents_list",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "date": st.column_config.TextColumn("date", width="small"),
            "title": st.column_config.TextColumn("title", width="large"),
            "tokens": st.column_config.NumberColumn("tokens", format="%d"),
            "count": st.column_config.NumberColumn("occurrences", format="%d"),
        },
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    return str(page_rows[S.DOC_ID].iloc[rows[0]]) if rows and rows[0] < len(page_rows) else None


def _reader(ctx: common.PageContext, doc_id: str, term: str) -> None:
    docs = ctx.index.docs
    row = docs[docs[S.DOC_ID].astype(str) == doc_id].iloc[0]
    text = str(row[S.TEXT])
    title = str(row.get(S.TITLE) or "").strip()
    if title:
        st.text(plain(title))
    source = str(row.get(S.SOURCE) or "").strip()
    speaker = str(row.get("speaker") or "").strip() if "speaker" in row.index else ""
    st.text(plain(" · ".join(p for p in (_date_text(row), speaker, source, f"id {doc_id}") if p)))
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
