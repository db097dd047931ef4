"""Confidence layer: explainable field scores, record scores and the run summary."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops_spiders.records import KIND_PRIOR
from pipelines.confidence import is_empty, score_field, score_record, summarize_confidence

FIELD_TYPES = ["string", "text", "int", "decimal", "price", "date", "url", "list", "bool"]


def candidate(value, kind, from_template=False, source=None):
    return {
        "value": value,
        "source": source or f"{kind}:rule",
        "kind": kind,
        "from_template": from_template,
    }


def field(
    value,
    kind="css",
    *,
    type="string",
    required=False,
    from_template=False,
    valid=True,
    errors=(),
    others=(),
):
    """A field as the extraction layer hands it over: the chosen value is among its candidates."""
    chosen = candidate(value, kind, from_template) if value is not None else None
    return {
        "value": value,
        "type": type,
        "required": required,
        "source": chosen["source"] if chosen else None,
        "kind": kind if value is not None else None,
        "from_template": from_template,
        "valid": valid,
        "errors": list(errors),
        "candidates": ([chosen] if chosen else []) + list(others),
    }


def confidence(name, spec):
    return score_field(name, spec)[0]


def reasons(name, spec):
    return score_field(name, spec)[1]


# --- the factors -----------------------------------------------------------------------------


def test_a_lone_value_scores_its_kind_prior_and_says_so():
    score, why = score_field("price", field(19.99, "jsonld", type="price"))
    assert score == KIND_PRIOR["jsonld"]
    assert why == ["jsonld prior 0.95", "no independent extractor to compare with", "validated"]


def test_unknown_kind_gets_a_modest_prior():
    score, why = score_field("name", field("Blue Kettle", "telepathy"))
    assert score == 0.5
    assert why[0] == "telepathy prior 0.5"


def test_independent_agreement_raises_confidence():
    alone = confidence("price", field(19.99, "css", type="price", from_template=True))
    confirmed_spec = field(
        19.99,
        "css",
        type="price",
        from_template=True,
        others=[candidate(19.99, "jsonld"), candidate("$19.99", "heuristic")],
    )
    score, why = score_field("price", confirmed_spec)
    assert score > alone
    assert "3 of 3 independent extractors agree (+0.06)" in why


def test_same_kind_repeats_are_not_independent():
    alone = confidence("name", field("Blue Kettle", "css"))
    repeated = field(
        "Blue Kettle", "css", others=[candidate("Blue Kettle", "css", source="css:h1")]
    )
    assert confidence("name", repeated) == alone


def test_disagreement_lowers_confidence_and_names_the_other_value():
    spec = field(24.99, "heuristic", type="price", others=[candidate(19.99, "jsonld")])
    score, why = score_field("price", spec)
    assert score < 0.35
    assert "1 of 2 independent extractors agree" in why
    assert "disagrees with jsonld value 19.99 (x0.53)" in why


def test_a_validated_template_value_resists_heuristic_dissent_more_than_the_reverse():
    dissent = [candidate(24.99, "heuristic")]
    template = field(19.99, "css", type="price", from_template=True, others=dissent)
    untemplated = field(19.99, "css", type="price", from_template=False, others=dissent)
    assert confidence("price", template) > confidence("price", untemplated)
    # the template keeps most of its prior; the generic css value loses much more
    assert confidence("price", template) >= 0.8
    assert confidence("price", untemplated) < 0.65
    # a template candidate disagreeing with a chosen heuristic weighs fully
    reverse = field(24.99, "heuristic", type="price", others=[candidate(19.99, "css", True)])
    assert confidence("price", reverse) < 0.35


def test_implausible_candidates_do_not_dissent():
    spec = field(19.99, "css", type="price", others=[candidate("Call for price", "heuristic")])
    assert confidence("price", spec) == KIND_PRIOR["css"]


def test_invalid_value_is_halved_and_the_error_reported():
    valid = confidence("rating", field(7, "css", type="int"))
    score, why = score_field(
        "rating", field(7, "css", type="int", valid=False, errors=["above max 5"])
    )
    assert score == pytest.approx(valid * 0.5, abs=0.001)
    assert "failed validation: above max 5 (x0.5)" in why


@pytest.mark.parametrize(
    ("chosen", "other", "field_type"),
    [
        (1299.0, "$1,299.00", "price"),
        ("1.299", Decimal("1.299"), "decimal"),  # coerced strings are plain numbers
        (Decimal("19.9"), 19.90, "decimal"),
        ("  Blue   KETTLE ", "blue kettle", "string"),
        ("2026-01-05T10:00", "2026-01-05", "date"),
        (datetime(2026, 1, 5, 23, 30), date(2026, 1, 5), "date"),
        ("https://Shop.Example/p/1/", "https://shop.example/p/1#reviews", "url"),
        (["Red", "blue"], ["BLUE", "red"], "list"),
        (
            "Heavy rain over the weekend pushed the river above its banks in three towns.",
            "Heavy rain over the weekend pushed the river above…",
            "text",
        ),
    ],
)
def test_agreement_compares_normalised_values(chosen, other, field_type):
    spec = field(chosen, "css", type=field_type, others=[candidate(other, "jsonld")])
    assert "2 of 2 independent extractors agree" in reasons("x", spec)[1]


@pytest.mark.parametrize(
    ("chosen", "other", "field_type"),
    [
        (19.99, 19.98, "price"),
        ("2026-01-05", "2026-01-06", "date"),
        ("Blue Kettle", "Blue Kettle 2L", "string"),
    ],
)
def test_different_values_do_not_agree(chosen, other, field_type):
    spec = field(chosen, "css", type=field_type, others=[candidate(other, "jsonld")])
    assert "1 of 2 independent extractors agree" in reasons("x", spec)


FUTURE = (date.today() + timedelta(days=3 * 365)).isoformat()


@pytest.mark.parametrize(
    ("name", "field_type", "implausible", "plausible", "reason"),
    [
        ("name", "string", "Add to cart", "Blue Kettle", "looks like boilerplate"),
        ("name", "string", "Loading...", "Blue Kettle", "looks like boilerplate"),
        ("brand", "string", "N/A", "Acme", "looks like boilerplate"),
        ("name", "string", "[object Object]", "Blue Kettle", "looks like boilerplate"),
        ("price", "string", "{{price}}", "$19.99", "template syntax in value"),
        ("title", "string", "${product.title}", "Blue Kettle", "template syntax in value"),
        ("name", "string", "—", "Blue Kettle", "no letters or digits"),
        ("name", "string", "Blue <b>Kettle</b>", "Blue Kettle", "contains HTML markup"),
        ("name", "string", "CafÃ© crème", "Café crème", "mis-decoded characters"),
        (
            "description",
            "text",
            "https://shop.example/p/1",
            "A sturdy kettle.",
            "URL in a text field",
        ),
        ("name", "string", "Kettle " * 60, "Blue Kettle", "too long for a name"),
        ("price", "price", 0, 19.99, "zero price"),
        ("price", "price", -5, 19.99, "negative price"),
        ("price", "price", 4006381333931.0, 19.99, "out of range: absurd price"),
        ("price", "price", "Call for price", 19.99, "not a number"),
        ("published", "date", FUTURE, "2026-01-05", "far in the future"),
        ("published", "date", "1970-01-01", "2026-01-05", "Unix epoch placeholder date"),
        ("published", "date", "1850-06-01", "2026-01-05", "before 1900"),
        ("published", "date", "next Tuesday", "2026-01-05", "not a date"),
        ("url", "url", "javascript:void(0)", "https://shop.example/p/1", "not a usable URL"),
        ("url", "url", "/p/1", "https://shop.example/p/1", "relative or non-web URL"),
        ("tags", "list", ["Share", "Menu", "Login"], ["kitchen", "kettles"], "most list items"),
    ],
)
def test_implausible_values_score_lower_and_say_why(
    name, field_type, implausible, plausible, reason
):
    bad_score, bad_reasons = score_field(name, field(implausible, "css", type=field_type))
    good_score, good_reasons = score_field(name, field(plausible, "css", type=field_type))
    assert bad_score < good_score
    assert any(r.startswith(reason) for r in bad_reasons), bad_reasons
    assert not any(r.startswith(reason) for r in good_reasons)


def test_url_named_fields_may_hold_urls():
    assert confidence("image_url", field("https://cdn.example/k.jpg", "css")) == KIND_PRIOR["css"]


@pytest.mark.parametrize("empty", [None, "", "   ", [], {}])
def test_empty_values_score_zero(empty):
    spec = field("x", "css")
    spec["value"] = empty
    assert score_field("name", spec) == (0.0, ["no value found"])


# --- records and runs -------------------------------------------------------------------------


def product_record():
    return {
        "record_key": "https://shop.example/p/1",
        "fields": {
            "name": field("Blue Kettle", "jsonld", required=True),  # 0.95, weight 2
            "price": field(None, type="price", required=True),  # missing: 0, weight 2
            "sku": field(None),  # optional and absent: left out
            "brand": field("Add to cart", "heuristic"),  # 0.06, weight 1
        },
    }


def test_record_confidence_is_a_weighted_mean_and_lists_weak_fields():
    scored = score_record(product_record(), min_confidence=0.7)
    fields = scored["fields"]
    assert fields["name"]["confidence"] == 0.95
    assert fields["brand"]["confidence"] == 0.06
    assert scored["record_confidence"] == round((2 * 0.95 + 2 * 0 + 1 * 0.06) / 5, 3)
    assert scored["low_confidence_fields"] == ["price", "brand"]
    assert scored["record_key"] == "https://shop.example/p/1"
    assert all("reasons" in f for f in fields.values())


def test_score_record_does_not_modify_its_input():
    record = product_record()
    before = copy.deepcopy(record)
    score_record(record, min_confidence=0.7)
    assert record == before


def test_a_record_without_fields_scores_zero():
    assert score_record({"fields": {}}, 0.5)["record_confidence"] == 0.0
    assert score_record({}, 0.5)["low_confidence_fields"] == []


def test_summary_counts_weak_fields_across_records():
    records = [score_record(product_record(), 0.7) for _ in range(3)]
    records.append(
        score_record({"fields": {"name": field("Red Kettle", "jsonld", required=True)}}, 0.7)
    )
    summary = summarize_confidence(records)
    assert summary["records"] == 4
    assert summary["mean_record_confidence"] == round((3 * 0.392 + 0.95) / 4, 3)
    assert summary["low_confidence_fields"] == 6
    assert summary["records_with_low_confidence"] == 3
    assert summary["top_low_confidence_fields"] == [
        {"field": "brand", "count": 3},
        {"field": "price", "count": 3},
    ]


def test_summary_of_no_records():
    assert summarize_confidence([]) == {
        "records": 0,
        "mean_record_confidence": None,
        "low_confidence_fields": 0,
        "records_with_low_confidence": 0,
        "top_low_confidence_fields": [],
    }


# --- properties ----------------------------------------------------------------------------

KINDS = st.one_of(st.sampled_from(sorted(KIND_PRIOR)), st.none(), st.text(max_size=8))
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.text(max_size=60),
        st.sampled_from(
            [
                "Add to cart",
                "$1,299.00",
                "{{price}}",
                "2026-01-05",
                "https://x.example/",
                "N/A",
                "19.99",
                "1970-01-01",
                "javascript:void(0)",
            ]
        ),
        st.dates(),
        st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    ),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=6,
)
CANDIDATES = st.lists(
    st.fixed_dictionaries(
        {
            "value": VALUES,
            "source": st.text(max_size=10),
            "kind": KINDS,
            "from_template": st.booleans(),
        }
    ),
    max_size=5,
)
FIELDS = st.fixed_dictionaries(
    {
        "value": VALUES,
        "type": st.one_of(st.sampled_from(FIELD_TYPES), st.text(max_size=6)),
        "required": st.booleans(),
        "source": st.one_of(st.none(), st.text(max_size=10)),
        "kind": KINDS,
        "from_template": st.booleans(),
        "valid": st.booleans(),
        "errors": st.lists(st.text(max_size=20), max_size=2),
        "candidates": CANDIDATES,
    }
)
RECORDS = st.fixed_dictionaries(
    {"fields": st.dictionaries(st.text(max_size=10), FIELDS, max_size=6)}
)


@settings(max_examples=300, deadline=None)
@given(RECORDS, st.floats(0, 1))
def test_every_confidence_stays_in_the_unit_interval(record, min_confidence):
    scored = score_record(record, min_confidence)
    assert 0.0 <= scored["record_confidence"] <= 1.0
    for name, spec in scored["fields"].items():
        assert 0.0 <= spec["confidence"] <= 1.0
        assert spec["reasons"] and all(isinstance(r, str) for r in spec["reasons"])
        if spec["confidence"] < min_confidence and not is_empty(spec["value"]):
            assert name in scored["low_confidence_fields"]
    summary = summarize_confidence([scored])
    assert summary["mean_record_confidence"] == scored["record_confidence"]


@settings(max_examples=300, deadline=None)
@given(FIELDS, st.sampled_from(sorted(KIND_PRIOR)), st.booleans())
def test_more_agreeing_independent_extractors_never_lower_confidence(spec, new_kind, template):
    before = confidence("f", spec)
    witness = candidate(spec["value"], new_kind, from_template=template)
    after = confidence("f", {**spec, "candidates": [*spec["candidates"], witness]})
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(FIELDS)
def test_an_invalid_value_never_scores_above_the_same_value_valid(spec):
    assert confidence("f", {**spec, "valid": False}) <= confidence("f", {**spec, "valid": True})
