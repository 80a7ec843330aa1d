"""Analysis query times on the 100,000-document scale corpus (issue 11's query rows).

    python ../shared/tools/make_scale_corpus.py --out scale100k.jsonl
    python benchmarks/bench_queries_100k.py [--corpus scale100k.jsonl]
        [--cache scale-cache] [--runs 3] [--only NAME ...] [--selections]

The first run loads the corpus, builds its index and saves it under
``--cache`` (``analysis.save_index``); later runs reload it
(``analysis.load_index``), so a run costs the queries, not the build. Each
call runs once as a warm-up (shown as ``first``: it includes whatever an
index computes once and keeps) and then ``--runs`` times; the median is
printed beside the target and, where one exists, a baseline timed the same
way in the same run, with the ratio. Stopwords are the dashboard's default
list, passed as a new frozenset on every call, as the dashboard does.
Prints figures; asserts nothing.

``--selections`` prints instead what a new sidebar keyword costs the Terms
page: the selection of the documents the query matches and the whole term
table over them (``select`` + ``term_frequencies`` with the page's default
options), per query, as wall-time and CPU-time medians, beside the path
before this benchmark row was added (kept below as ``_old_selection_terms``)
and plain scipy column sums of the selected rows (``X[rows].sum(axis=0)``,
rows given, nothing else) timed in the same run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MS = 100.0
NMF_TARGET_MS = 3000.0


def _time(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first call, median of ``runs`` calls after it), in ms."""
    start = time.perf_counter()
    call()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times)


def _index(corpus: Path, cache: Path):  # type: ignore[no-untyped-def]  # a script
    import analysis
    from analysis.store import load_index, save_index

    folder = cache / corpus.stem
    start = time.perf_counter()
    if (folder / "meta.json").exists():
        index = load_index(folder)
        how = f"reloaded from {folder}"
    else:
        index = analysis.build_index(analysis.load_corpus(corpus))
        save_index(index, folder)
        how = f"built and saved to {folder}"
    print(f"index        {time.perf_counter() - start:8.2f} s ({how})")
    return index


#: A row: name, call, baseline name, baseline call (or None), target in ms (or None).
Row = tuple[str, Callable[[], object], str, Callable[[], object] | None, float | None]


