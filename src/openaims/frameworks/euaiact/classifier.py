"""Classify an AI system or general-purpose model under the EU AI Act from questionnaire answers.

:func:`classify` is a pure function of the answers, the day and the catalogue data: it
decides the tiers (prohibited, high, not high-risk under the Art. 6(3) exception, limited,
minimal; gpai and gpai-systemic for models), the organisation's roles, the articles that
bind those roles, the date each applies from (read from the timeline data, so Digital
Omnibus changes are data, not code, with the amending act's adoption status) and the
reasons, each citing its article.

Duties follow the role that the Act binds: Art. 50(1) and (2) bind providers, so a deployer
of a chatbot or a code assistant gets no transparency tier from them. A "don't know" answer
yields no guess: the outcome needs legal review, with the open questions listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openaims.frameworks.euaiact.questionnaire import UNKNOWN, Questionnaire, load_questionnaire, validate_answers
from openaims.frameworks.loader import Framework, Item, label_of, load_catalogue

Tier = Literal["prohibited", "high", "annex-iii-exception", "limited", "minimal", "gpai", "gpai-systemic"]
#: The tier the register keeps on the AI system (its ``risk_tier``): the one that carries most duties.
RegisterTier = Literal[
    "prohibited", "high", "annex-iii-exception", "limited", "gpai-systemic", "gpai", "minimal", "unclassified"
]
TIER_ORDER: tuple[Tier, ...] = (
    "prohibited", "high", "annex-iii-exception", "limited", "minimal", "gpai-systemic", "gpai",
)  # fmt: skip
#: Which tier the register keeps when several apply.
_REGISTER_ORDER: tuple[RegisterTier, ...] = (
    "prohibited", "high", "annex-iii-exception", "limited", "gpai-systemic", "gpai", "minimal",
)  # fmt: skip
#: Whether the outcome is a decision or waits for answers only legal review can give.
Outcome = Literal["decided", "needs_legal_review"]
#: Which role each Art. 50 case binds.
_CASE_ROLES: Mapping[str, str] = {
    "Art.50(1)": "provider",
    "Art.50(2)": "provider",
    "Art.50(3)": "deployer",
    "Art.50(4)": "deployer",
}
ROLE_ORDER = (
    "provider",
    "product_manufacturer",
    "deployer",
    "importer",
    "distributor",
    "authorised_representative",
)

#: Follow-up answers that take a practice out of Art. 5, and the Annex III point it then falls under.
_ART5_CARVE_OUTS: Mapping[str, tuple[str, str]] = {
    "Art.5(1)(d)": ("prohibited.crime_prediction_supports_human", "AnnexIII.6(d)"),
    "Art.5(1)(f)": ("prohibited.emotion_medical_or_safety", "AnnexIII.1(c)"),
    "Art.5(1)(h)": ("prohibited.rbi_authorised_objective", "AnnexIII.1(a)"),
}
_PROVIDER_HIGH_RISK = (
    "Art.9",
    "Art.10",
    "Art.11",
    "Art.12",
    "Art.13",
    "Art.14",
    "Art.15",
    "Art.16",
    "Art.17",
    "Art.18",
    "Art.19",
    "Art.20",
    "Art.43",
    "Art.47",
    "Art.48",
    "Art.72",
    "Art.73",
)
#: Annex III point whose systems are registered nationally and left out of Art. 49(3) and Art. 86.
_CRITICAL_INFRASTRUCTURE = "AnnexIII.2"


@dataclass(frozen=True)
class Reason:
    """One step of the reasoning, in plain words, with the article it rests on."""

    text: str
    article: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "article": self.article}


@dataclass(frozen=True)
class OpenQuestion:
    """A question answered "don't know": what legal review must answer."""

    id: str
    text: str
    basis: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "basis": self.basis}


@dataclass(frozen=True)
class Obligation:
    """An article that applies, to whom, and from when (with the legal basis of the date)."""

    article: str
    title: str
    roles: tuple[str, ...]
    applies_from: dt.date
    basis: str
    date_status: str
    in_application: bool
    paragraphs: tuple[str, ...] = ()
    original_date: dt.date | None = None
    original_basis: str | None = None
    #: The amending act that set the date, with its status and Official Journal reference.
    amendment: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        return label_of(self.article)

    @property
    def date_note(self) -> str:
        """How firm the date is, for people: '' for the original text, else the amendment's standing."""
        if self.amendment is None:
            return ""
        a = self.amendment
        if a.get("oj_reference"):
            return f"{a['title']}, {a['oj_reference']}"
        return f"{a['title']} {a['status']}, Official Journal reference not yet recorded"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "article": self.article,
            "label": self.label,
            "title": self.title,
            "roles": list(self.roles),
            "applies_from": self.applies_from.isoformat(),
            "basis": self.basis,
            "date_status": self.date_status,
            "in_application": self.in_application,
        }
        if self.paragraphs:
            out["paragraphs"] = list(self.paragraphs)
        if self.original_date is not None:
            out["original_date"] = self.original_date.isoformat()
            out["original_basis"] = self.original_basis
        if self.amendment is not None:
            out["amendment"] = dict(self.amendment)
        return out


