"""Typed request and response schemas of the API, one set per record type, built from the
record types' field description (:mod:`openaims.register.fields`).

For a record type ``risk`` the OpenAPI document holds ``RiskNew`` (a create body: the fields a
user gives, and an optional first status), ``RiskChanges`` (an update body: the version read
and the fields to change), ``RiskRecord`` (a record as the API returns it) and ``RiskPage``. Each
property carries the description's extras: ``x-aims-kind``, the record type a reference names
(``x-aims-references``), the risk-method scale of a level (``x-aims-scale``); fields the register
derives are ``readOnly``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field, create_model

from openaims.register import fields
from openaims.register.fields import FieldSpec
from openaims.register.services import RecordService, registry
from openaims.register.services.base import service_for_prefix

REF = "#/components/schemas/{model}"
Service = type[RecordService[Any, Any]]
_Builder = Callable[[Service], type[BaseModel]]


def _per_type(build: _Builder) -> _Builder:
    """``build`` run once per record type."""
    built: dict[str, type[BaseModel]] = {}

    @functools.wraps(build)
    def cached(cls: Service) -> type[BaseModel]:
        key = cls.record_type()
        if key not in built:
            built[key] = build(cls)
        return built[key]

    return cached


def schema_name(record_type: str) -> str:
    """``corrective_action`` -> ``CorrectiveAction``."""
    return "".join(part.capitalize() for part in record_type.split("_"))


def _extra(spec: FieldSpec) -> dict[str, Any]:
    extra: dict[str, Any] = {"x-aims-kind": spec.kind.value}
    if spec.target:
        target = service_for_prefix(spec.target) if spec.target != "*" else None
        extra["x-aims-references"] = target.record_type() if target is not None else "*"
    if spec.scale:
        extra["x-aims-scale"] = spec.scale
    if spec.read_only:
        extra["readOnly"] = True
    return extra


def _field(cls: type[RecordService[Any, Any]], spec: FieldSpec, *, optional: bool) -> tuple[Any, Any]:
    info = cls.fields.model_fields[spec.name]
    annotation: Any = info.annotation
    if optional:
        return annotation | None, Field(default=None, description=spec.help or None, json_schema_extra=_extra(spec))
    default: Any = ... if info.is_required() else info.get_default(call_default_factory=True)
    return annotation, Field(default=default, description=spec.help or None, json_schema_extra=_extra(spec))


@_per_type
def new_model(cls: type[RecordService[Any, Any]]) -> type[BaseModel]:
    """The body that creates a record: every input field, and an optional first status."""
    statuses = tuple(cls.statuses())
    definitions: dict[str, Any] = {s.name: _field(cls, s, optional=False) for s in fields.inputs(cls)}
    definitions["status"] = (
        Literal[statuses] | None,  # type: ignore[valid-type]
        Field(default=None, description=f"First status (default {cls.initial_status})."),
    )
    return create_model(  # type: ignore[call-overload,no-any-return]
        schema_name(cls.record_type()) + "New",
        __config__=ConfigDict(extra="forbid"),
        __doc__=(cls.fields.__doc__ or "").strip() or None,
        **definitions,
    )


@_per_type
def changes_model(cls: type[RecordService[Any, Any]]) -> type[BaseModel]:
    """The body that changes a record: the version read and the fields to change (all optional)."""
    statuses = tuple(cls.statuses())
    definitions: dict[str, Any] = {s.name: _field(cls, s, optional=True) for s in fields.inputs(cls)}
    definitions["status"] = (
        Literal[statuses] | None,  # type: ignore[valid-type]
        Field(default=None, description="Move the record on to this status."),
    )
    changes = create_model(  # type: ignore[call-overload]
        schema_name(cls.record_type()) + "Fields", __config__=ConfigDict(extra="forbid"), **definitions
    )
    return create_model(  # type: ignore[call-overload,no-any-return]
        schema_name(cls.record_type()) + "Changes",
        version=(int, Field(ge=1, description="The version you read; a stale version is refused (409).")),
        changes=(changes, Field(description="Fields to change; include 'status' to move the record on.")),
    )


@_per_type
def out_model(cls: type[RecordService[Any, Any]]) -> type[BaseModel]:
    """A record as the API returns it: every field and the register's bookkeeping."""
    statuses = tuple(cls.statuses())
    definitions: dict[str, Any] = {s.name: _field(cls, s, optional=False) for s in fields.describe(cls)}
    return create_model(  # type: ignore[call-overload,no-any-return]
        schema_name(cls.record_type()) + "Record",
        id=(str, Field(examples=[f"{cls.prefix()}-1"])),
        record_type=(Literal[cls.record_type()], ...),  # type: ignore[valid-type,arg-type]
        status=(Literal[statuses], ...),  # type: ignore[valid-type,arg-type]
        version=(int, ...),
        created_at=(dt.datetime, ...),
        created_by=(str, ...),
        updated_at=(dt.datetime, ...),
        updated_by=(str, ...),
        **definitions,
    )


@_per_type
def page_model(cls: type[RecordService[Any, Any]]) -> type[BaseModel]:
    return create_model(  # type: ignore[call-overload,no-any-return]
        schema_name(cls.record_type()) + "Page",
        items=(list[out_model(cls)], ...),  # type: ignore[misc,arg-type]
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def component_schemas() -> dict[str, Any]:
    """Every record type's schemas, for the OpenAPI document's ``components.schemas``."""
    out: dict[str, Any] = {}
    for cls in registry().values():
        for model, mode in (
            (new_model(cls), "validation"),
            (changes_model(cls), "validation"),
            (out_model(cls), "serialization"),
            (page_model(cls), "serialization"),
        ):
            schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
            out.update(schema.pop("$defs", {}))
            out[model.__name__] = schema
    return out


__all__ = ["changes_model", "component_schemas", "new_model", "out_model", "page_model", "ref", "schema_name"]


def install(app: FastAPI) -> None:
    """Serve an OpenAPI document that holds every record type's schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in component_schemas().items():
                schemas.setdefault(name, schema)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
