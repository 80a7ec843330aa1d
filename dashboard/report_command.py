"""Command line of the dashboard's own outputs: the report of a view, without a browser.

    python -m dashboard report CORPUS [filters] [options] --out FILE.html [--pdf FILE.pdf]

Writes the Overview's report (:mod:`dashboard.report`), the same file the
Overview page's "Download report" button gives for the same corpus, filters
and options. It lives here, not in ``python -m analysis``, because the report
draws its charts with ``dashboard/charts``, and ``analysis/`` never imports the
dashboard. Problems with the corpus or the options print one line naming the
fix and exit with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis import (
    AnalysisError,
    CorpusIndex,
    Filters,
    IndexSettings,
    LoadedCorpus,
    OptionError,
    add_meta_argument,
    build_index,
    corpus_summary,
    default_cache_dir,
    default_stopwords,
    documents_per_period,
    load_corpus,
    parse_meta,
    select,
    term_frequencies,
)
from analysis import schema as S
from dashboard import options, report, state
from dashboard.keys import corpus_label
from dashboard.labels import FREQ_LABELS, auto_freq
from dashboard.options import ViewState


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OptionError(f"{option} {value!r} is not a date; write it as YYYY-MM-DD.") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub = commands.add_parser(
        "report",
        help="Write the Overview's report: one self-contained HTML file (and a PDF).",
        description="Write the Overview's report of CORPUS (summary, titles, top phrases and "
        "words, documents per period, sources, settings, corpus hash, ledger counts) as one "
        "HTML file that opens offline.",
    )
    sub.add_argument(
        "corpus", metavar="CORPUS", help="file, folder, .zip, or sample name (seeds, sotu)"
    )
    sub.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    sub.add_argument("--pdf", type=Path, help="also print it to this PDF (needs Chromium)")
    sub.add_argument("--text-column", help="column/field holding the text (CSV, JSON, XLSX)")
    sub.add_argument("--date-column", help="column/field holding the date")
    sub.add_argument("--from", dest="date_from", help="first day kept (YYYY-MM-DD)")
    sub.add_argument("--to", dest="date_to", help="first day no longer kept (YYYY-MM-DD)")
    sub.add_argument("--source", action="append", default=[], help="keep this source (repeatable)")
    sub.add_argument("--query", default="", help="keep documents containing this word or phrase")
    add_meta_argument(sub)
    sub.add_argument(
        "--collapse-duplicates", action="store_true", help="count near-duplicates once"
    )
    sub.add_argument(
        "--freq", choices=list(FREQ_LABELS), default="auto", help="period of the timeline"
    )
    sub.add_argument("--no-stopwords", action="store_true", help="keep stopwords")
    sub.add_argument("--numbers", action="store_true", help="rank pure numbers (1990, 000) too")
    sub.add_argument("--no-phrases", action="store_true", help="do not detect phrases")
    sub.add_argument("--phrase", action="append", default=[], help="a phrase of your own")
    sub.add_argument("--user-word", action="append", default=[], help="a Chinese dictionary word")
    sub.add_argument(
        "--fold-chinese", action="store_true", help="fold Traditional Chinese to Simplified"
    )
    sub.add_argument("--no-cache", action="store_true", help="build the index in memory only")
    return parser


def _view(args: argparse.Namespace) -> ViewState:
    """The view the app would have for these options (its settings record is the same)."""
    first, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if first and end and first >= end:
        raise OptionError(f"--from {first} is not before --to {end}; swap them.")
    return ViewState(
        corpus=args.corpus,
        filters=Filters(
            date_from=first,
            date_to=end,
            sources=tuple(args.source),
            query=args.query.strip(),
            metadata=parse_meta(args.meta),
            collapse_duplicates=args.collapse_duplicates,
        ),
        stopwords=not args.no_stopwords,
        numbers=args.numbers,
        phrases=not args.no_phrases,
        fold_chinese=args.fold_chinese,
        user_phrases=tuple(dict.fromkeys(p.strip() for p in args.phrase if p.strip())),
        user_words=tuple(dict.fromkeys(w.strip() for w in args.user_word if w.strip())),
        freq=args.freq,
    )


def overview_report(
    corpus: LoadedCorpus, index: CorpusIndex, view: ViewState, *, label: str
) -> report.Report:
    """The Overview's report of ``view`` on ``index``: what its page's button downloads."""
    mask = select(index, view.filters)
    summary = corpus_summary(index, mask)
    stopwords = frozenset(state.effective_stopwords(view, default_stopwords()))
    terms: dict[str, pd.DataFrame] = {
        kind: term_frequencies(
            index,
            mask,
            kind=kind,
            stopwords=stopwords,
            hide_words_in_phrases=view.hide_nested,
            numbers=view.numbers,
        )
        for kind in ("phrase", "word")
    }
    first, last = summary["first_date"], summary["last_date"]
    freq: str | None = None
    if first:
        freq = auto_freq(str(first), str(last)) if view.freq == "auto" else view.freq
    sources = summary["sources"]
    assert isinstance(sources, dict)
    sections = report.overview_sections(
        recent=report.recent_documents(index.docs[mask], index.doc_tokens[mask]),
        phrases=terms[S.PHRASE],
        words=terms[S.WORD],
        periods=None if freq is None else documents_per_period(index, mask, freq=freq),  # type: ignore[arg-type]  # one of FREQ_LABELS
        freq=freq or "year",
        sources=report.sources_table(sources),
    )
    counts = corpus.counts()
    record = options.settings_record(view, page="overview", corpus_hash=index.content_hash)
    return report.Report(
        page="Overview",
        corpus_label=label,
        scope=view.filters.describe(),
        corpus_hash=index.content_hash,
        ledger={name: int(counts[name]) for name in report.LEDGER_COUNTS},
        settings={**record, "corpus_label": label},
        summary=summary,
        sections=sections,
    )


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        view = _view(args)
        corpus = load_corpus(
            args.corpus, text_column=args.text_column, date_column=args.date_column
        )
        settings = IndexSettings(
            detect_phrases=view.phrases,
            user_phrases=view.user_phrases,
            user_words=view.user_words,
            fold_chinese=view.fold_chinese,
        )
        index = build_index(
            corpus, settings=settings, cache_dir=None if args.no_cache else default_cache_dir()
        )
        made = overview_report(corpus, index, view, label=corpus_label(args.corpus))
        html = report.report_html(made)
        args.out.write_bytes(html)
        print(f"report: {args.out} ({len(html):,} bytes)", file=sys.stderr)
        if args.pdf:
            pdf = report.report_pdf(html)
            args.pdf.write_bytes(pdf)
            print(f"report: {args.pdf} ({len(pdf):,} bytes)", file=sys.stderr)
    # A corpus or option problem, no Chromium for the PDF, or a file that cannot be read or
    # written: one line naming it, status 2.
    except (AnalysisError, RuntimeError, OSError) as error:
        print(f"error: {_problem(error)}", file=sys.stderr)
        return 2
    return 0


def _problem(error: Exception) -> str:
    if isinstance(error, OSError) and error.filename:
        return f"{error.strerror or error}: {error.filename}"
    return str(error)
