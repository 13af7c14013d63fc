"""CSV export and import of one record type, for people who keep registers in spreadsheets.

The header row is ``id``, ``status``, ``version`` and the record type's fields. List
values are joined with ``"; "``; structured values (mappings, lists of mappings) are
JSON. On import a row with an empty ``id`` creates a record; a row with an id updates
that record if anything differs, refusing a stale ``version`` (optimistic
concurrency). Everything goes through the record service, in the caller's
transaction; the first bad row aborts the import and the error names the row and
field. ``dry_run`` does the work and rolls it back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.orm import Session

from openaims.errors import AimsError, UsageError
from openaims.register import fields as field_description
from openaims.register.actors import Actor
from openaims.register.exchange.cells import defuse, restore
from openaims.register.models.base import utcnow
from openaims.register.services import RecordService, registry
from openaims.register.services.base import FIELD_LIMITS
from openaims.untrusted import InputError, Limits, read_csv, read_json

LIST_SEPARATOR = "; "
#: Most data rows a CSV import takes.
MAX_ROWS = 100_000
#: Bounds on a CSV file (bytes and cells).
CSV_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_elements=5_000_000)


class CsvProblem(AimsError):
    """A CSV row that cannot be imported; keeps the exit code of the underlying error."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CsvReport:
    """Ids created, updated and left unchanged by a CSV import (``dry_run``: would be)."""

    record_type: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        created = "would create" if self.dry_run else "created"
        updated = "would update" if self.dry_run else "updated"
        return (
            f"{self.record_type}: {created} {len(self.created)}, {updated} {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}"
        )


def service_class(record_type: str) -> type[RecordService[Any, Any]]:
    """The service of a record type given as ``risk``, ``soa-entry`` or ``soa_entry`` (``soa`` too)."""
    name = record_type.strip().lower().replace("-", "_")
    aliases = {"soa": "soa_entry", "systems": "system", "risks": "risk"}
    name = aliases.get(name, name)
    types_ = registry()
    if name not in types_:
        raise UsageError(f"{record_type!r} is not a record type; use one of {', '.join(sorted(types_))}")
    return types_[name]


def _kinds(cls: type[RecordService[Any, Any]]) -> dict[str, str]:
    """Each field's cell kind from the field description: ``list`` (plain values joined with "; "),
    ``json`` (structured) or ``scalar``."""
    return {s.name: "json" if s.structured else "list" if s.many else "scalar" for s in field_description.describe(cls)}


def columns(cls: type[RecordService[Any, Any]]) -> list[str]:
    return ["id", "status", "version", *(n for n in cls.field_names() if n != "links"), "links"]


def _cell(kind: str, value: Any) -> str:
    """The CSV text of a value; texts that a spreadsheet would run as a formula are defused."""
    if value is None:
        return ""
    if kind == "list":
        return defuse(LIST_SEPARATOR.join(str(v) for v in value))
    if kind == "json":
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value not in ({}, []) else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return defuse(str(value))


def export_csv(session: Session, record_type: str, out: IO[str], *, actor: str = "export") -> int:
    """Write every record of ``record_type`` as CSV; returns the number of rows."""
    cls = service_class(record_type)
    kinds = _kinds(cls)
    names = columns(cls)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    records = cls(session, actor).all()
    for record in records:
        data = record.model_dump(mode="json")
        writer.writerow([_cell(kinds.get(n, "scalar"), data.get(n)) for n in names])
    return len(records)


def _parse(
    cls: type[RecordService[Any, Any]], kinds: dict[str, str], row: dict[str, str], where: str
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, kind in kinds.items():
        if name not in row:
            continue
        text = restore(row[name] or "").strip()
        if kind == "list":
            data[name] = [part.strip() for part in text.split(";") if part.strip()]
        elif kind == "json":
            if not text:
                default = cls.fields.model_fields[name].default
                data[name] = default if isinstance(default, (list, dict)) else None
                continue
            try:
                data[name] = read_json(text, name, limits=FIELD_LIMITS)
            except InputError as exc:
                raise CsvProblem(f"{where}: {name}: needs JSON ({exc.reason})") from None
        else:
            data[name] = text or None
    return data


def import_csv(
    session: Session,
    record_type: str,
    source: IO[str],
    actor: Actor | str,
    *,
    dry_run: bool = False,
    clock: Callable[[], Any] = utcnow,
) -> CsvReport:
    """Create or update records from CSV rows in the caller's transaction (rolled back for ``dry_run``)."""
    cls = service_class(record_type)
    service = cls(session, actor, clock=clock)
    kinds = _kinds(cls)
    try:
        table = read_csv(source.read(CSV_LIMITS.max_bytes + 1), "CSV file", limits=CSV_LIMITS)
    except InputError as exc:
        raise CsvProblem(f"line {exc.line}: {exc.reason}" if exc.line else f"the CSV file {exc.reason}") from None
    header = table.header
    unknown = [h for h in header if h not in kinds and h not in ("id", "status", "version")]
    if unknown:
        raise CsvProblem(
            f"line 1: {', '.join(unknown)}: not a field of {cls.record_type()}; columns are {', '.join(columns(cls))}"
        )
    if len(table.rows) > MAX_ROWS:
        raise CsvProblem(f"more than {MAX_ROWS} rows; split the file")
    report = CsvReport(record_type=cls.record_type(), dry_run=dry_run)
    for number, row in ((r.line, r.cells) for r in table.rows):
        where = f"line {number}"
        record_id = (row.get("id") or "").strip()
        where = f"line {number} ({record_id})" if record_id else where
        data = _parse(cls, kinds, row, where)
        status = (row.get("status") or "").strip() or None
        try:
            _apply(service, report, record_id, data, status, (row.get("version") or "").strip(), where)
        except CsvProblem:
            raise
        except AimsError as exc:
            raise CsvProblem(f"{where}: {exc.message}", exc.exit_code) from None
    if dry_run:
        session.rollback()
    return report


def _blank_is_none(values: dict[str, Any]) -> dict[str, Any]:
    """A CSV cell cannot tell an empty text from no text: compare them as equal."""
    return {k: (None if v == "" else v) for k, v in values.items()}


def _apply(
    service: RecordService[Any, Any],
    report: CsvReport,
    record_id: str,
    data: dict[str, Any],
    status: str | None,
    version_text: str,
    where: str,
) -> None:
    if not record_id or not service.exists(record_id):
        created = service.create(data, status=status)
        if record_id and created.id != record_id:
            raise CsvProblem(f"{where}: id: {record_id} does not exist; leave the id empty to add a new record")
        report.created.append(created.id)
        return
    current = service.get(record_id)
    merged = {**current.model_dump(include=set(service.field_names()), mode="json"), **data}
    wanted = _blank_is_none(service.fields.model_validate(merged).model_dump(mode="json"))
    now = _blank_is_none(current.model_dump(include=set(service.field_names()), mode="json"))
    if wanted == now and (status is None or status == current.status):
        report.unchanged.append(record_id)
        return
    try:
        version = int(version_text) if version_text else current.version
    except ValueError:
        raise CsvProblem(f"{where}: version: {version_text!r} is not a whole number") from None
    changes: dict[str, Any] = dict(data)
    if status:
        changes["status"] = status
    service.update(record_id, version, changes)
    report.updated.append(record_id)
