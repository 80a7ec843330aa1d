"""The CLI: the numbers the issue names, formats, and errors without tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.__main__ import run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))


def _run(capsys, *argv: str) -> str:
    assert run(list(argv)) == 0
    return capsys.readouterr().out


def test_summary_seeds_json(capsys):
    summary = json.loads(_run(capsys, "summary", "seeds", "--format", "json"))
    assert summary["documents"] == 2
    assert summary["first_date"] == "2023-11-30"
    assert summary["last_date"] == "2023-12-03"
    assert summary["undated"] == 0
    assert summary["ingest"] == {"units": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}
    assert {"tokens", "types", "sources"} <= set(summary)


def test_terms_seeds_phrases_csv(capsys):
    table = pd.read_csv(
        io.StringIO(_run(capsys, "terms", "seeds", "--kind", "phrase", "--format", "csv"))
    )
    assert list(table.columns) == ["term", "kind", "count", "per_million", "docs"]
    counts = dict(zip(table["term"], table["count"], strict=True))
    assert counts["yangtze river delta"] == 10
    assert counts["integrated development"] == 15
    assert "xi jinping" in counts
    assert set(table["kind"]) == {"phrase"}


def test_terms_filters_narrow_the_counts(capsys):
    table = pd.read_csv(
        io.StringIO(
            _run(
                capsys, "terms", "seeds", "--from", "2023-12-01", "--format", "csv", "--top", "500"
            )
        )
    )
    counts = dict(zip(table["term"], table["count"], strict=True))
    assert counts["yangtze river delta"] == 7
    assert (
        len(
            pd.read_csv(
                io.StringIO(_run(capsys, "terms", "seeds", "--top", "3", "--format", "csv"))
            )
        )
        == 3
    )


def test_ingest_csv_has_one_row_per_unit(capsys):
    table = pd.read_csv(io.StringIO(_run(capsys, "ingest", "seeds", "--format", "csv")))
    assert {"status", "reason", "location"} <= set(table.columns)
    assert table["status"].tolist() == ["loaded", "loaded"]


def test_out_writes_a_file(capsys, tmp_path):
    target = tmp_path / "terms.json"
    _run(capsys, "terms", "seeds", "--format", "json", "--out", str(target), "--top", "2")
    assert len(json.loads(target.read_text())) == 2


def test_missing_corpus_is_one_line_and_status_2(capsys, tmp_path):
    assert run(["summary", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_empty_selection_names_the_fix(capsys):
    assert run(["terms", "seeds", "--from", "2030-01-01"]) == 2
    assert "Widen the date range" in capsys.readouterr().err


def test_cli_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "summary", "seeds", "--format", "json", "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["documents"] == 2
