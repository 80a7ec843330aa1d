"""The index build on a dask.distributed cluster: shards counted on workers, merged here.

The corpus is cut into shards of consecutive documents (about
:data:`SHARD_BYTES` of text each, at least two per worker). Each worker scans,
classifies and numbers the words of its shards (:func:`analysis.index.count_shard`,
the code of the one-process build); this process numbers all the shards'
words as one vocabulary, in order of first appearance
(:func:`analysis.index.merge_words`); the workers renumber their token streams
into it and count documents x words; this process joins the parts, detects
phrases on the joined stream and assembles the index
(:func:`analysis.index.assemble_index`). The index is the one
:func:`analysis.build_index` makes in one process, array for array, and is
saved in the same cache folder.

dask is imported only here, and only when a cluster is used: the one-machine
build never needs it.

>>> from analysis.index import build_index
>>> with ClusterBuilder(workers=2) as builder:  # doctest: +SKIP
...     index = build_index(corpus, cache_dir=cache, builder=builder)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.corpus_index import INDEX_VERSION, CorpusIndex, IndexSettings
from analysis.errors import AnalysisError
from analysis.index import Progress, Shard, assemble_index, count_shard, merge_words
from analysis.rule import BOUNDARY, RULE_VERSION
from analysis.scan import arrow_text, utf8_texts

if TYPE_CHECKING:
    from distributed import Client

#: Text per shard; a corpus is cut into at least two shards per worker.
SHARD_BYTES = 32 << 20
#: Seconds to reach a scheduler, and to wait for its first worker.
CONNECT_SECONDS = 30.0
#: Packages whose versions decide the tokens: every worker must run the same.
_DECIDING = ("numpy", "pandas", "polars", "pyarrow", "jieba", "opencc", "numba")


class ClusterError(AnalysisError):
    """The dask cluster cannot build the index (unreachable, no workers, other code)."""


@dataclass(frozen=True)
class _Counted:
    """A shard counted on a worker (kept there) and the worker's address."""

    shard: Shard
    worker: str