def query_rows(index) -> list[Row]:  # type: ignore[no-untyped-def]  # a script
    """The timed calls of issue 11's query rows on ``index``, each with its baseline."""
    import numpy as np
    import pandas as pd

    from analysis import schema as S
    from analysis.contexts import collocates
    from analysis.duplicates import near_duplicates
    from analysis.keyness import keyness
    from analysis.kwic import kwic
    from analysis.selection import Filters, select
    from analysis.similarity import nearest_documents
    from analysis.stopwords import default_stopwords, parse_stopwords
    from analysis.terms import (
        corpus_summary,
        distinctive_terms,
        documents_per_period,
        term_frequencies,
    )
    from analysis.topics import MAX_PASSAGES, MAX_TERMS, fit_topics
    from analysis.trends import emerging_terms

    n = index.n_docs
    default = sorted(default_stopwords())

    def stop() -> frozenset[str]:
        return frozenset(default)  # a new, equal set per call, as the dashboard passes

    everything = np.ones(n, dtype=bool)
    sources = index.docs[S.SOURCE].fillna("").astype(str)
    top_two = sources.value_counts().index[:2].tolist()
    mask_a = (sources == top_two[0]).to_numpy()
    mask_b = (sources == top_two[1]).to_numpy()
    years = pd.to_datetime(index.docs[S.DATE]).dt.year.to_numpy()
    mask_80s = (years >= 1980) & (years < 1990)
    mask_90s = (years >= 1990) & (years < 2000)
    doc_id = str(index.docs[S.DOC_ID].iloc[0])
    texts = index.docs[S.TEXT].astype(str)
    stop_text = "\n".join(default)

    def baseline_column_sums() -> object:
        totals = np.asarray(index.counts.sum(axis=0)).ravel()
        return np.argsort(-totals, kind="stable")[:100]

    def baseline_two_sums() -> object:
        return (index.counts[mask_a].sum(axis=0), index.counts[mask_b].sum(axis=0))

    peace = re.compile(r"\bpeace\b", re.IGNORECASE)

    def baseline_regex_kwic() -> object:
        lines = []
        for text in texts:
            for m in peace.finditer(text):
                lines.append((text[m.end() : m.end() + 60].casefold(), m.start()))
        lines.sort()
        return lines[:500]

    def baseline_cosine() -> object:
        from sklearn.feature_extraction.text import TfidfTransformer

        x = TfidfTransformer().fit_transform(index.counts)
        return np.argsort(-(x @ x[0].T).toarray().ravel())[:10]

    def saved(kind: str) -> list[Path]:
        return sorted(index.folder.glob(f"result-{kind}-*")) if index.folder else []

    def pairs_found() -> object:
        # as the first process: no pairs on the index, none saved beside it
        index._near_pairs = None
        for path in saved("near_duplicates"):
            path.unlink()
        return near_duplicates(index)

    def collapse_saved() -> object:
        # as a later process: the pairs read from beside the index, the mask made from them
        index._near_pairs = None
        index._unique = None
        return select(index, Filters(collapse_duplicates=True))

    def baseline_sparse_pairs() -> object:
        return _sparse_prefix_pairs(index)

    def nmf_fitted() -> object:
        index._memo.pop("topic_models", None)
        for path in saved("topics"):
            path.unlink()
        return fit_topics(index, everything, k=8, method="nmf", seed=0, stopwords=stop())

    def nmf_saved() -> object:
        index._memo.pop("topic_models", None)
        return fit_topics(index, everything, k=8, method="nmf", seed=0, stopwords=stop())

    def baseline_nmf() -> object:
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        rng = np.random.default_rng(0)
        passages = index.passages
        size = min(MAX_PASSAGES, len(passages))
        keep = np.sort(rng.choice(len(passages), size=size, replace=False))
        chosen = passages.iloc[keep]
        body = texts.to_numpy()
        sample = [
            body[d][a:b]
            for d, a, b in zip(chosen["doc"], chosen[S.START], chosen[S.END], strict=True)
        ]
        counts = CountVectorizer(
            stop_words="english", min_df=2, max_features=MAX_TERMS
        ).fit_transform(sample)
        tfidf = TfidfTransformer().fit_transform(counts)
        return NMF(n_components=8, init="nndsvda", random_state=0, max_iter=400).fit(tfidf)

    rows: list[Row] = [
        ("parse_stopwords (default list)", lambda: parse_stopwords(stop_text), "", None, TARGET_MS),
        (
            "term table, top 100",
            lambda: term_frequencies(index, everything, stopwords=stop(), top=100),
            "scipy column sums + argsort",
            baseline_column_sums,
            TARGET_MS,
        ),
        ("corpus summary", lambda: corpus_summary(index, everything), "", None, TARGET_MS),
        (
            "documents per year",
            lambda: documents_per_period(index, everything, freq="year"),
            "",
            None,
            TARGET_MS,
        ),
        (
            f"keyness, two sources ({top_two[0][:12]} / {top_two[1][:12]})",
            lambda: keyness(index, mask_a, mask_b, stopwords=stop()),
            "scipy row-slice column sums",
            baseline_two_sums,
            TARGET_MS,
        ),
        (
            "keyness, 1980s / 1990s",
            lambda: keyness(index, mask_80s, mask_90s, stopwords=stop()),
            "",
            None,
            TARGET_MS,
        ),
        (
            "collocates of 'peace'",
            lambda: collocates(index, everything, "peace", stopwords=stop()),
            "",
            None,
            TARGET_MS,
        ),
        (
            "emerging terms, 1990 vs 5 years before",
            lambda: emerging_terms(
                index, everything, by="year", period="1990-01-01", before=5, stopwords=stop()
            ),
            "",
            None,
            TARGET_MS,
        ),
        (
            "nearest documents (10) of one document",
            lambda: nearest_documents(index, doc_id, stopwords=stop()),
            "sklearn TfidfTransformer + sparse dot",
            baseline_cosine,
            TARGET_MS,
        ),
        (
            "distinctive terms of one document",
            lambda: distinctive_terms(index, doc_id, stopwords=stop()),
            "",
            None,
            TARGET_MS,
        ),
        (
            "KWIC 'peace' sorted by right context, 500",
            lambda: kwic(index, everything, "peace", sort="right", limit=500),
            "re.finditer over every text + sort",
            baseline_regex_kwic,
            TARGET_MS,
        ),
        (
            "near-duplicate pairs found (first process)",
            pairs_found,
            "scipy sparse prefix product (the code before)",
            baseline_sparse_pairs,
            None,  # once per index: the goal is the saved row's
        ),
        (
            "near-duplicate collapse, saved (later process)",
            collapse_saved,
            "",
            None,
            TARGET_MS,
        ),
        (
            f"NMF topic fit, k=8, {MAX_PASSAGES:,} passages",
            nmf_fitted,
            "CountVectorizer + TfidfTransformer + NMF, same passages",
            baseline_nmf,
            NMF_TARGET_MS,
        ),
        (
            "NMF topic model, saved (later process)",
            nmf_saved,
            "",
            None,
            TARGET_MS,
        ),
    ]
    return rows


