"""The one field description every interface reads: each record type's fields with their kind,
choices, reference target, scale, shape and whether the register derives them."""

from __future__ import annotations

import pytest

from openaims.register import fields
from openaims.register.fields import Kind, Shape
from openaims.register.services import (
    CorrectiveActionService,
    EvidenceService,
    ImpactAssessmentService,
    IncidentService,
    RiskMethodService,
    RiskService,
    SoaService,
    TreatmentService,
    registry,
)


@pytest.mark.parametrize(
    ("cls", "name", "kind", "shape", "extra"),
    [
        (RiskService, "title", Kind.TEXT, Shape.ONE, {"required": True, "max_length": 200}),
        (RiskService, "description", Kind.LONG_TEXT, Shape.ONE, {"required": False}),
        (RiskService, "system_ids", Kind.REFERENCE, Shape.LIST, {"target": "SYS"}),
        (RiskService, "method_id", Kind.REFERENCE, Shape.ONE, {"target": "METHOD"}),
        (RiskService, "inherent_likelihood", Kind.INTEGER, Shape.ONE, {"scale": "likelihood", "minimum": 1}),
        (RiskService, "residual_impact", Kind.INTEGER, Shape.ONE, {"scale": "impact", "maximum": 10}),
        (RiskService, "inherent_rating", Kind.TEXT, Shape.ONE, {"read_only": True}),
        (RiskService, "review_on", Kind.DATE, Shape.ONE, {"required": False}),
        (RiskService, "links", Kind.REFERENCE, Shape.LIST, {"target": "*"}),
        (TreatmentService, "option", Kind.CHOICE, Shape.ONE, {"choices": ("mitigate", "avoid", "transfer", "accept")}),
        (TreatmentService, "risk_id", Kind.REFERENCE, Shape.ONE, {"target": "RISK", "required": True}),
        (IncidentService, "detected_at", Kind.DATETIME, Shape.ONE, {}),
        (IncidentService, "severity", Kind.CHOICE, Shape.ONE, {"choices": ("low", "medium", "high", "critical")}),
        (SoaService, "applicable", Kind.BOOLEAN, Shape.ONE, {"optional": False}),
        (CorrectiveActionService, "effective", Kind.BOOLEAN, Shape.ONE, {"optional": True}),
        (EvidenceService, "sha256", Kind.LONG_TEXT, Shape.ONE, {"read_only": True}),
        (RiskMethodService, "matrix", Kind.DATA, Shape.ONE, {}),
        (RiskMethodService, "likelihood_levels", Kind.TEXT, Shape.LIST, {}),
    ],
)  # fmt: skip
def test_field_descriptions(cls: type, name: str, kind: Kind, shape: Shape, extra: dict[str, object]) -> None:
    spec = fields.field_spec(cls, name)
    assert (spec.kind, spec.shape) == (kind, shape)
    for attribute, value in extra.items():
        assert getattr(spec, attribute) == value, attribute


def test_structured_fields_describe_their_parts() -> None:
    """A mapping or list of sub-records is described part by part (a sub-form, never JSON text)."""
    structured = [
        (cls.record_type(), spec)
        for cls in registry().values()
        for spec in fields.describe(cls)
        if spec.kind is Kind.GROUP
    ]
    assert ("impact_assessment", "areas") in {(t, s.name) for t, s in structured}
    for _, spec in structured:
        assert spec.parts
        assert all(part.kind is not Kind.DATA for part in spec.parts)


def test_impact_areas_are_a_mapping_keyed_by_area() -> None:
    spec = fields.field_spec(ImpactAssessmentService, "areas")
    if spec.shape is Shape.MAPPING:
        assert {"fairness", "privacy", "safety"} <= set(spec.keys)
    assert spec.structured


def test_read_only_fields_are_not_inputs() -> None:
    for cls in registry().values():
        given = {s.name for s in fields.inputs(cls)}
        assert not given & (cls.register_fields() | cls.derived_fields), cls.record_type()
        assert given <= set(cls.field_names())


def test_an_unknown_field_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        fields.field_spec(RiskService, "colour")
