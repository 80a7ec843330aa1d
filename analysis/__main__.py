"""Command line over the same analysis functions the dashboard calls.

    python -m analysis COMMAND CORPUS [filters] [--format table|csv|json] [--out FILE]

CORPUS is a file, a folder, a .zip, or a sample name (``seeds``, ``sotu``).
Filters: ``--from DATE`` (inclusive) ``--to DATE`` (exclusive) ``--source NAME``
(repeatable) ``--query TEXT``. ``keyness`` takes two slices, ``--a`` and
``--b``, each ``key=value`` pairs joined by ``;`` (keys ``doc``, ``source``,
``speaker``, ``from``, ``to``, ``query`` or any metadata column), or
``--groups FIELD``: each value of the field against the others. Problems
with the corpus or the options print one line naming the fix and exit with
status 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import index_command, spread_cli, warmup
from analysis import schema as S
from analysis.cli_common import (
    FORMATS,
    _date,
    _emit,
    _filters,
    _index,
    _load,
    _stopword_options,
    _stopwords,
)
from analysis.contexts import collocates
from analysis.corpus import load_corpus
from analysis.corpus_index import CorpusIndex
from analysis.dispersion import DISPERSION_COLUMNS, dispersion
from analysis.duplicates import collapse_duplicates, near_duplicates
from analysis.errors import AnalysisError, EmptySelectionError, OptionError
from analysis.groups import group_keyness, group_masks
from analysis.keyness import keyness
from analysis.kwic import KWIC_COLUMNS, kwic
from analysis.periods import GRANULARITIES
from analysis.reference import reference_keyness
from analysis.reuse import shared_passages
from analysis.selection import add_meta_argument, parse_slice, select
from analysis.similarity import document_similarity
from analysis.terms import corpus_summary, term_frequencies
from analysis.trends import Theme, emerging_terms, left_out_note, parse_themes, term_trends


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, filters: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "corpus", metavar="CORPUS", help="file, folder, .zip, or sample name (seeds, sotu)"
        )
        sub.add_argument("--format", choices=FORMATS, default="table")
        sub.add_argument("--out", type=Path, help="write here instead of standard output")
        sub.add_argument("--text-column", help="column/field holding the text (CSV, JSON, XLSX)")
        sub.add_argument("--date-column", help="column/field holding the date")
        if filters:
            sub.add_argument(
                "--from", dest="date_from", type=_date, help="first day kept (YYYY-MM-DD)"
            )
            sub.add_argument("--to", dest="date_to", type=_date, help="first day no longer kept")
            sub.add_argument(
                "--source", action="append", default=[], help="keep this source (repeatable)"
            )
            sub.add_argument(
                "--query", default="", help="keep documents containing this word or phrase"
            )
            add_meta_argument(sub)
            sub.add_argument(
                "--collapse-duplicates",
                action="store_true",
                help="count each group of near-duplicate documents once (the first copy)",
            )
            sub.add_argument("--no-phrases", action="store_true", help="do not detect phrases")
            sub.add_argument(
                "--phrase",
                action="append",
                default=[],
                help="add a phrase of your own (repeatable)",
            )
            sub.add_argument(
                "--user-word",
                action="append",
                default=[],
                help="a Chinese dictionary word for segmentation (repeatable)",
            )
            sub.add_argument(
                "--user-dict",
                type=Path,
                help="file of Chinese dictionary words, one per line (jieba's format: "
                "the word first; frequency and tag after a space are ignored)",
            )
            sub.add_argument(
                "--fold-chinese",
                action="store_true",
                help="fold Traditional Chinese to Simplified (OpenCC): 經濟 and 经济 are one term",
            )
            sub.add_argument(
                "--no-cache", action="store_true", help="build the index in memory only"
            )
        return sub

    command("summary", "Documents, tokens, vocabulary, dates and sources of the (filtered) corpus.")
    command(
        "ingest",
        "The ledger: one row per input unit with status, reason and location.",
        filters=False,
    )
    terms = command(
        "terms", "Word and phrase frequencies: term, kind, count, per_million, docs, tfidf."
    )
    terms.add_argument("--kind", choices=("word", "phrase", "all"), default="all")
    terms.add_argument("--top", type=int, default=None, help="keep the N most frequent terms")
    _stopword_options(terms)

    trend = command(
        "trend",
        "Terms and themes per calendar period: period, term, count, per_million, doc_share, "
        "period_tokens, period_docs.",
    )
    trend.add_argument(
        "--term", action="append", default=[], help="a word or phrase to follow (repeatable)"
    )
    trend.add_argument(
        "--theme",
        action="append",
        default=[],
        help='a named group of terms counted together, "name=a,b,c" (repeatable)',
    )
    trend.add_argument("--by", choices=GRANULARITIES, default="year", help="period length")
    trend.add_argument(
        "--smooth",
        type=int,
        default=1,
        help="add 'smoothed': centred moving average of per_million over N periods",
    )
    trend.add_argument(
        "--min-period-tokens",
        type=int,
        default=1000,
        help="flag periods with fewer tokens as thin (adds 'thin' to the output)",
    )

    emerging = command(
        "emerging",
        "Terms rising in one period against the periods before it: term, kind, count, "
        "count_before, ll, log_ratio, p.",
    )
    emerging.add_argument("--by", choices=GRANULARITIES, default="year", help="period length")
    emerging.add_argument(
        "--period", type=_date, required=True, help="a day inside the period to examine"
    )
    emerging.add_argument(
        "--before", type=int, default=None, help="compare with N periods before (default: all)"
    )
    emerging.add_argument("--top", type=int, default=50, help="keep the N strongest risers")
    emerging.add_argument("--min-count", type=int, default=5, help="minimum count in the period")
    emerging.add_argument("--kind", choices=("word", "phrase", "all"), default="all")
    _stopword_options(emerging)

    topics = command(
        "topics", "Topics fitted on passages (paragraphs): topic, label, term, weight."
    )
    topics.add_argument("--k", type=int, default=8, help="number of topics")
    topics.add_argument("--method", choices=("nmf", "lda"), default="nmf")
    topics.add_argument("--seed", type=int, default=0, help="same seed, same topics and order")
    topics.add_argument("--terms", type=int, default=10, help="top terms listed per topic")
    _stopword_options(topics)

    kwic_ = command(
        "kwic",
        "Keyword in context: doc_id, date, source, title, left, match, right, start, end "
        "for every match.",
    )
    kwic_.add_argument("--term", required=True, help="the word or phrase to show")
    kwic_.add_argument("--window", type=int, default=8, help="words shown on each side")
    kwic_.add_argument("--sort", choices=("left", "right", "position"), default="position")
    kwic_.add_argument("--limit", type=int, default=500, help="show at most N lines")

    command(
        "dispersion",
        "Where in each document a term occurs: doc_id, date, title, position (share of the "
        "document's words before it), start, end, by date.",
    ).add_argument("--term", required=True, help="the word, phrase or query to place")

    colloc = command(
        "collocates",
        "Words near a word or phrase by log-likelihood: term, count, node_count, "
        "collocate_count, ll, mi, log_ratio.",
    )
    colloc.add_argument("--term", required=True, help="the node word or phrase")
    colloc.add_argument("--window", type=int, default=5, help="words on each side")
    colloc.add_argument("--min-count", type=int, default=3, help="minimum co-occurrences")
    colloc.add_argument("--top", type=int, default=50, help="keep the N strongest collocates")
    _stopword_options(colloc)

    similarity = command(
        "similarity",
        "TF-IDF cosine between the selected documents (or --doc ones): a square, doc_id first.",
    )
    similarity.add_argument(
        "--doc", action="append", default=[], help="compare this document (repeatable)"
    )
    similarity.add_argument("--max-docs", type=int, default=300, help="refuse larger selections")
    _stopword_options(similarity, numbers=False)

    keyness_ = command(
        "keyness",
        "Terms key in slice A against slice B: term, count_a, count_b, ll, p, log_ratio, "
        "docs_a, docs_b, significant, by ll (log_ratio < 0: key in B). With --groups FIELD, "
        "each group's key terms against the rest: group, term, count, count_rest, tokens, "
        "tokens_rest, ll, p, log_ratio, docs.",
    )
    keyness_.add_argument("--a", help='slice A, e.g. "source=Xinhua;from=2022-03-01"')
    keyness_.add_argument("--b", help='slice B, e.g. "source=BBC"')
    keyness_.add_argument(
        "--groups",
        metavar="FIELD",
        help="instead of --a/--b: one group per value of FIELD (source, speaker, period, "
        "or any metadata column), each against the rest",
    )
    keyness_.add_argument(
        "--reference",
        metavar="CORPUS",
        help="instead of --b: all documents of another corpus (a file, folder, zip or sample "
        "name), indexed with the same settings; A is --a or the filtered selection",
    )
    keyness_.add_argument(
        "--by", choices=GRANULARITIES, default="year", help="period length of --groups period"
    )
    keyness_.add_argument("--min-count", type=int, default=3, help="minimum count in A and B")
    keyness_.add_argument(
        "--top", type=int, default=None, help="keep the N highest ll (per group with --groups)"
    )
    keyness_.add_argument("--alpha", type=float, default=0.05, help="significance level")
    keyness_.add_argument(
        "--bonferroni", action="store_true", help="divide alpha by the number of terms tested"
    )
    keyness_.add_argument("--kind", choices=("word", "phrase", "all"), default="all")
    _stopword_options(keyness_)

    reuse = command(
        "reuse",
        "Passages two documents share: start_a, end_a, start_b, end_b, tokens, text_a, text_b.",
    )
    reuse.add_argument("--a", dest="doc_a", help="first document id")
    reuse.add_argument("--b", dest="doc_b", help="second document id")
    reuse.add_argument("--min-tokens", type=int, default=6, help="shortest shared run in words")
    spread_cli.add_commands(command, reuse=reuse)

    duplicates = command(
        "duplicates",
        "Near-duplicate pairs: doc_a, doc_b, similarity (Jaccard of word shingles); "
        "the count on standard error.",
    )
    index_command.add_parser(commands)
    warmup.add_parser(commands)
    # The report draws the dashboard's charts, and analysis never imports the dashboard:
    # the command is there so that asking for it here names where it lives.
    commands.add_parser(
        "report", help="the HTML/PDF report: python -m dashboard report CORPUS --out F.html"
    ).add_argument("rest", nargs=argparse.REMAINDER)
    duplicates.add_argument("--threshold", type=float, default=0.9, help="lowest Jaccard kept")
    duplicates.add_argument("--shingle", type=int, default=5, help="words per shingle")
    return parser


def _trend(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    themes = parse_themes("\n".join(args.theme))
    terms: list[str | Theme] = [*args.term, *themes]
    if not terms:
        raise OptionError('Name what to follow: --term "a word or phrase" or --theme "name=a,b".')
    trend = term_trends(
        index,
        mask,
        terms,
        by=args.by,
        smooth=args.smooth,
        min_period_tokens=args.min_period_tokens,
    )
    note = left_out_note(trend, args.by)
    if note:
        print(f"note: {note}", file=sys.stderr)
    for term in trend.missing:
        print(f"note: {term!r} does not occur in this corpus; its counts are 0", file=sys.stderr)
    columns = [
        S.PERIOD,
        S.TERM,
        S.COUNT,
        S.PER_MILLION,
        S.DOC_SHARE,
        S.PERIOD_TOKENS,
        S.PERIOD_DOCS,
    ]
    if args.smooth > 1:
        columns.append(S.SMOOTHED)
    out = trend.table[columns].copy()
    out[S.PERIOD] = out[S.PERIOD].dt.strftime("%Y-%m-%d")
    return out


def _slice(index: CorpusIndex, base: np.ndarray, text: str, name: str) -> np.ndarray:
    filters = parse_slice(text)
    mask: np.ndarray = base & select(index, filters)
    if not mask.any():
        raise EmptySelectionError(
            f"Slice {name} ({filters.describe()}) selects no document. Widen it; check the "
            "source names with `python -m analysis summary`."
        )
    return mask


def _keyness_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyness options of the command line, as keyword arguments."""
    return {
        "stopwords": _stopwords(args),
        "min_count": args.min_count,
        "kind": args.kind,
        "alpha": args.alpha,
        "bonferroni": args.bonferroni,
        "top": args.top,
        "numbers": args.numbers,
    }