class ClusterBuilder:
    """Build indexes on a dask.distributed cluster (a :data:`analysis.index.Builder`).

    Parameters
    ----------
    workers
        Start a local cluster of this many worker processes (loopback only,
        one thread each, no dashboard).
    scheduler
        The address of a running scheduler (``tcp://host:8786``).
    client
        A connected ``distributed.Client`` to use as it is (it is not closed).
    shard_bytes
        Text per shard; shards are never fewer than two per worker.

    Give exactly one of the three. The cluster is started (or reached) at
    the first build, so an index the cache already holds needs none; use
    the builder as a context manager to stop a cluster it started.
    ``workers_used`` is the number of workers that counted shards of the
    last build.

    Raises
    ------
    ClusterError
        At a build: the scheduler cannot be reached, has no worker within
        :data:`CONNECT_SECONDS`, or a worker runs other analysis code or
        other package versions than this process (its tokens could differ).
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        client: Client | None = None,
        shard_bytes: int = SHARD_BYTES,
    ) -> None:
        if sum(given is not None for given in (workers, scheduler, client)) != 1:
            raise ValueError("give one of workers, scheduler or client")
        if workers is not None and workers < 1:
            raise ClusterError(f"A cluster needs at least 1 worker, not {workers}.")
        self._workers = workers
        self._scheduler = scheduler
        self._client = client
        self._owned: list[Any] = []  # what this builder started, closed in reverse
        self.shard_bytes = shard_bytes
        self.workers_used = 0

    def __enter__(self) -> ClusterBuilder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the client and the local cluster this builder started, if any."""
        while self._owned:
            self._owned.pop().close()
        if self._workers is not None or self._scheduler is not None:
            self._client = None

    def client(self) -> Client:
        """The client, connected (and the local cluster started) on first use."""
        if self._client is None:
            self._client = self._connect()
            check_workers(self._client)
        return self._client

    def _connect(self) -> Client:
        from distributed import Client, LocalCluster

        if self._workers is not None:
            cluster = LocalCluster(
                n_workers=self._workers,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._owned.append(cluster)
            client = Client(cluster)
            self._owned.append(client)
            return client
        try:
            client = Client(self._scheduler, timeout=CONNECT_SECONDS)
        except (OSError, ValueError) as error:
            raise ClusterError(
                f"The dask scheduler at {self._scheduler} cannot be reached ({error}). "
                "Start one with `dask scheduler` and give the address it prints "
                "(tcp://host:8786), or build on this machine with --workers N."
            ) from None
        self._owned.append(client)
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ClusterError(
                f"The dask scheduler at {self._scheduler} has no worker. Start one on each "
                f"machine with `dask worker {self._scheduler}`."
            ) from None
        return client

    def __call__(
        self, docs: pd.DataFrame, content_hash: str, settings: IndexSettings, report: Progress
    ) -> CorpusIndex:
        client = self.client()
        n_workers = len(client.scheduler_info()["workers"])
        column = arrow_text(docs[S.TEXT])
        spans = shard_spans(column, workers=n_workers, shard_bytes=self.shard_bytes)
        report(
            0.05, f"Counting {len(docs):,} documents in {len(spans)} shards on {n_workers} workers"
        )
        texts = client.scatter([_payload(column, lo, hi) for lo, hi in spans], hash=False)
        counted = [client.submit(_count, t, settings, pure=False) for t in texts]
        words = client.gather([client.submit(_words, c, pure=False) for c in counted])
        del texts  # the workers may drop the texts once counted
        vocab, tables = merge_words([w for w, _ in words], settings)
        self.workers_used = len({worker for _, worker in words})
        report(0.4, f"Renumbering {len(vocab.words):,} words on the workers")
        renumbered = [
            client.submit(_renumber, c, table, hi - lo, pure=False)
            for c, table, (lo, hi) in zip(counted, tables, spans, strict=True)
        ]
        rows = [
            client.submit(_row_counts, c, r, len(vocab.words), pure=False)
            for c, r in zip(counted, renumbered, strict=True)
        ]
        streams = client.gather(renumbered)
        del counted, renumbered
        lengths = np.concatenate([s[1] for s in streams])
        merged = Shard(
            vocab=vocab,
            doc=np.repeat(np.arange(len(docs), dtype=np.int32), lengths),
            tokens=np.concatenate([s[0] for s in streams]).astype(np.int32, copy=False),
            passages=_join_passages([s[2] for s in streams], spans),
        )
        del streams
        return assemble_index(
            docs,
            content_hash,
            settings,
            merged,
            lambda: _join_counts(client.gather(rows), len(docs), len(vocab.words)),
            report,
        )


def shard_spans(
    texts: pd.Series, *, workers: int, shard_bytes: int = SHARD_BYTES
) -> list[tuple[int, int]]:
    """Rows ``[lo, hi)`` of each shard: about ``shard_bytes`` of UTF-8, two per worker at least."""
    bounds = utf8_texts(texts)[1]
    size = int(bounds[-1] - bounds[0]) if len(bounds) else 0
    parts = max(2 * workers, -(-size // max(shard_bytes, 1)))
    return kernels.split_evenly(bounds, min(parts, max(len(texts), 1)))


def check_workers(client: Client, *, expected: dict[str, object] | None = None) -> None:
    """Refuse a cluster that cannot run this analysis code, or runs another.

    The scheduler reads the tasks' arguments and the workers run them: each
    must hold the same ``analysis`` sources (a hash of them) and the same
    versions of the packages that decide the tokens as this process;
    ``expected`` (default: this process's :func:`fingerprint`) is what they
    are held to.
    """
    expected = fingerprint() if expected is None else expected
    try:
        found = {"scheduler": client.run_on_scheduler(fingerprint)}
    except Exception as error:  # whatever the scheduler raised, as it raised it
        found = {"scheduler": error}
    found.update(client.run(fingerprint, on_error="return"))
    for name, print_ in found.items():
        where = "scheduler" if name == "scheduler" else f"worker {name}"
        if isinstance(print_, BaseException):
            raise ClusterError(
                f"The dask {where} cannot run this analysis code ({print_!r}). Start the "
                "scheduler and each worker in a checkout of this project with its "
                "requirements installed: `PYTHONPATH=/path/to/checkout dask scheduler`, "
                "`PYTHONPATH=/path/to/checkout dask worker ADDRESS`."
            )
        if print_ != expected:
            differ = sorted(k for k in expected if print_.get(k) != expected[k])
            raise ClusterError(
                f"The dask {where} runs other analysis code or packages than this process "
                f"({', '.join(differ)} differ): its tokens could differ. Install the same "
                "checkout and requirements on the scheduler and every worker, then restart them."
            )


def fingerprint() -> dict[str, object]:
    """What decides the tokens in this process: versions and a hash of the analysis sources.

    Read when this module was imported, beside the rest of the analysis code,
    so a worker started before its checkout changed on disk shows the code it
    runs, not the code on disk.
    """
    return dict(_IMPORTED)


def _read_fingerprint() -> dict[str, object]:
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    found: dict[str, object] = {
        "index_version": INDEX_VERSION,
        "rule_version": RULE_VERSION,
        "sources": digest.hexdigest(),
    }
    for package in _DECIDING:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


_IMPORTED = _read_fingerprint()


def _payload(column: pd.Series, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray] | list[str]:
    """Rows ``lo:hi`` of the texts as they travel: UTF-8 bytes and offsets, or strings.

    Only an Arrow-backed column's bytes are sent as they lie (a slice of an
    Arrow array would travel with its whole buffers); a column Arrow could
    not hold (an unpaired surrogate) goes as Python strings.
    """
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        buf, bounds = utf8_texts(column)
        return buf[bounds[lo] : bounds[hi]], bounds[lo : hi + 1] - bounds[lo]
    return [str(text) for text in column.iloc[lo:hi].tolist()]


def _texts(payload: tuple[np.ndarray, np.ndarray] | list[str]) -> pd.Series:
    if isinstance(payload, list):
        return pd.Series(payload, dtype=object)
    buf, bounds = payload
    array = pa.LargeStringArray.from_buffers(
        len(bounds) - 1, pa.py_buffer(bounds.astype(np.int64)), pa.py_buffer(buf)
    )
    return pd.Series(pd.arrays.ArrowStringArray(array))


def _count(payload: tuple[np.ndarray, np.ndarray] | list[str], settings: IndexSettings) -> _Counted:
    from distributed import get_worker

    return _Counted(count_shard(_texts(payload), settings), get_worker().address)


def _words(counted: _Counted) -> tuple[list[str], str]:
    return counted.shard.vocab.words, counted.worker


def _renumber(
    counted: _Counted, table: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The shard's stream in merged ids, its tokens per document, and its passages."""
    shard = counted.shard
    tokens = np.append(table, np.int32(BOUNDARY))[shard.tokens]  # -1 picks the boundary
    return tokens, np.bincount(shard.doc, minlength=n_docs), shard.passages


def _row_counts(
    counted: _Counted, renumbered: tuple[np.ndarray, np.ndarray, pd.DataFrame], n_words: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts of the shard's documents x words counts, in merged ids."""
    tokens, lengths, _passages = renumbered
    return kernels.row_counts(counted.shard.doc, tokens, len(lengths), n_words)


def _join_passages(parts: Sequence[pd.DataFrame], spans: Sequence[tuple[int, int]]) -> pd.DataFrame:
    moved = [
        part.assign(doc=part["doc"] + lo) for part, (lo, _hi) in zip(parts, spans, strict=True)
    ]
    return pd.concat(moved, ignore_index=True)


def _join_counts(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], n_docs: int, n_words: int
) -> sp.csr_matrix:
    """The shards' documents x words counts as one matrix, rows in order."""
    shift = np.cumsum([0] + [len(indices) for _indptr, indices, _data in parts])
    indptr = np.concatenate(
        [part[0][:-1] + shift[k] for k, part in enumerate(parts)] + [shift[-1:]]
    ).astype(np.int64)
    indices = np.concatenate([part[1] for part in parts])
    data = np.concatenate([part[2] for part in parts])
    return sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_words))
