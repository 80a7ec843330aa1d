"""What every command of the command line shares (:mod:`analysis.__main__` registers them).

The corpus and its index from the arguments, the filters, the stopwords, and
the output in the chosen format (a formula-safe CSV, JSON records or a plain
table), to the terminal or to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from analysis.corpus import LoadedCorpus, load_corpus
from analysis.corpus_index import CorpusIndex, IndexSettings
from analysis.errors import OptionError
from analysis.index import build_index
from analysis.selection import Filters, parse_meta
from analysis.stopwords import default_stopwords, parse_stopwords
from analysis.store import default_cache_dir
from analysis.tabular import neutralise_formulas

FORMATS = ("table", "csv", "json")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; write it as YYYY-MM-DD"
        ) from None


def _stopword_options(sub: argparse.ArgumentParser, *, numbers: bool = True) -> None:
    sub.add_argument("--no-stopwords", action="store_true", help="keep stopwords")
    sub.add_argument("--stopwords", type=Path, help="file of extra stopwords (one per line)")
    if numbers:
        sub.add_argument(
            "--numbers",
            action="store_true",
            help="show pure numbers (000, 1990, 二十), hidden by default; counts never change",
        )


def _load(args: argparse.Namespace) -> LoadedCorpus:
    return load_corpus(args.corpus, text_column=args.text_column, date_column=args.date_column)


def _user_words(args: argparse.Namespace) -> tuple[str, ...]:
    words = [w.strip() for w in args.user_word if w.strip()]
    if args.user_dict:
        try:
            lines = args.user_dict.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise OptionError(
                f"--user-dict {args.user_dict} is not UTF-8 text; save it as UTF-8."
            ) from None
        words += [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
    return tuple(dict.fromkeys(words))


def _index(args: argparse.Namespace, corpus: LoadedCorpus) -> CorpusIndex:
    settings = IndexSettings(
        detect_phrases=not args.no_phrases,
        user_phrases=tuple(args.phrase),
        user_words=_user_words(args),
        fold_chinese=args.fold_chinese,
    )
    cache = None if args.no_cache else default_cache_dir()
    return build_index(corpus, settings=settings, cache_dir=cache)


def _filters(args: argparse.Namespace) -> Filters:
    if args.date_from and args.date_to and args.date_from >= args.date_to:
        raise OptionError(f"--from {args.date_from} is not before --to {args.date_to}; swap them.")
    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        sources=tuple(args.source),
        query=args.query,
        metadata=parse_meta(args.meta),
        collapse_duplicates=args.collapse_duplicates,
    )


def _emit(table: pd.DataFrame | dict[str, object], args: argparse.Namespace) -> None:
    if isinstance(table, dict):
        if args.format == "json":
            text = json.dumps(table, indent=2, ensure_ascii=False, default=str)
        else:
            flat = pd.DataFrame(
                {
                    "key": list(table),
                    "value": [
                        json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict) else v
                        for v in table.values()
                    ],
                }
            )
            return _emit(flat, args)
    elif args.format == "csv":
        text = neutralise_formulas(table).to_csv(index=False)
    elif args.format == "json":
        text = table.to_json(orient="records", force_ascii=False, date_format="iso", indent=1)
    else:
        with pd.option_context(
            "display.max_rows", None, "display.max_colwidth", 80, "display.width", 200
        ):
            text = table.to_string(index=False) if len(table) else "(no rows)"
    if args.out:
        args.out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _stopwords(args: argparse.Namespace) -> frozenset[str]:
    stopwords = frozenset() if args.no_stopwords else default_stopwords()
    if args.stopwords:
        stopwords |= parse_stopwords(args.stopwords.read_text(encoding="utf-8"))
    return stopwords
