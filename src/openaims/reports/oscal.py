"""OSCAL from the register: the ISO/IEC 42001 catalog and the organisation's profile, a component
definition per AI system, and assessment results from readiness.

Every document is built as plain data and checked by compliance-trestle's OSCAL models (which
are generated from NIST's OSCAL schemas) before it is written, so a document that does not fit
OSCAL is an error here, never a file a GRC tool refuses later.

- **Catalog** (``iso42001-catalog.json``): clauses 4 to 10 (one control per leaf clause, its
  documented information as parts) and Annex A (areas, objectives, the 38 controls), as the
  tool's framework catalogue holds them. Control ids are ``a.6.2.4`` and ``clause-6.1.2``; the
  id people write is the ``label`` property. Each control has an ``assessment-objective`` part
  (``a.6.2.4_obj``) that the assessment results point at.
- **Profile** (``iso42001-profile.json``): the clauses and the Annex A controls the Statement of
  Applicability applies; every control while the register has no SoA rows.
- **Component definition** (``component-SYS-ID.json``): the AI system as a component and, per
  applicable control, how it is implemented (the SoA row) and the records that show it.
- **Assessment results** (``assessment-results.json``): one finding and one observation per
  clause and applicable control, with readiness's status, reasons and records.

Identifiers are UUIDv5 derived from the organisation and what they name, and time stamps are
the day the register is read as of, so the same register and day give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, Framework, load_catalogue
from openaims.readiness.model import ItemResult, Report, Status
from openaims.readiness.snapshot import Snapshot
from openaims.reports.records import content, describe, label

#: Namespace of the properties OpenAIMS adds (OSCAL keeps its own names for its own namespace).
NS = "https://openaims.dev/ns/oscal"
CATALOG_FILE = "iso42001-catalog.json"
PROFILE_FILE = "iso42001-profile.json"
RESULTS_FILE = "assessment-results.json"
#: Records cited per observation; the rest are counted.
MAX_EVIDENCE = 40
_ROOT = uuid.UUID("6f1b7f8e-4c1e-5a55-9d0b-0a1a0e420010")
_STATE = {
    Status.MET: ("satisfied", "pass"),
    Status.PARTIAL: ("not-satisfied", "other"),
    Status.MISSING: ("not-satisfied", "fail"),
}


@dataclass(frozen=True)
class OscalFile:
    """One OSCAL document: its file name and its JSON bytes."""

    name: str
    data: bytes


def component_file(system_id: str) -> str:
    return f"component-{system_id}.json"


def oscal_id(item_id: str) -> str:
    """The OSCAL control id of a clause or control: ``A.6.2.4`` -> ``a.6.2.4``, ``6.1.2`` -> ``clause-6.1.2``."""
    return item_id.lower() if item_id.startswith("A.") else f"clause-{item_id}"


def objective_id(item_id: str) -> str:
    """The id of the assessment-objective part of a clause or control (what findings target)."""
    return f"{oscal_id(item_id)}_obj"


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def _line(text: Any) -> str:
    """One line of text with no surrounding blanks (OSCAL titles and property values)."""
    return " ".join(str(text or "").split())


def _prop(name: str, value: Any, *, ns: str | None = NS, cls: str | None = None) -> dict[str, Any] | None:
    shown = _line(value)
    if not shown:
        return None
    out: dict[str, Any] = {"name": name, "value": shown}
    if ns:
        out["ns"] = ns
    if cls:
        out["class"] = cls
    return out


def _props(*props: dict[str, Any] | None) -> dict[str, Any]:
    kept = [p for p in props if p is not None]
    return {"props": kept} if kept else {}


def _stamp(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).isoformat()


def _metadata(title: str, day: dt.date, version: str, organisation: str | None = None, **extra: Any) -> dict[str, Any]:
    from trestle.oscal import OSCAL_VERSION

    out: dict[str, Any] = {
        "title": _line(title),
        "last-modified": _stamp(day),
        "version": _line(version),
        "oscal-version": OSCAL_VERSION,
    }
    if organisation:
        out["roles"] = [{"id": "prepared-by", "title": "Prepared by"}]
        party = _uid("party", organisation)
        out["parties"] = [{"uuid": party, "type": "organization", "name": _line(organisation)}]
        out["responsible-parties"] = [{"role-id": "prepared-by", "party-uuids": [party]}]
    out.update(extra)
    return out


def _serialise(model: Any) -> bytes:
    return model.oscal_serialize_json_bytes(pretty=True) + b"\n"  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- catalog
def _clause_control(framework: Framework, clause_id: str) -> dict[str, Any]:
    clause = framework.get(clause_id)
    parts: list[dict[str, Any]] = [
        {
            "id": objective_id(clause_id),
            "name": "assessment-objective",
            "prose": f"The requirements of clause {clause_id} ({clause.title}) are met and shown by records.",
        }
    ]
    for n, item in enumerate(clause.details.get("documented_information") or [], start=1):
        parts.append({
            "id": f"{oscal_id(clause_id)}_di{n}", "name": "documented-information", "ns": NS,
            "title": "Documented information to " + ("keep" if item["kind"] == "retain" else item["kind"]),
            "prose": item["what"],
        })  # fmt: skip
    return {
        "id": oscal_id(clause_id),
        "class": "requirement",
        "title": _line(clause.title),
        **_props(_prop("label", clause_id, ns=None), _prop("sort-id", _sort_key(clause_id), ns=None)),
        "parts": parts,
    }


def _sort_key(item_id: str) -> str:
    numbers = [p for p in item_id.removeprefix("A.").split(".") if p.isdigit()]
    prefix = "a" if item_id.startswith("A.") else "c"
    return prefix + ".".join(f"{int(p):02d}" for p in numbers)


def _annex_control(framework: Framework, control_id: str) -> dict[str, Any]:
    control = framework.get(control_id)
    return {
        "id": oscal_id(control_id),
        "class": "control",
        "title": _line(control.title),
        **_props(_prop("label", control_id, ns=None), _prop("sort-id", _sort_key(control_id), ns=None)),
        "parts": [
            {
                "id": objective_id(control_id),
                "name": "assessment-objective",
                "prose": str(control.details.get("must_exist") or control.title),
            }
        ],
    }


def build_catalog(framework: Framework, day: dt.date) -> Any:
    """The ISO/IEC 42001 catalog: clause groups 4-10 and the Annex A areas with their objectives."""
    from trestle.oscal.catalog import Catalog

    clause_groups = []
    for top in framework.of_kind("clause"):
        if top.parent is not None:
            continue
        leaves = [c for c in ISO42001_LEAF_CLAUSES if c.split(".")[0] == top.id]
        clause_groups.append({
            "id": f"clause-{top.id}", "class": "clause", "title": _line(top.title),
            **_props(_prop("label", top.id, ns=None)),
            "controls": [_clause_control(framework, c) for c in leaves],
        })  # fmt: skip
    areas = []
    controls = framework.of_kind("control")
    for area in framework.of_kind("area"):
        objectives = []
        for objective in framework.children(area.id):
            members = [c for c in controls if c.parent == objective.id]
            if not members:
                continue
            objectives.append({
                "id": oscal_id(objective.id), "class": "objective", "title": _line(objective.title),
                **_props(_prop("label", objective.id, ns=None)),
                "controls": [_annex_control(framework, c.id) for c in members],
            })  # fmt: skip
        areas.append({
            "id": oscal_id(area.id), "class": "area", "title": _line(area.title),
            **_props(_prop("label", area.id, ns=None)), "groups": objectives,
        })  # fmt: skip
    data = {
        "uuid": _uid("catalog", framework.id, framework.catalogue_version),
        "metadata": _metadata(
            f"{framework.name}: clauses 4 to 10 and Annex A",
            day,
            framework.catalogue_version,
            remarks=(
                "Titles and objectives are OpenAIMS wording, not the text of the standard; ids follow the "
                f"standard. {framework.notes or ''} Checked against: {framework.checked_against}."
            ).strip(),
        ),
        "groups": [
            {"id": "clauses", "class": "clauses", "title": "Clauses 4 to 10", "groups": clause_groups},
            {"id": "annex-a", "class": "annex", "title": "Annex A reference control objectives and controls",
             "groups": areas},
        ],
    }
    return Catalog.model_validate(data)


# ----------------------------------------------------------------------------- profile
def _soa_rows(snap: Snapshot) -> dict[str, Any]:
    """The Statement of Applicability row per Annex A control (the newest when there are several)."""
    rows: dict[str, Any] = {}
    for row in snap.of("soa_entry"):
        if str(row.control_id).startswith("A."):
            rows[row.control_id] = row
    return rows


def build_profile(framework: Framework, snap: Snapshot, organisation: str, day: dt.date) -> Any:
    """The organisation's selection: every clause and the Annex A controls its SoA applies."""
    from trestle.oscal.profile import Profile

    rows = _soa_rows(snap)
    controls = [c.id for c in framework.of_kind("control")]
    excluded = [c for c in controls if c in rows and not rows[c].applicable]
    selected = [oscal_id(c) for c in ISO42001_LEAF_CLAUSES] + [oscal_id(c) for c in controls if c not in excluded]
    if rows:
        basis = "the Statement of Applicability: every clause and the Annex A controls it applies."
        if excluded:
            basis += " Excluded: " + "; ".join(
                f"{c} ({_line(rows[c].justification) or 'GAP: no justification recorded'})" for c in excluded
            ) + "."
        missing = [c for c in controls if c not in rows]
        if missing:
            basis += f" GAP: no Statement of Applicability row for {', '.join(missing)} (included until decided)."
    else:
        basis = "GAP: the register has no Statement of Applicability rows, so every control is included."
    data = {
        "uuid": _uid("profile", organisation, framework.catalogue_version),
        "metadata": _metadata(
            f"{organisation}: ISO/IEC 42001 controls applied", day, day.isoformat(), organisation,
            remarks=f"Selected from {basis}",
        ),
        "imports": [{"href": CATALOG_FILE, "include-controls": [{"with-ids": selected}]}],
        "merge": {"as-is": True},
    }
    return Profile.model_validate(data)


