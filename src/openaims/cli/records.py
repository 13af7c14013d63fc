"""``aims <record> list|show|add|update``: one command group per register record type.

The groups are generated from the service registry: each record type's pydantic
fields become ``--field`` options (repeat an option for list fields; give JSON for
structured fields), so a new record type or field needs no CLI code. Commands
parse, call one service method, and render a table or JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import inspect
import json
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

import typer
from pydantic import BaseModel
from rich.table import Table
from sqlalchemy.orm import Session

from openaims.cli.console import console, plain
from openaims.errors import UsageError
from openaims.layout import Column
from openaims.layout import print_table as print_fitted
from openaims.register import fields as field_description
from openaims.register import open_register
from openaims.register.actors import Actor, os_user_name
from openaims.register.fields import FieldSpec, Kind, Shape
from openaims.register.identity import Identity, Mode
from openaims.register.identity import resolve as resolve_identity
from openaims.register.services import Page, RecordOut, RecordService, registry
from openaims.register.services.base import FIELD_LIMITS
from openaims.settings import Settings, load_settings
from openaims.untrusted import InputError, read_entry, read_json, read_parts
from openaims.untrusted.wording import PATTERNS

if TYPE_CHECKING:
    from openaims.register.services.evidence import EvidenceService

PANEL = "Register records"


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


# ---------------------------------------------------------------- shared options
DatabaseOption = typer.Option(
    None,
    "--database-url",
    envvar="AIMS_DATABASE_URL",
    help="Register database (default: sqlite .aims/aims.db).",
)
ActorOption = typer.Option(
    None,
    "--actor",
    envvar="AIMS_ACTOR",
    help="Who makes the change, on a register without accounts (default: OS user); "
    "a register with accounts needs 'aims login' instead.",
)
FormatOption = typer.Option(OutputFormat.TABLE, "--format", envvar="AIMS_LIST_FORMAT", help="Output format.")


def settings_for(database_url: str | None) -> Settings:
    settings = load_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


#: The identity of the register session in progress, and whether it writes.
_CURRENT: ContextVar[tuple[Identity, bool] | None] = ContextVar("aims_cli_identity", default=None)


def cli_identity(session: Session, settings: Settings) -> Identity:
    """Personal mode: the local operator. Team mode: the account of AIMS_TOKEN or of 'aims login'."""
    from openaims.cli.logins import stored_login

    secret = settings.token.get_secret_value().strip() if settings.token is not None else ""
    source = "AIMS_TOKEN"
    if not secret:
        stored = stored_login(settings)
        secret, source = (stored.token, "aims login") if stored is not None else ("", "")
    return resolve_identity(
        session,
        token=secret or None,
        token_source=source,
        asserted=settings.actor,
        os_user=settings.actor.strip() or os_user_name(),  # default_actor_name() without reading settings again
    )


def current_identity() -> Identity:
    """The identity of the enclosing :func:`register_session`."""
    current = _CURRENT.get()
    if current is None:
        raise RuntimeError("the acting identity is known only inside register_session()")
    return current[0]


def actor_for(name: str | None) -> Actor:
    """Who acts in the enclosing :func:`register_session`.

    Personal mode: ``--actor``/``AIMS_ACTOR`` or the operating-system user, with admin rights
    (whoever runs the command line owns the database file). Team mode: the signed-in account;
    a different name given with ``--actor``/``AIMS_ACTOR`` is refused when the session writes.
    """
    current = _CURRENT.get()
    if current is None:
        raise RuntimeError("actor_for() is called inside register_session()")
    identity, write = current
    asked = (name or "").strip()
    if identity.mode is Mode.PERSONAL:
        return Actor(name=asked) if asked else identity.actor
    if write:
        identity.check_asserted(asked)
    return identity.actor


def signer_name(name: str | None) -> str:
    """Who signs with the organisation key: the acting account, else (not signed in) the local user."""
    from openaims.register.actors import default_actor_name
    from openaims.register.identity import NOT_SIGNED_IN

    acting = actor_for(name).name
    return default_actor_name() if acting == NOT_SIGNED_IN else acting


@contextmanager
def register_session(
    database_url: str | None, *, write: bool, scope: str = "write"
) -> Iterator[tuple[Session, Settings]]:
    """A unit of work on the register, with the acting identity resolved (see :func:`actor_for`).

    A write in team mode needs a signed-in account whose token has ``scope`` (or ``write``).
    """
    settings = settings_for(database_url)
    db = open_register(settings)
    try:
        with db.session() if write else db.read() as session:
            identity = cli_identity(session, settings)
            if write:
                identity.require_write(scope, asserted=settings.actor)
            marker = _CURRENT.set((identity, write))
            try:
                yield session, settings
            finally:
                _CURRENT.reset(marker)
    finally:
        db.dispose()


def _evidence(session: Session, actor: Actor, settings: Settings) -> EvidenceService:
    """The evidence service over the settings' evidence folder (imported when a command needs it)."""
    from openaims.register.services.evidence import EvidenceService

    return EvidenceService(session, actor, evidence_dir=settings.evidence_folder)


