"""The browser strategy: scrapy-playwright driving Debian's Chromium.

Nothing here imports Playwright at module level: a static crawl never loads it. A crawl that
may need the browser gets ``browser_settings()`` merged into its settings before the crawler
starts (the download handler then launches Chromium the first time a request asks for it), and
each request that should be rendered carries ``browser_meta()``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dataops_spiders.templates import FetchSpec

EXECUTABLE_SETTING = "DATAOPS_BROWSER_EXECUTABLE"
DEFAULT_EXECUTABLE = "/usr/bin/chromium"
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
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"

# Scroll to the bottom up to `times` times, each time waiting (at most 3 s) for the page to
# grow; stop early when it no longer does.
SCROLL_SCRIPT = """async (times) => {
  const grown = (height) => new Promise((done) => {
    const start = Date.now();
    const check = () => (document.body.scrollHeight > height || Date.now() - start > 3000)
      ? done(document.body.scrollHeight > height) : setTimeout(check, 100);
    check();
  });
  let scrolled = 0;
  for (; scrolled < times; scrolled++) {
    const height = document.body.scrollHeight;
    window.scrollTo(0, height);
    if (!(await grown(height))) break;
  }
  return scrolled;
}"""

# Click the "load more" control up to `max` times while it is there, waiting (at most 3 s) for
# the document to change after each click.
LOAD_MORE_SCRIPT = """async ([selector, max]) => {
  const changed = (size) => new Promise((done) => {
    const start = Date.now();
    const check = () => (document.body.innerHTML.length !== size || Date.now() - start > 3000)
      ? done() : setTimeout(check, 100);
    check();
  });
  let clicks = 0;
  for (; clicks < max; clicks++) {
    const button = document.querySelector(selector);
    if (!button) break;
    const size = document.body.innerHTML.length;
    button.click();
    await changed(size);
  }
  return clicks;
}"""


# Wait until the document has not changed for `quiet` ms (at most `limit` ms): scripts that
# fetch and render content are done by then. Unlike Playwright's "networkidle" it never fails
# a page whose analytics keep polling; it just stops waiting.
SETTLE_SCRIPT = """async ([quiet, limit]) => {
  await new Promise((done) => {
    let timer = setTimeout(finish, quiet);
    const observer = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(finish, quiet);
    });
    const cap = setTimeout(finish, limit);
    function finish() { observer.disconnect(); clearTimeout(cap); clearTimeout(timer); done(); }
    const watch = {childList: true, subtree: true, characterData: true};
    observer.observe(document.documentElement, watch);
  });
}"""
SETTLE_QUIET_MS = 300
SETTLE_LIMIT_MS = 5000


class BrowserUnavailable(RuntimeError):
    """No usable Chromium: the message names the setting that points at it."""


def find_executable(configured: str | None = None) -> str:
    """The Chromium to launch: ``configured`` (DATAOPS_BROWSER_EXECUTABLE) when set, else the
    first of chromium / chromium-browser / google-chrome on PATH, else /usr/bin/chromium."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise BrowserUnavailable(
                f"{EXECUTABLE_SETTING}={configured} is not an executable file: install Chromium "
                "(apt-get install -y chromium) or point the setting at it"
            )
        return str(path)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.access(DEFAULT_EXECUTABLE, os.X_OK):
        return DEFAULT_EXECUTABLE
    raise BrowserUnavailable(
        f"no Chromium found (looked for chromium, chromium-browser, google-chrome on PATH and "
        f"{DEFAULT_EXECUTABLE}): install it (apt-get install -y chromium) or set "
        f"{EXECUTABLE_SETTING}"
    )


def browser_settings(executable: str, *, navigation_timeout: float = 30.0) -> dict[str, Any]:
    """Scrapy settings that route requests through scrapy-playwright (requests without
    ``meta["playwright"]`` still go over plain HTTP) with Chromium at ``executable``."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable,
            "headless": True,
            "args": list(CHROMIUM_ARGS),
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(navigation_timeout * 1000),
        # One context, a few pages at once: each page is a renderer process (~100 MB).
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 8,
    }


class ResourceBlocker:
    """Route handler that aborts requests for the blocked resource types (images, fonts,
    media by default) and lets every other request through to scrapy-playwright's handler."""

    def __init__(self, types: Iterable[str]):
        self.types = frozenset(types)

    async def __call__(self, route) -> None:
        if route.request.resource_type in self.types:
            await route.abort()
        else:
            await route.fallback()


def _page_init(blocker: ResourceBlocker):
    async def init(page, request) -> None:
        if blocker.types:
            await page.route("**/*", blocker)

    return init


def browser_meta(fetch: FetchSpec) -> dict[str, Any]:
    """``Request.meta`` that renders the request in the browser and runs the template's page
    actions: wait for a selector, scroll for more, click "load more"."""
    from scrapy_playwright.page import PageMethod

    methods = []
    if fetch.wait_for:
        methods.append(PageMethod("wait_for_selector", fetch.wait_for, state="attached"))
    else:
        methods.append(PageMethod("evaluate", SETTLE_SCRIPT, [SETTLE_QUIET_MS, SETTLE_LIMIT_MS]))
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
        "playwright_page_init_callback": _page_init(ResourceBlocker(fetch.block)),
        "playwright_page_methods": methods,
        "playwright_page_goto_kwargs": {
            "wait_until": "load",
            "timeout": int(fetch.page_timeout * 1000),
        },
    }
