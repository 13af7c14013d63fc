"""Risk method, risks and treatments [6.1.1, 6.1.2, 6.1.3, 8.2, 8.3].

A method defines likelihood and impact scales, a matrix from (likelihood, impact)
to a rating, the ratings in ascending order and the appetite: the highest rating
accepted without treatment. Risk ratings are always computed from the method,
never typed in.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from openaims.register.approvals import ApprovalPoint, RoleRule
from openaims.register.errors import FieldProblem, RecordValidationError
from openaims.register.models.risks import Risk, RiskMethod, Treatment
from openaims.register.services.base import RecordFields, RecordOut, RecordService, require
from openaims.register.services.types import ControlId, Level, RecordId, Short, Text, Title, closed

#: A 5 x 5 method used when an organisation has not defined its own.
DEFAULT_METHOD: dict[str, Any] = {
    "name": "Default 5x5 AI risk method",
    "description": "Likelihood x impact on a 5-point scale; risks rated above 'medium' need treatment.",
    "likelihood_levels": ["rare", "unlikely", "possible", "likely", "almost certain"],
    "impact_levels": ["negligible", "minor", "moderate", "major", "severe"],
    "rating_levels": ["low", "medium", "high", "critical"],
    "matrix": [
        ["low", "low", "low", "medium", "medium"],
        ["low", "low", "medium", "medium", "high"],
        ["low", "medium", "medium", "high", "high"],
        ["medium", "medium", "high", "high", "critical"],
        ["medium", "high", "high", "critical", "critical"],
    ],
    "appetite": "medium",
}


class RiskMethodFields(RecordFields):
    """Risk criteria and the likelihood x impact method: scales, matrix, appetite [6.1.1, 6.1.2]."""

    name: Title
    description: Text = None
    likelihood_levels: list[Title]
    impact_levels: list[Title]
    rating_levels: list[Title]
    matrix: list[list[str]]
    appetite: Title
    owner: Short = None

    @model_validator(mode="after")
    def _consistent(self) -> RiskMethodFields:
        rows, cols = len(self.likelihood_levels), len(self.impact_levels)
        if not 2 <= rows <= 10 or not 2 <= cols <= 10:
            raise ValueError("likelihood and impact scales need 2 to 10 levels each")
        if len(self.matrix) != rows or any(len(r) != cols for r in self.matrix):
            raise ValueError(f"matrix must have {rows} rows (likelihood) of {cols} ratings (impact)")
        unknown = sorted({c for r in self.matrix for c in r} - set(self.rating_levels))
        if unknown:
            raise ValueError(f"matrix uses ratings not in rating_levels: {', '.join(unknown)}")
        if self.appetite not in self.rating_levels:
            raise ValueError(f"appetite {self.appetite!r} is not one of rating_levels")
        return self

    def rate(self, likelihood: int, impact: int) -> str:
        return self.matrix[likelihood - 1][impact - 1]

    def within_appetite(self, rating: str) -> bool:
        return self.rating_levels.index(rating) <= self.rating_levels.index(self.appetite)


class RiskMethodOut(RiskMethodFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class RiskMethodService(RecordService[RiskMethodFields, RiskMethodOut]):
    """An approved method is frozen; a changed method is a new record."""

    model = RiskMethod
    fields = RiskMethodFields
    out = RiskMethodOut
    initial_status = "draft"
    transitions = closed(("draft", ("approved",)), ("approved", ("retired",)))
    manager_statuses = frozenset({"approved"})
    frozen_statuses = frozenset({"approved", "retired"})
    search_fields = ("name",)
    label_field = "name"

    def default(self) -> RiskMethodOut:
        """The newest approved method, creating and approving the default 5x5 one if there is none."""
        approved = self.all(status="approved")
        if approved:
            return approved[-1]
        require(
            self.actor.is_manager,
            "there is no approved risk method yet; an admin or AIMS manager must approve one "
            "('aims risk-method add', then update it to approved) before risks are rated",
        )
        # The built-in method is adopted approved, by the manager whose rating needs it.
        return self._create(DEFAULT_METHOD, "approved")


class RiskFields(RecordFields):
    """A risk: what, where from, which systems, inherent and residual rating, owner [6.1.2, 8.2]."""

    title: Title
    description: Text = None
    source: Annotated[Short, Field(description="Risk source: a catalogue id such as C.3.3 ('aims risk sources') "
                                   "or free text")] = None
    category: Short = None
    system_ids: list[RecordId] = []
    method_id: RecordId | None = None
    inherent_likelihood: Level | None = None
    inherent_impact: Level | None = None
    inherent_rating: Short = None
    residual_likelihood: Level | None = None
    residual_impact: Level | None = None
    residual_rating: Short = None
    owner: Short = None
    review_on: dt.date | None = None


class RiskOut(RiskFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class RiskService(RecordService[RiskFields, RiskOut]):
    """Rules: assessed needs a method and inherent levels; treated needs a live treatment and
    residual levels; accepted needs a residual rating within appetite or an approved acceptance."""

    model = Risk
    fields = RiskFields
    out = RiskOut
    initial_status = "identified"
    transitions = closed(
        ("identified", ("assessed", "closed")),
        ("assessed", ("treated", "accepted", "closed", "identified")),
        ("treated", ("accepted", "closed", "assessed")),
        ("accepted", ("assessed", "closed")),
        ("closed", ("identified",)),
    )
    required = {
        "assessed": ("method_id", "inherent_likelihood", "inherent_impact"),
        "treated": (
            "method_id",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
        ),
        "accepted": (
            "method_id",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
        ),
    }
    references = {"system_ids": "SYS", "method_id": "METHOD"}
    scales = {
        "inherent_likelihood": "likelihood",
        "inherent_impact": "impact",
        "residual_likelihood": "likelihood",
        "residual_impact": "impact",
    }
    derived_fields = frozenset({"inherent_rating", "residual_rating"})
    search_fields = ("title", "description", "category")
    approval = ApprovalPoint(
        "accepted", "accepted",
        roles=(RoleRule("risk acceptance above appetite needs the manager role",
                        "its rating is above the risk appetite", when="above_appetite_for"),),
    )  # fmt: skip

    def above_appetite_for(self, record_id: str, fields: RiskFields) -> bool:
        """Whether the risk's current rating (residual, else inherent) exceeds its method's appetite."""
        rating = fields.residual_rating or fields.inherent_rating
        if not fields.method_id or not rating:
            return False
        return not self.method(fields.method_id).within_appetite(rating)

    def method(self, method_id: str) -> RiskMethodOut:
        return self.service(RiskMethodService).get(method_id)

    def prepare(self, record_id: str, before: RiskOut | None, fields: RiskFields, status: str) -> RiskFields:
        from openaims.frameworks.risk_sources import find_source

        catalogued = find_source(fields.source) if fields.source else None
        if catalogued is not None:  # a catalogue id or title is stored as "C.3.3 Level of automation"
            fields = fields.model_copy(update={"source": catalogued.label})
        update: dict[str, Any] = {"inherent_rating": None, "residual_rating": None}
        if fields.method_id is None and (fields.inherent_likelihood or fields.residual_likelihood):
            update["method_id"] = fields.method_id = self.service(RiskMethodService).default().id
        if fields.method_id:
            self._check_references({"method_id": fields.method_id})
            method = self.method(fields.method_id)
            for stage in ("inherent", "residual"):
                likelihood = getattr(fields, f"{stage}_likelihood")
                impact = getattr(fields, f"{stage}_impact")
                scale = {"likelihood": (likelihood, method.likelihood_levels), "impact": (impact, method.impact_levels)}
                for axis, (level, levels) in scale.items():
                    if level is not None and level > len(levels):
                        problem = FieldProblem(
                            f"{stage}_{axis}",
                            f"must be 1 to {len(levels)} on the {axis} scale of {method.id} (got {level})",
                        )
                        raise RecordValidationError(self.record_type(), [problem])
                if likelihood and impact:
                    update[f"{stage}_rating"] = method.rate(likelihood, impact)
        return fields.model_copy(update=update)

    def check(self, record_id: str, before: RiskOut | None, fields: RiskFields, status: str) -> None:
        if status not in ("treated", "accepted") or (before is not None and before.status == status):
            return
        treatments = [
            t for t in self.service(TreatmentService).all(risk_id=record_id) if t.status != "cancelled"
        ]
        if status == "treated":
            require(
                bool(treatments),
                f"{record_id} cannot be 'treated' without a treatment; add one with "
                f"'aims treatment add --risk-id {record_id} ...'",
            )
        if status == "accepted":
            method = self.method(fields.method_id or "")
            rating = fields.residual_rating or ""
            accepted = [t for t in treatments if t.option == "accept" and t.approver]
            require(
                method.within_appetite(rating) or bool(accepted),
                f"{record_id} is rated {rating!r}, above the appetite {method.appetite!r} of {method.id}; "
                "it can be accepted only with an 'accept' treatment approved by an admin or AIMS manager "
                "('aims treatment approve TREAT-N')",
            )

    def above_appetite(self) -> list[RiskOut]:
        """Open risks whose current rating (residual, else inherent) exceeds their method's appetite."""
        out = []
        for risk in self.all():
            rating = risk.residual_rating or risk.inherent_rating
            if risk.status == "closed" or not risk.method_id or not rating:
                continue
            if not self.method(risk.method_id).within_appetite(rating):
                out.append(risk)
        return out


