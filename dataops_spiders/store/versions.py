"""Writing a dataset version (VersionWriter) and reading committed ones.

A version is opened as number N+1 of its dataset, fed records in batches, then committed in one
transaction: the staged records become validity intervals (see store.models), the summary is
computed, and the status flips to ``committed``. Until then nothing of it is visible to readers,
and a crash leaves only staged rows that the next run of the dataset reverts, or resumes.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from dataops_spiders.store import reviews
from dataops_spiders.store.content import content_hash, json_safe, storable_key
from dataops_spiders.store.db import is_sqlite, write_session
from dataops_spiders.store.errors import (
    DatasetBusy,
    DatasetNotFound,
    StoreError,
    VersionConflict,
    VersionNotFound,
)
from dataops_spiders.store.models import (
    COMMITTED,
    FAILED,
    MATERIALIZED,
    OPEN,
    Dataset,
    DatasetVersion,
    Membership,
    RecordBody,
    RecordKey,
    Run,
    StagedRecord,
    utcnow,
)

logger = logging.getLogger(__name__)

IN_CLAUSE_CHUNK = 900  # parameters per IN (...) list, well under every database's limit


@dataclass
class AddResult:
    stored: int = 0  # records added to the version by this call
    duplicates: int = 0  # keys this attempt had already added: the first one is kept
    already_stored: int = 0  # keys stored before a resume: kept as stored


# ---------------------------------------------------------------------------------- helpers


def _insert_ignoring_conflicts(session: Session, model):
    """INSERT ... ON CONFLICT DO NOTHING for the session's database."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


