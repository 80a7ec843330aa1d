"""Every row of issue 11's table in one run, at 10,000, 100,000 and 1,000,000 documents.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--runs 3]
        [--corpora DIR] [--work DIR] [--skip sklearn,dask,queries,apptest,browser,chinese]
        [--build-runs 3]

First, once, ``python -m analysis warm`` in a process of its own, as the
container image runs it at build time: every compiled kernel of the load,
the build and the queries is compiled into numba's cache, or found there
(its time is printed). The rows below then time what a visitor of an
installed copy waits for, not the first compile.

Corpora: ``DIR/scale{N/1000}k.jsonl`` (default DIR: the checkout's parent, where
``scale100k.jsonl`` sits), made by ``../shared/tools/make_scale_corpus.py --n N``
when absent. Per size, in this order, each part in its own forked process
(``bench_index.in_child``) so that one's imports, caches and memory peak are
not another's:

- build (after one untimed read of the file, so that every row finds it in
  the page cache): ``python -m analysis index``'s work, whole: ``load_corpus`` of the
  file, ``build_index`` and the save into a fresh cache folder (after one
  warm-up build in the child, ``analysis.warmup.warm_index``: imports, and the
  kernels read from numba's cache), with the child's
  peak RSS; beside it, from the same file, a byte scan (the file read line by
  line in binary, each line's spaces counted: touching every byte once from
  Python) and scikit-learn's ``CountVectorizer(ngram_range=(1, 2))`` (JSON
  lines read, texts counted; skipped above ``--sklearn-max-docs``; once, as
  it takes a minute at 100k: the others give the median of ``--build-runs``,
  each run listed), and the
  same build on a local dask cluster of two worker processes
  (:class:`analysis.distributed.ClusterBuilder`), whose files are compared
  byte for byte with the one-process build's;
- queries: ``bench_queries_100k.query_rows`` on the saved index (first call,
  median of ``--runs``, target, baseline timed alike);
- dashboard through AppTest (the corpus as a library entry, the index from
  that cache): first run, unchanged rerun, opening Terms, Topics and Compare
  (first time and again), a sidebar keyword and a Terms slider change; then,
  in another process, opening Topics again (the model the first fitted is read
  from beside the index);
- a shared link in a browser: the app served on a free loopback port
  (``bench_load.start_server``), one warm-up session opening every page, then
  per page a new Debian chromium session (Playwright) opening its link, timed
  to the end of the script run (``bench_load``'s probe); Compare with the two
  largest sources as A and B.

Once per run: Chinese indexing speed (``bench_chinese``: build_index against
jieba.lcut on zh_gov_work_reports). The load average is printed at the start
of every part (the machine may be shared), and before and after the build
rows the cost of first touching fresh memory (``_first_touch``: the VM's
state). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import filecmp
import gzip
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from bench_index import in_child  # noqa: E402  # once the path is set

MAKE_CORPUS = REPO.parent / "shared" / "tools" / "make_scale_corpus.py"
APP = str(REPO / "dashboard" / "app.py")
PARTS = ("sklearn", "dask", "queries", "apptest", "browser", "chinese")
#: Browser pages of the shared-link row: (URL path, wait for a drawn chart).
PAGES = (
    ("", True),  # Overview, the default page
    ("terms", True),
    ("trends", False),
    ("topics", True),
    ("contexts", False),
    ("documents", False),
    ("data", False),
)
WARM_UP = ["A first text, to load the code.", "And a second one, to load the code."]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_file(folder: Path, n: int) -> Path:
    """The scale corpus of ``n`` documents, made by the shared tool when absent."""
    path = folder / f"scale{n // 1000}k.jsonl"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), "--n", str(n), "--out", str(path)], check=True
        )
        print(f"made {path} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


# --- build rows ------------------------------------------------------------------------


def _warm_page_cache(path: Path) -> None:
    """Read the file once, untimed, so every timed row finds it in the page cache."""
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass


def _first_touch(queue: mp.Queue) -> None:
    """Seconds per GB to fault in and write memory this process never had, in small
    pages as the build asks (:func:`analysis.memory.prefer_small_pages`).

    On this project's VMs the figure is the machine's state, not the code's: memory
    the guest has never used is backed by the host on first touch. Measured on a
    machine minutes old: a first 1 GB took 2.5 s, the next three 0.07 s each (numpy's
    huge pages); this probe, in small pages, gave 0.38-0.45 s/GB an hour later. A
    build touches about 2 GB at 100k, so the same code's build differs by seconds
    between the two states; the line is printed before and after the build rows so
    that runs can be compared.
    """
    import numpy as np

    from analysis.memory import prefer_small_pages

    prefer_small_pages()
    size = 256 * 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    started = time.perf_counter()
    block = np.ones(size // 8)
    seconds = time.perf_counter() - started
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del block
    queue.put((seconds * 2**30 / size, faults))


def _touch_line() -> str:
    per_gb, faults = in_child(_first_touch)
    return f"first touch of fresh memory {per_gb:.2f} s/GB ({faults:,} page faults for 256 MB)"


def _byte_scan(path: str, queue: mp.Queue) -> None:
    started = time.perf_counter()
    spaces = 0
    with open(path, "rb") as handle:
        for line in handle:
            spaces += line.count(b" ")
    queue.put((time.perf_counter() - started, _peak_mb(), f"{spaces:,} spaces"))


def _sklearn(path: str, queue: mp.Queue) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    CountVectorizer(ngram_range=(1, 2)).fit_transform(WARM_UP)
    started = time.perf_counter()
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    matrix = CountVectorizer(ngram_range=(1, 2)).fit_transform(texts)
    seconds = time.perf_counter() - started
    queue.put((seconds, _peak_mb(), f"{matrix.shape[1]:,} terms, {matrix.nnz:,} non-zeros"))


def _warm_up() -> float:
    from analysis.warmup import warm_index

    started = time.perf_counter()
    warm_index()  # imports, and every kernel of the load and build from numba's cache
    return time.perf_counter() - started


def _install_warm_up() -> None:
    """``python -m analysis warm``, as the container image runs it once at build time:
    every kernel compiled into numba's cache (or found there), in a process of its own."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "warm"], cwd=REPO, capture_output=True, text=True
    )
    said = (done.stdout or done.stderr).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
    print(f"python -m analysis warm: {said[0]}; {time.perf_counter() - started:.1f} s", flush=True)


