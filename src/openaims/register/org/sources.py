"""Sources of repositories and what their last listing said.

A source is a GitHub organisation or user, a GitLab group, a list of git URLs or a
directory of checkouts. Syncing a source records its repositories: new ones, ones the
hosting service archived, and ones it no longer lists (deleted). Each change is a history
event, with who made it. A source keeps the *name* of the environment variable that
holds its API token, never the token.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openaims.discovery import sanitise
from openaims.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.models.base import utcnow
from openaims.register.models.org import OrgRepository, OrgSource

#: An environment variable name (the only thing about a token the register keeps).
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


class SourceKind(enum.StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    URLS = "urls"
    DIR = "dir"


class RepoState(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Listed:
    """One repository as a source lists it."""

    name: str
    clone_url: str
    default_branch: str | None = None
    archived: bool = False


@dataclass(frozen=True, slots=True)
class SourceOut:
    id: int
    name: str
    kind: SourceKind
    location: str
    api_url: str | None
    token_env: str | None
    urls: list[str]
    created_at: dt.datetime
    created_by: str
    last_synced_at: dt.datetime | None
    last_sync_error: str | None
    repositories: dict[str, int] = field(default_factory=dict)

    @property
    def active(self) -> int:
        return self.repositories.get(RepoState.ACTIVE.value, 0)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync changed (repository names)."""

    source: str
    new: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unarchived: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.source}: sync failed: {self.error}"
        parts = [f"{len(self.new)} new", f"{len(self.archived)} archived", f"{len(self.deleted)} deleted"]
        if self.unarchived:
            parts.append(f"{len(self.unarchived)} unarchived")
        if self.restored:
            parts.append(f"{len(self.restored)} listed again")
        return f"{self.source}: {', '.join(parts)}, {self.unchanged} unchanged"


def _require_manager(actor: Actor, what: str) -> None:
    if not actor.is_manager:
        raise PermissionDeniedError(f"only an admin or AIMS manager may {what}; {actor.name} is {actor.role_label}")


def _payload(row: OrgSource) -> dict[str, Any]:
    return {
        "name": row.name, "kind": row.kind, "location": row.location, "api_url": row.api_url,
        "token_env": row.token_env, "urls": list(row.urls or []),
    }  # fmt: skip


def _repo_payload(row: OrgRepository, source: str) -> dict[str, Any]:
    return {"source": source, "name": row.name, "clone_url": row.clone_url, "default_branch": row.default_branch,
            "state": row.state}  # fmt: skip


def source_record_id(source_id: int) -> str:
    return f"ORGSRC-{source_id}"


def repository_record_id(repository_id: int) -> str:
    return f"ORGREPO-{repository_id}"


def default_name(kind: SourceKind, location: str) -> str:
    """How a source is named when its adder gives no name: ``github:acme``, ``dir:checkouts``."""
    if kind is SourceKind.DIR:
        return f"dir:{location.rstrip('/').rsplit('/', 1)[-1] or location}"
    if kind is SourceKind.URLS:
        return f"urls:{location}"
    return f"{kind.value}:{location}"


