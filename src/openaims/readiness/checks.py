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
from openaims.register.services.reviews import REQUIRED_INPUTS

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


@check("systems_impact_assessed")
def systems_impact_assessed(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Every in-scope system has an approved impact assessment newer than its last material change."""
    systems = snap.in_scope_systems()
    if not systems:
        return CheckResult("systems_impact_assessed", Status.MISSING, "no AI system is in scope")
    area = p.get("area")
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
            and (area is None or any(str(k) in area for k in a.areas))
        ]
        if current:
            good.append(s)
            links.extend(a.id for a in current)
        else:
            bad.append(s.id + (f" (changed {last_change})" if last_change else ""))
    result = _result(
        "systems_impact_assessed",
        good,
        bad,
        "AI systems with a current impact assessment",
        "no in-scope AI system has a current approved impact assessment",
    )
    return CheckResult(result.check, result.status, result.reason, tuple(dict.fromkeys([*result.links, *links])))


@check("objectives_measured")
def objectives_measured(snap: Snapshot, p: Mapping[str, Any]) -> CheckResult:
    """Active objectives with a metric and target, each measured within ``days``."""
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
    return CheckResult(result.check, result.status, result.reason, links)


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
    """A review held in the last 12 months covering every required input (and decisions when asked)."""
    since = snap.today - YEAR
    reviews = [r for r in snap.of("management_review", "held", "closed") if r.held_on and r.held_on >= since]
    if not reviews:
        return CheckResult("management_review", Status.MISSING, f"no management review held since {since}")
    latest = max(reviews, key=lambda r: r.held_on)
    gaps = [REQUIRED_INPUTS[k] for k in REQUIRED_INPUTS if not (latest.inputs.get(k) or "").strip()]
    if p.get("decisions") and not latest.decisions:
        gaps.append("decisions on improvement and changes")
    if gaps:
        return CheckResult(
            "management_review",
            Status.PARTIAL,
            f"review {latest.id} on {latest.held_on} does not cover: {'; '.join(gaps)}",
            (latest.id,),
        )
    return CheckResult(
        "management_review",
        Status.MET,
        f"review {latest.id} held on {latest.held_on} chaired by {latest.chair} covered every input",
        (latest.id,),
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
