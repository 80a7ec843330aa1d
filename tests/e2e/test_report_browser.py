"""The first screen and the report in a real browser: what the seeds are about, the
"Download report" button, and the downloaded file opened off-network from disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from playwright.sync_api import Browser, Page, Route, expect

from analysis import load_corpus
from dashboard.__main__ import run


def _ready(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_selector(".js-plotly-plot .point", timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def _csv(page: Page, key: str) -> pd.DataFrame:
    button = page.locator(f".st-key-{key}").get_by_role("button")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return pd.read_csv(info.value.path(), encoding="utf-8-sig")


def test_the_landing_page_says_what_the_seeds_are_about(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(app_url)
    _ready(page)
    expect(page.get_by_text("What it is about")).to_be_visible()
    expect(page.get_by_text("All 2 documents, newest first.")).to_be_visible()
    # The tables are drawn on a canvas; what they hold is read from their CSV downloads.
    documents = _csv(page, "overview_documents_csv")
    assert documents["title"].tolist() == load_corpus("seeds").docs["title"].tolist()[::-1]
    phrases = _csv(page, "overview_top_phrases_csv")
    assert "yangtze river delta" in phrases["term"].tolist()
    expect(page.get_by_text("Date span: 2023-11-30 – 2023-12-03")).to_be_visible()


def test_the_report_button_gives_the_cli_report_which_draws_offline(
    app_url: str, new_page: Callable[[], Page], browser: Browser, tmp_path: Path
) -> None:
    page = new_page()
    page.goto(app_url)
    _ready(page)
    button = page.locator(".st-key-overview_report_html").get_by_role("button")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    downloaded = Path(info.value.path()).read_bytes()
    cli = tmp_path / "r.html"
    assert run(["report", "seeds", "--out", str(cli)]) == 0
    assert downloaded == cli.read_bytes()  # the same file, byte for byte

    # Opened from disk with every request that is not the file itself refused.
    offline = browser.new_context()
    asked: list[str] = []

    def refuse(route: Route) -> None:
        asked.append(route.request.url)
        route.abort()

    offline.route(lambda url: not url.startswith("file://"), refuse)
    report = offline.new_page()
    report.goto(cli.as_uri())
    report.wait_for_selector("#chart-1 .main-svg", timeout=60_000)
    bars = report.locator("#chart-1 .point").count()
    assert bars == 4  # one bar per day, 2023-11-30 to 2023-12-03
    expect(report.get_by_role("heading", name="Top 5 phrases")).to_be_visible()
    expect(report.get_by_role("cell", name="yangtze river delta", exact=True)).to_be_visible()
    assert asked == []
    offline.close()
