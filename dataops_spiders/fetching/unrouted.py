"""Which browser requests can render without a Playwright route.

scrapy-playwright routes every request a page makes (``page.route("**")``): for each script,
stylesheet or API call Chromium pauses, Playwright's driver asks the crawl process, and the
crawl process answers, round trips through an event loop that is busy with the rest of the
crawl. Playwright also turns Chromium's HTTP cache off while a page has a route, so every
render downloads and compiles the site's scripts again.

For a plain GET the route does three things: it puts the Scrapy request's headers on the
navigation, aborts blocked resource types, and asks the SSRF predicate. Blocking needs no route
(fetching/blocking.py), the guard is the handler's to decide, and the headers of a browser-like
identity can be set page-wide: Chromium sends them on every request, as a real browser sends
its User-Agent and language. A GET whose headers are all of that kind renders unrouted. Any
other header (credentials, a custom header) is for the page itself, not for every host it
loads from, so that request goes through the route as before, as does any other method or a
body.
"""

from __future__ import annotations

# Chromium sets these itself, right for each request it makes (a navigation, a script, a
# fetch). Cookies come from the browser context's own jar: Playwright ignores a Cookie header
# given to a route, so Scrapy's jar never reached Chromium, routed or not.
SET_BY_CHROMIUM = frozenset(
    {
        "cookie",
        "accept",
        "accept-encoding",
        "upgrade-insecure-requests",
        "sec-fetch-dest",
        "sec-fetch-mode",
        "sec-fetch-site",
        "sec-fetch-user",
    }
)
# What a browser sends with every request of a page: safe to set page-wide.
PAGE_WIDE = frozenset(
    {"user-agent", "accept-language", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"}
)


def page_wide_headers(request) -> dict[str, str] | None:
    """The headers to give the page for rendering ``request`` (a Scrapy request) without a
    route, or None when it needs the route. The Referer goes to the navigation itself."""
    if request.method.upper() != "GET" or request.body:
        return None
    headers = {}
    for name, values in request.headers.items():
        key = name.decode("latin-1").lower()
        if key in SET_BY_CHROMIUM or key == "referer" or not values:
            continue
        if key not in PAGE_WIDE:
            return None
        headers[key] = values[-1].decode("latin-1")
    return headers
