"""Demo data: Northwind Lending, a consumer-lending company that runs an AI management system.

Everything is written through the record services, so the rules hold and the
history is real. Dates are fixed relative to ``today`` (the caller's clock), and
event times come from a clock set to the day each part of the story happens, so
the same ``today`` gives the same register. ``scale`` adds synthetic business units (five AI systems,
fifty components and about two hundred history events each) through a bulk path
that validates every record with its service's model and writes the same
hash-chained history events a service would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from openaims.discovery.interface import Finding
from openaims.errors import ConflictError
from openaims.register import history, ids
from openaims.register.actors import Actor, Role
from openaims.register.ingest import IngestReport, sync_scan
from openaims.register.models.internal import HistoryEvent, HistoryHead
from openaims.register.models.objectives import Measurement
from openaims.register.models.risks import Risk
from openaims.register.models.systems import AISystem, Component, Dataset
from openaims.register.review_inputs import prepare_review
from openaims.register.services import (
    AuditProgrammeService,
    AuditService,
    ChangeService,
    CommunicationService,
    CompetenceService,
    ComponentService,
    ContextIssueService,
    CorrectiveActionService,
    DatasetService,
    DocumentService,
    DocumentVersionService,
    EvidenceService,
    FindingService,
    ImpactAssessmentService,
    IncidentService,
    InterestedPartyService,
    ManagementReviewService,
    MeasurementService,
    NonconformityService,
    ObjectiveService,
    PersonService,
    RaciService,
    RecordService,
    ReviewActionService,
    RiskMethodService,
    RiskService,
    RoleService,
    ScopeService,
    SoaService,
    SoaVersionService,
    SupplierAssessmentService,
    SupplierService,
    SystemService,
    TrainingService,
    TreatmentService,
)
from openaims.register.services.accounts import AccountService
from openaims.register.services.evidence import EvidenceDir
from openaims.register.services.risks import DEFAULT_METHOD
from openaims.register.services.systems import ComponentFields, DatasetFields, SystemFields

ORGANISATION = "Northwind Lending"
#: Password of the demo sign-in accounts: for a local demo only, never for a shared server.
DEMO_PASSWORD = "demo-password-1"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "Demo administrator"),
    ("maria", "aims_manager", "Maria Lopez"),
    ("raj", "contributor", "Raj Patel"),
    ("ana", "auditor", "Ana Novak"),
    ("vik", "viewer", "Vik Sharma"),
)
#: Named as "aims inventory sync examples/sample-monorepo" names it, so a later sync finds the same components.
REPOSITORY = "sample-monorepo"
#: Per unit of ``scale`` beyond the first: AI systems and components of one synthetic unit.
SYSTEMS_PER_UNIT = 5
COMPONENTS_PER_SYSTEM = 10
MEASUREMENTS_PER_UNIT = 20

ADMIN = Actor("admin", frozenset({Role.ADMIN}))
MARIA = Actor("maria", frozenset({Role.AIMS_MANAGER}), aliases=frozenset({"Maria Lopez"}))
RAJ = Actor("raj", frozenset({Role.CONTRIBUTOR}))
TOM = Actor("tom", frozenset({Role.AIMS_MANAGER}))
#: The chief executive approves the scope and the policies; the data protection officer reviews impact assessments.
ELENA = Actor("elena", frozenset({Role.AIMS_MANAGER}))
LENA = Actor("lena", frozenset({Role.CONTRIBUTOR}))
SAM = Actor("sam", frozenset({Role.CONTRIBUTOR}))


class DemoClock:
    """Event times: the day a part of the story happens (relative to ``today``), then one minute per write."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._now = self._at(-200)

    def _at(self, days: int, hour: int = 9) -> dt.datetime:
        day = self.today + dt.timedelta(days=days)
        return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)

    def day(self, days: int, hour: int = 9) -> None:
        """Move to ``days`` from today (each part of the story happens on its own dates)."""
        self._now = self._at(days, hour)

    def __call__(self) -> dt.datetime:
        self._now += dt.timedelta(minutes=1)
        return self._now


@dataclass
class DemoReport:
    """What the loader wrote."""

    records: dict[str, int] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)
    ingest: IngestReport | None = None
    bulk_systems: int = 0
    bulk_components: int = 0
    bulk_events: int = 0

    @property
    def total(self) -> int:
        return sum(self.records.values())


