"""One router per resource; ``api_router`` gathers those under /api (every one needs a key)."""

from fastapi import APIRouter, Depends

from control_api.deps import single_query_values
from control_api.errors import responses
from control_api.routers import (
    audit,
    datasets,
    export,
    hitl,
    jobs,
    keys,
    pipeline,
    robots,
    scrape,
    sources,
    tasks,
    templates,
)

# Any /api call may send a body that does not parse (400), lack a key (401) or a role (403),
# send invalid input (422), or find the store down (503).
api_router = APIRouter(
    prefix="/api",
    dependencies=[Depends(single_query_values)],
    responses=responses(400, 401, 403, 422, 503),
)
for module in (
    templates,
    jobs,
    tasks,
    scrape,
    pipeline,
    robots,
    sources,
    datasets,
    export,
    audit,
    hitl,
    keys,
):
    api_router.include_router(module.router)