def _ours(path: str, cache: str, workers: int, queue: mp.Queue) -> None:
    """load + build + save, as ``python -m analysis index``; with ``workers`` on a cluster."""
    from analysis.corpus import load_corpus
    from analysis.index import build_index
    from analysis.memory import freed_memory_kept

    warm = _warm_up()
    builder: Any = None
    start_cluster = 0.0
    if workers:
        from analysis.distributed import ClusterBuilder

        builder = ClusterBuilder(workers=workers)
        started = time.perf_counter()
        builder.client()
        start_cluster = time.perf_counter() - started
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with freed_memory_kept():  # as the index command keeps it
        corpus = load_corpus(path)
        _ = corpus.content_hash
        loaded = time.perf_counter() - started
        index = build_index(corpus, cache_dir=Path(cache), builder=builder)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    if builder is not None:
        builder.close()
    detail = (
        f"load {loaded:.1f} s + build and save {seconds - loaded:.1f} s; "
        f"{index.n_docs:,} documents, {int(index.doc_tokens.sum()):,} tokens, "
        f"{index.counts.shape[1]:,} terms; CPU {after.ru_utime - before.ru_utime:.1f} s user "
        f"+ {after.ru_stime - before.ru_stime:.1f} s system (the kernel's: mostly memory and "
        f"page cache touched for the first time); warm-up {warm:.2f} s"
    )
    if workers:
        detail += f"; cluster start {start_cluster:.1f} s (not counted)"
    queue.put((seconds, _peak_mb(), detail))


def _saved(cache: Path) -> Path:
    (folder,) = (p for p in cache.iterdir() if not p.name.startswith("."))
    return folder


