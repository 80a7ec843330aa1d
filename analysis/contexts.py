"""Where terms stand in the text: character spans for highlighting."""

from __future__ import annotations

import re

from analysis.text import is_han, tokenize


def term_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Character spans of a word or phrase in raw text, for highlighting.

    The term is matched as the token rule sees it: case-insensitive, whole
    words (``development`` does not match ``developments``), a possessive
    ``'s`` after the last word included, and any run of spaces or punctuation
    between the words of a phrase. Chinese terms match as substrings.

    >>> term_spans("The Yangtze River Delta's plan", "yangtze river delta")
    [(4, 25)]
    """
    words = tokenize(term)
    if not words:
        return []
    parts = []
    for word in words:
        escaped = re.escape(word).replace("'", "['’]")
        # not inside a word, nor right after one joined by an apostrophe or hyphen
        parts.append(escaped if is_han(word) else rf"(?<!\w)(?<!\w['’-]){escaped}")
    gap = r"[\W_]*?" if all(is_han(w) for w in words) else r"[\W_]+"
    pattern = gap.join(parts)
    if not is_han(words[-1]):
        pattern += r"(?:['’]s)?(?![\w-])"
    return [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
