"""Change detection between committed versions: exact added, removed and changed records."""

from __future__ import annotations

import pytest

from dataops_spiders.store import (
    FieldChange,
    VersionNotCommitted,
    VersionNotFound,
    VersionWriter,
    diff_versions,
    make_session_factory,
)
from dataops_spiders.store.content import record_content
from dataops_spiders.store.diff import field_changes


@pytest.fixture
def session(engine):
    with make_session_factory(engine)() as session:
        yield session


def record(key: str, url: str | None = None, **values) -> dict:
    return {
        "record_key": key,
        "source_url": url or f"https://shop.example/p/{key}",
        "record_confidence": 0.9,
        "fields": {name: {"value": value, "confidence": 0.9} for name, value in values.items()},
    }


def commit(engine, records: list[dict], dataset: str = "shop") -> None:
    writer = VersionWriter(engine)
    writer.open(dataset)
    writer.add(records)
    writer.commit()


def summary(diff) -> dict:
    """The diff as plain data: keys per kind, and (field, old, new) per changed key."""
    return {
        "added": [r.key for r in diff.added],
        "removed": [r.key for r in diff.removed],
        "changed": {c.key: [(f.field, f.old, f.new) for f in c.changes] for c in diff.changed},
    }


def test_diff_names_every_added_removed_and_changed_record_with_its_fields(engine, session):
    commit(
        engine,
        [
            record("kettle", name="Kettle", price="20.00", tags=["kitchen"]),
            record("lamp", name="Lamp", price="35.00", tags=["home"]),
            record("mug", name="Mug", price="8.00", tags=["kitchen"]),
            record("rug", name="Rug", price="99.00", tags=["home"]),
        ],
    )
    commit(
        engine,
        [
            record("kettle", name="Kettle", price="18.50", tags=["kitchen", "sale"]),
            record("lamp", name="Desk lamp", price="35.00", tags=["home"]),
            record("mug", name="Mug", price="8.00", tags=["kitchen"]),
            record("vase", name="Vase", price="15.00", tags=["home"]),
        ],
    )
    diff = diff_versions(session, "shop", 1, 2)
    assert summary(diff) == {
        "added": ["vase"],
        "removed": ["rug"],
        "changed": {
            "kettle": [("price", "20.00", "18.50"), ("tags", ["kitchen"], ["kitchen", "sale"])],
            "lamp": [("name", "Lamp", "Desk lamp")],
        },
    }
    assert diff.added[0].record["fields"]["name"]["value"] == "Vase"
    assert diff.removed[0].record["fields"]["price"]["value"] == "99.00"
    assert diff.counts() == {"added": 1, "removed": 1, "changed": 2}


def test_values_keep_their_json_types_with_or_without_the_database_doing_the_work(
    engine, session, monkeypatch
):
    commit(
        engine,
        [record("a", flag=True, count=3, ratio=2.5, tags=["x", 1, False], spec={"w": 1}, gone="z")],
    )
    commit(
        engine,
        [
            record(
                "a", flag=False, count=3, ratio=2.5, tags=["x", 1, True], spec={"w": 2}, note=None
            )
        ],
    )
    expected = {
        "a": [
            ("flag", True, False),
            ("tags", ["x", 1, False], ["x", 1, True]),
            ("spec", {"w": 1}, {"w": 2}),
            ("gone", "z", None),
        ]
    }
    assert summary(diff_versions(session, "shop", 1, 2))["changed"] == expected
    changes = diff_versions(session, "shop", 1, 2).changed[0].changes
    assert changes[0].old is True and changes[0].new is False  # not 1 and 0

    from dataops_spiders.store import diff

    monkeypatch.setattr(diff, "_values_expression", lambda session: None)  # an old SQLite
    assert summary(diff_versions(session, "shop", 1, 2))["changed"] == expected


def test_diff_backwards_swaps_added_and_removed_and_old_and_new(engine, session):
    commit(engine, [record("a", price="1"), record("b", price="2")])
    commit(engine, [record("a", price="3"), record("c", price="4")])
    assert summary(diff_versions(session, "shop", 2, 1)) == {
        "added": ["b"],
        "removed": ["c"],
        "changed": {"a": [("price", "3", "1")]},
    }


