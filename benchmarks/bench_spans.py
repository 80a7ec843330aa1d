"""Highlight spans (``term_spans``) over whole corpora, against the raw-text search.

    python benchmarks/bench_spans.py [--runs 5] [--against OLD_CONTEXTS_PY]

On ../shared/corpora/us_sotu and ../shared/corpora/zh_gov_work_reports it
prints, per term, the median of ``--runs`` calls of
``analysis.contexts.term_spans_many`` over every document (the text read as
the index reads it, NFKC and case folding, spans mapped back), beside the
baseline timed the same way in the same run: the same compiled patterns run
on the raw texts (no normalisation; what term_spans did before it read NFKC,
less its punctuation check). ``--against`` also times ``term_spans_many`` of
another version of ``analysis/contexts.py`` (``git show REV:analysis/contexts.py
> old.py``) in the same run. Span counts are printed beside; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO))

TERMS = {
    "us_sotu": ["america", "civil war", "slave*", "the", "united states | congress"],
    "zh_gov_work_reports": ["发展", "改革开放", "经济 | 社会", "gdp", "2008"],
}

Spans = Callable[[list[str], str], list[list[tuple[int, int]]]]


def _raw_search(texts: list[str], term: str) -> list[list[tuple[int, int]]]:
    from analysis.contexts import _alternatives, _term_pattern

    patterns = [_term_pattern(words) for words in _alternatives(term)]
    return [sorted({m.span() for p in patterns for m in p.finditer(text)}) for text in texts]


def _load(path: str) -> Spans:
    spec = importlib.util.spec_from_file_location("contexts_against", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["contexts_against"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.term_spans_many  # type: ignore[no-any-return]


def _median(spans: Spans, texts: list[str], term: str, runs: int) -> tuple[float, int]:
    found = spans(texts, term)  # warm-up: patterns compiled, Unicode tables read
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        spans(texts, term)
        times.append(time.perf_counter() - start)
    return statistics.median(times), sum(map(len, found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", help="another analysis/contexts.py to time beside")
    args = parser.parse_args()

    import os

    from analysis import load_corpus
    from analysis.contexts import term_spans_many

    ways: dict[str, Spans] = {"term_spans": term_spans_many, "raw-text search": _raw_search}
    if args.against:
        ways["--against"] = _load(args.against)
    print(f"load average {os.getloadavg()[0]:.1f}; median of {args.runs} runs, spans found")
    for name, terms in TERMS.items():
        texts = load_corpus(CORPORA / name).docs["text"].astype(str).tolist()
        size, ascii_ = sum(map(len, texts)), sum(text.isascii() for text in texts)
        print(f"{name}: {len(texts)} documents, {size:,} characters, {ascii_} ASCII")
        for term in terms:
            cells = []
            for label, spans in ways.items():
                seconds, found = _median(spans, texts, term, args.runs)
                cells.append(f"{label} {seconds * 1000:7.1f} ms {found:7,}")
            print(f"  {term!r:28} " + " | ".join(cells))


if __name__ == "__main__":
    main()