class _Loader:
    def __init__(self, session: Session, clock: DemoClock, evidence_dir: EvidenceDir) -> None:
        self.session = session
        self.clock = clock
        self.today = clock.today
        self.evidence_dir = evidence_dir

    def d(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def svc(self, cls: type[RecordService[Any, Any]], actor: Actor = MARIA) -> RecordService[Any, Any]:
        if cls is EvidenceService:
            return EvidenceService(self.session, actor, clock=self.clock, evidence_dir=self.evidence_dir)
        return cls(self.session, actor, clock=self.clock)

    def create(
        self, cls: type[RecordService[Any, Any]], data: dict[str, Any], actor: Actor = MARIA, status: str | None = None
    ) -> Any:
        return self.svc(cls, actor).create(data, status=status)

    def move(
        self, cls: type[RecordService[Any, Any]], record: Any, status: str, actor: Actor = MARIA, **changes: Any
    ) -> Any:
        return self.svc(cls, actor).transition(record.id, record.version, status, changes)

    def change(self, cls: type[RecordService[Any, Any]], record: Any, actor: Actor = MARIA, **changes: Any) -> Any:
        return self.svc(cls, actor).update(record.id, record.version, changes)

    def approve(
        self, cls: type[RecordService[Any, Any]], record: Any, actor: Actor, day: int, **changes: Any
    ) -> Any:
        """``actor`` approves ``record`` on day ``day`` of the story, through the service (an approval event)."""
        self.clock.day(day)
        return self.svc(cls, actor).approve_record(record.id, record.version, changes)


#: ISO/IEC 42001 Annex A controls (id, short title), as in ``openaims/frameworks/iso42001.yaml``
#: (kept here so that loading the demo does not parse every framework; a test keeps them equal).
ANNEX_A_CONTROLS: tuple[tuple[str, str], ...] = (
    ("A.2.2", "Documented AI policy"),
    ("A.2.3", "AI policy aligned with other policies"),
    ("A.2.4", "AI policy reviewed"),
    ("A.3.2", "AI roles and responsibilities defined"),
    ("A.3.3", "Way to raise concerns"),
    ("A.4.2", "Resources documented"),
    ("A.4.3", "Data resources documented"),
    ("A.4.4", "Tooling resources documented"),
    ("A.4.5", "System and computing resources documented"),
    ("A.4.6", "Human resources documented"),
    ("A.5.2", "Impact assessment process"),
    ("A.5.3", "Impact assessments recorded"),
    ("A.5.4", "Impact on individuals and groups assessed"),
    ("A.5.5", "Impact on society assessed"),
    ("A.6.1.2", "Objectives for responsible development"),
    ("A.6.1.3", "Responsible design and development process"),
    ("A.6.2.2", "Requirements specified"),
    ("A.6.2.3", "Design and development documented"),
    ("A.6.2.4", "Verification and validation"),
    ("A.6.2.5", "Deployment planned"),
    ("A.6.2.6", "Operation and monitoring"),
    ("A.6.2.7", "Technical documentation provided"),
    ("A.6.2.8", "Event logs recorded"),
    ("A.7.2", "Data management processes"),
    ("A.7.3", "Data acquisition documented"),
    ("A.7.4", "Data quality requirements"),
    ("A.7.5", "Data provenance recorded"),
    ("A.7.6", "Data preparation criteria"),
    ("A.8.2", "Information for users"),
    ("A.8.3", "Channel for reporting adverse impacts"),
    ("A.8.4", "Incident communication plan"),
    ("A.8.5", "Reporting duties to interested parties"),
    ("A.9.2", "Responsible use process"),
    ("A.9.3", "Objectives for responsible use"),
    ("A.9.4", "Use as intended"),
    ("A.10.2", "Responsibilities allocated with third parties"),
    ("A.10.3", "Supplier alignment"),
    ("A.10.4", "Customer expectations considered"),
)


def load_demo(
    session: Session,
    *,
    today: dt.date,
    evidence_dir: EvidenceDir,
    scan_findings: list[Finding] | None = None,
    scale: int = 1,
    accounts: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Load Northwind Lending into an empty register in the caller's transaction.

    ``scan_findings`` (a scan of ``examples/sample-monorepo``) go through scan ingest; ``accounts``
    creates the demo sign-in accounts when the register has none.
    """
    if SystemService(session, ADMIN).all() or PersonService(session, ADMIN).all():
        raise ConflictError(
            "the register already holds records; load the demo into an empty register (aims demo-data --reset)"
        )
    clock = DemoClock(today)
    loader = _Loader(session, clock, evidence_dir)
    report = DemoReport()
    step = progress or (lambda _msg: None)
    step("organisation, people and roles")
    people = _people(loader)
    step("context, scope and policy")
    systems = _systems(loader)
    _classify(loader, systems)
    _gates(loader, systems)
    _context(loader, systems)
    _policy(loader)
    step("risks, impact assessments and the Statement of Applicability")
    treatments = _risks(loader, systems)
    _impact(loader, systems)
    evidence = _evidence(loader, systems)
    _soa(loader, treatments, evidence)
    step("objectives, changes, incidents, audits and reviews")
    _objectives(loader, systems)
    _operations(loader, systems)
    step("monitoring of the credit scoring model")
    _monitoring(loader, systems)
    _competence(loader, people)
    if scan_findings is not None:
        step("scan of the sample repository")
        clock.day(-2)
        report.ingest = sync_scan(session, MARIA, REPOSITORY, scan_findings, system_id=systems["chatbot"], now=clock())
        _review_components(loader, report.ingest)
        pending = [c.id for c in ComponentService(session, MARIA).unreviewed(REPOSITORY)]
        report.ingest = dataclasses.replace(report.ingest, pending_review=pending)
    step("security review of the support chatbot")
    _security_review(loader, systems, scans=scan_findings is not None)
    if accounts:
        report.accounts = _accounts(session, people, clock)
    if scale > 1:
        step(f"{scale - 1} synthetic business unit(s)")
        bulk = _Bulk(session, clock)
        bulk.units(scale - 1, loader)
        report.bulk_systems, report.bulk_components, report.bulk_events = bulk.counts()
    from openaims.register.services import registry

    for record_type, cls in registry().items():
        count = len(cls(session, ADMIN).all()) if scale == 1 else _count(session, cls)
        if count:
            report.records[record_type] = count
    return report


def _security_review(ld: _Loader, systems: dict[str, str], *, scans: bool) -> None:
    """The chatbot's AI security review, in progress (after the scan, so it is built on what it found)."""
    from openaims.register import demo_security

    ld.clock.day(-1)
    demo_security.load(ld.session, MARIA, systems["chatbot"], clock=ld.clock, evidence_dir=ld.evidence_dir,
                       scans=scans)  # fmt: skip


def _count(session: Session, cls: type[RecordService[Any, Any]]) -> int:
    return int(session.execute(select(func.count()).select_from(cls.model)).scalar_one())


# ---------------------------------------------------------------------- people
def _people(ld: _Loader) -> dict[str, str]:
    ld.clock.day(-200)
    staff = [
        ("Elena Fischer", "elena", "Chief Executive Officer", "Executive"),
        ("Maria Lopez", "maria", "Head of AI Governance", "Risk & Compliance"),
        ("Raj Patel", "raj", "ML Engineering Lead", "Data & AI"),
        ("Ana Novak", "ana", "Internal Auditor", "Internal Audit"),
        ("Vik Sharma", "vik", "Customer Operations Manager", "Customer Operations"),
        ("Tom Becker", "tom", "Chief Information Security Officer", "Security"),
        ("Lena Okafor", "lena", "Data Protection Officer", "Legal"),
        ("Sam Whitaker", "sam", "Head of Credit Risk", "Credit"),
    ]
    ids_: dict[str, str] = {}
    for name, username, title, unit in staff:
        person = ld.create(
            PersonService,
            {
                "name": name,
                "username": username,
                "job_title": title,
                "unit": unit,
                "email": f"{username}@northwind-lending.example",
            },
            ADMIN,
        )
        ids_[username] = person.id
    roles = [
        (
            "AIMS owner",
            "Runs the AI management system; reports to top management.",
            "Approve AIMS documents, risk acceptance up to 'high'.",
            ["maria"],
        ),
        (
            "AI risk owner",
            "Owns AI risks of their systems and their treatment.",
            "Accept risks within appetite.",
            ["raj", "sam"],
        ),
        ("Internal auditor", "Plans and performs internal audits of the AIMS.", "Access to all AIMS records.", ["ana"]),
        (
            "Top management",
            "Sets the AI policy and objectives; chairs management reviews.",
            "Approve the AI policy and the AIMS scope.",
            ["elena"],
        ),
        (
            "Data protection officer",
            "Advises on personal data in AI systems.",
            "Veto on unlawful processing.",
            ["lena"],
        ),
    ]
    for name, resp, auth, holders in roles:
        ld.create(
            RoleService,
            {"name": name, "responsibilities": resp, "authorities": auth, "holder_ids": [ids_[h] for h in holders]},
        )
    raci = [
        ("AI risk assessment", "maria", ["raj", "sam"], ["lena", "tom"], ["elena"]),
        ("AI system impact assessment", "maria", ["raj"], ["lena", "vik"], ["elena"]),
        ("AI policy management", "elena", ["maria"], ["tom", "lena"], ["raj", "vik"]),
        ("Incident management", "tom", ["vik", "raj"], ["lena"], ["maria", "elena"]),
        ("Supplier management", "tom", ["maria"], ["lena"], ["raj"]),
        ("Internal audit", "elena", ["ana"], ["maria"], ["tom"]),
    ]
    for process, accountable, responsible, consulted, informed in raci:
        ld.create(
            RaciService,
            {
                "process": process,
                "accountable": accountable,
                "responsible": responsible,
                "consulted": consulted,
                "informed": informed,
            },
        )
    ld.create(
        CommunicationService,
        {
            "topic": "AI policy and acceptable use",
            "audience": "All staff",
            "timing": "On joining and yearly",
            "channel": "Intranet and all-hands",
            "communicator": "maria",
            "purpose": "Awareness of the AI policy [7.3, 7.4]",
        },
        status="active",
    )
    ld.create(
        CommunicationService,
        {
            "topic": "AI incident notifications",
            "audience": "Customers and regulator",
            "timing": "Within 72 hours of a serious incident",
            "channel": "E-mail and portal",
            "communicator": "tom",
            "purpose": "A.8.4 incident communication",
        },
        status="active",
    )
    return ids_


# ----------------------------------------------------------------- AI systems
def _systems(ld: _Loader) -> dict[str, str]:
    ld.clock.day(-190)
    openai = ld.create(
        SupplierService,
        {
            "name": "OpenAI",
            "services": "Hosted LLM API (GPT-4o family)",
            "criticality": "high",
            "owner": "tom",
            "contact": "enterprise support portal",
        },
    )
    anthropic = ld.create(
        SupplierService,
        {"name": "Anthropic", "services": "Hosted LLM API (Claude family)", "criticality": "high", "owner": "tom"},
    )
    github = ld.create(
        SupplierService,
        {"name": "GitHub", "services": "Copilot coding assistant", "criticality": "medium", "owner": "tom"},
    )
    bureau = ld.create(
        SupplierService,
        {"name": "Equinox Credit Bureau", "services": "Credit history data", "criticality": "high", "owner": "sam"},
    )
    for supplier, outcome, findings in (
        (openai, "conditional", "Zero data retention agreed; EU data residency not yet available."),
        (anthropic, "acceptable", "SOC 2 Type II report reviewed; no training on customer data."),
        (github, "acceptable", "Business plan: prompts not retained; public-code filter on."),
        (bureau, "acceptable", "Data processing agreement and accuracy SLA in place."),
    ):
        assessment = ld.create(
            SupplierAssessmentService,
            {
                "supplier_id": supplier.id,
                "assessor": "tom",
                "scope": "Security, privacy and AI-specific terms",
                "findings": findings,
            },
        )
        ld.move(
            SupplierAssessmentService,
            assessment,
            "completed",
            assessed_on=ld.d(-185),
            outcome=outcome,
            next_review=ld.d(180),
        )
        ld.move(SupplierService, supplier, "approved")
    tickets = ld.create(
        DatasetService,
        {
            "name": "Support tickets 2023-2025",
            "description": "Anonymised customer support conversations.",
            "source": "Zendesk export",
            "provenance": "Own customers; PII removed by the redaction pipeline.",
            "collection_method": "Export of closed tickets",
            "consent_basis": "Legitimate interest (service quality)",
            "quality_checks": "Redaction recall sampled monthly (>= 99.5%)",
            "known_bias": "Mostly English and Spanish",
            "retention": "3 years",
            "owner": "vik",
        },
    )
    loans = ld.create(
        DatasetService,
        {
            "name": "Loan applications and outcomes 2018-2025",
            "description": "Applications, bureau data and repayment.",
            "source": "Loan origination system and Equinox Credit Bureau",
            "provenance": "Own portfolio",
            "collection_method": "Nightly extract",
            "consent_basis": "Contract and legal obligation (creditworthiness)",
            "quality_checks": "Completeness and range checks; drift report per quarter",
            "known_bias": "Under-representation of applicants under 25 and thin-file applicants",
            "retention": "7 years after loan closure",
            "owner": "sam",
        },
    )
    chatbot = ld.create(
        SystemService,
        {
            "name": "Customer support chatbot",
            "description": "Answers customer questions about loans and payments in the web portal and app.",
            "purpose": "Answer routine customer questions 24/7 and hand complex cases to an agent.",
            "intended_use": "Existing customers asking about their loan, payments and documents.",
            "foreseeable_misuse": (
                "Seeking financial or legal advice; prompt injection to reveal other customers' data."
            ),
            "lifecycle_stage": "verification",
            "owner": "raj",
            "organisation_roles": ["deployer", "developer"],
            "human_oversight": "Agent handover on request or low confidence; weekly sample review.",
            "repositories": [REPOSITORY],
            "dataset_ids": [tickets.id],
            "supplier_ids": [openai.id, anthropic.id],
        },
    )
    scoring = ld.create(
        SystemService,
        {
            "name": "Credit scoring model",
            "description": "Gradient-boosted scorecard estimating probability of default for consumer loans.",
            "purpose": "Support credit decisions on consumer loan applications.",
            "intended_use": (
                "Credit analysts deciding applications up to EUR 50,000; never the sole basis of a refusal."
            ),
            "foreseeable_misuse": "Automatic refusals without human review; use for marketing segmentation.",
            "lifecycle_stage": "verification",
            "owner": "sam",
            "organisation_roles": ["provider", "developer", "deployer"],
            "human_oversight": (
                "Every refusal reviewed by a credit analyst; monthly fairness report to the credit committee."
            ),
            "repositories": [REPOSITORY],
            "dataset_ids": [loans.id],
            "supplier_ids": [bureau.id],
        },
    )
    coding = ld.create(
        SystemService,
        {
            "name": "Internal coding assistant",
            "description": "GitHub Copilot and Claude Code for the engineering team.",
            "purpose": "Help engineers write and review code faster.",
            "intended_use": "Engineers on Northwind repositories; suggestions reviewed in pull requests.",
            "foreseeable_misuse": "Pasting customer data into prompts; merging unreviewed generated code.",
            "lifecycle_stage": "verification",
            "owner": "tom",
            "organisation_roles": ["user"],
            "human_oversight": "Mandatory code review; secret scanning in CI.",
            "supplier_ids": [github.id, anthropic.id],
        },
    )
    ld.change(DatasetService, tickets, system_ids=[chatbot.id])
    ld.change(DatasetService, loans, system_ids=[scoring.id])
    return {"chatbot": chatbot.id, "scoring": scoring.id, "coding": coding.id}


#: How the AIMS manager answered the EU AI Act questionnaire for each demo system.
_NO_TRANSPARENCY = {
    "transparency.emotion_or_biometric_categorisation": False,
    "transparency.deep_fake": False,
}
_CLASSIFICATION_ANSWERS: dict[str, dict[str, Any]] = {
    # Built in house on hosted models and offered under Northwind's name: provider and deployer.
    "chatbot": {
        "subject": "system", "role.provider": True, "role.deployer": True, "prohibited.practices": "none",
        "annex_i.legislation": "none", "annex_iii.points": "none", "transparency.interacts_with_people": True,
        "transparency.obvious_ai": False, "transparency.synthetic_content": True,
        "transparency.assistive_editing": False, "transparency.on_market_before_2026_08_02": True,
        "transparency.public_interest_text": False, **_NO_TRANSPARENCY,
    },
    # Creditworthiness of natural persons with profiling: high-risk (Annex III 5(b)).
    "scoring": {
        "subject": "system", "role.provider": True, "role.deployer": True, "prohibited.practices": "none",
        "annex_i.legislation": "none", "annex_iii.points": ["AnnexIII.5(b)"], "annex_iii.profiling": True,
        "deployer.public_service": False, "transparency.interacts_with_people": False,
        "transparency.synthetic_content": False, **_NO_TRANSPARENCY,
    },
    # A bought coding assistant used by engineers: deployer only, so Art. 50(1) and (2) bind its providers.
    "coding": {
        "subject": "system", "role.provider": False, "role.deployer": True, "role.importer": False,
        "role.distributor": False, "role.authorised_representative": False, "role.modifies_high_risk": False,
        "prohibited.practices": "none", "annex_i.legislation": "none", "annex_iii.points": "none",
        "transparency.interacts_with_people": True, "transparency.obvious_ai": True,
        "transparency.synthetic_content": True, "transparency.assistive_editing": False,
        "transparency.on_market_before_2026_08_02": True, "transparency.public_interest_text": False,
        **_NO_TRANSPARENCY,
    },
}  # fmt: skip


def _classify(ld: _Loader, systems: dict[str, str]) -> None:
    """The AIMS manager classifies each system with the questionnaire; the tier stored is the outcome's."""
    from openaims.frameworks.euaiact.classifier import classify
    from openaims.register.services.classification import store_classification

    ld.clock.day(-188)
    service = ld.svc(SystemService)
    assert isinstance(service, SystemService)
    for key, raw in _CLASSIFICATION_ANSWERS.items():
        outcome = classify(raw, today=ld.d(-188))
        store_classification(service, systems[key], outcome, answered_by="maria")


def _gates(ld: _Loader, systems: dict[str, str]) -> None:
    """The chatbot and the coding assistant were running before the life-cycle gates were adopted: the
    AIMS manager moves them past their gates with the documented override and its follow-up."""
    from openaims.register.demo_lifecycle import override_running_systems

    ld.clock.day(-186)
    override_running_systems(ld.session, MARIA, systems, {"chatbot": "operation", "coding": "deployment"},
                             ld.clock)  # fmt: skip


def _context(ld: _Loader, systems: dict[str, str]) -> None:
    ld.clock.day(-180)
    for title, kind, category, effect, owner in (
        (
            "EU AI Act obligations for high-risk credit scoring",
            "external",
            "regulation",
            "Conformity assessment, logging and human oversight duties from August 2026.",
            "maria",
        ),
        (
            "Consumer-credit regulator focus on algorithmic fairness",
            "external",
            "regulation",
            "Fairness testing and explanations for refusals expected in supervisory reviews.",
            "sam",
        ),
        (
            "Dependence on two hosted LLM providers",
            "external",
            "supply chain",
            "Price, availability and terms can change at short notice.",
            "tom",
        ),
        (
            "Small ML team with key-person risk",
            "internal",
            "resources",
            "Model changes depend on two engineers.",
            "raj",
        ),
        (
            "Company strategy: digital-first customer service",
            "internal",
            "strategy",
            "More customer contact goes through AI.",
            "elena",
        ),
    ):
        issue = ld.create(
            ContextIssueService, {"title": title, "kind": kind, "category": category, "effect": effect, "owner": owner}
        )
        ld.move(ContextIssueService, issue, "monitored")
    for name, kind, requirements in (
        (
            "Customers",
            "external",
            [("Fair and explainable credit decisions", "RISK-2"), ("Human contact on request", "Chatbot handover")],
        ),
        ("Financial regulator", "external", [("EU AI Act high-risk duties", None), ("Consumer-credit rules", None)]),
        ("Employees", "internal", [("Clear rules for using AI tools", "AI policy")]),
        ("Investors", "external", [("No material AI incident", None)]),
    ):
        ld.create(
            InterestedPartyService,
            {
                "name": name,
                "kind": kind,
                "owner": "maria",
                "requirements": [{"requirement": r, "addressed_by": a} for r, a in requirements],
            },
        )
    ld.clock.day(-170)
    scope = ld.create(
        ScopeService,
        {
            "title": "Northwind Lending AIMS scope",
            "statement": "The AI management system covers all AI systems Northwind Lending develops, provides or uses "
            "for consumer lending and customer service, in all units and locations.",
            "included_system_ids": [systems["chatbot"], systems["scoring"], systems["coding"]],
            "units": ["Customer Operations", "Credit", "Data & AI", "Engineering"],
            "locations": ["Lisbon (HQ)", "Berlin"],
            "system_roles": {
                systems["chatbot"]: ["deployer", "developer"],
                systems["scoring"]: ["provider", "developer", "deployer"],
                systems["coding"]: ["user"],
            },
            "owner": "maria",
        },
    )
    ld.approve(ScopeService, scope, ELENA, -170)


def _policy(ld: _Loader) -> None:
    ld.clock.day(-165)
    policy = ld.create(
        DocumentService,
        {
            "title": "AI policy",
            "kind": "policy",
            "owner": "maria",
            "description": "Top-level AI policy [5.2, A.2.2]",
            "review_interval_months": 12,
        },
    )
    v1 = ld.create(
        DocumentVersionService,
        {
            "document_id": policy.id,
            "author": "maria",
            "change_summary": "First issue",
            "content": "1. Northwind Lending uses AI only where it serves customers fairly and lawfully.\n"
            "2. Every AI system has an owner, a risk assessment and an impact assessment before deployment.\n"
            "3. Only approved AI providers, models and tools are used (see the AI policy file in each repository).\n"
            "4. Credit decisions are never made by AI alone.\n"
            "5. We commit to meeting applicable requirements and to continually improving the AIMS.",
        },
    )
    v1 = ld.move(DocumentVersionService, v1, "in_review")
    ld.approve(DocumentVersionService, v1, ELENA, -160, next_review=ld.d(205))
    ld.clock.day(-10)
    draft = DocumentVersionService(ld.session, MARIA, clock=ld.clock).new_version(
        policy.id,
        {"author": "maria", "change_summary": "Add agentic AI and MCP servers; align with the EU AI Act timeline"},
    )
    ld.change(
        DocumentVersionService,
        draft,
        content=(draft.content or "")
        + "\n6. AI agents and MCP servers are approved like any other AI tool before use.",
    )
    ld.clock.day(-164)
    method_doc = ld.create(
        DocumentService,
        {"title": "AI risk management procedure", "kind": "procedure", "owner": "maria", "review_interval_months": 12},
    )
    version = ld.create(
        DocumentVersionService,
        {"document_id": method_doc.id, "author": "maria", "content": "Risks are rated with the 5x5 method METHOD-1..."},
    )
    version = ld.move(DocumentVersionService, version, "in_review")
    ld.approve(DocumentVersionService, version, ELENA, -158, next_review=ld.d(207))


# --------------------------------------------------------------------- risks
def _risks(ld: _Loader, systems: dict[str, str]) -> list[str]:
    ld.clock.day(-150)
    method = ld.create(RiskMethodService, {**DEFAULT_METHOD, "name": "Northwind 5x5 AI risk method", "owner": "maria"})
    method = ld.move(RiskMethodService, method, "approved")
    treatments: list[str] = []
    specs: list[dict[str, Any]] = [
        {
            "title": "Chatbot gives wrong information about fees or payments",
            "system": "chatbot",
            "owner": "raj",
            "category": "accuracy",
            "inherent": (4, 3),
            "residual": (2, 3),
            "option": "mitigate",
            "controls": ["A.6.2.4", "A.6.2.6"],
            "treatment": "Retrieval from the fee schedule only; weekly answer audit.",
            "t_status": "verified",
            "due": -60,
            "accept_residual": True,
        },
        {
            "title": "Credit model disadvantages protected groups",
            "system": "scoring",
            "owner": "sam",
            "category": "fairness",
            "inherent": (3, 5),
            "residual": (2, 4),
            "option": "mitigate",
            "controls": ["A.5.4", "A.7.4", "A.6.2.4"],
            "treatment": "Quarterly disparate-impact testing; reject-inference review; analyst override log.",
            "t_status": "in_progress",
            "due": -14,
        },
        {
            "title": "Prompt injection leaks another customer's data",
            "system": "chatbot",
            "owner": "raj",
            "category": "security",
            "inherent": (3, 4),
            "residual": (2, 2),
            "option": "mitigate",
            "controls": ["A.6.2.4", "A.6.2.8"],
            "treatment": "Tool calls scoped to the signed-in customer; red-team tests.",
            "t_status": "implemented",
            "due": -30,
        },
        {
            "title": "Hosted LLM provider changes terms or model behaviour",
            "system": "chatbot",
            "owner": "tom",
            "category": "supplier",
            "inherent": (3, 3),
            "residual": (3, 2),
            "option": "transfer",
            "controls": ["A.10.3"],
            "treatment": "Contractual notice period; second provider ready for failover.",
            "t_status": "planned",
            "due": 45,
        },
        {
            "title": "Generated code introduces vulnerabilities or leaks secrets",
            "system": "coding",
            "owner": "tom",
            "category": "security",
            "inherent": (3, 3),
            "residual": (2, 2),
            "option": "accept",
            "controls": [],
            "treatment": "Accepted: code review and CI secret scanning already apply.",
            "t_status": "planned",
            "due": None,
        },
    ]
    for spec in specs:
        owner_actor = RAJ if spec["owner"] == "raj" else MARIA
        risk = ld.create(
            RiskService,
            {
                "title": spec["title"],
                "owner": spec["owner"],
                "category": spec["category"],
                "system_ids": [systems[spec["system"]]],
                "source": "AI risk assessment 2026",
                "method_id": method.id,
                "review_on": ld.d(90),
            },
            owner_actor,
        )
        likelihood, impact = spec["inherent"]
        risk = ld.move(
            RiskService, risk, "assessed", owner_actor, inherent_likelihood=likelihood, inherent_impact=impact
        )
        if spec["option"] is None:
            continue
        data: dict[str, Any] = {
            "risk_id": risk.id,
            "option": spec["option"],
            "description": spec["treatment"],
            "control_ids": spec["controls"],
            "owner": spec["owner"],
        }
        if spec["due"] is not None:
            data["due_date"] = ld.d(spec["due"])
        if spec["option"] == "accept":
            data.update(rationale=spec["treatment"])
        treatment = ld.create(TreatmentService, data)
        if spec["option"] == "accept":
            treatment = ld.approve(TreatmentService, treatment, MARIA, -140)
        treatments.append(treatment.id)
        path = {
            "planned": [],
            "in_progress": ["in_progress"],
            "implemented": ["in_progress", "implemented"],
            "verified": ["in_progress", "implemented", "verified"],
        }[spec["t_status"]]
        for status in path:
            treatment = ld.move(TreatmentService, treatment, status)
        residual = spec["residual"]
        final = "accepted" if spec["option"] == "accept" else "treated"
        risk = ld.move(RiskService, risk, final, residual_likelihood=residual[0], residual_impact=residual[1])
        if spec.get("accept_residual"):  # the risk owner accepts what remains once the treatment is verified
            ld.move(RiskService, risk, "accepted", MARIA)
    return treatments


def _impact(ld: _Loader, systems: dict[str, str]) -> None:
    ld.clock.day(-120)

    def areas(levels: dict[str, tuple[int, int, str]]) -> dict[str, Any]:
        return {k: {"severity": s, "likelihood": li, "description": text} for k, (s, li, text) in levels.items()}

    scoring = ld.create(
        ImpactAssessmentService,
        {
            "system_id": systems["scoring"],
            "title": "Credit scoring model: AI system impact assessment",
            "scope": "The scoring model as used in consumer lending decisions in the EU; broker channels are out of "
            "scope.",
            "deployment_context": (
                "Consumer lending in Germany, the Netherlands and Ireland (German, Dutch and English). Scores feed "
                "a credit analyst's decision; no application is refused without an analyst. Runs on internal "
                "clusters; retrained quarterly."
            ),
            "data_and_models": "Bureau data covers thin-file applicants poorly; postcode is excluded as a feature.",
            "impacted_groups": [
                {"name": "Loan applicants", "description": "Consumers applying for loans up to EUR 50,000.",
                 "benefits": "Faster and more consistent decisions; explanations of the main factors.",
                 "harms": "Wrongful refusal or worse terms through proxy discrimination by postcode or employment "
                 "history.", "severity": 4, "likelihood": 3,
                 "measures": "Quarterly fairness testing; an analyst reviews every refusal; adverse-action "
                 "explanations."},
                {"name": "Applicants under 25 and thin-file applicants", "vulnerable": True,
                 "description": "Little or no credit history, so bureau data says little about them.",
                 "benefits": "Alternative data can show repayment capacity the bureau misses.",
                 "harms": "Systematically lower scores and exclusion from credit.", "severity": 4, "likelihood": 3,
                 "measures": "Disparate-impact ratio by age band monitored monthly (threshold 0.80); manual "
                 "underwriting route."},
                {"name": "People in financial distress", "vulnerable": True,
                 "harms": "Credit they cannot repay (over-indebtedness).", "severity": 3, "likelihood": 2,
                 "measures": "Affordability check outside the model; hardship flag stops automated offers."},
                {"name": "Co-signers", "benefits": "Clear view of the commitment before signing.",
                 "harms": "Liability for a loan the model scored too favourably.", "severity": 2, "likelihood": 2,
                 "measures": "Co-signer information sheet; same affordability check."},
            ],
            "failure_modes": [
                {"failure": "Data drift after a bureau format change", "consequences": "Scores shift for whole "
                 "groups of applicants without anyone noticing.", "severity": 4, "likelihood": 2,
                 "measures": "Drift monitoring on every input feature; alert to the model owner."},
                {"failure": "Analysts rubber-stamp the score (automation bias)", "consequences": "Human review "
                 "no longer catches wrongful refusals.", "severity": 3, "likelihood": 3,
                 "measures": "Sampled second review of 5% of refusals; training."},
            ],
            "areas": areas(
                {
                    "fairness": (4, 3, "Proxy discrimination through postcode and employment history"),
                    "privacy": (3, 2, "Bureau data and income"),
                    "safety": (2, 1, "Over-indebtedness"),
                    "human_rights": (4, 2, "Access to credit; right to an explanation"),
                    "environment": (1, 1, "Small training footprint"),
                    "society": (3, 2, "Credit exclusion of groups"),
                }
            ),
            "mitigations": (
                "Fairness testing each quarter, analyst review of every refusal, adverse-action explanations."
            ),
            "assessor": "raj",
            "reviewer": "lena",
            "next_review": ld.d(245),
            "reassessment_triggers": ["new model version", "new data source", "regulatory change"],
        },
    )
    scoring = ld.move(ImpactAssessmentService, scoring, "in_review")
    ld.approve(ImpactAssessmentService, scoring, LENA, -115, assessed_on=ld.d(-115))
    ld.create(
        ImpactAssessmentService,
        {
            "system_id": systems["chatbot"],
            "title": "Customer support chatbot: AI system impact assessment",
            "impacted_groups": [
                {"name": "Customers", "benefits": "Answers at any hour.", "harms": "Wrong answers about their "
                 "loan; conversation data exposed.", "severity": 3, "likelihood": 3},
                {"name": "Customers in arrears", "vulnerable": True, "harms": "Misleading advice on repayment "
                 "options at a stressful time.", "severity": 4, "likelihood": 2},
                {"name": "Support agents", "benefits": "Fewer routine questions.", "harms": "Handover of "
                 "conversations without context.", "severity": 2, "likelihood": 3},
            ],
            "areas": areas({"fairness": (2, 2, "Language coverage"), "privacy": (3, 3, "Conversation data")}),
            "assessor": "raj",
            "reassessment_triggers": ["new provider or model"],
        },
    )


def _evidence(ld: _Loader, systems: dict[str, str]) -> list[str]:
    ld.clock.day(-110)
    folder = Path(tempfile.mkdtemp(prefix="aims-demo-"))
    source = folder / "northwind-fairness-report-q1.md"
    source.write_text(
        "# Credit scoring fairness report, Q1\n\nDisparate impact ratio (age < 25 vs 25+): 0.91 (threshold 0.80).\n"
        "Approval-rate gap by gender: 1.2 points (threshold 3).\nReviewed by the credit committee.\n",
        encoding="utf-8",
    )
    store = ld.svc(EvidenceService)
    assert isinstance(store, EvidenceService)
    report = store.add_file(
        source,
        title="Fairness report Q1",
        record_ids=[systems["scoring"], "RISK-2"],
        description="Quarterly disparate-impact test of the credit model",
        owner="sam",
    )
    shutil.rmtree(folder, ignore_errors=True)
    link = store.add_link(
        "https://wiki.northwind-lending.example/ai/red-team-2026",
        title="Chatbot red-team report",
        record_ids=[systems["chatbot"], "RISK-3"],
    )
    store.add_link(
        "https://wiki.northwind-lending.example/ai/chatbot-logging",
        title="Chatbot conversation logging and log retention (90 days)",
        record_ids=[systems["chatbot"]],
        description="Which events the chatbot logs in operation, where the logs are kept and for how long.",
    )
    return [report.id, link.id]


def _assess(ld: _Loader, data: dict[str, Any], status: str) -> None:
    """Assess the control's SoA row (the register starts with one per Annex A control)."""
    row = SoaService(ld.session, MARIA).for_control(data["control_id"])
    if row is None:
        ld.create(SoaService, data, status=status)
    else:
        ld.move(SoaService, row, status, **data)


#: Why each control applies to Northwind (or not), in Northwind's words: no two rows say the same.
SOA_JUSTIFICATIONS: dict[str, str] = {
    "A.2.2": "The board needs one written AI policy that binds the credit model and the support chatbot.",
    "A.2.3": "The AI policy must agree with the security, privacy and model risk policies already in force.",
    "A.2.4": "Regulation and Northwind's AI use change yearly, so the AI policy is reviewed at least annually.",
    "A.3.2": "Model owners, the AIMS manager and the credit committee need written AI responsibilities.",
    "A.3.3": "Staff and contractors must be able to report concerns about the credit model or chatbot safely.",
    "A.4.2": "Auditors and owners need one list of the resources each AI system depends on.",
    "A.4.3": "The credit model is trained on loan-book data whose sources and limits must be documented.",
    "A.4.4": "Training pipelines, notebooks and evaluation tools for the scoring model must be known and controlled.",
    "A.4.5": "The chatbot runs on a hosted model and the scoring model on internal clusters; both are recorded.",
    "A.4.6": "The data science and support teams' skills decide what AI work Northwind can do safely.",
    "A.5.2": "High-risk credit scoring requires a repeatable impact assessment before release and on change.",
    "A.5.3": "Impact assessment results must be kept to show regulators how decisions on applicants were reached.",
    "A.5.4": "Credit decisions affect applicants directly; fairness by age and gender must be assessed.",
    "A.5.5": "Wide use of automated lending could exclude groups from credit, so societal effects are assessed.",
    "A.6.1.2": "Development objectives (fairness, explainability, accuracy) steer the scoring model's design.",
    "A.6.1.3": "Model changes go through a defined design and release process with review gates.",
    "A.6.2.2": "Requirements for accuracy, fairness and explanations are set before a model is built.",
    "A.6.2.3": "Design choices of the scoring model are documented so that validators can challenge them.",
    "A.6.2.4": "Every model release is validated against holdout data and fairness thresholds before use.",
    "A.6.2.5": "Deployments of the scoring model and chatbot prompts need a plan with rollback.",
    "A.6.2.6": "Models drift with the economy; operation is monitored and chatbot conversations are logged.",
    "A.6.2.7": "Deployers in branches need technical documentation of the scoring model's limits.",
    "A.6.2.8": "Credit decisions must be traceable afterwards, which needs event logs kept for each decision.",
    "A.7.2": "Data used for AI is governed by a data management process shared with the data office.",
    "A.7.3": "Where each training dataset came from, and under what terms, must be recorded.",
    "A.7.4": "Poor data quality would bias credit decisions; quality requirements are defined per dataset.",
    "A.7.5": "Lineage of training data is needed to answer regulators' and applicants' questions.",
    "A.7.6": "Criteria for cleaning and labelling data must be fixed so that retraining is reproducible.",
    "A.8.2": "Applicants and staff must know when AI is involved and what it does.",
    "A.8.3": "Branch staff and customers need a channel to report problems with AI outputs.",
    "A.8.4": "Serious incidents with the scoring model must be communicated to those affected and to authorities.",
    "A.8.5": "Information owed to supervisors and customers about the AI systems is planned and kept current.",
    "A.9.2": "Use of the chatbot and scoring model follows defined processes, not individual judgement alone.",
    "A.9.3": "Objectives for responsible use (human review of declines, chatbot hand-over) are set and tracked.",
    "A.9.4": "The scoring model may only be used for consumer credit decisions it was validated for.",
    "A.10.2": "The hosted model provider and data vendors share responsibilities that must be written down.",
    "A.10.3": "Suppliers of models and data must meet Northwind's AI policy; they are assessed before use.",
}


def _soa(ld: _Loader, treatments: list[str], evidence: list[str]) -> None:
    ld.clock.day(-100)
    excluded = {"A.10.4": "Northwind provides no AI system to business customers; no customer AI expectations apply."}
    implemented = {"A.2.2", "A.2.3", "A.3.2", "A.3.3", "A.5.2", "A.5.3", "A.5.4", "A.6.2.4", "A.6.2.6", "A.10.3"}
    partial = {"A.2.4", "A.5.5", "A.6.2.8", "A.7.4", "A.7.5", "A.8.4"}
    by_control: dict[str, list[str]] = {"A.6.2.4": treatments[:3], "A.10.3": treatments[3:4]}
    policy = [d.id for d in ld.svc(DocumentService).all() if d.title == "AI policy"]
    roles = [r.id for r in ld.svc(RoleService).all()]
    assessments = [a.id for a in ld.svc(ImpactAssessmentService).all()]
    logging = [e.id for e in ld.svc(EvidenceService).all() if e.title.startswith("Chatbot conversation logging")]
    records: dict[str, list[str]] = {
        "A.2.2": policy, "A.2.3": policy, "A.3.2": roles, "A.3.3": roles[:1], "A.5.2": assessments,
        "A.5.3": assessments,
    }  # fmt: skip
    for control_id, _title in ANNEX_A_CONTROLS:
        if control_id in excluded:
            _assess(ld, {"control_id": control_id, "applicable": False, "owner": "maria",
                         "justification": excluded[control_id]}, "excluded")  # fmt: skip
            continue
        data: dict[str, Any] = {"control_id": control_id, "owner": "maria",
                                "justification": SOA_JUSTIFICATIONS[control_id]}  # fmt: skip
        if control_id in by_control:
            data["treatment_ids"] = by_control[control_id]
        if control_id in records:
            data["links"] = records[control_id]
        if control_id == "A.5.4":
            data["evidence_ids"] = evidence[:1]
        if control_id == "A.6.2.6":
            data["evidence_ids"] = logging
        status = "implemented" if control_id in implemented else "partial" if control_id in partial else "planned"
        _assess(ld, data, status)
    ld.clock.day(-99)
    SoaVersionService(ld.session, MARIA, clock=ld.clock).approve(
        change_summary="First Statement of Applicability after the gap assessment"
    )


def _objectives(ld: _Loader, systems: dict[str, str]) -> None:
    ld.clock.day(-95)
    specs = [
        (
            "Chatbot answer accuracy",
            "sampled answers judged correct",
            95.0,
            "%",
            "at_least",
            "raj",
            "chatbot",
            [91.0, 93.5, 94.2, 96.1],
        ),
        (
            "Credit model disparate impact ratio",
            "disparate impact ratio (age)",
            0.85,
            "ratio",
            "at_least",
            "sam",
            "scoring",
            [0.88, 0.91],
        ),
        (
            "AI incidents closed within 30 days",
            "share of AI incidents closed in 30 days",
            90.0,
            "%",
            "at_least",
            "tom",
            None,
            [100.0],
        ),
    ]
    for title, metric, target, unit, direction, owner, system, values in specs:
        objective = ld.create(
            ObjectiveService,
            {
                "title": title,
                "metric": metric,
                "target_value": target,
                "unit": unit,
                "direction": direction,
                "owner": owner,
                "due_date": ld.d(240),
                "system_ids": [systems[system]] if system else [],
            },
        )
        ld.move(ObjectiveService, objective, "active")
        for n, value in enumerate(values):
            ld.clock.day(-90 + 25 * n)
            ld.create(
                MeasurementService,
                {"objective_id": objective.id, "measured_on": ld.d(-90 + 25 * n), "value": value, "measured_by": owner},
            )
        ld.clock.day(-95)


def _monitoring(ld: _Loader, systems: dict[str, str]) -> None:
    """Five months of monitoring results from generated prediction batches; the approval-rate gap
    between age bands breaches two months ago and opens an incident that Sam investigates."""
    from openaims.register import demo_monitoring
    from openaims.register.services.incidents import IncidentService

    opened = demo_monitoring.load(ld.session, MARIA, systems["scoring"], owner="sam", clock=ld.clock,
                                  day=ld.clock.day, evidence_dir=ld.evidence_dir)  # fmt: skip
    for incident_id in opened:
        ld.clock.day(-58)
        incident = ld.svc(IncidentService, SAM).get(incident_id)
        ld.move(IncidentService, incident, "investigating", SAM)


def _operations(ld: _Loader, systems: dict[str, str]) -> None:
    from openaims.register.demo_lifecycle import closed_high_incident, review_scoring

    # the credit scoring model's security review, before its change to production moves it through the gates
    ld.clock.day(-85)
    review_scoring(ld.session, MARIA, systems["scoring"], ld.clock)
    ld.clock.day(-80)
    change = ld.create(
        ChangeService,
        {
            "title": "Credit scoring model v2 to production",
            "kind": "lifecycle",
            "system_id": systems["scoring"],
            "from_stage": "verification",
            "to_stage": "operation",
            "requested_by": "sam",
            "reason": "v2 reduces default-rate error by 8% and passes the fairness thresholds.",
            "impact_analysis": "Impact assessment IA-1 still valid; fairness report Q1 attached.",
            "planned_on": ld.d(-75),
            "owner": "sam",
        },
        SAM,
    )
    change = ld.approve(ChangeService, change, MARIA, -78)
    ld.move(ChangeService, change, "implemented", implemented_on=ld.d(-75))  # moves the model through its gates
    # found in production, after the interest-rate change: assessed, not yet treated
    ld.clock.day(-70)
    method = RiskMethodService(ld.session, MARIA, clock=ld.clock).default()
    drift = ld.create(RiskService, {"title": "Credit model drifts after the interest-rate change", "owner": "sam",
                                    "category": "robustness", "system_ids": [systems["scoring"]],
                                    "source": "AI risk assessment 2026", "method_id": method.id,
                                    "review_on": ld.d(90)})  # fmt: skip
    ld.move(RiskService, drift, "assessed", inherent_likelihood=3, inherent_impact=4)
    ld.create(
        ChangeService,
        {
            "title": "Add Anthropic as failover provider for the chatbot",
            "kind": "aims",
            "system_id": systems["chatbot"],
            "reason": "Supplier concentration risk",
            "requested_by": "raj",
            "owner": "raj",
        },
    )

    ld.clock.day(-60)
    nc = ld.create(
        NonconformityService,
        {
            "title": "Chatbot answered with an outdated late-payment fee",
            "source": "incident",
            "description": "The fee schedule in the retrieval index was not refreshed after the April change.",
            "clause_ref": "8.1",
            "owner": "raj",
            "containment": "Fee answers routed to agents until the index is fixed.",
        },
    )
    incident = ld.create(
        IncidentService,
        {
            "title": "Chatbot quoted an outdated late-payment fee to 37 customers",
            "severity": "medium",
            "category": "accuracy",
            "detected_at": dt.datetime.combine(ld.d(-61), dt.time(14, 5), tzinfo=dt.UTC),
            "detected_by": "vik",
            "system_ids": [systems["chatbot"]],
            "owner": "raj",
            "nonconformity_id": nc.id,
            "description": "Customers were told EUR 25 instead of EUR 30; two complaints.",
        },
    )
    nc = ld.change(NonconformityService, nc, source_ref=incident.id)
    incident = ld.move(IncidentService, incident, "investigating")
    incident = ld.move(
        IncidentService, incident, "contained", containment="Fee intents handed to agents; index rebuilt the same day."
    )
    incident = ld.move(
        IncidentService,
        incident,
        "resolved",
        communications="Affected customers e-mailed with the correct fee; no fee charged in error.",
    )
    ld.move(
        IncidentService,
        incident,
        "closed",
        post_incident_review="Root cause: no owner for index refreshes. See the nonconformity.",
    )
    nc = ld.move(NonconformityService, nc, "analysing")
    action = ld.create(
        CorrectiveActionService,
        {
            "nonconformity_id": nc.id,
            "description": "Rebuild the retrieval index automatically when the fee schedule "
            "changes; alert the chatbot owner.",
            "owner": "raj",
            "due_date": ld.d(-40),
        },
    )
    nc = ld.move(
        NonconformityService, nc, "action_planned", root_cause="Index refresh was a manual step without an owner."
    )
    action = ld.move(CorrectiveActionService, action, "in_progress")
    ld.clock.day(-42)
    action = ld.move(CorrectiveActionService, action, "done", completed_on=ld.d(-42))
    ld.approve(
        CorrectiveActionService,
        action,
        MARIA,
        -20,
        effective=True,
        verification_notes="Two fee changes since; index rebuilt within minutes both times.",
    )
    nc = ld.move(NonconformityService, nc, "verifying")
    ld.move(NonconformityService, nc, "closed")

    closed_high_incident(ld.session, RAJ, MARIA, systems["chatbot"], day=ld.clock.day, clock=ld.clock,
                         evidence_dir=ld.evidence_dir)  # fmt: skip

    ld.clock.day(-90)
    programme = ld.create(
        AuditProgrammeService,
        {
            "title": f"{ld.today.year} internal audit programme",
            "period_start": ld.d(-90),
            "period_end": ld.d(275),
            "objectives": "Cover every clause and the applicable Annex A controls within 12 months.",
            "scope": "The whole AIMS",
            "criteria": "ISO/IEC 42001:2023 and the Northwind AI policy",
            "owner": "ana",
        },
    )
    ld.move(AuditProgrammeService, programme, "approved")
    ld.clock.day(-35)
    audit = ld.create(
        AuditService,
        {
            "programme_id": programme.id,
            "title": "Audit of AI risk and impact assessment (6.1, 8.2-8.4)",
            "processes": ["AI risk assessment", "AI system impact assessment"],
            "clauses": ["6.1.2", "6.1.4", "8.2"],
            "criteria": "ISO/IEC 42001 clauses 6.1 and 8",
            "auditor": "ana",
            "planned_on": ld.d(-30),
            "owner": "ana",
        },
    )
    audit = ld.move(AuditService, audit, "in_progress", performed_on=ld.d(-30))
    ld.move(AuditService, audit, "completed", report="Risk method applied consistently; one minor finding.")
    finding_nc = ld.create(
        NonconformityService,
        {
            "title": "Chatbot impact assessment not completed before the provider change",
            "source": "audit",
            "clause_ref": "6.1.4",
            "owner": "raj",
            "due_date": ld.d(30),
        },
    )
    ld.create(
        FindingService,
        {
            "audit_id": audit.id,
            "grade": "minor",
            "clause_ref": "6.1.4",
            "description": "The chatbot impact assessment is still a draft.",
            "nonconformity_id": finding_nc.id,
            "owner": "raj",
        },
    )
    ld.create(
        FindingService,
        {
            "audit_id": audit.id,
            "grade": "ofi",
            "control_ref": "A.6.2.8",
            "description": "Event logs of the chatbot could feed the incident dashboard.",
            "owner": "raj",
        },
    )
    # The previous review: one action done since, one left open (it carries over to the next review).
    ld.clock.day(-165)
    title = f"Management review H2 {ld.today.year - 1}"
    earlier = ld.create(ManagementReviewService, {"title": title, "owner": "maria"})
    prepare_review(ld.session, MARIA, earlier.id, today=ld.d(-165), clock=ld.clock)
    earlier = ld.move(ManagementReviewService, ld.svc(ManagementReviewService).get(earlier.id), "held",
                      held_on=ld.d(-165), chair="elena", attendees=["elena", "maria", "tom"])  # fmt: skip
    carried = ld.create(ReviewActionService, {"review_id": earlier.id, "owner": "raj", "due_date": ld.d(-60),
                        "description": "Complaints triage assistant: risk and impact assessment"})  # fmt: skip
    published = ld.create(ReviewActionService, {"review_id": earlier.id, "owner": "tom", "due_date": ld.d(-120),
                          "description": "Publish the AI policy to all staff"})  # fmt: skip
    ld.approve(ManagementReviewService, earlier, ELENA, -165, decisions=["Adopt ISO/IEC 42001 as the AIMS standard"],
               summary="First review of the AIMS.", next_review=ld.d(-15))  # fmt: skip
    ld.clock.day(-130)
    ld.move(ReviewActionService, published, "done", outcome="Published on the intranet; read receipts collected.")
    # This half-year's review: inputs compiled from the register, decisions, actions as tracked records.
    ld.clock.day(-16)
    review = ld.create(ManagementReviewService, {"title": f"Management review H1 {ld.today.year}", "owner": "maria"})
    ld.clock.day(-15)
    prepare_review(ld.session, MARIA, review.id, today=ld.d(-15), clock=ld.clock)
    review = ld.move(ManagementReviewService, ld.svc(ManagementReviewService).get(review.id), "held",
                     held_on=ld.d(-15), chair="elena", attendees=["elena", "maria", "tom", "sam", "raj"])  # fmt: skip
    ld.create(ReviewActionService, {"review_id": review.id, "owner": "vik", "due_date": ld.d(75),
              "description": "Automate evidence collection from CI scans"})  # fmt: skip
    ld.approve(
        ManagementReviewService,
        review,
        ELENA,
        -15,
        decisions=["Fund automated fairness testing", "Extend the AIMS scope to the complaints triage assistant"],
        summary="The AIMS is effective; the triage assistant's assessment is overdue and carried over.",
        next_review=ld.d(165),
    )
    assert carried.status == "open"


def _competence(ld: _Loader, people: dict[str, str]) -> None:
    ld.clock.day(-70)
    roles = {r.name: r.id for r in ld.svc(RoleService).all()}
    risk_skill = ld.create(
        CompetenceService,
        {
            "title": "AI risk and impact assessment",
            "role_id": roles["AI risk owner"],
            "owner": "maria",
            "description": "Apply the Northwind 5x5 method and the AIIA template.",
            "evidence_required": "Course certificate",
        },
    )
    aims_skill = ld.create(
        CompetenceService,
        {"title": "Running an ISO/IEC 42001 management system", "role_id": roles["AIMS owner"], "owner": "elena"},
    )
    audit_skill = ld.create(
        CompetenceService,
        {"title": "Auditing an AI management system", "role_id": roles["Internal auditor"], "owner": "elena"},
    )
    act_skill = ld.create(CompetenceService, {"title": "EU AI Act for high-risk providers", "owner": "lena"})
    for person, skill, title, completed in (
        ("raj", risk_skill, "AI risk assessment workshop", -68),
        ("sam", act_skill, "EU AI Act essentials", -50),
        ("maria", aims_skill, "ISO/IEC 42001 lead implementer", -150),
        ("ana", audit_skill, "ISO/IEC 42001 auditor", -140),
    ):
        training = ld.create(
            TrainingService,
            {"person_id": people[person], "title": title, "provider": "AI Academy", "requirement_ids": [skill.id]},
        )
        ld.move(TrainingService, training, "completed", completed_on=ld.d(completed), expires_on=ld.d(completed + 730))
    ld.create(
        TrainingService,
        {
            "person_id": people["vik"],
            "title": "Responsible use of the support chatbot",
            "requirement_ids": [act_skill.id],
        },
    )


def _review_components(ld: _Loader, ingest: IngestReport) -> None:
    """The AIMS manager approves the components of approved providers; the rest wait for review."""
    ld.clock.day(-1)
    components = ld.svc(ComponentService)
    for component_id in ingest.new:
        component = components.get(component_id)
        if component.provider in ("openai", "anthropic") and component.kind in ("dependency", "model"):
            components.transition(
                component.id, component.version, "approved", {"review_note": "Approved provider under the AI policy"}
            )


def _accounts(session: Session, people: dict[str, str], clock: DemoClock) -> list[str]:
    accounts = AccountService(session, None, clock=clock)
    if accounts.count():
        return []
    created: list[str] = []
    for username, role, display in DEMO_ACCOUNTS:
        service = AccountService(session, ADMIN if created else None, clock=clock)
        service.create(username, DEMO_PASSWORD, roles=[role], display_name=display, person_id=people.get(username))
        created.append(username)
    return created


# -------------------------------------------------------------------- scale
class _Bulk:
    """Synthetic units written in batches: rows validated by the service models, events hash-chained."""

    BATCH = 2000

    def __init__(self, session: Session, clock: DemoClock) -> None:
        self.session = session
        self.clock = clock
        self.head: HistoryHead | None = None
        self._now = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._step = dt.timedelta(seconds=1)
        self.seq = 0
        self.prev = history.GENESIS
        self.events: list[dict[str, Any]] = []
        self.rows: dict[type[Any], list[dict[str, Any]]] = {}
        self.systems = 0
        self.components = 0
        self.event_count = 0
        self.next_id: dict[str, int] = {}

    def counts(self) -> tuple[int, int, int]:
        return self.systems, self.components, self.event_count

    def _id(self, prefix: str) -> str:
        if prefix not in self.next_id:
            self.next_id[prefix] = ids.peek(self.session, prefix)
        self.next_id[prefix] += 1
        return f"{prefix}-{self.next_id[prefix]}"

    def _event(
        self,
        record_type: str,
        record_id: str,
        action: str,
        actor: str,
        at: dt.datetime,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        self.seq += 1
        stamp = history.format_at(at)
        before_json = history.canonical_json(before)
        after_json = history.canonical_json(after)
        digest = history.event_hash(
            seq=self.seq,
            record_id=record_id,
            record_type=record_type,
            action=action,
            actor=actor,
            at=stamp,
            before=before,
            after=after,
            prev_hash=self.prev,
        )
        self.events.append(
            {
                "seq": self.seq,
                "record_id": record_id,
                "record_type": record_type,
                "action": action,
                "actor": actor,
                "at": stamp,
                "before": before_json,
                "after": after_json,
                "prev_hash": self.prev,
                "hash": digest,
            }
        )
        self.prev = digest
        self.event_count += 1

    def record(
        self,
        cls: type[RecordService[Any, Any]],
        fields: Any,
        steps: list[tuple[str, str, dict[str, Any]]],
        actor: str = "maria",
    ) -> str:
        """Create a record and apply ``steps`` (action, status, changes): one validated event each."""
        record_id = self._id(cls.prefix())
        values = cls.fields.model_validate(fields).model_dump(mode="json")
        at = self._tick()
        meta: dict[str, Any] = {
            "id": record_id,
            "record_type": cls.record_type(),
            "status": cls.initial_status,
            "version": 1,
            "created_at": at,
            "created_by": actor,
            "updated_at": at,
            "updated_by": actor,
        }
        current = cls.out.model_validate({**values, **meta}).model_dump(mode="json")
        self._event(cls.record_type(), record_id, "create", actor, at, None, current)
        for action, status, changes in steps:
            at = self._tick()
            values = cls.fields.model_validate({**values, **changes}).model_dump(mode="json")
            meta.update(status=status, version=int(meta["version"]) + 1, updated_at=at)
            after = cls.out.model_validate({**values, **meta}).model_dump(mode="json")
            self._event(cls.record_type(), record_id, action, actor, at, current, after)
            current = after
        plain = cls.fields.model_validate(values).model_dump()
        json_fields = cls.json_fields()
        row = {k: (values[k] if k in json_fields else v) for k, v in plain.items()}
        row.update(
            {k: meta[k] for k in ("id", "status", "version", "created_at", "created_by", "updated_at", "updated_by")}
        )
        self.rows.setdefault(cls.model, []).append(row)
        if sum(len(r) for r in self.rows.values()) + len(self.events) >= self.BATCH:
            self.flush()
        return record_id

    def _tick(self) -> dt.datetime:
        self._now += self._step
        return self._now

    def flush(self) -> None:
        # Referenced tables first; plain table inserts keep the versions the events describe.
        for model in (AISystem, Dataset, Risk, Component, Measurement):
            rows = self.rows.get(model)
            if rows:
                self.session.execute(insert(cast(Table, model.__table__)), rows)
        self.rows = {}
        if self.events:
            self.session.execute(insert(cast(Table, HistoryEvent.__table__)), self.events)
            self.events = []

    def units(self, count: int, ld: _Loader) -> None:
        objective = ld.create(
            ObjectiveService,
            {
                "title": "Model monitoring coverage",
                "metric": "systems monitored",
                "target_value": 100.0,
                "unit": "%",
                "owner": "maria",
                "due_date": ld.d(200),
            },
        )
        # Event times fit between the last service write and midnight before ``today``.
        self._now = self.clock()
        midnight = dt.datetime.combine(ld.today, dt.time(), tzinfo=dt.UTC)
        expected = count * (SYSTEMS_PER_UNIT * (7 + 3 * COMPONENTS_PER_SYSTEM) + MEASUREMENTS_PER_UNIT) + 1
        room = max((midnight - self._now).total_seconds(), 60.0)
        self._step = dt.timedelta(microseconds=max(1000, min(1_000_000, int(room * 1_000_000 / expected))))
        history.lock(self.session)
        self.head = self.session.execute(select(HistoryHead).where(HistoryHead.id == 1)).scalar_one()
        self.seq, self.prev = self.head.seq, self.head.hash
        for unit in range(1, count + 1):
            for n in range(1, SYSTEMS_PER_UNIT + 1):
                self._unit_system(unit, n)
            for n in range(MEASUREMENTS_PER_UNIT):
                self.record(
                    MeasurementService,
                    {"objective_id": objective.id, "measured_on": ld.d(-n), "value": 80.0 + (unit * 7 + n) % 20},
                    [],
                )
        self.flush()
        assert self.head is not None
        self.head.seq = self.seq
        self.head.hash = self.prev
        for prefix, last in self.next_id.items():
            ids.reserve(self.session, f"{prefix}-{last}")
        self.session.flush()

    def _unit_system(self, unit: int, n: int) -> None:
        repo = f"northwind/unit-{unit:04d}-service-{n}"
        data = {
            "name": f"Unit {unit} AI service {n}",
            "owner": "raj",
            "purpose": "Synthetic load-test system",
            "intended_use": "Benchmarks",
            "repositories": [repo],
            "lifecycle_stage": "development",
        }
        SystemFields.model_validate(data)
        system_id = self.record(
            SystemService,
            data,
            [("update", "proposed", {"lifecycle_stage": "operation"}), ("status:active", "active", {})],
        )
        self.systems += 1
        self.record(
            DatasetService,
            DatasetFields(name=f"Unit {unit} dataset {n}", system_ids=[system_id]).model_dump(),
            [("update", "active", {"known_bias": "Synthetic"})],
        )
        self.record(
            RiskService,
            {"title": f"Unit {unit} service {n}: model error", "system_ids": [system_id], "owner": "raj"},
            [("update", "identified", {"description": "Synthetic"})],
        )
        at = self._tick()
        for c in range(COMPONENTS_PER_SYSTEM):
            name = ("openai", "anthropic", "transformers", "langchain", "torch")[c % 5] + f"-{c}"
            component = ComponentFields(
                kind="dependency",
                name=name,
                ecosystem="pypi",
                provider="openai",
                fingerprint=f"{unit:05d}{n:02d}{c:03d}".rjust(16, "0"),
                repository=repo,
                system_id=system_id,
                first_seen=at,
                last_seen=at,
            ).model_dump()
            self.record(
                ComponentService,
                component,
                [("status:approved", "approved", {}), ("update", "approved", {"review_note": "Bulk approved"})],
            )
            self.components += 1
