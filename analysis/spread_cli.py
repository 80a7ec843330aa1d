"""The command line of formulation spread and corpus-wide reuse.

``spread`` and ``reuse --corpus-wide``, kept beside :mod:`analysis.__main__`
(which registers the options and calls these), so each command's wording and
columns live with it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.reuse_lag import PASSAGE_COLUMNS, REUSE_LAG_COLUMNS, reuse_lag
from analysis.spread import SPREAD_COLUMNS, UPTAKE_COLUMNS, formulation_spread
from analysis.trends import Theme, parse_themes

SPREAD_HELP = (
    "How a formulation spreads over sources, speakers or any metadata column: group, "
    "first_date, first_doc, last_date, count, docs, per_million, by first_date."
)
BY_HELP = "group by this column: source (default), speaker, or any metadata column"


def add_commands(
    command: Callable[[str, str], argparse.ArgumentParser], *, reuse: argparse.ArgumentParser
) -> None:
    """Register ``spread`` (through the CLI's ``command``) and ``reuse``'s corpus-wide options."""
    _spread_options(command("spread", SPREAD_HELP))
    _reuse_options(reuse)


def _spread_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--term", help="the word, phrase or query to follow (zero-covid, slave*)")
    sub.add_argument("--theme", help='or a named group of terms, "name=a,b"')
    sub.add_argument("--by", default=S.SOURCE, help=BY_HELP)
    sub.add_argument(
        "--uptake",
        action="store_true",
        help="print the cumulative uptake instead: group, date, count, cumulative",
    )


def _reuse_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--corpus-wide",
        action="store_true",
        help="passages shared anywhere in the selection, with first publisher and lag: "
        "passage, role, doc_id, group, date, lag_days, tokens, text",
    )
    sub.add_argument("--by", default=S.SOURCE, help=BY_HELP + " (with --corpus-wide)")
    sub.add_argument(
        "--words",
        action="store_true",
        help="with --corpus-wide, give each passage in the index's words (case folded, no "
        "punctuation) instead of reading its first publisher's text: fast on large corpora",
    )
    sub.add_argument(
        "--passages",
        action="store_true",
        help="with --corpus-wide, one row per passage: passage, first_doc, first_group, "
        "first_date, reusers, groups, max_lag_days, tokens, text",
    )


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")


def spread_table(index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace) -> pd.DataFrame:
    """``spread``: the per-group table (or the uptake), notes on standard error."""
    if bool(args.term) == bool(args.theme):
        raise OptionError('Name one formulation: --term "zero-covid" or --theme "name=a,b".')
    term: str | Theme = args.term or parse_themes(args.theme)[0]
    spread = formulation_spread(index, mask, term, by=args.by)
    note = spread.note()
    if note:
        print(f"note: {note}", file=sys.stderr)
    if spread.on_the_fly:
        counted = ", ".join(repr(t) for t in spread.on_the_fly)
        print(f"note: counted on the fly from the token stream: {counted}", file=sys.stderr)
    if spread.expansions:
        print(f"note: {spread.term} matches {', '.join(spread.expansions)}", file=sys.stderr)
    if args.uptake:
        uptake = spread.uptake[list(UPTAKE_COLUMNS)].copy()
        uptake[S.DATE] = _days(uptake[S.DATE])
        return uptake
    table = spread.table[list(SPREAD_COLUMNS)].copy()
    for column in ("first_date", "last_date"):
        table[column] = _days(table[column])
    return table


def corpus_wide_reuse(
    index: CorpusIndex, mask: np.ndarray, args: argparse.Namespace
) -> pd.DataFrame:
    """``reuse --corpus-wide``: every passage's uses (or one row per passage)."""
    if args.doc_a or args.doc_b:
        raise OptionError("--corpus-wide searches the whole selection; leave out --a and --b.")
    found = reuse_lag(
        index,
        mask,
        by=args.by,
        min_tokens=args.min_tokens,
        text="words" if args.words else "document",
    )
    print(
        f"reuse: {len(found.passages):,} passages of {args.min_tokens}+ words shared among "
        f"{found.uses[S.DOC_ID].nunique():,} documents",
        file=sys.stderr,
    )
    note = found.note()
    if note:
        print(f"note: {note}", file=sys.stderr)
    if args.passages:
        table = found.passages[list(PASSAGE_COLUMNS)].copy()
        table["first_date"] = _days(table["first_date"])
        return table
    uses = found.uses[list(REUSE_LAG_COLUMNS)].copy()
    uses[S.DATE] = _days(uses[S.DATE])
    return uses