def _chunks(items: list, size: int = IN_CLAUSE_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def get_or_create_dataset(session: Session, name: str) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        session.execute(_insert_ignoring_conflicts(session, Dataset).values(name=name))
        dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    assert dataset is not None
    return dataset


def find_dataset(session: Session, name: str) -> Dataset:
    dataset = session.scalar(select(Dataset).where(Dataset.name == name))
    if dataset is None:
        known = session.scalars(select(Dataset.name).order_by(Dataset.name).limit(20)).all()
        hint = f" (known: {', '.join(known)})" if known else " (the store has no dataset yet)"
        raise DatasetNotFound(f"no dataset named {name!r}{hint}")
    return dataset


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():  # a killed child its parent has not reaped yet is a zombie: dead
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True
    return True


def run_is_live(run: Run | None) -> bool:
    """True when ``run`` is another process on this machine that is still running."""
    if run is None or run.pid is None or run.hostname != socket.gethostname():
        return False
    return run.pid != os.getpid() and process_alive(run.pid)


def _discard(session: Session, version: DatasetVersion, note: str) -> bool:
    """Mark an open version failed and drop what it staged. False if it was no longer open."""
    flipped = session.execute(
        update(DatasetVersion)
        .where(DatasetVersion.id == version.id, DatasetVersion.status == OPEN)
        .values(status=FAILED, note=note)
    ).rowcount
    if not flipped:
        return False
    session.execute(delete(StagedRecord).where(StagedRecord.version_id == version.id))
    # Bodies it stored first are referenced by nothing else: intervals come only from commits.
    session.execute(delete(RecordBody).where(RecordBody.created_in == version.id))
    return True


# ---------------------------------------------------------------------------------- writing


class VersionWriter:
    """Writes one version of one dataset: open() or resume(), add() batches, then commit()
    (or quarantine via commit(status=QUARANTINED), or fail()). Each call is its own
    transaction, so a batch once added survives a crash and a resumed run keeps it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dataset: str | None = None
        self.dataset_id: int | None = None
        self.version_id: int | None = None
        self.number: int | None = None
        self.attempt = 1
        # The dataset's review decisions, applied to each record as it is staged.
        self.decisions: reviews.Decisions = {}

    # -- opening

    def open(self, dataset: str, run_id: int | None = None) -> int:
        """Open version N+1 of ``dataset`` (created if new); returns N+1.

        An open version left behind by a run that died is reverted first (marked failed, its
        staged records dropped). One whose run is still alive on this machine is not touched:
        DatasetBusy is raised instead, so two crawls never write one dataset at once.
        """
        with write_session(self.engine) as session:
            found = get_or_create_dataset(session, dataset)
            # PostgreSQL: lock the dataset's row, so two runs opening it at once take turns
            # (the second then sees the first's version). SQLite: BEGIN IMMEDIATE did that.
            session.execute(select(Dataset.id).where(Dataset.id == found.id).with_for_update())
            stale = session.scalars(
                select(DatasetVersion).where(
                    DatasetVersion.dataset_id == found.id, DatasetVersion.status == OPEN
                )
            ).all()
            for version in stale:
                owner = session.get(Run, version.run_id) if version.run_id else None
                if run_is_live(owner):
                    raise DatasetBusy(
                        f"dataset {dataset!r} is being written by run {owner.id} "
                        f"(pid {owner.pid} on {owner.hostname}, version {version.number}); "
                        "wait for it to finish or stop it"
                    )
            last = session.scalar(
                select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == found.id)
            )
            number = (last or 0) + 1
            for version in stale:
                _discard(
                    session,
                    version,
                    f"abandoned: its run stopped without committing; reverted when version "
                    f"{number} was opened",
                )
                logger.warning(
                    "Dataset %s: version %d was left open by a run that stopped; reverted it",
                    dataset,
                    version.number,
                )
            version = DatasetVersion(
                dataset_id=found.id, number=number, status=OPEN, run_id=run_id, attempt=1
            )
            session.add(version)
            session.flush()
            self._attach(session, dataset, found.id, version)
        return number

    def resume(self, dataset: str, number: int, run_id: int | None = None) -> int:
        """Reattach to open version ``number`` (a crawl resumed from its JOBDIR)."""
        with write_session(self.engine) as session:
            found = find_dataset(session, dataset)
            version = session.scalar(
                select(DatasetVersion).where(
                    DatasetVersion.dataset_id == found.id, DatasetVersion.number == number
                )
            )
            if version is None:
                raise VersionNotFound(f"dataset {dataset!r} has no version {number}")
            if version.status != OPEN:
                raise VersionConflict(
                    f"version {number} of {dataset!r} is {version.status}, it cannot be resumed"
                )
            version.attempt += 1
            if run_id is not None:
                version.run_id = run_id
            session.flush()
            self._attach(session, dataset, found.id, version)
        return number

    def _attach(
        self, session: Session, dataset: str, dataset_id: int, version: DatasetVersion
    ) -> None:
        self.dataset, self.dataset_id = dataset, dataset_id
        self.version_id, self.number, self.attempt = version.id, version.number, version.attempt
        self.decisions = reviews.load_decisions(session, dataset_id)

    def _require_open(self, session: Session) -> None:
        if self.version_id is None:
            raise StoreError("no version is open: call open() or resume() first")
        status = session.scalar(
            select(DatasetVersion.status).where(DatasetVersion.id == self.version_id)
        )
        if status != OPEN:
            raise VersionConflict(
                f"version {self.number} of {self.dataset!r} is {status} now (another run "
                "reverted it); nothing more can be written to it"
            )

    # -- records

    def add(self, records: Iterable[dict[str, Any]]) -> AddResult:
        """Stage a batch of records (dicts with record_key, source_url, fields, ...)."""
        result = AddResult()
        batch: dict[str, dict[str, Any]] = {}
        for record in records:
            key = storable_key(str(record["record_key"]))
            if key in batch:
                result.duplicates += 1
            else:
                batch[key] = record
        if not batch:
            return result
        bodies = {key: json_safe(record) for key, record in batch.items()}
        if self.decisions:
            bodies = {
                key: reviews.apply_decisions(body, key, self.decisions)
                for key, body in bodies.items()
            }
        hashes = {key: content_hash(body) for key, body in bodies.items()}
        with write_session(self.engine) as session:
            self._require_open(session)
            key_ids = self._ensure_keys(session, list(batch))
            body_ids = self._ensure_bodies(session, {hashes[k]: bodies[k] for k in batch})
            rows = [
                {
                    "version_id": self.version_id,
                    "key_id": key_ids[key],
                    "body_id": body_ids[hashes[key]],
                    "attempt": self.attempt,
                    "confidence": _confidence(bodies[key]),
                    "low_confidence": bool(bodies[key].get("low_confidence_fields")),
                }
                for key in batch
            ]
            inserted = session.scalars(
                _insert_ignoring_conflicts(session, StagedRecord).returning(StagedRecord.key_id),
                rows,
            ).all()
            result.stored = len(inserted)
            conflicting = list(set(key_ids.values()) - set(inserted))
            for chunk in _chunks(conflicting):
                earlier = session.scalar(
                    select(func.count()).where(
                        StagedRecord.version_id == self.version_id,
                        StagedRecord.key_id.in_(chunk),
                        StagedRecord.attempt < self.attempt,
                    )
                )
                result.already_stored += earlier or 0
            result.duplicates += len(conflicting) - result.already_stored
        return result

    def _ensure_keys(self, session: Session, keys: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(keys):
            ids.update(self._key_ids(session, chunk))
        missing = [key for key in keys if key not in ids]
        if missing:
            session.execute(
                _insert_ignoring_conflicts(session, RecordKey),
                [{"dataset_id": self.dataset_id, "key": key} for key in missing],
            )
            for chunk in _chunks(missing):
                ids.update(self._key_ids(session, chunk))
        return ids

    def _key_ids(self, session: Session, keys: list[str]) -> dict[str, int]:
        rows = session.execute(
            select(RecordKey.key, RecordKey.id).where(
                RecordKey.dataset_id == self.dataset_id, RecordKey.key.in_(keys)
            )
        )
        return {key: key_id for key, key_id in rows}

    def _ensure_bodies(self, session: Session, bodies: dict[str, dict]) -> dict[str, int]:
        hashes = list(bodies)
        ids: dict[str, int] = {}
        for chunk in _chunks(hashes):
            ids.update(self._body_ids(session, chunk))
        missing = [h for h in hashes if h not in ids]
        if missing:
            session.execute(
                _insert_ignoring_conflicts(session, RecordBody),
                [
                    {
                        "dataset_id": self.dataset_id,
                        "content_hash": h,
                        "body": bodies[h],
                        "created_in": self.version_id,
                    }
                    for h in missing
                ],
            )
            for chunk in _chunks(missing):
                ids.update(self._body_ids(session, chunk))
        return ids

    def _body_ids(self, session: Session, hashes: list[str]) -> dict[str, int]:
        rows = session.execute(
            select(RecordBody.content_hash, RecordBody.id).where(
                RecordBody.dataset_id == self.dataset_id, RecordBody.content_hash.in_(hashes)
            )
        )
        return {digest: body_id for digest, body_id in rows}

    # -- ending

    def commit(
        self,
        extra: dict[str, Any] | None = None,
        status: str = COMMITTED,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Make the version visible (or quarantined) in one transaction; returns its summary.

        ``extra`` is merged into the summary (the counts computed here take precedence).
        """
        if status not in MATERIALIZED:
            raise ValueError(f"commit() ends a version as one of {MATERIALIZED}, not {status!r}")
        with write_session(self.engine) as session:
            # Flip the status first: the row lock keeps a concurrent revert out until we end.
            flipped = session.execute(
                update(DatasetVersion)
                .where(DatasetVersion.id == self.version_id, DatasetVersion.status == OPEN)
                .values(status=status)
            ).rowcount
            if not flipped:
                self._require_open(session)  # raises, saying what became of the version
            summary = {**(extra or {}), **self._apply(session)}
            session.execute(
                update(DatasetVersion)
                .where(DatasetVersion.id == self.version_id)
                .values(summary=summary, committed_at=utcnow(), note=note)
            )
        self._maintain_after_commit()
        return summary

    def _apply(self, session: Session) -> dict[str, Any]:
        """Staged records → intervals, and the summary counts (inside the commit)."""
        d, n, v = self.dataset_id, self.number, self.version_id
        if not is_sqlite(self.engine):
            # The staging table just grew by a whole version: let the planner know its size
            # before it plans the joins below (ANALYZE may run inside a transaction).
            session.execute(text(f"ANALYZE {StagedRecord.__tablename__}"))
        staged = select(StagedRecord).where(StagedRecord.version_id == v).subquery()
        m = Membership.__table__
        previous = session.scalar(
            select(func.max(DatasetVersion.number)).where(
                DatasetVersion.dataset_id == d,
                DatasetVersion.number < n,
                DatasetVersion.status.in_(MATERIALIZED),
            )
        )
        # 1. End the current interval of every key that is gone or has another body now.
        session.execute(
            update(Membership)
            .where(
                Membership.dataset_id == d,
                Membership.to_version.is_(None),
                ~exists().where(
                    StagedRecord.version_id == v,
                    StagedRecord.key_id == Membership.key_id,
                    StagedRecord.body_id == Membership.body_id,
                ),
            )
            .values(to_version=n)
        )
        # 2. Open an interval for every staged key without a current one (new or changed).
        current = aliased(Membership)
        session.execute(
            m.insert().from_select(
                ["dataset_id", "key_id", "body_id", "from_version"],
                select(literal(d), staged.c.key_id, staged.c.body_id, literal(n))
                .select_from(staged)
                .where(
                    ~exists().where(current.key_id == staged.c.key_id, current.to_version.is_(None))
                ),
            )
        )
        # 3. Counts, from the rows that start or end at N: their cost follows the change.
        ended = aliased(Membership)
        began = aliased(Membership)
        changed = session.scalar(
            select(func.count())
            .select_from(began)
            .where(
                began.dataset_id == d,
                began.from_version == n,
                exists().where(ended.key_id == began.key_id, ended.to_version == n),
            )
        )
        began_count = session.scalar(
            select(func.count()).where(Membership.dataset_id == d, Membership.from_version == n)
        )
        ended_count = session.scalar(
            select(func.count()).where(Membership.dataset_id == d, Membership.to_version == n)
        )
        records, mean_confidence, low = session.execute(
            select(
                func.count(),
                func.avg(StagedRecord.confidence),
                func.sum(case((StagedRecord.low_confidence, 1), else_=0)),
            ).where(StagedRecord.version_id == v)
        ).one()
        # Human review: questions about the new and changed records, decisions carried.
        reviews.on_commit(session, d, n, v)
        session.execute(delete(StagedRecord).where(StagedRecord.version_id == v))
        return {
            "records": records,
            "added": began_count - changed,
            "removed": ended_count - changed,
            "changed": changed,
            "mean_confidence": round(mean_confidence, 3) if mean_confidence is not None else None,
            "low_confidence": int(low or 0),
            "previous_version": previous,
        }

    def _maintain_after_commit(self) -> None:
        """PostgreSQL: vacuum the staging table, so the next version reuses its space instead
        of growing it, and refresh the planner's statistics. Tables that just grew by a whole
        version otherwise look empty to the planner until autovacuum comes round, and a page of
        an export gets planned as a sort of the whole version."""
        if is_sqlite(self.engine):
            return  # SQLite reuses freed pages by itself, and plans without statistics
        statements = (
            f"VACUUM (ANALYZE) {StagedRecord.__tablename__}",
            f"ANALYZE {Membership.__tablename__}",
            f"ANALYZE {RecordKey.__tablename__}",
            # not the bodies themselves: no query filters on them, and they are most of the bytes
            f"ANALYZE {RecordBody.__tablename__} (dataset_id, content_hash, created_in)",
        )
        try:
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                for statement in statements:
                    connection.exec_driver_sql(statement)
        except Exception as exc:  # autovacuum does the same later
            logger.warning("Store maintenance after the commit failed: %s", exc)

    def fail(self, note: str) -> bool:
        """End the open version as failed, dropping what it staged. False if no longer open."""
        with write_session(self.engine) as session:
            version = session.get(DatasetVersion, self.version_id)
            return version is not None and _discard(session, version, note)


def _confidence(record: dict[str, Any]) -> float | None:
    value = record.get("record_confidence")
    return float(value) if isinstance(value, int | float) else None


# ---------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    created_at: Any
    versions: int  # committed versions
    latest: int | None  # number of the latest committed version
    records: int | None  # records in it


def list_datasets(session: Session) -> list[DatasetInfo]:
    infos = []
    for dataset in session.scalars(select(Dataset).order_by(Dataset.name)):
        committed = session.scalars(
            select(DatasetVersion)
            .where(DatasetVersion.dataset_id == dataset.id, DatasetVersion.status == COMMITTED)
            .order_by(DatasetVersion.number.desc())
        ).all()
        latest = committed[0] if committed else None
        infos.append(
            DatasetInfo(
                name=dataset.name,
                created_at=dataset.created_at,
                versions=len(committed),
                latest=latest.number if latest else None,
                records=(latest.summary or {}).get("records") if latest else None,
            )
        )
    return infos


def list_versions(
    session: Session, dataset: str, include_uncommitted: bool = False
) -> list[DatasetVersion]:
    found = find_dataset(session, dataset)
    query = select(DatasetVersion).where(DatasetVersion.dataset_id == found.id)
    if not include_uncommitted:
        query = query.where(DatasetVersion.status == COMMITTED)
    return list(session.scalars(query.order_by(DatasetVersion.number)))


def latest_committed(session: Session, dataset: str) -> DatasetVersion | None:
    found = find_dataset(session, dataset)
    return session.scalar(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == found.id, DatasetVersion.status == COMMITTED)
        .order_by(DatasetVersion.number.desc())
        .limit(1)
    )


