"""The whole view as one file: summary, the page's charts with their data, settings, corpus.

A :class:`Report` holds what a page showed: the summary of the selection, one
:class:`Section` per chart or table (title, table, figure if any, notes), the
settings record, the corpus hash and the ledger counts. :func:`report_html`
writes it as one self-contained HTML page (plotly.js inlined once, no ``src``
or ``href`` leaving the file, so it opens off-network), :func:`report_pdf`
prints that page to PDF with the system Chromium. No streamlit: the app's
"Download report" button and ``python -m dashboard report`` both call these,
and :func:`overview_sections` makes the Overview's sections for both.

Every document string (titles, sources, terms, ids) reaches the page escaped:
table cells and headings through :func:`html.escape`, figures through the
charts' own escaping and plotly's JSON, which writes ``<`` and ``/`` as
``\\u003c`` and ``\\u002f`` inside scripts.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis import PeriodTable
from analysis import schema as S
from dashboard import charts
from dashboard.escape import plain
from dashboard.host import find_browser

#: Rows of a table written into the report; the rest are counted (the CSV has them all).
REPORT_ROWS = 200
#: Titles listed on the first screen (the most recent ones when there are more).
FIRST_TITLES = 10
#: Words and phrases listed on the first screen.
FIRST_TERMS = 10
#: Seconds Chromium may take to print a report to PDF.
PDF_SECONDS = 120
#: Ledger counts a report states (``units == loaded + quarantined + duplicates``).
LEDGER_COUNTS = ("units", "loaded", "quarantined", "duplicates")
PDF_MIME = "application/pdf"
HTML_MIME = "text/html"

_CONFIG = {"displaylogo": False, "responsive": True}
_CSS = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", Arial, sans-serif; color: #1f2933;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d5dae1; }
.scope { color: #52606d; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d5dae1; padding: 0.2rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f0f3f7; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
.chart { min-height: 320px; } .note { color: #52606d; font-size: 0.9rem; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
section { break-inside: avoid-page; } td:first-child { white-space: nowrap; }
@media print { .modebar-container { display: none; } body { margin: 0 auto; } }
"""


@dataclass(frozen=True)
class Section:
    """One chart or table of a page: its title, its data, and the figure drawn from it."""

    title: str
    #: the table, or what makes it (a cached call), made only when the report is written
    table: pd.DataFrame | Callable[[], pd.DataFrame]
    figure: go.Figure | None = None
    notes: tuple[str, ...] = ()

    def frame(self) -> pd.DataFrame:
        """The section's table, made now if it was given as what makes it."""
        return self.table if isinstance(self.table, pd.DataFrame) else self.table()


@dataclass(frozen=True)
class Report:
    """What a report holds; every field is written, none is looked up later."""

    page: str
    corpus_label: str
    scope: str
    corpus_hash: str
    ledger: Mapping[str, int]
    settings: Mapping[str, Any]
    summary: Mapping[str, Any] | None = None
    sections: tuple[Section, ...] = field(default_factory=tuple)


