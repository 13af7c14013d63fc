"""The generic record service: create, update, transition, get and list for every record type.

A record type is a small subclass that declares, as data, its model, its pydantic
fields, its statuses and allowed transitions, the fields each status requires,
which fields reference other records, and who may change it. Record-specific
rules go in the :meth:`RecordService.check` and :meth:`RecordService.after_write`
hooks. Every write:

1. checks the actor may make it (roles; contributors only on what they own);
2. validates the input with pydantic and the references against existing records;
3. checks the status transition and the fields that status requires;
4. refuses a stale ``expected_version`` with who changed the record and when;
5. appends a history event in the same transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from sqlalchemy import ColumnElement, Select, cast, func, literal, not_, or_, select
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from openaims.errors import ConflictError, NotFoundError, PermissionDeniedError
from openaims.register import approvals, history, ids
from openaims.register.actors import Actor, Permission, as_actor
from openaims.register.errors import FieldProblem, RecordValidationError, RuleViolationError, field_label
from openaims.register.history import EventOut
from openaims.register.models.base import META_COLUMNS, Record, is_json, utcnow
from openaims.register.models.people import Person
from openaims.untrusted import Limits, Problem, check_shape, text_problem
from openaims.untrusted.wording import plain_problem


def person_named(session: Session, name: str) -> Person | None:
    """The one person ``name`` designates: by id, else username, else e-mail. None when nobody or,
    for an e-mail two people share (registers from before e-mails were unique), when ambiguous."""
    rows = (
        session.execute(
            select(Person).where(or_(Person.id == name, Person.username == name, Person.email == name)).limit(10)
        )
        .scalars()
        .all()
    )
    for matches in ([r for r in rows if r.id == name], [r for r in rows if r.username == name]):
        if matches:
            return matches[0]  # ids and usernames are unique
    by_email = [r for r in rows if r.email == name]
    return by_email[0] if len(by_email) == 1 else None


F = TypeVar("F", bound="RecordFields")
O = TypeVar("O", bound="RecordOut")  # noqa: E741
S = TypeVar("S", bound="RecordService[Any, Any]")

MAX_PAGE = 1000
#: ``references`` value meaning "any existing record".
ANY_RECORD = "*"


class RecordFields(BaseModel):
    """Base of every record's input model: the fields a user sets."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)

    links: list[str] = []


