"""Dataset versions: written invisibly, committed atomically, reverted or resumed after a crash.

Every test runs on SQLite and on PostgreSQL (a database of its own, dropped afterwards).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from dataops_spiders.store import (
    DatasetBusy,
    StoreError,
    VersionConflict,
    VersionNotFound,
    VersionWriter,
    get_version,
    iter_records,
    latest_committed,
    list_datasets,
    list_versions,
    make_session_factory,
)
from dataops_spiders.store.content import MAX_KEY_BYTES
from dataops_spiders.store.models import (
    FAILED,
    QUARANTINED,
    Membership,
    RecordBody,
    StagedRecord,
)
from dataops_spiders.store.runs import create_run

# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
def session(engine):
    with make_session_factory(engine)() as session:
        yield session


def record(key: str, confidence: float = 0.9, low: tuple[str, ...] = (), **values) -> dict:
    return {
        "record_key": key,
        "source_url": f"https://shop.example/p/{key}",
        "fetched_at": "2026-01-01T00:00:00+00:00",
        "record_confidence": confidence,
        "low_confidence_fields": list(low),
        "fields": {
            name: {"value": value, "confidence": confidence, "reasons": ["test"]}
            for name, value in values.items()
        },
    }


def write_version(engine, dataset: str, records: list[dict]) -> dict:
    writer = VersionWriter(engine)
    writer.open(dataset)
    writer.add(records)
    return writer.commit()


def prices(session, dataset: str, number: int | None = None) -> dict[str, str]:
    session.rollback()  # read the latest state, not the snapshot of an earlier read
    return {
        r["record_key"]: r["fields"]["price"]["value"]
        for r in iter_records(session, dataset, number)
    }


def count(session, *where, model=None) -> int:
    session.rollback()
    query = select(func.count())
    query = query.select_from(model) if model is not None else query
    return session.scalar(query.where(*where))


def finished_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def run_owned_by(engine, dataset: str, pid: int) -> int:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        run = create_run(session, dataset, template_name="t", template_sha256="0" * 64)
        run.pid = pid
        return run.id


# ------------------------------------------------------------------------------ visibility


def test_an_open_version_is_invisible_until_committed(engine, session):
    writer = VersionWriter(engine)
    assert writer.open("shop") == 1
    writer.add([record("a", price="1.00"), record("b", price="2.00")])

    assert list_versions(session, "shop") == []
    assert latest_committed(session, "shop") is None
    with pytest.raises(VersionNotFound, match=r"no committed version 1 .*open"):
        get_version(session, "shop", 1)
    with pytest.raises(VersionNotFound, match="no committed version yet"):
        list(iter_records(session, "shop"))

    summary = writer.commit()
    session.rollback()
    assert [(v.number, v.status) for v in list_versions(session, "shop")] == [(1, "committed")]
    assert summary["records"] == 2 and summary["added"] == 2
    assert prices(session, "shop") == {"a": "1.00", "b": "2.00"}


def test_each_version_keeps_its_own_records(engine, session):
    write_version(
        engine, "shop", [record("a", price="1"), record("b", price="2"), record("c", price="3")]
    )
    summary = write_version(
        engine, "shop", [record("a", price="1"), record("b", price="2.50"), record("d", price="4")]
    )

    assert prices(session, "shop", 1) == {"a": "1", "b": "2", "c": "3"}
    assert prices(session, "shop", 2) == {"a": "1", "b": "2.50", "d": "4"}
    assert prices(session, "shop") == prices(session, "shop", 2)  # default: latest committed
    assert {k: summary[k] for k in ("records", "added", "removed", "changed")} == {
        "records": 3,
        "added": 1,
        "removed": 1,
        "changed": 1,
    }
    assert summary["previous_version"] == 1


def test_an_unchanged_record_costs_no_new_row(engine, session):
    write_version(engine, "shop", [record(f"k{i}", price=str(i)) for i in range(50)])
    rows = count(session, model=Membership)
    bodies = count(session, model=RecordBody)

    # Crawled again: new fetch time and confidences, same content; one price changed.
    again = [record(f"k{i}", confidence=0.5, price=str(i)) for i in range(50)]
    for r in again:
        r["fetched_at"] = "2026-02-02T00:00:00+00:00"
    again[7] = record("k7", price="7.99")
    summary = write_version(engine, "shop", again)

    assert summary["changed"] == 1 and summary["added"] == 0 and summary["removed"] == 0
    assert count(session, model=Membership) == rows + 1
    assert count(session, model=RecordBody) == bodies + 1


def test_a_record_comes_back_as_it_was_stored_fields_in_their_order(engine, session):
    original = record("a", name="Kettle", price="19.99", currency="EUR", brand="Acme")
    original["fields"]["price"]["alternatives"] = [{"value": "21.00", "source": "heuristic"}]
    write_version(engine, "shop", [original])
    session.rollback()
    (stored,) = iter_records(session, "shop")
    assert stored == original
    assert list(stored["fields"]) == ["name", "price", "currency", "brand"]


def test_summary_has_mean_confidence_and_low_confidence_count(engine):
    summary = write_version(
        engine,
        "shop",
        [
            record("a", confidence=0.9, price="1"),
            record("b", confidence=0.6, low=("price",), price="2"),
            record("c", confidence=0.3, low=("price", "name"), price="3"),
        ],
    )
    assert summary["mean_confidence"] == 0.6
    assert summary["low_confidence"] == 2


def test_records_come_in_byte_order_of_their_keys_in_every_batch_size(engine, session):
    keys = ["b", "B", "a", "Ä", "a-2", "10", "9", "ß", "Z"]
    write_version(engine, "shop", [record(k, price="1") for k in keys])
    expected = sorted(keys, key=lambda k: k.encode())
    for batch in (1, 2, 4, 100):
        got = [r["record_key"] for r in iter_records(session, "shop", 1, batch=batch)]
        assert got == expected


def test_datasets_are_independent(engine, session):
    write_version(engine, "shop", [record("a", price="1")])
    write_version(engine, "journal", [record("a", price="9"), record("b", price="8")])
    write_version(engine, "journal", [record("a", price="9")])

    assert prices(session, "shop") == {"a": "1"}
    assert prices(session, "journal") == {"a": "9"}
    infos = {d.name: d for d in list_datasets(session)}
    assert (infos["shop"].versions, infos["shop"].latest, infos["shop"].records) == (1, 1, 1)
    assert (infos["journal"].versions, infos["journal"].latest, infos["journal"].records) == (
        2,
        2,
        1,
    )


def test_a_very_long_key_is_stored_under_a_stable_stand_in(engine, session):
    long_key = "https://shop.example/search?" + "q=x&" * 2000
    write_version(engine, "shop", [record(long_key, price="1")])
    summary = write_version(engine, "shop", [record(long_key, price="1")])
    assert summary["changed"] == 0 and summary["added"] == 0  # same stand-in both times
    (stored,) = iter_records(session, "shop")
    assert stored["record_key"] == long_key  # the record itself keeps its key


def test_keys_over_the_limit_get_distinct_stand_ins(engine, session):
    a = "x" * (MAX_KEY_BYTES + 1)
    b = "x" * (MAX_KEY_BYTES + 2)
    summary = write_version(engine, "shop", [record(a, price="1"), record(b, price="2")])
    assert summary["records"] == 2


# ------------------------------------------------------------------------------ duplicates


def test_a_key_seen_twice_in_one_run_keeps_its_first_record(engine, session):
    writer = VersionWriter(engine)
    writer.open("shop")
    first = writer.add([record("a", price="1"), record("b", price="2"), record("a", price="X")])
    second = writer.add([record("b", price="Y"), record("c", price="3")])
    summary = writer.commit()

    assert (first.stored, first.duplicates) == (2, 1)
    assert (second.stored, second.duplicates) == (1, 1)
    assert summary["records"] == 3
    assert prices(session, "shop") == {"a": "1", "b": "2", "c": "3"}


# ------------------------------------------------------------------------------ crashes


def test_a_crashed_run_leaves_nothing_visible_and_the_next_run_reverts_it(engine, session):
    write_version(engine, "shop", [record("a", price="1")])
    crashed = VersionWriter(engine)
    crashed.open("shop", run_owned_by(engine, "shop", finished_pid()))
    crashed.add([record("a", price="2"), record("z", price="26")])
    # ... and the process dies here: no commit, no fail.

    assert [v.number for v in list_versions(session, "shop")] == [1]
    assert prices(session, "shop") == {"a": "1"}

    nxt = VersionWriter(engine)
    assert nxt.open("shop") == 3
    session.rollback()
    abandoned = get_version(session, "shop", 2, include_uncommitted=True)
    assert abandoned.status == FAILED and "abandoned" in abandoned.note
    assert count(session, StagedRecord.version_id == abandoned.id) == 0
    assert count(session, RecordBody.created_in == abandoned.id) == 0

    nxt.add([record("a", price="1"), record("b", price="5")])
    summary = nxt.commit()
    assert summary["previous_version"] == 1 and summary["added"] == 1
    assert prices(session, "shop") == {"a": "1", "b": "5"}


def test_a_live_run_is_never_reverted_by_another(engine):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        writer = VersionWriter(engine)
        writer.open("shop", run_owned_by(engine, "shop", sleeper.pid))
        writer.add([record("a", price="1")])
        with pytest.raises(DatasetBusy, match=f"pid {sleeper.pid}"):
            VersionWriter(engine).open("shop")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert VersionWriter(engine).open("shop") == 2  # once it is gone, its version is reverted


def test_a_resumed_version_keeps_what_was_stored_without_duplicates(engine, session):
    first = VersionWriter(engine)
    first.open("shop")
    first.add([record("a", price="1"), record("b", price="2")])

    resumed = VersionWriter(engine)
    assert resumed.resume("shop", 1) == 1
    assert resumed.attempt == 2
    again = resumed.add(
        [record("a", price="1"), record("b", price="CHANGED"), record("c", price="3")]
    )
    twice = resumed.add([record("c", price="3")])
    summary = resumed.commit()

    assert (again.stored, again.already_stored, again.duplicates) == (1, 2, 0)
    assert twice.duplicates == 1
    assert summary["records"] == 3
    assert prices(session, "shop") == {"a": "1", "b": "2", "c": "3"}


def test_only_an_open_version_can_be_resumed_or_written(engine):
    write_version(engine, "shop", [record("a", price="1")])
    with pytest.raises(VersionConflict, match="committed"):
        VersionWriter(engine).resume("shop", 1)
    with pytest.raises(VersionNotFound):
        VersionWriter(engine).resume("shop", 7)

    reverted = VersionWriter(engine)
    reverted.open("shop")
    VersionWriter(engine).open("shop")  # reverts it: its owner is not a live process
    with pytest.raises(VersionConflict, match="failed"):
        reverted.add([record("a", price="2")])
    with pytest.raises(VersionConflict):
        reverted.commit()
    with pytest.raises(StoreError, match="no version is open"):
        VersionWriter(engine).add([record("a", price="2")])


def test_a_failed_version_is_never_visible(engine, session):
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("a", price="1")])
    assert writer.fail("the crawl ended with 'cancelled'")

    version = get_version(session, "shop", 1, include_uncommitted=True)
    assert (version.status, version.note) == (FAILED, "the crawl ended with 'cancelled'")
    with pytest.raises(VersionNotFound, match="failed"):
        list(iter_records(session, "shop", 1, include_uncommitted=True))
    summary = write_version(engine, "shop", [record("b", price="2")])
    assert summary["previous_version"] is None and summary["added"] == 1


def test_a_quarantined_version_is_hidden_but_the_next_one_builds_on_it(engine, session):
    write_version(engine, "shop", [record("a", price="1"), record("b", price="2")])
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("a", price="-5"), record("b", price="2")])
    writer.commit(status=QUARANTINED, note="price below 0 on 1 record")

    assert [v.number for v in list_versions(session, "shop")] == [1]
    assert prices(session, "shop") == {"a": "1", "b": "2"}
    quarantined = get_version(session, "shop", 2, include_uncommitted=True)
    assert (quarantined.status, quarantined.note) == (QUARANTINED, "price below 0 on 1 record")

    summary = write_version(engine, "shop", [record("a", price="1"), record("b", price="2")])
    assert summary["previous_version"] == 2 and summary["changed"] == 1
    assert prices(session, "shop", 3) == {"a": "1", "b": "2"}


def test_an_open_version_can_be_previewed_on_request(engine, session):
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("b", price="2"), record("a", price="1")])
    preview = list(iter_records(session, "shop", 1, include_uncommitted=True))
    assert [r["record_key"] for r in preview] == ["a", "b"]
