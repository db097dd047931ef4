"""The API never imports Scrapy, Twisted, Playwright or Great Expectations: not when its module
loads, not when the app is built, not when it serves templates, datasets and exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = (
    "scrapy",
    "twisted",
    "playwright",
    "scrapy_playwright",
    "great_expectations",
    "scrapyd",
)

PROBE = """
import json, sys, tempfile
from pathlib import Path
import control_api.app
from control_api.testing import ApiHarness
from dataops_spiders.store.testing import sqlite_url

with tempfile.TemporaryDirectory() as folder:
    api = ApiHarness(sqlite_url(Path(folder) / "store.sqlite3"))
    api.commit_version("shop", [{"record_key": "A", "source_url": "https://shop.example/a",
                                  "fields": {"title": {"value": "Kettle", "confidence": 0.9}}}])
    headers = api.headers("operator")
    for path in ("/health", "/api/templates", "/api/templates/demo_catalogue",
                 "/api/datasets", "/api/export?dataset=shop&format=xlsx", "/api/audit"):
        assert api.client.get(path, headers=headers).status_code == 200, path
    posted = api.client.post("/api/templates/validate", headers=headers,
                             json={"yaml": "name: p\\nintent: product\\n"})
    assert posted.json()["valid"], posted.text
    api.close()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_api_imports_none_of_the_crawl_stack():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "fastapi" in loaded and "sqlalchemy" in loaded  # the probe did run the app
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_building_the_app_with_scrapyd_nodes_does_not_import_httpx(tmp_path):
    # httpx loads its CLI (rich, pygments) on import: the API imports it when it first calls
    # a node, not when it builds a client for each configured one.
    probe = (
        "import json, sys\n"
        "from control_api.app import create_app\n"
        "create_app()\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {
        **os.environ,
        "DATAOPS_SCRAPYD_URLS": "http://127.0.0.1:9/,http://127.0.0.1:10/",
        "DATAOPS_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "fastapi" in loaded and "httpx" not in loaded and "rich" not in loaded
