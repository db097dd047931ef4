"""Every error answers {"error": {"code", "message", "details"}}; an unexpected one gives a
reference to the server log and never a stack trace."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from control_api.testing import ApiHarness
from dataops_spiders.store.testing import sqlite_url


@pytest.fixture
def api(tmp_path):
    harness = ApiHarness(sqlite_url(tmp_path / "store.sqlite3"))
    yield harness
    harness.close()


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code and error["message"]
    return error


def test_an_unknown_path_is_404_in_the_error_shape(api):
    assert_error_shape(api.client.get("/api/nothing-here", headers=api.headers()), 404, "not_found")


def test_a_wrong_method_is_405_in_the_error_shape(api):
    response = api.client.patch("/api/datasets", headers=api.headers())
    assert_error_shape(response, 405, "method_not_allowed")


def test_malformed_json_is_422_in_the_error_shape(api):
    response = api.client.post(
        "/api/templates",
        content=b"{not json",
        headers={**api.headers("operator"), "Content-Type": "application/json"},
    )
    assert_error_shape(response, 422, "validation_error")


def test_an_unexpected_error_is_500_with_a_reference_and_no_trace(api, caplog):
    @api.app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals: /srv/app/config.py line 12")

    client = TestClient(api.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="control_api"):
        response = client.get("/api/boom")
    error = assert_error_shape(response, 500, "internal_error")
    assert "secret internals" not in response.text and "Traceback" not in response.text
    reference = error["details"]["reference"]
    assert any(reference in record.getMessage() for record in caplog.records)


def test_a_broken_store_is_503_without_sql_in_the_answer(api):
    headers = api.headers()
    with api.engine.begin() as connection:
        connection.execute(text("DROP TABLE template_versions"))
    client = TestClient(api.app, raise_server_exceptions=False)
    response = client.get("/api/templates", headers=headers)
    assert_error_shape(response, 503, "store_unavailable")
    assert "template_versions" not in response.text and "SELECT" not in response.text


def test_a_query_parameter_given_twice_is_422_naming_it(api):
    response = api.client.get("/api/audit?actor=alice&actor=bob", headers=api.headers())
    error = assert_error_shape(response, 422, "validation_error")
    assert error["details"]["fields"][0]["field"] == "query.actor"
