"""Chinese indexing speed: our index build against jieba's plain cut (and rjieba's).

    python benchmarks/bench_chinese.py [--corpus zh_gov_work_reports] [--runs 3]

Reads ../shared/corpora/<corpus>/docs.jsonl[.gz]. Each contender runs in its
own child process: one warm-up call on a short text (imports, dictionaries,
numba's cache; for build_index, :func:`analysis.warmup.warm_index` as well:
every kernel of a build read from numba's cache, phrase detection's
included), then ``--runs`` timed passes over the whole corpus, of which the
median is printed as MB/s of UTF-8 text (reading the file is not timed),
with the median CPU time of the process beside it (all its threads: on a
shared machine, wall time over CPU time shows how much of a run was spent
waiting for a core).

- build_index: ``analysis.build_index`` (token rule with Chinese segmentation,
  words + detected phrases, passages), no cache;
- jieba.lcut: jieba's plain cut of every text (HMM on), the segmenter alone;
- rjieba.cut: the same with rjieba (jieba-rs), the segmenter alone;
- compiled runs: what the index cuts, as it cuts it: each distinct Han run
  of the NFKC text once, by ``analysis.segmenter.cut`` (jieba's cut,
  compiled, on parallel threads) from an Arrow array of the runs (found
  before the clock starts). The floor of the index's segmenting;
- rjieba runs: rjieba's cut of the same runs, in calls of 2,048 runs joined
  by line breaks on one thread (how the index cut them before).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import _frame, in_child, read_texts

WARM_UP = ["一个短文本，用来加载词典。", "第二个短文本。"]


def _ours(data: object) -> str:
    from analysis.corpus_index import IndexSettings
    from analysis.index import build_index

    if data is None:  # the warm-up: imports, the dictionary, every kernel of a build
        from analysis.warmup import warm_index

        warm_index()
        build_index(_frame(WARM_UP), settings=IndexSettings())
        return ""

    index = build_index(data, settings=IndexSettings())  # type: ignore[arg-type]
    return f"{int(index.doc_tokens.sum()):,} word tokens, {index.counts.shape[1]:,} terms"


def _jieba(texts: list[str]) -> str:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return f"{sum(len(jieba.lcut(t, HMM=True)) for t in texts):,} pieces"


def _rjieba(texts: list[str]) -> str:
    import rjieba

    return f"{sum(len(rjieba.cut(t, hmm=True)) for t in texts):,} pieces"


def _compiled_runs(runs: Any) -> str:
    import pyarrow as pa

    from analysis import segmenter

    array = runs if isinstance(runs, pa.Array) else pa.array(runs, pa.large_string())
    counts, _ = segmenter.cut(segmenter.segmenter(), array)
    return f"{int(counts.sum()):,} words of {len(counts):,} distinct runs"


def _rjieba_runs(runs: list[str]) -> str:
    import rjieba

    per_call = 2048
    words = 0
    for at in range(0, len(runs), per_call):
        batch = runs[at : at + per_call]
        words += len(rjieba.cut("\n".join(batch), hmm=True)) - (len(batch) - 1)  # less the breaks
    return f"{words:,} words of {len(runs):,} distinct runs"


def _distinct_runs(texts: list[str]) -> list[str]:
    import unicodedata

    import regex

    runs = (regex.findall(r"\p{Han}+", unicodedata.normalize("NFKC", t)) for t in texts)
    return list(dict.fromkeys(run for found in runs for run in found))


CONTENDERS: dict[str, Callable[..., str]] = {
    "build_index": _ours,
    "jieba.lcut": _jieba,
    "rjieba.cut": _rjieba,
    "compiled runs": _compiled_runs,
    "rjieba runs": _rjieba_runs,
}


def _child(name: str, corpus: str, runs: int, queue: mp.Queue) -> None:
    work = CONTENDERS[name]
    ours = name == "build_index"
    started = time.perf_counter()
    work(None if ours else WARM_UP)
    warm_up = time.perf_counter() - started
    texts = read_texts(corpus, None)
    if name.endswith(" runs"):
        texts = _distinct_runs(texts)
    times = []
    cpu = []
    detail = ""
    for _ in range(runs):
        data: object = _frame(texts) if ours else texts  # a fresh frame: no content hash reuse
        if name == "compiled runs":
            import pyarrow as pa

            data = pa.array(texts, pa.large_string())
        started = time.perf_counter()
        used = time.process_time()
        detail = work(data)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    queue.put((times, f"cpu {statistics.median(cpu):.2f} s; {detail}; warm-up {warm_up:.2f} s"))


def measure(name: str, corpus: str, runs: int) -> tuple[list[float], str]:
    return in_child(_child, name, corpus, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="zh_gov_work_reports")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = read_texts(args.corpus, None)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus {args.corpus}: {len(texts):,} documents, {size:,.2f} MB of UTF-8 text")
    del texts
    speeds = {}
    for name in CONTENDERS:
        times, detail = measure(name, args.corpus, args.runs)
        median = statistics.median(times)
        speeds[name] = size / median
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:<13} {speeds[name]:7.1f} MB/s   median {median:6.2f} s ({runs})   {detail}")
    for name in ("jieba.lcut", "rjieba.cut", "compiled runs", "rjieba runs"):
        print(f"build_index / {name}: {speeds['build_index'] / speeds[name]:.2f}x the speed")


if __name__ == "__main__":
    main()
