"""Page analyses made once per Page object, however many intent methods ask for them.

The extraction layer calls an intent's classify() and then its candidates() on the same Page;
both read the same layout of the page. `per_page` keeps a function's result on the Page itself,
as `functools.cached_property` does, so it lives exactly as long as the page and a new Page
(the next response) starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from dataops_spiders.page import Page

P = ParamSpec("P")
T = TypeVar("T")


def per_page(fn: Callable[Concatenate[Page, P], T]) -> Callable[Concatenate[Page, P], T]:
    """fn(page, *args), computed once per page and arguments; args must be hashable."""
    name = f"_per_page:{fn.__module__}.{fn.__qualname__}"

    @wraps(fn)
    def cached(page: Page, *args: P.args, **kwargs: P.kwargs) -> T:
        key: Hashable = (name, args, tuple(sorted(kwargs.items())))
        memo = page.__dict__.setdefault("_per_page", {})
        if key not in memo:
            memo[key] = fn(page, *args, **kwargs)
        return memo[key]

    return cached