class RecordOut(BaseModel):
    """Base of every record's output model: bookkeeping shared by all records."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: str
    record_type: str
    status: str
    version: int
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str


class Page(BaseModel, Generic[O]):
    """One page of a list."""

    items: list[O]
    total: int
    limit: int
    offset: int


def _problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"] if p != "__root__")
        message = plain_problem(error)
        if error["type"] == "extra_forbidden":
            message = "is not a field of this record"
        out.append(FieldProblem(loc, message))
    return out


def _blank(value: Any) -> bool:
    return value is None or value in ("", [], {})


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


_REGISTRY: dict[str, type[RecordService[Any, Any]]] = {}


class RecordService(Generic[F, O]):
    """Shared behaviour of every record service. Subclasses declare the class variables."""

    model: ClassVar[type[Record]]
    fields: ClassVar[type[RecordFields]]
    out: ClassVar[type[RecordOut]]
    #: Status of a new record, and every status with the statuses it may move to.
    initial_status: ClassVar[str]
    transitions: ClassVar[Mapping[str, frozenset[str]]]
    #: Fields that must be filled before a record may be in a status.
    required: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Field -> prefix of the record type it names (``"*"``: any record).
    references: ClassVar[Mapping[str, str]] = {}
    #: Field -> the risk-method scale its level is on (``"likelihood"`` or ``"impact"``).
    scales: ClassVar[Mapping[str, str]] = {}
    #: Fields the register derives (ratings, file digests, scan sightings): shown, never typed in.
    derived_fields: ClassVar[frozenset[str]] = frozenset()
    #: Fields naming who owns or is assigned the record (contributors may change those).
    owner_fields: ClassVar[tuple[str, ...]] = ("owner",)
    #: Statuses only an admin or AIMS manager may move a record to (approvals).
    manager_statuses: ClassVar[frozenset[str]] = frozenset()
    #: Statuses in which the record's fields may no longer change.
    frozen_statuses: ClassVar[frozenset[str]] = frozenset()
    #: Fields searched by ``list(q=...)`` and the field that names a record in messages.
    search_fields: ClassVar[tuple[str, ...]] = ("title",)
    label_field: ClassVar[str] = "title"
    #: Fields a service may change without a history event (telemetry such as a scan's
    #: ``last_seen``); ``aims history verify`` does not compare them with the last event.
    unrecorded_fields: ClassVar[frozenset[str]] = frozenset()
    #: Statuses that end a workflow: never the status a record is created in.
    final_statuses: ClassVar[frozenset[str]] = frozenset({"closed"})
    #: How the record is approved (see :mod:`openaims.register.approvals`), if it is.
    approval: ClassVar[approvals.ApprovalPoint | None] = None
    #: Fields the register keeps up to date itself (compiled inputs, staleness): nobody types
    #: them, and :meth:`maintain` may change them even in a frozen status.
    maintained_fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            _REGISTRY[cls.model.record_type] = cls

    def __init__(self, session: Session, actor: Actor | str, *, clock: Callable[[], dt.datetime] = utcnow):
        self.session = session
        self.actor = as_actor(actor)
        self.clock = clock
        #: Set by scan ingest: an actor allowed to push scans may record what a scan found.
        self.scan_ingest = False
        #: Set by :meth:`approve` for approvals that are not a status change.
        self._approving = False
        #: Set by :meth:`maintain`: the register itself updates maintained fields.
        self._maintaining = False

    # ----------------------------------------------------------------- naming
    @classmethod
    def record_type(cls) -> str:
        return cls.model.record_type

    @classmethod
    def prefix(cls) -> str:
        return cls.model.prefix

    @classmethod
    def statuses(cls) -> tuple[str, ...]:
        seen = dict.fromkeys([cls.initial_status, *cls.transitions])
        for targets in cls.transitions.values():
            seen.update(dict.fromkeys(sorted(targets)))
        return tuple(seen)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(cls.fields.model_fields)

    @classmethod
    def register_fields(cls) -> frozenset[str]:
        """Fields the register sets (when someone approves, or that it maintains); no input names them."""
        approved = cls.approval.register_fields() if cls.approval is not None else frozenset()
        return approved | cls.maintained_fields

    @classmethod
    def input_field_names(cls) -> tuple[str, ...]:
        """The fields a user may give (forms, options, API bodies)."""
        return tuple(n for n in cls.field_names() if n not in cls.register_fields())

    @classmethod
    def json_fields(cls) -> frozenset[str]:
        """Fields stored as JSON (lists and mappings)."""
        columns = cls.model.__table__.columns
        return frozenset(n for n in cls.field_names() if is_json(columns[n].type))

    def _values(self, fields: RecordFields) -> dict[str, Any]:
        """Column values for ``fields``: JSON-ready data for JSON columns, Python values otherwise."""
        plain = fields.model_dump()
        as_json = fields.model_dump(mode="json", include=set(self.json_fields()))
        return {**plain, **as_json}

    def _label(self) -> str:
        return self.record_type().replace("_", " ")

    # ------------------------------------------------------------------ reads
    def _row(self, record_id: str, *, lock: bool = False) -> Record:
        stmt = select(self.model).where(self.model.id == record_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no {self._label()} {record_id!r}; list them with 'aims {self.cli_name()} list'")
        return row

    @classmethod
    def cli_name(cls) -> str:
        return cls.record_type().replace("_", "-")

    def to_out(self, row: Record) -> O:
        data = {c.key: getattr(row, c.key) for c in self.model.__table__.columns}
        data["record_type"] = self.record_type()
        return self.out.model_validate(data)  # type: ignore[return-value]

    def get(self, record_id: str) -> O:
        """One record by id; NotFoundError when it does not exist."""
        return self.to_out(self._row(record_id))

    def exists(self, record_id: str) -> bool:
        return self.session.get(self.model, record_id) is not None

    def _column(self, name: str) -> Any:
        column = self.model.__table__.columns.get(name)
        if column is None:
            raise RecordValidationError(self.record_type(), [FieldProblem(name, "is not a field of this record")])
        return getattr(self.model, name)

    def _json_contains(self, column: Any, value: Any) -> ColumnElement[bool]:
        if self.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return cast(column, JSONB).op("@>")(cast(literal(json.dumps([value])), JSONB))  # type: ignore[no-any-return]
        each = func.json_each(column).table_valued("value")
        return select(literal(1)).select_from(each).where(each.c.value == value).exists()

    def _coerce(self, name: str, column: Any, value: Any) -> Any:
        """Text from a command line or query string becomes the column's type."""
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self._coerce(name, column, v) for v in value]
        if not isinstance(value, str):
            return value
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            return value
        if python_type is str:
            return value
        try:
            return TypeAdapter(python_type).validate_python(value)
        except ValidationError:
            raise RecordValidationError(
                self.record_type(), [FieldProblem(name, f"{value!r} is not a valid {python_type.__name__}")]
            ) from None

    def _condition(self, name: str, column: Any, op: str, value: Any) -> ColumnElement[bool]:
        known = ("eq", "ne", "lt", "lte", "gt", "gte", "isnull", "in", "contains")
        if op not in known:
            problem = FieldProblem(name, f"unknown filter {op!r}; use one of {', '.join(known)}")
            raise RecordValidationError(self.record_type(), [problem])
        if op == "in" and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if op == "contains" and not is_json(column.type):
            return column.ilike(f"%{value}%")  # type: ignore[no-any-return]
        if op != "isnull" and not is_json(column.type):
            value = self._coerce(name, column, value)
        if is_json(column.type):
            if op not in ("eq", "contains"):
                raise RecordValidationError(
                    self.record_type(), [FieldProblem(name, f"list fields take 'contains', not {op!r}")]
                )
            return self._json_contains(column, value)
        if isinstance(value, (list, tuple, set, frozenset)) and op in ("eq", "in"):
            return column.in_(list(value))  # type: ignore[no-any-return]
        operators: dict[str, Callable[[Any], ColumnElement[bool]]] = {
            "eq": lambda v: column == v,
            "ne": lambda v: or_(column != v, column.is_(None)),
            "lt": lambda v: column < v,
            "lte": lambda v: column <= v,
            "gt": lambda v: column > v,
            "gte": lambda v: column >= v,
            "isnull": lambda v: column.is_(None) if v in (True, "true", "1", 1) else not_(column.is_(None)),
        }
        if op == "in":
            return column.in_([value])  # type: ignore[no-any-return]
        return operators[op](value)

    def _filtered(self, filters: Mapping[str, Any] | None, q: str | None) -> Select[Any]:
        stmt = select(self.model)
        for key, value in (filters or {}).items():
            if value is None:
                continue
            name, _, op = key.partition("__")
            column = self._column(name)
            stmt = stmt.where(self._condition(name, column, op or "eq", value))
        if q:
            pattern = f"%{q.strip()}%"
            columns = [self.model.id, *(getattr(self.model, f) for f in self.search_fields)]
            stmt = stmt.where(or_(*(c.ilike(pattern) for c in columns)))
        return stmt

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        q: str | None = None,
        sort: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[O]:
        """Filter, search, sort (``-field`` descending) and paginate.

        ``filters`` maps a field to a value (equality; a list means "one of"; for list fields,
        "contains"), or ``field__op`` to a value with op one of ne, lt, lte, gt, gte, isnull,
        in, contains (e.g. ``{"due_date__lt": today, "status__in": ["planned", "in_progress"]}``).
        """
        if not 1 <= limit <= MAX_PAGE:
            raise RecordValidationError(self.record_type(), [FieldProblem("limit", f"must be 1 to {MAX_PAGE}")])
        if offset < 0:
            raise RecordValidationError(self.record_type(), [FieldProblem("offset", "must not be negative")])
        stmt = self._filtered(filters, q)
        total = self.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        order: list[Any]
        if sort:
            descending = sort.startswith("-")
            column = self._column(sort.lstrip("-+"))
            order = [column.desc() if descending else column.asc()]
        else:
            order = []
        order += [func.length(self.model.id), self.model.id]
        rows = self.session.execute(stmt.order_by(*order).limit(limit).offset(offset)).scalars()
        return Page[O](items=[self.to_out(r) for r in rows], total=total, limit=limit, offset=offset)

    def all(self, **filters: Any) -> builtins.list[O]:
        """Every record matching equality filters, in id order (for rules and reports)."""
        stmt = self._filtered(filters, None).order_by(func.length(self.model.id), self.model.id)
        return [self.to_out(r) for r in self.session.execute(stmt).scalars()]

    def history(self, record_id: str) -> builtins.list[history.EventOut]:
        self._row(record_id)
        return history.events_for(self.session, record_id)

    # ------------------------------------------------------- authorisation
    def identities(self, value: str | None) -> frozenset[str]:
        """Every name of the person ``value`` designates (id, username, e-mail), or just ``value``."""
        if not value:
            return frozenset()
        row = person_named(self.session, value)
        names = {value}
        if row is not None:
            names |= {n for n in (row.id, row.username, row.email) if n}
        return frozenset(names)

    def same_person(self, a: str | None, b: str | None) -> bool:
        return bool(a and b and self.identities(a) & self.identities(b))

    def _actor_identities(self) -> frozenset[str]:
        names = set(self.actor.identities)
        for name in list(names):
            names |= self.identities(name)
        return frozenset(names)

    def _owners(self, values: Mapping[str, Any]) -> set[str]:
        owners: set[str] = set()
        for name in self.owner_fields:
            value = values.get(name)
            if isinstance(value, str) and value:
                owners.add(value)
            elif isinstance(value, list):
                owners |= {v for v in value if isinstance(v, str)}
        return owners

    def _refuse_readers(self, what: str) -> None:
        """Roles that write nothing are refused before anything is read or validated, so a
        refusal never reveals field rules, versions or whether a record exists."""
        actor = self.actor
        if self._maintaining:
            return
        if not (actor.can_write or (self.scan_ingest and actor.may(Permission.PUSH_SCANS))):
            raise PermissionDeniedError(f"{actor.describe()} may read records but not {what}")

    def _authorise(self, action: str, record_id: str | None, values: Mapping[str, Any], status: str) -> None:
        actor = self.actor
        what = f"{action} {record_id or 'a ' + self._label()}"
        if self._maintaining:
            return  # the register's own bookkeeping, following a change the actor was allowed to make
        if self.scan_ingest and actor.may(Permission.PUSH_SCANS) and status not in self.manager_statuses:
            return
        if not actor.can_write:
            raise PermissionDeniedError(f"{actor.describe()} may read records but not {what}")
        if status in self.manager_statuses and not actor.is_manager:
            raise PermissionDeniedError(
                f"only an admin or AIMS manager may set {record_id or self._label()} to {status!r}; "
                f"{actor.name} is a contributor"
            )
        if actor.is_manager:
            return
        if not self._owners(values) & self._actor_identities():
            raise PermissionDeniedError(
                f"{actor.name} may only change records they own or are assigned; "
                f"{record_id or 'this ' + self._label()} belongs to "
                f"{', '.join(sorted(self._owners(values))) or 'nobody'}"
            )

    def may_change(self, record: RecordOut) -> bool:
        """Whether the actor may change ``record`` at all (for showing or hiding edit controls)."""
        try:
            self._authorise("change", record.id, record.model_dump(), record.status)
        except PermissionDeniedError:
            return False
        return record.status not in self.frozen_statuses or bool(self.transitions.get(record.status))

    def next_statuses(self, record: RecordOut) -> builtins.list[str]:
        """The statuses the actor may move ``record`` to now (required fields are checked on the move)."""
        if not self.may_change(record):
            return []
        allowed = sorted(self.transitions.get(record.status, frozenset()))
        return [s for s in allowed if s not in self.manager_statuses or self.actor.is_manager]

    # ------------------------------------------------------------ validation
    def _validate(self, data: Mapping[str, Any]) -> F:
        problems = _unstorable(data)
        if problems:
            raise RecordValidationError(self.record_type(), problems)
        try:
            return self.fields.model_validate(dict(data))  # type: ignore[return-value]
        except ValidationError as exc:
            raise RecordValidationError(self.record_type(), _problems(exc)) from None

    def _check_references(self, values: Mapping[str, Any]) -> None:
        wanted: dict[str, str] = dict(self.references)
        wanted.setdefault("links", ANY_RECORD)
        problems: list[FieldProblem] = []
        for name, prefix in wanted.items():
            value = values.get(name)
            names = [value] if isinstance(value, str) else list(value or [])
            for ref in names:
                problem = self._missing_reference(ref, prefix)
                if problem:
                    problems.append(FieldProblem(name, problem))
        if problems:
            raise RecordValidationError(self.record_type(), problems)

    def _missing_reference(self, ref: str, prefix: str) -> str | None:
        target_prefix = ref.split("-", 1)[0]
        if prefix not in (ANY_RECORD, target_prefix):
            return f"{ref!r} is not a {prefix}-... id"
        service = service_for_prefix(target_prefix)
        if service is None:
            return f"{ref!r} is not a record id"
        if self.session.get(service.model, ref) is None:
            return f"{ref} does not exist"
        return None

    def _check_required(self, record_id: str, status: str, values: Mapping[str, Any]) -> None:
        missing = [f for f in self.required.get(status, ()) if _blank(values.get(f))]
        if missing:
            names = ", ".join(field_label(f) for f in missing)
            raise RuleViolationError(f"{record_id} cannot be {status!r} without {names}; set them in the same update")

    def _check_transition(self, record_id: str, old: str, new: str) -> None:
        if new == old:
            return
        if new not in self.statuses():
            raise RecordValidationError(
                self.record_type(),
                [FieldProblem("status", f"must be one of: {', '.join(self.statuses())} (got {new!r})")],
            )
        allowed = self.transitions.get(old, frozenset())
        if new not in allowed:
            nexts = ", ".join(sorted(allowed)) or "none (final status)"
            raise RuleViolationError(f"{record_id} cannot move from {old!r} to {new!r}; allowed next: {nexts}")

    def invalid_unless(self, condition: bool, field: str, message: str) -> None:
        """Raise a RecordValidationError naming ``field`` (bad input, exit 2) unless ``condition`` holds."""
        if not condition:
            raise RecordValidationError(self.record_type(), [FieldProblem(field, message)])

    # --------------------------------------------------------------- hooks
    def prepare(self, record_id: str, before: O | None, fields: F, status: str) -> F:
        """Fill derived fields (ratings, dates) before rules run. Default: unchanged."""
        return fields

    def check(self, record_id: str, before: O | None, fields: F, status: str) -> None:
        """Record-specific rules; raise RuleViolationError. Default: none."""

    def after_write(self, before: O | None, after: O) -> None:
        """Side effects in the same transaction (e.g. supersede the previous approved version)."""

    def allocate_id(self, fields: F) -> str:
        return ids.allocate(self.session, self.prefix())

    # --------------------------------------------------------------- writes
    def _event(self, action: str, record_id: str, before: O | None, after: O | None, at: dt.datetime) -> None:
        history.append(
            self.session,
            record_id=record_id,
            record_type=self.record_type(),
            action=action,
            actor=self.actor.name,
            before=before.model_dump(mode="json") if before is not None else None,
            after=after.model_dump(mode="json") if after is not None else None,
            at=at,
        )

    def _flush(self, record_id: str) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            raise ConflictError(f"{record_id} was changed by someone else meanwhile; reload it and retry") from None
        except IntegrityError as exc:
            raise ConflictError(
                f"{record_id} conflicts with an existing record ({str(exc.orig).splitlines()[0]})"
            ) from None

    def _path(self, target: str) -> builtins.list[str] | None:
        """The fewest transitions from the initial status to ``target`` (empty when it is the initial one)."""
        paths: dict[str, builtins.list[str]] = {self.initial_status: []}
        queue = [self.initial_status]
        while queue:
            current = queue.pop(0)
            if current == target:
                return paths[current]
            for nxt in sorted(self.transitions.get(current, frozenset())):
                if nxt not in paths:
                    paths[nxt] = [*paths[current], nxt]
                    queue.append(nxt)
        return None

    def _never_at_creation(self) -> frozenset[str]:
        approval = {self.approval.status} if self.approval is not None and self.approval.status else set()
        return (self.frozen_statuses | self.final_statuses | approval) - {self.initial_status}

    def create(self, data: F | Mapping[str, Any], *, status: str | None = None) -> O:
        """Create a record in the initial status, or in ``status`` under that status's rules.

        A status that is reached only through the workflow (one that ends it, an approval, or
        one past them) is refused: an approval is made later, by whoever approves.
        """
        target = status or self.initial_status
        if target != self.initial_status:
            if target not in self.statuses():
                self._check_transition("the new record", self.initial_status, target)
            path = self._path(target)
            if path is None or set(path) & self._never_at_creation():
                raise RuleViolationError(self._created_in(target))
        return self._create(data, target)

    def _create(self, data: F | Mapping[str, Any], status: str) -> O:
        self._refuse_readers(f"create a {self._label()}")
        raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        if not self.actor.is_manager and self.actor.can_write:
            # A contributor's new record is theirs unless they name its owner.
            for name in self.owner_fields[:1]:
                if name not in self.references and _blank(raw.get(name)):
                    raw[name] = self.actor.name
        self._refuse_typed([n for n in self.register_fields() if not _blank(raw.get(n))])
        fields = self._validate(raw)
        self._authorise("create", None, fields.model_dump(), status)
        history.lock(self.session)
        record_id = self.allocate_id(fields)
        fields = self.prepare(record_id, None, fields, status)
        approving = self._is_approval(None, status, approving=False)
        if approving:
            fields = self._approve(record_id, None, fields)
        values = self._values(fields)
        self._check_references(values)
        self._check_required(record_id, status, values)
        self.check(record_id, None, fields, status)
        now = self.clock()
        row = self.model(
            id=record_id,
            status=status,
            created_at=now,
            created_by=self.actor.name,
            updated_at=now,
            updated_by=self.actor.name,
            **values,
        )
        self.session.add(row)
        self._flush(record_id)
        after = self.to_out(row)
        self._event(approvals.APPROVE if approving else "create", record_id, None, after, now)
        self.after_write(None, after)
        return after

    def update(self, record_id: str, expected_version: int, changes: Mapping[str, Any] | BaseModel) -> O:
        """Change fields and/or ``status``; refused when ``expected_version`` is stale."""
        self._refuse_readers(f"change {record_id}")
        approve_as_is, self._approving = self._approving, False
        raw = changes.model_dump(exclude_unset=True) if isinstance(changes, BaseModel) else dict(changes)
        raw.pop("version", None)
        new_status = raw.pop("status", None)
        history.lock(self.session)
        row = self._row(record_id, lock=True)
        if row.version != expected_version:
            raise ConflictError(
                f"{record_id} is at version {row.version}, not {expected_version}: "
                f"{row.updated_by} changed it at {row.updated_at:%Y-%m-%d %H:%M:%S} UTC; "
                "reload it and apply your change again"
            )
        before = self.to_out(row)
        current = before.model_dump(include=set(self.field_names()))
        self._authorise("change", record_id, current, before.status)
        status = new_status or before.status
        self._check_transition(record_id, before.status, status)
        unknown = [k for k in raw if k in META_COLUMNS and k != "links"]
        if unknown:
            raise RecordValidationError(
                self.record_type(), [FieldProblem(k, "is set by the register, not by users") for k in unknown]
            )
        fields = self._validate({**current, **raw})
        self._refuse_typed([n for n in self.register_fields() if n in raw and getattr(fields, n) != getattr(before, n)])
        fields = self.prepare(record_id, before, fields, status)
        approving = self._is_approval(before, status, approving=approve_as_is)
        if approving:
            self._authorise("change", record_id, current, status)
            fields = self._approve(record_id, before, fields)
        values = self._values(fields)
        changed = {k: v for k, v in values.items() if v != getattr(row, k)}
        if not changed and status == before.status:
            return before
        if before.status in self.frozen_statuses and changed and not self._maintains(changed):
            raise RuleViolationError(
                f"{record_id} is {before.status} and can no longer change "
                f"(tried: {', '.join(sorted(changed))}); create a new version instead"
            )
        if status != before.status:
            self._authorise("change", record_id, current, status)
        self._check_references(changed)
        if not (self._maintains(changed) and status == before.status):
            self._check_required(record_id, status, values)
            self.check(record_id, before, fields, status)
        now = self.clock()
        for name, value in changed.items():
            setattr(row, name, value)
        row.status = status
        row.updated_at = now
        row.updated_by = self.actor.name
        self._flush(record_id)
        after = self.to_out(row)
        action = "update" if status == before.status else f"status:{status}"
        if approving:
            action = approvals.APPROVE
        self._event(action, record_id, before, after, now)
        self.after_write(before, after)
        return after

    def _maintains(self, changed: Mapping[str, Any]) -> bool:
        return self._maintaining and set(changed) <= self.maintained_fields

    def maintain(self, record_id: str, changes: Mapping[str, Any]) -> O:
        """Change fields the register maintains (:attr:`maintained_fields`), whatever the status,
        as the bookkeeping of a change the actor made; history records it as an update by them."""
        unknown = sorted(set(changes) - self.maintained_fields)
        if unknown:
            raise RecordValidationError(
                self.record_type(), [FieldProblem(n, "is not kept by the register") for n in unknown]
            )
        self._maintaining = True
        try:
            return self.update(record_id, self._row(record_id).version, changes)
        finally:
            self._maintaining = False

    def bulk_update(self, record_ids: builtins.list[str], changes: Mapping[str, Any]) -> builtins.list[O]:
        """The same change to each record as it stands now (one history event per record), all or none."""
        self._refuse_readers("change records")
        return [self.update(rid, self._row(rid).version, dict(changes)) for rid in dict.fromkeys(record_ids)]

    def transition(
        self, record_id: str, expected_version: int, status: str, changes: Mapping[str, Any] | None = None
    ) -> O:
        """Move a record to ``status`` (with optional field changes in the same step)."""
        return self.update(record_id, expected_version, {**(changes or {}), "status": status})

    # ------------------------------------------------------------ approvals
    def approve_record(
        self, record_id: str, expected_version: int, changes: Mapping[str, Any] | None = None
    ) -> O:
        """Approve (or verify, accept, close) ``record_id`` as the acting identity, now.

        The approval is the record's ``approve`` history event; the fields that show who and
        when are set from it. Refused, naming the rule, when the actor may not approve it.
        """
        point = self.approval
        if point is None:
            raise RuleViolationError(f"{self._label()} records are not approved; change them with an update")
        row = self._row(record_id)
        if point.status is not None:
            if row.status == point.status:
                raise ConflictError(f"{record_id} is already {point.act}")
            return self.update(record_id, expected_version, {**(changes or {}), "status": point.status})
        if point.by_field and getattr(row, point.by_field):
            raise ConflictError(
                f"{record_id} is already {point.act} by {getattr(row, point.by_field)}"
                + (f" on {getattr(row, point.on_field)}" if point.on_field else "")
            )
        self._approving = True
        try:
            return self.update(record_id, expected_version, dict(changes or {}))
        finally:
            self._approving = False

    def awaiting_approval(self, record: O) -> bool:
        """Whether ``record`` can be approved (and so rejected) now."""
        point = self.approval
        if point is None:
            return False
        if point.status is None:
            return not getattr(record, point.by_field or "", None) and (
                not point.applies or bool(getattr(self, point.applies)(record))
            )
        return point.status in self.transitions.get(record.status, frozenset())

    def rejection_status(self, record: O) -> str | None:
        """Where a rejected record goes: ``rejected`` where the workflow has it, else back to the
        status it came from (in review -> draft, done -> in progress); None: it stays where it is."""
        point = self.approval
        nexts = self.transitions.get(record.status, frozenset())
        if "rejected" in nexts:
            return "rejected"
        back = sorted(s for s in nexts if s != (point.status if point else None)
                      and record.status in self.transitions.get(s, frozenset())
                      and s not in self.final_statuses | {"cancelled"})  # fmt: skip
        return back[0] if back else None

    def reject_record(self, record_id: str, expected_version: int, reason: str) -> O:
        """Refuse the approval of ``record_id`` as the acting identity, now, saying why.

        Only someone who may approve the record may reject it. The record moves to
        :meth:`rejection_status` (if any) and a ``reject`` event keeps the reason in the history.
        """
        point = self.approval
        if point is None:
            raise RuleViolationError(f"{self._label()} records are not approved, so they are not rejected either")
        text = " ".join(str(reason or "").split())
        if not text:
            raise RecordValidationError(
                self.record_type(), [FieldProblem("reason", "is required: say why, so the author knows what to change")]
            )
        if len(text) > 2000:
            raise RecordValidationError(self.record_type(), [FieldProblem("reason", "is longer than 2000 characters")])
        self._refuse_readers(f"reject {record_id}")
        history.lock(self.session)
        row = self._row(record_id, lock=True)
        if row.version != expected_version:
            raise ConflictError(
                f"{record_id} is at version {row.version}, not {expected_version}: {row.updated_by} changed it at "
                f"{row.updated_at:%Y-%m-%d %H:%M:%S} UTC; reload it and decide again"
            )
        before = self.to_out(row)
        if not self.awaiting_approval(before):
            where = before.status.replace("_", " ")
            raise ConflictError(f"{record_id} is {where}: it is not waiting to be {point.act}")
        current = before.model_dump(include=set(self.field_names()))
        self._authorise(point.verb, record_id, current, point.status or before.status)
        self._approve(record_id, before, self._validate(current))  # the rules of approving it apply
        target = self.rejection_status(before)
        after = self.update(record_id, expected_version, {"status": target}) if target else before
        state = after.model_dump(mode="json")
        history.append(
            self.session, record_id=record_id, record_type=self.record_type(), action=approvals.REJECT,
            actor=self.actor.name, before=state, after={**state, history.NOTE: text}, at=self.clock(),
        )  # fmt: skip
        return after

    def rejections(self, record_id: str) -> builtins.list[EventOut]:
        """Every rejection of ``record_id``, oldest first, each with its reason (``note``)."""
        return [e for e in history.events_for(self.session, record_id) if e.action == approvals.REJECT]

    def approvals(self, record_id: str) -> builtins.list[approvals.Approval]:
        """Every approval of ``record_id``, oldest first, from its history."""
        if self.approval is None:
            return []
        return approvals.approvals_of(self.session, self.approval, record_id)

    def _created_in(self, status: str) -> str:
        article = "an" if self._label()[0] in "aeiou" else "a"
        text = (
            f"{article} {self._label()} cannot be created as {status!r}: create it as {self.initial_status!r}, then "
            f"move it on with updates ('aims {self.cli_name()} update ID --status {status} --version N')"
        )
        point = self.approval
        if point is not None and point.status == status:
            text += f" or 'aims {self.cli_name()} approve ID': that move is {point.act} by whoever makes it"
        return text

    def _refuse_typed(self, names: builtins.list[str]) -> None:
        approved = self.approval.register_fields() if self.approval is not None else frozenset()
        maintained = frozenset() if self._maintaining else self.maintained_fields
        names = [n for n in names if n in approved or n in maintained]
        if not names:
            return
        how = f"'aims {self.cli_name()} approve ID'"
        problems = [
            FieldProblem(n, "is kept up to date by the register itself; it cannot be typed")
            if n in self.maintained_fields
            else FieldProblem(n, f"is recorded from the approval itself (whoever runs {how}, when they run it); "
                              "it cannot be typed")
            for n in sorted(names)
        ]  # fmt: skip
        raise RecordValidationError(self.record_type(), problems)

    def _is_approval(self, before: O | None, status: str, *, approving: bool) -> bool:
        point = self.approval
        if point is None:
            return False
        if point.status is None:
            return approving
        return status == point.status and (before is None or before.status != status)

    def _approve(self, record_id: str, before: O | None, fields: F) -> F:
        """Check that the actor may make this approval; fill who and when from the actor and now."""
        point = self.approval
        assert point is not None
        verb = point.verb
        mine = self._actor_identities()
        if point.applies and not getattr(self, point.applies)(fields):
            raise RuleViolationError(f"{record_id} needs no approval as it stands")
        asked = getattr(fields, point.request_field, None) if point.request_field else None
        if isinstance(asked, str) and asked and not self.identities(asked) & mine:
            raise RuleViolationError(
                f"{record_id}: {point.request_field} asks {asked} to {verb} it, so only {asked}, signed in as "
                f"themselves, can {verb} it ({self.actor.name} cannot); or change {point.request_field} first"
            )
        for duty in point.duties:
            for name in duty.fields:
                if name == "created_by":
                    value: Any = before.created_by if before is not None else self.actor.name
                else:
                    value = getattr(fields, name, None)
                if isinstance(value, str) and value and self.identities(value) & mine:
                    raise RuleViolationError(
                        f"{record_id}: separation of duties ({duty.rule}): the {duty.role} does not {verb} it; "
                        f"{self.actor.name} is its {duty.role}, so someone else must {verb} it"
                    )
        for rule in point.roles:
            if rule.when and not getattr(self, rule.when)(record_id, fields):
                continue
            if not self.actor.is_manager:
                raise RuleViolationError(
                    f"{record_id}: {rule.rule}: {rule.reason}, so only an admin or AIMS manager can {verb} it; "
                    f"{self.actor.name} is {self.actor.role_label}"
                )
        update: dict[str, Any] = {}
        if point.by_field:
            update[point.by_field] = self.actor.name
        if point.on_field:
            update[point.on_field] = self.clock().date()
        return fields.model_copy(update=update) if update else fields

    def restore(self, data: Mapping[str, Any], *, check_references: bool = True, provenance: bool = True) -> O:
        """Load a record as exported (id, status, version, timestamps kept), as an ``import`` event.

        The id counter is moved past the id. Rules on status are not re-applied (the record
        was valid where it was exported from). References must exist unless
        ``check_references`` is false; single references are foreign keys and are enforced
        anyway, so load record types in :func:`restore_order` and check list references
        once everything is in (:meth:`check_references_of`). With ``provenance=False`` who
        created and changed the record and when are checked but not kept: the actor and now
        are recorded instead (an import whose history does not vouch for them).
        """
        raw = dict(data)
        record_id = str(raw.get("id", ""))
        if ids.parse_id(record_id) is None and not record_id.startswith(self.prefix() + "-"):
            raise RecordValidationError(self.record_type(), [FieldProblem("id", f"{record_id!r} is not an id")])
        meta = {k: raw.pop(k) for k in list(raw) if k in META_COLUMNS or k == "record_type"}
        fields = self._validate(raw)
        meta.update(_restored_meta(self.record_type(), meta))
        if not provenance:
            meta = {k: v for k, v in meta.items() if k not in ("created_at", "created_by", "updated_at", "updated_by")}
        status = str(meta.get("status") or self.initial_status)
        if status not in self.statuses():
            problem = FieldProblem("status", f"must be one of: {', '.join(self.statuses())} (got {status!r})")
            raise RecordValidationError(self.record_type(), [problem])
        self._authorise("import", record_id, fields.model_dump(), status)
        history.lock(self.session)
        if self.exists(record_id):
            raise ConflictError(f"{record_id} already exists")
        values = self._values(fields)
        if check_references:
            self._check_references(values)
        now = self.clock()
        ids.reserve(self.session, record_id)
        row = self.model(
            id=record_id,
            status=status,
            created_at=meta.get("created_at") or now,
            created_by=meta.get("created_by") or self.actor.name,
            updated_at=meta.get("updated_at") or now,
            updated_by=meta.get("updated_by") or self.actor.name,
            **values,
        )
        self.session.add(row)
        self._flush(record_id)
        version = int(meta.get("version") or 1)
        if version != row.version:
            self.session.execute(sa_update(self.model).where(self.model.id == record_id).values(version=version))
            self.session.refresh(row)
        after = self.to_out(row)
        self._event("import", record_id, None, after, now)
        if not provenance and self.approval is not None and approvals.typed_in(self.approval, row):
            # A file's word that someone approved is kept, but marked as not signed here.
            self._event(approvals.UNSIGNED, record_id, after, after, now)
        return after

    def check_references_of(self, record_id: str) -> None:
        """Raise RecordValidationError if a stored record names records that do not exist."""
        record = self.get(record_id)
        self._check_references(record.model_dump(include=set(self.field_names())))

    # -------------------------------------------------------------- helpers
    def service(self, cls: type[S]) -> S:
        """Another service on the same session and actor (for cross-record rules)."""
        return cls(self.session, self.actor, clock=self.clock)


