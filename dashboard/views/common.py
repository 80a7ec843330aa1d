"""What every page shares: how it receives its context, view updates, exports, user errors.

Each page is a function ``render(ctx)`` of a :class:`PageContext` (the Data page:
of a :class:`CorpusContext`); its file ends with :func:`run_page`, which hands it
the context the router (``app.py``) settled for this run. Pages change options
with :func:`update_view` (``app.py`` then writes the URL), show concordances with
:func:`show_kwic`, and offer downloads with :func:`chart_downloads` and
:func:`table_downloads`. No page imports another; what two pages share lives
here, in :mod:`dashboard.markup` or in :mod:`dashboard.labels`.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import SYNTAX_HELP, AnalysisError, CorpusIndex, KwicResult, LoadedCorpus
from dashboard import data, export, keys, options, report
from dashboard.escape import md, plain, plain_table, unsvg
from dashboard.markup import MAX_SHOWN, kwic_html
from dashboard.options import ViewState
from dashboard.paging import PAGE_ROWS, page_count

DOCUMENTS_PAGE = "views/documents.py"
CONTEXT_KEY = "_dashboard_context"
CORPUS_KEY = "_dashboard_corpus"
MISSING_KEY = "_dashboard_missing"
VIEW_KEY = "_dashboard_view"
#: What this run's page showed, for its "Download report" button (a :class:`Collected`).
REPORT_KEY = "_dashboard_report"

#: Help of every box that takes a query: the one syntax, as analysis/query.py parses it.
QUERY_HELP = md(SYNTAX_HELP)
CAMERA_NOTE = (
    "PNG/SVG download needs Chrome or Chromium on the server, and none was found. "
    "Use the camera icon in the chart's toolbar to save a PNG instead."
)


@dataclass(frozen=True)
class CorpusContext:
    """The corpus as loaded, even when no document could be (the Data page explains why)."""

    corpus_key: str
    corpus_label: str
    corpus: LoadedCorpus


@dataclass(frozen=True)
class PageContext:
    """What the sidebar decided, handed to the page: a corpus with documents and its index."""

    corpus_key: str
    corpus_label: str
    corpus: LoadedCorpus
    index: CorpusIndex
    index_key: str
    stopwords: tuple[str, ...]
    numbers: bool = False  #: pure numbers ranked (they are always counted)
    #: The index of another corpus (a sample or library key) with this session's
    #: settings, built within the session's rebuild limit; ``None`` where none is offered.
    open_index: Callable[[str], CorpusIndex] | None = None
    references: tuple[str, ...] = ()  #: the corpus keys ``open_index`` takes


def _stop_without(what: str) -> NoReturn:
    message = st.session_state.get(MISSING_KEY)
    if message:
        st.info(md(message), icon="ℹ️")
    else:
        st.error(md(f"No {what}: open the dashboard through dashboard/app.py."))
    st.stop()


def run_page(render: Callable[[PageContext], None]) -> None:
    """Run a page with the context the router put in place for this run.

    Streamlit runs each page file as a script; the router (``app.py``) puts the
    :class:`PageContext` of the run in the session before, and this hands it to
    the page, so the page itself only ever receives it as an argument. Below
    the page, its "Download report" buttons (:func:`report_downloads`).
    """
    ctx = _context()
    st.session_state[REPORT_KEY] = Collected()
    render(ctx)
    summary = data.summary(ctx.index_key, view().filters, ctx.index)
    report_downloads(ctx.corpus_label, ctx.corpus, ctx.index.content_hash, summary)


def run_corpus_page(render: Callable[[CorpusContext], None]) -> None:
    """Run a page that needs only the loaded corpus and its ledger (the Data page)."""
    ctx = _corpus_context()
    st.session_state[REPORT_KEY] = Collected()
    render(ctx)
    report_downloads(ctx.corpus_label, ctx.corpus, ctx.corpus.content_hash, None)


@dataclass
class Collected:
    """A page's title and scope and the sections its downloads showed, in order."""

    page: str = ""
    scope: str = ""
    sections: list[report.Section] = field(default_factory=list)
    made: report.Report | None = None  #: the report the buttons download


