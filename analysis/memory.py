"""How this process asks the kernel for memory: small pages, unless told otherwise.

numpy asks for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every
array of 4 MiB or more. Where the kernel's ``defrag`` setting is ``madvise``
(this project's machines: ``cat /sys/kernel/mm/transparent_hugepage/defrag``),
each first touch of such an array waits for the kernel to find, compact and
clear a whole 2 MiB page; on a virtual machine whose memory the host backs on
first use it also waits for the host. Measured on a 2-core VM: filling a fresh
2 GB array took 10-17 s with huge pages against 0.8-2.3 s without, and the
100,000-document build spent 2.5-3.5 s of system time in phrase detection alone
(0.3 s without). The index's passes read their arrays in order, so they gain
nothing from fewer TLB entries. ``NUMPY_MADVISE_HUGEPAGE`` set in the
environment (numpy's own switch) is obeyed as it is.
"""

from __future__ import annotations

import os
from typing import Any

from numpy._core import multiarray as _multiarray

#: numpy's switch, documented under "Global state" but absent from its type stubs.
_NUMPY: Any = _multiarray


def prefer_small_pages() -> bool:
    """Stop numpy asking for huge pages, unless ``NUMPY_MADVISE_HUGEPAGE`` says otherwise.

    Returns whether numpy asks for huge pages afterwards.

    >>> prefer_small_pages() == (os.environ.get("NUMPY_MADVISE_HUGEPAGE", "0") != "0")
    True
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return bool(_NUMPY._get_madvise_hugepage())
    _NUMPY._set_madvise_hugepage(False)
    return False
