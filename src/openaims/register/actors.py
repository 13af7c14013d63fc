"""Who is acting: a name, roles, and the person record behind them.

Roles decide what an actor may change; the services check them, so every edge
(CLI, web, API tokens) gets the same answer.

- ``admin`` and ``aims_manager`` change anything, and only they approve;
- ``contributor`` changes records they own or are assigned to;
- ``auditor`` and ``viewer`` read everything and change nothing.
"""

from __future__ import annotations

import enum
import getpass
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    ADMIN = "admin"
    AIMS_MANAGER = "aims_manager"
    CONTRIBUTOR = "contributor"
    AUDITOR = "auditor"
    VIEWER = "viewer"


MANAGING_ROLES = frozenset({Role.ADMIN, Role.AIMS_MANAGER})
WRITING_ROLES = MANAGING_ROLES | {Role.CONTRIBUTOR}


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service acts."""

    name: str
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.ADMIN}))
    person_id: str | None = None
    aliases: frozenset[str] = frozenset()

    @property
    def identities(self) -> frozenset[str]:
        """Every string that names this actor in owner, assignee or approver fields."""
        names = {self.name, *self.aliases}
        if self.person_id:
            names.add(self.person_id)
        return frozenset(n for n in names if n)

    @property
    def can_write(self) -> bool:
        return bool(self.roles & WRITING_ROLES)

    @property
    def is_manager(self) -> bool:
        return bool(self.roles & MANAGING_ROLES)

    def describe(self) -> str:
        return f"{self.name} ({', '.join(sorted(r.value for r in self.roles)) or 'no role'})"


def as_actor(actor: Actor | str) -> Actor:
    """A plain name is a local operator with admin rights (the CLI has the database anyway)."""
    if isinstance(actor, Actor):
        return actor
    name = actor.strip()
    if not name:
        from openaims.register.errors import FieldProblem, RecordValidationError

        raise RecordValidationError("actor", [FieldProblem("actor", "an actor name is required")])
    return Actor(name=name)


def default_actor_name() -> str:
    """``AIMS_ACTOR``, else the operating-system user."""
    from openaims.settings import load_settings

    name = load_settings().actor.strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