#: Bounds on one structured field (a mapping or list of values): far above what a record
#: holds, far below what could exhaust memory or the recursion of JSON encoders.
FIELD_LIMITS = Limits(max_bytes=4 * 1024 * 1024, max_depth=32, max_elements=100_000)


def _unstorable(data: Mapping[str, Any]) -> list[FieldProblem]:
    """Fields no database could store as given: nested too deep, too many values, or text
    with a NUL character or half a surrogate pair (from JSON escapes)."""
    problems = []
    for name, value in data.items():
        shape = check_shape(value, FIELD_LIMITS) if isinstance(value, dict | list) else None
        if shape is Problem.TOO_DEEP:
            problems.append(FieldProblem(str(name), f"nested deeper than {FIELD_LIMITS.max_depth} levels"))
        elif shape is Problem.TOO_MANY:
            problems.append(FieldProblem(str(name), f"holds more than {FIELD_LIMITS.max_elements} values"))
        elif (text := text_problem(value)) is not None:
            problems.append(FieldProblem(str(name), text))
    return problems


#: Largest version number a register stores (a 32-bit column on PostgreSQL).
MAX_VERSION = 2**31 - 1


class _RestoredMeta(BaseModel):
    """What an exported record says about itself besides its fields, checked before it is stored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    status: str | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    created_at: dt.datetime | None = Field(default=None, strict=False)
    created_by: str | None = Field(default=None, min_length=1, max_length=200)
    updated_at: dt.datetime | None = Field(default=None, strict=False)
    updated_by: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("created_at", "updated_at", mode="before")
    @classmethod
    def _text_or_time(cls, value: Any) -> Any:
        if value is None or isinstance(value, str | dt.datetime):
            return value
        raise ValueError("must be a date and time such as 2026-05-04T09:30:00Z")


def _restored_meta(record_type: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The bookkeeping of a restored record, typed; RecordValidationError naming each bad one."""
    try:
        checked = _RestoredMeta.model_validate(meta)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            message = plain_problem(error)
            if name == "version":
                message = f"must be a whole number from 1 to {MAX_VERSION}"
            elif name in ("created_at", "updated_at"):
                message = "must be a date and time such as 2026-05-04T09:30:00Z"
            problems.append(FieldProblem(name, message))
        raise RecordValidationError(record_type, problems) from None
    values = {k: v for k, v in checked.model_dump().items() if k in meta}
    unstorable = _unstorable(values)
    if unstorable:
        raise RecordValidationError(record_type, unstorable)
    return values


