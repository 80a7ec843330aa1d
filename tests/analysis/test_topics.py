"""Topics on passages: determinism, the seeds, the timeline, representative passages."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from analysis import build_index, load_corpus
from analysis.corpus_index import IndexSettings
from analysis.errors import EmptySelectionError, OptionError
from analysis.topics import (
    REPRESENTATIVE_COLUMNS,
    TOPIC_TERM_COLUMNS,
    TOPIC_TIME_COLUMNS,
    default_k,
    fit_topics,
    rename,
    representative_passages,
    start_topics,
    topics_over_time,
)
from tests.analysis.tiny import NUMBER_TERMS, NUMBERS, shared_corpus

# Two clear themes in six dated passages over three documents.
THEMES = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c"],
        "date": pd.to_datetime(["2020-03-01", "2022-06-01", "2022-07-01"]),
        "date_precision": ["day", "day", "year"],
        "source": ["S", "S", "T"],
        "title": ["A", "B", "C"],
        "text": [
            "Tea leaves brew green tea.\n\nRivers flood the delta plain.",
            "Green tea leaves and black tea.\n\nThe river delta floods again.",
            "Black tea brew.\n\nFlood waters cross the river plain.",
        ],
    }
)


@pytest.fixture(scope="module")
def seeds():
    return build_index(load_corpus("seeds"))


@pytest.fixture(scope="module")
def themes():
    return build_index(THEMES)


def test_fit_topics_same_seed_gives_identical_topics(seeds):
    first = fit_topics(seeds, k=4, seed=3)
    second = fit_topics(seeds, k=4, seed=3)
    pd.testing.assert_frame_equal(first.terms, second.terms)
    assert first.labels == second.labels
    np.testing.assert_array_equal(first.passage_weights, second.passage_weights)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_fit_topics_seeds_give_at_least_two_topics(seeds, method):
    model = fit_topics(seeds, k=3, method=method)
    assert list(model.terms.columns) == list(TOPIC_TERM_COLUMNS)
    assert model.k == 3
    assert model.terms["topic"].nunique() >= 2
    assert len(set(model.labels)) >= 2
    assert model.passage_weights.shape == (len(model.passages), 3)
    np.testing.assert_allclose(model.passage_weights.sum(axis=1), 1.0)
    assert len(model.passages) == len(seeds.passages)  # every seed paragraph has terms
    # topics ordered by total weight, largest first
    totals = model.passage_weights.sum(axis=0)
    assert list(totals) == sorted(totals, reverse=True)


def test_fit_topics_separates_two_themes(themes):
    model = fit_topics(themes, k=2)
    tea = set(model.terms[model.terms["term"] == "tea"]["topic"])
    assert len(tea) == 1
    flood = model.terms[model.terms["term"].isin(["flood", "river"])]
    assert not set(flood["topic"]) & tea
    label = model.labels[tea.pop()]
    assert label.count(" · ") == 2
    assert "tea" in label.split(" · ")


def test_fit_topics_reduces_k_and_says_so(themes):
    model = fit_topics(themes, k=20)
    assert model.k == 6  # six passages
    assert "fitted 6" in model.notes[0]


def test_fit_topics_samples_passages_with_the_seed(seeds):
    model = fit_topics(seeds, k=2, max_passages=6, seed=1)
    again = fit_topics(seeds, k=2, max_passages=6, seed=1)
    assert len(model.passages) <= 6
    assert model.passages["start"].tolist() == again.passages["start"].tolist()
    assert "sample of 6" in model.notes[0]


def test_fit_topics_rejects_bad_options(themes):
    with pytest.raises(OptionError, match="Use 'nmf' or 'lda'"):
        fit_topics(themes, method="lsa")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="at least 1 topic"):
        fit_topics(themes, k=0)
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        fit_topics(themes, np.zeros(3, dtype=bool))
    every_word = frozenset(themes.vocab["term"])
    with pytest.raises(OptionError, match="shorten the stopword list"):
        fit_topics(themes, stopwords=every_word)


def test_rename_changes_one_label(themes):
    model = fit_topics(themes, k=2)
    renamed = rename(model, 1, "Rivers")
    assert renamed.labels == (model.labels[0], "Rivers")
    assert set(renamed.terms[renamed.terms["topic"] == 1]["label"]) == {"Rivers"}
    assert rename(renamed, 1, "").labels == model.labels
    with pytest.raises(OptionError, match="topics 0 to 1"):
        rename(model, 2, "x")


def test_topics_over_time_shares_sum_to_one(themes):
    model = fit_topics(themes, k=2)
    table = topics_over_time(model, by="year").table
    assert list(table.columns) == list(TOPIC_TIME_COLUMNS)
    per_period = table.groupby("period").agg(share=("share", "sum"), passages=("passages", "first"))
    assert per_period.index.year.tolist() == [2020, 2021, 2022]
    assert per_period["passages"].tolist() == [2, 0, 4]
    assert per_period.loc[per_period["passages"] > 0, "share"].tolist() == pytest.approx([1, 1])
    # 2021 has no passage: no share at all (a gap), not a share of 0.
    assert table.loc[table["passages"] == 0, "share"].isna().all()
    assert table.loc[table["passages"] > 0, "share"].notna().all()


def test_topics_over_time_by_decade_holds_every_passage(themes):
    # the themes corpus runs from 2020 to 2022: one decade, all 6 passages, none left out
    timeline = topics_over_time(fit_topics(themes, k=2), by="decade")
    table = timeline.table
    assert table["period"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2020-01-01"]
    assert table["passages"].tolist() == [6, 6]
    assert table["share"].sum() == pytest.approx(1)
    assert timeline.too_coarse == 0


def test_topics_over_time_leaves_out_coarse_dates(themes):
    timeline = topics_over_time(fit_topics(themes, k=2), by="month")
    table = timeline.table
    assert timeline.too_coarse == 2  # document c is dated to the year only
    assert table.groupby("period")["passages"].first().sum() == 4
    assert len(table["period"].unique()) == 28  # 2020-03 to 2022-06


def test_representative_passages_highest_weight_first(themes):
    model = fit_topics(themes, k=2)
    tea = int(model.terms[model.terms["term"] == "tea"]["topic"].iloc[0])
    table = representative_passages(model, themes, tea, n=3)
    assert list(table.columns) == list(REPRESENTATIVE_COLUMNS)
    assert table["weight"].is_monotonic_decreasing
    assert all("tea" in text.lower() for text in table["text"])
    assert table["passage"].tolist() == [0, 0, 0]


def test_default_k_between_two_and_twelve(seeds):
    assert default_k(seeds) == 3  # 14 passages
    assert 2 <= default_k(seeds, np.array([True, False])) <= 12


def test_fit_topics_leave_numbers_out_unless_asked():
    index = build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))
    hidden = fit_topics(index, k=1, stopwords=frozenset(), n_terms=20)
    shown = fit_topics(index, k=1, stopwords=frozenset(), n_terms=20, numbers=True)
    assert set(hidden.terms["term"]) == {"plan", "tea", "rice", "经济"}
    assert not any(t in NUMBER_TERMS for t in hidden.labels[0].split(" · "))
    assert set(NUMBER_TERMS) <= set(shown.terms["term"])


def test_passage_counts_from_the_index_equal_tokenising_every_passage():
    from analysis.passage_counts import passage_counts, selected_passage_counts

    seeds = load_corpus("seeds").docs
    extra = pd.DataFrame(
        {
            "doc_id": ["one", "two"],
            "text": ["Green tea, green tea and the Yangtze River Delta.", "A single passage"],
        }
    )
    for frame in (seeds, THEMES, pd.concat([seeds, extra], ignore_index=True)):
        index = build_index(frame)
        passages = index.passages
        texts = index.docs["text"].to_numpy()
        every = [
            texts[d][a:b]
            for d, a, b in zip(passages["doc"], passages["start"], passages["end"], strict=True)
        ]
        expected = passage_counts(index, every)
        got = selected_passage_counts(index, passages)
        assert got.shape == expected.shape
        assert abs(got - expected).sum() == 0
        some = passages.iloc[::2].reset_index(drop=True)
        assert abs(selected_passage_counts(index, some) - expected[::2]).sum() == 0


def test_passage_token_columns_are_the_token_stream_looked_up():
    from analysis.passage_counts import _lookup_tables, _token_columns
    from analysis.text import tokenize_frame

    chinese = load_corpus(shared_corpus("zh_gov_work_reports") / "docs.jsonl").docs.iloc[:3]
    for frame, settings in (
        (load_corpus("seeds").docs, IndexSettings()),
        (chinese, IndexSettings(user_words=("长三角一体化",), fold_chinese=True)),
    ):
        index = build_index(frame, settings=settings)
        texts = [*frame["text"].astype(str), "", "...", "G60科技走廊's plan", "Xi's 长三角"]
        word_columns, _ = _lookup_tables(index)
        passage, ids = _token_columns(index, texts, word_columns)
        stream = tokenize_frame(
            texts, user_words=settings.user_words, fold_chinese=settings.fold_chinese
        ).join(word_columns, on="token", how="left", maintain_order="left")
        assert passage.tolist() == stream["doc"].to_list()
        assert ids.tolist() == stream["column"].fill_null(-1).to_list()
        assert (ids >= 0).sum() > 100  # words found, not a stream of boundaries


def test_fit_topics_kept_on_the_index_equals_a_fresh_fit():
    index = build_index(THEMES)
    first = fit_topics(index, k=2, seed=0)
    assert fit_topics(index, k=2, seed=0) is first
    assert fit_topics(index, k=2, seed=1) is not first
    fresh = fit_topics(build_index(THEMES), k=2, seed=0)
    pd.testing.assert_frame_equal(first.terms, fresh.terms)
    np.testing.assert_array_equal(first.passage_weights, fresh.passage_weights)
    mask = np.array([True, True, False])
    assert fit_topics(index, mask, k=2, seed=0).passages["doc_id"].unique().tolist() == ["a", "b"]


class _Counted(Executor):
    """A process pool that counts what it was given to run."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.submitted = inner, 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.submitted += 1
        return self.inner.submit(fn, *args, **kwargs)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_a_fit_in_a_worker_process_is_the_fit_made_here(method):
    here = fit_topics(build_index(load_corpus("seeds")), k=3, method=method, seed=5)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        counted = _Counted(pool)
        index = build_index(load_corpus("seeds"))  # a fresh index: nothing kept from above
        there = fit_topics(index, k=3, method=method, seed=5, executor=counted)
    assert counted.submitted == 1  # the fit ran in the worker
    pd.testing.assert_frame_equal(here.terms, there.terms)
    assert here.labels == there.labels
    np.testing.assert_array_equal(here.passage_weights, there.passage_weights)