def add_source(
    session: Session,
    actor: Actor,
    kind: SourceKind,
    location: str,
    *,
    name: str | None = None,
    api_url: str | None = None,
    token_env: str | None = None,
    urls: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> SourceOut:
    """Record a new source (admins and AIMS managers)."""
    _require_manager(actor, "add a repository source")
    location = location.strip()
    if not location:
        raise UsageError("a source needs a location: the organisation, user, group, directory or list name")
    if token_env is not None and (not _ENV_NAME.match(token_env) or sanitise.text(token_env) != token_env):
        raise UsageError(
            "--token-env takes the NAME of an environment variable that holds the token, in capitals (such as "
            "GITHUB_TOKEN), not the token itself; the value given was not stored"
        )
    if api_url is not None and not re.match(r"^https?://[^\s]+$", api_url):
        raise UsageError(f"--api-url must be an http(s) URL, not {sanitise.text(api_url)!r}")
    if api_url is not None and "@" in api_url.split("//", 1)[-1].split("/", 1)[0]:
        raise UsageError("--api-url must not hold credentials; give the token's variable with --token-env")
    for url in urls:
        if "@" in url.split("//", 1)[-1].split("/", 1)[0] and "://" in url:
            raise UsageError(
                f"{sanitise.text(url)}: a git URL must not hold credentials; they would be stored in the register"
            )
    label = (name or default_name(kind, location)).strip()
    if not label or len(label) > 200:
        raise UsageError("a source name has 1 to 200 characters")
    if session.execute(select(OrgSource.id).where(OrgSource.name == label)).scalar_one_or_none() is not None:
        raise ConflictError(f"a source named {label!r} exists already; give another name with --name")
    moment = now or utcnow()
    row = OrgSource(
        name=label,
        kind=kind.value,
        location=location,
        api_url=api_url.rstrip("/") if api_url else None,
        token_env=token_env,
        urls=list(urls),
        created_at=moment,
        created_by=actor.name,
    )
    history.lock(session)
    session.add(row)
    session.flush()
    history.append(session, record_id=source_record_id(row.id), record_type="org_source", action="create",
                   actor=actor.name, before=None, after=_payload(row), at=moment)  # fmt: skip
    return _out(session, row)


def remove_source(session: Session, actor: Actor, name: str, *, now: dt.datetime | None = None) -> None:
    """Forget a source and its repositories (their components and check results stay)."""
    _require_manager(actor, "remove a repository source")
    row = find_source(session, name)
    history.lock(session)
    history.append(session, record_id=source_record_id(row.id), record_type="org_source", action="delete",
                   actor=actor.name, before=_payload(row), after=None, at=now or utcnow())  # fmt: skip
    session.delete(row)
    session.flush()


def find_source(session: Session, name: str) -> OrgSource:
    """The source called ``name`` (or with that number)."""
    row = session.execute(select(OrgSource).where(OrgSource.name == name)).scalar_one_or_none()
    if row is None and name.isdigit():
        row = session.get(OrgSource, int(name))
    if row is None:
        known = session.execute(select(OrgSource.name).order_by(OrgSource.id)).scalars().all()
        hint = f"; the sources are {', '.join(known)}" if known else "; add one with 'aims org source add'"
        raise NotFoundError(f"no source named {name!r}{hint}")
    return row


def _counts(session: Session) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(OrgRepository.source_id, OrgRepository.state, func.count()).group_by(
            OrgRepository.source_id, OrgRepository.state
        )
    ).all()
    for source_id, state, count in rows:
        out.setdefault(source_id, {})[state] = count
    return out


def _out(session: Session, row: OrgSource, counts: dict[int, dict[str, int]] | None = None) -> SourceOut:
    counts = counts if counts is not None else _counts(session)
    return SourceOut(
        id=row.id,
        name=row.name,
        kind=SourceKind(row.kind),
        location=row.location,
        api_url=row.api_url,
        token_env=row.token_env,
        urls=list(row.urls or []),
        created_at=row.created_at,
        created_by=row.created_by,
        last_synced_at=row.last_synced_at,
        last_sync_error=row.last_sync_error,
        repositories=counts.get(row.id, {}),
    )


def list_sources(session: Session) -> list[SourceOut]:
    counts = _counts(session)
    rows = session.execute(select(OrgSource).order_by(OrgSource.id)).scalars()
    return [_out(session, row, counts) for row in rows]


def source_out(session: Session, name: str) -> SourceOut:
    return _out(session, find_source(session, name))


