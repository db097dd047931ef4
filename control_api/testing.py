"""An API over a throw-away store, with keys of each role, for tests and benchmarks.

api = ApiHarness(sqlite_url(tmp_path / "store.sqlite3"))
api.client.get("/api/datasets", headers=api.headers("viewer"))
api.close()
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from control_api.app import create_app
from control_api.config import ApiSettings
from control_api.services.apikeys import create_key
from dataops_spiders.store import VersionWriter


class ApiHarness:
    def __init__(self, database_url: str, **settings: Any):
        self.settings = ApiSettings(database_url=database_url, **settings)
        self.app = create_app(self.settings)
        self.engine = self.app.state.engine
        self.client = TestClient(self.app)
        self.client.__enter__()  # runs the lifespan: shutdown closes what the app opened
        self._keys: dict[str, str] = {}

    def key(self, role: str) -> str:
        """A plain key of ``role`` (one per role, made on first use, named after the role)."""
        if role not in self._keys:
            self._keys[role] = self.new_key(role, f"test-{role}")
        return self._keys[role]

    def new_key(self, role: str, name: str) -> str:
        with self.app.state.write_sessions() as session:
            issued = create_key(session, role, name)
            session.commit()
        return issued.plain

    def headers(self, role: str = "viewer") -> dict[str, str]:
        return {"X-API-Key": self.key(role)}

    def commit_version(self, dataset: str, records: list[dict[str, Any]]) -> int:
        """Write and commit the next version of ``dataset``; its number."""
        writer = VersionWriter(self.engine)
        number = writer.open(dataset)
        writer.add(records)
        writer.commit()
        return number

    def close(self) -> None:
        self.client.__exit__(None, None, None)
