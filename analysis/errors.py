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


def check_at_least(name: str, value: int, least: int, unit: str = "") -> None:
    """Raise :class:`OptionError` unless ``value >= least``.

    The message reads "``name`` must be at least ``least`` ``unit``, not ``value``."
    (for ``least`` 0: "must be 0 or more ``unit``"), so ``unit`` is given as it is
    read after the number: "word", "words", "lines" or nothing.
    """
    if value >= least:
        return
    if least == 0:
        bound = f"0 or more {unit}" if unit else "0 or more"
    else:
        bound = f"at least {least} {unit}" if unit else f"at least {least}"
    raise OptionError(f"{name} must be {bound}, not {value}.")


def check_one_of(what: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`OptionError` unless ``value`` is one of ``allowed``.

    The message reads "Unknown ``what`` 'value'. Use 'a', 'b' or 'c'."
    """
    if value in allowed:
        return
    choices = " or ".join(
        [", ".join(repr(a) for a in allowed[:-1]), repr(allowed[-1])]
        if len(allowed) > 1
        else [repr(allowed[0])]
    )
    raise OptionError(f"Unknown {what} {value!r}. Use {choices}.")
