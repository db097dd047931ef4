"""`dataops apikey create|list|revoke`: API keys, managed on the server's own store.

Wire it into the `dataops` group with ``main.add_command(apikey)``. Each command audits as the
actor "cli". An empty store gets its schema first, so `apikey create` works on a fresh set-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click

from control_api.models import ROLES


@contextmanager
def _write_session() -> Iterator:
    """One write transaction on the configured store; errors become one clear line."""
    import control_api.models  # noqa: F401 - the API's tables join the store's metadata
    from control_api.errors import ApiError
    from dataops_spiders.store import StoreError, check_connection, make_engine, write_session
    from dataops_spiders.store.migrate import ensure_schema

    engine = make_engine()
    try:
        check_connection(engine)
        ensure_schema(engine)
        with write_session(engine) as session:
            yield session
    except (StoreError, ApiError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


@click.group()
def apikey() -> None:
    """API keys of the control API (viewer reads, operator runs and edits, admin manages keys)."""


@apikey.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the key may do.")
@click.option("--name", required=True, help="Who or what uses the key (shown in the audit log).")
def create(role: str, name: str) -> None:
    """Create a key and print it: it is shown this once, and stored only as a hash."""
    from control_api.services.apikeys import create_key

    with _write_session() as session:
        issued = create_key(session, role, name)
        key_id = issued.record.id
    click.echo(
        f"created {role} key {key_id} ({name}); keep it now, it is not shown again:", err=True
    )
    click.echo(issued.plain)


@apikey.command("list")
@click.option("--json", "as_json", is_flag=True, help="As JSON, for machines.")
@click.option("--active", is_flag=True, help="Leave revoked keys out.")
def list_(as_json: bool, active: bool) -> None:
    """Keys with their id, role, prefix and state (never the keys themselves)."""
    from control_api.services.apikeys import list_keys, shown_prefix

    with _write_session() as session:
        rows = [
            {
                "id": key.id,
                "name": key.name,
                "role": key.role,
                "prefix": shown_prefix(key),
                "created_at": key.created_at.isoformat(),
                "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
            }
            for key in list_keys(session, include_revoked=not active)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no API keys yet: dataops apikey create --role admin --name NAME")
        return
    click.echo(f"{'id':>4} {'role':8} {'prefix':20} {'state':8} name")
    for row in rows:
        state = "revoked" if row["revoked_at"] else "active"
        click.echo(f"{row['id']:>4} {row['role']:8} {row['prefix']:20} {state:8} {row['name']}")


@apikey.command("revoke")
@click.argument("key")
def revoke(key: str) -> None:
    """Revoke KEY, given by id or by the prefix `apikey list` shows."""
    from control_api.services.apikeys import find_key, revoke_key

    with _write_session() as session:
        found = find_key(session, key.rstrip("…"))
        if found is None:
            raise click.ClickException(f"no API key {key!r}: see `dataops apikey list`")
        revoke_key(session, found)
        key_id, name = found.id, found.name
    click.echo(f"revoked key {key_id} ({name})")
