"""Results computed once from a saved index, kept beside its files and read back checked.

Near-duplicate pairs and topic models take seconds to compute and are the
same for every session and server process reading the same index: the
first to compute one saves it in the index folder (:func:`save_result`),
and the others read it (:func:`load_result`). A result file belongs to one
index (content hash and settings) and one key, and a result that cannot be
read or checked is computed again, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import time
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from analysis.corpus_index import CorpusIndex
from analysis.store import STALE_SECONDS

#: Bump when the layout of a saved result changes: older result files are ignored.
RESULT_VERSION = 1
#: A result of kind K is ``result-K-<digest of its key>.npz`` in the index folder.
_RESULT_PREFIX = "result-"
#: Results of one kind kept per index: the least recently written go first.
RESULTS_KEPT = 32


class ResultCacheWarning(UserWarning):
    """A result computed from a saved index could not be saved beside it (kept in memory)."""


def _result_file(index: CorpusIndex, kind: str, key: Mapping[str, object]) -> tuple[Path, str]:
    canonical = json.dumps(dict(key), sort_keys=True, default=str)
    digest = hashlib.blake2b(f"{kind}:{canonical}".encode(), digest_size=12).hexdigest()
    assert index.folder is not None
    return index.folder / f"{_RESULT_PREFIX}{kind}-{digest}.npz", canonical


def _array_digest(array: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(array).tobytes(), digest_size=16).hexdigest()


def save_result(
    index: CorpusIndex,
    kind: str,
    key: Mapping[str, object],
    arrays: Mapping[str, np.ndarray],
    info: Mapping[str, object] | None = None,
) -> None:
    """Keep a result computed from ``index`` beside its saved files, under ``(kind, key)``.

    ``arrays`` (numeric, no objects) and ``info`` (JSON) are written to a
    temporary file in the index folder and renamed into place, so a reader
    sees the whole file or none. The file records the index it belongs to
    (content hash and settings), the key, and the dtype, shape and checksum
    of every array; :func:`load_result` checks them all. An index with no
    folder (kept in memory only) saves nothing. When the folder cannot be
    written (a read-only or full cache), nothing is saved and one
    :class:`ResultCacheWarning` per index says so: the caller keeps the
    result in memory, and another process computes it again.
    """
    if index.folder is None:
        return
    path, canonical = _result_file(index, kind, key)
    meta = {
        "version": RESULT_VERSION,
        "kind": kind,
        "key": canonical,
        "content_hash": index.content_hash,
        "settings": index.settings.key(),
        "info": dict(info or {}),
        "arrays": {
            name: [np.asarray(a).dtype.str, list(np.shape(a)), _array_digest(np.asarray(a))]
            for name, a in arrays.items()
        },
    }
    payload = {f"a_{name}": np.asarray(a) for name, a in arrays.items()}
    payload["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}-{socket.gethostname()}-{os.getpid()}-",
            suffix=".tmp",
            dir=path.parent,
        )
        with os.fdopen(handle, "wb") as out:
            np.savez(out, allow_pickle=False, **payload)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        _warn_unsaved(index, error)
        return
    _prune_results(path.parent, kind)


def _warn_unsaved(index: CorpusIndex, error: OSError) -> None:
    if index._memo.get("result_unsaved"):
        return
    index._memo["result_unsaved"] = True
    reason = error.strerror or str(error)
    warnings.warn(
        f"The index folder {index.folder} cannot be written ({reason}): results computed "
        "from it (near-duplicate pairs, topic models) are kept in memory only and "
        "computed again by every process. Make the cache writable, or set "
        "DASHBOARD_CACHE_DIR to a writable folder.",
        ResultCacheWarning,
        stacklevel=3,
    )


def _prune_results(folder: Path, kind: str) -> None:
    """Keep the :data:`RESULTS_KEPT` newest results of ``kind``; remove abandoned temporaries."""
    now = time.time()
    found: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                if path.name.startswith(f".{_RESULT_PREFIX}") and path.name.endswith(".tmp"):
                    if now - path.stat().st_mtime > STALE_SECONDS:
                        path.unlink()
                elif path.name.startswith(f"{_RESULT_PREFIX}{kind}-"):
                    found.append((path.stat().st_mtime, path))
    for _, path in sorted(found, reverse=True)[RESULTS_KEPT:]:
        with contextlib.suppress(OSError):
            path.unlink()


def load_result(
    index: CorpusIndex, kind: str, key: Mapping[str, object]
) -> tuple[dict[str, np.ndarray], dict[str, object]] | None:
    """The arrays and info :func:`save_result` kept for ``(kind, key)``, or None.

    None when the index has no folder or no such result is saved, and when
    the file is unreadable or is not this index's result for this key
    (truncated, corrupt, another version, another index or key, an array
    that differs from its recorded dtype, shape or checksum): such a file is
    removed, so the caller computes the result again and saves it anew.
    """
    if index.folder is None:
        return None
    path, canonical = _result_file(index, kind, key)
    try:
        # the file opened here, so that a failing np.load leaves no handle open
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as saved:
            stored = {name: saved[name] for name in saved.files}
        meta = json.loads(bytes(stored.pop("meta")).decode("utf-8"))
        arrays = {name.removeprefix("a_"): value for name, value in stored.items()}
        expected = {
            "version": RESULT_VERSION,
            "kind": kind,
            "key": canonical,
            "content_hash": index.content_hash,
            "settings": index.settings.key(),
        }
        good = isinstance(meta, dict) and all(meta.get(k) == v for k, v in expected.items())
        described = meta.get("arrays") if good else None
        good = good and isinstance(described, dict) and set(described) == set(arrays)
        for name, array in arrays.items() if good else ():
            dtype, shape, digest = described[name]  # type: ignore[index]  # checked above
            good = good and (array.dtype.str, list(array.shape)) == (dtype, shape)
            good = good and _array_digest(array) == digest
        if good and isinstance(meta.get("info"), dict):
            return arrays, meta["info"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        pass  # unreadable: removed below, and computed again
    with contextlib.suppress(OSError):
        path.unlink()
    return None