@dataclass(frozen=True)
class Classification:
    """The outcome: tiers, roles, obligations with dates, and the reasons."""

    tiers: tuple[Tier, ...]
    roles: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    reasons: tuple[Reason, ...]
    decided_on: dt.date
    answers: Mapping[str, Any]
    prohibited_practices: tuple[str, ...] = ()
    high_risk_routes: tuple[str, ...] = ()
    annex_iii_points: tuple[str, ...] = ()
    annex_i_legislation: tuple[str, ...] = ()
    art6_3_exceptions: tuple[str, ...] = ()
    transparency_cases: tuple[str, ...] = ()
    #: Art. 50 cases that hold for the system but bind a role the organisation does not hold.
    transparency_cases_of_others: tuple[str, ...] = ()
    annex_i_section_b: bool = False
    outcome: Outcome = "decided"
    open_questions: tuple[OpenQuestion, ...] = ()
    catalogue_version: str = ""
    questionnaire_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def needs_legal_review(self) -> bool:
        return self.outcome == "needs_legal_review"

    @property
    def register_tier(self) -> RegisterTier:
        """The tier the register keeps: the one carrying most duties (a model's own tier when it
        has no system tier); ``unclassified`` while the outcome needs legal review."""
        for tier in _REGISTER_ORDER:
            if tier in self.tiers:
                return tier
        return "unclassified"

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(o.article for o in self.obligations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tiers": list(self.tiers),
            "register_tier": self.register_tier,
            "roles": list(self.roles),
            "prohibited_practices": list(self.prohibited_practices),
            "high_risk_routes": list(self.high_risk_routes),
            "annex_iii_points": list(self.annex_iii_points),
            "annex_i_legislation": list(self.annex_i_legislation),
            "art6_3_exceptions": list(self.art6_3_exceptions),
            "transparency_cases": list(self.transparency_cases),
            "transparency_cases_of_others": list(self.transparency_cases_of_others),
            "annex_i_section_b": self.annex_i_section_b,
            "outcome": self.outcome,
            "open_questions": [q.to_dict() for q in self.open_questions],
            "articles": [label_of(a) for a in self.articles],
            "obligations": [o.to_dict() for o in self.obligations],
            "reasons": [r.to_dict() for r in self.reasons],
            "decided_on": self.decided_on.isoformat(),
            "answers": dict(self.answers),
            "catalogue_version": self.catalogue_version,
            "questionnaire_version": self.questionnaire_version,
        }


