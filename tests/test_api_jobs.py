"""/api/jobs and /api/tasks without a Scrapyd node: jobs are validated, stored, updated and
deleted; running one with no node answering gives 503 and leaves the task queued; tasks filter,
paginate, cancel, retry and refuse what their state forbids. (Runs on real Scrapyd nodes are in
test_api_dispatcher.py.)

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from dataops_spiders.store.models import Task

STORED = """\
name: shop_products
intent: product
start_urls:
  - https://shop.example/catalogue/
fields:
  sku:
    type: string
    extract:
      - jsonld: Product.sku
"""

JOB = {
    "name": "shop nightly",
    "template": "demo_catalogue",
    "start_urls": ["https://shop.example/"],
    "limits": {"max_pages": 50, "max_depth": 2},
    "fetch": {"strategy": "navigation"},
    "dataset": "shop",
}


def create_job(api, **changes):
    response = api.client.post("/api/jobs", json=JOB | changes, headers=api.headers("operator"))
    assert response.status_code == 201, response.text
    return response.json()


def run(api, job_id):
    return api.client.post(f"/api/jobs/{job_id}/run", headers=api.headers("operator"))


def fields_of(response) -> set[str]:
    return {f["field"] for f in response.json()["error"]["details"]["fields"]}


# ------------------------------------------------------------------------------ jobs


def test_a_job_is_created_read_listed_and_audited(api):
    job = create_job(api)
    assert job["template"] == "demo_catalogue" and job["template_version"] is None
    assert job["limits"] == {"max_pages": 50, "max_depth": 2}
    assert job["fetch"] == {"strategy": "navigation", "render": None}  # None: the template's
    assert job["created_by"] == "test-operator"
    read = api.client.get(f"/api/jobs/{job['id']}", headers=api.headers()).json()
    assert read == job
    listing = api.client.get("/api/jobs", headers=api.headers()).json()
    assert [j["id"] for j in listing["items"]] == [job["id"]] and listing["total"] == 1
    audit = api.client.get("/api/audit?entity_type=job", headers=api.headers()).json()
    assert [e["action"] for e in audit["items"]] == ["job.create"]


def test_jobs_list_newest_first_filtered_and_paginated(api):
    ids = [create_job(api, name=f"job {n}", dataset=f"d{n % 2}")["id"] for n in range(5)]
    page = api.client.get("/api/jobs?limit=2&offset=1", headers=api.headers()).json()
    assert [j["id"] for j in page["items"]] == ids[::-1][1:3]
    assert page["total"] == 5
    only = api.client.get("/api/jobs?dataset=d1", headers=api.headers()).json()
    assert {j["name"] for j in only["items"]} == {"job 1", "job 3"}
    named = api.client.get("/api/jobs?name=JOB%204", headers=api.headers()).json()
    assert [j["name"] for j in named["items"]] == ["job 4"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"template": "no_such_template"}, "body.template"),
        ({"template": "demo_catalogue", "template_version": 2}, "body.template_version"),
        ({"template": "generic_product", "start_urls": []}, "body.start_urls"),
        ({"start_urls": ["ftp://shop.example/"]}, "body.start_urls.0"),
        ({"start_urls": ["https://shop.example/a,b"]}, "body.start_urls.0"),
        ({"limits": {"max_pages": 0}}, "body.limits.max_pages"),
        ({"fetch": {"strategy": "everything"}}, "body.fetch.strategy"),
        ({"fetch": {"render": "telepathy"}}, "body.fetch.render"),
        ({"dataset": "no spaces"}, "body.dataset"),
        ({"name": ""}, "body.name"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
def test_a_bad_job_is_refused_naming_the_field(shared_api, changes, field):
    api = shared_api
    response = api.client.post("/api/jobs", json=JOB | changes, headers=api.headers("operator"))
    assert response.status_code == 422, response.text
    assert field in fields_of(response)
    assert api.client.get("/api/jobs", headers=api.headers()).json()["total"] == 0


def test_a_job_may_pin_a_stored_template_version(api):
    operator = api.headers("operator")
    assert api.client.post("/api/templates", json={"yaml": STORED}, headers=operator).is_success
    job = create_job(api, template="shop_products", template_version=1, start_urls=[])
    assert job["template_version"] == 1 and job["start_urls"] == []


def test_reading_needs_a_key_and_writing_needs_the_operator_role(api):
    assert api.client.get("/api/jobs").status_code == 401
    response = api.client.post("/api/jobs", json=JOB, headers=api.headers("viewer"))
    assert response.status_code == 403
    job = create_job(api)
    assert run(api, job["id"]).status_code != 403
    viewer = api.headers("viewer")
    assert api.client.post(f"/api/jobs/{job['id']}/run", headers=viewer).status_code == 403
    assert api.client.delete(f"/api/jobs/{job['id']}", headers=viewer).status_code == 403


def test_an_update_changes_only_what_it_names_and_checks_the_template(api):
    job = create_job(api)
    operator = api.headers("operator")
    response = api.client.patch(
        f"/api/jobs/{job['id']}", json={"limits": {"max_pages": 5}}, headers=operator
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["limits"] == {"max_pages": 5, "max_depth": None}
    assert updated["start_urls"] == job["start_urls"] and updated["name"] == job["name"]
    refused = api.client.patch(
        f"/api/jobs/{job['id']}", json={"template": "gone"}, headers=operator
    )
    assert refused.status_code == 422
    assert api.client.get(f"/api/jobs/{job['id']}", headers=operator).json() == updated


def test_unknown_ids_answer_404_naming_them(api):
    for method, path in [
        ("get", "/api/jobs/999"),
        ("patch", "/api/jobs/999"),
        ("delete", "/api/jobs/999"),
        ("post", "/api/jobs/999/run"),
        ("get", "/api/tasks/999"),
        ("post", "/api/tasks/999/cancel"),
        ("post", "/api/tasks/999/retry"),
        ("delete", "/api/tasks/999"),
        ("get", "/api/tasks/999/log"),
    ]:
        kwargs = {"json": {}} if method == "patch" else {}
        response = getattr(api.client, method)(path, headers=api.headers("operator"), **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        assert "999" in response.json()["error"]["message"]


# ------------------------------------------------------------------------------ no node


def test_running_with_no_node_answers_503_and_keeps_the_task_queued(api):
    job = create_job(api)
    response = run(api, job["id"])
    assert response.status_code == 503
    error = response.json()["error"]
    assert "no Scrapyd node is configured" in error["message"]
    task_id = error["details"]["task_id"]
    task = api.client.get(f"/api/tasks/{task_id}", headers=api.headers()).json()
    assert task["status"] == "queued" and task["node"] is None
    assert "waiting for a Scrapyd node" in task["reason"]
    assert task["job_id"] == job["id"] and task["dataset"] == "shop"
    assert task["arguments"] == {
        "start_urls": ["https://shop.example/"],
        "max_pages": 50,
        "max_depth": 2,
        "strategy": "navigation",
    }
    log = api.client.get(f"/api/tasks/{task_id}/log", headers=api.headers())
    assert log.status_code == 404 and "no log yet" in log.json()["error"]["message"]
    listed = api.client.get(f"/api/jobs/{job['id']}", headers=api.headers()).json()
    assert (listed["last_task_id"], listed["last_task_status"]) == (task_id, "queued")


def test_a_job_s_render_option_becomes_the_crawl_s_fetch_argument(api):
    job = create_job(api, fetch={"render": "browser"})
    task_id = run(api, job["id"]).json()["error"]["details"]["task_id"]
    task = api.client.get(f"/api/tasks/{task_id}", headers=api.headers()).json()
    assert task["arguments"]["fetch"] == "browser"


def test_a_job_with_an_active_task_cannot_be_deleted_until_it_is_cancelled(api):
    job = create_job(api)
    task_id = run(api, job["id"]).json()["error"]["details"]["task_id"]
    operator = api.headers("operator")
    refused = api.client.delete(f"/api/jobs/{job['id']}", headers=operator)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["tasks"] == [task_id]
    assert api.client.delete(f"/api/tasks/{task_id}", headers=operator).status_code == 409

    cancel = api.client.post(f"/api/tasks/{task_id}/cancel", headers=operator)
    assert cancel.status_code == 202 and cancel.json()["status"] == "cancelled"
    again = api.client.post(f"/api/tasks/{task_id}/cancel", headers=operator)
    assert again.status_code == 409

    assert api.client.delete(f"/api/jobs/{job['id']}", headers=operator).status_code == 204
    assert api.client.get(f"/api/jobs/{job['id']}", headers=operator).status_code == 404
    kept = api.client.get(f"/api/tasks/{task_id}", headers=operator).json()
    assert kept["status"] == "cancelled" and kept["job_id"] is None
    assert api.client.delete(f"/api/tasks/{task_id}", headers=operator).status_code == 204
    assert api.client.get(f"/api/tasks/{task_id}", headers=operator).status_code == 404


def test_a_run_refuses_a_template_deleted_since_the_job_was_made(api):
    operator = api.headers("operator")
    api.client.post("/api/templates", json={"yaml": STORED}, headers=operator)
    job = create_job(api, template="shop_products", start_urls=[])
    api.client.delete("/api/templates/shop_products", headers=operator)
    response = run(api, job["id"])
    assert response.status_code == 422
    assert "shop_products" in response.json()["error"]["message"]
    assert api.client.get("/api/tasks", headers=operator).json()["total"] == 0


def test_a_retry_is_a_new_task_with_the_same_arguments(api):
    job = create_job(api)
    operator = api.headers("operator")
    first = run(api, job["id"]).json()["error"]["details"]["task_id"]
    assert api.client.post(f"/api/tasks/{first}/retry", headers=operator).status_code == 409
    api.client.post(f"/api/tasks/{first}/cancel", headers=operator)
    response = api.client.post(f"/api/tasks/{first}/retry", headers=operator)
    assert response.status_code == 503  # no node: the retry waits queued like any task
    retry_id = response.json()["error"]["details"]["task_id"]
    original = api.client.get(f"/api/tasks/{first}", headers=operator).json()
    retry = api.client.get(f"/api/tasks/{retry_id}", headers=operator).json()
    assert retry["retry_of"] == first and retry["status"] == "queued"
    assert retry["arguments"] == original["arguments"]
    assert (retry["template"], retry["dataset"]) == (original["template"], original["dataset"])


# ------------------------------------------------------------------------------ task lists


def test_tasks_filter_by_status_job_kind_and_time_newest_first(api):
    operator = api.headers("operator")
    one, two = create_job(api)["id"], create_job(api, name="other")["id"]
    ids = [run(api, job).json()["error"]["details"]["task_id"] for job in (one, two, one, one)]
    api.client.post(f"/api/tasks/{ids[0]}/cancel", headers=operator)

    def listed(query: str) -> list[int]:
        answer = api.client.get(f"/api/tasks?{query}", headers=api.headers()).json()
        assert answer["total"] >= len(answer["items"])
        return [task["id"] for task in answer["items"]]

    assert listed("") == ids[::-1]
    assert listed(f"job_id={one}") == [ids[3], ids[2], ids[0]]
    assert listed("status=cancelled") == [ids[0]]
    assert listed(f"status=queued&job_id={one}") == [ids[3], ids[2]]
    assert listed("kind=scrape") == []
    assert listed("limit=2&offset=1") == [ids[2], ids[1]]
    with api.app.state.sessions() as session:
        second_created = session.get(Task, ids[1]).created_at
    after = second_created.isoformat().replace("+00:00", "Z")
    assert set(listed(f"created_after={after}")) == set(ids[1:])
    assert listed(f"created_before={after}") == [ids[0]]
    assert api.client.get("/api/tasks?status=done", headers=api.headers()).status_code == 422
    bad_time = api.client.get("/api/tasks?created_after=yesterday", headers=api.headers())
    assert bad_time.status_code == 422 and fields_of(bad_time) == {"query.created_after"}
