"""Index build against scikit-learn's CountVectorizer and a plain byte scan.

    python benchmarks/bench_index.py [--corpus un_general_debate] [--limit N] [--skip-sklearn]
    python benchmarks/bench_index.py --path /work/scale100k.jsonl   # any JSON Lines file

Reads ../shared/corpora/<corpus>/docs.jsonl[.gz] (or ``--path``). Each contender runs in its
own child process, so its peak memory (max RSS) is its own; all three see the
same texts, and the time excludes reading the file. Ours gets them as the
loader hands them over (a corpus frame, whose text column pandas keeps in
Arrow, UTF-8, which the scan reads in place); the others as a list of Python
strings. Each first runs once on two short texts (imports; for ours, loading
the compiled loops from numba's cache), and that first call's time is
printed too.

- ours: ``analysis.build_index`` (token rule, words + detected phrases of
  2-4 words, passages), no cache; once more without phrase detection;
- CountVectorizer(ngram_range=(1, 2)): scikit-learn's counting of words and
  all bigrams with its default token pattern;
- byte scan: encode every text to UTF-8 and count its spaces, the floor for
  touching every byte once from Python;
- whole process: what ``python -m analysis`` pays to index the file, from
  the child's start: imports, ``load_corpus`` (reading, the ledger, the
  content hash) and ``build_index`` (no cache), with no warm-up. Its peak
  memory is the whole process's. Its ratios to CountVectorizer and to the
  byte scan are printed last (those two exclude reading the file).
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO))


def corpus_path(corpus: str) -> Path:
    """The JSON Lines file of a shared corpus, or ``corpus`` itself when it is a file."""
    if Path(corpus).is_file():
        return Path(corpus)
    folder = CORPORA / corpus
    return (
        folder / "docs.jsonl.gz" if (folder / "docs.jsonl.gz").exists() else folder / "docs.jsonl"
    )


def read_texts(corpus: str, limit: int | None) -> list[str]:
    path = corpus_path(corpus)
    opener = gzip.open if path.suffix == ".gz" else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if limit and len(texts) >= limit:
                break
    return texts


def _frame(texts: list[str]) -> object:
    # The loader hands the index a corpus frame with its content hash; making
    # them is loading, not indexing, so it happens before the clock starts.
    import pandas as pd

    from analysis.corpus import LoadedCorpus

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "text": texts})
    for column, value in (
        ("date", pd.NaT),
        ("date_precision", None),
        ("title", ""),
        ("source", ""),
    ):
        docs[column] = value
    corpus = LoadedCorpus(name="bench", docs=docs, report=pd.DataFrame())
    _ = corpus.content_hash
    return corpus


def _ours(corpus: object, *, phrases: bool = True) -> str:
    from analysis.corpus_index import IndexSettings
    from analysis.index import build_index

    index = build_index(corpus, settings=IndexSettings(detect_phrases=phrases))  # type: ignore[arg-type]
    phrases = int((index.vocab["kind"] == "phrase").sum())
    return f"{index.counts.shape[1]:,} terms ({phrases:,} phrases), {index.counts.nnz:,} non-zeros"


def _sklearn(texts: list[str]) -> str:
    from sklearn.feature_extraction.text import CountVectorizer

    matrix = CountVectorizer(ngram_range=(1, 2)).fit_transform(texts)
    return f"{matrix.shape[1]:,} terms, {matrix.nnz:,} non-zeros"


def _byte_scan(texts: list[str]) -> str:
    spaces = sum(t.encode("utf-8").count(b" ") for t in texts)
    return f"{spaces:,} spaces"


WARM_UP = ["A first text, to load the code.", "And a second one, to load the code."]


def _whole(corpus: str, queue: mp.Queue) -> None:
    started = time.perf_counter()
    from analysis.corpus import load_corpus
    from analysis.index import build_index

    loaded = load_corpus(corpus_path(corpus))
    _ = loaded.content_hash
    read = time.perf_counter() - started
    index = build_index(loaded)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    detail = (
        f"{index.counts.shape[1]:,} terms, {index.counts.nnz:,} non-zeros; "
        f"imports and load_corpus {read:.2f} s"
    )
    queue.put((seconds, peak / 1024, 0.0, detail))


def _child(name: str, corpus: str, limit: int | None, queue: mp.Queue) -> None:
    if name == "whole":
        _whole(corpus, queue)
        return
    contenders = {
        "ours": _ours,
        "words": lambda c: _ours(c, phrases=False),
        "sklearn": _sklearn,
        "bytes": _byte_scan,
    }
    # Each contender first runs once on two short texts: imports, and for
    # ours loading the compiled loops from numba's cache, are paid once per
    # process, not per corpus. That time is reported beside the run's.
    started = time.perf_counter()
    contenders[name](_frame(WARM_UP) if name in ("ours", "words") else WARM_UP)
    warm_up = time.perf_counter() - started
    texts = read_texts(corpus, limit)
    data: object = _frame(texts) if name in ("ours", "words") else texts
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    detail = contenders[name](data)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak / 1024, base / 1024, f"{detail}; first call {warm_up:.2f} s"))


def in_child(target: Any, *args: Any) -> Any:
    """``target(*args, queue)`` run in a fresh forked process; what it put on the queue.

    Each contender runs alone, so no import, cache or memory peak of one is
    counted against another.
    """
    queue: mp.Queue = mp.Queue()
    process = mp.get_context("fork").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def measure(name: str, corpus: str, limit: int | None) -> tuple[float, float, float, str]:
    return in_child(_child, name, corpus, limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="un_general_debate")
    parser.add_argument("--path", default=None, help="a JSON Lines file instead of --corpus")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    if args.path:
        args.corpus = args.path
    texts = read_texts(args.corpus, args.limit)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus {args.corpus}: {len(texts):,} documents, {size:,.1f} MB of UTF-8 text")
    del texts
    names = ["bytes", "words", "ours"] + ([] if args.skip_sklearn else ["sklearn"])
    if args.limit is None:
        names.append("whole")  # the whole file only
    labels = {
        "whole": "whole process",
        "bytes": "byte scan",
        "words": "build_index, no phrases",
        "ours": "build_index",
        "sklearn": "CountVectorizer(1,2)",
    }
    results = {}
    for name in names:
        seconds, peak, base, detail = measure(name, args.corpus, args.limit)
        results[name] = seconds
        print(
            f"{labels[name]:<24} {seconds:8.2f} s   peak RSS {peak:8,.0f} MB "
            f"(texts alone {base:,.0f} MB)   {detail}"
        )
    ours = results["ours"]
    print(f"build_index / byte scan: {ours / results['bytes']:.1f}x the time")
    if "sklearn" in results:
        print(f"CountVectorizer(1,2) / build_index: {results['sklearn'] / ours:.1f}x faster")
        print(
            "CountVectorizer(1,2) / build_index without phrases: "
            f"{results['sklearn'] / results['words']:.1f}x faster"
        )
    if "whole" in results:
        whole = results["whole"]
        print(f"whole process / byte scan: {whole / results['bytes']:.1f}x the time")
        if "sklearn" in results:
            print(f"CountVectorizer(1,2) / whole process: {results['sklearn'] / whole:.1f}x faster")


if __name__ == "__main__":
    main()
