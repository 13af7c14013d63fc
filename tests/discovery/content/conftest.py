"""Fixtures for the content detector tests (imports, models, secrets).

The FileView test double (``MemoryFile``) and the key factory live in
``content_testkit`` so test modules can also use them in parametrize tables;
the fixtures below hand them to tests.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from content_testkit import Keys, MemoryFile


@pytest.fixture
def keys() -> Keys:
    """A factory of random key-shaped values, one fresh value per call."""
    return Keys()


@pytest.fixture
def memory_file() -> Callable[[str, str | bytes], MemoryFile]:
    """Build an in-memory file of a scanned tree: ``memory_file(path, content)``."""
    return MemoryFile
