"""Plain `scrapyd-deploy` with scrapy.cfg's [deploy:local] target, then a crawl by schedule.json.

scrapyd-deploy builds in the project folder (and leaves build/, *.egg-info and a generated
setup.py there), so it runs on a copy of the project: the same files a checkout has, the
shipped-templates link included, with the target's URL pointed at a test node.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from dataops_spiders.runner.egg import PROJECT_ROOT
from dataops_spiders.runner.embedded import EmbeddedScrapyd
from dataops_spiders.runner.testing import crawl_args, summary_numbers, wait_for_state
from dataops_spiders.store import latest_committed, make_engine
from dataops_spiders.store.testing import sqlite_url

PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "README.md")
PROJECT_DIRS = ("dataops_spiders", "pipelines", "templates")
SCRAPYD_DEPLOY = Path(sys.executable).with_name("scrapyd-deploy")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def node(request, tmp_path_factory):
    """A node whose crawls write a SQLite store, or a PostgreSQL one (`.store_url`)."""
    data = tmp_path_factory.mktemp("scrapyd-deploy")
    if request.param == "sqlite":
        store_url = sqlite_url(data / "store.sqlite3")
    else:
        store_url = request.getfixturevalue("postgres").create()
    job_env = {"DATAOPS_DATA_DIR": str(data / "store"), "DATABASE_URL": store_url}
    with EmbeddedScrapyd(data / "node", job_env=job_env, deploy=False) as scrapyd:
        scrapyd.store_url = store_url
        yield scrapyd


def checkout_copy(target: Path) -> Path:
    target.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(PROJECT_ROOT / name, target / name)
    for name in PROJECT_DIRS:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(PROJECT_ROOT / name, target / name, symlinks=True, ignore=ignore)
    return target


def point_deploy_target(cfg_path: Path, node: EmbeddedScrapyd) -> None:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(cfg_path)
    cfg["deploy:local"]["url"] = node.url
    cfg["deploy:local"]["username"] = node.username
    cfg["deploy:local"]["password"] = node.password
    with cfg_path.open("w") as out:
        cfg.write(out)


def test_the_project_s_deploy_target_deploys_project_dataops():
    cfg = configparser.ConfigParser()
    cfg.read(PROJECT_ROOT / "scrapy.cfg")
    assert cfg["deploy:local"]["project"] == "dataops"
    assert cfg["settings"]["default"] == "dataops_spiders.settings"


def test_scrapyd_deploy_then_schedule_json_runs_a_crawl(node, fixture_site, tmp_path):
    project = checkout_copy(tmp_path / "checkout")
    assert (project / "dataops_spiders" / "shipped_templates").is_symlink()
    point_deploy_target(project / "scrapy.cfg", node)

    deploy = subprocess.run(
        [str(SCRAPYD_DEPLOY), "local", "--version", "1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, deploy.stderr
    assert '"spiders": 1' in deploy.stdout
    assert node.password not in deploy.stdout + deploy.stderr

    # the uploaded egg carries the templates and the settings entry point Scrapyd reads
    with zipfile.ZipFile(node.data_dir / "eggs" / "dataops" / "1.egg") as egg:
        names = egg.namelist()
        assert "dataops_spiders/shipped_templates/demo_catalogue.yml" in names
        assert (
            "settings = dataops_spiders.settings" in egg.read("EGG-INFO/entry_points.txt").decode()
        )

    # the template is found by name inside the egg: the node's folder has no templates/
    run_dir = tmp_path / "run"
    job = node.client.schedule(
        "dataops", "intent", args=crawl_args(fixture_site.url, run_dir, max_pages=20), settings={}
    )
    wait_for_state(node.client, job)
    numbers = summary_numbers(node.client.log("dataops", "intent", job, tail_bytes=6000) or "")
    assert numbers.get("records", 0) > 0
    assert (run_dir / "records.jsonl").read_text().count("\n") == numbers["records"]

    # ... and the records are a committed version of the dataset, in the node's store
    engine = make_engine(node.store_url)
    try:
        with engine.connect() as connection, Session(connection) as session:
            version = latest_committed(session, "demo_catalogue")
            assert version is not None and version.summary["records"] == numbers["records"]
    finally:
        engine.dispose()
