"""Highlight spans for words and phrases."""

from __future__ import annotations

import pytest

from analysis.contexts import term_spans


@pytest.mark.parametrize(
    ("text", "term", "spans"),
    [
        ("The Yangtze River Delta's plan", "yangtze river delta", [(4, 25)]),
        ("development, developments", "development", [(0, 11)]),
        ("high-quality development; quality", "quality", [(26, 33)]),
        ("High-Quality growth", "high-quality", [(0, 12)]),
        ("推动高质量发展", "高质量发展", [(2, 7)]),
        ("<script>alert(1)</script>", "script", [(1, 7), (18, 24)]),
        ("nothing here", "", []),
        ("the 'delta' is", "delta", [(5, 10)]),
        ("sci-tech and tech", "tech", [(13, 17)]),
    ],
)
def test_term_spans(text, term, spans):
    assert term_spans(text, term) == spans