def test_a_fit_begun_early_is_the_model_fit_topics_returns_fitted_once():
    here = fit_topics(build_index(load_corpus("seeds")), k=3, seed=5)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        counted = _Counted(pool)
        index = build_index(load_corpus("seeds"))  # a fresh index: nothing kept from above
        start_topics(index, executor=counted, k=3, seed=5)
        assert counted.submitted == 1
        there = fit_topics(index, k=3, seed=5, executor=counted)
        assert counted.submitted == 1  # waited for, not fitted again
        assert fit_topics(index, k=3, seed=5) is there
        start_topics(index, executor=counted, k=3, seed=5)  # kept: nothing begins
        assert counted.submitted == 1
    pd.testing.assert_frame_equal(here.terms, there.terms)
    pd.testing.assert_frame_equal(here.passages, there.passages)
    np.testing.assert_array_equal(here.passage_weights, there.passage_weights)
    assert (here.labels, here.notes, here.k) == (there.labels, there.notes, there.k)


def test_the_same_request_asked_for_at_once_is_fitted_once(monkeypatch):
    import threading
    import time

    from analysis import topic_fit

    slow = topic_fit.prepare

    def slowly(*args, **kwargs):  # counting that takes a while: the second asks meanwhile
        time.sleep(0.3)
        return slow(*args, **kwargs)

    monkeypatch.setattr(topic_fit, "prepare", slowly)
    index = build_index(load_corpus("seeds"))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        counted = _Counted(pool)
        models: list[object] = []
        early = threading.Thread(target=start_topics, args=(index,), kwargs={
            "executor": counted, "k": 3, "seed": 5})  # fmt: skip
        early.start()
        time.sleep(0.05)
        asks = [
            threading.Thread(
                target=lambda: models.append(fit_topics(index, k=3, seed=5, executor=counted))
            )
            for _ in range(2)
        ]
        for ask in asks:
            ask.start()
        for thread in (early, *asks):
            thread.join(timeout=120)
    assert counted.submitted == 1
    assert len(models) == 2
    assert models[0] is models[1]


