"""Classify an AI system or general-purpose model under the EU AI Act from questionnaire answers.

:func:`classify` is a pure function of the answers, the day and the catalogue data: it
decides the tiers (prohibited, high, limited, minimal; gpai and gpai-systemic for models),
the organisation's roles, the articles that apply to those roles, the date each applies
from (read from the timeline data, so Digital Omnibus changes are data, not code) and the
reasons, each citing its article.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openaims.frameworks.euaiact.questionnaire import Questionnaire, load_questionnaire, validate_answers
from openaims.frameworks.loader import Framework, Item, label_of, load_catalogue

Tier = Literal["prohibited", "high", "limited", "minimal", "gpai", "gpai-systemic"]
#: The tier the register keeps on the AI system (its ``risk_tier``), from the system track.
RegisterTier = Literal["prohibited", "high", "limited", "minimal"]
TIER_ORDER: tuple[Tier, ...] = ("prohibited", "high", "limited", "minimal", "gpai-systemic", "gpai")
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
    "Art.49",
    "Art.72",
    "Art.73",
)


@dataclass(frozen=True)
class Reason:
    """One step of the reasoning, in plain words, with the article it rests on."""

    text: str
    article: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "article": self.article}


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

    @property
    def label(self) -> str:
        return label_of(self.article)

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
    catalogue_version: str = ""
    questionnaire_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def register_tier(self) -> RegisterTier:
        """The system-track tier for the register (a model without a system is ``minimal``)."""
        for tier in ("prohibited", "high", "limited"):
            if tier in self.tiers:
                return tier
        return "minimal"

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
            str(m.details["status"]),
            self.today >= when,
            paragraphs,
            original.details["date"] if original else None,
            str(original.details["basis"]) if original else None,
        )


def _date_words(work: _Work, group: str) -> str:
    m = work.milestone(group)
    when: dt.date = m.details["date"]
    text = f"{when.isoformat()} ({m.details['basis']})"
    if m.details.get("replaces"):
        was: dt.date = work.eu.get(str(m.details["replaces"])).details["date"]
        text += f", moved from {was.isoformat()}"
    return ("applies since " if work.today >= when else "applies from ") + text


def classify(
    answers: Mapping[str, Any], *, today: dt.date, questionnaire: Questionnaire | None = None
) -> Classification:
    """Decide the EU AI Act classification from questionnaire answers (validated here)."""
    qn = questionnaire or load_questionnaire()
    a = validate_answers(answers, qn)
    catalogue = load_catalogue()
    eu = catalogue.framework("eu-ai-act")
    w = _Work(eu, today)

    subject = a["subject"]
    is_system = subject in ("system", "system_and_gpai_model")
    is_model = subject in ("gpai_model", "system_and_gpai_model")

    # ---- roles (Art. 3, Art. 25)
    provider = bool(a.get("role.provider"))
    if provider:
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

    # ---- Article 5
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
        item = eu.get(practice)
        group = str(item.details["application"])
        w.tier("prohibited")
        w.why(
            f"{item.title} is a prohibited practice; {_date_words(w, group)}.",
            label_of(practice).split("-")[0],
        )
        w.oblige("Art.5", ("all operators",), group=group, paragraphs=(practice.removeprefix("Art."),))
    if practices:
        w.oblige("Art.99", ("all operators",))
        w.why(
            "Breaching Art. 5 can be fined up to EUR 35 million or 7% of worldwide annual turnover.",
            "Art. 99",
        )

    # ---- high risk: Annex I (Art. 6(1))
    routes: list[str] = []
    legislation = list(a.get("annex_i.legislation", []))
    if legislation:
        names = ", ".join(eu.get(x).title for x in legislation)
        if a.get("annex_i.third_party_assessment"):
            routes.append("annex_i")
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
            which = "; ".join(eu.get(x).title.lower() for x in exceptions)
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
            routes.append("annex_iii")
            w.why(
                f"It is intended for an Annex III use ({labels}) and no Art. 6(3) exception applies, so "
                f"it is high-risk; {_date_words(w, 'high_risk_annex_iii')}.",
                "Art. 6(2)",
            )

    high = bool(routes)
    if high:
        w.tier("high")
        group = "high_risk_annex_i" if routes == ["annex_i"] else "high_risk_annex_iii"
        if a.get("role.modifies_high_risk") and "provider" not in w.roles:
            w.role("provider")
            w.why(
                "You put your name on a high-risk system, substantially modify it or change its purpose: "
                "you become its provider.",
                "Art. 25(1)",
            )
        if "provider" in w.roles:
            for article in _PROVIDER_HIGH_RISK:
                w.oblige(article, ("provider",), group=group)
            w.oblige("Art.6", ("provider",), group=group)
            w.why(
                "As provider of a high-risk system you need a risk management system, data governance, "
                "technical documentation, logging, instructions, human oversight, accuracy and robustness, "
                "a quality management system, conformity assessment, registration, post-market monitoring "
                "and serious-incident reporting.",
                "Art. 16",
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
            if "annex_iii" in routes:
                w.oblige("Art.86", ("deployer",), group=group)
                w.why(
                    "People affected by decisions based on its output may ask you for an explanation.",
                    "Art. 86",
                )
                public = bool(a.get("deployer.public_service"))
                credit_or_insurance = any(p in ("AnnexIII.5(b)", "AnnexIII.5(c)") for p in points)
                only_infrastructure = all(p == "AnnexIII.2" for p in points)
                if (public or credit_or_insurance) and not only_infrastructure:
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
                if public:
                    w.oblige("Art.49", ("deployer",), group=group, paragraphs=("49(3)",))
                    w.why(
                        "As a public-authority deployer you must register your use in the EU database.",
                        "Art. 49(3)",
                    )
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

    # ---- Article 50
    cases: list[str] = []
    if is_system:
        if a.get("transparency.interacts_with_people"):
            cases.append("Art.50(1)")
            w.why(
                "It interacts directly with people: the provider must design it so people are told they are "
                "dealing with AI, unless that is obvious.",
                "Art. 50(1)",
            )
        if a.get("transparency.synthetic_content"):
            cases.append("Art.50(2)")
            w.why(
                "It generates synthetic audio, image, video or text: the provider must mark outputs as "
                "AI-generated in a machine-readable way.",
                "Art. 50(2)",
            )
            if a.get("transparency.on_market_before_2026_08_02"):
                w.why(
                    "It was on the market before 2026-08-02, so output marking "
                    f"{_date_words(w, 'transparency_legacy_marking')}.",
                    "Art. 50(2)",
                )
        if a.get("transparency.emotion_or_biometric_categorisation"):
            cases.append("Art.50(3)")
            w.why(
                "It recognises emotions or categorises people biometrically: the deployer must inform the "
                "people exposed.",
                "Art. 50(3)",
            )
        if a.get("transparency.deep_fake") or a.get("transparency.public_interest_text"):
            cases.append("Art.50(4)")
            what = (
                "deep fakes" if a.get("transparency.deep_fake") else "AI-generated text on matters of public interest"
            )
            w.why(
                f"It produces {what}: the deployer must disclose that the content is AI-generated or manipulated.",
                "Art. 50(4)",
            )
    if cases:
        w.tier("limited")
        case_roles = {
            "Art.50(1)": "provider",
            "Art.50(2)": "provider",
            "Art.50(3)": "deployer",
            "Art.50(4)": "deployer",
        }
        roles = tuple(dict.fromkeys(case_roles[c] for c in cases))
        legacy = "Art.50(2)" in cases and a.get("transparency.on_market_before_2026_08_02")
        general = [c for c in cases if not (legacy and c == "Art.50(2)")]
        if general:
            w.oblige(
                "Art.50",
                roles,
                group="transparency",
                paragraphs=tuple(c.removeprefix("Art.") for c in general),
            )
        if legacy:
            w.oblige("Art.50", ("provider",), group="transparency_legacy_marking", paragraphs=("50(2)",))
        w.why(f"Transparency duties: {_date_words(w, 'transparency')}.", "Art. 50")

    # ---- general-purpose AI models
    if is_model:
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

    # ---- minimal risk and duties for everyone
    if is_system and not any(t in w.tiers for t in ("prohibited", "high", "limited")):
        w.tier("minimal")
        w.why(
            "No prohibited practice, high-risk route or transparency case applies: it is minimal risk. "
            "Voluntary codes of conduct may be followed.",
            "Art. 95",
        )
        w.oblige("Art.95", tuple(r for r in w.roles if r in ("provider", "deployer")) or ("provider", "deployer"))
    literacy_roles = tuple(r for r in w.roles if r in ("provider", "deployer"))
    if literacy_roles and is_system:
        w.oblige("Art.4", literacy_roles)
        w.why("Staff who operate or use AI systems must have sufficient AI literacy.", "Art. 4")
    if not w.roles:
        w.why(
            "None of the operator roles applies to your organisation, so the duties "
            "below fall on the operators "
            "who do hold them.",
            "Art. 3(8)",
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
        answers=a,
        prohibited_practices=tuple(practices),
        high_risk_routes=tuple(routes),
        annex_iii_points=tuple(points),
        annex_i_legislation=tuple(legislation),
        art6_3_exceptions=tuple(exceptions),
        transparency_cases=tuple(cases),
        catalogue_version=eu.catalogue_version,
        questionnaire_version=qn.version,
    )


__all__ = ["Classification", "Obligation", "Reason", "RegisterTier", "Tier", "classify"]
