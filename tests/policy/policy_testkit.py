"""Helpers for the policy tests: findings built by hand, a small stand-in source, git repos."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openaims.discovery.interface import Finding, FindingKind
from openaims.policy.sources import TreeFindings

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

#: The sample policy of the enforcement issue, verbatim.
SAMPLE_POLICY = """\
version: 1
providers:
  mode: allowlist
  approved: [openai, anthropic, azure-openai]
models:
  prohibited: ["gpt-3.5-*", "*-preview"]
packages:
  prohibited: ["pypi:ollama", "npm:@xenova/*"]
mcp_servers:
  mode: allowlist
  approved: [github, playwright]
secrets: block
unsafe_model_files: block
agent_config:
  fail_at: high
exceptions:
  - match: "pypi:torch"
    owner: ml-platform@example.com
    reason: "Training pipeline, reviewed in RISK-12"
    expires: 2027-06-30
"""

PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "torch": "pytorch",
    "ollama": "ollama",
    "cohere": "cohere",
}


def dep(
    name: str, path: str = "requirements.txt", line: int | None = 1, ecosystem: str = "pypi", **kw: Any
) -> Finding:
    return Finding(
        kind=FindingKind.DEPENDENCY,
        name=name,
        path=path,
        line=line,
        detector="test",
        ecosystem=ecosystem,
        provider=kw.pop("provider", PROVIDERS.get(name)),
        **kw,
    )


def imp(
    name: str, package: str, provider: str, path: str = "app.py", line: int = 1, module: str | None = None
) -> Finding:
    """An import the scanner found: ``import name`` of the catalogued ``package`` (``pypi:openai``)."""
    ecosystem = package.split(":", 1)[0]
    return Finding(
        kind=FindingKind.IMPORT,
        name=name,
        path=path,
        line=line,
        detector="test",
        ecosystem=ecosystem,
        provider=provider,
        category="llm-api",
        details={"language": "python", "module": module or name, "package": package},
    )


def model(model_id: str, provider: str | None = None, path: str = "app.py", line: int = 1) -> Finding:
    return Finding(
        kind=FindingKind.MODEL,
        name=model_id,
        path=path,
        line=line,
        detector="test",
        provider=provider,
        details={"model_id": model_id, "raw": model_id},
    )


def mcp(
    name: str, package: str | None = None, url: str | None = None, path: str = ".mcp.json", line: int = 3
) -> Finding:
    return Finding(
        kind=FindingKind.MCP_SERVER,
        name=name,
        path=path,
        line=line,
        detector="test",
        details={"transport": "http" if url else "stdio", "package": package, "url": url},
    )


def secret(
    path: str = ".env", line: int = 1, fp: str = "f" * 16, key_type: str = "openai-project-key"
) -> Finding:
    return Finding(
        kind=FindingKind.SECRET,
        name=key_type,
        path=path,
        line=line,
        detector="test",
        provider="openai",
        redacted="sk-proj-…AAAA",
        fingerprint=fp,
        details={"key_type": key_type},
    )


def model_file(path: str = "models/m.pkl", unsafe: bool = True) -> Finding:
    return Finding(
        kind=FindingKind.MODEL_FILE,
        name=path.rsplit("/", 1)[-1],
        path=path,
        line=None,
        detector="test",
        format="pickle",
        unsafe=unsafe,
        details={"sha256": "ab" * 32, "dangerous_globals": ["os.system"] if unsafe else []},
    )


def workflow(
    uses: str | None, image: str | None = None, path: str = ".github/workflows/ai.yml", line: int = 9
) -> Finding:
    return Finding(
        kind=FindingKind.AI_WORKFLOW,
        name=uses or image or "job",
        path=path,
        line=line,
        detector="test",
        details={"ci": "github-actions", "job": "review", "uses": uses, "image": image, "secrets": []},
    )


@dataclass(frozen=True)
class Lint:
    rule_id: str
    severity: str
    path: str = "CLAUDE.md"
    line: int | None = 4
    title: str = "Prompt injection"
    message: str = "instruction to ignore earlier instructions"
    help: str = "Remove the instruction."


def frozen(day: date) -> Callable[[], date]:
    return lambda: day


def toy_source(root: Path, paths: list[str] | None, with_lint: bool) -> TreeFindings:
    """A stand-in for the scanner: ``deps.txt`` lines are PyPI dependencies, ``mcp.json`` names servers.

    It reads real files from ``root`` (so diff mode is exercised against real git trees).
    """
    findings: list[Finding] = []
    files = (
        paths
        if paths is not None
        else [
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
        ]
    )
    for rel in sorted(files):
        file = root / rel
        if not file.is_file():
            continue
        if file.name == "deps.txt":
            for number, raw in enumerate(file.read_text().splitlines(), start=1):
                name = raw.strip()
                if name:
                    findings.append(dep(name, path=rel, line=number))
        elif file.name == "mcp.json":
            for name, server in json.loads(file.read_text()).get("servers", {}).items():
                findings.append(mcp(name, package=server.get("package"), path=rel, line=1))
    return TreeFindings(findings, [], len(files), lint_available=False)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(cwd),
        },
    )
    return done.stdout


def commit(root: Path, message: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
