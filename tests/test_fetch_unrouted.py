"""Which browser requests render without a route, and the Chromium switches that block images
and fonts instead: decided from the request and the settings alone."""

from __future__ import annotations

from scrapy import Request

from dataops_spiders.fetching.blocking import PLAYWRIGHT_BLINK_SETTINGS, paused_types, with_switches
from dataops_spiders.fetching.unrouted import page_wide_headers

CHROME = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36",
    "Accept": "text/html,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
    "Accept-Encoding": "gzip, deflate",
    "sec-ch-ua": '"Chromium";v="131"',
    "Sec-Fetch-Mode": "navigate",
    "Upgrade-Insecure-Requests": "1",
    "Referer": "https://shop.example/",
    "Cookie": "session=1",
}


def test_a_browser_identity_is_set_page_wide_and_the_rest_left_to_chromium():
    headers = page_wide_headers(Request("https://shop.example/p/1", headers=CHROME))
    assert headers == {
        "user-agent": CHROME["User-Agent"],
        "accept-language": "en-GB,en;q=0.9",
        "sec-ch-ua": '"Chromium";v="131"',
    }


def test_requests_with_their_own_headers_or_a_body_keep_the_route():
    url = "https://shop.example/"
    assert page_wide_headers(Request(url, headers={"Authorization": "Basic eDp5"})) is None
    assert page_wide_headers(Request(url, headers={"X-Api-Key": "k"})) is None
    assert page_wide_headers(Request(url, method="POST", body=b"q=1")) is None
    assert page_wide_headers(Request(url, method="PUT")) is None


def test_images_and_fonts_are_switched_off_keeping_the_blink_settings_already_given():
    args = with_switches(["--no-first-run"], ["image", "font", "media"])
    assert args == [
        "--no-first-run",
        f"--blink-settings={PLAYWRIGHT_BLINK_SETTINGS},imagesEnabled=false",
        "--disable-remote-fonts",
    ]
    # a user's own Blink settings are kept: Chromium reads only the last such switch
    mine = with_switches(["--blink-settings=forceDarkModeEnabled=true"], ["image"])
    assert mine == ["--blink-settings=forceDarkModeEnabled=true,imagesEnabled=false"]
    assert with_switches(["--no-first-run"], ["media"]) == ["--no-first-run"]


def test_types_no_switch_covers_are_paused_over_cdp():
    assert paused_types(["image", "font", "media", "stylesheet"]) == ["Media", "Stylesheet"]
    assert paused_types(["image", "font"]) == []