def _sparse_prefix_pairs(index):  # type: ignore[no-untyped-def]  # a script
    """Near-duplicate pairs as found before the compiled search: a sparse documents x shingles
    matrix (``np.unique`` over every hash), prefixes rarest first, their sparse product."""
    import numpy as np
    import scipy.sparse as sp

    from analysis import kernels

    threshold, n = 0.9, index.n_docs
    doc_of, hash_of = kernels.shingle_hashes(
        np.asarray(index.tokens), index.token_offsets, np.arange(n), 5, np.uint64(1_000_003)
    )
    unique, column = np.unique(hash_of, return_inverse=True)
    sets = sp.csr_matrix((np.ones(len(doc_of)), (doc_of, column.ravel())), shape=(n, len(unique)))
    sets.sum_duplicates()
    sets.data[:] = 1.0
    size = np.diff(sets.indptr)
    df = np.bincount(sets.indices, minlength=sets.shape[1])
    rank = np.empty(len(df), dtype=np.int64)
    rank[np.argsort(df, kind="stable")] = np.arange(len(df))
    prefix_len = size - np.ceil(threshold * size - 1e-9).astype(np.int64) + 1
    by_rank = sp.csr_matrix((sets.data, rank[sets.indices], sets.indptr), shape=sets.shape)
    by_rank.has_sorted_indices = False
    by_rank.sort_indices()
    entry_row = np.repeat(np.arange(n), size)
    within = np.arange(len(entry_row)) - np.repeat(sets.indptr[:-1], size)
    chosen = within < prefix_len[entry_row]
    prefix = sp.csr_matrix(
        (np.ones(int(chosen.sum())), (entry_row[chosen], by_rank.indices[chosen])),
        shape=sets.shape,
    )
    candidates = sp.triu(prefix @ prefix.T, k=1).tocoo()
    left, right = candidates.row, candidates.col
    fits = np.minimum(size[left], size[right]) >= threshold * np.maximum(size[left], size[right])
    left, right = left[fits], right[fits]
    inter = np.asarray(sets[left].multiply(sets[right]).sum(axis=1)).ravel()
    jaccard = inter / (size[left] + size[right] - inter)
    hit = jaccard >= threshold - 1e-12
    return left[hit], right[hit], jaccard[hit]


HEADER = f"  {'call':<46} {'first':>9} {'median':>9} {'target':>7}  baseline"


def time_row(row: Row, runs: int) -> str:
    """The row's printed line: first call, median of ``runs``, target, baseline timed alike."""
    name, call, base_name, base, target = row
    first, median = _time(call, runs)
    goal = "-" if target is None else "<" + format(target, ".0f")
    line = f"  {name:<46} {first:9.1f} {median:9.1f} {goal:>7}"
    if base is not None:
        _, base_median = _time(base, runs)
        line += f"  {base_name}: {base_median:.1f} ms ({median / base_median:.2f}x of it)"
    return line


def _old_selection_terms(index, text: str, stopwords: frozenset[str], kept: dict):  # type: ignore[no-untyped-def]  # a script
    """The selection and term table as computed before (query_mask through a column slice
    of the whole matrix, two scattered sums per non-zero, a two-key lexsort, a string object
    per row of the table). ``kept`` holds what the old code kept per index (corpus totals,
    term order, the counts by column), made on the first call."""
    import numpy as np
    import pandas as pd

    from analysis import kernels
    from analysis import schema as S
    from analysis.query import parse_query
    from analysis.terms import _nested_words, stopword_columns, vocab_arrays

    column_sums = kernels.column_sums  # two scattered adds per non-zero
    counts = index.counts
    n_terms = counts.shape[1]
    if not kept:
        kept["totals"] = column_sums(
            counts.indptr, counts.indices, counts.data, np.arange(index.n_docs), n_terms
        )
        term_names = index.vocab[S.TERM].to_numpy().astype(str)
        rank = np.empty(len(term_names), dtype=np.int64)
        rank[np.argsort(term_names, kind="stable")] = np.arange(len(term_names))
        kept["rank"] = rank
    (total_count, total_docs), rank = kept["totals"], kept["rank"]
    query = parse_query(index, text)
    columns = [c for p in query.parts if not p.on_the_fly for c in p.columns]
    if "by_column" not in kept:  # the old code's copy of the counts by column, made once
        kept["by_column"] = index.counts.tocsc()
    picked = kept["by_column"][:, columns].tocsr()
    mask = np.asarray(picked.sum(axis=1)).ravel() > 0
    if int(mask.sum()) > index.n_docs // 2:
        rest, rest_docs = column_sums(
            counts.indptr, counts.indices, counts.data, np.flatnonzero(~mask), n_terms
        )
        count, docs = total_count - rest, total_docs - rest_docs
    else:
        count, docs = column_sums(
            counts.indptr, counts.indices, counts.data, np.flatnonzero(mask), n_terms
        )
    tokens = int(index.doc_tokens[mask].sum())
    names, kinds = vocab_arrays(index)
    keep = (count > 0) & ~stopword_columns(index, stopwords) & ~index.number_columns()
    keep &= ~_nested_words(index, keep, count)
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((rank[rows], -count[rows]))]
    idf = np.log((1 + int(mask.sum())) / (1 + docs[rows])) + 1
    return pd.DataFrame(
        {
            S.TERM: names[rows],
            S.KIND: kinds[rows],
            S.COUNT: count[rows],
            S.PER_MILLION: count[rows] / max(tokens, 1) * 1e6,
            S.DOCS: docs[rows],
            S.TFIDF: count[rows] * idf,
        }
    )


