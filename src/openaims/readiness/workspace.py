"""Everything about one clause or Annex A control in one place, for the auditor and the owner:
the requirement the catalogue holds, the Statement of Applicability decision, readiness with its
reasons, the records that prove it with their evidence and history, and the crosswalk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from openaims.errors import AimsError, NotFoundError
from openaims.frameworks.loader import Item, Related, crosswalk, load_catalogue, resolve
from openaims.readiness.model import ItemResult
from openaims.register import history
from openaims.register.actors import Actor
from openaims.register.services.base import service_for_id
from openaims.register.services.evidence import EvidenceOut, EvidenceService
from openaims.register.services.soa import SoaOut, SoaService

#: History events shown per record (newest first).
EVENTS_SHOWN = 8
#: Records followed from one item (readiness links and SoA treatments); more are named, not opened.
RECORDS_SHOWN = 60

FRAMEWORK_NAMES = {
    "iso42001": "ISO/IEC 42001",
    "nist-ai-rmf": "NIST AI RMF",
    "eu-ai-act": "EU AI Act",
    "iso27001": "ISO/IEC 27001",
}


@dataclass(frozen=True)
class LinkedRecord:
    """A record that proves the item, with its newest history events."""

    id: str
    record_type: str
    title: str
    status: str
    events: tuple[history.EventOut, ...]


@dataclass(frozen=True)
class Workspace:
    item: Item
    #: What the catalogue says must exist (a control) or be documented (a clause).
    requirements: tuple[str, ...]
    #: The item's parents, outermost first (clause 6 above 6.1 above 6.1.2; area and objective of a control).
    context: tuple[Item, ...]
    readiness: ItemResult | None
    soa: SoaOut | None
    soa_events: tuple[history.EventOut, ...]
    records: tuple[LinkedRecord, ...]
    evidence: tuple[EvidenceOut, ...]
    #: Framework name -> related items, direct rows first.
    crosswalk: dict[str, list[Related]] = field(default_factory=dict)
    #: Record ids the readiness links name beyond :data:`RECORDS_SHOWN`.
    more: tuple[str, ...] = ()


def _requirements(item: Item) -> tuple[str, ...]:
    out: list[str] = []
    if item.details.get("must_exist"):
        out.append(str(item.details["must_exist"]))
    for entry in item.details.get("documented_information") or ():
        what, kind = str(entry.get("what", "")), str(entry.get("kind", ""))
        verb = {"maintain": "Documented information to maintain", "retain": "Documented information to retain"}
        out.append(f"{verb.get(kind, 'Documented information')}: {what}")
    return tuple(out)


def _context(item: Item) -> tuple[Item, ...]:
    cat = load_catalogue()
    fw = cat.framework(item.framework)
    chain: list[Item] = []
    parent = item.parent
    while parent and parent in fw.items and len(chain) < 6:
        chain.append(fw.items[parent])
        parent = fw.items[parent].parent
    area = item.details.get("area")
    if area and area in fw.items and all(i.id != area for i in chain):
        chain.append(fw.items[area])
    return tuple(reversed(chain))


def _events(session: Session, record_id: str) -> tuple[history.EventOut, ...]:
    return tuple(reversed(history.events_for(session, record_id)[-EVENTS_SHOWN:]))


def _record(session: Session, actor: Actor, record_id: str) -> LinkedRecord | None:
    try:
        cls = service_for_id(record_id)
        record = cls(session, actor).get(record_id)
    except (AimsError, ValueError):
        return None
    title = describe(record, cls.label_field)
    return LinkedRecord(record.id, cls.record_type(), title, record.status, _events(session, record.id))


def describe(record: Any, label_field: str) -> str:
    """What a person calls ``record``: its title or name, else its description (a treatment is
    labelled by its risk's id, which says little on its own)."""
    for name in ("title", "name", "description"):
        value = getattr(record, name, None)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 90 else text[:89] + "…"
    return str(getattr(record, label_field, "") or "")


def build_workspace(
    session: Session, actor: Actor, ref: str, *, view: str = "iso42001", readiness: ItemResult | None = None
) -> Workspace:
    """The workspace of catalogue item ``ref`` (``A.6.2.2``, ``6.1.2``, ``nist-ai-rmf:MAP 1.4``);
    ``readiness`` is the item's result from the current report, when it has one."""
    cat = load_catalogue()
    item = resolve(cat, ref if ":" in ref else f"{view}:{ref}")
    soa = SoaService(session, actor).for_control(item.id) if item.framework == "iso42001" else None
    links = list(readiness.links) if readiness is not None else []
    if soa is not None:
        links += list(soa.treatment_ids)
    ids = [i for i in dict.fromkeys(links) if soa is None or i != soa.id]
    records = [r for r in (_record(session, actor, i) for i in ids[:RECORDS_SHOWN]) if r is not None]
    store = EvidenceService(session, actor)
    evidence: dict[str, EvidenceOut] = {}
    direct = ([soa.id] if soa is not None else []) + [r.id for r in records if r.record_type != "evidence"]
    for record_id in direct:
        for e in store.for_record(record_id):
            evidence.setdefault(e.id, e)
    for record_id in [r.id for r in records if r.record_type == "evidence"] + list(soa.evidence_ids if soa else []):
        try:
            evidence.setdefault(record_id, store.get(record_id))
        except (AimsError, ValueError):
            continue
    related: dict[str, list[Related]] = {}
    try:
        for rel in crosswalk(item.ref, catalogue=cat).related:
            related.setdefault(FRAMEWORK_NAMES.get(rel.item.framework, rel.item.framework), []).append(rel)
    except NotFoundError:
        pass
    return Workspace(
        item=item,
        requirements=_requirements(item),
        context=_context(item),
        readiness=readiness,
        soa=soa,
        soa_events=_events(session, soa.id) if soa is not None else (),
        records=tuple(records),
        evidence=tuple(sorted(evidence.values(), key=lambda e: e.id)),
        crosswalk=related,
        more=tuple(ids[RECORDS_SHOWN:]),
    )


def find_item(items: Any, item_id: str) -> ItemResult | None:
    """The readiness result of ``item_id`` among a report's items."""
    return next((i for i in items if i.id == item_id), None)