def build_rows(
    path: Path, work: Path, skip: set[str], sklearn_max: int, n: int, build_runs: int
) -> dict[str, Any]:
    print(f"build ({_load()}; {_touch_line()}):", flush=True)
    size = path.stat().st_size / 1e6
    results: dict[str, float] = {}
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    rows: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("byte scan of the file", _byte_scan, (str(path),)),
        ("index build, whole (load + build + save)", _ours, (str(path), str(cache), 0)),
    ]
    if "sklearn" not in skip and n <= sklearn_max:
        rows.append(("CountVectorizer(ngram_range=(1, 2))", _sklearn, (str(path),)))
    if "dask" not in skip:
        shutil.rmtree(work / "dask-cache", ignore_errors=True)
        rows.append(
            ("the same on dask, 2 local workers", _ours, (str(path), str(work / "dask-cache"), 2))
        )
    # One untimed read first: a file the page cache has let go (a 1M corpus made or read
    # since) is read from disk by whichever row comes first; the first byte scan of a
    # session's final run took 13.4 s cold against 0.54-1.61 s warm.
    _warm_page_cache(path)
    for label, target, args in rows:
        # CountVectorizer takes a minute at 100k: once; the rest: the median of build_runs
        times, peaks = [], []
        for _ in range(1 if target is _sklearn else build_runs):
            if target is _ours:
                shutil.rmtree(args[1], ignore_errors=True)  # a fresh cache: built, not read
            seconds, peak, detail = in_child(target, *args)
            times.append(seconds)
            peaks.append(peak)
        seconds = statistics.median(times)
        results[label] = seconds
        runs = f" (median of {', '.join(f'{t:.2f}' for t in times)})" if len(times) > 1 else ""
        print(
            f"  {label:<42} {seconds:8.2f} s  {size / seconds:7.1f} MB/s  "
            f"peak RSS {max(peaks):8,.0f} MB   {detail}{runs}",
            flush=True,
        )
    ours = results["index build, whole (load + build + save)"]
    print(f"  after the rows: {_touch_line()}")
    print(f"  index build / byte scan: {ours / results['byte scan of the file']:.1f}x the time"
          " (goal <= 8x)")  # fmt: skip
    if "CountVectorizer(ngram_range=(1, 2))" in results:
        faster = results["CountVectorizer(ngram_range=(1, 2))"] / ours
        print(f"  CountVectorizer(1,2) / index build: {faster:.1f}x faster (goal >= 10x)")
    elif "sklearn" in skip:
        print("  CountVectorizer(1,2): skipped (--skip sklearn)")
    else:
        print(f"  CountVectorizer(1,2): skipped (over --sklearn-max-docs {sklearn_max:,})")
    if "dask" not in skip:
        local, remote = _saved(cache), _saved(work / "dask-cache")
        names = sorted(p.name for p in local.iterdir())
        same = names == sorted(p.name for p in remote.iterdir()) and all(
            filecmp.cmp(local / name, remote / name, shallow=False) for name in names
        )
        print(f"  dask build's files byte-identical to the one-process build's: {same}")
    return {"seconds": ours, "mb": size}


# --- query rows ------------------------------------------------------------------------


def _queries(cache: str, runs: int, queue: mp.Queue) -> None:
    from bench_queries_100k import HEADER, query_rows, time_row

    from analysis import schema as S
    from analysis.store import load_index

    started = time.perf_counter()
    index = load_index(_saved(Path(cache)))
    print(f"  index loaded in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"  first call, then median of {runs} (ms); baseline the same way in this run:")
    print(HEADER, flush=True)
    for row in query_rows(index):
        print(time_row(row, runs), flush=True)
    sources = index.docs[S.SOURCE].fillna("").astype(str).value_counts().index[:2].tolist()
    queue.put(sources)


# --- dashboard rows (AppTest) -------------------------------------------------------------


def _timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _apptest(library: str, cache: str, name: str, runs: int, queue: mp.Queue) -> None:
    os.environ.update(
        DASHBOARD_CORPUS_DIR=library,
        DASHBOARD_CACHE_DIR=cache,
        DASHBOARD_FOLLOW_SYMLINKS="1",
        # bare-mode notices of the topic fit's worker process (it imports the app's modules)
        STREAMLIT_LOGGER_LEVEL="error",
    )
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=1800)
    at.query_params["corpus"] = f"lib:{name}"
    lines = [f"  {'first run (corpus read, index loaded)':<46} {_timed(at.run):9.0f} ms"]
    problems = [e.value for e in at.exception]
    reruns = [_timed(at.run) for _ in range(runs)]
    lines.append(
        f"  {'unchanged rerun, median of ' + str(runs):<46} {statistics.median(reruns):9.0f} ms"
        "   (goal < 150)"
    )
    for page in ("terms", "topics", "compare"):
        first = _timed(lambda page=page: at.switch_page(f"views/{page}.py").run())
        problems += [e.value for e in at.exception]
        again = []
        for _ in range(runs):
            at.switch_page("views/overview.py").run()
            again.append(_timed(lambda page=page: at.switch_page(f"views/{page}.py").run()))
        lines.append(
            f"  {'open ' + page.title():<46} {first:9.0f} ms first, "
            f"{statistics.median(again):.0f} ms again (median of {runs})   (goal < 1000)"
        )
    at.switch_page("views/terms.py").run()
    changes = (
        ("sidebar keyword 'peace'", lambda: at.sidebar.text_input(key="sidebar_query")
         .set_value("peace").run()),
        ("Terms slider to 50 terms", lambda: at.slider(key="terms_top").set_value(50).run()),
        ("sidebar keyword cleared", lambda: at.sidebar.text_input(key="sidebar_query")
         .set_value("").run()),
    )  # fmt: skip
    for label, change in changes:
        lines.append(f"  {'widget change: ' + label:<46} {_timed(change):9.0f} ms   (goal < 1000)")
        problems += [e.value for e in at.exception]
    if problems:
        lines.append(f"  exceptions on the page: {problems[:3]}")
    _leave(queue, lines)


