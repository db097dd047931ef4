"""Browser-like request headers, rotated per site (default) or per request.

Some sites turn away anything that does not look like a browser. With DATAOPS_BROWSER_HEADERS
on, each request gets the full header set of a real browser (User-Agent with the Accept,
Accept-Language and client-hint headers that browser sends alongside it, so the set is
consistent), chosen per site so one site sees one browser through a crawl
(DATAOPS_BROWSER_HEADERS_ROTATION = "per_domain" | "per_request"). DATAOPS_BROWSER_HEADERS_FILE
names a JSON list of header sets to use instead of the built-in ones.

Off when the user fixes a user agent: USER_AGENT set on the command line, by the spider or a
template (a priority above the project's), or a request that carries its own User-Agent.
Requests rendered in Chromium only get Chromium's own kind of header set. robots.txt rules are
still those for our own token (ROBOTSTXT_USER_AGENT): looking like a browser never changes what
we are allowed to fetch.
"""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

_CHROME_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
_FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _chrome(version: int, platform: str, os_token: str, language: str) -> dict[str, str]:
    return {
        "User-Agent": (
            f"Mozilla/5.0 ({os_token}) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{version}.0.0.0 Safari/537.36"
        ),
        "Accept": _CHROME_ACCEPT,
        "Accept-Language": language,
        "sec-ch-ua": f'"Chromium";v="{version}", "Google Chrome";v="{version}", '
        '"Not-A.Brand";v="24"',
        "sec-ch-ua-mobile": "?0",
        "sec-ch-ua-platform": f'"{platform}"',
        "Upgrade-Insecure-Requests": "1",
        "Sec-Fetch-Dest": "document",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Site": "none",
        "Sec-Fetch-User": "?1",
    }


def _firefox(version: int, os_token: str, language: str) -> dict[str, str]:
    return {
        "User-Agent": f"Mozilla/5.0 ({os_token}; rv:{version}.0) Gecko/20100101 "
        f"Firefox/{version}.0",
        "Accept": _FIREFOX_ACCEPT,
        "Accept-Language": language,
        "Upgrade-Insecure-Requests": "1",
        "Sec-Fetch-Dest": "document",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Site": "none",
        "Sec-Fetch-User": "?1",
    }


BUILT_IN_PROFILES: tuple[dict[str, str], ...] = (
    _chrome(142, "Windows", "Windows NT 10.0; Win64; x64", "en-US,en;q=0.9"),
    _chrome(142, "macOS", "Macintosh; Intel Mac OS X 10_15_7", "en-GB,en;q=0.9"),
    _chrome(141, "Linux", "X11; Linux x86_64", "en-US,en;q=0.9"),
    _chrome(141, "Windows", "Windows NT 10.0; Win64; x64", "en-GB,en-US;q=0.9,en;q=0.8"),
    _firefox(145, "Windows NT 10.0; Win64; x64", "en-US,en;q=0.5"),
    _firefox(145, "X11; Linux x86_64", "en-GB,en;q=0.5"),
    {
        "User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.6 Safari/605.1.15",
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en-GB,en;q=0.9",
        "Sec-Fetch-Dest": "document",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Site": "none",
    },
)


def load_profiles(path: str) -> tuple[dict[str, str], ...]:
    """Header sets from a JSON file: a list of {header: value} objects, each with a User-Agent."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotConfigured(f"DATAOPS_BROWSER_HEADERS_FILE={path}: {exc}") from None
    if (
        not isinstance(data, list)
        or not data
        or not all(isinstance(p, dict) and isinstance(p.get("User-Agent"), str) for p in data)
    ):
        raise NotConfigured(
            f"DATAOPS_BROWSER_HEADERS_FILE={path}: expected a JSON list of header objects, "
            "each with a User-Agent"
        )
    return tuple({str(k): str(v) for k, v in profile.items()} for profile in data)


def is_chromium(profile: dict[str, str]) -> bool:
    return "Chrome/" in profile["User-Agent"]


class BrowserHeadersMiddleware:
    def __init__(self, profiles, rotation: str, seed: int | None = None):
        if rotation not in ("per_domain", "per_request"):
            raise NotConfigured(
                f"DATAOPS_BROWSER_HEADERS_ROTATION is per_domain or per_request, not {rotation!r}"
            )
        self.profiles = tuple(profiles)
        self.chromium_profiles = tuple(p for p in self.profiles if is_chromium(p)) or self.profiles
        self.rotation = rotation
        self.random = random.Random(seed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("DATAOPS_BROWSER_HEADERS", True):
            raise NotConfigured("DATAOPS_BROWSER_HEADERS is off")
        if settings.getpriority("USER_AGENT") > SETTINGS_PRIORITIES["project"]:
            raise NotConfigured("USER_AGENT is fixed for this crawl")
        path = settings.get("DATAOPS_BROWSER_HEADERS_FILE")
        profiles = load_profiles(path) if path else BUILT_IN_PROFILES
        return cls(profiles, settings.get("DATAOPS_BROWSER_HEADERS_ROTATION", "per_domain"))

    def profile_for(self, request) -> dict[str, str]:
        choices = self.chromium_profiles if request.meta.get("playwright") else self.profiles
        if self.rotation == "per_request":
            return self.random.choice(choices)
        # Stable per site across the crawl (and across runs): crc32 of the host.
        host = (urlsplit(request.url).hostname or "").encode()
        return choices[zlib.crc32(host) % len(choices)]

    def process_request(self, request, spider=None):
        if b"User-Agent" in request.headers:
            return None  # the request chose its own identity
        for name, value in self.profile_for(request).items():
            request.headers.setdefault(name, value)
        return None
