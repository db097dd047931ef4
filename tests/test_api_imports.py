"""The API never imports Scrapy, Twisted, Playwright or Great Expectations: not when its module
loads, not when the app is built, not when it serves templates, datasets and exports."""

from __future__ import annotations

import json
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
