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


def test_readable_documents_read_and_unsafe_tags_do_not() -> None:
    assert yamlsafe.compose("a:\n" + "  - [1]\n" * 1000) is not None
    assert yamlsafe.load("a: [1, 2]\n") == {"a": [1, 2]}
    assert yamlsafe.load("!!python/object:os.system {}\n") is None


def test_application_tags_compose_but_do_not_load() -> None:
    text = "test:\n  script:\n    - !reference [.setup, script]\n    - pytest\n"
    root = yamlsafe.compose(text)
    assert isinstance(root, yaml.MappingNode)
    assert yamlsafe.load(text) is None


def test_alias_bomb_and_duplicate_keys_read_as_nothing() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\n"
    assert yamlsafe.compose(bomb) is None
    assert yamlsafe.load(bomb) is None
    assert yamlsafe.load("on: push\non: pull_request\n") is None
