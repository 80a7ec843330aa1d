"""dashboard/host.py: the host's browser and CJK font, each honouring its override."""

from __future__ import annotations

import os

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
