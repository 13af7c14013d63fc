"""One description of every record type's fields, read by every interface.

A record type declares its fields once: the service's pydantic input model gives the
type, choices, bounds, list or mapping shape and help; the service's class variables
give what a type cannot say (the record type a reference names, the risk-method scale
a level is on, the fields the register derives); the model's columns say which texts
are long. :func:`describe` turns that into :class:`FieldSpec` values, and the command
line options, CSV columns, web forms and the API's request and response schemas are
all built from them, so a new record type or field needs no interface code::

    >>> spec = field_spec(RiskService, "inherent_likelihood")
    >>> spec.kind, spec.scale, spec.minimum
    (<Kind.INTEGER: 'integer'>, 'likelihood', 1)
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sqlalchemy import Text as TextColumn

from openaims.register.errors import field_label

if typing.TYPE_CHECKING:
    from openaims.register.services.base import RecordService

#: Texts longer than this are edited as paragraphs.
LONG_TEXT = 1000


class Kind(enum.StrEnum):
    """What one value of a field is."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"
    REFERENCE = "reference"
    #: A nested object with its own fields (:attr:`FieldSpec.parts`).
    GROUP = "group"
    #: Data without a described structure (a matrix of ratings): exchanged as JSON.
    DATA = "data"


class Shape(enum.StrEnum):
    """How many values a field holds."""

    ONE = "one"
    #: A list of values.
    LIST = "list"
    #: A mapping from a key (one of :attr:`FieldSpec.keys`, or any text) to a value.
    MAPPING = "mapping"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type, as every interface needs it."""

    name: str
    label: str
    kind: Kind
    shape: Shape = Shape.ONE
    required: bool = False
    #: Whether "no value" (None) is a value of its own (a yes/no not yet answered).
    optional: bool = False
    #: Allowed values of a choice.
    choices: tuple[str, ...] = ()
    #: Keys of a mapping (empty: any text).
    keys: tuple[str, ...] = ()
    #: Prefix of the record type a reference names (``SYS``), or ``*`` for any record.
    target: str | None = None
    #: Risk-method scale a level is on (``likelihood`` or ``impact``), if any.
    scale: str | None = None
    #: Set by the register (derived ratings, file digests, approvals), never given by a user.
    read_only: bool = False
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    #: The fields of a group (of each item or mapping value for lists and mappings).
    parts: tuple[FieldSpec, ...] = ()

    @property
    def structured(self) -> bool:
        """Whether the value is more than one plain value or a list of them (JSON in flat formats)."""
        return self.shape is Shape.MAPPING or self.kind in (Kind.GROUP, Kind.DATA)

    @property
    def many(self) -> bool:
        return self.shape is Shape.LIST

    def empty(self) -> Any:
        """The value of a cleared field."""
        if self.shape is Shape.LIST:
            return []
        if self.shape is Shape.MAPPING:
            return {}
        return None


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """``Annotated[X | None, ...]`` -> (X, whether None is allowed, the constraints on the way)."""
    optional = False
    found: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            base, *extra = get_args(annotation)
            for item in extra:
                found.extend(getattr(item, "metadata", None) or [item])
            annotation = base
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, optional, found


def _choices(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(str(m.value) for m in annotation)
    return ()


def _constraint(constraints: list[Any], name: str) -> Any:
    return next((getattr(c, name) for c in constraints if getattr(c, name, None) is not None), None)


def _value_spec(annotation: Any, constraints: list[Any]) -> dict[str, Any]:
    """Kind, choices, bounds and parts of one value of ``annotation``."""
    base, _, more = _unwrap(annotation)
    constraints = [*constraints, *more]
    choices = _choices(base)
    if choices:
        return {"kind": Kind.CHOICE, "choices": choices}
    if isinstance(base, type) and issubclass(base, BaseModel):
        return {"kind": Kind.GROUP, "parts": _model_parts(base)}
    if base is bool:
        return {"kind": Kind.BOOLEAN}
    if base in (int, float):
        return {"kind": Kind.INTEGER if base is int else Kind.NUMBER,
                "minimum": _constraint(constraints, "ge"), "maximum": _constraint(constraints, "le")}  # fmt: skip
    if base is dt.datetime:
        return {"kind": Kind.DATETIME}
    if base is dt.date:
        return {"kind": Kind.DATE}
    if base is str:
        longest = _constraint(constraints, "max_length")
        kind = Kind.LONG_TEXT if longest is None or longest > LONG_TEXT else Kind.TEXT
        return {"kind": kind, "max_length": longest}
    return {"kind": Kind.DATA}


def _spec(name: str, info: FieldInfo, **extra: Any) -> FieldSpec:
    base, optional, constraints = _unwrap(info.annotation)
    constraints = [*info.metadata, *constraints]
    origin = get_origin(base)
    values: dict[str, Any]
    if origin in (list, tuple, set, frozenset):
        (item,) = get_args(base)[:1] or (str,)
        values = {**_value_spec(item, []), "shape": Shape.LIST}
        if get_origin(_unwrap(item)[0]) in (list, dict):
            values = {"kind": Kind.DATA}
    elif origin is dict:
        key, value = get_args(base) or (str, Any)
        values = {**_value_spec(value, []), "shape": Shape.MAPPING, "keys": _choices(_unwrap(key)[0])}
        if values["kind"] is Kind.DATA:
            values = {"kind": Kind.DATA}
    else:
        values = _value_spec(base, constraints)
    required = info.is_required() and not optional
    spec_args = {"name": name, "label": field_label(name), "required": required, "optional": optional,
                 "help": info.description or ""}  # fmt: skip
    return FieldSpec(**{**spec_args, **values, **extra})


@functools.cache
def _model_parts(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    return tuple(_spec(name, info) for name, info in model.model_fields.items())


def _long_columns(cls: type[RecordService[Any, Any]]) -> frozenset[str]:
    columns = cls.model.__table__.columns
    return frozenset(c.key for c in columns if isinstance(c.type, TextColumn) and c.type.length is None)


_DESCRIBED: dict[type[Any], tuple[FieldSpec, ...]] = {}


def describe(cls: type[RecordService[Any, Any]]) -> tuple[FieldSpec, ...]:
    """Every field of ``cls``'s record type, in declaration order."""
    if cls not in _DESCRIBED:
        _DESCRIBED[cls] = _describe(cls)
    return _DESCRIBED[cls]


