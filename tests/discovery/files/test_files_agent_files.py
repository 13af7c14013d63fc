"""Agent instruction files: every catalogued location, negatives, details."""

from __future__ import annotations

import hashlib

import pytest
from tests.discovery.files.conftest import MemoryFile, run, run_tree

from openaims.discovery.detectors.agent_files import AgentInstructionsDetector, classify
from openaims.discovery.interface import FindingKind

DETECTOR = AgentInstructionsDetector()


@pytest.mark.parametrize(
    ("path", "kind", "assistant"),
    [
        ("CLAUDE.md", "CLAUDE.md", "claude-code"),
        ("packages/api/CLAUDE.md", "CLAUDE.md", "claude-code"),
        ("CLAUDE.local.md", "CLAUDE.local.md", "claude-code"),
        (".claude/CLAUDE.md", "CLAUDE.md", "claude-code"),
        ("AGENTS.md", "AGENTS.md", "agents-md"),
        ("services/a/b/AGENTS.md", "AGENTS.md", "agents-md"),
        ("GEMINI.md", "GEMINI.md", "gemini"),
        (".cursorrules", ".cursorrules", "cursor"),
        (".cursor/rules/python.mdc", ".cursor/rules", "cursor"),
        ("web/.cursor/rules/ts/style.mdc", ".cursor/rules", "cursor"),
        (".github/copilot-instructions.md", "copilot-instructions.md", "copilot"),
        (".github/instructions/py.instructions.md", ".github/instructions", "copilot"),
        (".github/prompts/release.prompt.md", ".github/prompts", "copilot"),
        (".windsurfrules", ".windsurfrules", "windsurf"),
        (".windsurf/rules/style.md", ".windsurf/rules", "windsurf"),
        (".clinerules", ".clinerules", "cline"),
        (".clinerules/01-style.md", ".clinerules", "cline"),
        (".claude/agents/reviewer.md", ".claude/agents", "claude-code"),
        (".claude/commands/deploy.md", ".claude/commands", "claude-code"),
        (".claude/commands/ops/rollback.md", ".claude/commands", "claude-code"),
        (".claude/skills/pdf/SKILL.md", ".claude/skills", "claude-code"),
        (".aider.conf.yml", ".aider.conf.yml", "aider"),
        (".junie/guidelines.md", ".junie/guidelines.md", "junie"),
        (".kiro/steering/product.md", ".kiro/steering", "kiro"),
        (".roo/rules/general.md", ".roo/rules", "roo-code"),
        (".goosehints", ".goosehints", "goose"),
    ],
)
def test_instruction_files_are_found(path: str, kind: str, assistant: str) -> None:
    text = "# Rules\n\nUse tabs.\n"
    (finding,) = run(DETECTOR, path, text)
    assert finding.kind is FindingKind.AGENT_INSTRUCTIONS
    assert (finding.name, finding.path, finding.line) == (kind, path, 1)
    assert finding.details == {
        "assistant": assistant,
        "bytes": len(text),
        "lines": 3,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "claude.md",
        "docs/CLAUDE.md.bak",
        "MYCLAUDE.md",
        "AGENTS.txt",
        "cursorrules",
        ".cursor/mcp.json",
        ".cursor/rules/notes.txt",
        ".github/workflows/ci.yml",
        ".github/instructions/readme.md",
        ".github/prompts/x.md",
        ".claude/settings.json",
        ".claude/skills/pdf/helper.py",
        ".claude/agents/notes.txt",
        "CONVENTIONS.md",
        "docs/agents.md",
    ],
)
def test_other_files_are_not(path: str) -> None:
    assert classify(path) is None
    assert run(DETECTOR, path, "text\n") == []


def test_providers() -> None:
    assert run(DETECTOR, "CLAUDE.md", "x")[0].provider == "anthropic"
    assert run(DETECTOR, ".github/copilot-instructions.md", "x")[0].provider == "github"
    assert run(DETECTOR, "GEMINI.md", "x")[0].provider == "google"
    assert run(DETECTOR, ".cursorrules", "x")[0].provider is None


def test_counts_empty_and_unterminated_files() -> None:
    assert run(DETECTOR, "AGENTS.md", "")[0].details["lines"] == 0
    assert run(DETECTOR, "AGENTS.md", "a\nb")[0].details["lines"] == 2


def test_file_larger_than_the_text_bound_is_hashed_whole() -> None:
    from dataclasses import replace

    from tests.discovery.files.conftest import OPTIONS

    text = ("line\n" * 1000).encode()
    file = MemoryFile("CLAUDE.md", text, options=replace(OPTIONS, max_text_bytes=100))
    (finding,) = DETECTOR.scan(file)
    assert finding.details["sha256"] == hashlib.sha256(text).hexdigest()
    assert (finding.details["bytes"], finding.details["lines"]) == (len(text), 1000)


def test_fixture_tree_exact_findings() -> None:
    tree: dict[str, str | bytes] = {
        "CLAUDE.md": "root\n",
        "apps/web/CLAUDE.md": "web\n",
        "apps/web/AGENTS.md": "agents\n",
        "apps/web/README.md": "readme\n",
        ".cursor/rules/a.mdc": "---\nglobs: *.ts\n---\n",
        ".cursor/mcp.json": "{}",
        ".github/copilot-instructions.md": "c\n",
        ".github/workflows/ci.yml": "on: push\n",
        ".claude/settings.json": "{}",
        ".claude/commands/x.md": "do x\n",
        "src/main.py": "print(1)\n",
    }
    found = {(f.path, f.name, f.details["assistant"]) for f in run_tree([DETECTOR], tree)}
    assert found == {
        ("CLAUDE.md", "CLAUDE.md", "claude-code"),
        ("apps/web/CLAUDE.md", "CLAUDE.md", "claude-code"),
        ("apps/web/AGENTS.md", "AGENTS.md", "agents-md"),
        (".cursor/rules/a.mdc", ".cursor/rules", "cursor"),
        (".github/copilot-instructions.md", "copilot-instructions.md", "copilot"),
        (".claude/commands/x.md", ".claude/commands", "claude-code"),
    }
