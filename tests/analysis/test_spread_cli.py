"""The ``spread`` and ``reuse --corpus-wide`` commands: columns, hand counts, notes, errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from analysis.__main__ import run
from tests.analysis.tiny import REUSE_DOCS, SPREAD_DOCS, write_jsonl


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))


def test_spread_cli_hand_count_csv(tmp_path, capsys):
    corpus = write_jsonl(SPREAD_DOCS, tmp_path / "spread.jsonl")
    assert run(["spread", corpus, "--term", "zero-covid", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out), keep_default_na=False)
    assert list(table.columns) == [
        "group", "first_date", "first_doc", "last_date", "count", "docs", "per_million",
    ]  # fmt: skip
    assert table[
        ["group", "first_date", "first_doc", "last_date", "count", "docs"]
    ].values.tolist() == [
        ["Xinhua", "2022-03-01", "d2", "2022-03-09", 5, 3],
        ["Global Times", "2022-03-05", "d7", "2022-03-05", 3, 2],
        ["BBC", "", "", "", 0, 0],
    ]
    assert table["per_million"].tolist() == pytest.approx([625000.0, 3 / 14 * 1e6, 0.0])
    assert "note: 1 undated document (3 occurrences) counted in count and docs" in captured.err


def test_spread_cli_by_metadata_uptake_and_filters(tmp_path, capsys):
    corpus = write_jsonl(SPREAD_DOCS, tmp_path / "spread.jsonl")
    argv = ["spread", corpus, "--term", "zero-covid", "--by", "speaker", "--uptake"]
    assert run([*argv, "--from", "2022-03-02", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"group": "A", "date": "2022-03-05", "count": 3, "cumulative": 3},
        {"group": "B", "date": "2022-03-09", "count": 1, "cumulative": 1},
    ]
    assert run(["spread", corpus, "--theme", "covid=zero-covid, lockdown"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:2] == ["BBC", "2022-02-20"]


def test_spread_cli_errors_exit_2(tmp_path, capsys):
    corpus = write_jsonl(SPREAD_DOCS, tmp_path / "spread.jsonl")
    assert run(["spread", corpus]) == 2
    assert "Name one formulation" in capsys.readouterr().err
    assert run(["spread", corpus, "--term", "zero-covid", "--by", "party"]) == 2
    assert "Cannot group by 'party'" in capsys.readouterr().err
    assert run(["spread", corpus, "--term", "zero-covid*", "--source", "BBC"]) == 2
    assert "in no selected document" in capsys.readouterr().err


def test_reuse_corpus_wide_hand_count(tmp_path, capsys):
    corpus = write_jsonl(REUSE_DOCS, tmp_path / "reuse.jsonl")
    assert run(["reuse", corpus, "--corpus-wide", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert list(table.columns) == [
        "passage", "role", "doc_id", "group", "date", "lag_days", "tokens", "text",
    ]  # fmt: skip
    assert table[["passage", "role", "doc_id", "group", "lag_days"]].values.tolist() == [
        [1, "first", "f", "W", 0],
        [1, "reuse", "d", "Z", 3],
        [2, "first", "a", "X", 0],
        [2, "reuse", "b", "Y", 3],
        [2, "reuse", "c", "X", 10],
    ]
    assert "reuse: 2 passages of 6+ words shared among 5 documents" in captured.err
    assert "1 undated document left out" in captured.err
    assert run(["reuse", corpus, "--corpus-wide", "--passages", "--by", "desk"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:8] == [
        "passage", "first_doc", "first_group", "first_date", "reusers", "groups",
        "max_lag_days", "tokens",
    ]  # fmt: skip
    assert lines[2].split()[:8] == ["2", "a", "A", "2024-01-01", "2", "3", "10", "9"]
    assert run(["reuse", corpus, "--corpus-wide", "--words", "--passages", "--format", "csv"]) == 0
    texts = pd.read_csv(io.StringIO(capsys.readouterr().out))["text"].tolist()
    assert texts[1] == "the committee announced a new plan for river protection"
    assert run(["reuse", corpus, "--corpus-wide", "--a", "a"]) == 2
    assert "leave out --a and --b" in capsys.readouterr().err
