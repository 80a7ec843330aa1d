"""``python -m analysis warm``: compile every compiled kernel before anyone waits on it.

    python -m analysis warm [--format table|json]

The index and its queries run numba kernels, compiled on first use into
numba's cache (``__pycache__`` beside the code, or ``NUMBA_CACHE_DIR``) and
loaded from it by every later process. The first use on a new installation
therefore pays the compile: the first topic fit on a 100,000-document index took
5.4 s (0.6 s after it), and the first Compare page 2.3 s (0.4 s after warm). :func:`warm` builds
the index of a small corpus made here (English and Chinese, dated, two
sources, phrases, a near-duplicate pair, user words and phrases) and runs on
it every query the dashboard's pages and the CLI run, so that each kernel is
compiled (and cached) or loaded once, now. The container image runs it at
build time (``Dockerfile``); on a machine of your own, run it once after
installing, or let the first visitor of each page pay the compile once.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus import LoadedCorpus, load_corpus
from analysis.corpus_index import CorpusIndex, IndexSettings
from analysis.index import build_index

#: English and Chinese sentences the warm-up corpus repeats: phrases occur in many
#: documents (phrase detection's later levels run), words recur (collocates, keyness).
_ENGLISH = (
    "The civil war ended and the United States signed a peace treaty with its neighbours.",
    "High quality development of the economy needs reform, peace and open markets.",
    "The U.S. government said the civil war and the peace treaty shaped its policy.",
    "Reform of the economy and peace in the region were the themes of the speech.",
)
_CHINESE = (
    "我们坚持高质量发展，推动经济社会发展取得新成就。",
    "政府工作报告提出，要坚定不移推动高质量发展和改革开放。",
    "长三角一体化发展和粤港澳大湾区建设取得重大进展，人民生活水平不断提高。",
)


def warm_corpus(n_docs: int = 40) -> pd.DataFrame:
    """A small corpus that reaches every kernel: dated documents of two sources over
    ten years, English and Chinese paragraphs, phrases repeated, a near-duplicate pair.

    >>> frame = warm_corpus()
    >>> len(frame), frame[S.SOURCE].nunique()
    (40, 2)
    """
    rows: list[dict[str, Any]] = []
    for i in range(n_docs):
        english = [_ENGLISH[(i + j) % len(_ENGLISH)] for j in range(3)]
        chinese = [_CHINESE[(i + j) % len(_CHINESE)] for j in range(2)]
        body = " ".join(english) + f" Item {i} of {n_docs}, worth ${i}.5 million."
        text = f"{body}\n\n{''.join(chinese)}\n\n{_ENGLISH[i % len(_ENGLISH)]}"
        rows.append(
            {
                S.DOC_ID: f"warm-{i:03d}",
                S.DATE: pd.Timestamp(2010 + i % 10, 1 + i % 12, 1 + i % 28),
                S.SOURCE: "Daily" if i % 2 else "Weekly",
                S.TITLE: f"Warm-up document {i}",
                S.TEXT: text,
            }
        )
    rows[-1][S.TEXT] = rows[0][S.TEXT] + " A short note added."  # a near duplicate of the first
    return pd.DataFrame(rows)


def load_warm_corpus(folder: Path) -> LoadedCorpus:
    """:func:`warm_corpus` written to ``folder`` as JSON lines (one document twice:
    the loader's duplicate check) and loaded as a corpus (the loader's kernels)."""
    frame = warm_corpus()
    frame[S.DATE] = frame[S.DATE].dt.strftime("%Y-%m-%d")
    path = folder / "warm.jsonl"
    records = frame.to_dict(orient="records")
    with path.open("w", encoding="utf-8") as out:
        for record in [*records, records[1]]:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return load_corpus(path)


def warm_index(settings: IndexSettings | None = None) -> CorpusIndex:
    """The index of :func:`warm_corpus`, loaded from a file and built in memory
    (the loader's and the build's kernels)."""
    with tempfile.TemporaryDirectory(prefix="warm-") as folder:
        corpus = load_warm_corpus(Path(folder))
    return build_index(corpus, settings=settings or IndexSettings())


def warm_queries(index: CorpusIndex) -> None:
    """Every query of the dashboard's pages and the CLI, once, on ``index``."""
    from analysis import (
        collocates,
        corpus_summary,
        count_query,
        dispersion,
        distinctive_terms,
        document_similarity,
        documents_per_period,
        documents_with_term,
        emerging_terms,
        fit_topics,
        formulation_spread,
        group_keyness,
        group_masks,
        group_similarity,
        keyness,
        kwic,
        near_duplicates,
        nearest_documents,
        parse_query,
        reference_keyness,
        representative_passages,
        reuse_lag,
        select,
        shared_passages,
        term_frequencies,
        term_trends,
        topics_over_time,
    )
    from analysis.selection import Filters

    everything = np.ones(index.n_docs, dtype=bool)
    weekly = (index.docs[S.SOURCE] == "Weekly").to_numpy()
    first, last = str(index.docs[S.DOC_ID].iloc[0]), str(index.docs[S.DOC_ID].iloc[-1])
    term_frequencies(index, everything, top=100)
    term_frequencies(index, weekly, top=100, hide_words_in_phrases=True)
    corpus_summary(index, weekly)
    documents_per_period(index, everything, freq="year")
    keyness(index, weekly, ~weekly)
    groups = group_masks(index, everything, S.SOURCE)
    group_keyness(index, groups.masks)
    group_similarity(index, groups.masks)
    reference_keyness(index, weekly, index, ~weekly)
    for term in ("peace", "civil war", "高质量发展", "U.S.", "econom*"):
        collocates(index, everything, term)
        kwic(index, everything, term, sort="right")
        dispersion(index, everything, term)
        documents_with_term(index, weekly, term)
        count_query(index, parse_query(index, term), np.flatnonzero(everything))
    term_trends(index, everything, ["peace", "高质量发展"], by="year")
    emerging_terms(index, everything, by="year", period=index.docs[S.DATE].max(), min_count=1)
    nearest_documents(index, first)
    distinctive_terms(index, first)
    document_similarity(index, everything)
    near_duplicates(index)
    select(index, Filters(collapse_duplicates=True, query="peace OR 发展"))
    shared_passages(index, first, last)
    reuse_lag(index, everything)
    formulation_spread(index, everything, "peace")
    for method in ("nmf", "lda"):
        model = fit_topics(index, everything, k=3, method=method)
        topics_over_time(model, by="year")
        representative_passages(model, index, 0)


