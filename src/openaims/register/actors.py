"""Who is acting: a name, roles, and the person record behind them.

Roles decide what an actor may change; the services check them, so every edge
(CLI, web, API tokens) gets the same answer.

- ``admin`` and ``aims_manager`` change anything, and only they approve;
- ``contributor`` changes records they own or are assigned to;
- ``auditor`` and ``viewer`` read everything and change nothing;
- ``ci`` (a service account for CI jobs) pushes scans, check results and monitoring metrics, nothing else.

What each role may do is data (:data:`ROLE_PERMISSIONS`); record-level rules (ownership,
approvals, separation of duties) are in the services.
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
    CI = "ci"


#: How each role is named to people (in messages, on the SoA and in exports).
ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "administrator",
    Role.AIMS_MANAGER: "AIMS manager",
    Role.CONTRIBUTOR: "contributor",
    Role.AUDITOR: "auditor",
    Role.VIEWER: "viewer",
    Role.CI: "CI service account",
}


class Permission(enum.StrEnum):
    """What a role allows, before record-level rules (ownership, approvals) apply."""

    READ = "read"
    WRITE = "write"
    APPROVE = "approve"
    MANAGE_ACCOUNTS = "manage_accounts"
    PUSH_SCANS = "push_scans"
    PUSH_CHECK_RESULTS = "push_check_results"
    PUSH_METRICS = "push_metrics"


#: Permissions per role, as data: the services ask :meth:`Actor.may`.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AIMS_MANAGER: frozenset(
        {
            Permission.READ,
            Permission.WRITE,
            Permission.APPROVE,
            Permission.PUSH_SCANS,
            Permission.PUSH_CHECK_RESULTS,
            Permission.PUSH_METRICS,
        }
    ),
    Role.CONTRIBUTOR: frozenset({Permission.READ, Permission.WRITE}),
    Role.AUDITOR: frozenset({Permission.READ}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.CI: frozenset(
        {Permission.READ, Permission.PUSH_SCANS, Permission.PUSH_CHECK_RESULTS, Permission.PUSH_METRICS}
    ),
}

MANAGING_ROLES = frozenset(r for r, p in ROLE_PERMISSIONS.items() if Permission.APPROVE in p)
WRITING_ROLES = frozenset(r for r, p in ROLE_PERMISSIONS.items() if Permission.WRITE in p)


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

    def may(self, permission: Permission) -> bool:
        """Whether one of the actor's roles grants ``permission``."""
        return any(permission in ROLE_PERMISSIONS.get(role, frozenset()) for role in self.roles)

    @property
    def role_label(self) -> str:
        """The roles as people read them: ``AIMS manager``, ``administrator, auditor``."""
        return ", ".join(ROLE_LABELS[r] for r in sorted(self.roles)) or "no role"

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

    return load_settings().actor.strip() or os_user_name()


def os_user_name() -> str:
    """The operating-system user (``unknown`` when it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
