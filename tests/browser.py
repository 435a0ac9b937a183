"""Headless Chromium (Debian's `chromium`, see scripts/setup.sh) as the tests drive it: the DOM a page
ends with, its root element's attributes and visible text, and screenshots at a phone's size."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: scripts/setup.sh installs it (apt-get install chromium)")
    return found


def _run(url: str, language: str, *options: str) -> subprocess.CompletedProcess[str]:
    # A fresh profile each time: nothing cached from an earlier page, no lock shared with another run.
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={profile}", f"--accept-lang={language}", *options, url],
            capture_output=True, text=True, timeout=120, check=False,
        )


@dataclass(frozen=True)
class Page:
    root: dict[str, str | None]  # the <html> element's attributes
    text: str  # the visible text, its white space folded
    dom: str


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.root = dict(attrs)
        if tag in ("head", "style", "script", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def open_page(url: str, *, language: str = "vi") -> Page:
    """The page at `url` as Chromium leaves it, the browser asking for `language` (Accept-Language)."""
    result = _run(url, language, "--dump-dom")
    assert result.stdout.strip(), f"chromium printed no DOM for {url}: {result.stderr[-2000:]}"
    reader = _Reader()
    reader.feed(result.stdout)
    return Page(root=reader.root, text=" ".join(" ".join(reader.parts).split()), dom=result.stdout)


def screenshot(url: str, path: Path, *, language: str = "vi", width: int = 390, height: int = 844) -> Path:
    """A PNG of the page at `url` in a `width` x `height` (CSS pixels) window, at a phone's 2x density."""
    path.parent.mkdir(parents=True, exist_ok=True)
    result = _run(url, language, f"--window-size={width},{height}", "--force-device-scale-factor=2",
                  "--hide-scrollbars", f"--screenshot={path}")
    assert path.exists(), f"chromium took no screenshot of {url}: {result.stderr[-2000:]}"
    return path
