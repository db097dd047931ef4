"""API keys: required on every endpoint but health and docs, stored hashed, compared in constant
time, and roles (viewer reads, operator runs and edits, admin manages keys).

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from control_api.models import ApiKey
from control_api.services import apikeys

TEMPLATE = "name: probe\nintent: product\n"


# ------------------------------------------------------------------------------ presenting a key


def test_a_request_without_a_key_is_401_in_the_error_shape(api):
    response = api.client.get("/api/datasets")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert "X-API-Key" in error["message"]


@pytest.mark.parametrize(
    "presented",
    [
        "dok_" + "A" * 43,  # well formed, never issued
        "not-a-key",
        "dok_",
        "",
    ],
)
def test_an_unknown_or_malformed_key_is_401(api, presented):
    api.key("admin")  # a key exists, just not this one
    response = api.client.get("/api/datasets", headers={"X-API-Key": presented})
    assert response.status_code == 401


def test_a_key_with_the_right_prefix_but_wrong_rest_is_401(api):
    real = api.key("admin")
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert api.client.get("/api/datasets", headers={"X-API-Key": forged}).status_code == 401


@pytest.mark.parametrize("style", ["x-api-key", "bearer"])
def test_a_key_is_accepted_in_either_header(api, style):
    key = api.key("viewer")
    headers = {"X-API-Key": key} if style == "x-api-key" else {"Authorization": f"Bearer {key}"}
    assert api.client.get("/api/datasets", headers=headers).status_code == 200


def test_every_endpoint_but_health_and_docs_requires_a_key(api):
    checked = 0
    for path, operations in api.app.openapi()["paths"].items():
        if path.startswith("/health"):
            continue
        concrete = path.replace("{name}", "x").replace("{key_id}", "1")
        for method in operations:
            response = api.client.request(method.upper(), concrete)
            assert response.status_code == 401, f"{method} {path} answered without a key"
            checked += 1
    assert checked >= 12


def test_health_and_docs_answer_without_a_key(api):
    for path in ("/health", "/health/liveness", "/health/readiness", "/openapi.json", "/docs"):
        assert api.client.get(path).status_code == 200, path


# ------------------------------------------------------------------------------ storage


def test_keys_are_stored_as_a_prefix_and_a_sha256_never_in_plain(api):
    plain = api.new_key("operator", "crawler-bot")
    with api.app.state.sessions() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == "crawler-bot"))
        stored = [str(getattr(row, c.name)) for c in ApiKey.__table__.columns]
    assert row.key_sha256 == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith("dok_" + row.prefix)
    assert all(plain not in value for value in stored)


@pytest.mark.parametrize("known_prefix", [True, False])
def test_keys_are_compared_in_constant_time(api, monkeypatch, known_prefix):
    real = api.key("viewer")
    calls = []
    original = apikeys.secrets.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(apikeys.secrets, "compare_digest", spy)
    presented = real[:-1] + ("x" if real[-1] != "x" else "y") if known_prefix else "dok_" + "Z" * 43
    response = api.client.get("/api/datasets", headers={"X-API-Key": presented})
    assert response.status_code == 401
    # Compared even when no row matched, so an unknown prefix costs as much as a wrong key.
    assert calls == [(hashlib.sha256(presented.encode()).hexdigest(), calls[0][1])]


# ------------------------------------------------------------------------------ roles

# (method, path, body, the least role allowed)
ENDPOINTS = [
    ("GET", "/api/templates", None, "viewer"),
    ("GET", "/api/templates/demo_catalogue", None, "viewer"),
    ("POST", "/api/templates/validate", {"yaml": TEMPLATE}, "viewer"),
    ("POST", "/api/templates", {"yaml": TEMPLATE}, "operator"),
    ("PUT", "/api/templates/probe", {"yaml": TEMPLATE}, "operator"),
    ("DELETE", "/api/templates/probe", None, "operator"),
    ("GET", "/api/datasets", None, "viewer"),
    ("GET", "/api/audit", None, "viewer"),
    ("GET", "/api/keys", None, "admin"),
    ("POST", "/api/keys", {"name": "x", "role": "viewer"}, "admin"),
    ("DELETE", "/api/keys/999", None, "admin"),
]
ORDER = ["viewer", "operator", "admin"]


@pytest.mark.parametrize(("method", "path", "body", "least"), ENDPOINTS)
def test_each_role_can_do_exactly_what_it_should(api, method, path, body, least):
    for role in ORDER:
        response = api.client.request(method, path, json=body, headers=api.headers(role))
        if ORDER.index(role) < ORDER.index(least):
            assert response.status_code == 403, (role, method, path)
            error = response.json()["error"]
            assert error["code"] == "forbidden" and least in error["message"]
        else:
            assert response.status_code not in (401, 403), (role, method, path, response.text)


# ------------------------------------------------------------------------------ managing keys


def test_an_admin_creates_a_key_that_is_shown_once_and_works(api):
    created = api.client.post(
        "/api/keys", json={"name": "dashboard", "role": "viewer"}, headers=api.headers("admin")
    )
    assert created.status_code == 201
    plain = created.json()["key"]
    assert api.client.get("/api/datasets", headers={"X-API-Key": plain}).status_code == 200
    listing = api.client.get("/api/keys", headers=api.headers("admin"))
    assert plain not in listing.text
    dashboard = next(k for k in listing.json()["items"] if k["name"] == "dashboard")
    assert dashboard["role"] == "viewer" and dashboard["created_by"] == "test-admin"
    assert plain.startswith(dashboard["prefix"].rstrip("…"))


def test_a_revoked_key_is_refused_at_once(api):
    plain = api.new_key("operator", "leaked")
    assert api.client.get("/api/datasets", headers={"X-API-Key": plain}).status_code == 200
    key_id = next(
        k["id"]
        for k in api.client.get("/api/keys", headers=api.headers("admin")).json()["items"]
        if k["name"] == "leaked"
    )
    revoked = api.client.delete(f"/api/keys/{key_id}", headers=api.headers("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = api.client.get("/api/datasets", headers={"X-API-Key": plain})
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_the_last_admin_key_cannot_be_revoked(api):
    admin_id = next(
        k["id"]
        for k in api.client.get("/api/keys", headers=api.headers("admin")).json()["items"]
        if k["role"] == "admin"
    )
    response = api.client.delete(f"/api/keys/{admin_id}", headers=api.headers("admin"))
    assert response.status_code == 409
    assert "last active admin key" in response.json()["error"]["message"]
    assert api.client.get("/api/keys", headers=api.headers("admin")).status_code == 200


def test_revoking_an_unknown_key_is_404_naming_it(api):
    response = api.client.delete("/api/keys/4242", headers=api.headers("admin"))
    assert response.status_code == 404
    assert "4242" in response.json()["error"]["message"]


def test_a_key_with_an_unknown_role_is_422_naming_the_field(api):
    response = api.client.post(
        "/api/keys", json={"name": "x", "role": "root"}, headers=api.headers("admin")
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"][0]["field"] == "body.role"


def test_key_creation_and_revocation_are_audited_with_the_admin_name(api):
    headers = api.headers("admin")
    created = api.client.post("/api/keys", json={"name": "ci", "role": "operator"}, headers=headers)
    api.client.delete(f"/api/keys/{created.json()['id']}", headers=headers)
    entries = api.client.get("/api/audit?entity_type=apikey&actor=test-admin", headers=headers)
    actions = [(e["action"], e["entity_id"]) for e in entries.json()["items"]]
    key_id = str(created.json()["id"])
    assert actions[:2] == [("apikey.revoke", key_id), ("apikey.create", key_id)]
    assert created.json()["key"] not in entries.text


def test_an_empty_store_gets_one_bootstrap_admin_key(api):
    with api.app.state.write_sessions() as session:
        issued = apikeys.bootstrap_admin_key(session)
        session.commit()
        assert apikeys.bootstrap_admin_key(session) is None
    assert issued.record.role == "admin"
    assert api.client.get("/api/keys", headers={"X-API-Key": issued.plain}).status_code == 200
