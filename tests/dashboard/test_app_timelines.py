"""AppTests of the Trends, Topics and Contexts pages on the seeds.

No browser: AppTest runs the script in-process. Chart clicks cannot be made
here, so the clicked point comes from the URL (``pick``, ``tpick``), which is
also how a shared link reopens the evidence; tests/e2e clicks for real.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 180
DELTA = "yangtze river delta"


def _open(page: str, params: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _traces(at: AppTest, n: int = 0) -> list[dict[str, Any]]:
    return list(json.loads(at.get("plotly_chart")[n].proto.spec)["data"])


def _texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


@pytest.mark.parametrize("page", ["trends", "topics", "contexts"])
def test_new_page_opens_on_the_seeds_without_exception_or_warning(page: str) -> None:
    at = _open(page)
    assert not at.warning, [shown(w.value) for w in at.warning]
    assert at.header[0].value.lower() == page


def test_trends_counts_the_phrase_per_day_with_empty_days_at_zero() -> None:
    at = _open("trends", {"trend": DELTA, "by": "day", "norm": "count"})
    (trace,) = _traces(at)
    assert trace["name"] == DELTA
    assert trace["x"] == ["2023-11-30", "2023-12-01", "2023-12-02", "2023-12-03"]
    assert trace["y"] == [3, 0, 0, 7]
    assert [row[2] for row in trace["customdata"]] == [3, 0, 0, 7]  # count, in the hover
    assert at.text_input(key="trends_terms").value == DELTA


def test_trends_counts_a_typed_sequence_on_the_fly_and_adds_it_as_a_phrase() -> None:
    at = _open("trends", {"trend": "The Yangtze", "by": "day", "norm": "count"})
    (trace,) = _traces(at)
    assert trace["name"] == "the yangtze"
    assert sum(trace["y"]) == 10  # as a regex count of "the yangtze" in the seeds
    notes = [shown(c.value) for c in at.caption]
    assert any("Counted on the fly" in n and "'the yangtze'" in n for n in notes), notes
    assert not any("Not found" in shown(i.value) for i in at.info)
    at.button(key="trends_add_phrase_0").click().run()
    assert "the yangtze" in at.text_area(key="sidebar_user_phrases").value.splitlines()
    assert at.query_params["phrase"] == "the yangtze"  # and so in a copied link
    (trace,) = _traces(at)
    assert sum(trace["y"]) == 10  # the same count, now from the phrase's column
    assert not any("Counted on the fly" in shown(c.value) for c in at.caption)


def test_trends_prefix_lists_its_expansion_in_the_caption_and_hover() -> None:
    at = _open("trends", {"trend": "deve*", "by": "day", "norm": "count"})
    (trace,) = _traces(at)
    assert trace["name"] == "deve*"
    assert all(row[9] == "development" for row in trace["customdata"])
    assert "matches %{customdata[9]}" in trace["hovertemplate"]
    assert any("deve* = development" in shown(c.value) for c in at.caption)


def test_trends_widgets_go_in_the_url() -> None:
    at = _open("trends")
    at.text_input(key="trends_terms").set_value(f"{DELTA}, innovation").run()
    at.text_area(key="trends_themes").set_value("tech = technology, sci-tech").run()
    at.button_group(key="trends_by").set_value("day").run()
    at.button_group(key="trends_norm").set_value("doc_share").run()
    at.slider(key="trends_smooth").set_value(2).run()
    assert not at.exception
    assert [t["name"] for t in _traces(at)] == [DELTA, "innovation", "tech"]
    assert at.query_params["trend"] == [DELTA, "innovation"]
    assert at.query_params["theme"] == "tech = technology, sci-tech"
    assert at.query_params["by"] == "day"
    assert at.query_params["norm"] == "doc_share"
    assert at.query_params["smooth"] == "2"


def test_trends_picked_point_shows_the_lines_of_that_period() -> None:
    at = _open("trends", {"trend": DELTA, "by": "day", "pick": f"{DELTA}|2023-11-30"})
    assert f"3 occurrences of '{DELTA}' in 2023-11-30; all shown." in _texts(at)
    html = at.get("html")[0].proto.body
    assert html.count('class="kwic-line"') == 3
    assert "2023-12-03" not in html


def test_trends_picked_theme_shows_the_lines_of_all_its_terms() -> None:
    theme = "places = yangtze river delta, shanghai"
    at = _open("trends", {"theme": theme, "by": "day", "pick": "places|2023-11-30"})
    assert any("Theme terms: yangtze river delta, shanghai" in shown(c.value) for c in at.caption)
    assert any("of 'places' in 2023-11-30" in t for t in _texts(at))
    html = at.get("html")[0].proto.body
    assert html.count('class="kwic-line"') >= 3


def test_trends_a_bad_theme_line_is_a_warning_not_an_exception() -> None:
    at = _open("trends", {"theme": "no equals sign here"})
    assert any("is not 'name = term, term'" in shown(w.value) for w in at.warning)
    assert not at.get("plotly_chart")


def test_trends_emerging_terms_for_the_last_period() -> None:
    at = _open("trends", {"trend": DELTA, "by": "day"})
    assert at.selectbox(key="trends_emerging").value == "2023-12-03"
    table = at.dataframe[-1].value
    assert {"term", "ll", "log_ratio"} <= set(table.columns)


def test_contexts_kwic_of_the_url_term() -> None:
    at = _open("contexts", {"term": DELTA, "window": "4", "sort": "left"})
    assert at.text_input(key="contexts_term").value == DELTA
    assert at.slider(key="contexts_window").value == 4
    assert f"10 occurrences of '{DELTA}'; all shown." in _texts(at)
    html = at.get("html")[0].proto.body
    assert html.count('class="kwic-line"') == 10
    assert at.query_params["sort"] == "left"


def test_topics_timeline_and_terms_on_the_seeds() -> None:
    at = _open("topics", {"by": "day"})
    k = at.number_input(key="topics_k").value
    assert k >= 2
    traces = _traces(at)
    assert len(traces) == k
    assert traces[0]["x"] == ["2023-11-30", "2023-12-01", "2023-12-02", "2023-12-03"]
    assert "k" not in at.query_params  # the suggested k is the default


def test_topics_renamed_label_goes_in_the_url_and_the_chart() -> None:
    at = _open("topics", {"by": "day"})
    at.text_input(key="topics_label_0").set_value("Rivers").run()
    assert not at.exception
    assert at.query_params["label"] == "0=Rivers"
    assert _traces(at)[0]["name"] == "Rivers"
    again = _open("topics", dict(at.query_params))
    assert again.text_input(key="topics_label_0").value == "Rivers"
    assert _traces(again)[0]["name"] == "Rivers"


def test_topics_same_seed_same_topics_and_a_picked_point_shows_passages() -> None:
    params = {"by": "day", "seed": "3", "tpick": "0|2023-11-30"}
    first, second = _open("topics", params), _open("topics", params)
    assert _traces(first) == _traces(second)
    assert any("Passages of topic 0 in 2023-11-30" in shown(m.value) for m in first.markdown)
    assert any(t.startswith("2023-11-30 ·") for t in _texts(first))


def test_trends_say_when_coarse_dates_are_left_out(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "library" / "mixed.jsonl"
    folder.parent.mkdir()
    folder.write_text(
        '{"date": "2020", "text": "Tea and rice. Tea again."}\n'
        '{"date": "2020-03-04", "text": "Tea today."}\n'
        '{"date": "2020-05-06", "text": "Rice today."}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(tmp_path / "library"))
    at = _open("trends", {"corpus": "lib:mixed.jsonl", "trend": "tea", "by": "month"})
    assert any(
        "1 document dated only by month or year is left out of this monthly view" in shown(i.value)
        for i in at.info
    )
    yearly = _open(
        "trends", {"corpus": "lib:mixed.jsonl", "trend": "tea", "by": "year", "norm": "count"}
    )
    assert _traces(yearly)[0]["y"] == [3]
    assert not any("left out" in shown(i.value) for i in yearly.info)


def test_switching_topics_to_lda_shows_lda_labels_and_keeps_no_stale_renames() -> None:
    at = _open("topics", {"k": "2"})
    nmf = [at.text_input(key=f"topics_label_{t}").value for t in (0, 1)]
    at.button_group(key="topics_method").set_value("lda").run()
    assert not at.exception, [e.value for e in at.exception]
    lda = [at.text_input(key=f"topics_label_{t}").value for t in (0, 1)]
    names = [trace["name"] for trace in _traces(at)]
    assert names == lda  # the timeline is labelled by the model it draws
    assert lda != nmf
    assert "label" not in at.query_params  # no NMF label written in as a rename
    assert at.query_params["method"] == "lda"


def test_trends_and_topics_by_decade_on_the_seeds() -> None:
    # both seeds are of 2023: one decade, named by its first day and read "2020s"
    at = _open("trends", {"trend": DELTA, "by": "decade", "norm": "count"})
    (trace,) = _traces(at)
    assert trace["x"] == ["2020-01-01"]
    assert trace["y"] == [10]
    assert "2020s" in trace["customdata"][0]
    assert at.query_params["by"] == "decade"
    topics = _open("topics", {"by": "decade"})
    assert {x for t in _traces(topics) for x in t["x"]} == {"2020-01-01"}


def test_the_default_topic_fit_begins_as_the_index_opens(tmp_path: Path, monkeypatch) -> None:
    import time

    library = tmp_path / "library"
    library.mkdir()
    texts = [
        "Tea leaves brew green tea.\n\nRivers flood the delta plain.",
        "Green tea leaves and black tea.\n\nThe river delta floods again.",
        "Black tea brew.\n\nFlood waters cross the river plain.",
    ]
    (library / "themes.jsonl").write_text(
        "".join(
            json.dumps({"doc_id": f"d{i}", "date": f"2022-0{i + 1}-01", "text": text}) + "\n"
            for i, text in enumerate(texts)
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(library))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["corpus"] = "lib:themes.jsonl"
    at.run()  # the Overview: no topic is asked for

    def saved() -> list[Path]:
        return sorted((tmp_path / "cache").glob("*/result-topics-*"))

    waited = time.monotonic()
    while not saved() and time.monotonic() - waited < TIMEOUT:
        time.sleep(0.05)
    assert len(saved()) == 1  # fitted in the worker and saved, the page not yet opened

    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("fitted again")

    monkeypatch.setattr("analysis.topic_fit.prepare", refused)
    at.switch_page("views/topics.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(_traces(at)) == at.number_input(key="topics_k").value
    assert len(saved()) == 1  # the page's request is the one begun


def test_the_app_runs_nothing_when_a_worker_reads_it_as_its_main_module(monkeypatch) -> None:
    import runpy

    from dashboard import data

    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the app ran in a worker")

    monkeypatch.setattr(data, "load_named_corpus", refused)
    runpy.run_path(APP, run_name="__mp_main__")  # as multiprocessing's spawn does
    with pytest.raises(AssertionError, match="ran in a worker"):
        runpy.run_path(APP, run_name="__main__")
