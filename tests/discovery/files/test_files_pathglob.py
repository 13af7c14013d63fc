"""Location globs that apply at any depth, matched in one search."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.discovery.pathglob import SuffixGlobs

GLOBS = SuffixGlobs(
    [
        ".mcp.json",
        ".cursor/mcp.json",
        "*.code-workspace",
        ".claude/skills/*/SKILL.md",
        "CLAUDE.md",
        ".cursor/rules/*.mdc",
    ]
)


@pytest.mark.parametrize(
    ("path", "index"),
    [
        (".mcp.json", 0),
        ("a/b/.mcp.json", 0),
        ("x/.cursor/mcp.json", 1),
        ("ws.code-workspace", 2),
        ("a/b/ws.code-workspace", 2),
        (".claude/skills/pdf/SKILL.md", 3),
        ("pkg/CLAUDE.md", 4),
        ("a/.cursor/rules/x/y.mdc", 5),
        ("a.mcp.json", None),
        ("MYCLAUDE.md", None),
        ("CLAUDE.md.bak", None),
        ("cursor/mcp.json", None),
        ("mcp.json", None),
        ("", None),
    ],
)
def test_first_matching_glob(path: str, index: int | None) -> None:
    assert GLOBS.first(path) == index


def test_no_globs() -> None:
    assert SuffixGlobs([]).first("a/b") is None


def _reference(globs: list[str], path: str) -> int | None:
    suffixes = [path] + [path[i + 1 :] for i, ch in enumerate(path) if ch == "/"]
    for suffix in suffixes:
        for index, glob in enumerate(globs):
            if fnmatch.fnmatchcase(suffix, glob):
                return index
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", ".c", "x.md", "CLAUDE.md", "mcp.json", ".cursor", "rules"]),
        min_size=1,
        max_size=5,
    )
)
def test_agrees_with_fnmatch_on_every_suffix(parts: list[str]) -> None:
    globs = [".cursor/mcp.json", "CLAUDE.md", "*.md", ".cursor/rules/*.md", "a/*"]
    path = "/".join(parts)
    assert SuffixGlobs(globs).first(path) == _reference(globs, path)
