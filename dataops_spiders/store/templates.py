"""Templates stored through the control API, as a crawl reads them (no Scrapy import here).

A crawl given ``-a template=NAME`` that names no file and no shipped template looks the name up
here: the latest version of the stored template, or ``-a template_version=N``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from dataops_spiders.store.config import database_url, mask_url
from dataops_spiders.store.db import describe_error, make_engine, make_session_factory
from dataops_spiders.store.errors import StoreError
from dataops_spiders.store.models import StoredTemplate, TemplateVersion


class TemplateNotStored(StoreError):
    """No stored template of that name (or the store has no templates table yet)."""


class TemplateVersionMissing(StoreError):
    """The stored template has no such version; the message lists those it has."""


@dataclass(frozen=True)
class StoredText:
    name: str
    version: int
    text: str
    sha256: str

    @property
    def source(self) -> str:
        """Where the text came from, as template problems and run records name it."""
        return f"store:{self.name}@v{self.version}"


def read_stored_template(
    name: str, version: int | None = None, url: str | None = None
) -> StoredText:
    """The text of stored template ``name``: its latest version, or ``version``.

    Raises TemplateNotStored, TemplateVersionMissing, or StoreError when the store cannot be
    read (the message names the database, password masked)."""
    url = url or database_url()
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(StoredTemplate.__tablename__):
            raise TemplateNotStored(f"no stored template named {name!r}")
        with make_session_factory(engine)() as session:
            template = session.scalar(select(StoredTemplate).where(StoredTemplate.name == name))
            if template is None:
                raise TemplateNotStored(f"no stored template named {name!r}")
            numbers = list(
                session.scalars(
                    select(TemplateVersion.number)
                    .where(TemplateVersion.template_id == template.id)
                    .order_by(TemplateVersion.number)
                )
            )
            number = template.latest_version if version is None else version
            found = session.scalar(
                select(TemplateVersion).where(
                    TemplateVersion.template_id == template.id, TemplateVersion.number == number
                )
            )
            if found is None:
                available = ", ".join(map(str, numbers)) or "none"
                raise TemplateVersionMissing(
                    f"template {name!r} has no version {number} (versions: {available})"
                )
            return StoredText(name, found.number, found.text, found.sha256)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot read templates at {mask_url(url)}: {describe_error(exc)}"
        ) from None
    finally:
        engine.dispose()
