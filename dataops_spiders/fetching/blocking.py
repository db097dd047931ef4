"""Resource types a render never requests (DATAOPS_BROWSER_BLOCK), blocked inside Chromium.

Images and fonts by launch switches: Blink then never asks for them (CSS backgrounds and
@font-face included), so they cost neither a request nor a round trip. The other types a
template may block (media, stylesheets) by a CDP Fetch pattern on each page that pauses only
requests of those types, and fails them. Neither needs a Playwright route, which would pause
every request of the page and turn Chromium's HTTP cache off (fetching/unrouted.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

logger = logging.getLogger(__name__)

# Playwright launches headless Chromium with these Blink settings, and Chromium reads only the
# last --blink-settings: ours repeats them (without them the page sees a touch device).
BLINK_SETTINGS = "--blink-settings="
PLAYWRIGHT_BLINK_SETTINGS = (
    "primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4"
)
FONT_SWITCH = "--disable-remote-fonts"
# The blockable types no switch covers, by their CDP names.
PAUSED_TYPES = {"media": "Media", "stylesheet": "Stylesheet"}


def with_switches(args: list[str], block: Iterable[str]) -> list[str]:
    """Chromium's launch ``args`` plus the switches that keep it from requesting the blocked
    images and fonts (a ``--blink-settings`` already in ``args`` gets imagesEnabled added)."""
    block = set(block)
    args = list(args)
    if "image" in block:
        given = [a for a in args if a.startswith(BLINK_SETTINGS)]
        settings = given[-1][len(BLINK_SETTINGS) :] if given else PLAYWRIGHT_BLINK_SETTINGS
        args = [a for a in args if not a.startswith(BLINK_SETTINGS)]
        args.append(f"{BLINK_SETTINGS}{settings},imagesEnabled=false")
    if "font" in block and FONT_SWITCH not in args:
        args.append(FONT_SWITCH)
    return args


def paused_types(block: Iterable[str]) -> list[str]:
    """CDP resource types to pause and fail on every page: the blocked ones no switch covers."""
    return sorted(PAUSED_TYPES[t] for t in set(block) if t in PAUSED_TYPES)


async def block_on_page(page, types: list[str], stats=None) -> None:
    """Fail every request of ``page`` whose resource type is in ``types`` before it is sent."""
    if not types:
        return
    session = await page.context.new_cdp_session(page)

    async def paused(event: dict) -> None:  # Playwright's emitter keeps the task
        if stats is not None:
            stats.inc_value("dataops/browser/blocked")
        failure = {"requestId": event["requestId"], "errorReason": "BlockedByClient"}
        try:
            await session.send("Fetch.failRequest", failure)
        except Exception as exc:  # the page closed or navigated meanwhile
            logger.debug("Blocking a browser request failed: %s", exc)

    session.on("Fetch.requestPaused", paused)
    patterns = [{"resourceType": t, "requestStage": "Request"} for t in types]
    await session.send("Fetch.enable", {"patterns": patterns})