# ----------------------------------------------------------------------------- records as resources
class _Resources:
    """Back-matter resources for the records a document cites (one per record, in first-cited order)."""

    def __init__(self, snap: Snapshot, evidence_href: Mapping[str, str] | None = None) -> None:
        self.records = {r.id: r for rows in snap.records.values() for r in rows}
        self.evidence_of: dict[str, list[Any]] = {}
        for ev in snap.of("evidence"):
            for target in ev.record_ids or []:
                self.evidence_of.setdefault(target, []).append(ev)
        self.evidence_href = evidence_href or {}
        self.used: dict[str, dict[str, Any]] = {}

    def cite(self, record_id: str) -> str | None:
        """``#uuid`` of the record's resource, or None when the register does not hold it."""
        record = self.records.get(record_id)
        if record is None:
            return None
        if record_id not in self.used:
            resource: dict[str, Any] = {
                "uuid": _uid("record", record_id),
                "title": _line(f"{record.id} {label(record)}"),
                **_props(
                    _prop("record-id", record.id), _prop("record-type", record.record_type),
                    _prop("record-status", str(record.status).replace("_", " ")),
                ),
            }
            said = content(record)
            if said:
                resource["description"] = said
            rlinks = self._rlinks(record)
            if rlinks:
                resource["rlinks"] = rlinks
            self.used[record_id] = resource
        return "#" + str(self.used[record_id]["uuid"])

    def _rlinks(self, record: Any) -> list[dict[str, Any]]:
        if record.record_type != "evidence":
            return []
        if record.kind == "file" and record.sha256:
            href = self.evidence_href.get(record.id) or quote(record.filename or record.sha256)
            link: dict[str, Any] = {"href": href, "hashes": [{"algorithm": "SHA-256", "value": record.sha256}]}
            if record.media_type:
                link["media-type"] = record.media_type
            return [link]
        if record.url:
            return [{"href": quote(record.url, safe=":/?#[]@!$&'()*+,;=%-._~")}]
        return []

    def back_matter(self, *extra: dict[str, Any]) -> dict[str, Any]:
        resources = [*extra, *self.used.values()]
        return {"back-matter": {"resources": resources}} if resources else {}


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _about(record: Any, system_ids: Iterable[str]) -> set[str]:
    """The system ids a record names in any of its fields."""
    wanted = set(system_ids)
    found = {text for text in _texts(record.model_dump(mode="json", exclude={"id"})) if text in wanted}
    if record.record_type == "system":
        found.add(record.id)
    return found