def collected() -> Collected:
    found = st.session_state.get(REPORT_KEY)
    if not isinstance(found, Collected):
        found = st.session_state[REPORT_KEY] = Collected()
    return found


def report_downloads(
    corpus_label: str, corpus: LoadedCorpus, content_hash: str, summary: Mapping[str, Any] | None
) -> None:
    """The page's report: summary, every chart and table it offered, settings, corpus.

    Every chart and table download of the page (:func:`chart_downloads`,
    :func:`table_downloads`) put its section in this run's :class:`Collected`,
    so a new page gets a complete report by offering its downloads.
    """
    shown = collected()
    page = shown.page or "Dashboard"
    key = page.lower().replace(" ", "_")
    counts = corpus.counts()
    made = report.Report(
        page=page,
        corpus_label=corpus_label,
        scope=shown.scope,
        corpus_hash=content_hash,
        ledger={name: int(counts[name]) for name in report.LEDGER_COUNTS},
        settings=report_settings(
            options.settings_record(view(), page=key, corpus_hash=content_hash), corpus_label
        ),
        summary=summary,
        sections=tuple(shown.sections),
    )
    shown.made = made
    st.divider()
    columns = st.columns(4)
    _download(
        columns[0],
        "Download report",
        lambda: report.report_html(made),
        file_name=f"{key}-report.html",
        mime=report.HTML_MIME,
        key=f"{key}_report_html",
        help_text="This page in one HTML file that opens offline: the summary, every chart "
        "with its data, the settings, the corpus hash and the ledger counts",
    )
    if report.pdf_available():
        _download(
            columns[1],
            "Report as PDF",
            lambda: report.report_pdf(report.report_html(made)),
            file_name=f"{key}-report.pdf",
            mime=report.PDF_MIME,
            key=f"{key}_report_pdf",
            help_text="The same report printed to PDF (takes a few seconds)",
        )


def report_settings(record: dict[str, Any], corpus_label: str) -> dict[str, Any]:
    """A settings record with the corpus named as the page names it."""
    return {**record, "corpus_label": corpus_label}


def _context() -> PageContext:
    """The corpus, its index and the stopwords; stops the page when there is none."""
    found = st.session_state.get(CONTEXT_KEY)
    if not isinstance(found, PageContext):
        _stop_without("indexed corpus")
    return found


def _corpus_context() -> CorpusContext:
    """The loaded corpus and its ledger, documents or not; stops the page when there is none."""
    found = st.session_state.get(CORPUS_KEY)
    if not isinstance(found, CorpusContext):
        _stop_without("corpus")
    return found


def view() -> ViewState:
    found = st.session_state.get(VIEW_KEY)
    return found if isinstance(found, ViewState) else ViewState()


def update_view(**changes: Any) -> ViewState:
    """Replace some options of the view; ``app.py`` writes them to the URL after the page.

    Options whose scope a change ends are reset with it (a new topic method
    forgets the old model's labels), and their widgets forgotten, so they are
    drawn again from the view.
    """
    before = view()
    after = replace(before, **changes)
    changed = [name for name in changes if getattr(before, name) != getattr(after, name)]
    done = options.reset(before, after, owners=changed)
    forget_widgets(done.widgets)
    seed_widgets(done.view)
    st.session_state[VIEW_KEY] = done.view
    return done.view


def forget_widgets(keys: tuple[str, ...]) -> None:
    """Drop these widget states (a key ending in ``_`` drops every key it starts)."""
    prefixes = tuple(key for key in keys if key.endswith("_"))
    for key in list(st.session_state):
        name = str(key)
        if name in keys or (prefixes and name.startswith(prefixes)):
            del st.session_state[key]


