"""No document, however broken, makes a built-in intent raise (property test, STYLE 13)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops_spiders.intents import get_intent
from dataops_spiders.page import Page

HTML_BITS = st.sampled_from(
    ["<h1>", "</h1>", "<p>", "</p>", "<a href='/x'>", "</a>", "<time datetime='2024-01-05'>",
     "<li class='card'>", "</li>", "<span class='price'>", "$9.99", "By Jane Doe", "<aside>",
     "<script type='application/ld+json'>{\"@type\": [\"NewsArticle\", \"JobPosting\"]}</script>",
     "<meta property='og:type' content='article'>", "<img src='/i.jpg'>", "Location:", "<dd>",
     "<script type='application/ld+json'>{\"@type\": \"Product\", \"offers\": {}}</script>",
     "Add to cart", "SKU:", "<del>", "</del>"]
)  # fmt: skip


@pytest.mark.parametrize("name", ["product", "article", "job_posting", "listing"])
@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.one_of(HTML_BITS, st.text(max_size=20)), max_size=40))
def test_no_document_makes_an_intent_raise(name, parts):
    page = Page(url="https://x.example/a/b", html="".join(parts))
    intent = get_intent(name)
    assert intent.classify(page).kind in ("item", "listing", "other")
    assert set(intent.candidates(page)) <= set(intent.fields)
    for scope in get_intent("listing").record_scopes(page) or []:
        assert set(intent.candidates(page, scope)) <= set(intent.fields)
