"""What every corpus test checks of a LoadedCorpus: the ledger invariant."""

from __future__ import annotations

from analysis.corpus import LoadedCorpus
from analysis.schema import CORPUS_COLUMNS, REPORT_COLUMNS


def assert_ledger_invariant(corpus: LoadedCorpus) -> None:
    """units == loaded + quarantined + duplicates, loaded == len(docs), ids line up."""
    counts = corpus.counts()
    report, docs = corpus.report, corpus.docs
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert list(docs.columns[: len(CORPUS_COLUMNS)]) == list(CORPUS_COLUMNS)
    assert counts["units"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"]
    assert counts["loaded"] == len(docs)
    assert report["unit"].tolist() == list(range(len(report)))
    assert set(report["status"]) <= {"loaded", "quarantined", "duplicate"}
    assert docs["doc_id"].is_unique
    assert list(docs.index) == list(range(len(docs)))
    loaded = report[report["status"] == "loaded"]
    assert loaded["doc_id"].tolist() == docs["doc_id"].tolist()
    duplicates = report[report["status"] == "duplicate"]
    assert set(duplicates["duplicate_of"]) <= set(docs["doc_id"])
    assert (report.loc[report["status"] != "duplicate", "duplicate_of"] == "").all()
    assert docs["text"].str.strip().ne("").all()
    assert (docs["date"].isna() == docs["date_precision"].isna()).all()