def seed_widgets(current: ViewState) -> None:
    """Give every widget the table seeds its starting value from the view (unless set)."""
    for key, value in options.widget_values(current).items():
        seed(key, value)


def page_header(title: str, corpus_label: str, scope: str) -> None:
    """The page's title and, below it, which corpus and selection it shows."""
    shown = collected()
    shown.page, shown.scope = title, scope
    st.header(md(title))
    st.caption(md(f"{corpus_label} · {scope}"))


def dataframe(table: pd.DataFrame, **kwargs: Any) -> Any:
    """``st.dataframe`` of ``table`` with its text made safe to display (bidi controls)."""
    return st.dataframe(plain_table(table), **kwargs)


def page_number(total: int, *, key: str, size: int = PAGE_ROWS) -> int:
    """The page of a paged table the user chose (1-based), kept within its pages.

    Read before the page's rows are fetched; :func:`page_picker` draws the
    widget under them. A filter that leaves fewer pages brings it back inside.
    """
    held = st.session_state.get(key)
    chosen = min(max(held if isinstance(held, int) else 1, 1), page_count(total, size))
    if held != chosen:
        st.session_state[key] = chosen
    return chosen


def page_picker(total: int, *, key: str, size: int = PAGE_ROWS, what: str = "rows") -> None:
    """The page widget under a paged table, and which rows of how many are shown."""
    pages = page_count(total, size)
    page = page_number(total, key=key, size=size)
    first, last = (page - 1) * size + 1, min(page * size, total)
    left, right = st.columns([1, 4])
    if pages > 1:
        left.number_input("Page", min_value=1, max_value=pages, step=1, key=key)
    several = f"{pages:,} pages" if pages > 1 else "1 page"
    right.caption(md(f"{what.capitalize()} {first:,}–{last:,} of {total:,}; {several}."))


def seed(key: str, value: Any) -> None:
    """Give a widget its starting value from the view, unless the user already set it."""
    if key not in st.session_state:
        st.session_state[key] = value


def settings(page: str) -> dict[str, Any]:
    """The settings behind an export of ``page``, for the bundle's JSON."""
    ctx = _context()
    record = options.settings_record(view(), page=page, corpus_hash=ctx.index.content_hash)
    return report_settings(record, ctx.corpus_label)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a problem with the user's corpus or choices as a warning, not a traceback."""
    try:
        yield
    except AnalysisError as error:
        st.warning(md(error), icon="⚠️")


def clicked_customdata(event: Any, *, fields: int) -> list[Any] | None:
    """``customdata`` of the first clicked chart point carrying at least ``fields`` values."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        custom = point.get("customdata")
        if custom and len(custom) >= fields:
            return [unsvg(value) for value in custom]  # charts escape what they draw
    return None


def plotly_config(name: str) -> dict[str, Any]:
    """Chart toolbar: the camera button saves ``<name>.png`` at double resolution."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
    }


def clickable_chart(fig: go.Figure, key: str, name: str) -> Any:
    """Draw ``fig`` so a click on a point reruns the page; returns the selection event.

    ``name`` is the file name the toolbar's camera button saves (see :func:`plotly_config`).
    """
    return st.plotly_chart(
        fig,
        theme=None,
        key=key,
        on_select="rerun",
        selection_mode="points",
        config=plotly_config(name),
    )


def _download(
    column: Any,
    label: str,
    data: Callable[[], bytes] | bytes,
    *,
    file_name: str,
    mime: str,
    key: str,
    help_text: str,
) -> None:
    column.download_button(
        md(label),
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        help=md(help_text),
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )


