"""dashboard/keys.py: its store (least recently used out first, by count and by bytes) and
the cache keys the dashboard's shared caches are made of."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.secrets import Secrets

from analysis import Filters
from dashboard import keys
from dashboard.keys import HASH_FUNCS, TermOptions, _Store, content_key


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


def _other(value: Any) -> Any:
    """A value of the same kind as ``value`` that is not equal to it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, "x")
    if value is None:
        return dt.date(2020, 1, 1)
    raise AssertionError(f"no other value for {value!r}")


@pytest.mark.parametrize(
    "record", [r for r in HASH_FUNCS if dataclasses.is_dataclass(r)], ids=lambda r: r.__name__
)
def test_every_field_of_a_record_changes_its_hash(record: type) -> None:
    hashed = HASH_FUNCS[record]
    base = record()
    assert hashed(base) == hashed(record())
    for one in dataclasses.fields(record):
        changed = dataclasses.replace(base, **{one.name: _other(getattr(base, one.name))})
        assert hashed(changed) != hashed(base), one.name


def test_stopword_order_and_spelling_reach_the_hash() -> None:
    hashed = HASH_FUNCS[TermOptions]
    a = TermOptions(stopwords=("the", "of"))
    assert hashed(a) != hashed(TermOptions(stopwords=("of", "the")))
    assert hashed(a) != hashed(TermOptions(stopwords=("the", "off")))
    assert hashed(Filters(query="a, b")) != hashed(Filters(sources=("a", "b")))


def _table() -> pd.DataFrame:
    return pd.DataFrame({"term": ["river", "delta"], "count": [3, 2], "share": [0.5, 0.25]})


def test_content_key_is_equal_for_equal_content() -> None:
    assert content_key(("plot", (_table(),), {"top": 2})) == content_key(
        ("plot", (_table(),), {"top": 2})
    )
    assert content_key(np.arange(4)) == content_key(np.arange(4))


def test_content_key_differs_when_one_cell_or_argument_differs() -> None:
    base = content_key(("plot", (_table(),), {"top": 2}))
    changed = _table()
    changed.loc[1, "count"] = 4
    assert content_key(("plot", (changed,), {"top": 2})) != base
    renamed = _table()
    renamed.loc[0, "term"] = "rivers"
    assert content_key(("plot", (renamed,), {"top": 2})) != base
    assert content_key(("plot", (_table(),), {"top": 3})) != base
    assert content_key(("other", (_table(),), {"top": 2})) != base
    big = np.zeros(10_000)  # beyond what a repr would print
    other = big.copy()
    other[5_000] = 1.0
    assert content_key(big) != content_key(other)


def test_a_tuple_hashes_by_every_item_in_order() -> None:
    hashed = HASH_FUNCS[tuple]
    assert hashed(("the", "of")) == hashed(("the", "of"))
    assert hashed(("the", "of")) != hashed(("of", "the"))
    assert hashed(("the", "of")) != hashed(("the", "off"))
    assert hashed(("a", "b")) != hashed(("a, b",))


@dataclasses.dataclass
class SecretsFile:
    path: Path
    looked: list[str]


@pytest.fixture
def secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretsFile]:
    """A secrets file of its own (not yet written) behind a fresh ``st.secrets``, and no
    ``DASHBOARD_CORPUS_DIR``; Streamlit's own reads of the file are listed in ``looked``."""
    path = tmp_path / "secrets.toml"
    before = st.config.get_option("secrets.files")
    st.config.set_option("secrets.files", [str(path)])
    keys._secrets_files.cache_clear()
    monkeypatch.delenv("DASHBOARD_CORPUS_DIR", raising=False)
    monkeypatch.setattr(st, "secrets", Secrets())
    looked: list[str] = []
    parse = Secrets._parse_file_path
    monkeypatch.setattr(
        Secrets, "_parse_file_path", lambda self, p: (looked.append(p), parse(self, p))[1]
    )
    yield SecretsFile(path, looked)
    st.config.set_option("secrets.files", before)
    keys._secrets_files.cache_clear()


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_the_library_is_read_from_the_environment_first(
    secrets_file: SecretsFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, secret = _folder(tmp_path, "env"), _folder(tmp_path, "secret")
    secrets_file.path.write_text(f'corpus_dir = "{secret}"\n', encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(env))
    assert keys.library_dir() == env
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(tmp_path / "absent"))
    assert keys.library_dir() is None  # configured but not there: no library
    monkeypatch.delenv("DASHBOARD_CORPUS_DIR")
    assert keys.library_dir() == secret


