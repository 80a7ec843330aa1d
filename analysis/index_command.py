"""``python -m analysis index``: build and save indexes, here or on a dask cluster.

    python -m analysis index CORPUS [--workers N | --scheduler ADDRESS] [--format table|json]
    python -m analysis index --library DIR [--workers N | --scheduler ADDRESS]

Each index is built with the dashboard's default settings into the cache
folder the dashboard reads (``--cache-dir``, else ``DASHBOARD_CACHE_DIR``); an
index the cache already holds is loaded, not built. ``--workers N`` counts
the shards on a local dask.distributed cluster of N worker processes,
``--scheduler ADDRESS`` on a running one (:mod:`analysis.distributed`); the
files are the same either way.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from analysis.corpus import LoadedCorpus, library_entries, load_corpus
from analysis.corpus_index import IndexSettings
from analysis.distributed import ClusterBuilder, ClusterError
from analysis.errors import AnalysisError, OptionError
from analysis.index import build_index
from analysis.memory import freed_memory_kept
from analysis.store import default_cache_dir, saved_index_path


@dataclass(frozen=True)
class Indexed:
    """One line of ``index``: what was indexed, how, and where it is saved.

    ``status`` is ``built`` or ``loaded`` (the cache held it); ``seconds``
    counts loading the corpus too; ``workers`` is the number of dask workers
    that counted shards (0: built in this process, or loaded); ``cache`` is
    the saved folder, None when the cache cannot be written.
    """

    corpus: str
    status: str
    documents: int
    tokens: int
    terms: int
    quarantined: int
    seconds: float
    workers: int
    cache: str | None


def add_parser(commands: Any) -> None:
    """The ``index`` command's arguments, on the CLI's sub-parsers."""
    sub = commands.add_parser(
        "index",
        help="Build and save the index of a corpus, or of every corpus in a library folder.",
        description="Build and save the index of CORPUS, or of every corpus in a library folder "
        "(the dashboard's DASHBOARD_CORPUS_DIR), into the cache folder, with the dashboard's "
        "default settings; one line per corpus. A saved index is loaded, not built again.",
    )
    sub.add_argument(
        "corpus",
        metavar="CORPUS",
        nargs="?",
        help="file, folder, .zip, or sample name (seeds, sotu)",
    )
    sub.add_argument("--library", type=Path, help="index every corpus of this library folder")
    sub.add_argument(
        "--cache-dir",
        type=Path,
        help="where to save (default: DASHBOARD_CACHE_DIR or ~/.cache/discourse-dashboard)",
    )
    sub.add_argument("--format", choices=("table", "json"), default="table")
    sub.add_argument("--text-column", help="column/field holding the text (CSV, JSON, XLSX)")
    sub.add_argument("--date-column", help="column/field holding the date")
    where = sub.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="count on a local dask cluster of N worker processes (loopback only)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="count on the dask cluster of this scheduler (tcp://host:8786)",
    )


def run(args: argparse.Namespace) -> int:
    """Index CORPUS or every library entry; status 2 if any failed."""
    if (args.corpus is None) == (args.library is None):
        raise OptionError("Give a CORPUS or --library DIR (one of them) to index.")
    if args.workers is not None and args.workers < 1:
        raise OptionError(f"--workers {args.workers}: give 1 or more worker processes.")
    cache = args.cache_dir or default_cache_dir()
    with _builder(args) as builder, freed_memory_kept():
        if args.corpus is not None:
            started = time.perf_counter()  # loading counts, as for each library entry
            corpus = load_corpus(
                args.corpus, text_column=args.text_column, date_column=args.date_column
            )
            _print(_indexed(corpus, cache, builder, started), args.format, cache)
            return 0
        failed = 0
        for entry in library_entries(args.library):
            started = time.perf_counter()
            try:
                corpus = load_corpus(entry, within=args.library)
                row = _indexed(corpus, cache, builder, started)
            except ClusterError:
                raise  # the same for every entry: stop at the first
            except AnalysisError as error:
                failed += 1
                _print_error(entry.name, error, args.format)
                continue
            _print(replace(row, corpus=entry.name), args.format, cache)
        return 2 if failed else 0


@contextmanager
def _builder(args: argparse.Namespace) -> Iterator[ClusterBuilder | None]:
    if args.workers is None and args.scheduler is None:
        yield None
        return
    with ClusterBuilder(workers=args.workers, scheduler=args.scheduler) as builder:
        yield builder


def _indexed(
    corpus: LoadedCorpus, cache: Path, builder: ClusterBuilder | None, started: float
) -> Indexed:
    settings = IndexSettings()
    saved = saved_index_path(corpus.content_hash, settings, cache)
    index = build_index(corpus, settings=settings, cache_dir=cache, builder=builder)
    folder = saved_index_path(index.content_hash, index.settings, cache)
    return Indexed(
        corpus=corpus.name,
        status="loaded" if saved else "built",
        documents=index.n_docs,
        tokens=int(index.doc_tokens.sum()),
        terms=int(index.counts.shape[1]),
        quarantined=corpus.counts()["quarantined"],
        seconds=round(time.perf_counter() - started, 3),
        workers=builder.workers_used if builder is not None and not saved else 0,
        cache=str(folder) if folder else None,
    )


def _print(row: Indexed, format_: str, cache: Path) -> None:
    if format_ == "json":
        print(json.dumps(asdict(row), ensure_ascii=False), flush=True)
        return
    on = f" on {row.workers} worker{'' if row.workers == 1 else 's'}" if row.workers else ""
    where = f"saved in {row.cache}" if row.cache else f"not saved: {cache} cannot be written"
    print(
        f"{row.corpus}: {row.status} in {row.seconds:.1f} s{on}, {row.documents:,} "
        f"document{'' if row.documents == 1 else 's'}, {row.tokens:,} tokens, "
        f"{row.terms:,} terms, {row.quarantined:,} quarantined; {where}",
        flush=True,
    )


def _print_error(name: str, error: AnalysisError, format_: str) -> None:
    if format_ == "json":
        print(json.dumps({"corpus": name, "error": str(error)}, ensure_ascii=False), flush=True)
    else:
        print(f"{name}: error: {error}", flush=True)
