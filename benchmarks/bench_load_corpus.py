"""Loading a corpus file (load_corpus, content_hash) against Arrow's JSON reader and a byte scan.

    python benchmarks/bench_load_corpus.py FILE [FILE ...] [--runs 3] [--before DIR]

For each JSON Lines file, each round runs every contender in a fresh forked
process (so no page cache of memory, import or compiled kernel is counted
against another), one after the other on the same machine load:

- ``byte scan``: the file read line by line in binary, each line's spaces
  counted (``bench_scale``'s baseline: every byte touched once from Python);
- ``pyarrow.json.read_json``: Arrow's reader on the path, its defaults
  (threads, type inference): what reading the file into columns costs;
- ``load_corpus``: :func:`analysis.corpus.load_corpus` of the path, then
  ``content_hash`` (which names the index cache folder), timed apart;
- with ``--before DIR``: the same with the ``analysis`` package of the
  checkout at ``DIR`` (e.g. ``git archive`` of an older commit), a baseline
  from the same run.

Each loader first reads a two-line file of the same kind untimed, so its
compiled kernels are loaded. Figures: the median over ``--runs`` of wall
seconds, CPU user and system seconds, and peak RSS; then the load's ratio to
each baseline, and with two or more files the ratio of each file's load to
the first's. The load average is printed with each round. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import in_child  # noqa: E402  (a sibling script, found through sys.path)


def _usage() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _byte_scan(path: str, queue: mp.Queue) -> None:
    user, system = _usage()
    started = time.perf_counter()
    spaces = 0
    with open(path, "rb") as handle:
        for line in handle:
            spaces += line.count(b" ")
    seconds = time.perf_counter() - started
    after = _usage()
    queue.put((seconds, after[0] - user, after[1] - system, _peak_mb(), f"{spaces:,} spaces"))


def _read_json(path: str, queue: mp.Queue) -> None:
    import pyarrow.json as pa_json

    user, system = _usage()
    started = time.perf_counter()
    table = pa_json.read_json(path)
    seconds = time.perf_counter() - started
    after = _usage()
    detail = f"{table.num_rows:,} rows"
    queue.put((seconds, after[0] - user, after[1] - system, _peak_mb(), detail))


def _load(path: str, code: str, queue: mp.Queue) -> None:
    sys.path.insert(0, code)
    from analysis.corpus import load_corpus

    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / Path(path).name
        with open(path, "rb") as handle:
            warm.write_bytes(handle.readline() + handle.readline())
        load_corpus(warm).content_hash  # noqa: B018  # loads the compiled kernels
    user, system = _usage()
    started = time.perf_counter()
    corpus = load_corpus(path)
    loaded = time.perf_counter()
    digest = corpus.content_hash
    seconds = time.perf_counter() - started
    after = _usage()
    counts = corpus.counts()
    detail = (
        f"load {loaded - started:.2f} s + hash {seconds - (loaded - started):.2f} s; "
        f"{counts['loaded']:,} documents, {counts['units']:,} units, hash {digest[:12]}"
    )
    queue.put((seconds, after[0] - user, after[1] - system, _peak_mb(), detail))


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="an older checkout to time too")
    args = parser.parse_args()
    contenders: list[tuple[str, Any, tuple[str, ...]]] = [
        ("byte scan", _byte_scan, ()),
        ("pyarrow.json.read_json", _read_json, ()),
        ("load_corpus + content_hash", _load, (str(REPO),)),
    ]
    if args.before is not None:
        label = f"the same, code at {args.before}"
        contenders.append((label, _load, (str(args.before.resolve()),)))
    loads: dict[Path, float] = {}
    for path in args.files:
        size = path.stat().st_size / 1e6
        print(f"\n{path} ({size:,.0f} MB)")
        results: dict[str, list[tuple[float, float, float, float, str]]] = {}
        for run in range(args.runs):
            print(f"  round {run + 1}: {_load_average()}", flush=True)
            for label, target, extra in contenders:
                results.setdefault(label, []).append(in_child(target, str(path), *extra))
        medians: dict[str, float] = {}
        for label, rows in results.items():
            wall, user, system, peak = (statistics.median(r[i] for r in rows) for i in range(4))
            medians[label] = wall
            walls = ", ".join(f"{r[0]:.2f}" for r in rows)
            print(
                f"  {label:44} {wall:6.2f} s (runs {walls}; user {user:.2f}, sys {system:.2f}; "
                f"peak {peak:,.0f} MB); last run: {rows[-1][4]}"
            )
        load = medians["load_corpus + content_hash"]
        loads[path] = load
        for label in ("byte scan", "pyarrow.json.read_json"):
            print(f"  load ÷ {label}: {load / medians[label]:.2f}x")
        if args.before is not None:
            before = medians[f"the same, code at {args.before}"]
            print(f"  before ÷ now: {before / load:.2f}x")
    first = args.files[0]
    for path in args.files[1:]:
        print(f"load of {path.name} ÷ load of {first.name}: {loads[path] / loads[first]:.2f}x")
    print(json.dumps({str(path): round(seconds, 3) for path, seconds in loads.items()}))


if __name__ == "__main__":
    main()
