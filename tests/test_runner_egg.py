"""The project egg: what it carries, that building it leaves the work tree alone, and that the
shipped templates load from inside it (zipped, as Scrapyd runs it)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dataops_spiders.runner.egg import PROJECT_ROOT, EggBuildError, build_egg, egg_version
from dataops_spiders.runner.testing import project_egg
from dataops_spiders.templates import list_templates

SHIPPED = sorted(
    p.name for p in (PROJECT_ROOT / "templates").iterdir() if p.suffix in (".yml", ".yaml")
)
BUILD_LEFTOVERS = re.compile(r"^(build|dist|setup\.py|.*\.egg-info)$")


@pytest.fixture(scope="module")
def egg() -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(project_egg()))


def test_the_egg_carries_the_code_of_every_package(egg):
    names = set(egg.namelist())
    for package in ("dataops_spiders", "pipelines"):
        for source in (PROJECT_ROOT / package).rglob("*.py"):
            assert source.relative_to(PROJECT_ROOT).as_posix() in names


def test_the_egg_carries_the_shipped_templates(egg):
    inside = sorted(
        Path(n).name for n in egg.namelist() if n.startswith("dataops_spiders/shipped_templates/")
    )
    assert SHIPPED and inside == SHIPPED
    text = egg.read("dataops_spiders/shipped_templates/demo_catalogue.yml").decode()
    assert text == (PROJECT_ROOT / "templates" / "demo_catalogue.yml").read_text()


def test_the_egg_names_the_settings_module_for_scrapyd(egg):
    entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = dataops_spiders.settings" in entry_points


def test_the_egg_leaves_out_tests_and_caches(egg):
    assert not [n for n in egg.namelist() if n.startswith("tests/") or "__pycache__" in n]


def test_building_leaves_nothing_in_the_work_tree():
    def leftovers():
        found = {}
        for name in os.listdir(PROJECT_ROOT):
            if BUILD_LEFTOVERS.match(name):
                found[name] = (PROJECT_ROOT / name).stat().st_mtime_ns
        return found

    before = leftovers()
    build_egg()
    assert leftovers() == before


def test_templates_load_by_name_from_inside_the_zipped_egg(tmp_path):
    egg_path = tmp_path / "dataops.egg"
    egg_path.write_bytes(project_egg())
    probe = f"""
import json, sys
sys.path.insert(0, {str(egg_path)!r})
import dataops_spiders
from dataops_spiders.templates import list_templates, load_template
found = list_templates()
print(json.dumps({{
    "package": dataops_spiders.__file__,
    "names": [p.name for p in found],
    "by_name": load_template("demo_catalogue").name,
    "by_listed_location": load_template(found[0]).name,
    "source": load_template("generic_product").source,
}}))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATAOPS_TEMPLATE_DIRS", "PYTHONPATH")}
    # in an empty folder: no templates/ beside it, only what the egg carries
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["package"].startswith(str(egg_path))
    assert sorted(answer["names"]) == SHIPPED
    assert answer["by_name"] == "demo_catalogue"
    assert answer["by_listed_location"] == Path(SHIPPED[0]).stem
    assert answer["source"].startswith(str(egg_path))  # errors would name the file in the egg


def test_in_the_work_tree_each_template_is_listed_once():
    stems = [p.stem for p in list_templates()]
    assert len(stems) == len(set(stems))
    assert sorted(p.name for p in list_templates()) == SHIPPED


def test_the_version_starts_with_the_time_so_the_latest_deploy_sorts_last(tmp_path):
    version = egg_version()
    assert re.fullmatch(r"\d{10}-[A-Za-z0-9_-]+", version), version  # a git checkout
    assert re.fullmatch(r"\d{10}", egg_version(tmp_path))  # no git: the time alone
    assert sorted([version, "1000000000-old"])[-1] == version


def test_an_egg_is_built_only_from_a_source_tree(tmp_path):
    with pytest.raises(EggBuildError, match=r"no pyproject\.toml"):
        build_egg(tmp_path)
