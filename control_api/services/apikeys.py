"""API keys: issued once in plain text, stored as a lookup prefix and a sha256.

A key is ``dok_`` followed by 43 URL-safe characters (256 random bits). Its first characters
after ``dok_`` find the row; the sha256 of the whole key is then compared in constant time
(``secrets.compare_digest``). A sha256 is enough for a key this random: there is nothing to
brute-force that is smaller than the key itself, so a slow password hash would only slow every
request down.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from control_api.errors import Conflict, Unprocessable
from control_api.identity import COMMAND_LINE, Principal
from control_api.models import ADMIN, ROLES, ApiKey
from control_api.services import audit
from dataops_spiders.store.models import utcnow

KEY_MARK = "dok_"
PREFIX_CHARS = 12
BOOTSTRAP_NAME = "bootstrap-admin"
# Compared against when no row matches, so an unknown prefix costs what a wrong key costs.
_NO_KEY_SHA256 = "0" * 64


@dataclass(frozen=True)
class IssuedKey:
    record: ApiKey
    plain: str  # shown once, never stored


def key_sha256(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _prefix(plain: str) -> str | None:
    if not plain.startswith(KEY_MARK) or len(plain) < len(KEY_MARK) + PREFIX_CHARS:
        return None
    return plain[len(KEY_MARK) : len(KEY_MARK) + PREFIX_CHARS]


def create_key(
    session: Session, role: str, name: str, actor: Principal = COMMAND_LINE
) -> IssuedKey:
    """A new key with ``role``, audited; the plain key is in the result and nowhere else."""
    if role not in ROLES:
        raise Unprocessable(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise Unprocessable("a key needs a name (who or what uses it)")
    while True:
        plain = KEY_MARK + secrets.token_urlsafe(32)
        prefix = _prefix(plain)
        if session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break  # a 72-bit prefix repeats about never; the unique index guards a race
    record = ApiKey(
        name=name, role=role, prefix=prefix, key_sha256=key_sha256(plain), created_by=actor.name
    )
    session.add(record)
    session.flush()
    audit.record(session, actor, "apikey.create", "apikey", record.id, {"name": name, "role": role})
    return IssuedKey(record, plain)


def authenticate(session: Session, presented: str) -> Principal | None:
    """The principal of a presented key, or None if it is malformed, unknown or revoked."""
    prefix = _prefix(presented)
    found = (
        session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if prefix is not None
        else None
    )
    expected = found.key_sha256 if found is not None else _NO_KEY_SHA256
    matches = secrets.compare_digest(key_sha256(presented), expected)
    if found is None or not matches or found.revoked_at is not None:
        return None
    return Principal(key_id=found.id, name=found.name, role=found.role)


def list_keys(session: Session, include_revoked: bool = True) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def get_key(session: Session, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def find_key(session: Session, ref: str) -> ApiKey | None:
    """A key by id ("7") or by the prefix shown in listings ("dok_AbC…" or "AbC…")."""
    if ref.isdigit():
        return session.get(ApiKey, int(ref))
    prefix = ref.removeprefix(KEY_MARK)[:PREFIX_CHARS]
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.role == ADMIN, ApiKey.revoked_at.is_(None))
    )


def revoke_key(session: Session, key: ApiKey, actor: Principal = COMMAND_LINE) -> ApiKey:
    """Revoke ``key`` (audited). The last active admin key stays: nobody could manage keys."""
    if key.revoked_at is not None:
        return key
    if key.role == ADMIN and active_admins(session) <= 1:
        raise Conflict(
            f"key {key.id} ({key.name}) is the last active admin key: create another admin "
            "key before revoking it"
        )
    key.revoked_at = utcnow()
    audit.record(session, actor, "apikey.revoke", "apikey", key.id, {"name": key.name})
    session.flush()
    return key


def bootstrap_admin_key(session: Session) -> IssuedKey | None:
    """On a store with no active admin key, one (for `dataops serve` to print once): without
    it nobody could manage keys through the API. None when an active admin key exists."""
    if active_admins(session):
        return None
    return create_key(session, ADMIN, BOOTSTRAP_NAME)


def shown_prefix(key: ApiKey) -> str:
    """How listings show a key: enough to recognise it, useless to call with."""
    return f"{KEY_MARK}{key.prefix}…"