def test_diff_across_several_versions_ignores_what_came_and_went_between(engine, session):
    commit(
        engine,
        [
            record("flicker", price="1"),
            record("gone_back", price="5"),
            record("back_changed", price="7"),
            record("steady", price="9"),
        ],
    )
    commit(
        engine,
        [
            record("flicker", price="2"),  # changed here, changed back in 3
            record("steady", price="9"),
            record("transient", price="3"),  # only in version 2
        ],
    )
    commit(
        engine,
        [
            record("flicker", price="1"),
            record("gone_back", price="5"),  # removed in 2, back unchanged in 3
            record("back_changed", price="8"),  # removed in 2, back different in 3
            record("steady", price="9"),
        ],
    )
    assert summary(diff_versions(session, "shop", 1, 3)) == {
        "added": [],
        "removed": [],
        "changed": {"back_changed": [("price", "7", "8")]},
    }
    assert summary(diff_versions(session, "shop", 2, 3)) == {
        "added": ["back_changed", "gone_back"],
        "removed": ["transient"],
        "changed": {"flicker": [("price", "2", "1")]},
    }


def test_a_version_compared_with_itself_has_no_change(engine, session):
    commit(engine, [record("a", price="1")])
    assert summary(diff_versions(session, "shop", 1, 1)) == {
        "added": [],
        "removed": [],
        "changed": {},
    }


def test_a_moved_record_is_changed_in_its_source_url(engine, session):
    commit(engine, [record("a", url="https://shop.example/old", price="1")])
    commit(engine, [record("a", url="https://shop.example/new", price="1")])
    assert summary(diff_versions(session, "shop", 1, 2))["changed"] == {
        "a": [("source_url", "https://shop.example/old", "https://shop.example/new")]
    }


def test_only_committed_versions_can_be_compared(engine, session):
    commit(engine, [record("a", price="1")])
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("a", price="2")])
    with pytest.raises(VersionNotCommitted, match="version 2 of 'shop' is open"):
        diff_versions(session, "shop", 1, 2)
    with pytest.raises(VersionNotFound, match="no committed version 9"):
        diff_versions(session, "shop", 1, 9)
    writer.fail("test")
    session.rollback()
    with pytest.raises(VersionNotCommitted, match="is failed"):
        diff_versions(session, "shop", 2, 1)


def test_a_quarantined_version_is_compared_only_on_request(engine, session):
    commit(engine, [record("a", price="1")])
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("a", price="-1")])
    writer.commit(status="quarantined")
    with pytest.raises(VersionNotCommitted, match="quarantined"):
        diff_versions(session, "shop", 1, 2)
    diff = diff_versions(session, "shop", 1, 2, allow_quarantined=True)
    assert summary(diff)["changed"] == {"a": [("price", "1", "-1")]}


def test_diff_as_dict_is_plain_json(engine, session):
    import json

    commit(engine, [record("a", price="1"), record("b", price="2")])
    commit(engine, [record("a", price="1.5"), record("c", price="3")])
    data = json.loads(json.dumps(diff_versions(session, "shop", 1, 2).as_dict()))
    assert data["counts"] == {"added": 1, "removed": 1, "changed": 1}
    assert data["changed"] == [
        {
            "key": "a",
            "source_url": "https://shop.example/p/a",
            "fields": [{"field": "price", "old": "1", "new": "1.5"}],
        }
    ]
    assert [r["key"] for r in data["added"]] == ["c"]


def test_field_changes_compare_values_not_scores():
    old = {
        "source_url": "u",
        "fields": {
            "price": {"value": "1", "confidence": 0.9, "reasons": ["a"]},
            "name": {"value": "N", "confidence": 0.9},
            "gone": {"value": "x"},
        },
    }
    new = {
        "source_url": "u",
        "fields": {
            "price": {"value": "1", "confidence": 0.2, "reasons": ["b"]},
            "name": {"value": "M", "confidence": 0.9},
            "new": {"value": "y"},
        },
    }
    assert field_changes(record_content(old), record_content(new)) == (
        FieldChange("name", "N", "M"),
        FieldChange("new", None, "y"),
        FieldChange("gone", "x", None),
    )
