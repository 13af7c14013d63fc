"""A fixed scan result covering every finding kind, and golden-file helpers.

Set ``AIMS_UPDATE_GOLDEN=1`` to rewrite the golden files from the current
output instead of comparing with them.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from openaims.discovery.interface import Finding, FindingKind

GOLDEN = Path(__file__).parent / "golden"
SERIAL = uuid.UUID("7f5b3c2e-1d4a-4c6b-9e8f-0a1b2c3d4e5f")
TIMESTAMP = datetime(2026, 1, 15, 9, 30, 0, tzinfo=UTC)

#: Key-shaped and env values built at test time: none of them may reach a BOM.
OPENAI_KEY = "sk-" + "proj-" + "Q7f2" * 10 + "T3BlbkFJ" + "z9Xw" * 5
REDACTED = OPENAI_KEY[:8] + "..." + OPENAI_KEY[-4:]
FINGERPRINT = "fp1:" + "ab12" * 8
GITHUB_TOKEN_VALUE = "gh" + "p_" + "R4nd0m" * 6


def _f(kind: FindingKind, name: str, path: str, line: int | None, detector: str, **kw: object) -> Finding:
    return Finding(kind=kind, name=name, path=path, line=line, detector=detector, **kw)  # type: ignore[arg-type]


D, IMP, M = FindingKind.DEPENDENCY, FindingKind.IMPORT, FindingKind.MODEL


def sample_findings() -> list[Finding]:
    """One realistic finding of every kind and ecosystem (order shuffled on purpose)."""
    return [
        _f(
            IMP,
            "openai",
            "services/support-bot/bot/chat.py",
            3,
            "import.python",
            ecosystem="pypi",
            provider="openai",
            category="llm-api",
            details={"language": "python", "module": "openai", "package": "pypi:openai"},
        ),
        _f(
            D,
            "openai",
            "services/support-bot/pyproject.toml",
            12,
            "dependency.pypi.pyproject",
            ecosystem="pypi",
            version=">=1.40,<2",
            provider="openai",
            category="llm-api",
            direct=True,
            details={"scope": "main", "manifest": "pyproject"},
        ),
        _f(
            D,
            "openai",
            "services/support-bot/uv.lock",
            210,
            "dependency.pypi.uv-lock",
            ecosystem="pypi",
            version="1.54.3",
            provider="openai",
            category="llm-api",
            direct=True,
            details={"manifest": "uv.lock"},
        ),
        _f(
            D,
            "langchain-core",
            "services/support-bot/requirements.txt",
            4,
            "dependency.pypi.requirements",
            ecosystem="pypi",
            version="==0.3.15",
            provider="langchain",
            category="agent-framework",
            direct=True,
            details={"scope": "main", "manifest": "requirements"},
        ),
        _f(
            IMP,
            "anthropic",
            "services/support-bot/bot/escalate.py",
            5,
            "import.python",
            ecosystem="pypi",
            provider="anthropic",
            category="llm-api",
            details={"language": "python", "module": "anthropic", "package": "pypi:anthropic"},
        ),
        _f(
            D,
            "@ai-sdk/openai",
            "web/package.json",
            14,
            "dependency.npm.package-json",
            ecosystem="npm",
            version="^1.0.2",
            provider="openai",
            category="llm-api",
            direct=True,
            details={"scope": "main"},
        ),
        _f(
            D,
            "@ai-sdk/openai",
            "web/package-lock.json",
            40,
            "dependency.npm.package-lock",
            ecosystem="npm",
            version="1.0.5",
            provider="openai",
            category="llm-api",
            direct=True,
            details={},
        ),
        _f(
            D,
            "ai",
            "web/package-lock.json",
            60,
            "dependency.npm.package-lock",
            ecosystem="npm",
            version="4.0.10",
            provider="vercel",
            category="agent-framework",
            direct=True,
            details={},
        ),
        _f(
            D,
            "github.com/sashabaranov/go-openai",
            "services/risk-engine-go/go.mod",
            6,
            "dependency.golang.go-mod",
            ecosystem="golang",
            version="v1.32.0",
            provider="openai",
            category="llm-api",
            direct=True,
        ),
        _f(
            D,
            "dev.langchain4j:langchain4j-open-ai",
            "services/doc-ai-java/pom.xml",
            31,
            "dependency.maven.pom",
            ecosystem="maven",
            version="0.36.2",
            provider="langchain",
            category="agent-framework",
            direct=True,
        ),
        _f(
            D,
            "azure.ai.openai",
            "tools/dotnet/Summarizer.csproj",
            9,
            "dependency.nuget.csproj",
            ecosystem="nuget",
            version="2.1.0-beta.2",
            provider="azure-openai",
            category="llm-api",
            direct=True,
        ),
        _f(
            D,
            "async-openai",
            "tools/rust-cli/Cargo.toml",
            8,
            "dependency.cargo.cargo-toml",
            ecosystem="cargo",
            version="0.26.0",
            provider="openai",
            category="llm-api",
            direct=True,
        ),
        _f(
            D,
            "ruby-openai",
            "tools/ruby/Gemfile",
            3,
            "dependency.gem.gemfile",
            ecosystem="gem",
            version="~> 7.3",
            provider="openai",
            category="llm-api",
            direct=True,
        ),
        _f(
            D,
            "xgboost",
            "services/credit-scoring/requirements.txt",
            2,
            "dependency.pypi.requirements",
            ecosystem="pypi",
            version="==2.1.1",
            provider="other",
            category="ml-framework",
            direct=True,
        ),
        _f(
            M,
            "gpt-4o",
            "services/support-bot/bot/chat.py",
            11,
            "model.reference",
            provider="openai",
            category="llm-api",
            details={"model_id": "gpt-4o", "raw": "gpt-4o", "hub": None, "loader": None},
        ),
        _f(
            M,
            "gpt-4o",
            "web/app/api/chat/route.ts",
            9,
            "model.reference",
            provider="openai",
            category="llm-api",
            details={"model_id": "gpt-4o", "raw": "gpt-4o", "hub": None, "loader": None},
        ),
        _f(
            M,
            "claude-sonnet-4-5",
            "services/support-bot/bot/escalate.py",
            14,
            "model.reference",
            provider="anthropic",
            category="llm-api",
            details={
                "model_id": "claude-sonnet-4-5",
                "raw": "anthropic/claude-sonnet-4-5",
                "hub": None,
                "loader": None,
                "via": "openrouter",
            },
        ),
        _f(
            M,
            "sentence-transformers/all-MiniLM-L6-v2",
            "services/support-bot/bot/search.py",
            8,
            "model.reference",
            provider="huggingface",
            category="embedding",
            details={
                "model_id": "sentence-transformers/all-MiniLM-L6-v2",
                "raw": "sentence-transformers/all-MiniLM-L6-v2",
                "hub": "huggingface",
                "loader": "from_pretrained",
            },
        ),
        _f(
            FindingKind.SECRET,
            "OpenAI project key",
            "services/support-bot/.env",
            2,
            "secret.openai",
            provider="openai",
            redacted=REDACTED,
            fingerprint=FINGERPRINT,
            details={"key_type": "openai-project-key"},
        ),
        _f(
            FindingKind.MCP_SERVER,
            "github",
            ".mcp.json",
            3,
            "mcp.config",
            ecosystem="npm",
            provider="github",
            details={
                "transport": "stdio",
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-github"],
                "package": "@modelcontextprotocol/server-github",
                "url": None,
                "env": ["GITHUB_PERSONAL_ACCESS_TOKEN"],
                "client": "claude",
                "registry": "npm",
                "package_name": "@modelcontextprotocol/server-github",
                "package_version": None,
            },
        ),
        _f(
            FindingKind.MCP_SERVER,
            "northwind-docs",
            ".vscode/mcp.json",
            8,
            "mcp.config",
            provider=None,
            details={
                "transport": "http",
                "command": None,
                "args": [],
                "package": None,
                "url": "https://mcp.northwind.example/mcp",
                "env": [],
                "headers": ["Authorization"],
                "client": "vscode",
            },
        ),
        _f(
            FindingKind.AGENT_INSTRUCTIONS,
            "claude-md",
            "CLAUDE.md",
            1,
            "agent.files",
            provider="anthropic",
            category="coding-assistant",
            details={"assistant": "Claude Code", "bytes": 812, "lines": 24, "sha256": "1f" * 32},
        ),
        _f(
            FindingKind.MODEL_FILE,
            "scorer.safetensors",
            "services/credit-scoring/models/scorer.safetensors",
            None,
            "model_file",
            format="safetensors",
            unsafe=False,
            details={
                "size": 512,
                "lfs_pointer": False,
                "sha256": "3c" * 32,
                "dangerous_globals": [],
                "unknown_globals": [],
            },
        ),
        _f(
            FindingKind.MODEL_FILE,
            "legacy.pkl",
            "services/credit-scoring/models/legacy.pkl",
            None,
            "model_file",
            format="pickle",
            unsafe=True,
            provider="scikit-learn",
            details={
                "size": 2048,
                "lfs_pointer": False,
                "sha256": "9a" * 32,
                "dangerous_globals": ["os.system"],
                "unknown_globals": [],
            },
        ),
        _f(
            FindingKind.AI_WORKFLOW,
            "anthropics/claude-code-action",
            ".github/workflows/ai-review.yml",
            21,
            "ci.github-actions",
            provider="anthropic",
            category="coding-assistant",
            details={
                "ci": "github-actions",
                "job": "review",
                "uses": "anthropics/claude-code-action@v1",
                "image": None,
                "secrets": ["ANTHROPIC_API_KEY"],
            },
        ),
        _f(
            FindingKind.AI_WORKFLOW,
            "OPENAI_API_KEY",
            ".github/workflows/evals.yml",
            15,
            "ci.github-actions",
            provider="openai",
            category="llm-api",
            details={
                "ci": "github-actions",
                "job": "evals",
                "uses": None,
                "image": None,
                "secrets": ["OPENAI_API_KEY"],
            },
        ),
    ]


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/name`` (or rewrite it when AIMS_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("AIMS_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; run with AIMS_UPDATE_GOLDEN=1 to create it")
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; AIMS_UPDATE_GOLDEN=1 rewrites it"