def record_listing(
    session: Session, actor: Actor, source_id: int, listed: Iterable[Listed], *, now: dt.datetime | None = None
) -> SyncReport:
    """Record what a source lists now: new, archived, unarchived, deleted and re-listed repositories."""
    _require_manager(actor, "sync a repository source")
    source = session.get(OrgSource, source_id)
    if source is None:
        raise NotFoundError(f"source {source_id} no longer exists")
    moment = now or utcnow()
    history.lock(session)
    wanted: dict[str, Listed] = {}
    for item in listed:
        name = sanitise.text(item.name)[:400]
        wanted.setdefault(name, item)
    rows = {
        row.name: row
        for row in session.execute(select(OrgRepository).where(OrgRepository.source_id == source_id)).scalars()
    }
    report = SyncReport(source=source.name)
    unchanged = 0

    def event(row: OrgRepository, action: str, before: dict[str, Any] | None) -> None:
        history.append(session, record_id=repository_record_id(row.id), record_type="org_repository",
                       action=action, actor=actor.name, before=before,
                       after=_repo_payload(row, source.name), at=moment)  # fmt: skip

    for name, item in sorted(wanted.items()):
        state = RepoState.ARCHIVED.value if item.archived else RepoState.ACTIVE.value
        row = rows.get(name)
        if row is None:
            row = OrgRepository(
                source_id=source_id,
                name=name,
                clone_url=item.clone_url,
                default_branch=item.default_branch,
                state=state,
                discovered_at=moment,
                state_changed_at=moment,
                findings=0,
                violations=0,
                failing=0,
                scan_state={},
            )
            session.add(row)
            session.flush()
            event(row, "discover", None)
            report.new.append(name)
            continue
        before = _repo_payload(row, source.name)
        moved = row.state != state
        if moved:
            bucket = {
                (RepoState.ACTIVE.value, RepoState.ARCHIVED.value): report.archived,
                (RepoState.ARCHIVED.value, RepoState.ACTIVE.value): report.unarchived,
            }.get((row.state, state), report.restored)
            bucket.append(name)
            row.state, row.state_changed_at = state, moment
        changed = row.clone_url != item.clone_url or row.default_branch != item.default_branch
        row.clone_url, row.default_branch = item.clone_url, item.default_branch
        if moved or changed:
            event(row, state if moved else "update", before)
        else:
            unchanged += 1
    for name, row in sorted(rows.items()):
        if name not in wanted and row.state != RepoState.DELETED.value:
            before = _repo_payload(row, source.name)
            row.state, row.state_changed_at = RepoState.DELETED.value, moment
            event(row, "delete", before)
            report.deleted.append(name)
    source.last_synced_at = moment
    source.last_sync_error = None
    session.flush()
    return SyncReport(
        source=report.source, new=report.new, archived=report.archived, unarchived=report.unarchived,
        deleted=report.deleted, restored=report.restored, unchanged=unchanged,
    )  # fmt: skip


def record_sync_failure(session: Session, source_id: int, reason: str, *, now: dt.datetime | None = None) -> None:
    """Remember why the last sync of a source failed (one line, no secrets)."""
    source = session.get(OrgSource, source_id)
    if source is not None:
        source.last_sync_error = sanitise.text(reason)[:1000]
        source.last_synced_at = now or utcnow()


def repositories(
    session: Session, *, source_id: int | None = None, states: Sequence[str] | None = (RepoState.ACTIVE.value,)
) -> list[OrgRepository]:
    query = select(OrgRepository).order_by(OrgRepository.source_id, OrgRepository.name)
    if source_id is not None:
        query = query.where(OrgRepository.source_id == source_id)
    if states is not None:
        query = query.where(OrgRepository.state.in_(list(states)))
    return list(session.execute(query).scalars())


def repository_states(session: Session, source_id: int) -> Counter[str]:
    rows = session.execute(
        select(OrgRepository.state, func.count())
        .where(OrgRepository.source_id == source_id)
        .group_by(OrgRepository.state)
    ).all()
    return Counter({str(state): int(count) for state, count in rows})