def _describe(cls: type[RecordService[Any, Any]]) -> tuple[FieldSpec, ...]:
    long_columns = _long_columns(cls)
    read_only = cls.register_fields() | cls.derived_fields
    out = []
    for name, info in cls.fields.model_fields.items():
        extra: dict[str, Any] = {"read_only": name in read_only, "scale": cls.scales.get(name)}
        target = cls.references.get(name, "*" if name == "links" else None)
        if target is not None:
            extra["target"] = target
        spec = _spec(name, info, **extra)
        if target is not None and spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
            spec = _replace(spec, kind=Kind.REFERENCE)
        if spec.kind is Kind.TEXT and name in long_columns:
            spec = _replace(spec, kind=Kind.LONG_TEXT)
        out.append(spec)
    return tuple(out)


def _replace(spec: FieldSpec, **changes: Any) -> FieldSpec:
    from dataclasses import replace

    return replace(spec, **changes)


def field_spec(cls: type[RecordService[Any, Any]], name: str) -> FieldSpec:
    """The description of one field; KeyError when the record type has no such field."""
    for spec in describe(cls):
        if spec.name == name:
            return spec
    raise KeyError(name)


def inputs(cls: type[RecordService[Any, Any]]) -> tuple[FieldSpec, ...]:
    """The fields a user gives (forms, options, request bodies): all but the read-only ones."""
    return tuple(s for s in describe(cls) if not s.read_only)


__all__ = ["LONG_TEXT", "FieldSpec", "Kind", "Shape", "describe", "field_spec", "inputs"]
