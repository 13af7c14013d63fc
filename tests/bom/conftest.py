"""Fixtures of the BOM tests."""

from __future__ import annotations

import pytest
from tests.bom.bom_sample import sample_findings

from openaims.discovery.interface import Finding


@pytest.fixture
def findings() -> list[Finding]:
    return sample_findings()
