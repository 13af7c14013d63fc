"""People, AIMS roles and the RACI per AIMS process [5.3, A.3.2]."""

from __future__ import annotations

from sqlalchemy import func, select

from openaims.errors import ConflictError
from openaims.register.models.people import Person, RaciEntry, Role
from openaims.register.services.base import RecordFields, RecordOut, RecordService, person_named
from openaims.register.services.types import RecordId, Short, Text, Title, closed


class PersonFields(RecordFields):
    """A person who holds roles, owns records, audits or approves."""

    name: Title
    username: Short = None
    email: Short = None
    unit: Short = None
    job_title: Short = None


class PersonOut(PersonFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class PersonService(RecordService[PersonFields, PersonOut]):
    """Only admins and AIMS managers maintain people (there is no owner)."""

    model = Person
    fields = PersonFields
    out = PersonOut
    initial_status = "active"
    transitions = closed(("active", ("inactive",)), ("inactive", ("active",)))
    owner_fields = ()
    search_fields = ("name", "username", "email")
    label_field = "name"

    def check(self, record_id: str, before: PersonOut | None, fields: PersonFields, status: str) -> None:
        if fields.username:
            other = self.session.execute(
                select(Person.id).where(Person.username == fields.username, Person.id != record_id)
            ).scalar_one_or_none()
            if other is not None:
                raise ConflictError(f"username {fields.username!r} is already used by {other}")
        if fields.email:
            # An e-mail names one person: owners and approvers are matched by it.
            same = self.session.execute(
                select(Person.id).where(func.lower(Person.email) == fields.email.lower(), Person.id != record_id)
            ).first()
            if same is not None:
                raise ConflictError(f"e-mail {fields.email!r} is already used by {same[0]}")

    def find(self, name: str) -> PersonOut | None:
        """The person with this id, username or e-mail."""
        row = person_named(self.session, name)
        return self.to_out(row) if row is not None else None


class RoleFields(RecordFields):
    """An AIMS role, what it is responsible for, its authorities and who holds it [5.3]."""

    name: Title
    responsibilities: Text = None
    authorities: Text = None
    holder_ids: list[RecordId] = []


class RoleOut(RoleFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class RoleService(RecordService[RoleFields, RoleOut]):
    model = Role
    fields = RoleFields
    out = RoleOut
    initial_status = "active"
    transitions = closed(("active", ("retired",)), ("retired", ("active",)))
    references = {"holder_ids": "USER"}
    owner_fields = ()
    search_fields = ("name",)
    label_field = "name"


class RaciFields(RecordFields):
    """Responsible, accountable (exactly one), consulted and informed for one AIMS process [5.3]."""

    process: Title
    description: Text = None
    responsible: list[str] = []
    accountable: Title
    consulted: list[str] = []
    informed: list[str] = []


class RaciOut(RaciFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class RaciService(RecordService[RaciFields, RaciOut]):
    """The RACI also decides who owns a process, which the audit independence rule uses."""

    model = RaciEntry
    fields = RaciFields
    out = RaciOut
    initial_status = "active"
    transitions = closed(("active", ("retired",)), ("retired", ("active",)))
    owner_fields = ("accountable",)
    search_fields = ("process",)
    label_field = "process"

    def process_owners(self, process: str) -> dict[str, str]:
        """Who is accountable or responsible for ``process`` -> the RACI entry saying so."""
        owners: dict[str, str] = {}
        for entry in self.all(status="active"):
            if entry.process.casefold() == process.casefold():
                for name in [entry.accountable, *entry.responsible]:
                    owners.setdefault(name, entry.id)
        return owners