_LOADED: set[str] = set()


def _load_services() -> None:
    """Import every record service module once: each service registers itself when defined."""
    if not _LOADED:
        import importlib

        from openaims.register.services import RECORD_SERVICE_MODULES

        for module in RECORD_SERVICE_MODULES:
            importlib.import_module(f"openaims.register.services.{module}")
        _LOADED.add("all")


def registry() -> Mapping[str, type[RecordService[Any, Any]]]:
    """Every record service by record type (``risk`` -> RiskService)."""
    _load_services()
    return _REGISTRY


def restore_order() -> list[str]:
    """Record types ordered so that every single (foreign-key) reference points backwards."""
    _load_services()
    prefixes = {cls.prefix(): rt for rt, cls in _REGISTRY.items()}
    needs: dict[str, set[str]] = {}
    for record_type, cls in _REGISTRY.items():
        columns = cls.model.__table__.columns
        needs[record_type] = {
            prefixes[prefix]
            for field, prefix in cls.references.items()
            if prefix in prefixes and columns[field].foreign_keys and prefixes[prefix] != record_type
        }
    order: list[str] = []
    while needs:
        ready = [rt for rt, deps in needs.items() if deps <= set(order)]
        if not ready:
            raise RuntimeError(f"circular foreign keys between {sorted(needs)}")
        order.extend(ready)
        for rt in ready:
            del needs[rt]
    return order


def service_for_prefix(prefix: str) -> type[RecordService[Any, Any]] | None:
    _load_services()
    for cls in _REGISTRY.values():
        if cls.prefix() == prefix:
            return cls
    return None


def service_for_id(record_id: str) -> type[RecordService[Any, Any]]:
    """The service that owns ``record_id`` (by prefix); NotFoundError for unknown prefixes."""
    prefix = record_id.split("-", 1)[0].upper()
    cls = service_for_prefix(prefix)
    if cls is None:
        known = ", ".join(sorted(c.prefix() for c in _REGISTRY.values()))
        raise NotFoundError(f"{record_id!r} is not a record id; ids start with one of {known}")
    return cls


def require(condition: bool, message: str) -> None:
    """Raise a RuleViolationError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise RuleViolationError(message)