class _Work:
    """Accumulates the outcome while the rules run."""

    def __init__(self, eu: Framework, today: dt.date) -> None:
        self.eu = eu
        self.today = today
        self.tiers: list[Tier] = []
        self.roles: list[str] = []
        self.reasons: list[Reason] = []
        self.obligations: dict[str, Obligation] = {}

    def tier(self, tier: Tier) -> None:
        if tier not in self.tiers:
            self.tiers.append(tier)

    def role(self, role: str) -> None:
        if role not in self.roles:
            self.roles.append(role)

    def why(self, text: str, article: str) -> None:
        self.reasons.append(Reason(text, article))

    def milestone(self, group: str) -> Item:
        application: Mapping[str, str] = self.eu.raw["application"]
        return self.eu.get(application[group])

    def oblige(
        self,
        article: str,
        roles: tuple[str, ...],
        *,
        group: str | None = None,
        paragraphs: tuple[str, ...] = (),
    ) -> None:
        art = self.eu.get(article)
        m = self.milestone(group or str(art.details["application"]))
        original: Item | None = None
        if m.details.get("replaces"):
            original = self.eu.get(str(m.details["replaces"]))
        when: dt.date = m.details["date"]
        prev = self.obligations.get(article)
        if prev is not None:  # merge roles and paragraphs; the earliest date wins
            roles = tuple(dict.fromkeys(prev.roles + roles))
            paragraphs = tuple(dict.fromkeys(prev.paragraphs + paragraphs))
            if prev.applies_from <= when:
                self.obligations[article] = Obligation(
                    prev.article,
                    prev.title,
                    roles,
                    prev.applies_from,
                    prev.basis,
                    prev.date_status,
                    prev.in_application,
                    paragraphs,
                    prev.original_date,
                    prev.original_basis,
                )
                return
        self.obligations[article] = Obligation(
            article,
            art.title,
            roles,
            when,
            str(m.details["basis"]),
            self.date_status(m),
            self.today >= when,
            paragraphs,
            original.details["date"] if original else None,
            str(original.details["basis"]) if original else None,
            self.amendment(m.details.get("amendment")),
        )

    def amendment(self, amendment_id: Any) -> Mapping[str, Any] | None:
        """The amending act ``amendment_id`` with its status and Official Journal reference."""
        if not amendment_id:
            return None
        for a in self.eu.raw.get("amendments", []):
            if a["id"] == amendment_id:
                keys = ("id", "title", "status", "oj_reference", "published_on", "in_force_from")
                return {k: a.get(k) for k in keys}
        return None

    def date_status(self, milestone: Item) -> str:
        """``in_force``/``amended`` for the original text; an amendment's own status otherwise."""
        amendment = self.amendment(milestone.details.get("amendment"))
        return str(amendment["status"]) if amendment else str(milestone.details["status"])


def _date_words(work: _Work, group: str) -> str:
    m = work.milestone(group)
    when: dt.date = m.details["date"]
    text = f"{when.isoformat()} ({m.details['basis']})"
    if m.details.get("replaces"):
        was: dt.date = work.eu.get(str(m.details["replaces"])).details["date"]
        text += f", moved from {was.isoformat()}"
    amendment = work.amendment(m.details.get("amendment"))
    if amendment is not None and not amendment.get("oj_reference"):
        text += f"; {amendment['title']} {amendment['status']}, Official Journal reference not yet recorded"
    return ("applies since " if work.today >= when else "applies from ") + text


def _open_questions(qn: Questionnaire, answers: Mapping[str, Any]) -> tuple[OpenQuestion, ...]:
    return tuple(OpenQuestion(q.id, q.text, q.basis) for q in qn.questions if answers.get(q.id) == UNKNOWN)


