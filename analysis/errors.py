"""Problems caused by the user's corpus or choices.

Views catch :class:`AnalysisError` once and show its message; every message
names the fix. Bugs are not wrapped: they propagate so tests see them.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class: the corpus or the options cannot give an answer as asked."""


class CorpusError(AnalysisError):
    """The input cannot be read as a corpus at all (no file, nothing loadable)."""


class EmptySelectionError(AnalysisError):
    """The filters select no document."""


class OptionError(AnalysisError):
    """An option value is out of range or unknown."""


class LimitError(AnalysisError):
    """A limit set by the host refuses the request (too many rebuilds, too large an input)."""
