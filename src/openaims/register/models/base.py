"""Declarative base, column helpers and the columns every record shares.

Every record has a stable human id (``RISK-12``), a status, a version number
used for optimistic concurrency, who created and last changed it and when, and
free links to other records. Timestamps are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    event,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class _JSONDocument(TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL; the PostgreSQL dialect is imported only when a
    PostgreSQL register is used (a command on SQLite starts without it)."""

    impl = JSON
    cache_ok = True

    @property
    def python_type(self) -> type[Any]:
        return dict

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = _JSONDocument()


def is_json(type_: TypeEngine[Any]) -> bool:
    """Whether a column of this type holds a JSON document (a list or a mapping)."""
    return isinstance(type_, (JSON, _JSONDocument))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


@event.listens_for(Session, "before_flush")
def _every_model_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """A flush orders rows by foreign keys, which needs every referenced table mapped: model
    modules are imported on use (:mod:`openaims.register.models`), so load them all first."""
    from openaims.register.models import load_all

    load_all()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Column helpers keep the record modules short and uniform.
def short(*, nullable: bool = True, index: bool = False, length: int = 200) -> Any:
    return mapped_column(String(length), nullable=nullable, index=index)


def text() -> Any:
    return mapped_column(Text, nullable=True)


def json_list() -> Any:
    return mapped_column(JSONType, nullable=False, default=list)


def json_dict() -> Any:
    return mapped_column(JSONType, nullable=False, default=dict)


def date_col(*, index: bool = False) -> Any:
    return mapped_column(Date, nullable=True, index=index)


def ref(table: str, *, nullable: bool = True) -> Any:
    """A reference to another record by its human id."""
    return mapped_column(
        String(40), ForeignKey(f"{table}.id", ondelete="RESTRICT"), nullable=nullable, index=True
    )


class Record(Base):
    """Columns shared by every register record."""

    __abstract__ = True

    #: Human id prefix (``RISK`` gives ``RISK-1``); the record type name used in history.
    prefix: str = ""
    record_type: str = ""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    links: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            natural_order_index(table)


def natural_order_index(table: Any) -> Index:
    """The index that serves lists in id order (``RISK-2`` before ``RISK-10``): the sort key
    ``(length(id), id)`` stored in the index, so a page of a large table reads 50 index entries
    instead of sorting the table. Every record table has one (its migration creates it)."""
    return Index(natural_order_index_name(table.name), func.length(table.c.id), table.c.id)


def natural_order_index_name(table_name: str) -> str:
    return f"ix_{table_name}_id_order"


#: Names of the shared columns (not part of a record type's own fields).
META_COLUMNS = frozenset(
    {"id", "status", "version", "links", "created_at", "created_by", "updated_at", "updated_by"}
)