def test_a_fit_begun_early_is_saved_when_fitted_without_being_asked_for(tmp_path, monkeypatch):
    import time

    corpus = load_corpus("seeds")
    fresh = fit_topics(build_index(corpus), k=3, seed=4)  # in memory only
    index = build_index(corpus, cache_dir=tmp_path)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        start_topics(index, executor=pool, k=3, seed=4)
        waited = time.monotonic()
        while not _topic_files(index) and time.monotonic() - waited < 120:
            time.sleep(0.05)
    assert len(_topic_files(index)) == 1
    monkeypatch.setattr("analysis.topics._fit", _fit_refused)
    read = fit_topics(build_index(corpus, cache_dir=tmp_path), k=3, seed=4)  # another process
    pd.testing.assert_frame_equal(read.terms, fresh.terms)
    np.testing.assert_array_equal(read.passage_weights, fresh.passage_weights)


class _Broken(Executor):
    """A pool whose worker dies under every call."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        failed: Future = Future()
        failed.set_exception(BrokenProcessPool("killed"))
        return failed


def test_a_fit_whose_worker_died_is_not_kept_and_the_next_call_fits_again():
    from concurrent.futures.process import BrokenProcessPool

    index = build_index(load_corpus("seeds"))
    start_topics(index, executor=_Broken(), k=3, seed=4)
    with pytest.raises(BrokenProcessPool):
        fit_topics(index, k=3, seed=4)
    model = fit_topics(index, k=3, seed=4)  # here, no worker
    fresh = fit_topics(build_index(load_corpus("seeds")), k=3, seed=4)
    pd.testing.assert_frame_equal(model.terms, fresh.terms)


def test_begin_a_fit_that_cannot_be_made_starts_nothing_and_the_fit_says_why(themes):
    every = frozenset(themes.vocab["term"].astype(str))
    counted = _Counted(_Broken())
    start_topics(themes, executor=counted, k=2, stopwords=every)
    assert counted.submitted == 0
    with pytest.raises(OptionError, match="no term remains"):
        fit_topics(themes, k=2, stopwords=every)


def _sample(index, *, seed, max_passages):
    """Rows of ``index.passages`` and their texts, sampled as ``fit_topics`` documents."""
    passages = index.passages
    rows = np.arange(len(passages))
    if len(rows) > max_passages:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(len(rows), size=max_passages, replace=False))
    texts = index.docs["text"].to_numpy()
    sample = [
        texts[d][a:b]
        for d, a, b in passages.iloc[rows][["doc", "start", "end"]].itertuples(index=False)
    ]
    return rows, sample


def _analyzer(stopwords):
    from analysis.text import is_number, tokenize

    return lambda text: [w for w in tokenize(text) if w not in stopwords and not is_number(w)]


def _sklearn_topics(index, *, k, seed, max_passages, max_terms, stopwords):
    """NMF topics made independently: the passages sampled as documented, counted by
    CountVectorizer with the token rule, fitted by scikit-learn's NMF on the same matrix."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    rows, sample = _sample(index, seed=seed, max_passages=max_passages)
    vectorizer = CountVectorizer(analyzer=_analyzer(stopwords), min_df=2, max_features=max_terms)
    counts = vectorizer.fit_transform(sample)
    terms = vectorizer.get_feature_names_out()
    order = np.argsort([index.column(t) for t in terms])  # the index's column order
    counts, terms = counts[:, order], terms[order]
    filled = np.asarray(counts.sum(axis=1)).ravel() > 0
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    weights = nmf.fit_transform(TfidfTransformer().fit_transform(counts[filled]))
    components = nmf.components_
    scale = components.sum(axis=1)
    weights, components = weights * scale, components / scale[:, None]
    by_weight = np.argsort(-weights.sum(axis=0), kind="stable")
    weights, components = weights[:, by_weight], components[by_weight]
    return rows[filled], weights / weights.sum(axis=1, keepdims=True), components, terms