def chart_downloads(
    fig: go.Figure,
    *,
    page: str,
    name: str,
    table: pd.DataFrame,
    title: str,
    notes: Mapping[str, Any] | None = None,
    report_notes: Sequence[str] = (),
) -> None:
    """PNG, SVG, HTML and bundle downloads for a chart, plus CSV/XLSX of its data.

    ``notes`` go into the bundle's settings beside the view (what a prefix query
    expanded to, which terms were counted on the fly); chart, table, ``title``
    and ``report_notes`` (lines shown under the chart) go into the page's report.

    Images are made only when clicked (kaleido takes seconds), on Streamlit's
    download thread.
    """
    collected().sections.append(report.Section(title, table, figure=fig, notes=tuple(report_notes)))
    images = export.image_export_available()
    columns = st.columns(6)
    if images:
        _download(
            columns[0],
            "PNG",
            lambda: export.figure_to_image(fig, format="png"),
            file_name=f"{name}.png",
            mime=export.IMAGE_MIME["png"],
            key=f"{page}_{name}_png",
            help_text="The chart as a PNG image",
        )
        _download(
            columns[1],
            "SVG",
            lambda: export.figure_to_image(fig, format="svg"),
            file_name=f"{name}.svg",
            mime=export.IMAGE_MIME["svg"],
            key=f"{page}_{name}_svg",
            help_text="The chart as an SVG vector image",
        )
    _download(
        columns[2],
        "HTML",
        lambda: export.figure_to_html(fig, title=title),
        file_name=f"{name}.html",
        mime=export.HTML_MIME,
        key=f"{page}_{name}_html",
        help_text="An interactive page that works offline",
    )
    record = {**settings(page), **(notes or {})}

    def bundle() -> bytes:
        image = export.figure_to_image(fig, format="png") if images else None
        return export.make_bundle(name=name, table=table, settings=record, image=image)

    _download(
        columns[3],
        "ZIP",
        bundle,
        file_name=f"{name}.zip",
        mime=export.ZIP_MIME,
        key=f"{page}_{name}_zip",
        help_text="Image, data (CSV) and the settings that made them (JSON)",
    )
    _table_buttons(columns[4], columns[5], table, page=page, name=name)
    if not images:
        st.caption(CAMERA_NOTE)


#: A table, or what makes it when a download is clicked (a whole table not sent to the page).
TableSource = pd.DataFrame | Callable[[], pd.DataFrame]


