"""The copied English stop-word list, against the installed scikit-learn's."""

from __future__ import annotations

import subprocess
import sys

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN_WORDS

from analysis.english_stopwords import ENGLISH_STOP_WORDS


def test_the_copy_equals_scikit_learns_list() -> None:
    assert frozenset(SKLEARN_WORDS) == ENGLISH_STOP_WORDS
    assert len(ENGLISH_STOP_WORDS) == 318


def test_importing_analysis_loads_neither_scikit_learn_nor_scipy_stats() -> None:
    # a fresh interpreter: this one has scikit-learn loaded already
    code = (
        "import sys, analysis; "
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