def test_without_secrets_streamlit_is_asked_again_only_when_a_secrets_file_changes(
    secrets_file: SecretsFile, tmp_path: Path
) -> None:
    looked = secrets_file.looked
    assert keys.library_dir() is None
    assert looked == [str(secrets_file.path)]
    for _ in range(5):
        assert keys.library_dir() is None
    assert looked == [str(secrets_file.path)]  # the answer "no secrets" was kept
    first = _folder(tmp_path, "first")
    secrets_file.path.write_text(f'corpus_dir = "{first}"\n', encoding="utf-8")
    assert keys.library_dir() == first  # the file appeared: read at the next call
    assert len(looked) == 2
    secrets_file.path.write_text("corpus_dir = [unclosed\n", encoding="utf-8")
    st.secrets = Secrets()  # as Streamlit's watcher leaves it after a change: unloaded
    assert keys.library_dir() is None  # unreadable: no library, and no traceback
    assert keys.library_dir() is None
    assert len(looked) == 3
    second = _folder(tmp_path, "second")
    secrets_file.path.write_text(f'corpus_dir = "{second}"  # mended\n', encoding="utf-8")
    assert keys.library_dir() == second
    assert len(looked) == 4


def test_loaded_secrets_are_read_as_streamlit_holds_them(
    secrets_file: SecretsFile, tmp_path: Path
) -> None:
    assert keys.library_dir() is None  # no file yet: "no secrets" kept
    given = Secrets()
    given._secrets = {"corpus_dir": str(_folder(tmp_path, "given"))}  # as AppTest sets them
    st.secrets = given
    assert keys.library_dir() == tmp_path / "given"


def test_metadata_values_are_the_filter_choices_or_a_column_read_alike() -> None:
    from analysis import build_index, filter_choices

    frame = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "text": ["tea", "trade", "tea trade", "more tea"],
            "party": ["R", "D", "R", None],
            "note": ["only", "only", " ", None],  # one value: no filter
            "page": [3, 10, 3, 2],  # numbers read as text, sorted as text
        }
    )
    index = build_index(frame)
    assert keys.metadata_values("k", "party", index) == filter_choices(index)["party"]
    assert keys.metadata_values("k", "party", index) == ("D", "R")
    assert "note" not in filter_choices(index)
    assert keys.metadata_values("k", "note", index) == ("only",)  # blank and missing left out
    assert keys.metadata_values("k", "page", index) == ("10", "2", "3")
    assert keys.metadata_values("k", "colour", index) == ()
    assert keys.metadata_values("k", "text", index) == ()  # a corpus column is no metadata


def test_matching_values_fold_case_and_count_beyond_the_limit() -> None:
    values = ("Ann Lee", "ANNA", "Bo", "Joanna", "Zhang Annan")
    assert keys.matching_values(values, " ann ") == (
        ("Ann Lee", "ANNA", "Joanna", "Zhang Annan"),
        4,
    )
    assert keys.matching_values(values, "ANN", limit=2) == (("Ann Lee", "ANNA"), 4)
    assert keys.matching_values(values, "xyz") == ((), 0)
    assert keys.matching_values(values, "  ") == ((), 0)  # no search lists nothing


def test_content_key_is_the_same_for_a_table_read_back_from_a_cache() -> None:
    import pickle

    import pandas as pd

    table = pd.DataFrame({"period": pd.to_datetime(["2023-11-27"]), "documents": [2]})
    back = pickle.loads(pickle.dumps(table))  # as st.cache_data hands it out
    assert content_key(back) == content_key(table)
    assert content_key(table.assign(documents=[3])) != content_key(table)
    loop: list[object] = []
    loop.append(loop)  # a value that holds itself still has a key
    assert content_key(loop) == content_key(pickle.loads(pickle.dumps(loop)))