def warm() -> dict[str, Any]:
    """Build the warm-up index (default settings, then user words and phrases) and run
    every query on it; returns the seconds each part took."""
    started = time.perf_counter()
    index = warm_index()
    built = time.perf_counter()
    build_index(
        warm_corpus(),
        settings=IndexSettings(user_words=("高质量发展",), user_phrases=("peace treaty",)),
    )
    user = time.perf_counter()
    warm_queries(index)
    done = time.perf_counter()
    return {
        "build_seconds": round(built - started, 3),
        "user_words_seconds": round(user - built, 3),
        "queries_seconds": round(done - user, 3),
        "seconds": round(done - started, 3),
    }


def add_parser(commands: Any) -> None:
    """The ``warm`` command's arguments, on the CLI's sub-parsers."""
    sub = commands.add_parser(
        "warm",
        help="Compile (or load from numba's cache) every compiled kernel of the index "
        "and its queries, once, so that no visitor waits on a compile.",
    )
    sub.add_argument("--format", choices=("table", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    """``python -m analysis warm``: print what :func:`warm` took."""
    seconds = warm()
    if args.format == "json":
        print(json.dumps(seconds))
    else:
        print(
            f"kernels ready in {seconds['seconds']:.1f} s (build {seconds['build_seconds']:.1f} s, "
            f"user words {seconds['user_words_seconds']:.1f} s, "
            f"queries {seconds['queries_seconds']:.1f} s)"
        )
    return 0
