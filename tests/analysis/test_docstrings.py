"""The examples in analysis/ docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis

MODULES = sorted(
    name
    # walk_packages, not iter_modules: the modules of analysis/corpus/ are checked too.
    for _finder, name, _is_package in pkgutil.walk_packages(analysis.__path__, "analysis.")
    if name != "analysis.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_every_module_is_checked():
    assert {"analysis.text", "analysis.index", "analysis.phrases", "analysis.corpus"} <= set(
        MODULES
    )
    assert {"analysis.corpus.dates", "analysis.corpus.ledger"} <= set(MODULES)