def classify(
    answers: Mapping[str, Any], *, today: dt.date, questionnaire: Questionnaire | None = None
) -> Classification:
    """Decide the EU AI Act classification from questionnaire answers (validated here).

    An answer "don't know" (``unknown``) is not guessed: unless a prohibited practice is certain,
    the outcome is ``needs_legal_review`` with no tier and the open questions listed.
    """
    qn = questionnaire or load_questionnaire()
    given = validate_answers(answers, qn)
    open_questions = _open_questions(qn, given)
    a = {k: v for k, v in given.items() if v != UNKNOWN}
    catalogue = load_catalogue()
    eu = catalogue.framework("eu-ai-act")
    w = _Work(eu, today)

    subject = a.get("subject")
    is_system = subject in ("system", "system_and_gpai_model")
    is_model = subject in ("gpai_model", "system_and_gpai_model")

    _roles(w, a)
    provider = "provider" in w.roles

    # ---- Article 5
    practices, carved_points = _prohibited(w, a)
    prohibited = bool(practices)

    # ---- high risk: Annex I (Art. 6(1)); Section B products (Art. 2(2))
    routes: list[str] = []
    legislation = list(a.get("annex_i.legislation", []))
    section_b = False
    if legislation:
        names = ", ".join(eu.get(x).title for x in legislation)
        if a.get("annex_i.third_party_assessment"):
            routes.append("annex_i")
            section_b = all(eu.get(x).details["section"] == "B" for x in legislation)
            w.why(
                f"It is a product or safety component under Annex I legislation ({names}) that needs a "
                f"third-party conformity assessment, so it is high-risk; "
                f"{_date_words(w, 'high_risk_annex_i')}.",
                "Art. 6(1)",
            )
        else:
            w.why(
                f"It falls under Annex I legislation ({names}) but the product needs no third-party "
                "conformity assessment, so Art. 6(1) does not make it high-risk.",
                "Art. 6(1)",
            )
    if a.get("role.product_manufacturer") and "annex_i" in routes:
        w.role("product_manufacturer")
        w.role("provider")
        provider = True
        w.why(
            "You place the product with the AI system on the market under your own name: as product "
            "manufacturer you carry the provider's duties for the high-risk AI system.",
            "Art. 25(3)",
        )

    # ---- high risk: Annex III (Art. 6(2), 6(3))
    points = list(dict.fromkeys([*a.get("annex_iii.points", []), *carved_points]))
    exceptions: list[str] = []
    if points:
        labels = ", ".join(f"{eu.get(p).title} ({p})" for p in points)
        if a.get("annex_iii.profiling"):
            routes.append("annex_iii")
            w.why(
                f"It is intended for an Annex III use ({labels}) and profiles natural persons; such a "
                "system is always high-risk, whatever exception might otherwise apply.",
                "Art. 6(3)",
            )
        elif a.get("annex_iii.exceptions") and not carved_points:
            exceptions = list(a["annex_iii.exceptions"])
            _art6_3_exception(w, labels, exceptions, provider=provider)
        else:
            routes.append("annex_iii")
            w.why(
                f"It is intended for an Annex III use ({labels}) and no Art. 6(3) exception applies, so "
                f"it is high-risk; {_date_words(w, 'high_risk_annex_iii')}.",
                "Art. 6(2)",
            )

    if prohibited:
        _prohibited_duties(w, practices, high=bool(routes))
    elif routes:
        _high_risk(w, a, routes, points, legislation, section_b=section_b)
    elif exceptions:
        w.tier("annex-iii-exception")

    # ---- Article 50
    cases, others = _transparency(w, a, is_system=is_system, prohibited=prohibited)

    # ---- general-purpose AI models
    if is_model:
        _gpai(w, a, eu)

    # ---- minimal risk and duties for everyone
    if is_system and not prohibited and not any(
        t in w.tiers for t in ("high", "annex-iii-exception", "limited")
    ):
        w.tier("minimal")
        w.why(
            "No prohibited practice, high-risk route or transparency duty of yours applies: it is minimal risk. "
            "Voluntary codes of conduct may be followed.",
            "Art. 95",
        )
        w.oblige("Art.95", tuple(r for r in w.roles if r in ("provider", "deployer")) or ("provider", "deployer"))
    literacy_roles = tuple(r for r in w.roles if r in ("provider", "deployer"))
    if literacy_roles and is_system and not prohibited:
        w.oblige("Art.4", literacy_roles)
        w.why(f"{_literacy_words(w)}.", "Art. 4")
    if not w.roles:
        w.why(
            "None of the operator roles applies to your organisation, so the duties "
            "below fall on the operators "
            "who do hold them.",
            "Art. 3(8)",
        )

    outcome: Outcome = "decided"
    if open_questions and not prohibited:
        outcome = "needs_legal_review"
        w.tiers.clear()
        w.obligations.clear()
        w.reasons = [r for r in w.reasons if r.article.startswith("Art. 3(")]
        asked = "; ".join(f"{q.text} ({q.id}, {q.basis})" for q in open_questions)
        w.why(
            "Needs legal review: you answered \"don't know\" to questions the classification depends on, "
            f"so no tier is given rather than a guess. Open questions: {asked}. Have them answered, then "
            "classify again.",
            "Art. 6",
        )
    elif open_questions:
        asked = ", ".join(q.id for q in open_questions)
        w.why(
            f"You answered \"don't know\" to {asked}; the ban applies whatever the answers, but have them "
            "answered before relying on the rest of the outcome.",
            "Art. 5",
        )

    tiers = tuple(t for t in TIER_ORDER if t in w.tiers)
    roles_out = tuple(r for r in ROLE_ORDER if r in w.roles)
    order = {item_id: n for n, item_id in enumerate(eu.items)}
    obligations = tuple(sorted(w.obligations.values(), key=lambda o: order[o.article]))
    return Classification(
        tiers=tiers,
        roles=roles_out,
        obligations=obligations,
        reasons=tuple(w.reasons),
        decided_on=today,
        answers=given,
        prohibited_practices=tuple(practices),
        high_risk_routes=tuple(routes),
        annex_iii_points=tuple(points),
        annex_i_legislation=tuple(legislation),
        art6_3_exceptions=tuple(exceptions),
        transparency_cases=tuple(cases),
        transparency_cases_of_others=tuple(others),
        annex_i_section_b=section_b,
        outcome=outcome,
        open_questions=open_questions,
        catalogue_version=eu.catalogue_version,
        questionnaire_version=qn.version,
    )