# ----------------------------------------------------------------------------- component definitions
def build_component_definition(
    system: Any,
    framework: Framework,
    snap: Snapshot,
    readiness: Report,
    organisation: str,
    day: dt.date,
    evidence_href: Mapping[str, str] | None = None,
) -> Any:
    """The AI system ``system`` as an OSCAL component: how it implements each applicable control."""
    from trestle.oscal.component import ComponentDefinition

    resources = _Resources(snap, evidence_href)
    rows = _soa_rows(snap)
    items = {i.id: i for i in readiness.items}
    system_ids = {s.id for s in snap.of("system")}
    requirements = []
    for control in framework.of_kind("control"):
        row = rows.get(control.id)
        if row is not None and not row.applicable:
            continue
        item = items.get(control.id)
        links: list[str] = list(item.links) if item is not None else []
        if row is not None:
            links += [*(row.treatment_ids or []), *(row.evidence_ids or [])]
        ours, shared = [], []
        for record_id in dict.fromkeys(links):
            record = resources.records.get(record_id)
            if record is None or record.record_type == "soa_entry":
                continue
            about = _about(record, system_ids)
            if system.id in about:
                ours.append(record_id)
            elif not about:
                shared.append(record_id)
        if row is None:
            how = f"GAP: the Statement of Applicability has no row for {control.id}; applicability is undecided."
            status = "not decided"
        else:
            status = str(row.status).replace("_", " ")
            how = _line(row.justification) or f"GAP: the SoA row {row.id} gives no justification."
            if row.notes:
                how += f" {_line(row.notes)}"
            how += f" Implementation: {status} (SoA row {row.id}, owner {row.owner or 'not recorded'})."
        if ours:
            how += f" Records of {system.id}: " + "; ".join(describe(resources.records[r], 160) for r in ours[:10])
            how += f" and {len(ours) - 10} more." if len(ours) > 10 else "."
        if shared:
            how += f" Organisation-wide records: {', '.join(shared[:20])}"
            how += f" and {len(shared) - 20} more." if len(shared) > 20 else "."
        if not ours and not shared:
            how += f" GAP: no records show this control for {system.id}."
        cited = [resources.cite(r) for r in [*ours[:MAX_EVIDENCE], *shared[:MAX_EVIDENCE]]]
        requirement: dict[str, Any] = {
            "uuid": _uid("implemented", organisation, system.id, control.id),
            "control-id": oscal_id(control.id),
            "description": how,
            **_props(
                _prop("label", control.id, ns=None),
                _prop("implementation-status", status),
                _prop("readiness", item.status.value.replace("_", " ") if item is not None else None),
                _prop("soa-row", row.id if row is not None else None),
            ),
        }
        if any(cited):
            requirement["links"] = [{"href": h, "rel": "evidence"} for h in cited if h]
        requirements.append(requirement)
    eu = (system.eu_ai_act or {}).get("classification") or {}
    description = " ".join(_line(x) for x in (system.description, system.purpose) if x) or (
        f"GAP: {system.id} has no description or purpose recorded."
    )
    component: dict[str, Any] = {
        "uuid": _uid("component", organisation, system.id),
        "type": "software",
        "title": _line(f"{system.id} {system.name}"),
        "description": description,
        **({"purpose": _line(system.intended_use)} if _line(system.intended_use) else {}),
        **_props(
            _prop("record-id", system.id),
            _prop("lifecycle-stage", system.lifecycle_stage),
            _prop("risk-tier", system.risk_tier),
            _prop("owner", system.owner),
            _prop("organisation-role", ", ".join(system.organisation_roles or [])),
            _prop("eu-ai-act-tiers", ", ".join(eu.get("tiers") or [])),
            _prop("eu-ai-act-transparency", ", ".join(eu.get("transparency_cases") or [])),
            _prop("human-oversight", system.human_oversight),
        ),
        "control-implementations": [{
            "uuid": _uid("implementation", organisation, system.id),
            "source": PROFILE_FILE,
            "description": f"How {system.id} {_line(system.name)} implements the ISO/IEC 42001 Annex A controls "
                           f"{organisation} applies, from the Statement of Applicability and the register's records.",
            "implemented-requirements": requirements,
        }],
    }
    data = {
        "uuid": _uid("component-definition", organisation, system.id),
        "metadata": _metadata(
            f"{system.id} {system.name}: ISO/IEC 42001 control implementation", day, day.isoformat(), organisation
        ),
        "components": [component],
        **resources.back_matter(),
    }
    return ComponentDefinition.model_validate(data)


