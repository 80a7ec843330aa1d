"""Results saved beside an index: round trip, checks on load, pruning, abandoned temporaries."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from analysis.result_store import RESULTS_KEPT, STALE_SECONDS, load_result, save_result
from tests.analysis.tiny import TINY


@pytest.fixture
def saved(tmp_path):
    return build_index(TINY, settings=IndexSettings(detect_phrases=False), cache_dir=tmp_path)


def test_a_result_comes_back_as_saved_under_its_kind_and_key_only(saved):
    arrays = {"rows": np.arange(5, dtype=np.int64), "weights": np.linspace(0, 1, 6).reshape(3, 2)}
    save_result(saved, "demo", {"k": 2, "seed": 1}, arrays, {"notes": ["sampled"]})
    found = load_result(saved, "demo", {"seed": 1, "k": 2})  # key order does not matter
    assert found is not None
    got, info = found
    assert info == {"notes": ["sampled"]}
    assert set(got) == set(arrays)
    for name, array in arrays.items():
        np.testing.assert_array_equal(got[name], array)
        assert got[name].dtype == array.dtype
    assert load_result(saved, "demo", {"k": 2, "seed": 2}) is None
    assert load_result(saved, "other", {"k": 2, "seed": 1}) is None
    # an index kept in memory only has nowhere to keep results
    memory = build_index(TINY, settings=IndexSettings(detect_phrases=False))
    save_result(memory, "demo", {"k": 2}, arrays)
    assert load_result(memory, "demo", {"k": 2}) is None


def test_a_result_of_another_index_is_not_read_and_is_removed(saved, tmp_path):
    other = build_index(TINY.iloc[:2], settings=IndexSettings(detect_phrases=False),
                        cache_dir=tmp_path)  # fmt: skip
    save_result(other, "demo", {"k": 1}, {"a": np.ones(3)})
    (theirs,) = list(other.folder.glob("result-demo-*"))
    (saved.folder / theirs.name).write_bytes(theirs.read_bytes())
    assert load_result(saved, "demo", {"k": 1}) is None
    assert not (saved.folder / theirs.name).exists()


def test_results_of_a_kind_are_pruned_to_the_newest(saved):
    from analysis.result_store import _result_file

    for k in range(RESULTS_KEPT + 2):
        save_result(saved, "demo", {"k": k}, {"a": np.full(2, k)})
        written = time.time() - 1000 + k  # one second apart, oldest first
        os.utime(_result_file(saved, "demo", {"k": k})[0], (written, written))
    save_result(saved, "other", {"k": 0}, {"a": np.zeros(1)})
    assert len(list(saved.folder.glob("result-demo-*"))) == RESULTS_KEPT
    assert load_result(saved, "demo", {"k": 0}) is None  # the oldest went first
    assert load_result(saved, "demo", {"k": 1}) is None
    assert load_result(saved, "demo", {"k": 2}) is not None
    assert load_result(saved, "other", {"k": 0}) is not None


def test_temporaries_of_killed_saves_are_removed_once_stale(saved):
    stale = saved.folder / ".result-demo-x.npz-host-1-abc.tmp"
    fresh = saved.folder / ".result-demo-y.npz-host-1-def.tmp"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    old = time.time() - STALE_SECONDS - 60
    os.utime(stale, (old, old))
    save_result(saved, "demo", {"k": 1}, {"a": np.ones(1)})
    assert not stale.exists()
    assert fresh.exists()  # perhaps a save still running
