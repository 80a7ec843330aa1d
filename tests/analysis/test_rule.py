"""The token rule's step 1 (normalisation) against Python's own casefold."""

from __future__ import annotations

from analysis.rule import normalise


def test_normalise_matches_casefold():
    assert normalise("Straße’s") == "strasse's"
