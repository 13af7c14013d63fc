"""Evaluate the readiness rules over a register snapshot.

Rules are data (``rules.yaml``): for each ISO/IEC 42001 clause and Annex A control, the
checks from :mod:`openaims.readiness.checks` that prove it. Loading refuses a rule set
that misses a clause or control, names an unknown check or leaves an item without checks.
Every Annex A control also gets the check of its Statement of Applicability row; an
excluded control is ``not_applicable`` with the exclusion's justification.

Views for the NIST AI RMF and the EU AI Act reuse the same results through the
crosswalk: an item there is as ready as the ISO/IEC 42001 items it maps to. The EU AI Act
view is stricter (``eu_ai_act.yaml``): ISO/IEC 42001 gives no presumption of conformity, so
an article is met on ISO/IEC 42001 records alone only through rows whose relation says they
overlap; otherwise the article needs its own checks (Art. 5, 6, 17, 18, 20), and an article
that no stored classification of an in-scope system puts on the organisation is not
applicable.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openaims.errors import UsageError
from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, CatalogueError, label_of, load_catalogue
from openaims.readiness.checks import CHECKS
from openaims.readiness.model import CheckResult, ItemResult, Report, Status, combine
from openaims.readiness.snapshot import Snapshot
from openaims.untrusted import InputError, read_yaml

View = Literal["iso42001", "nist-ai-rmf", "eu-ai-act"]
VIEWS: tuple[str, ...] = ("iso42001", "nist-ai-rmf", "eu-ai-act")


class _Check(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    check: str


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    checks: list[_Check] = Field(min_length=1)


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    notes: str | None = None
    rules: list[_Rule]


class _Article(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    basis: str = Field(min_length=1)
    #: ISO/IEC 42001 clauses whose leaf clauses the article draws on besides its crosswalk rows.
    iso: list[str] = []
    checks: list[_Check] = Field(min_length=1)


class _EuView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    sufficient_relations: list[str] = Field(min_length=1)
    articles: list[_Article]


@functools.cache
def load_eu_view() -> _EuView:
    """The EU AI Act view's own rules, checked against the catalogue and the check vocabulary."""
    text = resources.files("openaims.readiness").joinpath("eu_ai_act.yaml").read_text("utf-8")
    try:
        view = _EuView.model_validate(read_yaml(text, "eu_ai_act.yaml"))
    except (InputError, ValidationError) as exc:
        raise CatalogueError(f"EU AI Act readiness rules are invalid: {exc}") from None
    eu = load_catalogue().framework("eu-ai-act")
    iso = load_catalogue().framework("iso42001")
    for article in view.articles:
        if article.id not in eu.items:
            raise CatalogueError(f"EU AI Act readiness rules: unknown article {article.id}")
        unknown = [c.check for c in article.checks if c.check not in CHECKS]
        unknown += [f"iso42001:{c}" for c in article.iso if c not in iso.items]
        if unknown:
            raise CatalogueError(f"EU AI Act readiness rule {article.id} names unknown {', '.join(unknown)}")
    return view


@functools.cache
def load_rules() -> _Rules:
    """The rule set, checked against the catalogue and the check vocabulary."""
    text = resources.files("openaims.readiness").joinpath("rules.yaml").read_text("utf-8")
    try:
        rules = _Rules.model_validate(read_yaml(text, "rules.yaml"))
    except (InputError, ValidationError) as exc:
        raise CatalogueError(f"readiness rules are invalid: {exc}") from None
    ids = [r.id for r in rules.rules]
    controls = [c.id for c in load_catalogue().framework("iso42001").of_kind("control")]
    expected = [*ISO42001_LEAF_CLAUSES, *controls]
    if sorted(ids) != sorted(expected):
        missing = sorted(set(expected) - set(ids))
        extra = sorted(set(ids) - set(expected))
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise CatalogueError(f"readiness rules: missing {missing}, unknown {extra}, duplicated {duplicates}")
    for rule in rules.rules:
        unknown = [c.check for c in rule.checks if c.check not in CHECKS]
        if unknown:
            raise CatalogueError(f"readiness rule {rule.id} uses unknown check(s) {', '.join(unknown)}")
    return rules


