"""Built-in intents. Each knows its default fields, how to extract them, and its page kinds."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from dataops_spiders.intents.base import Intent

_INTENTS = {
    "product": "dataops_spiders.intents.product:ProductIntent",
    "article": "dataops_spiders.intents.article:ArticleIntent",
    "job_posting": "dataops_spiders.intents.job_posting:JobPostingIntent",
    "listing": "dataops_spiders.intents.listing:ListingIntent",
}


@cache
def get_intent(name: str) -> Intent:
    """The intent called `name`; 'custom' templates have none and must not ask."""
    try:
        module, _, cls = _INTENTS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown intent {name!r} (known: {', '.join(_INTENTS)})") from None
    return getattr(import_module(module), cls)()
