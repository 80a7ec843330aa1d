"""The Formulations page in AppTest: the per-group table, uptake chart, first uses and reuse lag.

The corpora are the hand-counted ones of the analysis tests, served from a library folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.analysis.tiny import REUSE_DOCS, SPREAD_DOCS, write_jsonl
from tests.conftest import shown

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
TIMEOUT = 180


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    write_jsonl(SPREAD_DOCS, folder / "spread.jsonl")
    write_jsonl(REUSE_DOCS, folder / "reuse.jsonl")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(folder))
    return folder


def _open(params: dict[str, Any]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    at.switch_page("views/formulations.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table shown holding these columns (AppTest gives dataframes no key)."""
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with {columns}")


def _groups(at: AppTest) -> list[tuple[Any, ...]]:
    table = _frame(at, "group", "first_doc", "per_million")
    return [
        (g, "" if f != f else str(f.date()), d, c, n)  # NaT != NaT
        for g, f, d, c, n in table[
            ["group", "first_date", "first_doc", "count", "docs"]
        ].itertuples(index=False)
    ]


def _traces(at: AppTest, key: str) -> list[dict[str, Any]]:
    charts = [c for c in at.get("plotly_chart") if key in str(c.proto.id)]
    assert charts, f"no chart {key}"
    return list(json.loads(charts[0].proto.spec)["data"])


def test_formulations_page_hand_count(library: Path) -> None:
    at = _open({"corpus": "lib:spread.jsonl", "formulation": "zero-covid"})
    assert at.header[0].value == "Formulations"
    assert _groups(at) == [
        ("Xinhua", "2022-03-01", "d2", 5, 3),
        ("Global Times", "2022-03-05", "d7", 3, 2),
        ("BBC", "", "", 0, 0),
    ]
    uptake = {t["name"]: t["y"] for t in _traces(at, "formulations_uptake_chart")}
    assert uptake == {"Xinhua": [1, 2], "Global Times": [3]}
    captions = [shown(c.value) for c in at.caption]
    assert any("1 undated document (3 occurrences) counted" in c for c in captions)
    assert any("Xinhua first used it on 2022-03-01: T2 (d2)" in c for c in captions)
    assert "1 occurrence of 'zero-covid' in d2; all shown." in [t.value for t in at.text]
    assert not any("share no passage" in shown(i.value) for i in at.info)
    at.session_state["formulations_reuse"] = True
    at.run()
    assert any("share no passage of 6 words" in shown(i.value) for i in at.info)

    at.selectbox(key="formulations_first").set_value("Global Times").run()
    assert any(
        "Global Times first used it on 2022-03-05: T7 (d7)" in shown(c.value) for c in at.caption
    )
    assert at.query_params["first"] == "Global Times"

    at.selectbox(key="formulations_by").set_value("speaker").run()
    assert not at.exception
    assert [g[0] for g in _groups(at)] == ["B", "A", "(no speaker)", "C"]
    assert at.query_params["group"] == "speaker"
    assert "first" not in at.query_params  # a per-group pick ends with its grouping's view


def test_formulations_page_from_a_link_with_a_theme(library: Path) -> None:
    at = _open(
        {
            "corpus": "lib:spread.jsonl",
            "formulation": "covid = zero-covid, lockdown",
            "group": "speaker",
            "first": "B",
        }
    )
    assert at.text_input(key="formulations_term").value == "covid = zero-covid, lockdown"
    assert at.selectbox(key="formulations_by").value == "speaker"
    assert _groups(at)[0] == ("C", "2022-02-20", "d5", 1, 1)
    assert at.selectbox(key="formulations_first").value == "B"
    lines = _frame(at, "left", "match", "right")
    assert lines["match"].tolist() == ["zero-covid"]


def test_formulations_page_reuse_lag_hand_count(library: Path) -> None:
    at = _open({"corpus": "lib:reuse.jsonl", "formulation": "committee announced"})
    # the passages are searched only once their section is opened
    assert not any(set(f.value.columns) >= {"reusers"} for f in at.dataframe)
    assert not any("undated document left out" in t.value for t in at.text)
    at.session_state["formulations_reuse"] = True
    at.run()
    passages = _frame(at, "reusers", "max_lag_days")
    assert passages[
        ["passage", "first_doc", "first_group", "reusers", "max_lag_days"]
    ].values.tolist() == [[1, "a", "X", 2, 10]]
    assert any("1 undated document left out" in t.value for t in at.text)
    marks = {t["name"]: t["x"] for t in _traces(at, "formulations_reuse_chart") if t["name"]}
    assert marks == {"X": ["2024-01-01", "2024-01-11"], "Y": ["2024-01-04"]}
    at.slider(key="formulations_min_tokens").set_value(4).run()
    passages = _frame(at, "reusers", "max_lag_days")
    assert passages["reusers"].tolist() == [3]  # g's four words join at 4
    assert at.query_params["min_tokens"] == "4"


def test_formulations_page_errors_are_warnings(library: Path) -> None:
    at = _open({"corpus": "lib:spread.jsonl", "formulation": "common prosperity", "group": "party"})
    warnings = [shown(w.value) for w in at.warning]
    assert any("No column 'party' to group by" in w for w in warnings)
    assert any("occurs nowhere in this corpus" in w for w in warnings)
    at.text_input(key="formulations_term").set_value("zero-*").run()
    assert any(
        "a * stands" in shown(w.value) or "follows no word" in shown(w.value) for w in at.warning
    )
    assert not at.exception
