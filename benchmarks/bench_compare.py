"""Comparison times on built indexes: keyness, similarity, reuse and near duplicates.

    python benchmarks/bench_compare.py [--runs 10]

Builds (or reloads from ``analysis.default_cache_dir()``) the index of
../shared/corpora/china_media_headlines_2022 and prints the median time of
Xinhua against BBC keyness (target: under 1 s), the slices' selection, and
the nearest documents of one headline, each source's keyness against the
rest (beside one keyness call per source, the baseline) and Xinhua against the
SOTU sample as a reference corpus; then on ../shared/corpora/reuters21578
the near-duplicate search over every document and the collapse mask; and the
shared passages of the two seed documents. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO))

XINHUA = "Xinhuanet (Xinhua)"
BBC = "BBC News"


def _median(query: Callable[[], object], runs: int) -> float:
    query()  # warm-up: fills the term-to-column map and caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        query()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    import numpy as np

    from analysis import (
        Filters,
        IndexSettings,
        build_index,
        collapse_duplicates,
        default_cache_dir,
        group_keyness,
        group_masks,
        keyness,
        load_corpus,
        near_duplicates,
        nearest_documents,
        reference_keyness,
        select,
        shared_passages,
    )

    cache = default_cache_dir()
    start = time.perf_counter()
    headlines = build_index(
        load_corpus(CORPORA / "china_media_headlines_2022" / "docs.jsonl"), cache_dir=cache
    )
    print(
        f"china_media_headlines_2022: {headlines.n_docs} documents, index ready in "
        f"{time.perf_counter() - start:.1f} s"
    )
    xinhua = select(headlines, Filters(sources=(XINHUA,)))
    bbc = select(headlines, Filters(sources=(BBC,)))
    t_select = _median(lambda: select(headlines, Filters(sources=(XINHUA,))), args.runs)
    t_keyness = _median(lambda: keyness(headlines, xinhua, bbc), args.runs)
    first = str(headlines.docs["doc_id"].iloc[0])
    t_nearest = _median(lambda: nearest_documents(headlines, first), args.runs)
    print(f"  select one source            {t_select * 1000:8.1f} ms")
    print(f"  keyness Xinhua vs BBC        {t_keyness * 1000:8.1f} ms  (target < 1000 ms)")
    print(f"  nearest_documents (all)      {t_nearest * 1000:8.1f} ms")

    # Keyness of each source against the rest: one pass (the union's totals once, each
    # group's, the rest by subtraction) against its baseline, one keyness(group, rest) per group.
    groups = group_masks(headlines, None, "source").masks

    def one_per_group() -> None:
        union = np.logical_or.reduce(list(groups.values()))
        for mask in groups.values():
            keyness(headlines, mask, union & ~mask)

    t_groups = _median(lambda: group_keyness(headlines, groups), args.runs)
    t_baseline = _median(one_per_group, args.runs)
    print(
        f"  group_keyness by source ({len(groups)}) {t_groups * 1000:6.1f} ms  "
        f"(baseline, keyness per group against the rest: {t_baseline * 1000:.1f} ms)"
    )
    sotu = build_index(load_corpus("sotu"), cache_dir=cache)
    t_reference = _median(lambda: reference_keyness(headlines, xinhua, sotu), args.runs)
    print(f"  reference_keyness Xinhua vs the SOTU sample {t_reference * 1000:6.1f} ms")

    start = time.perf_counter()
    reuters = build_index(
        load_corpus(CORPORA / "reuters21578" / "docs.jsonl"),
        settings=IndexSettings(detect_phrases=False),
        cache_dir=cache,
    )
    print(
        f"reuters21578: {reuters.n_docs} documents, index ready in "
        f"{time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    pairs = near_duplicates(reuters, threshold=0.9)
    t_dup = time.perf_counter() - start
    keep = collapse_duplicates(reuters, pairs)
    print(
        f"  near_duplicates (0.9, 5-word shingles) {t_dup:6.2f} s: {len(pairs)} pairs, "
        f"collapsing removes {int((~keep).sum())} copies"
    )

    seeds = build_index(load_corpus("seeds"))
    a, b = seeds.docs["doc_id"].astype(str).tolist()
    t_reuse = _median(lambda: shared_passages(seeds, a, b), args.runs)
    print(f"seeds: shared_passages        {t_reuse * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