def make_service(
    cls: type[RecordService[Any, Any]], session: Session, actor: Actor, settings: Settings
) -> RecordService[Any, Any]:
    if cls.record_type() == "evidence":  # evidence keeps its files in the evidence folder
        return cls(session, actor, evidence_dir=settings.evidence_folder)  # type: ignore[call-arg]
    return cls(session, actor)


# -------------------------------------------------------------------- rendering
def render_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, list):
        if all(isinstance(v, (str, int, float)) for v in value):
            return ", ".join(str(v) for v in value)
        return json.dumps([v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value])
    if isinstance(value, dict):
        return json.dumps({str(k): (v.model_dump(mode="json") if isinstance(v, BaseModel) else v)
                           for k, v in value.items()})  # fmt: skip
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False), indent=2)


def _list_columns(cls: type[RecordService[Any, Any]]) -> list[str]:
    names = cls.field_names()
    columns = ["id", "status"]
    if cls.label_field in names:
        columns.append(cls.label_field)
    columns += [c for c in ("owner",) if c in names and c not in columns]
    return [*columns, "version", "updated_at", "updated_by"]


#: How each listed column gives way on a narrow terminal (the label shrinks, the rest are dropped).
_LIST_LAYOUT: dict[str, Column] = {
    "id": Column("id"),
    "status": Column("status", drop=5),
    "owner": Column("owner", min_width=8, drop=3),
    "version": Column("version", justify="right", drop=4),
    "updated_at": Column("updated at", drop=2),
    "updated_by": Column("updated by", min_width=8, drop=1),
}


