"""The Chromium the browser tests drive: the one a crawl would launch (find_executable, which
honours DATAOPS_BROWSER_EXECUTABLE and prefers the headless shell), or none."""

from __future__ import annotations

import pytest

from dataops_spiders.fetching.browser import BrowserUnavailable, find_executable

try:
    CHROMIUM: str | None = find_executable()
except BrowserUnavailable:
    CHROMIUM = None

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium chromium-headless-shell)",
)
