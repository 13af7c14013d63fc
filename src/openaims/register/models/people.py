"""People, AIMS roles and responsibilities, RACI per AIMS process [5.3]."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openaims.register.models.base import Record, json_list, short, text


class Person(Record):
    """Someone who holds an AIMS role, owns records, audits or approves [5.3]."""

    __tablename__ = "people"
    prefix = "USER"
    record_type = "person"

    name: Mapped[str] = short(nullable=False)
    username: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    email: Mapped[str | None] = short()
    unit: Mapped[str | None] = short()
    job_title: Mapped[str | None] = short()


class Role(Record):
    """An AIMS role with its responsibilities, authorities and holders [5.3, A.3.2]."""

    __tablename__ = "aims_roles"
    prefix = "ROLE"
    record_type = "role"

    name: Mapped[str] = short(nullable=False)
    responsibilities: Mapped[str | None] = text()
    authorities: Mapped[str | None] = text()
    holder_ids: Mapped[list[str]] = json_list()


class RaciEntry(Record):
    """Who is responsible, accountable, consulted and informed for one AIMS process [5.3]."""

    __tablename__ = "raci_entries"
    prefix = "RACI"
    record_type = "raci"

    process: Mapped[str] = short(nullable=False, index=True)
    description: Mapped[str | None] = text()
    responsible: Mapped[list[str]] = json_list()
    accountable: Mapped[str] = short(nullable=False)
    consulted: Mapped[list[str]] = json_list()
    informed: Mapped[list[str]] = json_list()
