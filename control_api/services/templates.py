"""Intent templates seen through the API: the shipped ones (read-only files) and the ones
created through the API (stored, versioned: an update adds a version, none is ever rewritten).

A stored template may not take a shipped template's name: a name means one template.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from control_api.errors import Conflict, NotFound, Unprocessable
from control_api.identity import Principal
from control_api.services import audit
from dataops_spiders.store.models import StoredTemplate, TemplateVersion, utcnow
from dataops_spiders.templates import (
    IntentTemplate,
    TemplateError,
    list_templates,
    parse_template,
)

logger = logging.getLogger(__name__)

SHIPPED = "shipped"
STORED = "stored"
API_SOURCE = "<api>"  # the "file" that problems of a posted template name


@dataclass
class TemplateInfo:
    name: str
    origin: str  # shipped | stored
    version: int | None  # stored: the latest version number
    intent: str
    description: str
    fields: list[str]
    sha256: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    text: str | None = field(default=None, repr=False)

    @property
    def read_only(self) -> bool:
        return self.origin == SHIPPED


def validate(text: str) -> IntentTemplate:
    """The parsed template; TemplateError lists every problem with its line and field path."""
    return parse_template(text, API_SOURCE)


def parse_or_422(text: str) -> IntentTemplate:
    """The parsed template; 422 listing every problem with its line and field path."""
    try:
        return validate(text)
    except TemplateError as exc:
        raise Unprocessable(
            f"the template has {len(exc.problems)} problem(s): {exc.problems[0]}",
            {"problems": [problem.as_dict() for problem in exc.problems]},
        ) from None


def _info_of_parsed(template: IntentTemplate, origin: str, text: str) -> TemplateInfo:
    return TemplateInfo(
        name=template.name,
        origin=origin,
        version=None,
        intent=template.intent,
        description=template.description,
        fields=list(template.fields),
        sha256=template.content_hash,
        text=text,
    )


def _info_of_stored(template: StoredTemplate, version: TemplateVersion) -> TemplateInfo:
    return TemplateInfo(
        name=template.name,
        origin=STORED,
        version=version.number,
        intent=version.intent,
        description=version.description,
        fields=list(version.fields),
        sha256=version.sha256,
        created_at=template.created_at,
        updated_at=template.updated_at,
        text=version.text,
    )


def shipped() -> dict[str, TemplateInfo]:
    """The shipped templates by name (a file that does not parse is logged and left out)."""
    found = {}
    for path in list_templates():
        try:
            text = path.read_text(encoding="utf-8")
            template = parse_template(text, str(path))
        except (OSError, UnicodeDecodeError, TemplateError) as exc:
            logger.warning("shipped template %s cannot be used: %s", path, exc)
            continue
        found[template.name] = _info_of_parsed(template, SHIPPED, text)
    return found


def _refuse_shipped(session: Session, name: str, what: str) -> None:
    stored = session.scalar(select(StoredTemplate.id).where(StoredTemplate.name == name))
    if stored is None and name in shipped():
        raise Conflict(f"{name!r} is shipped with the code and read-only: {what}")


def _stored(session: Session, name: str) -> StoredTemplate:
    template = session.scalar(select(StoredTemplate).where(StoredTemplate.name == name))
    if template is None:
        raise NotFound(f"no template named {name!r}")
    return template


def _version(session: Session, template: StoredTemplate, number: int) -> TemplateVersion:
    version = session.scalar(
        select(TemplateVersion).where(
            TemplateVersion.template_id == template.id, TemplateVersion.number == number
        )
    )
    if version is None:
        raise NotFound(f"template {template.name!r} has no version {number}")
    return version


def all_templates(session: Session) -> list[TemplateInfo]:
    """Shipped and stored templates, by name."""
    rows = session.execute(
        select(StoredTemplate, TemplateVersion).join(
            TemplateVersion,
            (TemplateVersion.template_id == StoredTemplate.id)
            & (TemplateVersion.number == StoredTemplate.latest_version),
        )
    ).all()
    infos = {template.name: _info_of_stored(template, version) for template, version in rows}
    for name, info in shipped().items():
        infos.setdefault(name, info)
    return [infos[name] for name in sorted(infos)]


def get_template(session: Session, name: str, version: int | None = None) -> TemplateInfo:
    """A template with its text: a stored one's latest version (or ``version``), else the
    shipped one of that name."""
    template = session.scalar(select(StoredTemplate).where(StoredTemplate.name == name))
    if template is not None:
        number = template.latest_version if version is None else version
        return _info_of_stored(template, _version(session, template, number))
    info = shipped().get(name)
    if info is None:
        raise NotFound(f"no template named {name!r}")
    if version is not None:
        raise NotFound(f"template {name!r} is shipped with the code: it has no versions")
    return info


def template_versions(session: Session, name: str) -> list[TemplateVersion]:
    template = _stored(session, name)
    return list(
        session.scalars(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template.id)
            .order_by(TemplateVersion.number)
        )
    )


def _new_version(
    template: StoredTemplate, number: int, parsed: IntentTemplate, text: str, actor: Principal
) -> TemplateVersion:
    return TemplateVersion(
        template_id=template.id,
        number=number,
        text=text,
        sha256=parsed.content_hash,
        intent=parsed.intent,
        description=parsed.description,
        fields=list(parsed.fields),
        created_by=actor.name,
    )


def create_template(session: Session, text: str, actor: Principal) -> TemplateInfo:
    """Store a new template (version 1) under the name its YAML gives."""
    parsed = parse_or_422(text)
    if parsed.name in shipped():
        raise Conflict(f"{parsed.name!r} is the name of a shipped template: choose another name")
    if session.scalar(select(StoredTemplate.id).where(StoredTemplate.name == parsed.name)):
        raise Conflict(f"a template named {parsed.name!r} exists: update it instead")
    template = StoredTemplate(name=parsed.name, latest_version=1, created_by=actor.name)
    session.add(template)
    session.flush()
    version = _new_version(template, 1, parsed, text, actor)
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "template.create",
        "template",
        parsed.name,
        {"version": 1, "sha256": version.sha256},
    )
    return _info_of_stored(template, version)


def update_template(
    session: Session, name: str, text: str, actor: Principal
) -> tuple[TemplateInfo, bool]:
    """Add a version to a stored template; (info, whether a version was added). The same text
    as the latest version adds none."""
    _refuse_shipped(session, name, "create a template of another name instead")
    template = _stored(session, name)
    parsed = parse_or_422(text)
    if parsed.name != name:
        message = (
            f"the YAML names the template {parsed.name!r}, not {name!r}: an update cannot rename"
        )
        problem = {"file": API_SOURCE, "line": None, "path": "name", "message": message}
        raise Unprocessable(message, {"problems": [problem]})
    latest = _version(session, template, template.latest_version)
    if latest.sha256 == parsed.content_hash:
        return _info_of_stored(template, latest), False
    number = template.latest_version + 1
    version = _new_version(template, number, parsed, text, actor)
    session.add(version)
    template.latest_version = number
    template.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "template.update",
        "template",
        name,
        {"version": number, "sha256": version.sha256, "previous_sha256": latest.sha256},
    )
    return _info_of_stored(template, version), True


def delete_template(session: Session, name: str, actor: Principal) -> None:
    """Delete a stored template and all its versions (the audit log keeps what they were)."""
    _refuse_shipped(session, name, "it cannot be deleted")
    template = _stored(session, name)
    versions = session.scalar(
        select(func.count()).where(TemplateVersion.template_id == template.id)
    )
    latest = _version(session, template, template.latest_version)
    session.execute(delete(TemplateVersion).where(TemplateVersion.template_id == template.id))
    session.delete(template)
    audit.record(
        session,
        actor,
        "template.delete",
        "template",
        name,
        {"versions": versions, "last_sha256": latest.sha256},
    )
    session.flush()
