"""How fields and record types are named on pages and forms."""

from __future__ import annotations

import pytest

from openaims.register.errors import field_label
from openaims.register.services import SystemService
from openaims.web.records import new_title, widgets


@pytest.mark.parametrize(
    ("name", "label"),
    [("dataset_ids", "Dataset IDs"), ("eu_ai_act", "EU AI Act"), ("system_id", "System ID"),
     ("risk_tier", "Risk tier"), ("intended_use", "Intended use"), ("name", "Name")],
)  # fmt: skip
def test_field_labels(name: str, label: str) -> None:
    assert field_label(name) == label


@pytest.mark.parametrize(("record_type", "title"), [("system", "New AI system"), ("risk", "New risk"),
                                                    ("soa_entry", "New Statement of Applicability")])  # fmt: skip
def test_new_titles(record_type: str, title: str) -> None:
    assert new_title(record_type) == title


def test_system_form_widgets() -> None:
    form = {w.name: w for w in widgets(SystemService)}
    assert next(iter(form)) == "name"
    assert list(form)[-1] == "links"
    assert form["organisation_roles"].kind == "checks"
    assert "provider" in form["organisation_roles"].choices
    assert form["risk_tier"].choices == (
        "unclassified", "minimal", "limited", "annex-iii-exception", "high", "prohibited", "gpai", "gpai-systemic",
    )  # fmt: skip