def _params(check: _Check) -> dict[str, Any]:
    return dict(check.model_extra or {})


def _evaluate_item(snap: Snapshot, rule: _Rule) -> tuple[Status, tuple[CheckResult, ...]]:
    """A clause: its checks combined. A control: its SoA row first; excluded -> not applicable;
    planned or not started -> missing whatever records exist (a control is not half in place
    because some of its records are); implemented or partial -> combined with its checks."""
    results = [CHECKS[c.check](snap, _params(c)) for c in rule.checks]
    if rule.id.startswith("A."):
        proving = sorted({link for r in results for link in r.links})
        soa = CHECKS["soa_row"](snap, {"control": rule.id, "proving": proving})
        if soa.status is Status.NOT_APPLICABLE:
            return Status.NOT_APPLICABLE, (soa,)
        results.insert(0, soa)
        if soa.status is Status.MISSING:
            return Status.MISSING, tuple(results)
    return combine(results), tuple(results)


def evaluate(snap: Snapshot, *, view: View = "iso42001", previous: Mapping[str, Any] | None = None) -> Report:
    """Readiness of every clause 4.1-10.2 and every Annex A control (or the NIST / AI Act view)."""
    if view not in VIEWS:
        raise UsageError(f"unknown framework view {view!r}; choose one of {', '.join(VIEWS)}")
    rules = load_rules()
    cat = load_catalogue()
    iso = cat.framework("iso42001")
    items: list[ItemResult] = []
    for rule in rules.rules:
        item = iso.get(rule.id)
        status, checks = _evaluate_item(snap, rule)
        group = str(item.details["area"]) if item.kind == "control" else rule.id.split(".")[0]
        related = tuple(r.item.ref for r in cat.crosswalk(item.ref).related if r.via is None)
        items.append(ItemResult("iso42001", rule.id, item.kind, item.title, group, status, checks, related))
    if view == "nist-ai-rmf":
        items = _project(items, view)
    elif view == "eu-ai-act":
        items = _project_eu(snap, items)
    report = Report(snap.today, tuple(items), rules.version, view)
    if previous is not None:
        report = Report(report.as_of, report.items, report.rules_version, view, tuple(_changes(previous, report)))
    return report


def _project(items: Sequence[ItemResult], view: str) -> list[ItemResult]:
    """Items of another framework, each as ready as the ISO/IEC 42001 items the crosswalk links it to."""
    cat = load_catalogue()
    by_ref = {f"iso42001:{i.id}": i for i in items}
    fw = cat.framework(view)
    kind = "subcategory" if view == "nist-ai-rmf" else "article"
    out: list[ItemResult] = []
    for target in fw.of_kind(kind):  # type: ignore[arg-type]
        linked = [by_ref[r.item.ref] for r in cat.crosswalk(target.ref).related if r.item.ref in by_ref]
        if not linked:
            continue
        checks = tuple(
            CheckResult(f"iso42001:{i.id}", i.status, f"{i.id} {i.title}: " + "; ".join(i.reasons), tuple(i.links))
            for i in linked
        )
        group = str(target.parent) if view == "nist-ai-rmf" else "articles"
        status = combine(checks)
        related = tuple(f"iso42001:{i.id}" for i in linked)
        out.append(ItemResult(view, target.id, target.kind, target.title, group, status, checks, related))
    return out


def _applicable_articles(snap: Snapshot) -> tuple[set[str], list[str]] | None:
    """Articles the stored classifications of the in-scope systems put on the organisation, and
    how each system is classified; ``None`` while a system is unclassified (nothing can be ruled out)."""
    from openaims.register.services.classification import stored_classification

    systems = snap.in_scope_systems()
    stored = [(s, stored_classification(s)) for s in systems]
    if not systems or any(c is None for _, c in stored):
        return None
    if any(((c or {}).get("classification") or {}).get("outcome") == "needs_legal_review" for _, c in stored):
        return None
    articles: set[str] = set()
    tiers: list[str] = []
    for system, record in stored:
        outcome = (record or {}).get("classification") or {}
        articles.update(str(o.get("article")) for o in outcome.get("obligations", []) if isinstance(o, Mapping))
        tiers.append(f"{system.id} {'/'.join(outcome.get('tiers', [])) or system.risk_tier}")
    return articles, tiers


