"""The check vocabulary the readiness rules are written in.

Each check is a function of the register snapshot and its parameters (from
``rules.yaml``) returning a :class:`CheckResult` with a plain-words reason and the
ids of the records that prove it. Checks never write.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from openaims.readiness.model import CheckResult, Status
from openaims.readiness.snapshot import Snapshot
from openaims.register.services.reviews import REQUIRED_INPUTS, covered_inputs

Check = Callable[[Snapshot, Mapping[str, Any]], CheckResult]
CHECKS: dict[str, Check] = {}
#: Leaf clauses an internal audit programme has to cover within twelve months.
AUDITABLE_CLAUSES = ("4", "5", "6", "7", "8", "9", "10")
YEAR = dt.timedelta(days=365)


def check(name: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[name] = func
        return func

    return register


def _ids(records: Iterable[Any]) -> tuple[str, ...]:
    return tuple(r.id for r in records)


def _list(names: Iterable[str], limit: int = 6) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _result(name: str, good: list[Any], bad: list[str], what: str, missing_reason: str) -> CheckResult:
    """met when nothing is bad and something is good; partial when both; missing when nothing is good."""
    if good and not bad:
        return CheckResult(name, Status.MET, f"{what}: {_list(_ids(good))}", _ids(good))
    if good:
        return CheckResult(name, Status.PARTIAL, f"{what} for some, but not {_list(bad)}", _ids(good))
    return CheckResult(name, Status.MISSING, missing_reason)


# ---------------------------------------------------------------- generic


@functools.cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words or phrases, any case: ``test`` matches "Test report" but not "attestation"."""
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def mentions(words: Iterable[str], *texts: str | None) -> bool:
    """Whether any of ``texts`` names one of ``words`` (whole words, any case)."""
    pattern = _pattern(tuple(words))
    return any(pattern.search(t) for t in texts if t)


