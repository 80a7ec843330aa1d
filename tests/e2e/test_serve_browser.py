"""The app in chromium through ``python -m dashboard serve --replicas 2``: two users land
on two replicas by the proxy's cookie, and each one's upload (the browser's own PUT)
reaches the replica that holds that user's session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.dashboard.test_serve import two_replicas


@pytest.fixture
def proxy_url(tmp_path: Path) -> Iterator[str]:
    with two_replicas(tmp_path) as running:
        yield f"http://127.0.0.1:{running.port}"


def test_two_users_upload_through_the_proxy_to_their_own_replicas(
    proxy_url: str, new_page: Callable[[], Page], tmp_path: Path
) -> None:
    pages = [new_page(), new_page()]
    for page in pages:
        page.goto(f"{proxy_url}/?corpus=upload")
        expect(page.get_by_text("Choose files to upload in the sidebar")).to_be_visible(
            timeout=120_000
        )
    replicas = []
    for page in pages:
        (cookie,) = [c for c in page.context.cookies() if c["name"] == "dashboard_replica"]
        assert cookie["httpOnly"]
        replicas.append(cookie["value"])
    assert sorted(replicas) == ["r1", "r2"]
    for number, page in enumerate(pages):
        upload = tmp_path / f"notes{number}.txt"
        upload.write_text(f"Notes number {number} about the river.", encoding="utf-8")
        page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(upload))
    for page in pages:
        # A PUT that reached the other replica is refused (400) and nothing is loaded.
        documents = page.get_by_test_id("stMetric").filter(has_text="Documents")
        expect(documents.get_by_test_id("stMetricValue")).to_have_text("1", timeout=120_000)
        assert page.get_by_test_id("stException").count() == 0
