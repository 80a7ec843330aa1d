"""dashboard/keys.py's store: least recently used out first, by count and by bytes."""

from __future__ import annotations

import pandas as pd

from dashboard import keys
from dashboard.keys import _Store


def test_the_store_drops_the_least_recently_used_by_count() -> None:
    store = _Store(2)
    assert store.get("a", lambda: 1) == 1
    assert store.get("b", lambda: 2) == 2
    assert store.get("a", lambda: 99) == 1  # a hit: "a" is now the newest
    assert store.get("c", lambda: 3) == 3
    assert store.peek("b") is None
    assert (store.peek("a"), store.peek("c"), len(store)) == (1, 3, 2)


def test_the_store_drops_the_oldest_until_its_bytes_fit() -> None:
    store = _Store(10, max_bytes=10, size=len)
    store.get("a", lambda: "xxxx")  # 4 bytes
    store.get("b", lambda: "yyyy")  # 8
    store.get("c", lambda: "zzz")  # 11 > 10: "a" goes, 7 left
    assert (store.peek("a"), store.bytes, len(store)) == (None, 7, 2)
    store.get("d", lambda: "w" * 20)  # larger than the bound alone: kept, the rest go
    assert (store.peek("b"), store.peek("c"), store.peek("d")) == (None, None, "w" * 20)
    assert store.bytes == 20


def test_the_term_store_counts_strings_and_hands_out_copies_that_cannot_change_it() -> None:
    store = keys.terms_store()
    table = pd.DataFrame({"term": ["peace", "war"], "count": [3, 1]})
    given = store.get("k", lambda: table)
    assert store.bytes == int(table.memory_usage(index=True, deep=True).sum())
    assert store.bytes > table["count"].nbytes + len("peacewar")  # the strings are counted
    given.loc[0, "count"] = 100
    given["extra"] = 1
    again = store.get("k", lambda: pd.DataFrame())
    assert again.to_dict("list") == {"term": ["peace", "war"], "count": [3, 1]}
    assert (keys.TERMS_ENTRIES, keys.TERMS_BYTES) == (64, 256 * 2**20)
