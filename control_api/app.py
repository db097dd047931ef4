"""The control API application: ``uvicorn --factory control_api.app:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from sqlalchemy import Engine

import control_api.models  # noqa: F401 - the API's tables join the store's metadata
from control_api.config import ApiSettings
from control_api.errors import install_error_handlers
from control_api.routers import api_router, health
from control_api.services.dispatcher import Dispatcher
from control_api.services.nodes import node_pool
from dataops_spiders.store.db import make_engine, make_session_factory, make_write_session_factory

DESCRIPTION = """Drive DataOps Spiders: templates, jobs and their tasks on Scrapyd, one-page
scrapes, datasets, exports and the audit log.

Every endpoint but `/health*` and these docs needs an API key, sent as `X-API-Key: KEY` or
`Authorization: Bearer KEY` (`dataops apikey create --role viewer|operator|admin`). Errors
answer `{"error": {"code", "message", "details"}}`.
"""


def _version() -> str:
    try:
        return version("dataops-spiders")
    except PackageNotFoundError:
        return "unknown"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Tasks are scheduled and kept true only where there are nodes to schedule them on.
    dispatcher = app.state.dispatcher if app.state.nodes is not None else None
    if dispatcher is not None and app.state.settings.dispatch:
        dispatcher.start()
    yield
    if dispatcher is not None:
        dispatcher.stop()
    for pool in (app.state.nodes, app.state.health_nodes):
        if pool is not None:
            pool.close()
    if app.state.owns_engine:
        app.state.engine.dispose()


def create_app(settings: ApiSettings | None = None, engine: Engine | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment). Nothing connects yet: the
    store and Scrapyd are first reached by a request."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="DataOps Spiders control API",
        version=_version(),
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.version = app.version
    app.state.owns_engine = engine is None
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.sessions = make_session_factory(app.state.engine)
    app.state.write_sessions = make_write_session_factory(app.state.engine)
    app.state.nodes = node_pool(settings)
    app.state.health_nodes = node_pool(settings, timeout=settings.health_timeout)
    app.state.dispatcher = Dispatcher(app.state.write_sessions, app.state.nodes, settings)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_router)
    return app
