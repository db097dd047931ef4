"""/api/templates: shipped templates (read-only) and stored ones (created, updated as new
versions, deleted through the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from control_api.deps import Operator, Pagination, SessionDep, Viewer, WriteSessionDep
from control_api.errors import responses
from control_api.schemas.common import MAX_INT, Page
from control_api.schemas.templates import (
    TemplateCreate,
    TemplateDetail,
    TemplatePublic,
    TemplateUpdate,
    TemplateValidate,
    TemplateValidation,
    TemplateVersionPublic,
)
from control_api.services import templates
from dataops_spiders.templates import IntentTemplate, TemplateError

router = APIRouter(prefix="/templates", tags=["templates"])

# The pattern IntentTemplate.name enforces: a name that breaks it cannot name any template.
_NAME_PATTERN = next(
    m.pattern for m in IntentTemplate.model_fields["name"].metadata if getattr(m, "pattern", None)
)
TemplateName = Annotated[str, Path(pattern=_NAME_PATTERN, description="The template's name.")]


def _public(info: templates.TemplateInfo) -> TemplatePublic:
    return TemplatePublic(
        name=info.name,
        origin=info.origin,
        read_only=info.read_only,
        version=info.version,
        intent=info.intent,
        description=info.description,
        fields=info.fields,
        sha256=info.sha256,
        created_at=info.created_at,
        updated_at=info.updated_at,
    )


def _detail(info: templates.TemplateInfo) -> TemplateDetail:
    return TemplateDetail(**_public(info).model_dump(), yaml=info.text or "")


@router.get("", response_model=Page[TemplatePublic])
def list_templates(session: SessionDep, _key: Viewer, page: Pagination) -> Page[TemplatePublic]:
    """Shipped and stored templates, by name."""
    found = templates.all_templates(session)
    return Page(
        items=[_public(info) for info in page.slice(found)],
        total=len(found),
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/validate", response_model=TemplateValidation)
def validate_template(body: TemplateValidate, _key: Viewer) -> TemplateValidation:
    """Check a template without storing it: every problem with its line and field path."""
    try:
        parsed = templates.validate(body.yaml)
    except TemplateError as exc:
        return TemplateValidation(valid=False, problems=[p.as_dict() for p in exc.problems])
    return TemplateValidation(valid=True, name=parsed.name)


@router.post(
    "",
    response_model=TemplateDetail,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
)
def create_template(
    body: TemplateCreate, session: WriteSessionDep, key: Operator
) -> TemplateDetail:
    """Store a new template (version 1), named by its YAML; 422 lists its problems by line."""
    info = templates.create_template(session, body.yaml, key)
    session.commit()
    return _detail(info)


@router.get("/{name}", response_model=TemplateDetail, responses=responses(404))
def get_template(
    name: TemplateName,
    session: SessionDep,
    _key: Viewer,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="A stored version (default: the latest).")
    ] = None,
) -> TemplateDetail:
    """A template with its YAML."""
    return _detail(templates.get_template(session, name, version))


@router.put("/{name}", response_model=TemplateDetail, responses=responses(404, 409))
def update_template(
    name: TemplateName,
    body: TemplateUpdate,
    session: WriteSessionDep,
    key: Operator,
    response: Response,
) -> TemplateDetail:
    """Store the next version of a template (the earlier ones stay); the same text adds none."""
    info, added = templates.update_template(session, name, body.yaml, key)
    session.commit()
    response.headers["X-Template-Version-Added"] = "true" if added else "false"
    return _detail(info)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 409))
def delete_template(name: TemplateName, session: WriteSessionDep, key: Operator) -> Response:
    """Delete a stored template and its versions (shipped ones are read-only)."""
    templates.delete_template(session, name, key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{name}/versions", response_model=list[TemplateVersionPublic], responses=responses(404)
)
def list_template_versions(
    name: TemplateName, session: SessionDep, _key: Viewer
) -> list[TemplateVersionPublic]:
    """Every version of a stored template, oldest first."""
    return [
        TemplateVersionPublic.model_validate(v) for v in templates.template_versions(session, name)
    ]
