"""dashboard/host.py: the host's browser and CJK font, each honouring its override."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard import host


def test_find_cjk_font_honours_the_override(tmp_path, monkeypatch) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"")
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(font))
    assert host.find_cjk_font() == str(font)


def test_find_browser_honours_browser_path(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    assert host.find_browser() == str(fake)
    fake.chmod(0o644)  # not executable: no browser rather than a broken one
    assert host.find_browser() is None
    assert os.access(fake, os.R_OK)


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """No ``BROWSER_PATH``, nothing held yet; each search the finder makes is listed, and
    finds the browser the test puts in ``found`` (its first item)."""
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(host, "_BROWSERS", {})
    made: list[str | None] = [None]

    def search() -> str | None:
        made.append(made[0])
        return made[0]

    monkeypatch.setattr(host, "_search_browser", search)
    return made


def test_the_browser_search_is_made_once_while_the_browser_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, searches: list[str | None]
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    searches[0] = str(fake)
    assert [host.find_browser() for _ in range(5)] == [str(fake)] * 5
    assert len(searches) == 2  # one search
    monkeypatch.setenv("PATH", str(tmp_path))
    assert host.find_browser() == str(fake)
    assert len(searches) == 3  # another PATH: searched again
    fake.chmod(0o644)  # gone as a program: searched again, and none found
    searches[0] = None
    assert host.find_browser() is None
    assert len(searches) == 4


def test_no_browser_is_looked_for_again_after_a_while(
    monkeypatch: pytest.MonkeyPatch, searches: list[str | None]
) -> None:
    now = [1000.0]
    monkeypatch.setattr(host.time, "monotonic", lambda: now[0])
    assert host.find_browser() is None
    now[0] += host.NO_BROWSER_SECONDS - 1
    assert host.find_browser() is None
    assert len(searches) == 2  # one search within the time
    searches[0] = "/usr/bin/true"  # installed meanwhile
    now[0] += 2
    assert host.find_browser() == "/usr/bin/true"
    assert len(searches) == 3


def test_the_answer_of_the_real_search_is_kept_per_path(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(host, "_BROWSERS", {})
    monkeypatch.setenv("PATH", str(tmp_path))
    found = host.find_browser()  # this one, or a browser choreographer knows a place for
    assert found is not None
    assert os.access(found, os.X_OK)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert host.find_browser() != str(fake)  # not the answer kept for the other PATH
