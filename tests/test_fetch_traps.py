"""Crawler-trap detection: endless URL shapes are caught, ordinary URLs of real sites are not."""

from __future__ import annotations

from datetime import date

import pytest

from dataops_spiders.fetching.traps import query_growth, trap_reason

TODAY = date(2026, 11, 28)

TRAPS = {
    "https://shop.example/a/b/a/b/a/b/item": "repeats 'a/b'",
    "https://shop.example/img/img/img/x.png": "repeats 'img'",
    "https://shop.example/" + "/".join(f"s{n}" for n in range(20)): "path of 20 segments",
    "https://shop.example/list?" + "&".join(f"f{n}=1" for n in range(12)): "12 query parameters",
    "https://shop.example/list?c=1&c=2&c=3&c=4": "'c' repeated 4 times",
    "https://shop.example/list?q=" + "x" * 500: "query of",
    "https://events.example/calendar/2031/05/": "calendar date in 2031",
    "https://events.example/agenda?year=2040&month=1": "calendar date in 2040",
}

ORDINARY = [
    "https://shop.example/product/steel-kettle-1-7l.html",
    "https://shop.example/catalogue/kitchen/?page=12",
    "https://news.example/2019/05/14/an-old-article/",  # archives of past years are real
    "https://news.example/2027/01/preview-of-next-year/",  # a year ahead is still plausible
    "https://shop.example/p/203105",  # an id that only looks like yyyymm
    "https://shop.example/search?q=kettle&sort=price&page=2&colour=red",
    "https://docs.example/en/latest/api/v2/reference/index.html",
]


@pytest.mark.parametrize("url", TRAPS)
def test_trap_shapes_are_caught_with_their_reason(url):
    reason = trap_reason(url, today=TODAY)
    assert reason is not None and TRAPS[url] in reason


@pytest.mark.parametrize("url", ORDINARY)
def test_ordinary_urls_are_not_traps(url):
    assert trap_reason(url, today=TODAY) is None


def test_the_fixture_calendar_is_caught_once_it_runs_years_ahead():
    assert trap_reason("http://127.0.0.1:8000/calendar/2027/06/", today=TODAY) is None
    assert trap_reason("http://127.0.0.1:8000/calendar/2029/01/", today=TODAY) is not None


@pytest.mark.parametrize(
    ("parent", "child", "grows"),
    [
        ("https://s.example/list?a=1", "https://s.example/list?a=1&b=2", True),
        ("https://s.example/list", "https://s.example/list?a=1", True),
        ("https://s.example/list?a=1", "https://s.example/list?a=2", False),  # another value
        ("https://s.example/list?a=1&b=2", "https://s.example/list?a=1", False),
        ("https://s.example/list?a=1", "https://s.example/other?a=1&b=2", False),
    ],
)
def test_query_growth_is_a_strict_extension_on_the_same_path(parent, child, grows):
    assert query_growth(parent, child) is grows