def _no_tie_at(totals: np.ndarray, at: int) -> int:
    """The largest cut at or below ``at`` where no two terms tie across it."""
    ranked = np.sort(totals)[::-1]
    while at > 1 and ranked[at - 1] == ranked[at]:
        at -= 1
    return at


@pytest.mark.parametrize(("max_passages", "seed"), [(10, 3), (20, 0)])
def test_fit_topics_equal_scikit_learn_nmf_on_the_same_matrix(max_passages, seed):
    from sklearn.feature_extraction.text import CountVectorizer

    from analysis.stopwords import default_stopwords

    index = build_index(load_corpus("seeds"), settings=IndexSettings(detect_phrases=False))
    stop = default_stopwords()
    _, sample = _sample(index, seed=seed, max_passages=max_passages)
    words = CountVectorizer(analyzer=_analyzer(stop), min_df=2).fit_transform(sample)
    assert words.shape[1] > 25
    max_terms = _no_tie_at(np.asarray(words.sum(axis=0)).ravel(), 25)  # a cut with no tie
    model = fit_topics(
        index, k=3, seed=seed, max_passages=max_passages, max_terms=max_terms, n_terms=50
    )
    rows, weights, components, terms = _sklearn_topics(
        index, k=3, seed=seed, max_passages=max_passages, max_terms=max_terms, stopwords=stop
    )
    assert len(model.notes) == (max_passages < 14)  # the sample is said
    kept = model.passages[["doc", "passage"]].to_numpy()
    np.testing.assert_array_equal(kept, index.passages.iloc[rows][["doc", "passage"]].to_numpy())
    np.testing.assert_allclose(model.passage_weights, weights, rtol=1e-9, atol=1e-12)
    for topic in range(3):
        ours = model.terms[model.terms["topic"] == topic]
        row = components[topic]
        best = np.lexsort((terms, -row))
        best = best[row[best] > 0][:50]
        assert ours["term"].tolist() == terms[best].tolist()
        np.testing.assert_allclose(ours["weight"], row[best], rtol=1e-9)


