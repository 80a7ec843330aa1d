"""Query times on a built index: a trend, a KWIC query, collocates and a topic fit.

    python benchmarks/bench_queries.py [--corpus un_general_debate] [--runs 20] [--limit N]

Builds the index of ../shared/corpora/<corpus> once (or reloads it from
``analysis.default_cache_dir()``), then prints the median wall time over
``--runs`` runs of each query on the whole corpus. The first run of each
query is a warm-up and not counted (it fills the term-to-column map); a query
whose warm-up takes over a second runs a quarter as often. The topic fit runs
once. Target: the trend query under 100 ms. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO))

TREND_TERMS = ["peace", "nuclear weapons", "climate change"]
KWIC_TERM = "climate change"


def _median_ms(query: Callable[[], object], runs: int) -> tuple[float, float, int]:
    """Median and best time in ms; a query slower than a second runs ``runs // 4`` times."""
    start = time.perf_counter()
    query()  # warm-up
    if time.perf_counter() - start > 1.0:
        runs = max(3, runs // 4)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        query()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="un_general_debate")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    args = parser.parse_args()

    import numpy as np

    import analysis
    from analysis.trends import emerging_terms, term_trends

    folder = CORPORA / args.corpus
    path = next(p for p in (folder / "docs.jsonl.gz", folder / "docs.jsonl") if p.exists())
    start = time.perf_counter()
    corpus = analysis.load_corpus(path)
    if args.limit:
        corpus = corpus.docs.iloc[: args.limit].reset_index(drop=True)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    index = analysis.build_index(corpus, cache_dir=analysis.default_cache_dir())
    built = time.perf_counter() - start
    mask = np.ones(index.n_docs, dtype=bool)
    print(
        f"corpus       {args.corpus}: {index.n_docs:,} documents, "
        f"{int(index.doc_tokens.sum()):,} tokens, {index.counts.shape[1]:,} terms, "
        f"{index.counts.nnz:,} non-zeros"
    )
    print(f"load corpus  {loaded:8.2f} s")
    print(f"index        {built:8.2f} s (built, or reloaded from {analysis.default_cache_dir()})")
    print("median after one warm-up (best, runs):")

    def report(name: str, query: Callable[[], object]) -> None:
        median, best, runs = _median_ms(query, args.runs)
        print(f"  {name:<44} {median:9.1f} ms  ({best:.1f}, {runs})")

    report(
        f"trend: {len(TREND_TERMS)} terms by year",
        lambda: term_trends(index, mask, TREND_TERMS, by="year"),
    )
    report(
        f"trend: {len(TREND_TERMS)} terms by year, smooth 5",
        lambda: term_trends(index, mask, TREND_TERMS, by="year", smooth=5),
    )
    themes = analysis.parse_themes("security = peace, security, war, nuclear weapons, disarmament")
    report("trend: 1 theme of 5 terms by year", lambda: term_trends(index, mask, themes))
    report(
        "emerging: 1990 against the 5 years before",
        lambda: emerging_terms(index, mask, by="year", period="1990-01-01", before=5),
    )

    report(
        f"kwic: {KWIC_TERM!r}, window 8, limit 500",
        lambda: analysis.kwic(index, mask, KWIC_TERM, window=8, limit=500),
    )
    report("collocates: 'peace', window 5", lambda: analysis.collocates(index, mask, "peace"))

    try:
        topics = importlib.import_module("analysis.topics")
    except ImportError:
        topics = None
    if topics is not None and hasattr(topics, "fit_topics"):
        start = time.perf_counter()
        model = topics.fit_topics(index, mask, k=8, method="nmf", seed=0)
        fitted = (time.perf_counter() - start) * 1000
        print(
            f"  {'topic fit: NMF, k=8, one run':<44} {fitted:9.1f} ms  "
            f"(one run, {len(model.terms):,} topic-term rows)"
        )
    else:
        print("  topic fit: analysis.topics.fit_topics not available yet")


if __name__ == "__main__":
    main()
