"""Per-session limits of the dashboard that need no Streamlit: pure Python, tested alone.

:class:`RebuildLimiter` bounds how many new indexes one session may have built
in a sliding window. Every distinct ``phrase=``/``word=`` value in a link
means a new index (seconds of CPU and a cache folder); a session keeps one
limiter (in ``st.session_state``) and asks it before each build.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Mapping

from analysis import LimitError, OptionError

__all__ = ["BUILDS_VARIABLE", "WINDOW_VARIABLE", "RebuildLimiter"]

#: Environment variables of the host: builds per window, and the window in seconds.
BUILDS_VARIABLE = "DASHBOARD_MAX_BUILDS_PER_SESSION"
WINDOW_VARIABLE = "DASHBOARD_BUILD_WINDOW_SECONDS"


class RebuildLimiter:
    """At most ``max_builds`` new index builds per ``window_seconds`` for one session.

    Parameters
    ----------
    max_builds
        Builds allowed in any window: 5 by default (``DASHBOARD_MAX_BUILDS_PER_SESSION``).
    window_seconds
        The sliding window: 600 s by default (``DASHBOARD_BUILD_WINDOW_SECONDS``).
    clock
        Seconds, monotonic (``time.monotonic``); tests pass their own.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RebuildLimiter(max_builds=1, window_seconds=600, clock=lambda: now[0])
    >>> limiter.acquire("a")
    >>> limiter.acquire("a")  # the same index again: not a new build
    >>> limiter.acquire("b")
    Traceback (most recent call last):
    ...
    analysis.errors.LimitError: This session has built 1 new index in the last 10 minutes, ...
    >>> now[0] = 600.0
    >>> limiter.acquire("b")
    """

    def __init__(
        self,
        *,
        max_builds: int = 5,
        window_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_builds < 1 or not window_seconds > 0:
            raise OptionError(
                f"A rebuild limit needs at least 1 build in a positive window, not {max_builds} "
                f"in {window_seconds} s. Set {BUILDS_VARIABLE} and {WINDOW_VARIABLE} to positive "
                "numbers."
            )
        self.max_builds = max_builds
        self.window_seconds = float(window_seconds)
        self._clock = clock
        self._builds: deque[tuple[float, str]] = deque()

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, **kwargs: Callable[[], float]
    ) -> RebuildLimiter:
        """A limiter with the host's ``DASHBOARD_MAX_BUILDS_PER_SESSION`` and window."""
        environ = os.environ if environ is None else environ
        values: dict[str, float] = {}
        for variable, name, default in (
            (BUILDS_VARIABLE, "max_builds", 5.0),
            (WINDOW_VARIABLE, "window_seconds", 600.0),
        ):
            raw = environ.get(variable, "").strip()
            try:
                values[name] = float(raw) if raw else default
            except ValueError:
                values[name] = 0.0
            if not values[name] > 0 or (name == "max_builds" and values[name] % 1):
                raise OptionError(
                    f"{variable}={raw!r} is not a positive number. Set it to one "
                    f"(the default is {default:g}), or unset it."
                )
        return cls(
            max_builds=int(values["max_builds"]), window_seconds=values["window_seconds"], **kwargs
        )

    def _forget_old(self) -> float:
        now = self._clock()
        while self._builds and now - self._builds[0][0] >= self.window_seconds:
            self._builds.popleft()
        return now

    def remaining(self) -> int:
        """New builds this session may still start now."""
        self._forget_old()
        return self.max_builds - len(self._builds)

    def acquire(self, key: str) -> None:
        """Count a new build of index ``key``, or refuse it.

        A ``key`` already built within the window is not counted again (the
        same link opened twice). Call it only when the index must be built,
        not when it is served from memory or from the saved cache.

        Raises
        ------
        LimitError
            The session has built ``max_builds`` indexes within the window; the
            message says when the next build is allowed and how to avoid it.
        """
        now = self._forget_old()
        if any(built == key for _, built in self._builds):
            return
        if len(self._builds) >= self.max_builds:
            wait = math.ceil(self.window_seconds - (now - self._builds[0][0]))
            builds = "index" if self.max_builds == 1 else "indexes"
            raise LimitError(
                f"This session has built {self.max_builds} new {builds} in the last "
                f"{_duration(self.window_seconds)}, the most allowed ({BUILDS_VARIABLE}). "
                f"Try again in {_duration(wait)}, or go back to phrases and words already "
                "used (each new set of user phrases or words builds a new index)."
            )
        self._builds.append((now, key))


def _duration(seconds: float) -> str:
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    whole = math.ceil(seconds)
    return f"{whole} second{'s' if whole != 1 else ''}"
