"""The index built on a dask.distributed cluster equals the one-process build, file for file."""

from __future__ import annotations

import filecmp
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import distributed as D
from analysis.corpus import load_corpus
from analysis.distributed import ClusterBuilder, ClusterError, check_workers, shard_spans
from analysis.index import IndexSettings, build_index, merge_words
from analysis.scan import arrow_text
from tests.analysis.tiny import shared_corpus

ENGLISH = [
    "The Yangtze River Delta plan. High-quality growth, high-quality jobs!",
    "Xi's plan for the Yangtze River Delta: growth and jobs; the G60 corridor.",
    "U.S. officials met Mr. Li in Shanghai on 2023-11-30 about the river delta.",
]
CHINESE = [
    "长江三角洲区域一体化发展。推动高质量发展，建设现代化经济体系。",
    "经济发展 high-quality 发展：G60科创走廊，长三角一体化发展！",
    "經濟發展。经济发展与高质量发展。",
]


def _fixture_docs() -> pd.DataFrame:
    """English and Chinese documents, with an empty one and one of marks only.

    Sentences recur across documents (so phrases are detected) and the
    words first seen late in the corpus fall in late shards.
    """
    texts = []
    for k in range(36):
        texts.append(" ".join([ENGLISH[k % 3], CHINESE[(k // 2) % 3], ENGLISH[(k + 1) % 3]]))
        if k % 7 == 3:
            texts.append("")
        if k % 11 == 5:
            texts.append("!!! ... ??? —")
    texts.append(f"A late word: zebra. 最后的新词：斑马。\n\n{CHINESE[0]}")
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})


SETTINGS = [
    IndexSettings(),
    IndexSettings(
        user_words=("一体化发展", "科创走廊"),
        user_phrases=("river delta", "unheard of words"),
        fold_chinese=True,
    ),
]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def _folder(cache: Path) -> Path:
    (folder,) = (p for p in cache.iterdir() if not p.name.startswith("."))
    return folder


def _assert_same_files(local: Path, remote: Path) -> None:
    assert local.name == remote.name  # same content hash and settings
    names = sorted(p.name for p in local.iterdir())
    assert names == sorted(p.name for p in remote.iterdir())
    assert "meta.json" in names
    assert "word_counts.npz" in names
    assert "phrase_counts.npz" in names
    assert "tokens.npy" in names
    differ = [n for n in names if not filecmp.cmp(local / n, remote / n, shallow=False)]
    assert differ == [], f"files differ: {differ}"
    # meta.json holds no timing: every field, the checksums included, is content
    assert json.loads((local / "meta.json").read_text()) == json.loads(
        (remote / "meta.json").read_text()
    )


def _build_both(
    corpus: object, settings: IndexSettings, tmp_path: Path, builder: ClusterBuilder
) -> tuple[Path, Path]:
    build_index(corpus, settings=settings, cache_dir=tmp_path / "local")  # type: ignore[arg-type]
    build_index(corpus, settings=settings, cache_dir=tmp_path / "cluster", builder=builder)  # type: ignore[arg-type]
    return _folder(tmp_path / "local"), _folder(tmp_path / "cluster")


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "user-words-phrases-fold"])
@pytest.mark.parametrize("shard_bytes", [1, 700, D.SHARD_BYTES], ids=["per-doc", "700B", "default"])
def test_cluster_build_of_english_and_chinese_equals_the_local_files(
    client, tmp_path, settings, shard_bytes
):
    docs = _fixture_docs()
    builder = ClusterBuilder(client=client, shard_bytes=shard_bytes)
    local, remote = _build_both(docs, settings, tmp_path, builder)
    _assert_same_files(local, remote)
    assert builder.workers_used == 2  # both workers counted shards: nothing ran here
    index = build_index(docs, settings=settings, cache_dir=tmp_path / "cluster")
    assert index.n_docs == len(docs)
    assert index.counts[:, index.column("zebra")].sum() == 1


def test_cluster_build_of_texts_arrow_cannot_hold_equals_the_local_index(client):
    # an unpaired surrogate keeps the column in Python strings: shards travel as strings
    texts = _fixture_docs()["text"].tolist()
    texts[5] = "Broken \ud800 surrogate, high-quality growth. 高质量发展"
    docs = pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(len(texts))], "text": pd.Series(texts, dtype=object)}
    )
    assert not isinstance(arrow_text(docs["text"]).array, pd.arrays.ArrowStringArray)
    local = build_index(docs)
    remote = build_index(docs, builder=ClusterBuilder(client=client, shard_bytes=500))
    assert local.vocab.equals(remote.vocab)
    assert (local.counts != remote.counts).nnz == 0
    assert local.counts.indptr.tolist() == remote.counts.indptr.tolist()
    assert np.array_equal(local.tokens, remote.tokens)
    assert np.array_equal(local.token_offsets, remote.token_offsets)
    assert np.array_equal(local.doc_tokens, remote.doc_tokens)
    assert local.passages.equals(remote.passages)


@pytest.mark.shared
def test_cluster_build_of_us_sotu_equals_the_local_files(client, tmp_path):
    corpus = load_corpus(shared_corpus("us_sotu") / "docs.jsonl")
    builder = ClusterBuilder(client=client, shard_bytes=1 << 20)
    local, remote = _build_both(corpus, IndexSettings(), tmp_path, builder)
    _assert_same_files(local, remote)
    assert builder.workers_used == 2


def test_merge_words_numbers_by_first_appearance_over_the_shards():
    vocab, tables = merge_words([["a", "b"], ["b", "c", "a"], [], ["d", "c"]], IndexSettings())
    assert vocab.words == ["a", "b", "c", "d"]
    assert [t.tolist() for t in tables] == [[0, 1], [1, 2, 0], [], [3, 2]]
    assert all(t.dtype == np.int32 for t in tables)


def test_shard_spans_cover_every_row_in_order():
    texts = pd.Series(["x" * n for n in (5, 0, 40, 3, 3, 100, 1)], dtype="string[pyarrow]")
    spans = shard_spans(texts, workers=2, shard_bytes=50)
    assert spans[0][0] == 0
    assert spans[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert len(spans) >= 3  # 152 bytes in shards of 50, at least 2 per worker where rows allow
    assert shard_spans(texts.iloc[:1], workers=4) == [(0, 1)]
    assert shard_spans(texts.iloc[:0], workers=2) == [(0, 0)]


def test_a_worker_with_other_code_is_refused(client):
    other = dict(D.fingerprint(), sources="0" * 32)
    with pytest.raises(ClusterError, match=r"other analysis code .*\(sources differ\)"):
        check_workers(client, expected=other)
    check_workers(client)  # the same checkout passes


def test_an_unreachable_scheduler_says_how_to_start_one(monkeypatch):
    monkeypatch.setattr(D, "CONNECT_SECONDS", 1.0)
    builder = ClusterBuilder(scheduler="tcp://127.0.0.1:8719")
    with pytest.raises(ClusterError, match=r"cannot be reached .*`dask scheduler`"):
        build_index(_fixture_docs(), builder=builder)
    builder.close()


def test_a_cluster_of_no_workers_is_refused():
    with pytest.raises(ClusterError, match="at least 1 worker"):
        ClusterBuilder(workers=0)
    with pytest.raises(ValueError, match="one of workers, scheduler or client"):
        ClusterBuilder(workers=2, scheduler="tcp://127.0.0.1:8719")