def render_page(cls: type[RecordService[Any, Any]], page: Page[Any], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(page.model_dump(mode="json"))
    elif fmt is OutputFormat.TABLE:
        columns = _list_columns(cls)
        shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "0"
        layout = [_LIST_LAYOUT.get(c) or Column(c.replace("_", " "), min_width=30) for c in columns]
        rows = [
            [
                f"{getattr(item, column):%Y-%m-%d %H:%M}"
                if column == "updated_at"
                else render_value(getattr(item, column))
                for column in columns
            ]
            for item in page.items
        ]
        print_fitted(console, layout, rows, title=f"{cls.cli_name()} records ({shown} of {page.total})")
    else:
        typing.assert_never(fmt)


def render_record(record: RecordOut, fmt: OutputFormat, *, events: int | None = None) -> None:
    if fmt is OutputFormat.JSON:
        print_json(record.model_dump(mode="json"))
    elif fmt is OutputFormat.TABLE:
        table = Table(title=f"{record.id} ({record.record_type.replace('_', ' ')})", show_header=False,
                      title_justify="left")  # fmt: skip
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for name, value in record:
            table.add_row(name.replace("_", " "), plain(render_value(value)))
        console.print(table)
        if events is not None:
            console.print(f"{events} history event(s): aims history show {record.id}", markup=False)
    else:
        typing.assert_never(fmt)


# ------------------------------------------------------------ field options
def _base_type(annotation: Any) -> Any:
    """``X | None`` -> X; Annotated[...] -> its type."""
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _base_type(args[0])
    return annotation


def _kind(spec: FieldSpec) -> str:
    """From the field description: ``rows`` (a list or mapping of groups: one repeatable option per row,
    ``PART=VALUE; ...``), ``group`` (one group the same way), ``json`` (data without a described
    structure), ``list`` (repeatable plain values) or ``scalar``."""
    if spec.kind is Kind.GROUP:
        return "group" if spec.shape is Shape.ONE else "rows"
    if spec.structured:
        return "json"
    return "list" if spec.many else "scalar"


def _part_rule(part: FieldSpec) -> str:
    if part.kind is Kind.BOOLEAN:
        return f"{part.name} (yes/no)"
    if part.kind is Kind.CHOICE:
        return f"{part.name} ({'/'.join(part.choices)})"
    if part.kind is Kind.INTEGER and part.minimum is not None and part.maximum is not None:
        return f"{part.name} ({part.minimum:g}-{part.maximum:g})"
    if part.kind is Kind.DATE:
        return f"{part.name} (YYYY-MM-DD)"
    return part.name


def _group_help(spec: FieldSpec) -> tuple[str, str]:
    """(metavar, help) of an option that takes groups as ``PART=VALUE; ...``."""
    parts = ", ".join(_part_rule(p) for p in spec.parts)
    required = [p.name for p in spec.parts if p.required]
    needs = f" ({', '.join(required)} required)" if required else ""
    if spec.shape is Shape.MAPPING:
        keys = f", KEY one of: {', '.join(spec.keys)}" if spec.keys else ""
        return "KEY: PART=VALUE;...", (
            f"One entry per option, as 'KEY: PART=VALUE; PART=VALUE'{keys}; parts: {parts}{needs}. Repeat for "
            "several entries (JSON is accepted too)."
        )
    if spec.shape is Shape.LIST:
        return "PART=VALUE;...", (
            f"One item per option, as 'PART=VALUE; PART=VALUE'; parts: {parts}{needs}. Repeat for several items; "
            "write \\; for a ';' inside a value (JSON is accepted too)."
        )
    return "PART=VALUE;...", f"As 'PART=VALUE; PART=VALUE'; parts: {parts}{needs} (JSON is accepted too)."


def _constraints(annotation: Any) -> tuple[Any, list[Any]]:
    """``X | None`` and ``Annotated[X, ...]`` -> (X, the constraints found on the way)."""
    found: list[Any] = []
    while True:
        if get_origin(annotation) is typing.Annotated:
            base, *extra = get_args(annotation)
            for item in extra:
                found.extend(getattr(item, "metadata", None) or [item])
            annotation = base
            continue
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation, found


def _bounds(constraints: list[Any]) -> tuple[Any, Any]:
    low = next((c.ge for c in constraints if getattr(c, "ge", None) is not None), None)
    high = next((c.le for c in constraints if getattr(c, "le", None) is not None), None)
    return low, high


def _text_rule(constraints: list[Any]) -> str:
    longest = next((c.max_length for c in constraints if getattr(c, "max_length", None)), None)
    shortest = next((c.min_length for c in constraints if getattr(c, "min_length", None)), None)
    if shortest and longest:
        return f"Text, {shortest} to {longest} characters."
    return f"Text, up to {longest} characters." if longest and longest <= 1000 else "Text."


def _id_rule(prefix: str | None, constraints: list[Any], plural: bool) -> str | None:
    pattern = next((c.pattern for c in constraints if getattr(c, "pattern", None)), None)
    if pattern is None:
        return None
    described = PATTERNS.get(str(pattern))
    if prefix and prefix != "*":
        described = f"the id of a record such as {prefix}-1"
    if described is None:
        return None
    return f"{'Each value is' if plural else 'The value is'} {described}."


def describe_field(cls: type[RecordService[Any, Any]], name: str, info: Any) -> tuple[str, str]:
    """(metavar, help) of the option that sets field ``name``: what it takes, in plain words."""
    base, constraints = _constraints(info.annotation)
    constraints = [*info.metadata, *constraints]
    prefix = cls.references.get(name)
    required = " Required." if info.is_required() else ""
    origin = get_origin(base)
    if origin is list:
        (item,) = get_args(base) or (str,)
        item, item_constraints = _constraints(item)
        choices = _choices(item)
        if choices:
            return _choice_metavar(choices), f"One of: {', '.join(choices)}. Repeat for several values.{required}"
        if item in (str, int, float):
            rule = _id_rule(prefix or ("*" if name == "links" else None), item_constraints, True)
            if name == "links":
                rule = "Each value is the id of any record, e.g. RISK-1."
            return "ID" if rule else "TEXT", f"{rule or 'Text.'} Repeat for several values.{required}".strip()
        return "JSON", f"A JSON list.{required}"
    if origin is dict or (isinstance(base, type) and issubclass(base, BaseModel)):
        return "JSON", f"A JSON object, e.g. '{{\"key\": \"value\"}}'.{required}"
    choices = _choices(base)
    if choices:
        return _choice_metavar(choices), f"One of: {', '.join(choices)}.{required}"
    if base is bool:
        return "BOOLEAN", f"true or false.{required}"
    if base is int or base is float:
        low, high = _bounds(constraints)
        word = "A whole number" if base is int else "A number"
        span = f" from {low} to {high}" if low is not None and high is not None else ""
        span = span or (f" of at least {low}" if low is not None else "")
        return ("INTEGER" if base is int else "NUMBER"), f"{word}{span}.{required}"
    if base is dt.date:
        return "DATE", f"A date, YYYY-MM-DD.{required}"
    if base is dt.datetime:
        return "DATETIME", f"A date and time, YYYY-MM-DDTHH:MM.{required}"
    rule = _id_rule(prefix, constraints, False)
    if rule:
        return "ID", f"{rule}{required}"
    return "TEXT", f"{_text_rule(constraints)}{required}"


def _choice_metavar(choices: list[str]) -> str:
    """``[a|b|c]``, or ``CHOICE`` when the list would not fit beside the option at 80 columns."""
    listed = "[" + "|".join(choices) + "]"
    return listed if len(listed) <= 32 else "CHOICE"


def _choices(annotation: Any) -> list[str]:
    if get_origin(annotation) is typing.Literal:
        return [str(a) for a in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(m.value) for m in annotation]
    return []


def _field_params(cls: type[RecordService[Any, Any]]) -> list[tuple[str, str, inspect.Parameter]]:
    params = []
    for spec in field_description.inputs(cls):  # who approved and when come from the approval itself
        name, info = spec.name, cls.fields.model_fields[spec.name]
        kind = _kind(spec)
        flag = "--" + name.replace("_", "-")
        metavar, help_text = _group_help(spec) if kind in ("rows", "group") else describe_field(cls, name, info)
        if info.description:
            help_text = f"{info.description.rstrip('.')}. {help_text}"
        annotation: Any = list[str] | None if kind in ("list", "rows") else str | None
        option = typer.Option(None, flag, help=help_text, metavar=metavar, show_default=False)
        param = inspect.Parameter(f"f_{name}", inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation)
        params.append((name, kind, param))
    return params


def _structured(spec: FieldSpec, values: list[str]) -> Any:
    """A group field's value from its options: ``PART=VALUE; ...`` per item (or entry), or JSON."""
    flag = "--" + spec.name.replace("_", "-")
    if len(values) == 1 and values[0].lstrip()[:1] in ("[", "{"):
        try:
            return read_json(values[0], flag, limits=FIELD_LIMITS)
        except InputError as exc:
            raise UsageError(f"{exc.message} (the option takes PART=VALUE; ... or JSON)") from None
    names = [p.name for p in spec.parts]

    def filled(parts: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in parts.items() if v != ""}

    if spec.shape is Shape.MAPPING:
        entries: dict[str, Any] = {}
        for value in values:
            key, parts = read_entry(value, spec.keys, names, flag)
            if key in entries:
                raise UsageError(f"{flag}: {key!r} is given twice")
            entries[key] = filled(parts)
        return entries
    rows = [filled(read_parts(v, names, flag)) for v in values if v.strip()]
    if spec.shape is Shape.LIST:
        return rows
    return rows[0] if rows else None


def _collect(
    fields: list[tuple[str, str, inspect.Parameter]],
    kwargs: Mapping[str, Any],
    cls: type[RecordService[Any, Any]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, kind, _param in fields:
        value = kwargs.get(f"f_{name}")
        if value is None:
            continue
        if kind in ("rows", "group") and cls is not None:
            given = [v for v in value if v != ""] if isinstance(value, list) else [value]
            data[name] = _structured(field_description.field_spec(cls, name), given)
        elif kind == "json":
            try:
                data[name] = read_json(value, f"--{name.replace('_', '-')}", limits=FIELD_LIMITS)
            except InputError as exc:
                raise UsageError(f"{exc.message} (the option needs JSON)") from None
        elif kind == "list":
            data[name] = [v for v in value if v != ""]
        else:
            data[name] = value
    return data


def _with_signature(func: Callable[..., None], params: list[inspect.Parameter]) -> Callable[..., None]:
    func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    func.__annotations__ = {p.name: p.annotation for p in params}
    return func


def _common(fmt_default: bool = True) -> list[inspect.Parameter]:
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("database_url", kw, default=DatabaseOption, annotation=str | None),
        inspect.Parameter("actor", kw, default=ActorOption, annotation=str | None),
    ]
    if fmt_default:
        params.append(inspect.Parameter("fmt", kw, default=FormatOption, annotation=OutputFormat))
    return params


# ------------------------------------------------------------------ commands
def _opt(name: str, annotation: Any, default: Any, *decls: str, help: str | None = None) -> inspect.Parameter:
    option = typer.Option(default, *decls, help=help)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation)


def _group(cls: type[RecordService[Any, Any]]) -> typer.Typer:
    label = cls.record_type().replace("_", " ")
    doc = (cls.fields.__doc__ or "").strip().splitlines()[0].replace("``", "") if cls.fields.__doc__ else ""
    title = label.upper() if label == "raci" else label.capitalize()
    group = typer.Typer(help=f"{title} records. {doc}", no_args_is_help=True)
    fields = _field_params(cls)
    statuses = ", ".join(cls.statuses())

    def list_cmd(**kwargs: Any) -> None:
        filters: dict[str, Any] = {}
        for item in kwargs["filter"] or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"--filter takes FIELD=VALUE, not {item!r}")
            filters[key.strip().replace("-", "_")] = value
        if kwargs.get("status"):
            filters["status"] = kwargs["status"]
        if kwargs.get("owner"):
            filters["owner"] = kwargs["owner"]
        with register_session(kwargs["database_url"], write=False) as (session, settings):
            service = make_service(cls, session, actor_for(kwargs["actor"]), settings)
            page = service.list(filters=filters, q=kwargs["search"], sort=kwargs["sort"],
                                limit=kwargs["limit"], offset=kwargs["offset"])  # fmt: skip
        render_page(cls, page, kwargs["fmt"])

    list_params = [
        _opt("status", str | None, None, "--status", help=f"One of: {statuses}."),
        _opt("filter", list[str] | None, None, "--filter", help="FIELD=VALUE; repeatable."),
        _opt("search", str | None, None, "--search", "-q", help="Text to look for."),
        _opt("sort", str | None, None, "--sort", help="FIELD, or -FIELD for descending."),
        _opt("limit", int, 50, "--limit", help="Records per page (1-1000)."),
        _opt("offset", int, 0, "--offset", help="Records to skip."),
    ]
    if "owner" in cls.field_names():
        list_params.append(_opt("owner", str | None, None, "--owner", help="Only records this owner owns."))
    list_cmd.__doc__ = f"List {label} records (filter, search, sort, page)."
    group.command("list")(_with_signature(list_cmd, [*list_params, *_common()]))

    def show_cmd(**kwargs: Any) -> None:
        with register_session(kwargs["database_url"], write=False) as (session, settings):
            service = make_service(cls, session, actor_for(kwargs["actor"]), settings)
            record = service.get(kwargs["record_id"].strip())
            events = len(service.history(record.id))
            approvals = service.approvals(record.id)
            evidence = _evidence(session, service.actor, settings).for_record(record.id)
            deadline = None
            if cls.record_type() == "incident" and kwargs["fmt"] is OutputFormat.TABLE:
                from openaims.register.services.incidents import IncidentService

                assert isinstance(service, IncidentService)
                due = service.deadline(record)
                deadline = due.describe(service.clock()) if due is not None else None
        render_record(record, kwargs["fmt"], events=events)
        if deadline is not None:
            console.print(deadline, markup=False, soft_wrap=True)
        if kwargs["fmt"] is OutputFormat.TABLE:
            for approval in approvals:
                console.print(approval.describe(), markup=False)
        if kwargs["fmt"] is OutputFormat.TABLE:
            for item in evidence:
                what = item.filename if item.kind == "file" else item.url
                console.print(f"evidence {item.id}: {item.title} ({item.kind}: {what})", markup=False, soft_wrap=True)

    record_arg = inspect.Parameter(
        "record_id", inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=typer.Argument(..., metavar="ID", help=f"Record id, e.g. {cls.prefix()}-1."), annotation=str,
    )  # fmt: skip
    show_cmd.__doc__ = f"Show one {label} record."
    group.command("show")(_with_signature(show_cmd, [record_arg, *_common()]))

    def add_cmd(**kwargs: Any) -> None:
        data = _collect(fields, kwargs, cls)
        with register_session(kwargs["database_url"], write=True) as (session, settings):
            service = make_service(cls, session, actor_for(kwargs["actor"]), settings)
            record = service.create(data, status=kwargs["status"])
        _report_write("Created", record, kwargs["fmt"])

    first = f"Initial status, one of: {statuses} (default {cls.initial_status})."
    add_status = _opt("status", str | None, None, "--status", help=first)
    add_cmd.__doc__ = f"Add a {label} record. Statuses: {statuses}."
    group.command("add")(_with_signature(add_cmd, [*(p for _, _, p in fields), add_status, *_common()]))

    def update_cmd(**kwargs: Any) -> None:
        data = _collect(fields, kwargs, cls)
        for name in kwargs["clear"] or []:
            key = name.replace("-", "_")
            if key not in cls.field_names():
                raise UsageError(f"--clear {name}: not a field of {label} records")
            data[key] = field_description.field_spec(cls, key).empty()
        if kwargs["status"]:
            data["status"] = kwargs["status"]
        if not data:
            raise UsageError("nothing to change: give field options, --clear FIELD or --status")
        with register_session(kwargs["database_url"], write=True) as (session, settings):
            service = make_service(cls, session, actor_for(kwargs["actor"]), settings)
            before = service.get(kwargs["record_id"].strip())
            record = service.update(before.id, kwargs["expected_version"], data)
        _report_write("Updated" if record.version != before.version else "Unchanged", record, kwargs["fmt"])

    update_params = [
        record_arg,
        *(p for _, _, p in fields),
        _opt("status", str | None, None, "--status", help=f"New status: {statuses}."),
        _opt("clear", list[str] | None, None, "--clear", help="Empty a field; repeatable."),
        _opt("expected_version", int, ..., "--version",
             help="The version you are changing (see 'show'); a stale version is refused."),
    ]  # fmt: skip
    update_cmd.__doc__ = f"Change a {label} record and/or its status. Statuses: {statuses}."
    group.command("update")(_with_signature(update_cmd, [*update_params, *_common()]))
    if cls.approval is not None:
        _approve_command(cls, group, record_arg, fields)
    return group


