"""The Data page in AppTest: the ledger comes a page of rows at a time; the counts cover all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import load_corpus
from dashboard.paging import PAGE_ROWS
from tests.conftest import shown

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
LINES = 2 * PAGE_ROWS + 37  # three pages, the last part-full
BAD = (5, 150, 230)  # lines (1-based) that are not JSON: quarantined


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    lines = [
        "{not json" if n in BAD else json.dumps({"id": f"d{n}", "text": f"Line {n} of tea."})
        for n in range(1, LINES + 1)
    ]
    (folder / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(folder))
    return folder


def _data() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["corpus"] = "lib:many.jsonl"
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ledger(library: Path) -> pd.DataFrame:
    """The ledger the page pages through, read apart from the app."""
    return load_corpus(library / "many.jsonl").report.reset_index(drop=True)


def _same(page: pd.DataFrame, rows: pd.DataFrame) -> None:
    assert page["unit"].tolist() == rows["unit"].tolist()
    assert page["status"].astype(str).tolist() == rows["status"].astype(str).tolist()


def test_the_ledger_shows_one_page_and_the_counts_cover_every_unit(library: Path) -> None:
    ledger = _ledger(library)
    assert len(ledger) == LINES  # by hand: a unit a line
    at = _data()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Units"] == f"{len(ledger):,}"
    assert metrics["Quarantined"] == str(len(BAD))
    first = at.dataframe[0].value
    assert len(first) == PAGE_ROWS
    _same(first, ledger.iloc[:PAGE_ROWS])
    captions = [shown(c.value) for c in at.caption]
    assert f"Units 1–{PAGE_ROWS} of {len(ledger)}; 3 pages." in captions
    at.number_input(key="data_page").set_value(3).run()
    last = at.dataframe[0].value
    assert len(last) == len(ledger) - 2 * PAGE_ROWS
    _same(last, ledger.iloc[2 * PAGE_ROWS :])


def test_a_status_filter_pages_its_own_rows(library: Path) -> None:
    ledger = _ledger(library)
    at = _data()
    at.number_input(key="data_page").set_value(3).run()
    at.button_group(key="data_status").set_value("quarantined").run()
    shown_rows = at.dataframe[0].value  # back inside: one page holds the three
    _same(shown_rows, ledger[ledger["status"] == "quarantined"])
    assert not at.number_input  # a single page: no page widget
    assert f"Units 1–{len(BAD)} of {len(BAD)}; 1 page." in [shown(c.value) for c in at.caption]