def _roles(w: _Work, a: Mapping[str, Any]) -> None:
    """Roles (Art. 3, Art. 25)."""
    if a.get("role.provider"):
        w.role("provider")
        w.why(
            "You develop it or have it developed and place it on the market or put it into service "
            "under your own name: you are its provider.",
            "Art. 3(3)",
        )
    for key, role, article, words in (
        (
            "role.deployer",
            "deployer",
            "Art. 3(4)",
            "You use it under your authority in a professional activity: you are a deployer.",
        ),
        (
            "role.importer",
            "importer",
            "Art. 3(6)",
            "You place a non-EU provider's system on the EU market: you are an importer.",
        ),
        (
            "role.distributor",
            "distributor",
            "Art. 3(7)",
            "You make it available on the market without being provider or importer: you are a distributor.",
        ),
        (
            "role.authorised_representative",
            "authorised_representative",
            "Art. 3(5)",
            "A non-EU provider mandated you in writing: you are its authorised representative.",
        ),
    ):
        if a.get(key):
            w.role(role)
            w.why(words, article)


def _prohibited(w: _Work, a: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The Art. 5 practices that are banned, and the Annex III points carved-out practices become."""
    practices: list[str] = []
    carved_points: list[str] = []
    for practice in a.get("prohibited.practices", []):
        carve = _ART5_CARVE_OUTS.get(practice)
        if carve is not None and a.get(carve[0]):
            carved_points.append(carve[1])
            w.why(
                f"The practice you selected is outside the ban of {label_of(practice)} because of the "
                f"exception you confirmed; it is treated as the high-risk use {carve[1]}.",
                label_of(practice),
            )
            continue
        practices.append(practice)
    for practice in practices:
        item = w.eu.get(practice)
        group = str(item.details["application"])
        provisional = (
            " (point letter provisional until the Official Journal text)"
            if item.details.get("numbering") == "provisional"
            else ""
        )
        w.tier("prohibited")
        w.why(
            f"{item.title} is a prohibited practice{provisional}; {_date_words(w, group)}.",
            label_of(practice).split("-")[0],
        )
        w.oblige("Art.5", ("all operators",), group=group, paragraphs=(practice.removeprefix("Art."),))
    return practices, carved_points


def _prohibited_duties(w: _Work, practices: list[str], *, high: bool) -> None:
    w.oblige("Art.99", ("all operators",))
    w.why(
        "Breaching Art. 5 can be fined up to EUR 35 million or 7% of worldwide annual turnover.",
        "Art. 99",
    )
    if high:
        w.why(
            "It would also be high-risk, but a prohibited practice may not be placed on the market, put into "
            "service or used at all, so no high-risk duties are listed: stop the practice instead.",
            "Art. 5(1)",
        )


def _art6_3_exception(w: _Work, labels: str, exceptions: list[str], *, provider: bool) -> None:
    which = "; ".join(w.eu.get(x).title.lower() for x in exceptions)
    w.why(
        f"It is intended for an Annex III use ({labels}) but poses no significant risk because it "
        f"{which}; it is therefore not high-risk.",
        "Art. 6(3)",
    )
    if provider:
        w.oblige("Art.6", ("provider",), group="high_risk_annex_iii", paragraphs=("6(4)",))
        w.oblige("Art.49", ("provider",), group="high_risk_annex_iii", paragraphs=("49(2)",))
        w.why(
            "As provider you must document this assessment before placing the system on the market "
            "and give it to authorities on request.",
            "Art. 6(4)",
        )
        w.why("As provider you must still register the system in the EU database.", "Art. 49(2)")
    else:
        w.why(
            "Its provider must document this assessment before placing the system on the market and give it to "
            "authorities on request, and register the system in the EU database (Art. 49(2)): ask the provider "
            "for that assessment and keep it. If you put your name on the system, modify it substantially or use "
            "it for another purpose, you become its provider and the assessment is yours to make (Art. 25(1)).",
            "Art. 6(4)",
        )


def _high_risk(
    w: _Work,
    a: Mapping[str, Any],
    routes: list[str],
    points: list[str],
    legislation: list[str],
    *,
    section_b: bool,
) -> None:
    """Duties of a high-risk system, for the organisation's roles."""
    w.tier("high")
    group = "high_risk_annex_i" if routes == ["annex_i"] else "high_risk_annex_iii"
    if a.get("role.modifies_high_risk") and "provider" not in w.roles:
        w.role("provider")
        w.why(
            "You put your name on a high-risk system, substantially modify it or change its purpose: "
            "you become its provider.",
            "Art. 25(1)",
        )
    if routes == ["annex_i"] and section_b:
        _section_b(w, legislation)
        return
    annex_iii = "annex_iii" in routes
    beyond_infrastructure = any(p != _CRITICAL_INFRASTRUCTURE for p in points)
    if "provider" in w.roles:
        for article in _PROVIDER_HIGH_RISK:
            w.oblige(article, ("provider",), group=group)
        w.oblige("Art.6", ("provider",), group=group)
        w.why(
            "As provider of a high-risk system you need a risk management system, data governance, "
            "technical documentation, logging, instructions, human oversight, accuracy and robustness, "
            "a quality management system, conformity assessment, post-market monitoring "
            "and serious-incident reporting.",
            "Art. 16",
        )
        if annex_iii and beyond_infrastructure:
            w.oblige("Art.49", ("provider",), group="high_risk_annex_iii", paragraphs=("49(1)",))
            w.why(
                "As provider of an Annex III system you must register it in the EU database before placing it "
                "on the market.",
                "Art. 49(1)",
            )
        elif annex_iii:
            w.oblige("Art.49", ("provider",), group="high_risk_annex_iii", paragraphs=("49(5)",))
            w.why(
                "A critical-infrastructure system (Annex III point 2) is registered at national level, not in "
                "the EU database.",
                "Art. 49(5)",
            )
        else:
            w.why(
                "An Annex I product is not registered in the EU database under Art. 49: its conformity runs "
                "through the product legislation.",
                "Art. 49(1)",
            )
    if "deployer" in w.roles:
        w.oblige("Art.26", ("deployer",), group=group)
        w.oblige("Art.14", ("deployer",), group=group, paragraphs=("26(2)",))
        w.oblige("Art.73", ("deployer",), group=group, paragraphs=("26(5)",))
        w.why(
            "As deployer you must use it per its instructions, assign trained human oversight, monitor "
            "it, keep its logs at least six months and inform affected people.",
            "Art. 26",
        )
        if annex_iii:
            _annex_iii_deployer(w, a, points, group, beyond_infrastructure=beyond_infrastructure)
    for role, article, words in (
        (
            "importer",
            "Art.23",
            "As importer you must check conformity assessment, documentation and CE marking "
            "before placing it on the market.",
        ),
        (
            "distributor",
            "Art.24",
            "As distributor you must check CE marking, declaration and instructions before making it available.",
        ),
        (
            "authorised_representative",
            "Art.22",
            "As authorised representative you must keep the documentation available "
            "and cooperate with authorities.",
        ),
    ):
        if role in w.roles:
            w.oblige(article, (role,), group=group)
            w.why(words, label_of(article))
    w.oblige("Art.25", tuple(r for r in w.roles) or ("all operators",), group=group)


def _annex_iii_deployer(
    w: _Work, a: Mapping[str, Any], points: list[str], group: str, *, beyond_infrastructure: bool
) -> None:
    public = bool(a.get("deployer.public_service"))
    if beyond_infrastructure:
        w.oblige("Art.86", ("deployer",), group=group)
        w.why(
            "People affected by decisions based on its output may ask you for an explanation.",
            "Art. 86(1)",
        )
    else:
        w.why(
            "Art. 86 (explanation of individual decisions) and the public-authority registration of Art. 49(3) "
            "do not cover critical-infrastructure systems (Annex III point 2).",
            "Art. 86(1)",
        )
    credit_or_insurance = any(p in ("AnnexIII.5(b)", "AnnexIII.5(c)") for p in points)
    if (public or credit_or_insurance) and beyond_infrastructure:
        w.oblige("Art.27", ("deployer",), group=group)
        why = (
            "you are a public body or provide public services"
            if public
            else "it assesses creditworthiness or prices life or health insurance"
        )
        w.why(
            f"Because {why}, you must carry out a fundamental rights impact assessment "
            "before first "
            "use and notify the market surveillance authority of its results.",
            "Art. 27",
        )
    if public and beyond_infrastructure:
        w.oblige("Art.49", ("deployer",), group=group, paragraphs=("49(3)",))
        w.why(
            "As a public-authority deployer you must register your use in the EU database.",
            "Art. 49(3)",
        )


def _section_b(w: _Work, legislation: list[str]) -> None:
    """Annex I Section B products: Art. 2(2) applies only Art. 6(1), 102-109 and 112."""
    w.oblige("Art.2", ("all operators",), group="general", paragraphs=("2(2)",))
    w.oblige("Art.6", ("provider",) if "provider" in w.roles else ("all operators",), group="high_risk_annex_i",
             paragraphs=("6(1)",))  # fmt: skip
    routes = []
    for leg_id in legislation:
        leg = w.eu.get(leg_id)
        via = str(leg.details.get("amended_by") or "")
        if via.startswith("Art.") and via in w.eu.items:
            w.oblige(via, ("all operators",))
            routes.append(f"{leg.title} through {label_of(via)}")
        else:
            routes.append(f"{leg.title} through {via}")
        if leg.details.get("section_basis"):
            w.why(f"{leg.title} is under Annex I Section B: {leg.details['section_basis']}.", "Art. 2(2)")
    w.oblige("Art.112", ("all operators",))
    w.why(
        "It is covered by Annex I Section B, for which only Art. 6(1), Art. 102 to 109 and Art. 112 of the AI Act "
        "apply: the high-risk requirements reach the product through its own sectoral rules ("
        + "; ".join(routes)
        + ") once the Commission adopts the acts under them, not through the AI Act's provider and deployer "
        "duties.",
        "Art. 2(2)",
    )


def _transparency(
    w: _Work, a: Mapping[str, Any], *, is_system: bool, prohibited: bool
) -> tuple[list[str], list[str]]:
    """Art. 50 cases that hold, split into those binding a role you hold and those binding others."""
    found: list[str] = []
    if not is_system or prohibited:
        return [], []
    if a.get("transparency.interacts_with_people"):
        if a.get("transparency.obvious_ai"):
            w.why(
                "It interacts directly with people, but it is obvious to them that they deal with AI, so "
                "Art. 50(1) asks for no notice.",
                "Art. 50(1)",
            )
        else:
            found.append("Art.50(1)")
    if a.get("transparency.synthetic_content"):
        if a.get("transparency.assistive_editing"):
            w.why(
                "It generates content, but only assists standard editing or does not substantially alter "
                "the input or its meaning, so its outputs need no marking.",
                "Art. 50(2)",
            )
        else:
            found.append("Art.50(2)")
    if a.get("transparency.emotion_or_biometric_categorisation"):
        found.append("Art.50(3)")
    if a.get("transparency.deep_fake") or a.get("transparency.public_interest_text"):
        found.append("Art.50(4)")
    words = {
        "Art.50(1)": "It interacts directly with people: its provider must design it so people are told they are "
        "dealing with AI",
        "Art.50(2)": "It generates synthetic audio, image, video or text: its provider must mark outputs as "
        "AI-generated in a machine-readable way",
        "Art.50(3)": "It recognises emotions or categorises people biometrically: its deployer must inform the "
        "people exposed",
        "Art.50(4)": "It produces deep fakes or AI-generated text on matters of public interest: its deployer must "
        "disclose that the content is AI-generated or manipulated",
    }
    cases = [c for c in found if _CASE_ROLES[c] in w.roles]
    others = [c for c in found if c not in cases]
    for case in cases:
        w.why(f"{words[case]}; you are its {_CASE_ROLES[case]}.", label_of(case))
    for case in others:
        yours = ", ".join(r.replace("_", " ") for r in w.roles) or "none"
        w.why(
            f"{words[case]}. That duty binds the {_CASE_ROLES[case]}, not you ({yours}): it gives you no "
            "transparency duty, but check that the one who holds it meets it.",
            label_of(case),
        )
    legacy = "Art.50(2)" in cases and a.get("transparency.on_market_before_2026_08_02")
    if legacy:
        w.why(
            "It was on the market before 2026-08-02, so output marking "
            f"{_date_words(w, 'transparency_legacy_marking')}.",
            "Art. 111",
        )
    if cases:
        w.tier("limited")
        roles = tuple(dict.fromkeys(_CASE_ROLES[c] for c in cases))
        general = [c for c in cases if not (legacy and c == "Art.50(2)")]
        if general:
            w.oblige(
                "Art.50",
                tuple(dict.fromkeys(_CASE_ROLES[c] for c in general)) or roles,
                group="transparency",
                paragraphs=tuple(c.removeprefix("Art.") for c in general),
            )
        if legacy:
            w.oblige("Art.50", ("provider",), group="transparency_legacy_marking", paragraphs=("50(2)",))
        w.why(f"Transparency duties: {_date_words(w, 'transparency')}.", "Art. 50")
    return cases, others


def _gpai(w: _Work, a: Mapping[str, Any], eu: Framework) -> None:
    flop = a.get("gpai.training_flop")
    threshold = float(eu.raw["gpai"]["systemic_risk_flop_threshold"])
    systemic = bool(a.get("gpai.designated_systemic")) or (flop is not None and flop > threshold)
    group = "gpai_legacy" if a.get("gpai.on_market_before_2025_08_02") else "gpai"
    model_roles = tuple(r for r in ("provider", "authorised_representative") if r in w.roles)
    w.tier("gpai")
    w.why(f"It is a general-purpose AI model; model duties {_date_words(w, group)}.", "Art. 53")
    if "provider" in w.roles:
        paragraphs = ("53(1)(c)", "53(1)(d)") if a.get("gpai.open_source") and not systemic else ()
        w.oblige("Art.53", ("provider",), group=group, paragraphs=paragraphs)
        if paragraphs:
            w.why(
                "It is released as open source with public weights and has no systemic risk, so only the "
                "copyright policy and the training-content summary are required.",
                "Art. 53(2)",
            )
        else:
            w.why(
                "As model provider you must keep technical documentation, inform downstream providers, "
                "have a copyright policy and publish a summary of training content.",
                "Art. 53(1)",
            )
    if "authorised_representative" in w.roles:
        w.oblige("Art.54", ("authorised_representative",), group=group)
        w.why(
            "As authorised representative of a non-EU model provider you hold its documentation for the AI Office.",
            "Art. 54",
        )
    if systemic:
        w.tier("gpai-systemic")
        if a.get("gpai.designated_systemic"):
            w.why("The Commission designated it as a model with systemic risk.", "Art. 51(1)(b)")
        else:
            w.why(
                f"Its training compute ({flop:.3g} FLOP) is above 10^25 FLOP, so it is presumed to have "
                "high-impact capabilities and systemic risk.",
                "Art. 51(2)",
            )
        if "provider" in w.roles:
            w.oblige("Art.51", ("provider",), group=group)
            w.oblige("Art.52", ("provider",), group=group)
            w.oblige("Art.55", ("provider",), group=group)
            w.why(
                "You must notify the Commission within two weeks of reaching the threshold, evaluate and "
                "adversarially test the model, assess and mitigate systemic risks, "
                "report serious incidents "
                "and ensure cybersecurity.",
                "Art. 55",
            )
    elif flop is not None:
        w.why(
            f"Its training compute ({flop:.3g} FLOP) is not above 10^25 FLOP and "
            "it is not designated, so "
            "it has no systemic risk.",
            "Art. 51(2)",
        )
    if not model_roles:
        w.why(
            "You are not the model's provider or authorised representative, so the model duties fall on "
            "its provider.",
            "Art. 53",
        )


def _literacy_words(w: _Work) -> str:
    """Art. 4 in its current wording, with the amending act when there is one."""
    art4 = w.eu.get("Art.4")
    amendment = w.amendment(art4.details.get("amendment"))
    if amendment is None:
        return "Staff who operate or use AI systems must have sufficient AI literacy"
    reference = amendment.get("oj_reference") or "Official Journal reference not yet recorded"
    return (
        "You must take measures to support the AI literacy of your staff and others who operate or use AI "
        f"systems for you (Art. 4 as amended by the {amendment['title']}, {amendment['status']}, {reference}; "
        f"it replaced the duty to ensure a sufficient level of AI literacy)"
    )


__all__ = ["Classification", "Obligation", "OpenQuestion", "Reason", "RegisterTier", "Tier", "classify"]
