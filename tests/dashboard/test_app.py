"""The app in Streamlit's AppTest: sidebar, pages, URL state and user errors.

No browser: AppTest runs the script in-process and exposes its elements.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 180  # the first run builds the seeds index (jieba loads its dictionary)


def _open(params: dict[str, Any] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _chart(at: AppTest, n: int = 0) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[n].proto.spec)


def _bars(at: AppTest) -> dict[str, list[Any]]:
    return {trace["name"]: list(trace["y"]) for trace in _chart(at)["data"]}


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_app_opens_on_the_seeds() -> None:
    at = _open()
    assert at.sidebar.selectbox(key="sidebar_corpus").value == "seeds"
    metrics = _metrics(at)
    assert metrics["Documents"] == "2"
    assert metrics["Undated"] == "0"
    assert any("2023-11-30 – 2023-12-03" in t.value for t in at.text)
    assert list(at.query_params) == ["h"]  # only the corpus hash: every option is default


@pytest.mark.parametrize("page", ["overview", "terms", "documents", "data"])
def test_every_page_opens_without_exception_or_warning(page: str) -> None:
    at = _open(page=page)
    assert not at.warning
    assert at.header[0].value.lower() == page


def test_changing_the_date_filter_changes_the_chart_and_the_url() -> None:
    at = _open(page="terms")
    before = _bars(at)
    at.sidebar.date_input(key="sidebar_dates").set_value(
        (dt.date(2023, 11, 30), dt.date(2023, 11, 30))
    ).run()
    assert not at.exception
    after = _bars(at)
    assert after != before
    assert at.query_params["to"] == "2023-12-01"  # half-open: the day after the last one
    assert "from" not in at.query_params  # the first day of the corpus: no bound needed
    overview = at.switch_page("views/overview.py").run()
    assert _metrics(overview)["Documents"] == "1"


def test_terms_kind_and_top_change_the_chart() -> None:
    at = _open(page="terms")
    at.button_group(key="terms_kind").set_value("phrase").run()
    assert set(_bars(at)) == {"phrase"}
    at.slider(key="terms_top").set_value(5).run()
    assert sum(len(y) for y in _bars(at).values()) <= 5
    assert at.query_params["kind"] == "phrase"
    assert at.query_params["top"] == "5"


def test_numbers_are_ranked_only_when_asked() -> None:
    at = _open({"top": "200"}, page="terms")
    terms = {t for y in _bars(at).values() for t in y}
    assert "2018" not in terms  # counted, but not ranked, by default
    at.sidebar.toggle(key="sidebar_numbers").set_value(True).run()
    assert "2018" in {t for y in _bars(at).values() for t in y}
    assert at.query_params["numbers"] == "show"


def test_url_params_restore_filters_and_options() -> None:
    params = {"to": "2023-12-01", "q": "delta", "kind": "phrase", "top": "10", "stop": "off"}
    at = _open(params, page="terms")
    assert at.sidebar.date_input(key="sidebar_dates").value == (
        dt.date(2023, 11, 30),
        dt.date(2023, 11, 30),
    )
    assert at.sidebar.text_input(key="sidebar_query").value == "delta"
    assert at.sidebar.toggle(key="sidebar_stop_on").value is False
    assert at.button_group(key="terms_kind").value == "phrase"
    assert at.slider(key="terms_top").value == 10
    assert set(_bars(at)) == {"phrase"}
    for name, value in params.items():
        assert at.query_params[name] == value


def test_a_copied_url_reproduces_the_view() -> None:
    first = _open(page="terms")
    first.button_group(key="terms_kind").set_value("phrase").run()
    first.sidebar.text_input(key="sidebar_query").set_value("modernization").run()
    url_params = dict(first.query_params)
    second = _open(url_params, page="terms")
    assert _bars(second) == _bars(first)
    assert dict(second.query_params) == url_params


def test_an_analysis_error_shows_a_warning_not_an_exception() -> None:
    at = _open({"q": "zzzqqq"}, page="terms")
    assert not at.exception
    assert any("No document matches the filters" in shown(w.value) for w in at.warning)
    assert not at.get("plotly_chart")


def test_a_bad_url_value_is_reported_and_ignored() -> None:
    at = _open({"top": "many", "kind": "phrase"})
    assert any("top=many" in shown(i.value) for i in at.info)
    at.switch_page("views/terms.py").run()
    assert at.slider(key="terms_top").value == 30
    assert at.button_group(key="terms_kind").value == "phrase"


def test_a_link_made_on_another_corpus_version_says_so() -> None:
    at = _open({"h": "0000000000"})
    assert any("different version" in shown(i.value) for i in at.info)
    assert at.query_params["h"] != "0000000000"


def test_documents_page_highlights_the_term_from_the_url() -> None:
    at = _open({"term": "yangtze river delta"}, page="documents")
    assert at.text_input(key="documents_term").value == "yangtze river delta"
    assert any("occurs" in t.value for t in at.text)
    html = at.get("html")[0].proto.body
    assert "<mark" in html
    assert "Yangtze River Delta</mark>" in html


def test_documents_reader_marks_the_words_the_index_counts_where_nfkc_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "ﬁ" and full-width letters are ASCII words to the index; a line break parts the
    # second pair, so the index counts "finance office" twice here, and so does the reader
    folder = tmp_path / "library"
    folder.mkdir()
    text = "The ﬁnance ｏｆｆｉｃｅ said so.\nﬁnance\nｏｆｆｉｃｅ; the Finance Office’s plan."
    (folder / "notes.txt").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(folder))
    at = _open({"corpus": "lib:notes.txt", "term": "finance office"}, page="documents")
    assert "'finance office' occurs 2 times here." in [shown(t.value) for t in at.text]
    html = at.get("html")[0].proto.body
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", html) == [
        "ﬁnance ｏｆｆｉｃｅ",
        "Finance Office’s",
    ]


def test_library_folder_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "library" / "speeches"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("Tea and more tea. The tea harvest.", encoding="utf-8")
    (folder / "b.txt").write_text("Rice and tea, and the rice harvest.", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(tmp_path / "library"))
    at = _open({"corpus": "lib:speeches"})
    picker = at.sidebar.selectbox(key="sidebar_corpus")
    assert picker.value == "lib:speeches"
    assert "Library: speeches" in picker.options
    assert _metrics(at)["Documents"] == "2"
    assert _metrics(at)["Undated"] == "2"


def test_a_library_name_outside_the_library_is_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "library").mkdir()
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(tmp_path / "library"))
    at = _open({"corpus": "lib:../../etc"})
    assert at.sidebar.selectbox(key="sidebar_corpus").value == "seeds"
    assert any("not available" in shown(i.value) for i in at.info)


def test_upload_stays_in_the_session_and_reports_the_ledger() -> None:
    at = _open()
    at.sidebar.selectbox(key="sidebar_corpus").set_value("upload").run()
    assert any("Choose files" in shown(i.value) for i in at.info)
    at.sidebar.get("file_uploader")[0].set_value(
        [
            ("one.txt", b"Green tea and black tea.", "text/plain"),
            ("two.txt", b"\xff\xfe\x00\x00broken", "text/plain"),
        ]
    ).run()
    assert not at.exception
    assert _metrics(at)["Documents"] == "1"
    data = at.switch_page("views/data.py").run()
    metrics = _metrics(data)
    assert metrics["Units"] == "2"
    assert int(metrics["Loaded"]) + int(metrics["Quarantined"]) == 2


def test_editing_stopwords_applies_everywhere_and_goes_in_the_url() -> None:
    at = _open(page="terms")
    assert "said" in _bars(at)["word"]
    editor = at.sidebar.text_area(key="sidebar_stopwords")
    words = editor.value.splitlines()
    assert "the" in words
    edited = [w for w in words if w != "the"] + ["said"]
    editor.set_value("\n".join(edited)).run()
    bars = _bars(at)
    assert "said" not in bars["word"]
    assert bars["word"][0] == "the"
    assert at.query_params["stop_add"] == "said"
    assert at.query_params["stop_drop"] == "the"
    at.sidebar.button(key="sidebar_stop_reset").click().run()
    assert "said" in _bars(at)["word"]
    assert "stop_add" not in at.query_params


def test_library_folder_from_secrets(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "notes.txt").write_text("Tea leaves and tea cups.", encoding="utf-8")
    monkeypatch.delenv("DASHBOARD_CORPUS_DIR", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["corpus_dir"] = str(tmp_path)
    at.query_params["corpus"] = "lib:notes.txt"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="sidebar_corpus").value == "lib:notes.txt"
    assert _metrics(at)["Documents"] == "1"


def test_link_driven_rebuilds_are_bounded_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    monkeypatch.setenv("DASHBOARD_MAX_BUILDS_PER_SESSION", "1")
    at = _open()  # the seeds' index: built now, or already in memory (not a new build)
    for _ in range(2):  # two new phrase sets, two new indexes: one more than allowed
        box = at.sidebar.text_area(key="sidebar_user_phrases")
        box.set_value(f"delta {uuid.uuid4().hex}").run()
    assert not at.exception
    assert any("This session has built 1 new index" in shown(w.value) for w in at.warning)


def test_overview_says_what_the_seeds_are_about_before_any_choice() -> None:
    from analysis import load_corpus

    at = _open()
    shown_cells = {str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()}
    for title in load_corpus("seeds").docs["title"]:
        assert title in shown_cells  # both headlines
    assert "yangtze river delta" in shown_cells  # a top phrase
    texts = " ".join(t.value for t in at.text)
    assert "2023-11-30 – 2023-12-03" in texts
    assert "What it is about" in [shown(s.value) for s in at.subheader]
    assert "All 2 documents, newest first." in [shown(c.value) for c in at.caption]


def test_the_overview_report_button_gives_the_cli_report(tmp_path: Path) -> None:
    from dashboard import report
    from dashboard.__main__ import run
    from dashboard.views import common

    at = _open()
    made = at.session_state[common.REPORT_KEY].made
    assert made is not None
    assert [s.title for s in made.sections] == [
        "Documents",
        "Top 5 phrases",
        "Top 10 words",
        "Documents per day",
        "Sources",
    ]
    out = tmp_path / "r.html"
    assert run(["report", "seeds", "--out", str(out)]) == 0
    assert report.report_html(made) == out.read_bytes()


@pytest.mark.parametrize("page", ["terms", "data"])
def test_every_page_offers_its_report(page: str) -> None:
    at = _open(page=page)
    made = at.session_state["_dashboard_report"].made
    assert made.page.lower() == page
    assert made.sections  # the page's charts and tables
    assert made.ledger == {"units": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}


def test_metadata_filters_in_the_sidebar_and_the_url() -> None:
    from analysis import load_corpus

    docs = load_corpus("sotu").docs
    at = _open({"corpus": "sotu", "meta": ["party=Whig", "colour=red"]})
    whig = docs["party"].astype(str) == "Whig"
    assert _metrics(at)["Documents"] == f"{int(whig.sum()):,}"
    assert at.sidebar.multiselect(key="sidebar_meta_party").value == ["Whig"]
    assert at.sidebar.multiselect(key="sidebar_meta_speaker").value == []
    assert any("Ignored in the link: meta=colour=red" in shown(i.value) for i in at.info)
    assert at.query_params["meta"] in ("party=Whig", ["party=Whig"])
    # speaker always has a box; year (229 values) has none
    keys = {w.key for w in at.sidebar.multiselect}
    assert {"sidebar_meta_speaker", "sidebar_meta_sotu_type", "sidebar_meta_is_sotu"} <= keys
    assert "sidebar_meta_year" not in keys
    at.sidebar.multiselect(key="sidebar_meta_speaker").select("John Tyler").run()
    tyler = whig & (docs["speaker"] == "John Tyler")
    assert _metrics(at)["Documents"] == f"{int(tyler.sum()):,}"
    assert at.query_params["meta"] == ["speaker=John Tyler", "party=Whig"]
    again = _open({"corpus": "sotu", "meta": at.query_params["meta"]})
    assert _metrics(again)["Documents"] == f"{int(tyler.sum()):,}"
    assert again.sidebar.multiselect(key="sidebar_meta_speaker").value == ["John Tyler"]


def test_collapsing_duplicates_counts_a_copy_once_and_saves_the_pairs_with_the_index(
    tmp_path: Path, monkeypatch
) -> None:
    base = "the central bank raised its key rate by half a point on tuesday to curb inflation"
    rows = [
        {"date": "2024-01-01", "text": base},
        {"date": "2024-01-02", "text": base + " again"},  # Jaccard 12/13 of 5-word shingles
        {"date": "2024-01-03", "text": "markets fell sharply as oil prices rose on supply fears"},
    ]
    library = tmp_path / "library"
    library.mkdir()
    (library / "copies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cache = tmp_path / "cache"
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(library))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(cache))
    assert _metrics(_open({"corpus": "lib:copies.jsonl"}))["Documents"] == "3"
    at = _open({"corpus": "lib:copies.jsonl", "dedup": "on"})
    assert _metrics(at)["Documents"] == "2"
    assert not at.warning, [shown(w.value) for w in at.warning]
    (folder,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    kinds = sorted(p.name.split("-")[1] for p in folder.glob("result-*"))
    # beside the pairs, at most the default view's topic fit (begun as the index opened)
    assert kinds in (["near_duplicates"], ["near_duplicates", "topics"])


def test_the_same_upload_again_is_the_same_corpus_read_and_indexed_once(
    tmp_path: Path, monkeypatch
) -> None:
    from dashboard import worker

    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))  # no index saved by another test

    calls = {"load": 0, "build": 0}
    run = worker.run
    names = {"load_uploads": "load", "index_into_cache": "build"}

    def counted(kind: str, workers: Any, label: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        calls[names[call.__name__]] += 1  # read and indexed in the upload worker
        return run(kind, workers, label, call, *args, **kwargs)

    monkeypatch.setattr(worker, "run", counted)
    notes = ("notes.txt", b"Green tea and river tea.\n\nThe river rose.", "text/plain")
    at = _open({"corpus": "upload"})
    uploader = at.sidebar.get("file_uploader")[0]
    uploader.set_value([notes]).run()
    at.sidebar.text_input(key="sidebar_query").set_value("river").run()
    assert _metrics(at)["Documents"] == "1"
    assert calls == {"load": 1, "build": 1}
    # the same bytes again: put in once more (a new file id), then removed and put back
    for files in ([notes], None, [notes]):
        at.sidebar.get("file_uploader")[0].set_value(files).run()
        assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Documents"] == "1"
    assert calls == {"load": 1, "build": 1}
    assert at.query_params["q"] == "river"  # the same corpus: its settings stay
    assert not [i for i in at.info if "start afresh" in shown(i.value)]
    # other bytes are another corpus: read, indexed, and its settings start afresh
    other = ("notes.txt", b"Black tea only.", "text/plain")
    at.sidebar.get("file_uploader")[0].set_value([other]).run()
    assert calls == {"load": 2, "build": 2}
    afresh = [shown(i.value) for i in at.info if "start afresh" in shown(i.value)]
    assert len(afresh) == 1
    assert "q" in afresh[0]
    assert "q" not in at.query_params


def test_an_unchanged_rerun_of_the_overview_draws_no_chart_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functools

    from dashboard import charts

    built = []
    plot = charts.plot_documents_per_period

    @functools.wraps(plot)
    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("freq"))
        return plot(*args, **kwargs)

    monkeypatch.setattr(charts, "plot_documents_per_period", counted)
    at = _open({"freq": "week"})  # a view no other test draws: not in the figure cache yet
    assert built == ["week"]
    at.run()
    assert built == ["week"]  # the rerun read the figure from the cache
    assert len(at.get("plotly_chart")) == 1
