"""What changed between two committed versions of a dataset, down to the field.

Only membership rows that begin or end between the two versions are read (see store.models),
so the cost follows the size of the change. A record is changed when its content hash differs;
its field changes compare field *values* (confidences and reasons are not content). A new
source URL is reported as a change of the pseudo-field ``source_url``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from dataops_spiders.store.content import record_content
from dataops_spiders.store.errors import VersionNotCommitted
from dataops_spiders.store.models import COMMITTED, Membership, RecordBody, RecordKey
from dataops_spiders.store.versions import IN_CLAUSE_CHUNK, get_version

SOURCE_URL = "source_url"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class KeyedRecord:
    """An added or removed record, whole."""

    key: str
    record: dict[str, Any]

    @property
    def record_key(self) -> str:
        return self.key

    @property
    def source_url(self) -> str | None:
        return self.record.get(SOURCE_URL)


@dataclass(frozen=True)
class ChangedRecord:
    """A record whose content changed: its fields with their old and new values."""

    key: str
    source_url: str | None  # in the newer of the two versions
    changes: tuple[FieldChange, ...]

    @property
    def record_key(self) -> str:
        return self.key


@dataclass
class VersionDiff:
    dataset: str
    a: int
    b: int
    added: list[KeyedRecord] = field(default_factory=list)
    removed: list[KeyedRecord] = field(default_factory=list)
    changed: list[ChangedRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: keys, records and field changes (for --json and the API)."""
        return {
            "dataset": self.dataset,
            "from_version": self.a,
            "to_version": self.b,
            "counts": self.counts(),
            "added": [{"key": r.key, "record": r.record} for r in self.added],
            "removed": [{"key": r.key, "record": r.record} for r in self.removed],
            "changed": [
                {
                    "key": c.key,
                    "source_url": c.source_url,
                    "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.changes],
                }
                for c in self.changed
            ],
        }


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Fields whose value differs (in the order of the new record, then fields it dropped).

    ``old`` and ``new`` are record contents: {"source_url": ..., "fields": {name: value}}
    (``store.content.record_content`` of a record).
    """
    before, after = old.get("fields") or {}, new.get("fields") or {}
    changes = [
        FieldChange(name, before.get(name), after.get(name))
        for name in [*after, *(n for n in before if n not in after)]
        if before.get(name) != after.get(name)
    ]
    if old.get(SOURCE_URL) != new.get(SOURCE_URL):
        changes.append(FieldChange(SOURCE_URL, old.get(SOURCE_URL), new.get(SOURCE_URL)))
    return tuple(changes)


# Field values and source URL of a body, computed by the database: for a changed record the
# diff needs only these, and parsing them is several times cheaper than parsing the whole body
# (confidences, reasons, alternatives) in Python. Fixed SQL, no user input.
_VALUES_SQL = {
    "postgresql": (
        "json_build_object('source_url', record_bodies.body -> 'source_url', 'fields', "
        "(SELECT json_object_agg(f.key, f.value -> 'value') "
        "FROM json_each(record_bodies.body -> 'fields') AS f))"
    ),
    # "->" needs SQLite 3.38: older versions parse whole bodies in Python instead.
    "sqlite": (
        "json_object('source_url', json_extract(record_bodies.body, '$.source_url'), 'fields', "
        "json((SELECT json_group_object(f.key, f.value -> '$.value') "
        "FROM json_each(record_bodies.body, '$.fields') AS f)))"
    ),
}


def _values_expression(session: Session):
    """SQL giving {"source_url", "fields": {name: value}} of a body, or None if unsupported."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite" and dialect.dbapi.sqlite_version_info < (3, 38):
        return None
    sql = _VALUES_SQL.get(dialect.name)
    return type_coerce(literal_column(sql), JSON) if sql else None


def _side(session: Session, dataset_id: int, condition) -> dict[int, tuple[str, int]]:
    """{key_id: (key, body_id)} of the membership rows matching ``condition``."""
    rows = session.execute(
        select(Membership.key_id, RecordKey.key, Membership.body_id)
        .join(RecordKey, RecordKey.id == Membership.key_id)
        .where(Membership.dataset_id == dataset_id, condition)
    ).all()
    return {key_id: (key, body_id) for key_id, key, body_id in rows}


def _bodies(session: Session, body_ids: set[int], values_only: bool) -> dict[int, dict]:
    """{body_id: body}, or {body_id: {"source_url", "fields": {name: value}}} if values_only."""
    column = _values_expression(session) if values_only else None
    found: dict[int, dict] = {}
    ids = sorted(body_ids)
    for start in range(0, len(ids), IN_CLAUSE_CHUNK):
        chunk = ids[start : start + IN_CLAUSE_CHUNK]
        rows = session.execute(
            select(RecordBody.id, RecordBody.body if column is None else column).where(
                RecordBody.id.in_(chunk)
            )
        )
        for body_id, body in rows:
            if values_only and column is None:
                body = record_content(body)
            found[body_id] = body
    return found


def diff_versions(
    session: Session, dataset: str, a: int, b: int, allow_quarantined: bool = False
) -> VersionDiff:
    """Added, removed and changed records going from version ``a`` to version ``b``.

    Both must be committed (or quarantined, with ``allow_quarantined``); either order works.
    """
    allowed = ("committed", "quarantined") if allow_quarantined else (COMMITTED,)
    versions = []
    for number in (a, b):
        version = get_version(session, dataset, number, include_uncommitted=True)
        if version.status not in allowed:
            raise VersionNotCommitted(
                f"version {number} of {dataset!r} is {version.status}: only committed "
                "versions can be compared"
            )
        versions.append(version)
    result = VersionDiff(dataset, a, b)
    if a == b:
        return result
    low, high = sorted((a, b))
    dataset_id = versions[0].dataset_id
    m = Membership
    # In `low` but not valid any more at `high`: the interval ends in (low, high].
    at_low = _side(
        session,
        dataset_id,
        (m.to_version > low) & (m.to_version <= high) & (m.from_version <= low),
    )
    # In `high` but not yet valid at `low`: the interval starts in (low, high].
    at_high = _side(
        session,
        dataset_id,
        (m.from_version > low)
        & (m.from_version <= high)
        & or_(m.to_version.is_(None), m.to_version > high),
    )
    old, new = (at_low, at_high) if a < b else (at_high, at_low)
    added = [new[k] for k in new.keys() - old.keys()]
    removed = [old[k] for k in old.keys() - new.keys()]
    # A record removed and later restored as it was has the same body at both ends: no change.
    changed = [(key, old[k][1], body_id) for k, (key, body_id) in new.items() if k in old]
    changed = [c for c in changed if c[1] != c[2]]

    whole = _bodies(session, {body_id for _key, body_id in added + removed}, values_only=False)
    values = _bodies(session, {i for c in changed for i in c[1:]}, values_only=True)
    result.added = sorted((KeyedRecord(key, whole[i]) for key, i in added), key=_by_key)
    result.removed = sorted((KeyedRecord(key, whole[i]) for key, i in removed), key=_by_key)
    result.changed = sorted(
        (
            ChangedRecord(
                key, values[new_id].get(SOURCE_URL), field_changes(values[old_id], values[new_id])
            )
            for key, old_id, new_id in changed
        ),
        key=_by_key,
    )
    return result


def _by_key(record) -> str:
    return record.key
