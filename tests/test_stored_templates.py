"""Templates stored through the control API are usable by any crawl: `-a template=NAME` finds a
file, then a shipped template, then the store (latest version, or `-a template_version=N`).
Real `scrapy crawl` runs on SQLite and PostgreSQL; the run records what ran."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from dataops_spiders.demo_site import content
from dataops_spiders.store import make_engine, make_session_factory
from dataops_spiders.store.db import write_session
from dataops_spiders.store.models import Run, StoredTemplate, TemplateVersion
from dataops_spiders.store.templates import (
    TemplateNotStored,
    TemplateVersionMissing,
    read_stored_template,
)
from dataops_spiders.templates import PROJECT_ROOT, parse_template
from tests.crawling import crawl

NAME = "stored_catalogue"
DEMO = (PROJECT_ROOT / "templates" / "demo_catalogue.yml").read_text(encoding="utf-8")


def version_text(number: int) -> str:
    """The demo template under another name; each version has its own description."""
    text = DEMO.replace("name: demo_catalogue", f"name: {NAME}", 1)
    return text.replace(
        "description: Products of the Harbor & Pine demo shop, keyed by SKU.",
        f"description: Stored version {number} of the demo catalogue.",
        1,
    )


def store_template(store_url: str, versions: int) -> None:
    """As the control API stores it: a template row and its versions."""
    engine = make_engine(store_url)
    try:
        with write_session(engine) as session:
            template = StoredTemplate(name=NAME, latest_version=versions)
            session.add(template)
            session.flush()
            for number in range(1, versions + 1):
                text = version_text(number)
                parsed = parse_template(text)
                session.add(
                    TemplateVersion(
                        template_id=template.id,
                        number=number,
                        text=text,
                        sha256=hashlib.sha256(text.encode()).hexdigest(),
                        intent=parsed.intent,
                        description=parsed.description,
                        fields=list(parsed.fields),
                    )
                )
    finally:
        engine.dispose()


def last_run(store_url: str) -> Run:
    engine = make_engine(store_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalars(select(Run).order_by(Run.id.desc())).first()
    finally:
        engine.dispose()


def a_product_url(site_url: str) -> str:
    return site_url.rstrip("/") + content.catalogue("small", 1).products[0].path


def run_stored(store_url: str, site_url: str, run_dir, *args: str):
    return crawl(
        NAME,
        run_dir,
        "strategy=direct_item",
        *args,
        start_urls=a_product_url(site_url),
        settings={"DATAOPS_DATABASE_URL": store_url},
    )


def test_a_crawl_runs_the_latest_version_of_a_stored_template(store_url, fixture_site, tmp_path):
    store_template(store_url, versions=2)

    done = run_stored(store_url, fixture_site.url, tmp_path / "run")

    assert done.returncode == 0, done.log[-3000:]
    assert done.summary["dataset_version_state"] == "committed"
    assert len(done.records) == 1 and done.records[0]["template"] == NAME
    run = last_run(store_url)
    assert run.template_name == NAME
    assert run.template_text == version_text(2)
    assert run.template_sha256 == hashlib.sha256(version_text(2).encode()).hexdigest()
    assert run.arguments["template_source"] == f"store:{NAME}@v2"
    assert run.arguments["template_version"] == 2


def test_template_version_picks_an_older_version(store_url, fixture_site, tmp_path):
    store_template(store_url, versions=2)

    done = run_stored(store_url, fixture_site.url, tmp_path / "run", "template_version=1")

    assert done.returncode == 0, done.log[-3000:]
    run = last_run(store_url)
    assert run.template_text == version_text(1)
    assert run.arguments["template_source"] == f"store:{NAME}@v1"


def test_a_pinned_version_is_the_stored_one_even_beside_a_file_of_that_name(
    store_url, fixture_site, tmp_path, monkeypatch
):
    # The API pins a version on every task; a node with a template file of the same name
    # must still run what the API stored.
    store_template(store_url, versions=2)
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / f"{NAME}.yml").write_text(version_text(99), encoding="utf-8")
    monkeypatch.setenv("DATAOPS_TEMPLATE_DIRS", str(folder))

    done = run_stored(store_url, fixture_site.url, tmp_path / "run", "template_version=2")

    assert done.returncode == 0, done.log[-3000:]
    assert last_run(store_url).template_text == version_text(2)


def test_a_version_that_does_not_exist_is_one_line_naming_those_that_do(
    store_url, fixture_site, tmp_path
):
    store_template(store_url, versions=2)

    done = run_stored(store_url, fixture_site.url, tmp_path / "run", "template_version=7")

    assert done.returncode == 2
    last = done.log.strip().splitlines()[-1]
    assert last.endswith(f"template '{NAME}' has no version 7 (versions: 1, 2)")
    assert "Traceback" not in done.log
    assert last_run(store_url) is None  # stopped before a crawler started


def test_a_name_found_nowhere_says_where_it_looked(store_url, tmp_path):
    done = crawl(
        "no_such_template",
        tmp_path / "run",
        settings={"DATAOPS_DATABASE_URL": store_url},
    )
    assert done.returncode == 2
    assert "no template by that name in" in done.log
    assert done.log.strip().endswith("nor in the store")


def test_template_version_is_refused_for_a_shipped_template(tmp_path):
    done = crawl("demo_catalogue", tmp_path / "run", "template_version=2")
    assert done.returncode == 2
    assert "-a template_version= is for templates stored through the API" in done.log
    assert "Traceback" not in done.log


def test_an_unreachable_store_is_named_when_a_name_is_not_found_on_disk(tmp_path):
    done = crawl(
        "no_such_template",
        tmp_path / "run",
        settings={"DATAOPS_DATABASE_URL": "postgresql://bob:s3cret@127.0.0.1:9/none"},
    )
    assert done.returncode == 2
    assert "the store could not be searched" in done.log
    assert "postgresql://bob:***@127.0.0.1:9/none" in done.log
    assert "s3cret" not in done.log


def test_reading_a_stored_template_directly(store_url):
    with pytest.raises(TemplateNotStored):
        read_stored_template(NAME, url=store_url)
    store_template(store_url, versions=3)
    latest = read_stored_template(NAME, url=store_url)
    assert (latest.version, latest.text) == (3, version_text(3))
    assert read_stored_template(NAME, 2, url=store_url).text == version_text(2)
    with pytest.raises(TemplateVersionMissing, match=r"versions: 1, 2, 3"):
        read_stored_template(NAME, 4, url=store_url)


def test_a_scrapyd_crawl_runs_a_stored_template_and_reports_to_its_task(
    store_url, fixture_site, tmp_path
):
    """The same from the deployed egg: no templates folder, only the store in the environment."""
    from dataops_spiders.runner.embedded import EmbeddedScrapyd
    from dataops_spiders.runner.testing import crawl_args, project_egg, wait_for_state
    from tests.task_rows import new_task, read_task

    store_template(store_url, versions=2)
    task_id = new_task(store_url)
    job_env = {"DATABASE_URL": store_url, "DATAOPS_DATA_DIR": str(tmp_path / "node-data")}
    with EmbeddedScrapyd(tmp_path / "node", job_env=job_env, egg=project_egg()) as scrapyd:
        args = crawl_args(
            a_product_url(fixture_site.url),
            tmp_path / "run",
            NAME,
            template_version="1",
            task=str(task_id),
            strategy="direct_item",
        )
        job = scrapyd.client.schedule("dataops", "intent", args=args, settings={})
        wait_for_state(scrapyd.client, job)
        log = scrapyd.client.log("dataops", "intent", job) or ""
    task = read_task(store_url, task_id)
    assert task.status == "finished", f"{task.reason}\n{log[-3000:]}"
    assert task.dataset_version == 1 and task.progress["records"] == 1
    run = last_run(store_url)
    assert run.id == task.run_id and run.template_text == version_text(1)