def _medians(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """(wall, CPU) medians of ``runs`` calls after one warm-up, in ms."""
    call()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def selection_rows(index, runs: int) -> None:  # type: ignore[no-untyped-def]  # a script
    """Per query: the new selection + term table beside the old path and scipy's column sums."""
    import os

    import numpy as np
    import pandas as pd

    from analysis.selection import Filters, select
    from analysis.stopwords import default_stopwords
    from analysis.terms import term_frequencies

    stop = sorted(default_stopwords())
    kept: dict[str, object] = {}  # what the old path kept per index, its own
    df = np.diff(index.counts.tocsc().indptr)
    rare = int(np.flatnonzero(df[: index.n_words] == 3)[0])
    queries = ["peace", "economic growth", "war | conflict", "nation*", "the"]
    queries.append(str(index.vocab["term"].iat[rare]))
    print(f"load average {os.getloadavg()[0]:.1f}; median of {runs} after a warm-up, wall / CPU ms")
    print(
        f"  {'query':<18} {'docs':>7} {'rows':>7}  {'new':>13}  {'old path':>13}  "
        f"{'scipy X[rows].sum(axis=0)':>25}"
    )
    for text in queries:

        def new(text: str = text) -> object:
            index._memo.pop("totals_of", None)  # a new selection: no totals kept for it
            mask = select(index, Filters(query=text))
            return term_frequencies(
                index, mask, stopwords=frozenset(stop), hide_words_in_phrases=True
            )

        def old(text: str = text) -> object:
            return _old_selection_terms(index, text, frozenset(stop), kept)

        table = new()
        before = old()
        pd.testing.assert_frame_equal(table, before, check_dtype=False)  # same table
        rows = np.flatnonzero(select(index, Filters(query=text)))
        wall, cpu = _medians(new, runs)
        old_wall, old_cpu = _medians(old, runs)
        base_wall, base_cpu = _medians(lambda rows=rows: index.counts[rows].sum(axis=0), runs)
        print(
            f"  {text:<18} {len(rows):7,} {len(table):7,}  {wall:6.1f} /{cpu:6.1f}  "
            f"{old_wall:6.1f} /{old_cpu:6.1f}  {base_wall:16.1f} /{base_cpu:6.1f}"
            f"   new {old_cpu / cpu:.1f}x less CPU than old, {base_cpu / cpu:.1f}x than scipy",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("scale100k.jsonl"))
    parser.add_argument("--cache", type=Path, default=Path("scale-cache"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="rows whose name starts so")
    parser.add_argument(
        "--selections",
        action="store_true",
        help="time a new keyword's selection and term table against the old path and scipy",
    )
    args = parser.parse_args()

    index = _index(args.corpus, args.cache)
    print(
        f"corpus       {args.corpus.name}: {index.n_docs:,} documents, "
        f"{int(index.doc_tokens.sum()):,} tokens, {index.counts.shape[1]:,} terms, "
        f"{index.counts.nnz:,} non-zeros, {len(index.passages):,} passages"
    )
    if args.selections:
        selection_rows(index, args.runs)
        return
    print(f"first call, then median of {args.runs} (ms); baseline the same way in this run:")
    print(HEADER)
    for row in query_rows(index):
        if args.only and not any(row[0].startswith(p) for p in args.only):
            continue
        print(time_row(row, args.runs), flush=True)


if __name__ == "__main__":
    main()
