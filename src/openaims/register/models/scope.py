"""The AIMS scope [4.3]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped

from openaims.register.models.base import Record, date_col, json_dict, json_list, short, text


class Scope(Record):
    """Boundaries of the AIMS: AI systems in and out, units, locations, roles per system [4.3]."""

    __tablename__ = "aims_scopes"
    prefix = "SCOPE"
    record_type = "scope"

    title: Mapped[str] = short(nullable=False)
    statement: Mapped[str | None] = text()
    included_system_ids: Mapped[list[str]] = json_list()
    excluded_systems: Mapped[list[dict[str, Any]]] = json_list()
    units: Mapped[list[str]] = json_list()
    locations: Mapped[list[str]] = json_list()
    system_roles: Mapped[dict[str, Any]] = json_dict()
    approver: Mapped[str | None] = short()
    approved_on: Mapped[dt.date | None] = date_col()
    owner: Mapped[str | None] = short(index=True)