# ----------------------------------------------------------------------------- assessment results
def _observation(item: ItemResult, resources: _Resources, day: dt.date, organisation: str) -> dict[str, Any]:
    evidence = []
    for record_id in item.links[:MAX_EVIDENCE]:
        href = resources.cite(record_id)
        record = resources.records.get(record_id)
        entry: dict[str, Any] = {"description": describe(record) if record is not None else record_id}
        if href:
            entry["href"] = href
        evidence.append(entry)
    more = len(item.links) - MAX_EVIDENCE
    reasons = " ".join(f"{r.rstrip('.')}." for r in item.reasons if r) or "No check applies."
    observation: dict[str, Any] = {
        "uuid": _uid("observation", organisation, item.id, day.isoformat()),
        "title": _line(f"{item.id} {item.title}"),
        "description": reasons + (f" {more} further records are not listed." if more > 0 else ""),
        "methods": ["EXAMINE"],
        "types": ["control-objective"],
        "collected": _stamp(day),
    }
    if evidence:
        observation["relevant-evidence"] = evidence
    return observation


def build_assessment_results(readiness: Report, snap: Snapshot, organisation: str, day: dt.date) -> Any:
    """Readiness as OSCAL assessment results: a finding per clause and applicable control."""
    from trestle.oscal.assessment_results import AssessmentResults

    resources = _Resources(snap)
    method_uuid = _uid("readiness-method", readiness.rules_version)
    observations, findings, excluded = [], [], []
    for item in readiness.items:
        if item.status is Status.NOT_APPLICABLE:
            if item.kind == "control":
                excluded.append(oscal_id(item.id))
            continue
        observation = _observation(item, resources, day, organisation)
        observations.append(observation)
        state, reason = _STATE[item.status]
        findings.append({
            "uuid": _uid("finding", organisation, item.id, day.isoformat()),
            "title": _line(f"{item.id} {item.title}: {item.status.value.replace('_', ' ')}"),
            "description": observation["description"],
            "target": {
                "type": "objective-id", "target-id": objective_id(item.id),
                "status": {"state": state, "reason": reason},
                **_props(_prop("readiness", item.status.value.replace("_", " ")), _prop("label", item.id, ns=None)),
            },
            "related-observations": [{"observation-uuid": observation["uuid"]}],
        })  # fmt: skip
    selection: dict[str, Any] = {"include-all": {}}
    if excluded:
        selection["exclude-controls"] = [{"control-id": c} for c in excluded]
    totals = readiness.totals()
    result: dict[str, Any] = {
        "uuid": _uid("result", organisation, day.isoformat()),
        "title": f"Readiness against ISO/IEC 42001 as of {day.isoformat()}",
        "description": (
            f"Readiness score {readiness.score()}% ({totals['met']} met, {totals['partial']} partial, "
            f"{totals['missing']} missing, {totals['not_applicable']} not applicable), computed from the register "
            f"by the readiness rules {readiness.rules_version}. Score: {readiness.score_basis}."
        ),
        "start": _stamp(day),
        **_props(_prop("readiness-score", readiness.score()), _prop("rules-version", readiness.rules_version)),
        "reviewed-controls": {
            "description": "Every clause of ISO/IEC 42001 and the Annex A controls the Statement of Applicability "
                           "does not exclude.",
            "control-selections": [selection],
        },
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    method = {
        "uuid": method_uuid,
        "title": f"OpenAIMS readiness rules {readiness.rules_version}",
        "description": (
            "Readiness is computed from the register's records by executable checks per clause and control; "
            "there is no separate OSCAL assessment plan. A control is satisfied when every check is met."
        ),
    }
    data = {
        "uuid": _uid("assessment-results", organisation, day.isoformat()),
        "metadata": _metadata(
            f"{organisation}: ISO/IEC 42001 readiness as of {day.isoformat()}", day, day.isoformat(), organisation
        ),
        "import-ap": {"href": f"#{method_uuid}", "remarks": "The assessment method is described in the back matter."},
        "results": [result],
        **resources.back_matter(method),
    }
    return AssessmentResults.model_validate(data)


# ----------------------------------------------------------------------------- the whole set
def export(
    snap: Snapshot,
    readiness: Report,
    *,
    organisation: str,
    day: dt.date,
    systems: Iterable[Any] | None = None,
    evidence_href: Mapping[str, str] | None = None,
) -> list[OscalFile]:
    """Every OSCAL document: catalog, profile, assessment results and one component definition per
    system in ``systems`` (default: every AI system in the register that is not retired)."""
    framework = load_catalogue().framework("iso42001")
    chosen = list(systems) if systems is not None else [s for s in snap.of("system") if s.status != "retired"]
    files = [
        OscalFile(CATALOG_FILE, _serialise(build_catalog(framework, day))),
        OscalFile(PROFILE_FILE, _serialise(build_profile(framework, snap, organisation, day))),
        OscalFile(RESULTS_FILE, _serialise(build_assessment_results(readiness, snap, organisation, day))),
    ]
    for system in sorted(chosen, key=lambda s: (len(s.id), s.id)):
        definition = build_component_definition(system, framework, snap, readiness, organisation, day, evidence_href)
        files.append(OscalFile(component_file(system.id), _serialise(definition)))
    return files


__all__ = [
    "CATALOG_FILE", "NS", "PROFILE_FILE", "RESULTS_FILE", "OscalFile", "build_assessment_results",
    "build_catalog", "build_component_definition", "build_profile", "component_file", "export", "objective_id",
    "oscal_id",
]  # fmt: skip
