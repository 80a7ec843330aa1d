"""The dashboard in a real browser: filters, shared URLs, downloads, hostile text.

Run by ``python -m pytest`` with the rest; select with ``-m e2e``. Locally they
skip when Debian chromium is missing; in CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import XSS_IMG, XSS_SCRIPT
from tests.e2e.pointer import click_centre

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TERM_HEADER = ["term", "kind", "count", "per_million", "docs", "tfidf"]

# Traces of the first plotly chart on the page: name, categories (y) and values (x).
CHART_DATA = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data) return null;
  return plot.data.map(t => ({name: t.name, y: Array.from(t.y), x: Array.from(t.x)}));
}"""


def _ready(page: Page) -> None:
    """Wait until the script run is over and the chart is drawn."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_selector(".js-plotly-plot .point", timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def _chart(page: Page) -> Any:
    return page.evaluate(CHART_DATA)


def _location(page: Page) -> str:
    # page.url lags behind history.replaceState, which is how Streamlit writes the URL.
    return str(page.evaluate("() => window.location.href"))


def _wait_for_new_chart(page: Page, before: Any) -> Any:
    page.wait_for_function(
        f"(before) => JSON.stringify(({CHART_DATA})()) !== JSON.stringify(before)",
        arg=before,
        timeout=60_000,
    )
    _ready(page)
    return _chart(page)


def _download(page: Page, key: str, *, timeout: float = 60_000) -> bytes:
    button = page.locator(f".st-key-{key}").get_by_role("button")
    with page.expect_download(timeout=timeout) as info:
        button.click()
    path = info.value.path()
    return path.read_bytes()


def test_filter_share_url_and_download(app_url: str, new_page: Callable[[], Page]) -> None:
    page = new_page()
    page.goto(f"{app_url}/terms")
    _ready(page)
    before = _chart(page)
    assert {trace["name"] for trace in before} == {"word", "phrase"}

    # Change a filter: phrases only, then the first of the two days only.
    page.locator(".st-key-terms_kind").get_by_role("radio", name="Phrases").click()
    phrases = _wait_for_new_chart(page, before)
    assert [trace["name"] for trace in phrases] == ["phrase"]
    assert "yangtze river delta" in phrases[0]["y"]
    page.locator(".st-key-sidebar_query input").fill("modernization")
    page.keyboard.press("Enter")
    narrowed = _wait_for_new_chart(page, phrases)
    assert narrowed != phrases
    page.wait_for_function("() => window.location.search.includes('q=modernization')")
    url = _location(page)
    assert "kind=phrase" in url

    # A colleague opens the copied URL: same page, same chart, same widgets.
    other = new_page()
    other.goto(url)
    _ready(other)
    assert _chart(other) == narrowed
    assert other.locator(".st-key-sidebar_query input").input_value() == "modernization"
    expect(
        other.locator(".st-key-terms_kind").get_by_role("radio", name="Phrases")
    ).to_have_attribute("aria-checked", "true")
    assert _location(other) == url

    # Downloads: the chart's data as CSV, the chart as PNG (kaleido + chromium).
    data = _download(page, "terms_top_terms_csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == TERM_HEADER
    assert [row[0] for row in rows[1:]] == narrowed[0]["y"]
    png = _download(page, "terms_top_terms_png", timeout=120_000)
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 5_000


def test_clicking_a_bar_opens_the_term_in_its_documents(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/terms?kind=phrase")
    _ready(page)
    chart = _chart(page)
    index = chart[0]["y"].index("yangtze river delta")
    # Plotly's drag layer takes the pointer events, so click at the bar's position.
    click_centre(page, page.locator(".js-plotly-plot .point").nth(index))
    page.wait_for_selector(".doc-reader")
    assert "/documents" in _location(page)
    marks = page.locator(".doc-reader mark").all_inner_texts()
    assert marks
    assert {m.lower() for m in marks} == {"yangtze river delta"}


def _assert_nothing_ran(page: Page) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert not page.evaluate(
        "() => Array.from(document.scripts).some(s => s.text.includes('__xss'))"
    )


def test_hostile_document_text_executes_nothing(app_url: str, new_page: Callable[[], Page]) -> None:
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{app_url}/documents?corpus=lib:hostile&term=delta&doc=xss.txt")
    reader = page.locator(".doc-reader")
    expect(reader).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    text = reader.inner_text()
    assert XSS_SCRIPT in text
    assert XSS_IMG in text
    assert "[a link](javascript:window.__xss=1) and **bold** markdown" in text
    assert page.locator(".doc-reader mark").count() == 2
    # The title (first line of the file) is shown as plain text too: above the reader, and
    # in the document list's cell.
    title = page.get_by_text(f"{XSS_IMG} headline", exact=True)
    expect(title.and_(page.locator("span"))).to_be_visible()
    expect(title.and_(page.locator("td"))).to_have_count(1)
    assert page.locator(".doc-reader a").count() == 0
    _assert_nothing_ran(page)

    page.goto(f"{app_url}/terms?corpus=lib:hostile")
    _ready(page)
    terms = {term for trace in _chart(page) for term in trace["y"]}
    assert {"onerror", "script", "delta"} <= terms
    _assert_nothing_ran(page)
    page.get_by_role("tab", name="Table").click()
    _assert_nothing_ran(page)
    page.goto(f"{app_url}/data?corpus=lib:hostile")
    expect(page.get_by_text("2 of 2 units.")).to_be_visible(timeout=60_000)
    _assert_nothing_ran(page)
    assert dialogs == []


def test_uploaded_hostile_file_is_shown_as_text(
    app_url: str, new_page: Callable[[], Page], tmp_path: Any
) -> None:
    page = new_page()
    page.goto(f"{app_url}/documents?corpus=upload")
    # Let the first run finish, so the upload's rerun knows which page it is on.
    expect(page.get_by_text("Choose files to upload in the sidebar")).to_be_visible()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    uploader = page.get_by_test_id("stSidebar").locator("input[type=file]")
    upload = tmp_path / "mine.txt"
    upload.write_text(f"My notes {XSS_SCRIPT} {XSS_IMG} end.", encoding="utf-8")
    uploader.set_input_files(str(upload))
    reader = page.locator(".doc-reader")
    expect(reader).to_contain_text(XSS_SCRIPT, timeout=120_000)
    expect(reader).to_contain_text(XSS_IMG)
    _assert_nothing_ran(page)
    assert "corpus=upload" in _location(page)


def test_replacing_an_upload_with_later_dates_resets_its_settings_once(
    app_url: str, new_page: Callable[[], Page], tmp_path: Any
) -> None:
    page = new_page()
    page.goto(f"{app_url}/?corpus=upload")
    expect(page.get_by_text("Choose files to upload in the sidebar")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    sidebar = page.get_by_test_id("stSidebar")
    first = tmp_path / "early.txt"
    first.write_text("date 2020-01-05 Early\n\nThe river rose early.\n", encoding="utf-8")
    sidebar.locator("input[type=file]").set_input_files(str(first))
    dates = sidebar.locator(".st-key-sidebar_dates input").first
    expect(dates).to_have_value(re.compile("2020-01-05"), timeout=120_000)
    query = sidebar.locator(".st-key-sidebar_query input")
    query.fill("river")
    query.press("Enter")
    page.wait_for_function("() => window.location.search.includes('q=river')")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)

    sidebar.locator('[data-testid="stFileChipDeleteBtn"] button').click()
    expect(page.get_by_text("Choose files to upload in the sidebar")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    later = tmp_path / "later.txt"
    later.write_text("date 2024-03-01 Later\n\nThe delta grew later.\n", encoding="utf-8")
    sidebar.locator("input[type=file]").set_input_files(str(later))
    expect(dates).to_have_value(re.compile("2024-03-01"), timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0
    notices = page.get_by_text("its own settings start afresh")
    expect(notices).to_have_count(1)
    assert "q" in notices.inner_text()
    expect(query).to_have_value("")
    # The URL is written at the end of the run that drew the notice.
    page.wait_for_function("() => !window.location.search.includes('q=river')")