def _leave(queue: mp.Queue, lines: list[str]) -> None:
    queue.put(lines)
    queue.close()
    queue.join_thread()
    # The app's topic-fit pool (a spawned worker process) can hang this process's
    # exit while it joins that worker, and outlives an exit that does not join it.
    for worker in mp.active_children():
        worker.terminate()
    os._exit(0)


def _apptest_later(library: str, cache: str, name: str, queue: mp.Queue) -> None:
    """Topics opened by a later server process: the model the one before fitted is saved."""
    os.environ.update(DASHBOARD_CORPUS_DIR=library, DASHBOARD_CACHE_DIR=cache,
                      DASHBOARD_FOLLOW_SYMLINKS="1", STREAMLIT_LOGGER_LEVEL="error")  # fmt: skip
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=1800)
    at.query_params["corpus"] = f"lib:{name}"
    at.run()
    topics = _timed(lambda: at.switch_page("views/topics.py").run())
    problems = [e.value for e in at.exception]
    line = f"  {'open Topics, a later process (model saved)':<46} {topics:9.0f} ms   (goal < 1000)"
    _leave(queue, [line] + ([f"  exceptions on the page: {problems[:3]}"] if problems else []))


# --- shared links in a browser ------------------------------------------------------------


def browser_rows(work: Path, library: Path, name: str, sources: list[str], timeout: float) -> None:
    import asyncio

    from bench_load import (
        CHROMIUM,
        CHROMIUM_ARGS,
        Budget,
        _error,
        _until_done,
        new_page,
        start_server,
        stop_server,
    )

    os.environ["DASHBOARD_FOLLOW_SYMLINKS"] = "1"
    corpus = f"lib:{name}"
    links = [(page or "overview", f"?{urllib.parse.urlencode({'corpus': corpus})}", page, chart)
             for page, chart in PAGES]  # fmt: skip
    if len(sources) == 2:
        query = urllib.parse.urlencode(
            {"corpus": corpus, "a_kind": "source", "a": sources[0], "b_kind": "source",
             "b": sources[1]}
        )  # fmt: skip
        links.append((f"compare, {sources[0][:12]} vs {sources[1][:12]}", f"?{query}",
                      "compare", True))  # fmt: skip
    server, base, log = start_server(work, library)

    async def run() -> None:
        from playwright.async_api import async_playwright

        budget = Budget(max_seconds=timeout * (2 * len(links) + 1), action_timeout=timeout)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for warm in (True, False):
                    if warm:
                        context, page, _ = await new_page(browser)
                    for label, query, path, chart in links:
                        if not warm:
                            context, page, _ = await new_page(browser)
                        started = time.monotonic()
                        try:
                            await page.goto(f"{base}/{path}{query}", wait_until="commit",
                                            timeout=budget.timeout_ms())  # fmt: skip
                            seconds = await _until_done(page, 0.0, budget.timeout_ms(), chart)
                            if warm:  # one session: the clock of later pages runs on
                                seconds = time.monotonic() - started
                            shown = f"{seconds:8.2f} s"
                        except Exception as exc:
                            shown = (
                                f"failed ({_error(exc)}) after {time.monotonic() - started:.1f} s"
                            )
                        kind = "first open, one warm-up session" if warm else "new session, warm"
                        print(f"  {label:<38} {kind:<32} {shown}   (goal < 2 s)", flush=True)
                        if not warm:
                            await context.close()
                    if warm:
                        await context.close()
            finally:
                await browser.close()

    try:
        asyncio.run(run())
    finally:
        stop_server(server)
        print(f"  server log: {log}", flush=True)


