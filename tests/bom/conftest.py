"""Fixtures of the BOM tests."""

from __future__ import annotations

import pytest

from openaims.discovery.interface import Finding
from tests.bom.sample import sample_findings


@pytest.fixture
def findings() -> list[Finding]:
    return sample_findings()