def _approve_command(
    cls: type[RecordService[Any, Any]],
    group: typer.Typer,
    record_arg: inspect.Parameter,
    fields: list[tuple[str, str, inspect.Parameter]],
) -> None:
    point = cls.approval
    assert point is not None
    label = cls.record_type().replace("_", " ")

    def approve_cmd(**kwargs: Any) -> None:
        data = _collect(fields, kwargs, cls)
        with register_session(kwargs["database_url"], write=True) as (session, settings):
            service = make_service(cls, session, actor_for(kwargs["actor"]), settings)
            record = service.approve_record(kwargs["record_id"].strip(), kwargs["expected_version"], data)
            approval = service.approvals(record.id)[-1]
        if kwargs["fmt"] is OutputFormat.TABLE:
            console.print(f"{record.id} {approval.describe()} (version {record.version})", markup=False)
        else:
            print_json(record.model_dump(mode="json"))

    params = [
        record_arg,
        *(p for _, _, p in fields),
        _opt("expected_version", int, ..., "--version",
             help="The version you are approving (see 'show'); a stale version is refused."),
    ]  # fmt: skip
    approve_cmd.__doc__ = (
        f"{point.verb.capitalize()} a {label} as the signed-in person, now: the approval is a history event "
        "(separation of duties applies; field options change the record in the same step)."
    )
    group.command(point.verb)(_with_signature(approve_cmd, [*params, *_common()]))


