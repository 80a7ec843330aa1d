"""Compare in a real browser: pick two documents, read their shared passages, export keyness."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.conftest import XSS_IMG, XSS_SCRIPT
from tests.e2e.pointer import click_centre

SHARED = "integrated development of the yangtze river delta"
KEYNESS_HEADER = [
    "term",
    "kind",
    "count_a",
    "count_b",
    "ll",
    "p",
    "log_ratio",
    "docs_a",
    "docs_b",
    "significant",
]


def _settled(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def _pick(page: Page, key: str, label_start: str) -> None:
    """Choose the option whose label starts with ``label_start`` in the selectbox ``key``."""
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text=label_start).first.click()


def test_pick_two_documents_see_shared_passages_and_export_keyness(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/compare")
    expect(page.locator(".compare-reader")).to_have_count(2, timeout=120_000)
    _settled(page)

    # Swap the two seeds through the widgets: A the later article, B the earlier one.
    _pick(page, "compare_a_doc", "2023-12-03")
    _settled(page)
    _pick(page, "compare_b_doc", "2023-11-30")
    page.wait_for_function(
        "() => ['a=001_', 'b=000_'].every(p => window.location.search.includes(p))",
        timeout=60_000,
    )
    _settled(page)
    expect(page.locator(".compare-reader")).to_have_count(2, timeout=60_000)

    a_reader, b_reader = page.locator(".compare-reader").all()
    for reader in (a_reader, b_reader):
        shared = [t.lower() for t in reader.locator("mark.shared").all_inner_texts()]
        assert any(SHARED in " ".join(t.split()) for t in shared), shared
    assert (
        "Photo Caption" in a_reader.inner_text()[:400]
        or "General Secretary" in (a_reader.inner_text()[:400])
    )
    assert page.locator(".compare-reader script, .compare-reader img").count() == 0

    button = page.locator(".st-key-compare_keyness_csv").get_by_role("button")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    rows = list(csv.reader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
    assert rows[0] == KEYNESS_HEADER
    assert len(rows) > 5


def test_hostile_documents_side_by_side_execute_nothing(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{app_url}/compare?corpus=lib:hostile&a=xss.txt&b=calm.txt&kmin=1&min_tokens=2")
    expect(page.locator(".compare-reader")).to_have_count(2, timeout=120_000)
    _settled(page)
    text = page.locator(".compare-reader").first.inner_text()
    assert XSS_SCRIPT in text
    assert XSS_IMG in text
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator(".compare-reader a").count() == 0
    assert page.locator(".compare-reader mark.shared").count() >= 1  # "the delta river"
    assert dialogs == []


def test_groups_view_a_click_on_a_bar_opens_that_term_in_that_group(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/compare?corpus=sotu&groups=party")
    page.wait_for_selector(".js-plotly-plot .point", timeout=180_000)
    _settled(page)
    first = page.evaluate(
        "() => { const d = document.querySelector('.js-plotly-plot').data[0];"
        " return {name: d.name, custom: Array.from(d.customdata[0])}; }"
    )
    group, term, count = first["custom"][:3]
    assert group == first["name"] == "Democratic"
    # Plotly's drag layer takes the pointer events, so click at the bar's position.
    click_centre(page, page.locator(".js-plotly-plot .point").first)
    expect(page.get_by_text(f"occurrences of '{term}' in {group}")).to_be_visible(timeout=60_000)
    # The caption comes before the lines in the same run, and the status widget shows
    # only after a delay: wait for the lines themselves before counting them.
    expect(page.locator(".kwic-line").first).to_be_visible(timeout=60_000)
    _settled(page)
    assert "gpick=" in page.evaluate("() => window.location.search")
    shown = page.locator(".kwic-line").count()
    assert 0 < shown <= count
    matches = {m.lower() for m in page.locator(".kwic-line mark").all_inner_texts()}
    assert matches == {term}
