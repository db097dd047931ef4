"""/api/audit: every write is logged with who, what, when and which entity; the log filters and
paginates. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from control_api.models import AuditEntry


@pytest.fixture
def busy(api):
    """Writes by two operators: alice creates t0..t4, bob updates t0."""
    alice = {"X-API-Key": api.new_key("operator", "alice")}
    bob = {"X-API-Key": api.new_key("operator", "bob")}
    for i in range(5):
        api.client.post(
            "/api/templates", json={"yaml": f"name: t{i}\nintent: product\n"}, headers=alice
        )
    api.client.put(
        "/api/templates/t0",
        json={"yaml": "name: t0\nintent: product\ndescription: by bob\n"},
        headers=bob,
    )
    return api


def audit(api, query: str = "") -> dict:
    response = api.client.get(f"/api/audit?{query}", headers=api.headers())
    assert response.status_code == 200, response.text
    return response.json()


def test_each_write_is_one_entry_naming_actor_action_and_entity(busy):
    entries = audit(busy, "entity_type=template")["items"]
    assert [(e["actor"], e["action"], e["entity_id"]) for e in entries] == [
        ("bob", "template.update", "t0"),
        *[("alice", "template.create", f"t{i}") for i in reversed(range(5))],
    ]
    newest = entries[0]
    assert newest["details"]["version"] == 2
    when = datetime.fromisoformat(newest["at"])
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


def test_reads_and_refused_writes_leave_no_entry(busy):
    operator = busy.headers("operator")
    before = audit(busy)["total"]
    busy.client.get("/api/templates", headers=busy.headers())
    taken = busy.client.post(
        "/api/templates", json={"yaml": "name: t0\nintent: product\n"}, headers=operator
    )
    broken = busy.client.post("/api/templates", json={"yaml": "name: [\n"}, headers=operator)
    assert (taken.status_code, broken.status_code) == (409, 422)
    assert audit(busy)["total"] == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=bob", 1),
        ("actor=alice", 5),
        ("action=template.create", 5),
        ("entity_type=template&entity_id=t0", 2),
        ("actor=nobody", 0),
    ],
)
def test_filters(busy, query, expected):
    body = audit(busy, query)
    assert body["total"] == expected == len(body["items"])


def test_pages_cover_the_log_once_newest_first(busy):
    total = audit(busy)["total"]
    seen = []
    for offset in range(0, total, 3):
        page = audit(busy, f"limit=3&offset={offset}")
        assert page["total"] == total and page["limit"] == 3
        seen += [e["id"] for e in page["items"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == total


def test_time_filters_take_zoned_and_naive_utc_times(busy):
    with busy.app.state.write_sessions() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.actor == "bob")
            .values(at=datetime(2020, 1, 1, 12, tzinfo=UTC))
        )
        session.commit()
    assert audit(busy, "until=2021-01-01T00:00:00Z")["total"] == 1
    assert audit(busy, "since=2020-01-01T11:00:00&until=2020-01-01T13:00:00")["total"] == 1
    assert audit(busy, "since=2021-01-01T00:00:00%2B00:00&actor=bob")["total"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "offset=-1",
        "since=yesterday",
        "since=1732780800",  # a Unix time is not taken for a date
        "until=0001-01-01T00:00:00%2B03:00",  # before the first UTC time there is
    ],
)
def test_bad_paging_or_times_are_422_naming_the_parameter(api, query):
    response = api.client.get(f"/api/audit?{query}", headers=api.headers())
    assert response.status_code == 422
    assert f"query.{query.split('=')[0]}" in response.json()["error"]["message"]
