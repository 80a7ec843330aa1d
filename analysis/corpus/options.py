"""What one load reads with: the columns asked for, and the budget of its limits.

An upload's documents and estimated tokens are charged against the per-upload
limits of :mod:`analysis.limits` as they are read; crossing one stops the read
(``_UploadRefused``) and nothing from the upload is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from analysis.corpus.ledger import _Doc, _Docs, _Unit
from analysis.limits import BYTES_PER_TOKEN, IngestLimits, estimate_tokens, refusal

_UPLOAD_FIX = "upload fewer or smaller files (nothing from this upload was loaded)"


@dataclass(frozen=True)
class _Options:
    text_column: str | None
    date_column: str | None
    budget: _Budget


class _UploadRefused(Exception):
    """An upload crossed a per-upload limit: nothing from it is loaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Budget:
    """The limits of one load, and what an upload has used of them so far."""

    limits: IngestLimits
    upload: bool = False
    documents: int = 0
    tokens: int = 0

    def charge(self, units: list[_Unit]) -> None:
        """Count the documents of ``units`` against the per-upload limits."""
        if not self.upload:
            return
        limits = self.limits
        for unit in units:
            if isinstance(unit, _Doc):
                self.documents += 1
                self.tokens += estimate_tokens(unit.text)
            elif isinstance(unit, _Docs):
                sizes = pc.binary_length(unit.texts).to_numpy(zero_copy_only=False)
                self.documents += len(unit)
                self.tokens += int((-(-sizes.astype(np.int64) // BYTES_PER_TOKEN)).sum())
        if self.documents > limits.upload_documents:
            raise _UploadRefused(
                refusal(
                    f"the upload holds over {limits.upload_documents:,} documents",
                    "upload_documents",
                    f"{limits.upload_documents:,} documents",
                    _UPLOAD_FIX,
                )
            )
        if self.tokens > limits.upload_tokens:
            raise _UploadRefused(
                refusal(
                    f"the upload holds about {self.tokens:,} tokens or more "
                    "(estimated from its size)",
                    "upload_tokens",
                    f"{limits.upload_tokens:,} tokens",
                    _UPLOAD_FIX,
                )
            )