def _cell(value: Any) -> tuple[str, bool]:
    """A table value as report text, and whether it is a number (right-aligned)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", False  # a missing value (a period without documents has no rate)
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no"), False
    if isinstance(value, int | np.integer):
        return f"{int(value):,}", True
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return f"{int(number):,}", True
        return (f"{number:,.1f}" if abs(number) >= 1000 else f"{number:.4g}"), True
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return "", False
        return value.date().isoformat() if value == value.normalize() else value.isoformat(), False
    if value is pd.NaT or (not isinstance(value, str | list | tuple | dict) and pd.isna(value)):
        return "", False
    return plain(value), False


def table_html(table: pd.DataFrame, *, rows: int = REPORT_ROWS) -> str:
    """An HTML table of the first ``rows`` rows of ``table``, every cell escaped."""
    head = "".join(f"<th>{escape(plain(column))}</th>" for column in table.columns)
    body = []
    for record in table.head(rows).itertuples(index=False, name=None):
        cells = []
        for value in record:
            text, number = _cell(value)
            cells.append(
                f'<td class="number">{escape(text)}</td>' if number else f"<td>{escape(text)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(table) > rows:
        more = (
            f'<p class="note">The first {rows:,} of {len(table):,} rows; the CSV download '
            "of this table has them all.</p>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _summary_html(summary: Mapping[str, Any]) -> str:
    first, last = summary.get("first_date"), summary.get("last_date")
    sources = summary.get("sources") or {}
    facts = [
        ("Documents", f"{summary.get('documents', 0):,}"),
        ("Tokens", f"{summary.get('tokens', 0):,}"),
        ("Vocabulary (distinct words)", f"{summary.get('types', 0):,}"),
        ("Phrases (distinct)", f"{summary.get('phrases', 0):,}"),
        ("Date span", f"{first} – {last}" if first else "no dates"),
        ("Undated documents", f"{summary.get('undated', 0):,}"),
        ("Sources", f"{len(sources):,}"),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    return f"<table>{rows}</table>"


def _figure_html(fig: go.Figure, number: int) -> str:
    # A fixed div id (not plotly's random one): the same view gives the same file.
    return str(
        pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=f"chart-{number}",
            config=_CONFIG,
            default_height=int(fig.layout.height or 450),
        )
    )


def report_html(report: Report) -> bytes:
    """The report as one self-contained HTML page (UTF-8 bytes).

    The same report gives the same bytes (no clock, no random ids), so a
    report made by the app and one made on the command line can be compared.
    """
    from plotly.offline import get_plotlyjs

    title = f"{report.page} — {report.corpus_label}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(plain(title))}</title>",
        f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<header><h1>{escape(plain(report.page))}</h1>",
        f'<p class="scope">{escape(plain(report.corpus_label))} · '
        f"{escape(plain(report.scope))}</p></header>",
    ]
    if report.summary is not None:
        parts += [
            '<section id="summary"><h2>Summary</h2>',
            _summary_html(report.summary),
            "</section>",
        ]
    charts_drawn = 0
    for number, section in enumerate(report.sections, start=1):
        parts.append(f'<section id="section-{number}"><h2>{escape(plain(section.title))}</h2>')
        if section.figure is not None:
            charts_drawn += 1
            parts.append(f'<div class="chart">{_figure_html(section.figure, charts_drawn)}</div>')
        parts += [f'<p class="note">{escape(plain(note))}</p>' for note in section.notes]
        parts += [table_html(section.frame()), "</section>"]
    ledger = pd.DataFrame(
        {"status": list(report.ledger), "units": [int(v) for v in report.ledger.values()]}
    )
    settings = json.dumps(
        report.settings, indent=2, ensure_ascii=False, sort_keys=True, default=str
    )
    parts += [
        '<section id="settings"><h2>Settings</h2>',
        "<p>The options in effect (a link with them reopens this view).</p>",
        f"<pre>{escape(plain(settings), quote=False)}</pre></section>",
        '<section id="corpus"><h2>Corpus</h2>',
        f"<p>Content hash: <code>{escape(report.corpus_hash)}</code></p>",
        "<p>The ledger: every input unit loaded, quarantined or set aside as a duplicate.</p>",
        table_html(ledger),
        "</section></body></html>",
    ]
    return "\n".join(parts).encode("utf-8")


def pdf_available() -> bool:
    """True when a Chrome or Chromium is there to print reports to PDF."""
    return find_browser() is not None


def report_pdf(html: bytes) -> bytes:
    """The report page printed to PDF by the system Chromium (charts drawn first).

    Raises
    ------
    RuntimeError
        If no Chrome or Chromium is found (install chromium or set BROWSER_PATH),
        or if printing fails or takes over ``PDF_SECONDS``.
    """
    browser = find_browser()
    if browser is None:
        raise RuntimeError(
            "A PDF report needs Chrome or Chromium on the server. Install chromium (or set "
            "BROWSER_PATH), or download the HTML report and print it from a browser."
        )
    with tempfile.TemporaryDirectory(prefix="report-") as folder:
        page, out = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_bytes(html)
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={Path(folder) / 'profile'}", "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000",
            f"--print-to-pdf={out}", page.as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=PDF_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"Printing the report to PDF took over {PDF_SECONDS} s; download the HTML "
                "report and print it from a browser."
            ) from None
        if not out.is_file() or out.stat().st_size == 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [
                "no output"
            ]
            raise RuntimeError(
                f"Chromium did not print the report ({reason[0]}); download the HTML report "
                "and print it from a browser."
            )
        return out.read_bytes()


# ---------------------------------------------------------------------------
# The Overview: what the corpus is about, before any choice


@dataclass(frozen=True, eq=False)
class RecentDocuments:
    """The most recent documents of a selection (:func:`recent_documents`) and how many it has.

    Attributes
    ----------
    table
        ``date, title, [speaker,] source, tokens``, newest first.
    total
        The documents they were taken from.
    """

    table: pd.DataFrame
    total: int


def _newest_first(when: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` newest dates, newest first, ties and undated ones
    (last) in corpus order: the head of a stable descending sort, without sorting all."""
    key = when.view(np.int64)
    dated = np.flatnonzero(~np.isnat(when))
    if len(dated) > limit:
        cut = len(dated) - limit
        threshold = np.partition(key[dated], cut)[cut]
        dated = dated[key[dated] >= threshold]  # ties at the threshold all stay in
    newest = dated[np.lexsort((dated, -key[dated]))][:limit]
    if len(newest) < limit:
        undated = np.flatnonzero(np.isnat(when))[: limit - len(newest)]
        newest = np.concatenate([newest, undated])
    return newest


