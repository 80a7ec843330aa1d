"""The offsets and bytes of an Arrow column of strings, as numpy arrays without a copy.

Used by the compiled passes over a column (:mod:`analysis.corpus.dedup`,
:mod:`analysis.corpus.digest`, :mod:`analysis.corpus.arrowjson`). Imports no sibling.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def _buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, from 0) and bytes of a large_string or large_binary array.

    A missing value's offsets are whatever the array holds (Arrow writes them
    equal): read the validity apart.
    """
    if len(array) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    _validity, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.zeros(0, dtype=np.uint8)
        if data_buffer is None
        else np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    )
    return offsets - offsets[0], data
