"""The browser strategy: scrapy-playwright driving Debian's Chromium.

Nothing here imports Playwright at module level: a static crawl never loads it. A crawl that
may need the browser gets ``browser_settings()`` merged into its settings before the crawler
starts (the download handler then starts Playwright and Chromium the first time a request asks
for them), and the fetch-routing middleware gives each request to be rendered
``browser_meta()``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dataops_spiders.fetching.page_scripts import (
    LOAD_MORE_SCRIPT,
    SCROLL_SCRIPT,
    SETTLE_LIMIT_MS,
    SETTLE_LONG_POLL_MS,
    SETTLE_QUIET_MS,
    SETTLE_SCRIPT,
)
from dataops_spiders.templates import FetchSpec

EXECUTABLE_SETTING = "DATAOPS_BROWSER_EXECUTABLE"
DEFAULT_EXECUTABLE = "/usr/bin/chromium"
# Looked for on PATH, best first. Chromium's headless shell (Debian's chromium-headless-shell)
# is the browser without its windowing and GPU machinery: the same Blink and V8, so the same
# DOM, at about a fifth less CPU per page (bench/fetch_strategies.py).
EXECUTABLE_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
# What a crawling browser has no use for: updates, sync, first-run pages, QUIC (proxies and
# packet captures expect TCP).
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB; Chromium then crashes
)
HANDLER = "dataops_spiders.fetching.handler.OnDemandPlaywrightHandler"


class BrowserUnavailable(RuntimeError):
    """No usable Chromium: the message names the setting that points at it."""


def find_executable(configured: str | None = None) -> str:
    """The Chromium to launch: ``configured`` (DATAOPS_BROWSER_EXECUTABLE) when set, else the
    first of EXECUTABLE_NAMES on PATH, else /usr/bin/chromium."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise BrowserUnavailable(
                f"{EXECUTABLE_SETTING}={configured} is not an executable file: install Chromium "
                "(apt-get install -y chromium) or point the setting at it"
            )
        return str(path)
    for name in EXECUTABLE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.access(DEFAULT_EXECUTABLE, os.X_OK):
        return DEFAULT_EXECUTABLE
    raise BrowserUnavailable(
        f"no Chromium found (looked for {', '.join(EXECUTABLE_NAMES)} on PATH and "
        f"{DEFAULT_EXECUTABLE}): install it (apt-get install -y chromium) or set "
        f"{EXECUTABLE_SETTING}"
    )


def browser_settings(
    executable: str,
    *,
    navigation_timeout: float = 30.0,
    block: Iterable[str] = FetchSpec().block,
    pages: int = 8,
) -> dict[str, Any]:
    """Scrapy settings that route requests through scrapy-playwright (requests without
    ``meta["playwright"]`` still go over plain HTTP) with Chromium at ``executable``: at most
    ``pages`` pages rendering at once, ``block``ed resource types never requested."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable,
            "headless": True,
            "args": list(CHROMIUM_ARGS),
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(navigation_timeout * 1000),
        # Contexts are not capped: there is the default one and one per proxy (a context has
        # no process of its own). Pages are what cost (a renderer each): the browser page pool
        # keeps at most `pages` open over all contexts, so the handler's own cap never waits.
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": pages,
        # Resource types the browser never requests (fetching/blocking.py).
        "DATAOPS_BROWSER_BLOCK": list(block),
    }


def browser_meta(fetch: FetchSpec) -> dict[str, Any]:
    """``Request.meta`` that renders the request in the browser and runs the template's page
    actions: wait for a selector, scroll for more, click "load more"."""
    from scrapy_playwright.page import PageMethod

    methods = []
    if fetch.wait_for:
        methods.append(PageMethod("wait_for_selector", fetch.wait_for, state="attached"))
    else:
        settle = [SETTLE_QUIET_MS, SETTLE_LIMIT_MS, SETTLE_LONG_POLL_MS]
        methods.append(PageMethod("evaluate", SETTLE_SCRIPT, settle))
    if fetch.scroll:
        methods.append(PageMethod("evaluate", SCROLL_SCRIPT, fetch.scroll))
    if fetch.load_more is not None:
        arguments = [fetch.load_more.css, fetch.load_more.max_clicks]
        methods.append(PageMethod("evaluate", LOAD_MORE_SCRIPT, arguments))
    return {
        "playwright": True,
        # A browser page's latency is mostly Chromium rendering, not the server answering:
        # AutoThrottle must not slow the site down for it.
        "autothrottle_dont_adjust_delay": True,
        "playwright_page_methods": methods,
        "playwright_page_goto_kwargs": {
            "wait_until": "load",
            "timeout": int(fetch.page_timeout * 1000),
        },
    }