def _any_text(values: pd.Series) -> bool:
    return bool(values.fillna("").astype(str).ne("").any())


def recent_documents(
    docs: pd.DataFrame, tokens: Sequence[int], *, limit: int = FIRST_TITLES
) -> RecentDocuments:
    """The ``limit`` most recent documents: ``date, title, [speaker,] source, tokens``.

    ``docs`` are the selected rows of the index's document table, ``tokens``
    their token counts. Newest first; undated documents come last, in corpus
    order. ``speaker`` and ``source`` are left out when no document has one.
    ``total`` is the number of documents they were taken from.
    """
    when = pd.to_datetime(docs[S.DATE]).to_numpy()
    # Only the first ``limit`` rows are drawn: they are ranked on the dates as numbers,
    # and only they are made into a table (a date object per row of a million costs seconds).
    rows = _newest_first(when, limit)
    shown = docs.iloc[rows]
    columns = {
        S.DATE: pd.to_datetime(shown[S.DATE]).dt.date.to_numpy(),
        S.TITLE: shown[S.TITLE].fillna("").astype(str).to_numpy(),
        S.SOURCE: shown[S.SOURCE].fillna("").astype(str).to_numpy(),
        S.TOKENS: np.asarray(tokens, dtype=np.int64)[rows],
    }
    order = [S.DATE, S.TITLE, S.SOURCE, S.TOKENS]
    if "speaker" in docs.columns:
        columns["speaker"] = shown["speaker"].fillna("").astype(str).to_numpy()
        order.insert(2, "speaker")
    # A column empty for every document (the seeds have no source) says nothing.
    kept = [c for c in order if c in (S.DATE, S.TITLE, S.TOKENS) or _any_text(docs[c])]
    out = pd.DataFrame({c: columns[c] for c in kept})
    return RecentDocuments(out, len(docs))


def overview_sections(
    *,
    recent: RecentDocuments,
    phrases: pd.DataFrame,
    words: pd.DataFrame,
    periods: PeriodTable | None,
    freq: str,
    sources: pd.DataFrame,
    plot: Callable[..., go.Figure] | None = None,
) -> tuple[Section, ...]:
    """The Overview's sections, in the order the page draws them.

    ``recent`` is :func:`recent_documents`; ``phrases`` and ``words`` term
    tables (their first ``FIRST_TERMS`` rows are listed); ``periods`` the
    ``documents_per_period`` result at ``freq`` (``None`` when nothing is
    dated); ``sources`` a ``source, documents`` table. ``plot(builder, table,
    freq=...)`` makes the periods' chart: by default the builder is called; the
    page passes its figure cache, so a rerun does not draw the chart again.
    """
    total, shown = recent.total, len(recent.table)
    which = (
        f"All {total:,} documents, newest first."
        if total <= shown
        else f"The {shown:,} most recent of {total:,} documents."
    )
    columns = [S.TERM, S.COUNT, S.DOCS]
    sections = [
        Section("Documents", recent.table, notes=(which,)),
        Section(
            f"Top {min(FIRST_TERMS, len(phrases))} phrases", phrases.head(FIRST_TERMS)[columns]
        ),
        Section(f"Top {min(FIRST_TERMS, len(words))} words", words.head(FIRST_TERMS)[columns]),
    ]
    if periods is not None:
        notes = []
        if periods.too_coarse:
            notes.append(
                f"{periods.too_coarse:,} documents dated only by month or year are not "
                f"drawn per {freq}; choose a coarser period to include them."
            )
        if periods.undated:
            notes.append(f"{periods.undated:,} undated documents are not drawn.")
        sections.append(
            Section(
                f"Documents per {freq}",
                periods.table,
                figure=(plot or _call)(charts.plot_documents_per_period, periods.table, freq=freq),
                notes=tuple(notes),
            )
        )
    sections.append(Section("Sources", sources))
    return tuple(sections)


def _call(builder: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    return builder(*args, **kwargs)


def sources_table(sources: Mapping[str, int]) -> pd.DataFrame:
    """``source, documents`` of a summary's sources, most documents first."""
    return pd.DataFrame(
        {S.SOURCE: [s or "(no source)" for s in sources], S.DOCUMENTS: list(sources.values())}
    ).sort_values([S.DOCUMENTS, S.SOURCE], ascending=[False, True], ignore_index=True)
