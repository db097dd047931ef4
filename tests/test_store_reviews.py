"""Human review, store side: the queue a commit fills and decisions carried by later versions."""

from __future__ import annotations

from sqlalchemy import select

from dataops_spiders.store import VersionWriter, diff_versions, iter_records
from dataops_spiders.store.db import make_session_factory
from dataops_spiders.store.models import FieldReview
from dataops_spiders.store.reviews import decide


def product(key: str, price: str, name: str = "Kettle", price_confidence: float = 0.4) -> dict:
    low = ["price"] if price_confidence < 0.6 else []
    return {
        "record_key": key,
        "source_url": f"https://shop.example/{key}.html",
        "record_confidence": 0.7,
        "low_confidence_fields": low,
        "fields": {
            "name": {"value": name, "type": "string", "confidence": 0.95, "source": "css",
                     "valid": True, "reasons": ["css prior 0.9"]},
            "price": {"value": price, "type": "price", "confidence": price_confidence,
                      "source": "heuristic", "valid": True,
                      "reasons": ["heuristic prior 0.6", "disagrees with jsonld value 9.99"],
                      "alternatives": [{"value": "9.99", "source": "jsonld"}]},
        },
    }  # fmt: skip


def commit(engine, records: list[dict], dataset: str = "shop") -> int:
    writer = VersionWriter(engine)
    number = writer.open(dataset)
    writer.add(records)
    writer.commit()
    return number


def reviews(engine) -> list[FieldReview]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(FieldReview).order_by(FieldReview.id)))


def records(engine, number: int, dataset: str = "shop") -> dict[str, dict]:
    with make_session_factory(engine)() as session:
        return {r["record_key"]: r for r in iter_records(session, dataset, number)}


def decide_review(engine, review_id: int, status: str, corrected=None) -> bool:
    with make_session_factory(engine)() as session:
        done = decide(session, review_id, status, "alice", corrected, note="checked on site")
        session.commit()
        return done


def test_a_commit_queues_each_low_confidence_field_of_new_records(engine):
    commit(engine, [product("A", "12.00"), product("B", "5.00", price_confidence=0.9)])
    [review] = reviews(engine)
    assert (review.key, review.field, review.version, review.status) == ("A", "price", 1, "pending")
    assert review.value == "12.00" and review.confidence == 0.4
    assert review.reasons == ["heuristic prior 0.6", "disagrees with jsonld value 9.99"]
    assert review.source_url == "https://shop.example/A.html"


def test_an_unchanged_record_keeps_its_question_and_a_changed_one_is_asked_again(engine):
    commit(engine, [product("A", "12.00"), product("B", "7.00")])
    commit(engine, [product("A", "12.00"), product("B", "7.00", name="Kettle XL")])
    found = [(r.key, r.version, r.status) for r in reviews(engine)]
    assert found == [("A", 1, "pending"), ("B", 1, "superseded"), ("B", 2, "pending")]


def test_a_correction_applies_from_the_next_version_while_the_site_says_the_same(engine):
    commit(engine, [product("A", "12.00")])
    [review] = reviews(engine)
    assert decide_review(engine, review.id, "corrected", "9.99")
    assert not decide_review(engine, review.id, "approved"), "a decision is taken once"
    assert records(engine, 1)["A"]["fields"]["price"]["value"] == "12.00", "v1 stays as it was"

    commit(engine, [product("A", "12.00")])
    record = records(engine, 2)["A"]
    price = record["fields"]["price"]
    assert price["value"] == "9.99" and price["confidence"] == 1.0
    assert price["source"] == "review" and price["reasons"] == ["corrected by alice"]
    assert price["review"] == {"id": review.id, "decision": "corrected", "by": "alice"}
    assert record["low_confidence_fields"] == []
    assert record["record_confidence"] == 1.0  # 0.7 + (1.0 - 0.4) / 2 fields, capped
    with make_session_factory(engine)() as session:
        diff = diff_versions(session, "shop", 1, 2)
    [changed] = diff.changed
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("price", "12.00", "9.99")]
    assert [(r.status, r.applied_in_version) for r in reviews(engine)] == [("corrected", 2)]

    commit(engine, [product("A", "12.00")])  # the site still says 12.00: nothing new
    with make_session_factory(engine)() as session:
        assert diff_versions(session, "shop", 2, 3).counts() == {
            "added": 0, "removed": 0, "changed": 0
        }  # fmt: skip
    assert [(r.status, r.applied_in_version) for r in reviews(engine)] == [("corrected", 2)]


def test_an_approval_raises_the_confidence_of_the_same_value(engine):
    commit(engine, [product("A", "12.00")])
    [review] = reviews(engine)
    decide_review(engine, review.id, "approved")
    commit(engine, [product("A", "12.00")])
    price = records(engine, 2)["A"]["fields"]["price"]
    assert (price["value"], price["confidence"]) == ("12.00", 1.0)
    assert price["reasons"] == ["approved by alice"]
    assert records(engine, 1)["A"]["fields"]["price"]["confidence"] == 0.4
    assert [(r.status, r.applied_in_version) for r in reviews(engine)] == [("approved", 2)]
    assert len(reviews(engine)) == 1, "an approved field is not asked about again"


def test_a_decision_lapses_when_the_site_value_changes(engine):
    commit(engine, [product("A", "12.00")])
    [review] = reviews(engine)
    decide_review(engine, review.id, "corrected", "9.99")
    commit(engine, [product("A", "14.00")])
    price = records(engine, 2)["A"]["fields"]["price"]
    assert (price["value"], price["confidence"]) == ("14.00", 0.4)
    found = [(r.version, r.value, r.status, r.applied_in_version) for r in reviews(engine)]
    assert found == [(1, "12.00", "corrected", None), (2, "14.00", "pending", None)]


def test_decisions_stay_within_their_dataset(engine):
    commit(engine, [product("A", "12.00")], dataset="shop")
    [review] = reviews(engine)
    decide_review(engine, review.id, "corrected", "9.99")
    commit(engine, [product("A", "12.00")], dataset="other")
    assert records(engine, 1, "other")["A"]["fields"]["price"]["value"] == "12.00"


def test_every_low_field_of_a_large_version_is_queued_once(engine):
    many = [product(f"K{i:05d}", f"{i}.00") for i in range(1200)]
    # two entries of one listing page with the same content share one stored body
    twins = [{**product("T1", "3.00"), "source_url": "https://shop.example/list"}]
    twins.append({**twins[0], "record_key": "T2"})
    commit(engine, many + twins)
    found = reviews(engine)
    assert len(found) == 1202
    assert {r.key for r in found} >= {"K00000", "K01199", "T1", "T2"}