def _topic_files(index) -> list[str]:
    return sorted(p.name for p in index.folder.glob("result-topics-*"))


def _fit_refused(*_args, **_kwargs):
    raise AssertionError("fitted again")


def test_a_fit_is_saved_with_the_index_and_read_back_the_same_by_the_next_process(
    tmp_path, monkeypatch
):
    corpus = load_corpus("seeds")
    first = build_index(corpus, cache_dir=tmp_path)
    model = fit_topics(first, k=3, seed=4, max_passages=8)
    assert len(_topic_files(first)) == 1
    monkeypatch.setattr("analysis.topics._fit", _fit_refused)
    again = build_index(corpus, cache_dir=tmp_path)  # as another process: loaded, no models
    read = fit_topics(again, k=3, seed=4, max_passages=8)
    assert read is not model
    pd.testing.assert_frame_equal(read.terms, model.terms)
    pd.testing.assert_frame_equal(read.passages, model.passages)
    np.testing.assert_array_equal(read.passage_weights, model.passage_weights)
    assert (read.labels, read.notes, read.k, read.seed, read.method) == (
        model.labels,
        model.notes,
        model.k,
        model.seed,
        model.method,
    )
    # any other request is another fit: seed, k, method, selection, stopwords, numbers
    for other in (
        {"seed": 5},
        {"k": 2},
        {"method": "lda"},
        {"mask": np.array([True, False])},
        {"stopwords": frozenset({"xi"})},
        {"numbers": True},
    ):
        arguments = {"k": 3, "seed": 4, "max_passages": 8, **other}
        with pytest.raises(AssertionError, match="fitted again"):
            fit_topics(again, **arguments)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other request", "removed"])
