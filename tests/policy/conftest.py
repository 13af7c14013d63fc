"""Fixtures for the policy tests (helpers live in policy_testkit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from policy_testkit import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root
