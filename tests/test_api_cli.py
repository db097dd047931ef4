"""`dataops apikey create|list|revoke` (control_api.cli): a key printed once that works against
the API, listings without keys, revocation, and refusals as one clear line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from control_api.cli import apikey
from control_api.testing import ApiHarness
from dataops_spiders.store.migrate import upgrade


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty SQLite store named by DATABASE_URL, as `dataops` finds it."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(*args: str):
    return CliRunner().invoke(apikey, list(args), catch_exceptions=False)


def created_key(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_create_on_an_empty_store_prints_a_key_that_works_against_the_api(store):
    plain = created_key(run("create", "--role", "operator", "--name", "ci"))
    assert plain.startswith("dok_")
    api = ApiHarness(store)
    try:
        response = api.client.get("/api/audit", headers={"Authorization": f"Bearer {plain}"})
        assert response.status_code == 200
        entry = response.json()["items"][0]
        assert (entry["actor"], entry["action"]) == ("cli", "apikey.create")
    finally:
        api.close()


def test_list_shows_prefixes_never_keys(store):
    plain = created_key(run("create", "--role", "admin", "--name", "root"))
    listed = run("list", "--json")
    assert plain not in listed.output
    (row,) = json.loads(listed.output)
    assert (row["name"], row["role"], row["revoked_at"]) == ("root", "admin", None)
    assert plain.startswith(row["prefix"].rstrip("…"))
    assert "root" in run("list").output


def test_revoke_by_prefix_then_the_key_is_refused(store):
    created_key(run("create", "--role", "admin", "--name", "root"))
    plain = created_key(run("create", "--role", "viewer", "--name", "dashboard"))
    prefix = next(
        r["prefix"] for r in json.loads(run("list", "--json").output) if r["name"] == "dashboard"
    )
    result = run("revoke", prefix)
    assert result.exit_code == 0 and "revoked key 2 (dashboard)" in result.output
    assert json.loads(run("list", "--json", "--active").output)[0]["name"] == "root"
    api = ApiHarness(store)
    try:
        assert api.client.get("/api/datasets", headers={"X-API-Key": plain}).status_code == 401
    finally:
        api.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--role", "root", "--name", "x"], "Invalid value for '--role'"),
        (["create", "--role", "admin", "--name", "  "], "needs a name"),
        (["revoke", "99"], "no API key '99'"),
        (["revoke", "1"], "last active admin key"),
    ],
)
def test_refusals_are_one_clear_line(store, args, message):
    created_key(run("create", "--role", "admin", "--name", "root"))
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_outdated_store_is_not_migrated_behind_your_back(store):
    upgrade(store, "0001")
    result = run("create", "--role", "admin", "--name", "root")
    assert result.exit_code != 0
    assert "dataops db upgrade" in result.output