@check("records")
def records(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """At least ``min`` records of ``type`` (in ``statuses``; with non-empty ``fields``; whose
    ``contains`` fields name one of the given words)."""
    rows = snap.of(p["type"], *p.get("statuses", ()))
    fields = p.get("fields", ())
    rows = [r for r in rows if all(getattr(r, f, None) for f in fields)]
    for field, words in dict(p.get("contains", {})).items():
        rows = [r for r in rows if mentions(words, str(getattr(r, field, None) or ""))]
    wanted = int(p.get("min", 1))
    what = p["what"]
    if len(rows) >= wanted:
        return CheckResult("records", Status.MET, f"{what}: {_list(_ids(rows))}", _ids(rows))
    if rows:
        return CheckResult("records", Status.PARTIAL, f"only {len(rows)} of {wanted} needed: {what}", _ids(rows))
    return CheckResult("records", Status.MISSING, f"no record shows this: {what}")


@check("approved_document")
def approved_document(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """An active document (``kind``; a title naming one of ``title_contains`` as whole words) with
    an approved version whose review date has not passed (and whose text names one of
    ``content_contains``, when given)."""
    words = tuple(p.get("title_contains", ()))
    docs = [
        d
        for d in snap.of("document", "active")
        if d.kind == p.get("kind", d.kind) and (not words or mentions(words, d.title))
    ]
    what = p["what"]
    if not docs:
        return CheckResult("approved_document", Status.MISSING, f"no {what} in the document register")
    versions = [v for v in snap.of("document_version", "approved") if v.document_id in {d.id for d in docs}]
    if not versions:
        return CheckResult(
            "approved_document",
            Status.MISSING,
            f"{what} {_list(_ids(docs))} has no approved version",
            _ids(docs),
        )
    latest = max(versions, key=lambda v: (v.approved_on or dt.date.min, v.number))
    links = (latest.document_id, latest.id)
    needed = tuple(p.get("content_contains", ()))
    if needed and not mentions(needed, latest.content):
        return CheckResult(
            "approved_document",
            Status.PARTIAL,
            f"{what} {latest.id} is approved but does not say {' or '.join(repr(w) for w in needed)}",
            links,
        )
    if latest.next_review and latest.next_review < snap.today:
        return CheckResult(
            "approved_document",
            Status.PARTIAL,
            f"{what} {latest.id} was approved by {latest.approver} but its review was due {latest.next_review}",
            links,
        )
    return CheckResult(
        "approved_document",
        Status.MET,
        f"{what} {latest.id} approved by {latest.approver} on {latest.approved_on}"
        + (f", next review {latest.next_review}" if latest.next_review else ""),
        links,
    )


@check("systems_have")
def systems_have(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope AI system has non-empty ``fields``."""
    systems = snap.in_scope_systems()
    what = p["what"]
    if not systems:
        return CheckResult("systems_have", Status.MISSING, "no AI system is in scope")
    good = [s for s in systems if all(getattr(s, f, None) for f in p["fields"])]
    bad = [s.id for s in systems if s not in good]
    return _result("systems_have", good, bad, what, f"no in-scope AI system records {what}")


@check("datasets_have")
def datasets_have(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every active dataset used by an in-scope system records ``fields``."""
    in_scope = {s.id for s in snap.in_scope_systems()}
    used = {d for s in snap.in_scope_systems() for d in s.dataset_ids}
    datasets = [d for d in snap.of("dataset", "active") if d.id in used or set(d.system_ids) & in_scope]
    what = p["what"]
    if not datasets:
        return CheckResult("datasets_have", Status.MISSING, "no dataset is linked to an in-scope AI system")
    good = [d for d in datasets if all(getattr(d, f, None) for f in p["fields"])]
    bad = [d.id for d in datasets if d not in good]
    return _result("datasets_have", good, bad, what, f"no dataset records {what}")


# ---------------------------------------------------------------- clause-specific


@check("scope_covers_systems")
def scope_covers_systems(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """An approved scope with a statement and boundaries (units or locations), the
    organisation's role for each AI system it includes, and every live AI system explicitly
    in or out of it [4.3]."""
    scope = snap.approved_scope()
    if scope is None:
        drafts = snap.of("scope")
        why = "the AIMS scope is only a draft" if drafts else "no AIMS scope is recorded"
        return CheckResult("scope_covers_systems", Status.MISSING, why, _ids(drafts))
    listed = set(scope.included_system_ids) | {e.system_id for e in scope.excluded_systems}
    unlisted = [s.id for s in snap.of("system") if s.status != "retired" and s.id not in listed]
    gaps: list[str] = []
    if not (scope.statement or "").strip():
        gaps.append("it has no scope statement")
    if not scope.units and not scope.locations:
        gaps.append("it names no organisational units or locations (its boundaries)")
    roleless = [i for i in scope.included_system_ids if not scope.system_roles.get(i)]
    if roleless:
        gaps.append(f"it does not say the organisation's role (provider, deployer...) for {_list(roleless)}")
    if unlisted:
        gaps.append(f"it does not say whether {_list(unlisted)} are in or out")
    if gaps:
        return CheckResult(
            "scope_covers_systems",
            Status.PARTIAL,
            f"scope {scope.id} is approved but " + "; ".join(gaps),
            (scope.id,),
        )
    where = ", ".join([*scope.units, *scope.locations])
    return CheckResult(
        "scope_covers_systems",
        Status.MET,
        f"scope {scope.id} approved by {scope.approver} covers {where}; {len(scope.included_system_ids)} AI "
        f"systems in with the organisation's role for each, {len(scope.excluded_systems)} out with a justification",
        (scope.id, *scope.included_system_ids),
    )


@check("systems_classified")
def systems_classified(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope system has an EU AI Act classification made for its current purpose."""
    from openaims.register.services.classification import reclassification_reason

    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("systems_classified", Status.MISSING, "no AI system is in scope")
    reasons = {s.id: reclassification_reason(s) for s in systems}
    good = [s for s in systems if reasons[s.id] is None]
    bad = [str(reasons[s.id]) for s in systems if reasons[s.id] is not None]
    if good and bad:
        return CheckResult("systems_classified", Status.PARTIAL, "; ".join(bad), _ids(good))
    if bad:
        return CheckResult("systems_classified", Status.MISSING, "; ".join(bad))
    tiers = ", ".join(f"{s.id} {s.risk_tier}" for s in good)
    return CheckResult("systems_classified", Status.MET, f"EU AI Act classification current: {tiers}", _ids(good))


@check("no_prohibited_practice")
def no_prohibited_practice(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope system has an EU AI Act classification and none is a prohibited practice [Art. 5]."""
    from openaims.register.services.classification import stored_classification

    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("no_prohibited_practice", Status.MISSING, "no AI system is in scope")
    banned = [s.id for s in systems if s.risk_tier == "prohibited"]
    unknown = [s.id for s in systems if stored_classification(s) is None or s.risk_tier == "unclassified"]
    if banned:
        return CheckResult(
            "no_prohibited_practice",
            Status.MISSING,
            f"{_list(banned)} classified as a prohibited practice: stop placing on the market, putting into "
            "service or using it",
            tuple(banned),
        )
    checked = [s for s in systems if s.id not in unknown]
    if unknown:
        return CheckResult(
            "no_prohibited_practice",
            Status.PARTIAL if checked else Status.MISSING,
            f"not yet checked against Art. 5: {_list(unknown)} (no EU AI Act classification, or one that needs "
            "legal review)",
            _ids(checked),
        )
    return CheckResult(
        "no_prohibited_practice", Status.MET, f"no in-scope AI system is a prohibited practice: {_list(_ids(checked))}",
        _ids(checked),
    )


@check("roles_held")
def roles_held(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    roles = snap.of("role", "active")
    if not roles:
        return CheckResult("roles_held", Status.MISSING, "no AIMS role is defined")
    good = [r for r in roles if r.holder_ids and r.responsibilities]
    bad = [r.id for r in roles if r not in good]
    return _result("roles_held", good, bad, "roles with holders and responsibilities", "no role has a holder")


@check("approved_risk_method")
def approved_risk_method(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    methods = snap.of("risk_method", "approved")
    if methods:
        m = methods[-1]
        return CheckResult(
            "approved_risk_method",
            Status.MET,
            f"risk method {m.id} approved, appetite {m.appetite!r}",
            (m.id,),
        )
    drafts = snap.of("risk_method")
    why = "the risk method is still a draft" if drafts else "no risk method (criteria, appetite) is recorded"
    return CheckResult("approved_risk_method", Status.MISSING, why, _ids(drafts))


@check("systems_risk_assessed")
def systems_risk_assessed(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope system has an assessed risk under an approved method, reviewed within a year."""
    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("systems_risk_assessed", Status.MISSING, "no AI system is in scope")
    approved = {m.id for m in snap.of("risk_method", "approved")}
    current = [
        r
        for r in snap.of("risk", "assessed", "treated", "accepted")
        if r.method_id in approved
        and r.updated_at.date() >= snap.today - YEAR
        and (r.review_on is None or r.review_on >= snap.today)
    ]
    good = [s for s in systems if any(s.id in r.system_ids for r in current)]
    bad = [s.id for s in systems if s not in good]
    result = _result(
        "systems_risk_assessed",
        good,
        bad,
        "AI systems with a current risk assessment",
        "no in-scope AI system has a current risk assessment under an approved method",
    )
    links = tuple(dict.fromkeys([*result.links, *(r.id for r in current)]))
    return CheckResult(result.check, result.status, result.reason, links)


@check("risks_treated")
def risks_treated(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every open risk above appetite has an approved treatment."""
    methods = snap.by_id("risk_method")
    risks = [r for r in snap.of("risk") if r.status != "closed" and r.method_id in methods]

    def above(r: Any) -> bool:
        rating = r.residual_rating or r.inherent_rating
        m = methods[r.method_id]
        return bool(rating) and m.rating_levels.index(rating) > m.rating_levels.index(m.appetite)

    high = [r for r in risks if above(r)]
    if not risks:
        return CheckResult("risks_treated", Status.MISSING, "no assessed risk is recorded")
    treatments = snap.of("treatment", "planned", "in_progress", "implemented", "verified")
    approved = {t.risk_id: t for t in treatments if t.approver and t.approved_on}
    untreated = [r.id for r in high if r.id not in approved]
    if untreated:
        status = Status.PARTIAL if len(untreated) < len(high) else Status.MISSING
        return CheckResult(
            "risks_treated",
            status,
            f"risks above appetite without an approved treatment: {_list(untreated)}",
            tuple(approved[r.id].id for r in high if r.id in approved),
        )
    links = tuple(approved[r.id].id for r in high)
    return CheckResult(
        "risks_treated", Status.MET, f"all {len(high)} risks above appetite have an approved treatment", links
    )


_SOA_COMPARED = ("control_id", "applicable", "status", "justification")


def _soa_approval(snap: Snapshot, rows: Mapping[str, Any]) -> CheckResult:
    """The newest approved SoA version, and whether the live rows still match it.

    Without SoA versions in the register, an approved document titled "Statement of
    Applicability" stands in for the approval.
    """
    versions = snap.of("soa_version", "approved")
    if not versions:
        what = "approved Statement of Applicability"
        return approved_document(
            snap, {"kind": "record", "title_contains": ["statement of applicability"], "what": what}
        )
    latest = max(versions, key=lambda v: v.number)
    frozen = {r.get("control_id"): tuple(r.get(f) for f in _SOA_COMPARED) for r in latest.rows}
    live = {c: tuple(getattr(r, f) for f in _SOA_COMPARED) for c, r in rows.items()}
    changed = sorted(str(c) for c in set(frozen) | set(live) if frozen.get(c) != live.get(c))
    said = f"SoA version {latest.number} ({latest.id}) approved by {latest.approver} on {latest.approved_on}"
    if changed:
        return CheckResult(
            "soa_approval", Status.PARTIAL, f"{said}, but rows changed since: {_list(changed)}", (latest.id,)
        )
    return CheckResult("soa_approval", Status.MET, said, (latest.id,))


@check("soa_complete")
def soa_complete(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """A Statement of Applicability row for every Annex A control, justified, and an approved SoA document."""
    from openaims.frameworks.loader import load_catalogue

    controls = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]
    rows = {r.control_id: r for r in snap.of("soa_entry")}
    missing = [c for c in controls if c not in rows]
    unassessed = [c for c in controls if c in rows and rows[c].status == "not_assessed"]
    undecided = [c for c in controls if c in rows and rows[c].status == "not_started" and rows[c].applicable]
    approval = _soa_approval(snap, rows)
    if len(missing) + len(unassessed) == len(controls):
        return CheckResult("soa_complete", Status.MISSING, "no Statement of Applicability row is assessed yet")
    problems = []
    if missing:
        problems.append(f"no SoA row for {_list(missing)}")
    if unassessed:
        problems.append(f"not assessed yet: {_list(unassessed)}")
    if undecided:
        problems.append(f"implementation not started for {_list(undecided)}")
    if approval.status is not Status.MET:
        problems.append(approval.reason)
    links = tuple(r.id for r in rows.values()) + approval.links
    if problems:
        return CheckResult("soa_complete", Status.PARTIAL, "; ".join(problems), links)
    return CheckResult(
        "soa_complete",
        Status.MET,
        f"all {len(controls)} controls decided with a justification; {approval.reason}",
        links,
    )


def _covers(assessment: Any, area: Any, groups: bool) -> bool:
    """Whether an assessment rates what a rule asks for: one of ``area`` or, with ``groups``, a group's harms."""
    if area is None and not groups:
        return True
    if groups and any(g.severity is not None and g.likelihood is not None for g in assessment.impacted_groups):
        return True
    return area is not None and any(str(k) in area for k in assessment.areas)


@check("systems_impact_assessed")
def systems_impact_assessed(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope system has an approved impact assessment newer than its last material change and that
    no re-assessment trigger made stale (the reason is shown). With ``area``, the assessment must rate one of
    those impact areas; with ``groups``, it must rate the harms to at least one affected group (ISO/IEC 42005
    6.8.2), or rate one of the areas given."""
    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("systems_impact_assessed", Status.MISSING, "no AI system is in scope")
    area = p.get("area")
    groups = bool(p.get("groups"))
    good: list[Any] = []
    bad: list[str] = []
    links: list[str] = []
    for s in systems:
        last_change = snap.last_material_change(s.id)
        current = [
            a
            for a in snap.of("impact_assessment", "approved")
            if a.system_id == s.id
            and a.assessed_on is not None
            and (last_change is None or a.assessed_on >= last_change)
            and (a.next_review is None or a.next_review >= snap.today)
            and _covers(a, area, groups)
        ]
        stale = [a for a in current if a.stale_reasons]
        current = [a for a in current if not a.stale_reasons]
        if current:
            good.append(s)
            links.extend(a.id for a in current)
        elif stale:
            reasons = "; ".join(r.reason for a in stale for r in a.stale_reasons)
            bad.append(f"{s.id} ({stale[-1].id} is stale: {reasons})")
            links.extend(a.id for a in stale)
        else:
            bad.append(s.id + (f" (changed {last_change})" if last_change else ""))
    result = _result(
        "systems_impact_assessed",
        good,
        bad,
        "AI systems with a current impact assessment",
        "no in-scope AI system has a current approved impact assessment",
    )
    reason = result.reason
    if not good and any(" is stale: " in b for b in bad):
        reason = f"{reason}: {_list(bad)}"
    return CheckResult(result.check, result.status, reason, tuple(dict.fromkeys([*result.links, *links])))


@check("objectives_measured")
def objectives_measured(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Active objectives with a metric and target, each measured within ``days`` and meeting its target
    (a missed target is named)."""
    objectives = [o for o in snap.of("objective", "active", "achieved") if o.metric and o.target_value is not None]
    if not objectives:
        return CheckResult("objectives_measured", Status.MISSING, "no active AI objective with a metric and target")
    since = snap.today - dt.timedelta(days=int(p.get("days", 120)))
    recent = [m for m in snap.of("measurement", "recorded") if m.measured_on >= since]
    good = [o for o in objectives if any(m.objective_id == o.id for m in recent)]
    bad = [o.id for o in objectives if o not in good]
    result = _result(
        "objectives_measured",
        good,
        bad,
        "objectives measured recently",
        f"no objective was measured since {since}",
    )
    links = tuple(dict.fromkeys([*result.links, *(m.id for m in recent)]))
    missed = _missed_targets(snap, objectives)
    if missed and result.status is Status.MET:
        return CheckResult(result.check, Status.PARTIAL, f"objectives missing their target: {_list(missed)}", links)
    return CheckResult(result.check, result.status, result.reason, links)


def _missed_targets(snap: Snapshot, objectives: list[Any]) -> list[str]:
    """Active objectives whose latest measurement misses the target, with the value and the target."""
    from openaims.register.services.objectives import target_text

    out = []
    for o in objectives:
        if o.status != "active":
            continue
        values = sorted((m for m in snap.of("measurement", "recorded") if m.objective_id == o.id),
                        key=lambda m: (m.measured_on, len(m.id), m.id))  # fmt: skip
        if not values:
            continue
        latest = values[-1]
        met = latest.value >= o.target_value if o.direction == "at_least" else latest.value <= o.target_value
        if not met:
            out.append(f"{o.id} ({latest.value:g} on {latest.measured_on}, target "
                       f"{target_text(o.direction, o.target_value, o.unit)})")  # fmt: skip
    return out


@check("changes_controlled")
def changes_controlled(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    changes = [c for c in snap.of("change") if c.kind == p.get("kind", c.kind)]
    if not changes:
        return CheckResult("changes_controlled", Status.MISSING, "no planned change is recorded")
    done = [c for c in changes if c.status == "implemented"]
    unapproved = [c.id for c in done if not (c.approver and c.approved_on)]
    good = [c for c in changes if c.approver or c.status in ("proposed", "rejected", "cancelled")]
    return _result(
        "changes_controlled",
        good,
        unapproved,
        "changes decided through change control",
        "no change went through approval",
    )


@check("role_holders_competent")
def role_holders_competent(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every holder of an active role has a completed, unexpired training record."""
    holders = sorted({h for r in snap.of("role", "active") for h in r.holder_ids})
    if not holders:
        return CheckResult("role_holders_competent", Status.MISSING, "no AIMS role has a holder")
    valid = [
        t
        for t in snap.of("training", "completed")
        if t.completed_on and (t.expires_on is None or t.expires_on >= snap.today)
    ]
    good_people = [h for h in holders if any(t.person_id == h for t in valid)]
    bad = [h for h in holders if h not in good_people]
    links = tuple(t.id for t in valid if t.person_id in good_people)
    if not good_people:
        return CheckResult(
            "role_holders_competent",
            Status.MISSING,
            f"no competence record for role holders {_list(holders)}",
        )
    if bad:
        return CheckResult(
            "role_holders_competent", Status.PARTIAL, f"no current competence record for {_list(bad)}", links
        )
    return CheckResult(
        "role_holders_competent",
        Status.MET,
        f"all {len(holders)} role holders have a current competence record",
        links,
    )


#: What ``documents_controlled`` can demand beyond an approved version within its review date.
_DOCUMENT_DEMANDS = {
    "owner": "no owner",
    "review": "no next review date",
    "independent": "approved by its own author",
    "history": "a revision without a change summary",
}


def _document_gaps(doc: Any, versions: list[Any], today: dt.date, demands: Iterable[str]) -> list[str]:
    """What is wrong with one controlled document (empty: it is under control)."""
    approved = [v for v in versions if v.status == "approved" and v.approver]
    latest = max(approved, key=lambda v: v.number) if approved else None
    if latest is None:
        return ["no approved version"]
    gaps = []
    if latest.next_review and latest.next_review < today:
        gaps.append(f"review due {latest.next_review}")
    failing = {
        "owner": not doc.owner,
        "review": not latest.next_review,
        "independent": bool(latest.author) and latest.approver == latest.author,
    }
    for demand in demands:
        if failing.get(demand):
            gaps.append(_DOCUMENT_DEMANDS[demand])
        if demand == "history":
            unexplained = [v.number for v in versions if v.number > 1 and not (v.change_summary or "").strip()]
            older = [v for v in approved if v.number < latest.number]
            if unexplained:
                gaps.append(f"version {', '.join(map(str, unexplained))} without a change summary")
            if older:
                gaps.append("an earlier approved version not withdrawn")
    return gaps


@check("competence_per_role")
def competence_per_role(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every active AIMS role states the competence it needs, and every holder of the role has a
    completed, unexpired record (training or other evidence) for each of those competences [7.2]."""
    roles = snap.of("role", "active")
    if not roles:
        return CheckResult("competence_per_role", Status.MISSING, "no AIMS role is defined")
    needs = snap.of("competence", "active")
    valid = [
        t
        for t in snap.of("training", "completed")
        if t.completed_on and (t.expires_on is None or t.expires_on >= snap.today)
    ]
    good: list[Any] = []
    bad: list[str] = []
    links: list[str] = []
    for role in roles:
        required = [c for c in needs if c.role_id == role.id]
        if not required:
            bad.append(f"{role.id} ({role.name}: no competence requirement defined)")
            continue
        if not role.holder_ids:
            bad.append(f"{role.id} ({role.name}: nobody holds it)")
            continue
        gaps = []
        for holder in role.holder_ids:
            shown = [t for t in valid if t.person_id == holder]
            missing = [c.id for c in required if not any(c.id in t.requirement_ids for t in shown)]
            if missing:
                gaps.append(f"{holder} has no current evidence for {_list(missing)}")
            links.extend(t.id for t in shown if set(t.requirement_ids) & {c.id for c in required})
        if gaps:
            bad.append(f"{role.id} ({'; '.join(gaps)})")
        else:
            good.append(role)
            links.extend(c.id for c in required)
    result = _result(
        "competence_per_role",
        good,
        bad,
        "roles whose holders show the competence each role requires",
        "no role has its required competence shown by its holders: " + "; ".join(bad),
    )
    return CheckResult(result.check, result.status, result.reason, tuple(dict.fromkeys([*result.links, *links])))


@check("residual_risks_accepted")
def residual_risks_accepted(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """The residual risk of every risk whose treatment is done (or that was within appetite from
    the start) is rated and accepted; an acceptance above appetite needs an approved 'accept'
    treatment, which the register enforces [6.1.3 f]."""
    methods = snap.by_id("risk_method")
    risks = [r for r in snap.of("risk") if r.status not in ("closed", "identified") and r.method_id in methods]
    if not risks:
        return CheckResult("residual_risks_accepted", Status.MISSING, "no assessed risk is recorded")
    treatments = [t for t in snap.of("treatment") if t.status != "cancelled"]
    due: list[Any] = []
    pending: list[str] = []
    for risk in risks:
        own = [t for t in treatments if t.risk_id == risk.id]
        rating = risk.residual_rating or risk.inherent_rating
        method = methods[risk.method_id]
        within = bool(rating) and method.rating_levels.index(rating) <= method.rating_levels.index(method.appetite)
        done = [t for t in own if t.status in ("implemented", "verified") or (t.option == "accept" and t.approver)]
        if (own and len(done) == len(own)) or (not own and within):
            due.append(risk)
        elif risk.status != "accepted":
            pending.append(risk.id)
    accepted = [r for r in due if r.status == "accepted" and (r.residual_rating or r.inherent_rating)]
    unaccepted = [
        f"{r.id} (rated {r.residual_rating or r.inherent_rating}, residual risk not accepted)"
        for r in due
        if r not in accepted
    ]
    if not due:
        return CheckResult(
            "residual_risks_accepted",
            Status.MISSING,
            "no risk treatment is complete, so no residual risk has been accepted yet"
            + (f" (treatment under way for {_list(pending)})" if pending else ""),
        )
    return _result(
        "residual_risks_accepted",
        accepted,
        unaccepted,
        "residual risks accepted",
        "no residual risk was accepted by management: " + _list(unaccepted),
    )


@check("documented_information")
def documented_information_found(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every documented-information item clauses 4 to 10 require is in the register (the
    ``except`` clauses aside, such as 7.5.1 itself) [7.5.1 a]."""
    from openaims.readiness.documented import Presence, documented_information

    skip = tuple(str(c) + "/" for c in p.get("except", ()))
    items = [i for i in documented_information(snap) if not i.id.startswith(skip)]
    found = [i for i in items if i.presence is Presence.FOUND]
    gaps = [f"{i.clause} {i.what[:1].lower()}{i.what[1:]} ({i.presence.value})" for i in items if i not in found]
    links = tuple(dict.fromkeys(link for i in found for link in i.links))
    if not found:
        return CheckResult(
            "documented_information", Status.MISSING, "none of the required documented information is kept"
        )
    if gaps:
        return CheckResult(
            "documented_information",
            Status.PARTIAL,
            f"{len(found)} of {len(items)} required documented-information items kept; not: {_list(gaps, 4)}",
            links,
        )
    return CheckResult(
        "documented_information", Status.MET, f"all {len(items)} required documented-information items kept", links
    )


def _belongs_to(snap: Snapshot, system_ids: Iterable[str]) -> dict[str, set[str]]:
    """For each system, the ids of records about it: itself, its risks and their treatments,
    its changes and incidents, its impact assessments."""
    out: dict[str, set[str]] = {sid: {sid} for sid in system_ids}
    risk_systems: dict[str, list[str]] = {}
    for risk in snap.of("risk"):
        for sid in risk.system_ids:
            if sid in out:
                out[sid].add(risk.id)
                risk_systems.setdefault(risk.id, []).append(sid)
    for t in snap.of("treatment"):
        for sid in risk_systems.get(t.risk_id, ()):
            out[sid].add(t.id)
    for c in snap.of("change"):
        if c.system_id in out:
            out[c.system_id].add(c.id)
    for a in snap.of("impact_assessment"):
        if a.system_id in out:
            out[a.system_id].add(a.id)
    for i in snap.of("incident"):
        for sid in i.system_ids:
            if sid in out:
                out[sid].add(i.id)
    return out


@check("system_records")
def system_records(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope AI system has a record about it that names one of ``words``: active
    evidence attached to the system (or to one of its risks, treatments, changes, incidents or
    impact assessments), or an approved document whose title names the system."""
    systems = snap.in_scope_systems()
    what = p["what"]
    words = tuple(p["words"])
    if not systems:
        return CheckResult("system_records", Status.MISSING, "no AI system is in scope")
    belongs = _belongs_to(snap, [s.id for s in systems])
    evidence = snap.of("evidence", "active")
    approved = {v.document_id for v in snap.of("document_version", "approved")}
    documents = [d for d in snap.of("document", "active") if d.id in approved and d.kind != "policy"]
    good: list[Any] = []
    bad: list[str] = []
    links: list[str] = []
    for system in systems:
        found = [
            e.id
            for e in evidence
            if set(e.record_ids) & belongs[system.id] and mentions(words, e.title, e.description, e.filename)
        ]
        found += [
            d.id
            for d in documents
            if system.name.casefold() in d.title.casefold() and mentions(words, d.title, d.description)
        ]
        if found:
            good.append(system)
            links.extend(found)
        else:
            bad.append(system.id)
    result = _result("system_records", good, bad, what, f"no in-scope AI system has {what}")
    return CheckResult(result.check, result.status, result.reason, tuple(dict.fromkeys([*result.links, *links])))


@check("system_resources")
def system_resources(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope AI system documents the resources it needs: data (linked datasets),
    tooling (components recorded for it), system and computing resources (a description) and
    human resources (an owner and how people oversee it) [A.4.2]."""
    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("system_resources", Status.MISSING, "no AI system is in scope")
    components = [c for c in snap.of("component") if c.status != "rejected" and not c.disappeared]
    good: list[Any] = []
    bad: list[str] = []
    links: list[str] = []
    for system in systems:
        tooling = [c.id for c in components if c.system_id == system.id or c.repository in system.repositories]
        gaps = []
        if not system.dataset_ids:
            gaps.append("no dataset")
        if not tooling:
            gaps.append("no tooling component")
        if not (system.description or "").strip():
            gaps.append("no description of its computing resources")
        if not system.owner or not (system.human_oversight or "").strip():
            gaps.append("no owner and human oversight")
        if gaps:
            bad.append(f"{system.id} ({', '.join(gaps)})")
        else:
            good.append(system)
            links.extend([*system.dataset_ids, *tooling[:5]])
    result = _result(
        "system_resources",
        good,
        bad,
        "AI systems with their data, tooling, computing and human resources documented",
        "no in-scope AI system documents its resources: " + "; ".join(bad),
    )
    return CheckResult(result.check, result.status, result.reason, tuple(dict.fromkeys([*result.links, *links])))


@check("documents_controlled")
def documents_controlled(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every active document has an approved version with an approver, not past its review date,
    and meets ``demands``: ``owner`` (an owner is named), ``review`` (a next review date is set),
    ``independent`` (approved by someone other than its author), ``history`` (each revision says
    what changed and superseded versions are withdrawn) [7.5.2, 7.5.3]."""
    docs = snap.of("document", "active")
    if not docs:
        return CheckResult("documents_controlled", Status.MISSING, "the document register is empty")
    demands = list(p.get("demands", ()))
    unknown = [d for d in demands if d not in _DOCUMENT_DEMANDS]
    if unknown:
        raise ValueError(f"documents_controlled: unknown demand(s) {unknown}")
    versions = snap.of("document_version")
    good, bad = [], []
    for d in docs:
        gaps = _document_gaps(d, [v for v in versions if v.document_id == d.id], snap.today, demands)
        if gaps:
            bad.append(f"{d.id} ({', '.join(gaps)})")
        else:
            good.append(d)
    return _result("documents_controlled", good, bad, "documents under control", "no document has an approved version")


@check("audits_cover_clauses")
def audits_cover_clauses(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """An approved programme, and audits completed in the last 12 months covering clauses 4 to 10."""
    programmes = snap.of("audit_programme", "approved", "completed")
    if not programmes:
        return CheckResult("audits_cover_clauses", Status.MISSING, "no approved internal audit programme")
    since = snap.today - YEAR
    audits = [a for a in snap.of("audit", "completed") if a.performed_on and a.performed_on >= since]
    covered = {c.split(".")[0] for a in audits for c in a.clauses}
    gaps = [c for c in AUDITABLE_CLAUSES if c not in covered]
    links = _ids(programmes) + _ids(audits)
    if not audits:
        return CheckResult(
            "audits_cover_clauses",
            Status.PARTIAL,
            f"programme {programmes[-1].id} exists but no audit was completed since {since}",
            links,
        )
    if gaps:
        return CheckResult(
            "audits_cover_clauses",
            Status.PARTIAL,
            f"clauses {_list(gaps)} were not audited in the last 12 months",
            links,
        )
    auditors = _list(sorted({a.auditor for a in audits}))
    return CheckResult(
        "audits_cover_clauses",
        Status.MET,
        f"clauses 4-10 audited since {since} by {auditors}, each independent of the processes "
        "audited (checked against the RACI when the audit was recorded)",
        links,
    )


@check("management_review")
def management_review(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """A review held in the last 12 months whose inputs were compiled from the register (or, for older
    reviews, typed for every input), with decisions when asked."""
    since = snap.today - YEAR
    reviews = [r for r in snap.of("management_review", "held", "closed") if r.held_on and r.held_on >= since]
    if not reviews:
        return CheckResult("management_review", Status.MISSING, f"no management review held since {since}")
    latest = max(reviews, key=lambda r: r.held_on)
    covered = covered_inputs(latest)
    gaps = [REQUIRED_INPUTS[k] for k in REQUIRED_INPUTS if k not in covered]
    if p.get("decisions") and not latest.decisions:
        gaps.append("decisions on improvement and changes")
    actions = [a.id for a in snap.of("review_action") if a.review_id == latest.id]
    links = (latest.id, *actions)
    if gaps:
        return CheckResult(
            "management_review",
            Status.PARTIAL,
            f"review {latest.id} on {latest.held_on} does not cover: {'; '.join(gaps)}",
            links,
        )
    how = (
        f"inputs compiled from the register on {latest.prepared_at:%Y-%m-%d}"
        if latest.compiled_inputs and latest.prepared_at
        else "every input covered"
    )
    decided = f", {len(latest.decisions)} decision(s), {len(actions)} tracked action(s)" if p.get("decisions") else ""
    return CheckResult(
        "management_review",
        Status.MET,
        f"review {latest.id} held on {latest.held_on} chaired by {latest.chair}: {how}{decided}",
        links,
    )


@check("nonconformities_handled")
def nonconformities_handled(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """No nonconformity past due; every closed one has a verified, effective corrective action."""
    ncs = snap.of("nonconformity")
    if not ncs:
        return CheckResult(
            "nonconformities_handled",
            Status.PARTIAL,
            "no nonconformity is recorded yet, so handling cannot be shown; nothing is overdue",
        )
    actions = snap.of("corrective_action", "verified")
    overdue = [n.id for n in ncs if n.status != "closed" and n.due_date and n.due_date < snap.today]
    unverified = [
        n.id
        for n in ncs
        if n.status == "closed" and not any(a.nonconformity_id == n.id and a.effective for a in actions)
    ]
    links = _ids(ncs) + _ids(actions)
    problems = []
    if overdue:
        problems.append(f"past due: {_list(overdue)}")
    if unverified:
        problems.append(f"closed without a verified effective action: {_list(unverified)}")
    if problems:
        return CheckResult("nonconformities_handled", Status.PARTIAL, "; ".join(problems), links)
    return CheckResult(
        "nonconformities_handled",
        Status.MET,
        f"{len(ncs)} nonconformities, none past due; closed ones have verified actions",
        links,
    )


@check("suppliers_assessed")
def suppliers_assessed(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    suppliers = snap.of("supplier", "approved")
    if not suppliers:
        return CheckResult("suppliers_assessed", Status.MISSING, "no approved AI supplier is recorded")
    done = [
        a
        for a in snap.of("supplier_assessment", "completed")
        if a.outcome in ("acceptable", "conditional") and (a.next_review is None or a.next_review >= snap.today)
    ]
    good = [s for s in suppliers if any(a.supplier_id == s.id for a in done)]
    bad = [s.id for s in suppliers if s not in good]
    return _result("suppliers_assessed", good, bad, "suppliers with a current assessment", "no supplier was assessed")


#: The AI system life cycle in order (the register's stage ids); a system needs what a check asks
#: from the check's ``from_stage`` on.
STAGES = ("inception", "design", "development", "verification", "deployment", "operation")
#: What a completed security review has to show, per aspect a check asks about.
REVIEW_ASPECTS = ("reviewed", "treated", "tested")


def _security_gap(snap: Snapshot, system: Any, aspect: str) -> tuple[str | None, list[str]]:
    """Why ``system``'s security review does not show ``aspect`` (None: it does), and the reviews behind it."""
    from openaims.register.services.security_reviews import staleness_of, system_components, unhandled_failures

    reviews = [r for r in snap.of("security_review") if r.system_id == system.id and r.status != "superseded"]
    done = [r for r in reviews if r.status == "completed"]
    drafts = [r for r in reviews if r.status == "draft"]
    links = [r.id for r in reviews]
    label = f"{system.id} {system.name}"
    if aspect == "tested":
        tested = [r for r in reviews if r.results]
        if not tested:
            where = f"'aims review import-results {system.id} FILE'"
            if not reviews:
                return f"{label}: no security review, so no red-team results (start one with 'aims review start " \
                       f"{system.id}', then {where})", links
            return f"{label}: no red-team or evaluation results on {reviews[-1].id} (import them with {where})", links
        open_failures = unhandled_failures(tested[-1])
        if open_failures:
            return f"{label}: red-team failures in {_list(open_failures, 3)} on {tested[-1].id} neither raised as " \
                   f"a risk or incident nor covered by a decided threat", links
        return None, links
    if not done:
        if drafts:
            undecided = len(drafts[-1].undecided())
            return f"{label}: security review {drafts[-1].id} is still a draft with {undecided} undecided " \
                   f"threat(s) (decide them with 'aims review decide', then 'aims review complete {system.id}')", links
        return f"{label}: no security review (start one with 'aims review start {system.id}')", links
    review = done[-1]
    stale = staleness_of(review, system_components(system, snap.of("component"))).reasons
    if stale:
        return f"{label}: security review {review.id} is stale: {_list(stale, 3)} (review it again with " \
               f"'aims review start {system.id}')", links
    if aspect == "treated":
        treatments = snap.by_id("treatment")
        gaps = []
        for t in review.threats:
            if t.decision == "risk":
                treatment = treatments.get(t.treatment_id or "")
                if treatment is None or treatment.status == "cancelled":
                    gaps.append(f"{t.key} ({t.risk_id} has no live treatment)")
            elif t.decision == "accepted" and not (t.rationale and t.decided_by):
                gaps.append(f"{t.key} (accepted without a rationale)")
        if gaps:
            return f"{label}: {review.id} decisions without a treatment: {_list(gaps, 3)}", links
    return None, links


@check("systems_security_reviewed")
def systems_security_reviewed(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """In-scope AI systems from ``from_stage`` of the life cycle on (default deployment) and their AI
    security review, per ``aspect``: ``reviewed`` (a completed review, every applicable threat decided,
    not stale), ``treated`` (that, and each threat decided as a risk has a live treatment, each accepted
    gap a rationale and who accepted it), ``tested`` (red-team or evaluation results imported on the
    review, their failures raised as risks or incidents or covered by decided threats). Not applicable
    while no in-scope system has reached that stage; what is missing is named per system."""
    aspect = str(p.get("aspect", "reviewed"))
    if aspect not in REVIEW_ASPECTS:
        raise ValueError(f"systems_security_reviewed: unknown aspect {aspect!r}")
    start = str(p.get("from_stage", "deployment"))
    due = [s for s in snap.in_scope_systems() if s.lifecycle_stage in STAGES[STAGES.index(start):]]
    what = str(p.get("what", "AI systems with a completed security review"))
    if not due:
        return CheckResult("systems_security_reviewed", Status.NOT_APPLICABLE,
                           f"no in-scope AI system has reached {start} yet")  # fmt: skip
    good: list[Any] = []
    gaps: list[str] = []
    links: list[str] = []
    for system in due:
        gap, found = _security_gap(snap, system, aspect)
        links.extend(found)
        if gap is None:
            good.append(system)
        else:
            gaps.append(gap)
    links = list(dict.fromkeys(links))
    if not gaps:
        return CheckResult("systems_security_reviewed", Status.MET, f"{what}: {_list(_ids(good))}", tuple(links))
    status = Status.PARTIAL if good else Status.MISSING
    shown = "; ".join(gaps[:6]) + (f"; and {len(gaps) - 6} more" if len(gaps) > 6 else "")
    prefix = f"{what}: {_list(_ids(good))}; missing: " if good else ""
    return CheckResult("systems_security_reviewed", status, prefix + shown, tuple(links))


@check("soa_row")
def soa_row(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """What the control's SoA row claims: implemented (met), partially implemented (partial),
    planned or not started (missing: the control is not in place yet, whatever records exist).

    The row's evidence and treatments are listed as proof only when ``proving`` (the records
    the control's own checks found) or the control itself (a treatment implementing it) ties
    them to the control; anything else linked to the row is named as not counted.
    """
    control = p["control"]
    rows = [r for r in snap.of("soa_entry") if r.control_id == control]
    if not rows:
        return CheckResult("soa_row", Status.MISSING, f"the Statement of Applicability has no row for {control}")
    row = rows[0]
    if not row.applicable:
        links = (row.id, *row.treatment_ids, *row.evidence_ids)
        return CheckResult("soa_row", Status.NOT_APPLICABLE, f"excluded in {row.id}: {row.justification}", links)
    proving = set(p.get("proving", ()))
    evidence = snap.by_id("evidence")
    treatments = snap.by_id("treatment")
    relevant = [t for t in row.treatment_ids if t in treatments and control in treatments[t].control_ids]
    # Evidence linked from either side (the row's evidence_ids, the evidence naming the row) is one link.
    from_evidence = [e.id for e in evidence.values() if row.id in e.record_ids and e.status != "withdrawn"]
    linked = list(dict.fromkeys([*row.evidence_ids, *from_evidence]))
    relevant += [e for e in linked if e in evidence and set(evidence[e].record_ids) & proving]
    ignored = [i for i in (*row.treatment_ids, *linked) if i not in relevant]
    note = (
        f"; {_list(ignored)} linked to {row.id} but not to any record that proves {control}, so not counted"
        if ignored
        else ""
    )
    links = (row.id, *relevant)
    if row.status == "implemented":
        return CheckResult("soa_row", Status.MET, f"{row.id} says implemented, owner {row.owner}{note}", links)
    if row.status == "partial":
        return CheckResult("soa_row", Status.PARTIAL, f"{row.id} says partially implemented{note}", links)
    if row.status == "planned":
        return CheckResult("soa_row", Status.MISSING, f"{row.id} says planned: not implemented yet{note}", links)
    if row.status == "not_assessed":
        return CheckResult("soa_row", Status.MISSING, f"{row.id}: not assessed yet", links)
    return CheckResult("soa_row", Status.MISSING, f"{row.id}: implementation not started{note}", links)


__all__ = ["CHECKS", "Check", "check"]


# ------------------------------------------------------- gates and incidents
@check("gate_overrides")
def gate_overrides(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """In-scope systems moved past a life-cycle gate that did not pass, and whether each
    override's follow-up nonconformity is closed [A.6.2.5]."""
    ncs = snap.by_id("nonconformity")
    overridden = [(s, o) for s in snap.in_scope_systems() for o in getattr(s, "gate_overrides", ())]
    if not overridden:
        return CheckResult("gate_overrides", Status.MET, "no in-scope AI system was moved past a life-cycle gate "
                           "it did not pass")  # fmt: skip
    links = tuple(dict.fromkeys(x for s, o in overridden for x in (s.id, o.follow_up) if x))
    open_ = []
    for system, override in overridden:
        follow = ncs.get(override.follow_up or "")
        if follow is None or follow.status != "closed":
            open_.append(
                f"{system.id} moved to {override.to_stage} past its gate on {override.at:%Y-%m-%d} by {override.by} "
                f"({override.reason}; missing {', '.join(override.missing) or 'nothing named'}), follow-up "
                f"{override.follow_up or 'none'} not closed"
            )
    if open_:
        return CheckResult("gate_overrides", Status.PARTIAL, "life-cycle gate overridden: " + "; ".join(open_), links)
    return CheckResult(
        "gate_overrides", Status.MET,
        "gate overrides followed up: " + ", ".join(f"{s.id} to {o.to_stage} ({o.follow_up} closed)"
                                                   for s, o in overridden), links,
    )  # fmt: skip


def _playbooks() -> Any:
    from openaims.register.playbooks.model import load_playbooks

    return load_playbooks()


@check("incident_notifications")
def incident_notifications(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Incidents whose playbook has a notification step record it before they are resolved or
    closed; no EU AI Act Art. 73 serious-incident report is overdue [A.8.4]."""
    from openaims.register.playbooks.model import report_deadline

    books = _playbooks()
    now = dt.datetime.combine(snap.today, dt.time(0), tzinfo=dt.UTC)
    overdue = []
    for i in snap.of("incident"):
        due = report_deadline(books, i.serious_incident, i.aware_at or i.detected_at or i.created_at,
                              i.authority_reported_at)  # fmt: skip
        if due is not None and due.reported_at is None and due.overdue(now):
            overdue.append(f"{i.id} ({due.kind.title}, due {due.due_at:%Y-%m-%d}, {due.kind.source})")
    relevant = [i for i in snap.of("incident") if books.for_severity(i.severity).step("notification") is not None]
    done = [i for i in relevant if "notification" in i.playbook_steps]
    late = [i.id for i in relevant if i.status in ("resolved", "closed") and "notification" not in i.playbook_steps]
    if overdue:
        return CheckResult("incident_notifications", Status.MISSING,
                           "EU AI Act Art. 73 report overdue: " + "; ".join(overdue), _ids(done))  # fmt: skip
    if not relevant:
        return CheckResult("incident_notifications", Status.NOT_APPLICABLE,
                           "no incident whose playbook has a notification step")  # fmt: skip
    if late:
        return CheckResult("incident_notifications", Status.PARTIAL if done else Status.MISSING,
                           f"incidents resolved or closed without their notification step: {_list(late)}",
                           _ids(done))  # fmt: skip
    return CheckResult("incident_notifications", Status.MET,
                       f"incidents notified per their playbook: {_list(_ids(done)) or 'none due yet'}",
                       _ids(relevant))  # fmt: skip


@check("incident_playbooks")
def incident_playbooks(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Closed incidents went through every step of their severity's playbook [A.6.2.6, A.8.4]."""
    books = _playbooks()
    closed = snap.of("incident", "closed")
    if not closed:
        return CheckResult("incident_playbooks", Status.NOT_APPLICABLE, "no closed incident")
    good, bad = [], []
    for i in closed:
        skipped = [s.id for s in books.for_severity(i.severity).steps if s.id not in i.playbook_steps]
        if skipped:
            bad.append(f"{i.id} (skipped {', '.join(skipped)})")
        else:
            good.append(i)
    return _result("incident_playbooks", good, bad, "closed incidents went through their playbook",
                   "no closed incident went through its playbook: " + _list(bad))  # fmt: skip


# ------------------------------------------------------------------ monitoring
#: Incident statuses in which a breach counts as handled.
HANDLED = ("resolved", "closed")


def _monitoring_gaps(
    snap: Snapshot, system: Any, plan: Any | None, now: dt.datetime, flagged_by_plan: Mapping[str, list[Any]],
    incidents: Mapping[str, Any],
) -> list[str]:
    """What is missing in ``system``'s monitoring: no plan, results overdue, breaches whose incident
    is not handled, warnings nobody reviewed."""
    from openaims.register.services.monitoring_plans import SCHEDULE_DAYS

    label = f"{system.id} {system.name}"
    if plan is None:
        return [f"{label}: no monitoring plan (create one with 'aims monitor plan {system.id} PLAN.yaml')"]
    if plan.status != "active":
        return [f"{label}: monitoring plan {plan.id} is {plan.status}, so nothing is recorded"]
    facts = snap.monitoring
    gaps: list[str] = []
    last = facts.last_result.get(plan.id) if facts is not None else None
    created = plan.created_at if plan.created_at.tzinfo else plan.created_at.replace(tzinfo=dt.UTC)
    due = (last or created) + dt.timedelta(days=SCHEDULE_DAYS[plan.schedule])
    if now > due:
        since = f"no result since {last:%Y-%m-%d}" if last else "no result yet"
        gaps.append(f"{label}: {plan.id} ({plan.schedule}) overdue, {since}, due by {due:%Y-%m-%d} (record with "
                    f"'aims monitor evaluate {system.id}' or 'aims monitor push {system.id}')")  # fmt: skip
    flagged = flagged_by_plan.get(plan.id, [])
    unhandled: dict[str, list[Any]] = {}
    for f in flagged:
        if f.level != "breach":
            continue
        incident = incidents.get(f.incident_id or "")
        if incident is None:
            unhandled.setdefault("", []).append(f)
        elif incident.status not in HANDLED:
            unhandled.setdefault(incident.id, []).append(f)
    for incident_id, items in unhandled.items():
        first = items[0]
        what = f"breach of {_list(dict.fromkeys(i.label for i in items), 3)} since {first.at:%Y-%m-%d}"
        if not incident_id:
            gaps.append(f"{label}: {what} with no incident")
        else:
            gaps.append(f"{label}: {what}, incident {incident_id} still {incidents[incident_id].status} "
                        f"(handle it with 'aims incident step {incident_id}')")  # fmt: skip
    warnings = [f for f in flagged if f.level == "warning"]
    if warnings:
        gaps.append(f"{label}: {len(warnings)} warning(s) unreviewed since {warnings[0].at:%Y-%m-%d} "
                    f"({_list(dict.fromkeys(w.label for w in warnings), 3)}; review with "
                    f"'aims monitor review {system.id} --note TEXT')")  # fmt: skip
    return gaps


@check("systems_monitored")
def systems_monitored(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """In-scope AI systems from ``from_stage`` of the life cycle on (default deployment) are monitored:
    an active plan, results within its schedule, every breach's incident resolved or closed and every
    warning reviewed [9.1, A.6.2.6]. Not applicable while no in-scope system has reached that stage;
    what is missing is named per system."""
    start = str(p.get("from_stage", "deployment"))
    due = [s for s in snap.in_scope_systems() if s.lifecycle_stage in STAGES[STAGES.index(start):]]
    what = str(p.get("what", "AI systems in deployment or operation monitored"))
    if not due:
        return CheckResult("systems_monitored", Status.NOT_APPLICABLE, f"no in-scope AI system has reached {start} yet")
    plans = {pl.system_id: pl for pl in snap.of("monitoring_plan") if pl.status != "retired"}
    now = dt.datetime.combine(snap.today, dt.time.max, tzinfo=dt.UTC)
    incidents = snap.by_id("incident")
    flagged_by_plan: dict[str, list[Any]] = {}
    for item in snap.monitoring.flagged if snap.monitoring is not None else ():
        flagged_by_plan.setdefault(item.plan_id, []).append(item)
    good: list[Any] = []
    gaps: list[str] = []
    links: list[str] = []
    for system in due:
        plan = plans.get(system.id)
        found = _monitoring_gaps(snap, system, plan, now, flagged_by_plan, incidents)
        if plan is not None:
            links.append(plan.id)
        if found:
            gaps.extend(found)
        else:
            good.append(system)
    due_ids = {s.id for s in due}
    if snap.monitoring is not None:
        links += [f.incident_id for f in snap.monitoring.flagged if f.incident_id and f.system_id in due_ids]
    links = list(dict.fromkeys(links))
    if not gaps:
        return CheckResult("systems_monitored", Status.MET, f"{what}: {_list(_ids(good))}", tuple(links))
    # Some monitoring in place (a system fully monitored, or an active plan with results) is partial.
    started = good or any(pl.status == "active" for pl in plans.values() if pl.system_id in due_ids)
    status = Status.PARTIAL if started else Status.MISSING
    shown = "; ".join(gaps[:6]) + (f"; and {len(gaps) - 6} more" if len(gaps) > 6 else "")
    prefix = f"{what}: {_list(_ids(good))}; missing: " if good else ""
    return CheckResult("systems_monitored", status, prefix + shown, tuple(links))
