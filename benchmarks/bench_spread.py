"""Formulation spread and corpus-wide reuse lag, each beside a baseline timed in the same run.

    python benchmarks/bench_spread.py                       # the China headlines (38k)
    python benchmarks/bench_spread.py --corpus ../scale100k.jsonl --cache ../scale-cache \
        --term "united nations" --term "the people of the world" --runs 1 --words-only

Rows:

- ``spread``: :func:`analysis.formulation_spread` per term (a vocabulary term, and a
  sequence counted on the fly) against ``re.finditer`` of the term over every
  text, case-insensitive, with word boundaries (the work a tool without an index
  does for the same per-source counts);
- ``reuse_lag``: :func:`analysis.reuse_lag` over the whole corpus (passage texts in
  the index's words, and read from the documents) against
  :func:`analysis.near_duplicates` (the same 64-bit hashes of the same word
  runs, then exact Jaccard of every candidate pair), both from a fresh start
  (near-duplicate pairs, shared runs and word offsets are kept on the index,
  so they are forgotten before each run); with the passages' texts read, also
  a new selection (every document but the last) once the runs and offsets
  are kept, as on the page after its first search, against the fresh search;
- ``--page``: the Formulations page in AppTest on the SOTU sample with a
  formulation typed and its reused passages open: CPU of this process (the
  script thread included) per sidebar filter change (a new date range or
  keyword each time, so no cached table answers), against an unchanged
  rerun; the first open and the first opening of the passages printed
  apart. Nothing else runs then.

The index is reloaded from ``--cache/<corpus stem>`` when a saved copy is
there and never written (the cache may be shared); otherwise it is built in
memory. Each row prints its first run and the median of ``--runs`` runs after
it, in ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queries_100k import _time  # noqa: E402  (first run, then the median of runs)

HEADLINES = REPO.parent / "shared" / "corpora" / "china_media_headlines_2022" / "docs.jsonl"


def _index(corpus: Path, cache: Path | None):  # type: ignore[no-untyped-def]  # a script
    import analysis
    from analysis.store import IndexCacheError, load_index

    start = time.perf_counter()
    folder = cache / corpus.stem if cache else None
    try:
        if folder is None or not (folder / "meta.json").exists():
            raise FileNotFoundError(folder)
        index = load_index(folder)
        how = f"reloaded from {folder}"
    except (FileNotFoundError, IndexCacheError):
        index = analysis.build_index(analysis.load_corpus(corpus))
        how = "built in memory"
    print(f"index {corpus.name}: {index.n_docs:,} documents, {int(index.doc_tokens.sum()):,} "
          f"tokens, {time.perf_counter() - start:.1f} s ({how})")  # fmt: skip
    return index


def _row(name: str, ours: tuple[float, float], baseline: tuple[float, float], what: str) -> None:
    ratio = baseline[1] / ours[1] if ours[1] > 0 else float("inf")
    print(
        f"{name:<34} first {ours[0]:9.1f}  median {ours[1]:9.1f} ms | {what:<20} "
        f"first {baseline[0]:9.1f}  median {baseline[1]:9.1f} ms | {ratio:6.1f}x"
    )


def _page(term: str, runs: int) -> None:
    import datetime as dt
    import statistics

    from streamlit.testing.v1 import AppTest

    def cpu(step) -> float:  # type: ignore[no-untyped-def]  # a script
        start = time.process_time()
        step().run()
        assert not at.exception, [e.value for e in at.exception]
        return (time.process_time() - start) * 1000

    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=600)
    at.query_params.update({"corpus": "sotu", "formulation": term})
    start = time.process_time()
    at.run()
    at.switch_page("views/formulations.py").run()
    opened = time.process_time() - start
    start = time.process_time()
    at.session_state["formulations_reuse"] = True  # the reused passages, searched once opened
    at.run()
    reuse = time.process_time() - start
    print(f"formulations page, SOTU, {term!r}: first open {opened:.1f} s CPU, "
          f"then opening its reused passages {reuse:.1f} s")  # fmt: skip
    changes = []
    for k in range(runs):
        first = dt.date(1800 + 10 * k, 1, 1)
        changes.append(cpu(lambda f=first: at.date_input(key="sidebar_dates").set_value(
            (f, dt.date(2020, 12, 31)))))  # fmt: skip
        changes.append(cpu(lambda k=k: at.text_input(key="sidebar_query").set_value(
            ("united states", "congress", "the people", "war", "law")[k % 5])))  # fmt: skip
        at.text_input(key="sidebar_query").set_value("").run()
    same = [cpu(lambda: at) for _ in range(runs)]
    print(f"filter change (new dates or keyword, n={len(changes)}): median "
          f"{statistics.median(changes):7.0f} ms CPU, max {max(changes):7.0f} | unchanged rerun: "
          f"median {statistics.median(same):5.0f} ms CPU")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=HEADLINES)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--term", action="append", default=None, help="terms to spread")
    parser.add_argument("--by", default="source")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--words-only",
        action="store_true",
        help="time reuse_lag only with text='words' (reading every passage's text again "
        "takes minutes on the 100k corpus)",
    )
    parser.add_argument("--page", action="store_true", help="time the page's filter changes")
    args = parser.parse_args()
    if args.page:
        _page(args.term[0] if args.term else "peace", args.runs)
        return
    terms = args.term or ["zero-covid", "dynamic zero-covid policy"]

    import numpy as np

    from analysis import formulation_spread, near_duplicates, parse_query, reuse_lag
    from analysis import schema as S

    index = _index(args.corpus, args.cache)
    texts = index.docs[S.TEXT].astype(str).tolist()
    for term in terms:
        pattern = re.compile(
            r"(?<![\w'-])" + r"\s+".join(map(re.escape, term.split())) + r"(?![\w-])",
            re.IGNORECASE,
        )
        kind = parse_query(index, term).parts[0].kind
        ours = _time(lambda t=term: formulation_spread(index, None, t, by=args.by), args.runs)
        base = _time(lambda p=pattern: [sum(1 for _ in p.finditer(t)) for t in texts], args.runs)
        _row(f"spread {term!r} ({kind})", ours, base, "re.finditer, all")
    found = reuse_lag(index, None, by=args.by, text="words")
    print(
        f"reuse_lag: {len(found.passages):,} passages of 6+ words among "
        f"{found.uses[S.DOC_ID].nunique():,} documents"
    )

    def duplicates() -> object:
        index._near_pairs = None  # found once per index: start afresh
        return near_duplicates(index)

    def fresh(text: str) -> object:
        # the shared runs and word offsets are kept on the index: forget them
        index._memo = {k: v for k, v in index._memo.items() if "reuse" not in str(k)}
        return reuse_lag(index, None, by=args.by, text=text)  # type: ignore[arg-type]

    baseline = _time(duplicates, args.runs)
    words = _time(lambda: fresh("words"), args.runs)
    _row("reuse_lag, text='words'", words, baseline, "near_duplicates")
    if not args.words_only:
        ours = _time(lambda: fresh("document"), args.runs)
        _row("reuse_lag, text='document'", ours, baseline, "near_duplicates")
        most = np.ones(index.n_docs, dtype=bool)
        most[-1] = False
        kept = _time(lambda: reuse_lag(index, most, by=args.by), args.runs)
        _row("reuse_lag, text='document', kept", kept, ours, "the same, fresh")


if __name__ == "__main__":
    main()