def _project_eu(snap: Snapshot, items: Sequence[ItemResult]) -> list[ItemResult]:
    """EU AI Act articles: the ISO/IEC 42001 items related to each, capped at partial unless a row
    overlaps, plus the article's own checks; not applicable when no classification needs it."""
    cat = load_catalogue()
    rules = {a.id: a for a in load_eu_view().articles}
    sufficient = set(load_eu_view().sufficient_relations)
    by_ref = {f"iso42001:{i.id}": i for i in items}
    applicable = _applicable_articles(snap)
    out: list[ItemResult] = []
    for target in cat.framework("eu-ai-act").of_kind("article"):
        rows = [r for r in cat.crosswalk(target.ref).related if r.via is None and r.item.framework == "iso42001"]
        own = rules.get(target.id)
        refs = [r.item.ref for r in rows]
        for clause in own.iso if own else ():
            refs += [ref for ref in by_ref if ref.split(":")[1].startswith(f"{clause}.") or ref == f"iso42001:{clause}"]
        refs += [ref for r in rows if r.item.ref not in by_ref for ref in by_ref if ref.startswith(r.item.ref + ".")]
        linked = [by_ref[ref] for ref in dict.fromkeys(refs) if ref in by_ref]
        if not linked and own is None:
            continue
        related = tuple(f"iso42001:{i.id}" for i in linked)
        if applicable is not None and target.id not in applicable[0] and target.id not in ("Art.5", "Art.6"):
            reason = (
                f"no stored EU AI Act classification of an in-scope AI system puts {label_of(target.id)} on you "
                f"({', '.join(applicable[1])})"
            )
            check = CheckResult("eu-ai-act:classification", Status.NOT_APPLICABLE, reason)
            out.append(ItemResult("eu-ai-act", target.id, target.kind, target.title, "articles",
                                  Status.NOT_APPLICABLE, (check,), related))  # fmt: skip
            continue
        checks = [CHECKS[c.check](snap, _params(c)) for c in own.checks] if own else []
        iso_checks = [
            CheckResult(f"iso42001:{i.id}", i.status, f"{i.id} {i.title}: " + "; ".join(i.reasons), tuple(i.links))
            for i in linked
        ]
        status = combine([*checks, *iso_checks])
        relations = {r.relation for r in rows}
        if own is None and status is Status.MET and not relations & sufficient:
            status = Status.PARTIAL
            checks.append(
                CheckResult(
                    "eu-ai-act:no-presumption",
                    Status.PARTIAL,
                    f"the crosswalk relates these ISO/IEC 42001 items to {label_of(target.id)} only as "
                    f"{' / '.join(sorted(relations))}: they support it but do not show it is met (ISO/IEC 42001 "
                    "gives no presumption of conformity); keep the evidence the article itself requires",
                )
            )
        out.append(ItemResult("eu-ai-act", target.id, target.kind, target.title, "articles", status,
                              (*checks, *iso_checks), related))  # fmt: skip
    return out


def _changes(previous: Mapping[str, Any], report: Report) -> list[dict[str, str]]:
    before = {i["id"]: i["status"] for i in previous.get("items", []) if isinstance(i, Mapping) and "id" in i}
    out = []
    for item in report.items:
        old = before.get(item.id)
        if old is not None and old != item.status.value:
            out.append({"id": item.id, "from": str(old), "to": item.status.value})
        elif old is None and before:
            out.append({"id": item.id, "from": "new", "to": item.status.value})
    return out


def readiness(
    session: Any,
    actor: Any,
    *,
    today: dt.date,
    view: View = "iso42001",
    previous: Mapping[str, Any] | None = None,
) -> Report:
    """Load the register through its services and evaluate it."""
    from openaims.readiness.snapshot import load_snapshot

    return evaluate(load_snapshot(session, actor, today=today), view=view, previous=previous)


__all__ = ["VIEWS", "View", "evaluate", "load_eu_view", "load_rules", "readiness"]
