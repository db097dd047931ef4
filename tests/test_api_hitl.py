"""/api/hitl: the review queue a commit fills, and decisions the next version carries."""

from __future__ import annotations

import pytest


def product(key: str, price: str, confidence: float = 0.4, name: str = "Kettle") -> dict:
    return {
        "record_key": key,
        "source_url": f"https://shop.example/{key}.html",
        "record_confidence": 0.7,
        "low_confidence_fields": ["price", "sku"] if confidence < 0.6 else ["sku"],
        "fields": {
            "name": {"value": name, "type": "string", "confidence": 0.95, "source": "css",
                     "valid": True, "reasons": ["css prior 0.9"]},
            "price": {"value": price, "type": "price", "confidence": confidence,
                      "source": "heuristic", "valid": True, "reasons": ["heuristic prior 0.6"]},
            "sku": {"value": key, "type": "string", "confidence": 0.5, "source": "regex",
                    "valid": True, "reasons": ["regex prior 0.5"]},
        },
    }  # fmt: skip


def get(api, path: str, role: str = "viewer"):
    return api.client.get(path, headers=api.headers(role))


def post(api, path: str, body: dict | None = None, role: str = "operator"):
    return api.client.post(path, headers=api.headers(role), json=body)


def queue(api, query: str = "dataset=shop") -> dict:
    answer = get(api, f"/api/hitl?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def exported(api, version: int) -> dict[str, dict]:
    """Records of a version as the JSON export gives them (flat values, confidences)."""
    query = f"dataset=shop&version={version}&format=json&confidences=true"
    answer = get(api, f"/api/export?{query}")
    assert answer.status_code == 200, answer.text
    return {record["record_key"]: record for record in answer.json()}


def stored(api, version: int) -> dict[str, dict]:
    """Records of a version as the store keeps them (per field: value, confidence, reasons)."""
    from dataops_spiders.store import iter_records, make_session_factory

    with make_session_factory(api.engine)() as session:
        return {r["record_key"]: r for r in iter_records(session, "shop", version)}


def price_review(api) -> dict:
    [review] = [r for r in queue(api)["items"] if r["field"] == "price"]
    return review


def test_a_correction_reaches_the_next_version(api):
    api.commit_version("shop", [product("A", "12.00"), product("B", "5.00", confidence=0.9)])
    page = queue(api, "dataset=shop&field=price")
    assert page["total"] == 1
    [review] = page["items"]
    assert review["key"] == "A" and review["value"] == "12.00" and review["confidence"] == 0.4
    assert review["version"] == 1 and review["status"] == "pending"
    assert review["source_url"] == "https://shop.example/A.html"

    corrected = post(api, f"/api/hitl/{review['id']}/correct", {"value": 9.9, "note": "on site"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "corrected"
    assert corrected.json()["corrected_value"] == "9.90"  # as the price type stores it
    assert corrected.json()["decided_by"] == "test-operator"
    assert queue(api, "dataset=shop&field=price")["total"] == 0, "no longer pending"

    api.commit_version("shop", [product("A", "12.00"), product("B", "5.00", confidence=0.9)])
    record = exported(api, 2)["A"]
    assert (record["fields"]["price"], record["confidence"]["price"]) == ("9.90", 1.0)
    assert stored(api, 2)["A"]["fields"]["price"]["reasons"] == ["corrected by test-operator"]
    assert exported(api, 1)["A"]["fields"]["price"] == "12.00"
    compare = get(api, "/api/audit/compare?dataset=shop&a=1&b=2").json()
    [changed] = compare["changed"]
    assert changed["key"] == "A"
    assert changed["fields"] == [{"field": "price", "old": "12.00", "new": "9.90"}]
    assert get(api, f"/api/hitl/{review['id']}").json()["applied_in_version"] == 2

    [entry] = get(api, "/api/audit?entity_type=field_review").json()["items"]
    assert entry["action"] == "review.correct" and entry["actor"] == "test-operator"
    assert entry["details"]["before"] == {"status": "pending", "value": "12.00"}
    assert entry["details"]["after"] == {"status": "corrected", "value": "9.90"}


def test_an_approval_reaches_the_next_version(api):
    api.commit_version("shop", [product("A", "12.00")])
    review = price_review(api)
    approved = post(api, f"/api/hitl/{review['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    api.commit_version("shop", [product("A", "12.00")])
    record = exported(api, 2)["A"]
    assert (record["fields"]["price"], record["confidence"]["price"]) == ("12.00", 1.0)
    assert record["low_confidence_fields"] == ["sku"]
    assert stored(api, 2)["A"]["fields"]["price"]["reasons"] == ["approved by test-operator"]
    # the record changed (its sku is still low): the sku is asked about again, the price is not
    pending = queue(api)["items"]
    assert [(r["field"], r["version"]) for r in pending] == [("sku", 2)]
    assert get(api, "/api/audit?entity_type=field_review").json()["items"][0]["action"] == (
        "review.approve"
    )


def test_the_queue_pages_oldest_first_and_filters(api):
    api.commit_version("shop", [product(f"K{i}", "1.00") for i in range(5)])
    page = queue(api, "dataset=shop&field=price&limit=2&offset=2")
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [r["key"] for r in page["items"]] == ["K2", "K3"]
    assert queue(api, "status=approved")["total"] == 0
    assert queue(api, "status=all")["total"] == 10
    assert queue(api, "")["total"] == 10, "every dataset's pending fields"


def test_a_second_decision_is_409(api):
    api.commit_version("shop", [product("A", "12.00")])
    review = price_review(api)
    assert post(api, f"/api/hitl/{review['id']}/approve").status_code == 200
    again = post(api, f"/api/hitl/{review['id']}/correct", {"value": "3.00"})
    assert again.status_code == 409
    assert "already approved by test-operator" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("cheap", "must be a number"),
        (True, "must be a number"),
        ({"amount": 3}, "must be a number"),
        (None, "needs a value"),
        ("-5", "negative price"),
    ],
)
def test_a_correction_must_fit_the_field_type(api, value, message):
    api.commit_version("shop", [product("A", "12.00")])
    review = price_review(api)
    answer = post(api, f"/api/hitl/{review['id']}/correct", {"value": value})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert message in error["message"] and "'price' is a price" in error["message"]
    assert error["details"]["fields"][0]["field"] == "body.value"
    assert get(api, f"/api/hitl/{review['id']}").json()["status"] == "pending"


def test_refusals(api):
    api.commit_version("shop", [product("A", "12.00")])
    review = price_review(api)
    assert get(api, "/api/hitl/999999").status_code == 404
    assert "999999" in get(api, "/api/hitl/999999").json()["error"]["message"]
    assert post(api, "/api/hitl/999999/approve").status_code == 404
    assert get(api, "/api/hitl?dataset=nope").status_code == 404
    assert get(api, "/api/hitl?status=maybe").status_code == 422
    assert post(api, f"/api/hitl/{review['id']}/approve", role="viewer").status_code == 403
    assert api.client.get("/api/hitl").status_code == 401
    extra = post(api, f"/api/hitl/{review['id']}/correct", {"value": "1.00", "oops": 1})
    assert extra.status_code == 422