# --- the run --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="document counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=REPO.parent)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-scale"))
    parser.add_argument("--skip", default="", help=f"parts left out: {', '.join(PARTS)}")
    parser.add_argument("--sklearn-max-docs", type=int, default=100_000)
    parser.add_argument(
        "--build-runs", type=int, default=3,
        help="runs of the byte scan and of each build (their median; CountVectorizer runs once)",
    )  # fmt: skip
    parser.add_argument("--page-timeout", type=float, default=300.0, help="seconds per page")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(PARTS):
        parser.error(f"--skip takes {', '.join(PARTS)}, not {', '.join(sorted(skip - set(PARTS)))}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"bench_scale: sizes {sizes}; {_load()}", flush=True)
    _install_warm_up()
    builds: dict[int, dict[str, Any]] = {}
    for n in sizes:
        path = corpus_file(args.corpora, n)
        work = args.work / str(n)
        work.mkdir(parents=True, exist_ok=True)
        library = work / "library"
        library.mkdir(exist_ok=True)
        link = library / path.name
        if not link.is_symlink():
            link.symlink_to(path.resolve())
        print(f"\n=== {n:,} documents: {path} ({path.stat().st_size / 1e6:,.1f} MB)", flush=True)
        builds[n] = build_rows(path, work, skip, args.sklearn_max_docs, n, args.build_runs)
        sources: list[str] = []
        if "queries" not in skip:
            print(f"queries ({_load()}):", flush=True)
            sources = in_child(_queries, str(work / "cache"), args.runs)
        if "apptest" not in skip:
            print(f"dashboard, AppTest ({_load()}):", flush=True)
            for line in in_child(_apptest, str(library), str(work / "cache"), path.name, args.runs):
                print(line, flush=True)
            for line in in_child(_apptest_later, str(library), str(work / "cache"), path.name):
                print(line, flush=True)
        if "browser" not in skip:
            print(f"shared links in chromium ({_load()}):", flush=True)
            browser_rows(work, library, path.name, sources, args.page_timeout)
    if 100_000 in builds and 1_000_000 in builds:
        # the tool cuts the same shared text into sentences for 1M, paragraphs for 100k:
        # the measure is the time on that same text; the 1M file is larger
        # (a JSON record per sentence), so per MB of file is printed beside it
        per_mb = {n: b["seconds"] / b["mb"] for n, b in builds.items()}
        ratio = builds[1_000_000]["seconds"] / builds[100_000]["seconds"]
        print(f"\n1M build / 100k build (the same text): {ratio:.2f}x the time (goal <= 1.5x); "
              f"per MB of file {per_mb[1_000_000] / per_mb[100_000]:.2f}x")  # fmt: skip
    if "chinese" not in skip:
        from bench_chinese import measure
        from bench_index import read_texts

        print(f"\nChinese indexing, zh_gov_work_reports ({_load()}):", flush=True)
        size = sum(len(t.encode("utf-8")) for t in read_texts("zh_gov_work_reports", None)) / 1e6
        for name in ("build_index", "jieba.lcut"):
            times, detail = measure(name, "zh_gov_work_reports", args.runs)
            goal = "   (goal >= 20 MB/s)" if name == "build_index" else ""
            speed = size / statistics.median(times)
            print(f"  {name:<12} {speed:7.1f} MB/s   {detail}{goal}", flush=True)
    print(f"\ndone; {_load()}")


if __name__ == "__main__":
    main()
