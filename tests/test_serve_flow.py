"""The README's "done when", end to end, as a user does it with curl: `dataops serve`, then a
key, a template, a job; run it, watch the task finish, read and export its version; run it
again on the next edition of the site, compare the two versions, review a low-confidence
field. Real processes throughout (serve, embedded Scrapyd, crawls), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pytest

from dataops_spiders.demo_site import content
from tests.serving import ROOT, ServeProcess

TEMPLATE = "flow_catalogue"
ENDED = ("finished", "failed", "cancelled")


def run_and_wait(api: httpx.Client, job_id: int, timeout: float = 300) -> dict:
    """Run the job; poll its task until it ends; the task as the API shows it then."""
    started = api.post(f"/api/jobs/{job_id}/run")
    assert started.status_code == 202, started.text
    task = started.json()
    assert task["status"] in ("queued", "running")  # answered at once, before the crawl
    deadline = time.monotonic() + timeout
    while task["status"] not in ENDED:
        if time.monotonic() > deadline:
            log = api.get(f"/api/tasks/{task['id']}/log", params={"tail": 4000}).text
            raise AssertionError(f"task {task['id']} still {task['status']}:\n{log}")
        time.sleep(1)
        task = api.get(f"/api/tasks/{task['id']}").json()
    return task


@pytest.mark.timeout(900)
def test_serve_then_key_template_job_runs_export_compare_and_review(
    store_url, tmp_path, fixture_site
):
    with ServeProcess(store_url, tmp_path / "data") as serve:
        admin = httpx.Client(
            base_url=serve.url, headers={"X-API-Key": serve.key}, trust_env=False, timeout=60
        )
        created = admin.post("/api/keys", json={"name": "flow", "role": "operator"})
        assert created.status_code == 201, created.text
        api = httpx.Client(
            base_url=serve.url,
            headers={"Authorization": f"Bearer {created.json()['key']}"},
            trust_env=False,
            timeout=60,
        )

        text = (ROOT / "templates" / "demo_catalogue.yml").read_text()
        text = text.replace("name: demo_catalogue", f"name: {TEMPLATE}")
        text = text.replace("http://127.0.0.1:8000/", fixture_site.url)
        template = api.post("/api/templates", json={"yaml": text})
        assert template.status_code == 201, template.text

        job = api.post(
            "/api/jobs",
            json={"name": "flow", "template": TEMPLATE, "start_urls": [fixture_site.url]},
        )
        assert job.status_code == 201, job.text
        job_id = job.json()["id"]

        first = run_and_wait(api, job_id)
        assert first["status"] == "finished", first
        assert first["dataset_version"] == 1
        assert first["progress"]["records"] == 300

        versions = api.get(f"/api/datasets/{TEMPLATE}/versions").json()["items"]
        assert [(v["number"], v["records"]) for v in versions] == [(1, 300)]

        export = api.get("/api/export", params={"dataset": TEMPLATE, "version": 1, "format": "csv"})
        assert export.status_code == 200
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert len(rows) == 300
        assert all(row["source_url"].startswith(fixture_site.url) for row in rows)

        fixture_site.set_edition(2)
        try:
            second = run_and_wait(api, job_id)
        finally:
            fixture_site.set_edition(1)
        assert second["status"] == "finished", second
        assert second["dataset_version"] == 2

        expected = content.edition_diff()
        compared = api.get("/api/audit/compare", params={"dataset": TEMPLATE, "a": 1, "b": 2})
        assert compared.status_code == 200, compared.text
        counts = compared.json()["counts"]
        assert (counts["added"], counts["removed"], counts["changed"]) == (
            len(expected["added"]),
            len(expected["removed"]),
            len(expected["changed"]),
        )
        assert (counts["added"], counts["removed"], counts["changed"]) == (2, 2, 5)

        queue = api.get("/api/hitl", params={"dataset": TEMPLATE, "field": "price"}).json()
        assert queue["total"] > 0  # the products without markup score low on price
        review = queue["items"][0]
        assert review["confidence"] < 0.7
        corrected = api.post(
            f"/api/hitl/{review['id']}/correct", json={"value": "19.99", "note": "checked"}
        )
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["status"] == "corrected"
        assert api.get(f"/api/hitl/{review['id']}").json()["decided_by"] == "flow"