def test_a_damaged_saved_fit_is_fitted_again_without_a_traceback(tmp_path, damage):
    import warnings

    corpus = load_corpus("seeds")
    index = build_index(corpus, cache_dir=tmp_path)
    model = fit_topics(index, k=3, seed=4)
    (name,) = _topic_files(index)
    path = index.folder / name
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:-100])
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not a zip")
    elif damage == "other request":  # another fit's file under this name
        fit_topics(index, k=2, seed=4)
        (other,) = set(_topic_files(index)) - {name}
        path.write_bytes((index.folder / other).read_bytes())
    else:
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = fit_topics(build_index(corpus, cache_dir=tmp_path), k=3, seed=4)
    pd.testing.assert_frame_equal(again.terms, model.terms)
    np.testing.assert_array_equal(again.passage_weights, model.passage_weights)
    assert path.read_bytes() == data  # saved whole again


def test_a_read_only_cache_fits_in_memory_with_one_warning(tmp_path, monkeypatch):
    import errno
    import warnings

    from analysis.result_store import ResultCacheWarning

    def unwritable(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    corpus = load_corpus("seeds")
    build_index(corpus, cache_dir=tmp_path)
    index = build_index(corpus, cache_dir=tmp_path)
    # root writes through mode bits: the writer refuses as a read-only mount would
    monkeypatch.setattr("analysis.result_store.tempfile.mkstemp", unwritable)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fit_topics(index, k=3, seed=4)
        fit_topics(index, k=2, seed=4)
        assert fit_topics(index, k=3, seed=4) is model  # kept in memory
    assert [w.category for w in caught] == [ResultCacheWarning]
    assert "kept in memory only" in str(caught[0].message)
    fresh = fit_topics(build_index(corpus), k=3, seed=4)
    pd.testing.assert_frame_equal(model.terms, fresh.terms)
    assert _topic_files(index) == []


_KILLED_PARENT = """
import multiprocessing, os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from analysis import prepare_fit

if __name__ == "__main__":
    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn, initializer=prepare_fit)
    with open(sys.argv[1], "w") as out:
        out.write(str(pool.submit(os.getpid).result()))
    os.kill(os.getpid(), signal.SIGKILL)  # no shutdown, no exit handler
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return not any(line.split()[:2] == ["State:", "Z"] for line in status)
    except FileNotFoundError:
        return False


def test_a_fit_worker_ends_when_the_process_that_started_it_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script, found = tmp_path / "parent.py", tmp_path / "worker.pid"
    script.write_text(_KILLED_PARENT, encoding="utf-8")
    root = str(Path(__file__).resolve().parents[2])
    subprocess.run(
        [sys.executable, str(script), str(found)], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": root}, timeout=300,
        check=False,
    )  # fmt: skip
    worker = int(found.read_text())
    deadline = time.monotonic() + 60
    try:
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(worker)
    finally:
        if _running(worker):  # an idle worker left waiting for work for ever
            os.kill(worker, signal.SIGKILL)
