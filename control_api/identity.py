"""Who is calling: the key a request was authenticated with, or the command line."""

from __future__ import annotations

from dataclasses import dataclass

from control_api.models import ROLES


@dataclass(frozen=True)
class Principal:
    key_id: int | None  # None: not a key (the command line)
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this principal's role includes ``role`` (admin ⊃ operator ⊃ viewer)."""
        return ROLES.index(self.role) >= ROLES.index(role)


# What the audit log records for `dataops apikey ...` run on the server itself.
COMMAND_LINE = Principal(key_id=None, name="cli", role="admin")
