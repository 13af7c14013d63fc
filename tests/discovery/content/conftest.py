"""Fixtures for the content detector tests (imports, models, secrets)."""

from __future__ import annotations

import pytest
from content_testkit import Keys


@pytest.fixture
def keys() -> Keys:
    """A factory of random key-shaped values, one fresh value per call."""
    return Keys()
