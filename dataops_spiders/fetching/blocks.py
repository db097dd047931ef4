"""Was a response the site turning us away? 403 and 429, or a CAPTCHA / bot-challenge page
(which often comes with a 200)."""

from __future__ import annotations

import re

BLOCK_STATUSES = frozenset({403, 429})
# Markers of the common CAPTCHA and bot-challenge pages, looked for in the first bytes only.
CHALLENGE_MARKERS = re.compile(
    rb"g-recaptcha|h-captcha|cf-challenge|challenge-platform|cf_chl_|captcha-delivery"
    rb"|px-captcha|/_Incapsula_Resource|are you a robot|verify you are (a )?human",
    re.I,
)
SCAN_BYTES = 64 * 1024


def block_reason(status: int, body: bytes) -> str | None:
    """ "403", "429" or "captcha" when the response turned us away; None otherwise."""
    if status in BLOCK_STATUSES:
        return str(status)
    if CHALLENGE_MARKERS.search(body[:SCAN_BYTES]):
        return "captcha"
    return None
