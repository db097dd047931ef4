"""Is the API ready to work: can it reach the store (at the schema this code needs) and, when
Scrapyd nodes are configured, at least one of them?"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dataops_spiders.runner.nodes import NodePool
from dataops_spiders.store.db import check_connection, describe_error
from dataops_spiders.store.errors import StoreUnavailable

OK = "ok"
DOWN = "down"
DEGRADED = "degraded"  # some Scrapyd nodes are down, the others take the work


@dataclass(frozen=True)
class Component:
    status: str
    detail: str = ""


@dataclass
class Readiness:
    components: dict[str, Component] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """down without the store or without any Scrapyd node; degraded when only some nodes
        are down; else ok."""
        store = self.components.get("store", Component(DOWN))
        nodes = [c for name, c in self.components.items() if name.startswith("scrapyd ")]
        if store.status != OK or (nodes and all(node.status != OK for node in nodes)):
            return DOWN
        return OK if all(node.status == OK for node in nodes) else DEGRADED


@functools.cache
def _head_revision() -> str:
    from dataops_spiders.store.migrate import head_revision

    return head_revision()  # reads the migration scripts: once per process is enough


def store_status(engine: Engine) -> Component:
    # Alembic (~10 MB) loads on the first check, not when the API starts.
    from dataops_spiders.store.migrate import current_revision

    try:
        check_connection(engine)
        current = current_revision(engine)
    except StoreUnavailable as exc:
        return Component(DOWN, str(exc))
    except SQLAlchemyError as exc:
        return Component(DOWN, describe_error(exc))
    head = _head_revision()
    if current != head:
        return Component(
            DOWN,
            f"the store's schema is at revision {current or 'none'}, this code needs {head}: "
            "run `dataops db upgrade`",
        )
    return Component(OK)


def node_statuses(pool: NodePool) -> dict[str, Component]:
    """One component per node, "scrapyd <url>", asked in parallel."""
    loads, errors = pool.loads()
    statuses = {
        f"scrapyd {load.client.url}": Component(
            OK, f"{load.running} running, {load.pending} pending"
        )
        for load in loads
    }
    statuses |= {f"scrapyd {error.node}": Component(DOWN, str(error)) for error in errors}
    return {name: statuses[name] for name in sorted(statuses)}


def readiness(engine: Engine, pool: NodePool | None) -> Readiness:
    report = Readiness({"store": store_status(engine)})
    if pool is not None:
        report.components |= node_statuses(pool)
    return report