def get_version(
    session: Session, dataset: str, number: int | None = None, include_uncommitted: bool = False
) -> DatasetVersion:
    """Version ``number`` of ``dataset`` (default: the latest committed one)."""
    if number is None:
        version = latest_committed(session, dataset)
        if version is None:
            raise VersionNotFound(f"dataset {dataset!r} has no committed version yet")
        return version
    found = find_dataset(session, dataset)
    version = session.scalar(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == found.id, DatasetVersion.number == number
        )
    )
    if version is None or (version.status != COMMITTED and not include_uncommitted):
        state = f" (it is {version.status})" if version is not None else ""
        raise VersionNotFound(f"dataset {dataset!r} has no committed version {number}{state}")
    return version


def in_version(model, number: int):
    """SQL condition: this membership row belongs to version ``number``."""
    return and_(
        model.from_version <= number,
        or_(model.to_version.is_(None), model.to_version > number),
    )


def iter_records(
    session: Session,
    dataset: str,
    number: int | None = None,
    batch: int = 1000,
    include_uncommitted: bool = False,
) -> Iterator[dict[str, Any]]:
    """The records of one version (default: latest committed) in record-key order.

    Reads ``batch`` records per query (keyset pagination), so memory stays flat and no
    transaction stays open across a long export. An open version's records are its staged
    ones (with ``include_uncommitted``); a failed version has none.
    """
    version = get_version(session, dataset, number, include_uncommitted)
    if version.status == FAILED:
        raise VersionNotFound(f"version {version.number} of {dataset!r} failed: it has no records")
    if version.status == OPEN:
        query = (
            select(RecordKey.key, RecordBody.body)
            .join(StagedRecord, StagedRecord.key_id == RecordKey.id)
            .join(RecordBody, RecordBody.id == StagedRecord.body_id)
            .where(StagedRecord.version_id == version.id)
        )
    else:
        query = (
            select(RecordKey.key, RecordBody.body)
            .join(Membership, Membership.key_id == RecordKey.id)
            .join(RecordBody, RecordBody.id == Membership.body_id)
            .where(in_version(Membership, version.number))
        )
    query = query.where(RecordKey.dataset_id == version.dataset_id).order_by(RecordKey.key)
    after: str | None = None
    while True:
        page = query if after is None else query.where(RecordKey.key > after)
        rows = session.execute(page.limit(batch)).all()
        for _key, body in rows:
            yield body
        if len(rows) < batch:
            return
        after = rows[-1][0]