def table_downloads(
    table: TableSource,
    *,
    page: str,
    name: str,
    title: str | None = None,
    report_notes: Sequence[str] = (),
    everything: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """CSV and XLSX downloads of a table (formula cells neutralised); the table joins the report.

    ``title`` names it in the report (default: from ``name``, ``top_terms`` is "Top terms").
    A table given as what makes it is made for the report when offered, and
    again for a download when clicked (both read the cache). ``everything`` makes
    the table the downloads carry instead, only when clicked (every KWIC line of a
    frequent word, where the page and the report hold one page of them).
    """
    heading = title or name.replace("_", " ").capitalize()
    # The report makes the table only when it is downloaded, not on every run of the page.
    section = report.Section(heading, table, notes=tuple(report_notes))
    collected().sections.append(section)
    columns = st.columns(6)
    _table_buttons(columns[0], columns[1], everything or table, page=page, name=name)


def _made(table: TableSource) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else table()


def _table_buttons(
    csv_column: Any, xlsx_column: Any, table: TableSource, *, page: str, name: str
) -> None:
    _download(
        csv_column,
        "CSV",
        lambda: export.table_to_csv(_made(table)),
        file_name=f"{name}.csv",
        mime=export.CSV_MIME,
        key=f"{page}_{name}_csv",
        help_text="The data as CSV (UTF-8)",
    )
    _download(
        xlsx_column,
        "XLSX",
        lambda: export.table_to_xlsx(_made(table), sheet_name=name),
        file_name=f"{name}.xlsx",
        mime=export.XLSX_MIME,
        key=f"{page}_{name}_xlsx",
        help_text="The data as an Excel workbook",
    )


#: Columns of the KWIC table under a concordance (all columns go in the downloads).
KWIC_SHOWN = ["date", "source", "title", "left", "match", "right", "doc_id"]

#: One page of KWIC lines: ``fetch(offset, limit)``, its ``total`` counting them all.
Fetch = Callable[[int, int], KwicResult]


def document_link(doc_id: str, term: str) -> str:
    """App-relative URL of the Documents page reading ``doc_id`` with ``term`` highlighted.

    It carries the whole view, so the reader opens on the same corpus and filters;
    ``""`` for an upload, which lives only in the session that made it.
    """
    current = view()
    if current.corpus == keys.UPLOAD:
        return ""
    target = replace(current, doc=doc_id, term=term or current.term)
    return "documents?" + urllib.parse.urlencode(options.encode(target), doseq=True)


def open_document(doc_id: str, term: str) -> NoReturn:
    """Switch to the Documents page reading ``doc_id`` with ``term`` highlighted."""
    target = update_view(doc=doc_id, term=term or view().term)
    for key in ("documents_term", "documents_list"):
        st.session_state.pop(key, None)
    st.switch_page(DOCUMENTS_PAGE, query_params=options.encode(target))


def show_kwic(
    fetch: Fetch | KwicResult,
    *,
    page: str,
    name: str,
    what: str,
    term: str = "",
    page_key: str = "",
) -> int:
    """A concordance: one page of lines, a pager through all of them, the lines as a
    table, and CSV/XLSX downloads of every line.

    ``fetch(offset, limit)`` gives a page of lines (or pass the lines themselves).
    Each line links to its document (``term`` highlighted there), its date beside
    the column that tells the documents apart (its ``telling``); selecting a row
    of the table opens the document too, uploads included. ``page_key`` is the
    pager's widget key (default ``<page>_<name>_page``). Returns the page shown.
    """
    key = page_key or f"{page}_{name}_page"

    def lines_at(number: int, limit: int = MAX_SHOWN) -> KwicResult:
        if callable(fetch):
            return fetch((number - 1) * MAX_SHOWN, limit)
        part = fetch.table.iloc[(number - 1) * MAX_SHOWN :][:limit].reset_index(drop=True)
        return replace(fetch, table=part)

    number = max(1, int(st.session_state.get(key, 1) or 1))
    found = lines_at(number)
    total = found.total
    held = total if callable(fetch) else len(fetch.table)
    pages = max(1, math.ceil(held / MAX_SHOWN))
    if number > pages:
        number = pages
        st.session_state[key] = pages
        found = lines_at(number)
    lines = found.table
    if total == 0 or (lines.empty and number == 1):
        st.info(md(f"No occurrence of {what}."))
        return number
    first = (number - 1) * MAX_SHOWN
    st.text(
        plain(
            f"{total:,} occurrence{'s' if total != 1 else ''} of {what}; "
            + (f"lines {first + 1:,}–{first + len(lines):,} shown." if pages > 1 else "all shown.")
        )
    )
    if pages > 1:
        st.session_state.setdefault(key, number)
        st.number_input(md(f"Page (of {pages:,})"), 1, pages, step=1, key=key)
    made: dict[str, str] = {}  # one link per document, however many of its lines are shown
    links = [
        made[d] if d in made else made.setdefault(d, document_link(d, term))
        for d in map(str, lines["doc_id"])
    ]
    st.html(kwic_html(lines, where=found.telling, links=links if any(links) else None))
    with st.expander("As a table (select a line to read its document)"):
        columns = [c for c in KWIC_SHOWN if c in lines.columns]
        if found.telling and found.telling in lines.columns and found.telling not in columns:
            columns.insert(1, found.telling)
        picked = dataframe(
            lines[columns],
            hide_index=True,
            key=f"{page}_{name}_table",
            on_select="rerun",
            selection_mode="single-row",
            column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD")},
        )
        rows = list(getattr(getattr(picked, "selection", None), "rows", []) or [])
        if rows:
            open_document(str(lines["doc_id"].iloc[rows[0]]), term)

    def everything() -> pd.DataFrame:
        return lines_at(1, max(total, 1)).table if callable(fetch) else fetch.table

    table_downloads(lines, page=page, name=name, everything=everything)
    return number
