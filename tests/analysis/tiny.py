"""Hand-countable corpora shared by the analysis tests (built in code, no files)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"

# Three short dated documents; every count below was made by hand.
#   doc a: "green tea" x2, "tea" x3, tokens 9
#   doc b: "green tea" x1, "tea" x1, tokens 5
#   doc c: no tea, tokens 4 (undated)
TINY = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c"],
        "date": pd.to_datetime(["2024-01-05", "2024-02-10", None]),
        "date_precision": ["day", "day", None],
        "title": ["A", "B", "C"],
        "source": ["Xinhua", "BBC", "BBC"],
        "text": [
            "Green tea, green tea and black tea.\n\nThe tea.",
            "Green tea is good. Coffee!",
            "Coffee is better, surely.",
        ],
    }
)


def shared_corpus(name: str) -> Path:
    """Path of a corpus in ../shared/corpora; skips the test when it is absent."""
    import pytest

    folder = CORPORA / name
    if not folder.exists():
        pytest.skip(f"{folder} is absent (the shared corpora sit beside the checkout)")
    return folder
