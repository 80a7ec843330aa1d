"""Dispersion (every occurrence with its relative position) against a regex pass over the texts.

    python benchmarks/bench_dispersion.py [--corpus scale100k.jsonl] [--cache scale-cache]
        [--runs 3] [--term "peace" --term "human rights"]

The index is built once and saved under ``--cache`` (later runs reload it), as
in ``bench_queries_100k.py``. For each term it prints the first call and the
median of ``--runs`` calls of ``analysis.dispersion`` over the whole corpus,
beside the baseline timed the same way in the same run: ``re.finditer`` of the
words (parted by white space, case folded) over every text, each match's
place counted as the words before it (a word regex and a bisect), divided by
the text's words. Both row counts are printed; the figures assert nothing.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_queries_100k import _index, _time  # noqa: E402  (the scripts sit side by side)

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def _baseline(texts: list[str], term: str) -> list[tuple[int, float, int, int]]:
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.I)
    rows = []
    for n, text in enumerate(texts):
        found = list(pattern.finditer(text))
        if not found:
            continue
        starts = [m.start() for m in WORD.finditer(text)]
        for match in found:
            rows.append((n, bisect.bisect_left(starts, match.start()) / len(starts), *match.span()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("scale100k.jsonl"))
    parser.add_argument("--cache", type=Path, default=Path("scale-cache"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--term", action="append", default=None)
    args = parser.parse_args()
    import analysis

    index = _index(args.corpus, args.cache)
    texts = index.docs["text"].astype(str).tolist()
    print(f"{index.n_docs:,} documents, {int(index.doc_tokens.sum()):,} tokens")
    for term in args.term or ["peace", "human rights"]:
        rows = len(analysis.dispersion(index, None, term).table)
        first, median = _time(lambda t=term: analysis.dispersion(index, None, t), args.runs)
        base_rows = len(_baseline(texts, term))
        base_first, base = _time(lambda t=term: _baseline(texts, t), args.runs)
        print(
            f"dispersion {term!r}: {rows:,} rows, first {first:,.0f} ms, median {median:,.0f} ms"
            f" | baseline re.finditer over every text: {base_rows:,} rows, first "
            f"{base_first:,.0f} ms, median {base:,.0f} ms | {base / median:.1f}x"
        )


if __name__ == "__main__":
    main()
