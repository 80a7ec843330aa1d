"""Tests for analysis/corpus/__init__.py: load_corpus and load_uploads at their boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.corpus import load_corpus, load_uploads
from analysis.errors import CorpusError


def test_load_corpus_missing_path_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"No such file or folder: .*Check the path"):
        load_corpus(tmp_path / "nowhere.csv")


def test_load_corpus_unknown_sample_lists_samples() -> None:
    with pytest.raises(CorpusError, match=r"Unknown corpus 'sotu2'.*seeds, sotu"):
        load_corpus("sotu2")


def test_load_corpus_single_unsupported_file_raises(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(CorpusError, match=r"Unsupported file type for paper.pdf.*\.docx"):
        load_corpus(tmp_path / "paper.pdf")


def test_load_uploads_empty_list_raises() -> None:
    with pytest.raises(CorpusError, match="No file was uploaded"):
        load_uploads([])


def test_a_library_entry_that_leads_outside_the_library_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    library = tmp_path / "library"
    library.mkdir()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd.txt").write_text("root:x:0:0")
    os.symlink(tmp_path / "etc", library / "etc")
    with pytest.raises(CorpusError, match=r"outside .*library.*DASHBOARD_FOLLOW_SYMLINKS=1"):
        load_corpus(library / "etc", within=library)
    monkeypatch.setenv("DASHBOARD_FOLLOW_SYMLINKS", "1")
    assert load_corpus(library / "etc", within=library).docs["text"].tolist() == ["root:x:0:0"]
