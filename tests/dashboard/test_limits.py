"""dashboard/limits.py: the per-session rebuild limit, on a clock the test moves."""

from __future__ import annotations

import pytest

from analysis.errors import AnalysisError, LimitError, OptionError
from dashboard.limits import RebuildLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_new_builds_beyond_the_limit_are_refused_with_the_wait_and_the_fix() -> None:
    clock = Clock()
    limiter = RebuildLimiter(max_builds=2, window_seconds=600, clock=clock)
    limiter.acquire("phrase=a")
    clock.now += 100
    limiter.acquire("phrase=b")
    assert limiter.remaining() == 0
    with pytest.raises(LimitError) as refused:
        limiter.acquire("phrase=c")
    assert str(refused.value) == (
        "This session has built 2 new indexes in the last 10 minutes, the most allowed "
        "(DASHBOARD_MAX_BUILDS_PER_SESSION). Try again in 9 minutes, or go back to phrases "
        "and words already used (each new set of user phrases or words builds a new index)."
    )
    assert isinstance(refused.value, AnalysisError)  # views show it like any other


def test_the_same_index_again_is_not_a_new_build() -> None:
    limiter = RebuildLimiter(max_builds=1, window_seconds=600, clock=Clock())
    limiter.acquire("phrase=a")
    limiter.acquire("phrase=a")
    assert limiter.remaining() == 0
    with pytest.raises(LimitError, match="built 1 new index in the last 10 minutes"):
        limiter.acquire("phrase=b")


def test_builds_leave_the_window_as_it_slides() -> None:
    clock = Clock()
    limiter = RebuildLimiter(max_builds=2, window_seconds=600, clock=clock)
    limiter.acquire("a")
    clock.now += 300
    limiter.acquire("b")
    clock.now += 299
    with pytest.raises(LimitError, match="Try again in 1 second,"):
        limiter.acquire("c")
    clock.now += 1  # "a" is now 600 s old
    limiter.acquire("c")
    with pytest.raises(LimitError, match="Try again in 5 minutes"):
        limiter.acquire("d")


def test_the_limiter_reads_the_host_variables() -> None:
    limiter = RebuildLimiter.from_environment(
        {"DASHBOARD_MAX_BUILDS_PER_SESSION": "3", "DASHBOARD_BUILD_WINDOW_SECONDS": "60"}
    )
    assert (limiter.max_builds, limiter.window_seconds) == (3, 60.0)
    default = RebuildLimiter.from_environment({})
    assert (default.max_builds, default.window_seconds) == (5, 600.0)


@pytest.mark.parametrize("value", ["0", "2.5", "many"])
def test_a_bad_limiter_variable_names_itself(value: str) -> None:
    with pytest.raises(OptionError, match=r"DASHBOARD_MAX_BUILDS_PER_SESSION=.* is not a positive"):
        RebuildLimiter.from_environment({"DASHBOARD_MAX_BUILDS_PER_SESSION": value})