def _group_keyness(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    started = time.perf_counter()
    groups = group_masks(index, mask, args.groups, by=args.by)
    if len(groups.masks) < 2:
        raise OptionError(
            f"The selection has {len(groups.masks)} value(s) of {args.groups!r}, and each group "
            "is compared with the others: group by a field with two values or more (see "
            "`python -m analysis summary`), or widen the filters."
        )
    table = group_keyness(index, groups.masks, **_keyness_options(args))
    without = (
        f"; {groups.without:,} selected document(s) without a {args.groups} in no group"
        if groups.without
        else ""
    )
    print(
        f"keyness: {time.perf_counter() - started:.2f} s, {len(groups.masks)} groups by "
        f"{args.groups}{without}",
        file=sys.stderr,
    )
    return table[list(S.GROUP_KEYNESS_COLUMNS)]


KEYNESS_PRINTED = [
    S.TERM, S.COUNT_A, S.COUNT_B, S.LL, S.P, S.LOG_RATIO, S.DOCS_A, S.DOCS_B, S.SIGNIFICANT,
]  # fmt: skip


def _reference_keyness(
    index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace
) -> pd.DataFrame:
    if args.b or args.groups:
        raise OptionError("Give --reference CORPUS instead of --b or --groups, not with them.")
    mask_a = _slice(index, mask, args.a, "--a") if args.a else mask
    reference = _index(args, load_corpus(args.reference))
    found = reference_keyness(index, mask_a, reference, **_keyness_options(args))
    print(
        f"keyness: A {found.size_a} tokens, the reference {found.size_b} tokens, "
        f"{found.tested} terms tested; {found.phrases_left_out} phrases detected in one corpus "
        "only left out",
        file=sys.stderr,
    )
    return found.table[KEYNESS_PRINTED]


def _keyness(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    if args.reference:
        return _reference_keyness(index, mask, args)
    if args.groups:
        if args.a or args.b:
            raise OptionError("Give either --groups FIELD or --a and --b, not both.")
        return _group_keyness(index, mask, args)
    if not (args.a and args.b):
        raise OptionError(
            'Give two slices, --a "key=value" and --b "key=value", or --groups FIELD, or '
            "--reference CORPUS."
        )
    mask_a = _slice(index, mask, args.a, "--a")
    mask_b = _slice(index, mask, args.b, "--b")
    started = time.perf_counter()
    found = keyness(index, mask_a, mask_b, **_keyness_options(args))
    print(
        f"keyness: {time.perf_counter() - started:.2f} s "
        f"(A {found.size_a} tokens, B {found.size_b} tokens, {found.tested} terms tested)",
        file=sys.stderr,
    )
    return found.table[KEYNESS_PRINTED]


def _reuse(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    if args.corpus_wide:
        return spread_cli.corpus_wide_reuse(index, mask, args)
    if bool(args.doc_a) != bool(args.doc_b):
        raise OptionError("Give both --a DOC and --b DOC, or neither.")
    if args.doc_a:
        doc_a, doc_b = args.doc_a, args.doc_b
    else:
        ids = index.docs[S.DOC_ID].astype(str).to_numpy()[mask].tolist()
        if len(ids) != 2:
            raise OptionError(
                f"The selection holds {len(ids)} documents; name two with --a DOC --b DOC."
            )
        doc_a, doc_b = ids
    print(f"reuse: {doc_a} (a) and {doc_b} (b)", file=sys.stderr)
    return shared_passages(index, doc_a, doc_b, min_tokens=args.min_tokens)


def _duplicates(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    started = time.perf_counter()
    pairs = near_duplicates(index, mask, threshold=args.threshold, shingle=args.shingle)
    removed = int((mask & ~collapse_duplicates(index, pairs)).sum())
    print(
        f"duplicates: {len(pairs)} pairs among {int(mask.sum())} documents; collapsing removes "
        f"{removed} copies ({time.perf_counter() - started:.2f} s)",
        file=sys.stderr,
    )
    return pairs


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "report":
        given = " ".join(shlex.quote(a) for a in args.rest)
        print(
            "error: the report is made by the dashboard's command line, which draws its "
            f"charts: python -m dashboard report {given or 'CORPUS --out report.html'}",
            file=sys.stderr,
        )
        return 2
    try:
        if args.command == "index":
            return index_command.run(args)
        if args.command == "warm":
            return warmup.run(args)
        corpus = _load(args)
        if args.command == "ingest":
            report = corpus.report.copy()
            _emit(report, args)
            return 0
        index = _index(args, corpus)
        mask = select(index, _filters(args))
        if args.command == "summary":
            summary = corpus_summary(index, mask)
            counts = corpus.counts()
            summary["ingest"] = {
                k: counts[k] for k in ("units", "loaded", "quarantined", "duplicates")
            }
            _emit(summary, args)
        elif args.command == "terms":
            table = term_frequencies(
                index,
                mask,
                kind=args.kind,
                stopwords=_stopwords(args),
                top=args.top,
                numbers=args.numbers,
            )
            _emit(table[list(S.TERM_COLUMNS)], args)
        elif args.command == "trend":
            _emit(_trend(index, mask, args), args)
        elif args.command == "emerging":
            table = emerging_terms(
                index,
                mask,
                by=args.by,
                period=args.period,
                before=args.before,
                min_count=args.min_count,
                top=args.top,
                kind=args.kind,
                stopwords=_stopwords(args),
                numbers=args.numbers,
            ).table
            _emit(table[list(S.EMERGING_COLUMNS)], args)
        elif args.command == "topics":
            from analysis.topics import fit_topics  # scikit-learn loads only when asked

            model = fit_topics(
                index,
                mask,
                k=args.k,
                method=args.method,
                seed=args.seed,
                stopwords=_stopwords(args),
                n_terms=args.terms,
                numbers=args.numbers,
            )
            for note in model.notes:
                print(f"note: {note}", file=sys.stderr)
            _emit(model.terms[["topic", "label", S.TERM, "weight"]], args)
        elif args.command == "kwic":
            found = kwic(
                index, mask, args.term, window=args.window, sort=args.sort, limit=args.limit
            )
            lines, total = found.table[list(KWIC_COLUMNS)].copy(), found.total
            if total > len(lines):
                print(
                    f"note: showing {len(lines)} of {total} matches; raise --limit to see more",
                    file=sys.stderr,
                )
            lines[S.DATE] = pd.to_datetime(lines[S.DATE]).dt.strftime("%Y-%m-%d").fillna("")
            _emit(lines, args)
        elif args.command == "dispersion":
            placed = dispersion(index, mask, args.term)
            table = placed.table
            if table.empty:
                print(f"note: {args.term!r} does not occur in the selection", file=sys.stderr)
            for doc_id in placed.unplaced:
                print(f"note: {doc_id}: its text and index disagree; left out", file=sys.stderr)
            table[S.DATE] = table[S.DATE].dt.strftime("%Y-%m-%d").fillna("")
            _emit(table[list(DISPERSION_COLUMNS)], args)
        elif args.command == "collocates":
            table = collocates(
                index,
                mask,
                args.term,
                window=args.window,
                min_count=args.min_count,
                top=args.top,
                stopwords=_stopwords(args),
                numbers=args.numbers,
            ).table
            _emit(table, args)
        elif args.command == "similarity":
            square = document_similarity(
                index,
                mask,
                doc_ids=args.doc or None,
                stopwords=_stopwords(args),
                max_docs=args.max_docs,
            )
            _emit(square.reset_index(), args)
        elif args.command == "keyness":
            _emit(_keyness(index, mask, args), args)
        elif args.command == "reuse":
            _emit(_reuse(index, mask, args), args)
        elif args.command == "spread":
            _emit(spread_cli.spread_table(index, mask, args), args)
        elif args.command == "duplicates":
            _emit(_duplicates(index, mask, args), args)
    except AnalysisError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
