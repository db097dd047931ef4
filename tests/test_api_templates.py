"""/api/templates: shipped templates listed read-only; stored ones created, updated as new
versions (old ones kept), deleted; problems reported by line and field path.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

SHOP_V1 = """\
name: shop_products
intent: product
description: Products of one shop
start_urls:
  - https://shop.example/catalogue/
records:
  key: [sku]
fields:
  sku:
    type: string
    required: true
    extract:
      - jsonld: Product.sku
"""
SHOP_V2 = SHOP_V1.replace("Products of one shop", "Products of one shop, with colour") + (
    "  colour:\n    type: string\n    extract:\n      - css: '.colour::text'\n"
)
# Line 5: an unknown field type; line 8: a rule kind that does not exist.
BROKEN = """\
name: broken
intent: custom
fields:
  price:
    type: money
    extract:
      - css: ".price::text"
      - csss: ".price"
"""


def create(api, text: str = SHOP_V1):
    return api.client.post("/api/templates", json={"yaml": text}, headers=api.headers("operator"))


# ------------------------------------------------------------------------------ listing


def test_shipped_templates_are_listed_read_only(api):
    listing = api.client.get("/api/templates", headers=api.headers()).json()
    shipped = {t["name"]: t for t in listing["items"] if t["origin"] == "shipped"}
    assert {"demo_catalogue", "generic_product", "generic_article"} <= set(shipped)
    assert all(t["read_only"] and t["version"] is None for t in shipped.values())
    assert shipped["demo_catalogue"]["intent"] == "product"
    assert listing["total"] == len(listing["items"])


def test_a_shipped_template_reads_with_its_yaml(api):
    response = api.client.get("/api/templates/demo_catalogue", headers=api.headers())
    assert response.status_code == 200
    assert response.json()["yaml"].count("name: demo_catalogue") == 1


@pytest.mark.parametrize(
    ("method", "body"),
    [("PUT", {"yaml": "name: demo_catalogue\nintent: product\n"}), ("DELETE", None)],
)
def test_shipped_templates_cannot_be_changed(api, method, body):
    response = api.client.request(
        method, "/api/templates/demo_catalogue", json=body, headers=api.headers("operator")
    )
    assert response.status_code == 409
    assert "shipped" in response.json()["error"]["message"]
    assert api.client.get("/api/templates/demo_catalogue", headers=api.headers()).status_code == 200


def test_a_stored_template_cannot_take_a_shipped_name(api):
    response = create(api, "name: generic_product\nintent: product\n")
    assert response.status_code == 409
    assert "generic_product" in response.json()["error"]["message"]


def test_stored_and_shipped_templates_list_together_by_name_and_paginate(api):
    create(api)
    everything = api.client.get("/api/templates", headers=api.headers()).json()
    names = [t["name"] for t in everything["items"]]
    assert names == sorted(names) and "shop_products" in names
    page = api.client.get("/api/templates?limit=2&offset=1", headers=api.headers()).json()
    assert [t["name"] for t in page["items"]] == names[1:3]
    assert page["total"] == everything["total"]


# ------------------------------------------------------------------------------ create, update


def test_a_created_template_is_version_1_and_reads_back_as_written(api):
    response = create(api)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["origin"], body["version"]) == ("shop_products", "stored", 1)
    assert body["fields"] == ["sku"] and body["read_only"] is False
    read = api.client.get("/api/templates/shop_products", headers=api.headers()).json()
    assert read["yaml"] == SHOP_V1
    assert read["sha256"] == body["sha256"]


def test_creating_a_name_twice_is_409(api):
    create(api)
    response = create(api)
    assert response.status_code == 409
    assert "update it instead" in response.json()["error"]["message"]


def test_an_update_adds_a_version_and_keeps_the_old_one(api):
    create(api)
    response = api.client.put(
        "/api/templates/shop_products", json={"yaml": SHOP_V2}, headers=api.headers("operator")
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.json()["fields"] == ["sku", "colour"]
    assert response.headers["x-template-version-added"] == "true"
    versions = api.client.get("/api/templates/shop_products/versions", headers=api.headers())
    assert [v["number"] for v in versions.json()] == [1, 2]
    assert all(v["created_by"] == "test-operator" for v in versions.json())
    old = api.client.get("/api/templates/shop_products?version=1", headers=api.headers()).json()
    assert old["yaml"] == SHOP_V1 and old["version"] == 1
    latest = api.client.get("/api/templates/shop_products", headers=api.headers()).json()
    assert latest["yaml"] == SHOP_V2


def test_an_update_with_the_same_text_adds_no_version(api):
    create(api)
    response = api.client.put(
        "/api/templates/shop_products", json={"yaml": SHOP_V1}, headers=api.headers("operator")
    )
    assert response.status_code == 200 and response.json()["version"] == 1
    assert response.headers["x-template-version-added"] == "false"


def test_an_update_cannot_rename(api):
    create(api)
    renamed = SHOP_V1.replace("name: shop_products", "name: other_shop")
    response = api.client.put(
        "/api/templates/shop_products", json={"yaml": renamed}, headers=api.headers("operator")
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["problems"][0]["path"] == "name"


def test_updating_an_unknown_template_is_404_naming_it(api):
    response = api.client.put(
        "/api/templates/nowhere", json={"yaml": SHOP_V1}, headers=api.headers("operator")
    )
    assert response.status_code == 404
    assert "nowhere" in response.json()["error"]["message"]


def test_an_unknown_version_is_404(api):
    create(api)
    response = api.client.get("/api/templates/shop_products?version=9", headers=api.headers())
    assert response.status_code == 404
    assert "version 9" in response.json()["error"]["message"]


# ------------------------------------------------------------------------------ problems


def test_a_broken_template_is_422_with_each_problem_by_line_and_field(api):
    response = create(api, BROKEN)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    where = [(p["line"], p["path"]) for p in error["details"]["problems"]]
    assert (5, "fields.price.type") in where
    assert any(line == 8 and path.startswith("fields.price.extract[1]") for line, path in where)
    listing = api.client.get("/api/templates", headers=api.headers()).json()
    assert "broken" not in [t["name"] for t in listing["items"]]


def test_invalid_yaml_is_422_with_its_line(api):
    response = create(api, "name: x\nfields: [unclosed\n")
    assert response.status_code == 422
    problem = response.json()["error"]["details"]["problems"][0]
    assert problem["line"] == 3 and "invalid YAML" in problem["message"]


def test_a_body_without_yaml_is_422_naming_the_field(api):
    response = api.client.post(
        "/api/templates", json={"text": SHOP_V1}, headers=api.headers("operator")
    )
    assert response.status_code == 422
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert "body.yaml" in fields


def test_validate_reports_problems_without_storing_anything(api):
    headers = api.headers()
    bad = api.client.post("/api/templates/validate", json={"yaml": BROKEN}, headers=headers)
    assert bad.status_code == 200 and bad.json()["valid"] is False
    assert {p["line"] for p in bad.json()["problems"]} >= {5, 8}
    good = api.client.post("/api/templates/validate", json={"yaml": SHOP_V1}, headers=headers)
    assert good.json() == {"valid": True, "name": "shop_products", "problems": []}
    assert api.client.get("/api/templates/shop_products", headers=headers).status_code == 404


# ------------------------------------------------------------------------------ delete, audit


def test_delete_removes_every_version_and_is_audited(api):
    create(api)
    api.client.put(
        "/api/templates/shop_products", json={"yaml": SHOP_V2}, headers=api.headers("operator")
    )
    response = api.client.delete("/api/templates/shop_products", headers=api.headers("operator"))
    assert response.status_code == 204
    headers = api.headers()
    assert api.client.get("/api/templates/shop_products", headers=headers).status_code == 404
    assert (
        api.client.get("/api/templates/shop_products/versions", headers=headers).status_code == 404
    )
    log = api.client.get("/api/audit?entity_type=template&entity_id=shop_products", headers=headers)
    entries = log.json()["items"]
    assert [e["action"] for e in entries] == [
        "template.delete",
        "template.update",
        "template.create",
    ]
    assert all(e["actor"] == "test-operator" for e in entries)
    assert entries[0]["details"]["versions"] == 2


def test_a_deleted_name_can_be_created_again_from_version_1(api):
    create(api)
    api.client.delete("/api/templates/shop_products", headers=api.headers("operator"))
    again = create(api, SHOP_V2)
    assert again.status_code == 201 and again.json()["version"] == 1
