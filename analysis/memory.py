"""How this process asks the kernel for memory: small pages, unless told otherwise.

Two allocators here ask for transparent huge pages (2 MiB) by default:

- numpy, with ``madvise(MADV_HUGEPAGE)`` for every array of 4 MiB or more;
- Arrow's default memory pool, mimalloc (Arrow's JSON reader, compute
  functions and every pandas column of strings allocate there).

Where the kernel's ``defrag`` setting is ``madvise`` (this project's
machines: ``cat /sys/kernel/mm/transparent_hugepage/defrag``), each first touch
of such memory waits for the kernel to find, compact and clear a whole 2 MiB
page; on a virtual machine whose memory the host backs on first use it also
waits for the host. Measured on a 2-core VM, first touch of 1-2 GB:

- numpy: 10-17 s for 2 GB with huge pages, 0.8-2.3 s without; the
  100,000-document build spent 2.5-3.5 s of system time in phrase detection
  alone (0.3 s without);
- Arrow: 10-16 s for 1 GB from mimalloc (519 faults: huge pages), 0.4-1.0 s
  from jemalloc or the system allocator; loading the 100,000-document file
  took 6.5-8 s with mimalloc against 1.8-2.9 s with jemalloc (same run).

The index's passes read their arrays in order, so they gain nothing from
fewer TLB entries. :func:`prefer_small_pages` turns numpy's request off and
makes jemalloc (else the system allocator) Arrow's default pool. Each
library's own switch, set in the environment, is obeyed as it is:
``NUMPY_MADVISE_HUGEPAGE`` and ``ARROW_DEFAULT_MEMORY_POOL``.

While a corpus is loaded and indexed, :func:`freed_memory_kept` keeps the
memory its passes free in the process for the next passes (glibc's malloc
otherwise hands every array of 32 MB or more back to the kernel, and the
next array is faulted in and cleared page by page anew, from the host on
such a VM); it is given back when the build ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import threading
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from numpy._core import multiarray as _multiarray

#: numpy's switch, documented under "Global state" but absent from its type stubs.
_NUMPY: Any = _multiarray


def prefer_small_pages() -> tuple[bool, str]:
    """Stop numpy asking for huge pages and Arrow allocating with mimalloc, unless
    ``NUMPY_MADVISE_HUGEPAGE`` or ``ARROW_DEFAULT_MEMORY_POOL`` say otherwise.

    Returns whether numpy asks for huge pages afterwards, and the name of
    Arrow's default pool.

    >>> asks, pool = prefer_small_pages()
    >>> asks == (os.environ.get("NUMPY_MADVISE_HUGEPAGE", "0") != "0")
    True
    >>> pool in ("jemalloc", "system") or "ARROW_DEFAULT_MEMORY_POOL" in os.environ
    True
    """
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        _NUMPY._set_madvise_hugepage(False)
    arrow_default = "ARROW_DEFAULT_MEMORY_POOL" not in os.environ
    if arrow_default and pa.default_memory_pool().backend_name == "mimalloc":
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # a pyarrow built without jemalloc
            pa.set_memory_pool(pa.system_memory_pool())
    return bool(_NUMPY._get_madvise_hugepage()), pa.default_memory_pool().backend_name


def freeze_imports() -> int:
    """Keep the objects that exist now (the modules imported so far: numpy, pandas,
    polars, numba, ...) out of the cyclic garbage collector's full collections.

    They live as long as the process, yet each full collection walks every one
    of them: on this project's machines a full collection after the imports of
    :mod:`analysis` took 110-140 ms (190,000 objects) and fell inside one build
    of every few (a Chinese build of 0.2 s took 0.3). Frozen, a full collection
    walks only what came later (19 ms after jieba's dictionary). Objects frozen
    are still freed when nothing refers to them; only a reference cycle among
    them would never be, so this is called where little but modules exists:
    once, at the end of importing :mod:`analysis`. Returns the number of
    objects kept out.

    >>> freeze_imports() >= 0
    True
    """
    gc.freeze()
    return gc.get_freeze_count()


_FROZEN_FOR: set[str] = set()


def freeze_imports_once(name: str) -> bool:
    """:func:`freeze_imports` the first time ``name`` asks in this process; later calls
    do nothing. For a script run again and again in one process (the dashboard's
    ``app.py``, every rerun): its imports are frozen after its first run's imports,
    never the objects of a later run. Returns whether this call froze.

    >>> freeze_imports_once("a doctest"), freeze_imports_once("a doctest")
    (True, False)
    """
    if name in _FROZEN_FOR:
        return False
    _FROZEN_FOR.add(name)
    freeze_imports()
    return True


# glibc's mallopt parameters, and their defaults (malloc(3), mallopt(3))
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_DEFAULT_TRIM_THRESHOLD, _DEFAULT_MMAP_MAX = 128 * 1024, 65536
_KEEPING = threading.Lock()
_keepers = 0


def _glibc() -> Any:
    """The C library when it is glibc (its mallopt and malloc_trim), else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    needed = ("gnu_get_libc_version", "mallopt", "malloc_trim")
    return libc if libc is not None and all(hasattr(libc, n) for n in needed) else None


_LIBC = _glibc()


@contextlib.contextmanager
def freed_memory_kept() -> Iterator[bool]:
    """Within the block, memory freed stays in the process and serves later
    allocations; after it, what is free is given back to the kernel.

    glibc's malloc maps each block of 32 MB or more (every large array of a
    build) on its own and unmaps it when it is freed, so the next large array
    is faulted in and zeroed page by page again; on a VM whose host backs a
    page on first use (this project's machines) that first touch costs the
    host too. In the block, no block is mapped on its own (``M_MMAP_MAX`` 0)
    and the heap is never trimmed (``M_TRIM_THRESHOLD``), so a pass reuses
    the pages an earlier pass freed. At the end the defaults are set again
    and ``malloc_trim(0)`` gives the free pages back. Measured at 100k,
    load + build + save, three pairs in one run: 7.31-8.01 s against
    7.88-9.12 s, 150-250 MB more at the peak. Nested and concurrent blocks
    share one setting: the last to end restores it. Any mallopt call turns
    glibc's sliding mmap threshold off for the rest of the process: it is used
    where a process indexes and then ends or idles (the index command, the
    dashboard's index worker), not in the server. Elsewhere than glibc it does
    nothing. Yields whether memory is kept.

    >>> with freed_memory_kept() as kept:
    ...     kept == (_LIBC is not None)
    True
    """
    global _keepers
    if _LIBC is None:
        yield False
        return
    with _KEEPING:
        _keepers += 1
        if _keepers == 1:
            _LIBC.mallopt(_M_MMAP_MAX, 0)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    try:
        yield True
    finally:
        with _KEEPING:
            _keepers -= 1
            if _keepers == 0:
                _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                _LIBC.malloc_trim(0)
