"""Content addressing: what makes two records the same, and keys the database can index."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dataops_spiders.store.content import (
    MAX_KEY_BYTES,
    content_hash,
    json_safe,
    storable_key,
)

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=8,
)
field_values = st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), values, max_size=6)


def record(fields: dict, url: str = "https://shop.example/p/1", **noise) -> dict:
    return {
        "record_key": "k",
        "source_url": url,
        "fields": {
            name: {"value": value, "confidence": noise.get("confidence", 0.9)}
            for name, value in fields.items()
        },
        **{k: v for k, v in noise.items() if k != "confidence"},
    }


@given(field_values, st.floats(0, 1), st.text(max_size=20))
def test_scores_and_fetch_time_do_not_change_the_hash(fields, confidence, fetched_at):
    plain = record(fields)
    noisy = record(
        fields,
        confidence=confidence,
        fetched_at=fetched_at,
        record_confidence=confidence,
        low_confidence_fields=list(fields),
    )
    for field in noisy["fields"].values():
        field["reasons"] = ["looks like boilerplate (x0.1)"]
        field["alternatives"] = [{"value": "other", "source": "heuristic"}]
    assert content_hash(plain) == content_hash(noisy)


@given(field_values)
def test_field_order_does_not_change_the_hash(fields):
    reordered = dict(reversed(list(fields.items())))
    assert content_hash(record(fields)) == content_hash(record(reordered))


@given(field_values, st.from_regex(r"[a-z_]{1,12}", fullmatch=True), values)
def test_a_different_value_changes_the_hash(fields, name, value):
    changed = {**fields, name: value}
    if changed != fields:
        assert content_hash(record(fields)) != content_hash(record(changed))


def test_a_new_source_url_changes_the_hash():
    fields = {"price": "1.00"}
    assert content_hash(record(fields)) != content_hash(record(fields, url="https://other/"))


def test_json_safe_writes_decimals_exactly():
    assert json_safe({"price": Decimal("1299.00")}) == {"price": "1299.00"}


@given(st.text(max_size=2000))
def test_storable_keys_fit_the_index_and_stay_stable(key):
    stored = storable_key(key)
    assert len(stored.encode()) <= MAX_KEY_BYTES
    assert stored == storable_key(key)
    if len(key.encode()) <= MAX_KEY_BYTES:
        assert stored == key


def test_long_keys_keep_a_readable_start_and_stay_distinct():
    a = "https://shop.example/search?" + "a" * 2000
    b = "https://shop.example/search?" + "a" * 1999 + "b"
    assert storable_key(a).startswith("https://shop.example/search?")
    assert storable_key(a) != storable_key(b)
