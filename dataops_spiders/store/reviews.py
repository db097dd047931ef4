"""Human review of low-confidence fields: the queue a commit fills, and decisions that apply to
the next versions.

A commit asks about every low-confidence field of the records that are new or changed in the
version (an unchanged record keeps the question asked before); an earlier pending question about
a record that changed is superseded, since it was about a state of the record that is gone.

A decision (approve, or correct with another value) holds for the value it was made about
(see models.FieldReview): ``VersionWriter`` loads the dataset's decisions once when it opens,
and while a crawl extracts that same value for the record's field, an approval raises its
confidence to 1.0 and a correction replaces it. The decision is marked on the field
(``"review": {"id", "decision", "by"}``), which is part of the record's content
(store.content), so the version that first carries it stores a new body and its diff shows
the change. When the site's value differs from the one reviewed, the decision does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from dataops_spiders.store.content import canonical_json
from dataops_spiders.store.models import (
    REVIEW_APPROVED,
    REVIEW_CORRECTED,
    REVIEW_PENDING,
    REVIEW_SUPERSEDED,
    FieldReview,
    Membership,
    RecordBody,
    RecordKey,
    StagedRecord,
    utcnow,
)

DECIDED = (REVIEW_APPROVED, REVIEW_CORRECTED)
REVIEW_SOURCE = "review"  # the `source` of a corrected value
INSERT_BATCH = 500
_KEY_CHUNK = 900  # parameters per IN (...) list


@dataclass(frozen=True)
class Decision:
    review_id: int
    status: str  # approved | corrected
    value: str  # canonical JSON of the value the decision was made about
    corrected_value: Any
    decided_by: str


# (record key, field) -> its decisions, oldest first.
Decisions = dict[tuple[str, str], list[Decision]]


def _chunks(items: list, size: int = _KEY_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------- decisions → records


def load_decisions(session: Session, dataset_id: int) -> Decisions:
    """Every approval and correction of the dataset (loaded once per open version)."""
    rows = session.execute(
        select(
            FieldReview.id,
            FieldReview.key,
            FieldReview.field,
            FieldReview.status,
            FieldReview.value,
            FieldReview.corrected_value,
            FieldReview.decided_by,
        )
        .where(FieldReview.dataset_id == dataset_id, FieldReview.status.in_(DECIDED))
        .order_by(FieldReview.id)
    )
    decisions: Decisions = {}
    for review_id, key, field, status, value, corrected, by in rows:
        decisions.setdefault((key, field), []).append(
            Decision(review_id, status, canonical_json(value), corrected, by or "unknown")
        )
    return decisions


def apply_decisions(record: dict[str, Any], key: str, decisions: Decisions) -> dict[str, Any]:
    """``record`` (JSON-safe) with the decisions that hold for its values applied: a new dict
    when one applies, the record itself otherwise."""
    fields = record.get("fields")
    if not isinstance(fields, dict):
        return record
    changed: dict[str, dict[str, Any]] = {}
    for name, field in fields.items():
        found = decisions.get((key, name))
        if not found or not isinstance(field, dict):
            continue
        extracted = canonical_json(field.get("value"))
        # The latest decision about this very value wins.
        decision = next((d for d in reversed(found) if d.value == extracted), None)
        if decision is not None:
            changed[name] = _decided_field(field, decision)
    if not changed:
        return record
    new_fields = {name: changed.get(name, field) for name, field in fields.items()}
    return {**record, "fields": new_fields, **_record_scores(record, new_fields, changed)}


def _decided_field(field: dict[str, Any], decision: Decision) -> dict[str, Any]:
    marker = {"id": decision.review_id, "decision": decision.status, "by": decision.decided_by}
    if decision.status == REVIEW_APPROVED:
        return {
            **field,
            "confidence": 1.0,
            "reasons": [f"approved by {decision.decided_by}"],
            "review": marker,
        }
    decided = {key: value for key, value in field.items() if key not in ("errors", "alternatives")}
    return {
        **decided,
        "value": decision.corrected_value,
        "confidence": 1.0,
        "source": REVIEW_SOURCE,
        "valid": True,
        "reasons": [f"corrected by {decision.decided_by}"],
        "alternatives": [{"value": field.get("value"), "source": field.get("source")}],
        "review": marker,
    }


def _has_value(field: Any) -> bool:
    value = field.get("value") if isinstance(field, dict) else field
    return value not in (None, "", [], {})


def _record_scores(
    record: dict[str, Any], fields: dict[str, Any], changed: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """record_confidence and low_confidence_fields after the decided fields changed.

    The published record no longer says which fields were required (they weigh double in
    the confidence layer's mean), so the change is spread evenly over the valued fields."""
    old_fields = record["fields"]
    counted = sum(1 for field in fields.values() if _has_value(field)) or 1
    gain = 0.0
    for name in changed:
        old = old_fields[name]
        before = old.get("confidence") if _has_value(old) else 0.0
        gain += 1.0 - (before if isinstance(before, int | float) else 0.0)
    scores: dict[str, Any] = {}
    previous = record.get("record_confidence")
    if isinstance(previous, int | float):
        scores["record_confidence"] = round(min(1.0, max(0.0, previous + gain / counted)), 3)
    low = record.get("low_confidence_fields")
    if isinstance(low, list):
        scores["low_confidence_fields"] = [name for name in low if name not in changed]
    return scores


# ---------------------------------------------------------------------- the commit's part


def on_commit(session: Session, dataset_id: int, number: int, version_id: int) -> dict[str, int]:
    """Inside the commit, after the staged records became intervals and before they are
    dropped: supersede, open and mark applied reviews. Costs follow the size of the change."""
    superseded = _supersede_changed(session, dataset_id, number)
    opened = _open_reviews(session, dataset_id, number, version_id)
    applied = _mark_applied(session, dataset_id, number, version_id)
    return {"opened": opened, "superseded": superseded, "applied": applied}


def _began_at(dataset_id: int, number: int):
    return and_(Membership.dataset_id == dataset_id, Membership.from_version == number)


def _supersede_changed(session: Session, dataset_id: int, number: int) -> int:
    pending_earlier = session.scalar(
        select(
            exists().where(
                FieldReview.dataset_id == dataset_id,
                FieldReview.status == REVIEW_PENDING,
                FieldReview.version < number,
            )
        )
    )
    if not pending_earlier:
        return 0
    keys = list(
        session.scalars(
            select(RecordKey.key)
            .join(Membership, Membership.key_id == RecordKey.id)
            .where(_began_at(dataset_id, number))
        )
    )
    superseded = 0
    for chunk in _chunks(keys):
        superseded += session.execute(
            update(FieldReview)
            .where(
                FieldReview.dataset_id == dataset_id,
                FieldReview.key.in_(chunk),
                FieldReview.status == REVIEW_PENDING,
                FieldReview.version < number,
            )
            .values(status=REVIEW_SUPERSEDED)
            .execution_options(synchronize_session=False)
        ).rowcount
    return superseded


def _open_reviews(session: Session, dataset_id: int, number: int, version_id: int) -> int:
    """One pending review per low-confidence field of each new or changed record.

    Ids first (small rows, one plain query), then the bodies by id in chunks: a server-side
    cursor over the join made PostgreSQL plan for the first rows, several times slower."""
    # From the version's low-confidence staged rows (the staging table was just analysed;
    # the membership table's statistics may still be those of an empty table).
    found = session.execute(
        select(StagedRecord.body_id, RecordKey.key)
        .select_from(StagedRecord)
        .join(
            Membership,
            and_(
                Membership.key_id == StagedRecord.key_id,
                Membership.from_version == number,
                Membership.dataset_id == dataset_id,
            ),
        )
        .join(RecordKey, RecordKey.id == StagedRecord.key_id)
        .where(StagedRecord.version_id == version_id, StagedRecord.low_confidence.is_(True))
    ).all()
    opened = 0
    for chunk in _chunks(found, INSERT_BATCH):
        keys: dict[int, list[str]] = {}  # records with the same content share a body
        for body_id, key in chunk:
            keys.setdefault(body_id, []).append(key)
        bodies = session.execute(
            select(RecordBody.id, RecordBody.body).where(RecordBody.id.in_(list(keys)))
        )
        rows = [
            question
            for body_id, body in bodies
            for key in keys[body_id]
            for question in _questions(dataset_id, number, key, body)
        ]
        opened += _insert(session, rows)
    return opened


def _questions(dataset_id: int, number: int, key: str, body: dict) -> Iterator[dict[str, Any]]:
    fields = body.get("fields") if isinstance(body.get("fields"), dict) else {}
    for name in body.get("low_confidence_fields") or []:
        field = fields.get(name)
        field = field if isinstance(field, dict) else {"value": field}
        reasons = field.get("reasons")
        confidence = field.get("confidence")
        yield {
            "dataset_id": dataset_id,
            "version": number,
            "key": key,
            "field": str(name)[:100],
            "value": field.get("value"),
            "confidence": float(confidence) if isinstance(confidence, int | float) else None,
            "reasons": reasons if isinstance(reasons, list) else None,
            "source_url": body.get("source_url"),
            "status": REVIEW_PENDING,
        }


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    # RETURNING makes SQLAlchemy batch the rows into multi-row INSERTs ("insertmanyvalues"),
    # compiled once; a plain executemany costs a round trip per row on PostgreSQL.
    if rows:
        table = FieldReview.__table__
        session.execute(table.insert().returning(table.c.id), rows).all()
    return len(rows)


def _mark_applied(session: Session, dataset_id: int, number: int, version_id: int) -> int:
    """Set applied_in_version on the decisions this version is the first to carry."""
    waiting = session.execute(
        select(FieldReview.id, FieldReview.key, FieldReview.field).where(
            FieldReview.dataset_id == dataset_id,
            FieldReview.status.in_(DECIDED),
            FieldReview.applied_in_version.is_(None),
        )
    ).all()
    if not waiting:
        return 0
    by_key: dict[str, list[tuple[int, str]]] = {}
    for review_id, key, field in waiting:
        by_key.setdefault(key, []).append((review_id, field))
    carried: list[int] = []
    for chunk in _chunks(list(by_key)):
        rows = session.execute(
            select(RecordKey.key, RecordBody.body)
            .join(StagedRecord, StagedRecord.key_id == RecordKey.id)
            .join(RecordBody, RecordBody.id == StagedRecord.body_id)
            .where(
                StagedRecord.version_id == version_id,
                RecordKey.dataset_id == dataset_id,
                RecordKey.key.in_(chunk),
            )
        )
        for key, body in rows:
            fields = body.get("fields") or {}
            for review_id, field in by_key[key]:
                marker = (fields.get(field) or {}).get("review") or {}
                if marker.get("id") == review_id:
                    carried.append(review_id)
    for chunk in _chunks(carried):
        session.execute(
            update(FieldReview)
            .where(FieldReview.id.in_(chunk))
            .values(applied_in_version=number)
            .execution_options(synchronize_session=False)
        )
    return len(carried)


# ---------------------------------------------------------------------- reading the queue


def list_reviews(
    session: Session,
    dataset_id: int | None,
    status: str | None,
    field: str | None,
    limit: int,
    offset: int,
) -> tuple[list[FieldReview], int]:
    """Matching reviews, oldest first, and how many match in all."""
    conditions = []
    if dataset_id is not None:
        conditions.append(FieldReview.dataset_id == dataset_id)
    if status is not None:
        conditions.append(FieldReview.status == status)
    if field is not None:
        conditions.append(FieldReview.field == field)
    total = session.scalar(select(func.count()).select_from(FieldReview).where(*conditions))
    found = session.scalars(
        select(FieldReview).where(*conditions).order_by(FieldReview.id).limit(limit).offset(offset)
    ).all()
    return list(found), total or 0


def decide(
    session: Session,
    review_id: int,
    status: str,
    decided_by: str,
    corrected_value: Any = None,
    note: str | None = None,
) -> bool:
    """Approve or correct a pending review; False when it is not pending (any more).

    A conditional UPDATE, so of two people deciding at once exactly one wins."""
    if status not in DECIDED:
        raise ValueError(f"a decision is one of {DECIDED}, not {status!r}")
    return bool(
        session.execute(
            update(FieldReview)
            .where(FieldReview.id == review_id, FieldReview.status == REVIEW_PENDING)
            .values(
                status=status,
                corrected_value=corrected_value if status == REVIEW_CORRECTED else None,
                decided_by=decided_by,
                decided_at=utcnow(),
                note=note,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    )
