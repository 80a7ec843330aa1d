"""Frequency-comparison statistics shared by trends, keyness and collocates.

All functions are vectorised over numpy arrays (scalars work too) and return
``float64`` arrays. The contingency table for one term is::

                    corpus A        corpus B
    term            a               b
    other tokens    size_a - a      size_b - b

where ``size_a`` and ``size_b`` are the token totals of the two corpora (or,
for collocates, of the window and of the rest).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special as _special

ArrayLike = npt.ArrayLike

#: Count substituted for a zero in :func:`log_ratio`, so a term absent from one
#: corpus gets a finite effect size (Hardie's convention).
ZERO_SMOOTHING = 0.5


def _g_cell(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    # 0 * ln(0 / e) is 0 by continuity; numpy would give nan.
    with np.errstate(divide="ignore", invalid="ignore"):
        cell = observed * np.log(observed / expected)
    return np.where(observed > 0, cell, 0.0)


def log_likelihood(a: ArrayLike, b: ArrayLike, size_a: ArrayLike, size_b: ArrayLike) -> np.ndarray:
    """Dunning's log-likelihood G² of the full 2x2 table (always >= 0).

    ``G2 = 2 * sum(O * ln(O / E))`` over the four cells above, with
    ``E = row total * column total / N``. This is the statistic of
    ``scipy.stats.power_divergence(lambda_="log-likelihood")`` on the 2x2
    table, and differs from Rayson's two-cell shortcut (term row only) by the
    "other tokens" row, which is negligible for large corpora.

    Parameters
    ----------
    a, b
        Occurrences of the term in corpus A and corpus B.
    size_a, size_b
        Token totals of corpus A and corpus B (``a <= size_a``, ``b <= size_b``).

    Examples
    --------
    >>> round(float(log_likelihood(100, 50, 1_000_000, 1_000_000)), 4)
    16.9912
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    na = np.asarray(size_a, dtype=np.float64)
    nb = np.asarray(size_b, dtype=np.float64)
    n = na + nb
    term = a_ + b_
    other = n - term
    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.where(n > 0, na / n, 0.0)
    share_b = 1.0 - share_a
    g2 = 2.0 * (
        _g_cell(a_, term * share_a)
        + _g_cell(b_, term * share_b)
        + _g_cell(na - a_, other * share_a)
        + _g_cell(nb - b_, other * share_b)
    )
    # Rounding can leave a tiny negative value for identical proportions.
    return np.asarray(np.maximum(g2, 0.0), dtype=np.float64)


def log_ratio(a: ArrayLike, b: ArrayLike, size_a: ArrayLike, size_b: ArrayLike) -> np.ndarray:
    """Effect size: ``log2((a / size_a) / (b / size_b))``.

    A zero count is replaced by :data:`ZERO_SMOOTHING` (0.5) first, so a term
    absent from one corpus gets a finite value; positive means relatively more
    frequent in A. Each unit is a doubling: 1 = twice as frequent in A.

    Examples
    --------
    >>> float(log_ratio(100, 50, 1_000_000, 1_000_000))
    1.0
    >>> float(log_ratio(4, 0, 1000, 1000))
    3.0
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    na = np.asarray(size_a, dtype=np.float64)
    nb = np.asarray(size_b, dtype=np.float64)
    a_ = np.where(a_ > 0, a_, ZERO_SMOOTHING)
    b_ = np.where(b_ > 0, b_, ZERO_SMOOTHING)
    return np.asarray(np.log2((a_ / na) / (b_ / nb)), dtype=np.float64)


def p_value(ll: ArrayLike) -> np.ndarray:
    """p of a log-likelihood G² under chi-squared with one degree of freedom.

    ``scipy.special.chdtrc(1, x)`` is the function ``scipy.stats.chi2.sf(x, 1)`` evaluates
    (tests hold the two equal); importing ``scipy.stats`` costs about a second of every
    process start, ``scipy.special`` a tenth of that.
    """
    return np.asarray(_special.chdtrc(1.0, np.asarray(ll, dtype=np.float64)), dtype=np.float64)