def _report_write(verb: str, record: RecordOut, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(record.model_dump(mode="json"))
    elif fmt is OutputFormat.TABLE:
        console.print(f"{verb} {record.id} ({record.status}, version {record.version})", markup=False)
    else:
        typing.assert_never(fmt)


def _evidence_extras(group: typer.Typer) -> None:
    @group.command("add-file")
    def add_file(
        path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="File to store."),
        *,
        title: str | None = typer.Option(None, "--title", help="Title (default: the file name)."),
        attach: list[str] | None = typer.Option(None, "--attach", help="Record id it supports; repeatable."),
        description: str | None = typer.Option(None, "--description"),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Store a file by SHA-256 under the evidence directory and record it as evidence."""
        with register_session(database_url, write=True) as (session, settings):
            service = _evidence(session, actor_for(actor), settings)
            record = service.add_file(path, title=title, record_ids=attach or [], description=description)
        _report_write("Stored", record, fmt)

    @group.command("attach")
    def attach_cmd(
        evidence_id: str = typer.Argument(..., metavar="EVIDENCE-ID"),
        record_id: str = typer.Argument(..., metavar="RECORD-ID"),
        *,
        expected_version: int = typer.Option(..., "--version", help="The evidence record's current version."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Attach existing evidence to another record."""
        with register_session(database_url, write=True) as (session, settings):
            service = _evidence(session, actor_for(actor), settings)
            record = service.attach(evidence_id, expected_version, record_id)
        _report_write("Attached", record, fmt)


def _document_extras(group: typer.Typer) -> None:
    @group.command("new-version")
    def new_version(
        document_id: str = typer.Argument(..., metavar="DOCUMENT-ID", help="e.g. DOC-1"),
        *,
        content_file: Path | None = typer.Option(
            None,
            "--content-file",
            exists=True,
            dir_okay=False,
            readable=True,
            help="New content (default: copy the newest version's content).",
        ),
        change_summary: str | None = typer.Option(None, "--change-summary", help="What changes and why."),
        database_url: str | None = DatabaseOption,
        actor: str | None = ActorOption,
        fmt: OutputFormat = FormatOption,
    ) -> None:
        """Start a new draft version of a controlled document (approved versions never change)."""
        changes: dict[str, Any] = {}
        if content_file is not None:
            changes["content"] = content_file.read_text(encoding="utf-8", errors="replace")
        if change_summary:
            changes["change_summary"] = change_summary
        from openaims.register.services.documents import DocumentVersionService

        with register_session(database_url, write=True) as (session, _settings):
            record = DocumentVersionService(session, actor_for(actor)).new_version(document_id.strip(), changes)
        _report_write("Created", record, fmt)  # fmt: skip


def _ordered() -> list[type[RecordService[Any, Any]]]:
    """Record types in the order of the standard (context first, improvement last)."""
    from openaims.register.models import RECORD_MODELS

    position = {model.record_type: n for n, model in enumerate(RECORD_MODELS)}
    return sorted(registry().values(), key=lambda c: position.get(c.record_type(), len(position)))


def _service_named(cli_name: str) -> type[RecordService[Any, Any]] | None:
    """One record type's service, importing only its module (the command index names it)."""
    from openaims.cli.main import command_index

    module = command_index().get(cli_name, {}).get("service_module")
    if not module:
        return None
    for value in vars(importlib.import_module(f"openaims.register.services.{module}")).values():
        if isinstance(value, type) and issubclass(value, RecordService) and "model" in value.__dict__:  # noqa: SIM102
            if value.cli_name() == cli_name:
                return value
    return None


def register(app: typer.Typer, only: str | None = None) -> None:
    """Add a command group per record type (with ``only``, just that record type's group)."""
    found = _service_named(only) if only is not None else None
    for cls in [found] if found is not None else _ordered():
        if only is not None and cls.cli_name() != only:
            continue
        group = _group(cls)
        if cls.record_type() == "evidence":
            _evidence_extras(group)
        if cls.record_type() == "document":
            _document_extras(group)
        if cls.record_type() == "management_review":
            from openaims.cli.reviews import review_extras

            review_extras(group)
        if cls.record_type() == "impact_assessment":
            from openaims.cli.impact import impact_extras

            impact_extras(group)
        if cls.record_type() == "audit":
            from openaims.cli.reviews import audit_extras

            audit_extras(group)
        if cls.record_type() == "risk":
            from openaims.cli.reviews import risk_extras

            risk_extras(group)
        if cls.record_type() == "system":
            from openaims.cli.lifecycle import system_extras

            system_extras(group)
        if cls.record_type() == "incident":
            from openaims.cli.incidents import incident_extras

            incident_extras(group)
        app.add_typer(group, name=cls.cli_name(), rich_help_panel=PANEL)
