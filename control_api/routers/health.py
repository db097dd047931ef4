"""Health: liveness (the process answers), readiness (the store and Scrapyd answer). No key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from control_api.schemas.health import ComponentStatus, HealthReport, Liveness
from control_api.services.health import DOWN, readiness

router = APIRouter(prefix="/health", tags=["health"])

NOT_READY = {503: {"model": HealthReport, "description": "The store or every Scrapyd node is down"}}


async def _report(request: Request) -> JSONResponse:
    state = request.app.state
    ready = await run_in_threadpool(readiness, state.engine, state.health_nodes)
    report = HealthReport(
        status=ready.status,
        version=state.version,
        components={
            name: ComponentStatus(status=c.status, detail=c.detail)
            for name, c in ready.components.items()
        },
    )
    status_code = 503 if ready.status == DOWN else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=status_code)


@router.get("", response_model=HealthReport, responses=NOT_READY)
async def health(request: Request) -> JSONResponse:
    """Overall status, version, and each component: the store and every Scrapyd node."""
    return await _report(request)


@router.get("/liveness", response_model=Liveness)
async def liveness() -> Liveness:
    """The process is up and answering (checks nothing else)."""
    return Liveness()


@router.get("/readiness", response_model=HealthReport, responses=NOT_READY)
async def readiness_probe(request: Request) -> JSONResponse:
    """Ready to work: 503, naming what is down, while the store or all Scrapyd nodes are."""
    return await _report(request)
