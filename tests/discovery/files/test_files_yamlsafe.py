"""YAML from scanned trees never crashes or stalls the scanner, however deeply nested."""

from __future__ import annotations

import pytest
import yaml
from tests.discovery.files.conftest import MemoryFile

from openaims.discovery import yamlsafe
from openaims.discovery.detectors.ci import AiCiDetector
from openaims.discovery.mcp_config import parse_mcp_config

DEEP = [
    "[" * 200_000 + "]" * 200_000,
    "{a: " * 100_000 + "1" + "}" * 100_000,
    "- " * 300_000 + "x\n",
    "jobs:\n  j:\n    steps: " + "[" * 200_000 + "]" * 200_000 + "\n",
    "mcpServers:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)),
]


@pytest.mark.parametrize("text", DEEP)
def test_deep_nesting_is_refused_not_fatal(text: str) -> None:
    assert yamlsafe.compose(text) is None
    assert yamlsafe.load(text) is None
    list(AiCiDetector().scan(MemoryFile(".github/workflows/x.yml", text)))
    list(AiCiDetector().scan(MemoryFile(".gitlab-ci.yml", text)))
    parse_mcp_config(text, ".continue/config.yaml")


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("a: 1\n", 0),
        ("a: [1, [2, {b: 3}]]\n", 3),
        ("- - - x\n", 6),
        ("a:\n  b:\n    c: 1\n", 4),
        ("x: '${{ secrets.A }}'\n", 2),
    ],
)
def test_nesting_bound(text: str, bound: int) -> None:
    assert yamlsafe.nesting_bound(text) == bound


def test_shallow_documents_use_libyaml_when_present() -> None:
    loader = yamlsafe.loader_for("a: 1\n")
    assert loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yamlsafe.loader_for("[" * 5000) is None
    assert yamlsafe.compose("a:\n" + "  - [1]\n" * 1000) is not None
    assert yamlsafe.load("a: [1, 2]\n") == {"a": [1, 2]}
    assert yamlsafe.load("!!python/object:os.system {}\n") is None