TreatmentOption = Literal["mitigate", "avoid", "transfer", "accept"]


class TreatmentFields(RecordFields):
    """A treatment of one risk: option, controls, owner, due date; acceptance needs rationale and approver."""

    risk_id: RecordId
    option: TreatmentOption = "mitigate"
    description: Text = None
    rationale: Text = None
    approver: Short = None
    approved_on: dt.date | None = None
    control_ids: list[ControlId] = []
    owner: Short = None
    due_date: dt.date | None = None


class TreatmentOut(TreatmentFields, RecordOut):  # type: ignore[misc]  # pydantic plugin: two model bases
    pass


class TreatmentService(RecordService[TreatmentFields, TreatmentOut]):
    model = Treatment
    fields = TreatmentFields
    out = TreatmentOut
    initial_status = "planned"
    transitions = closed(
        ("planned", ("in_progress", "implemented", "cancelled")),
        ("in_progress", ("implemented", "cancelled")),
        ("implemented", ("verified", "in_progress")),
        ("cancelled", ("planned",)),
    )
    required = {"in_progress": ("owner",), "implemented": ("owner",), "verified": ("owner",)}
    references = {"risk_id": "RISK"}
    search_fields = ("description", "rationale")
    label_field = "risk_id"
    approval = ApprovalPoint(
        "approved", None, by_field="approver", on_field="approved_on",
        roles=(RoleRule("risk acceptance needs the manager role", "accepting a risk is a management decision",
                        when="is_acceptance"),),
    )  # fmt: skip

    def is_acceptance(self, record_id: str, fields: TreatmentFields) -> bool:
        """An 'accept' treatment is the decision to accept the risk."""
        return fields.option == "accept"

    def prepare(
        self, record_id: str, before: TreatmentOut | None, fields: TreatmentFields, status: str
    ) -> TreatmentFields:
        decided = ("risk_id", "option", "rationale", "description")
        if before is not None and before.approver and any(getattr(fields, f) != getattr(before, f) for f in decided):
            # What was approved changed: the acceptance is to be approved again.
            return fields.model_copy(update={"approver": None, "approved_on": None})
        return fields

    def check(
        self, record_id: str, before: TreatmentOut | None, fields: TreatmentFields, status: str
    ) -> None:
        if fields.option == "accept":
            require(bool(fields.rationale), f"{record_id}: accepting a risk needs a rationale")
        if fields.option == "mitigate" and status in ("implemented", "verified"):
            require(
                bool(fields.control_ids),
                f"{record_id}: a mitigation needs the Annex A controls it implements",
            )

