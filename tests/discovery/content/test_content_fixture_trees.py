"""Fixture trees: every content detector over a small repository, with the
exact set of findings expected (not a count).

``fixtures/ai-app`` is a polyglot repository with AI in several ecosystems;
files that hold keys are written at test time with generated values.
``fixtures/plain-app`` has no AI at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from content_testkit import SALT, Keys, run_tree

from openaims.discovery.detectors.imports import (
    CSharpImports,
    GoImports,
    JavaImports,
    JavaScriptImports,
    PythonImports,
    RubyImports,
    RustImports,
)
from openaims.discovery.detectors.models import ModelReferences
from openaims.discovery.detectors.secrets import ProviderSecrets
from openaims.discovery.interface import Detector, Finding, ScanOptions
from openaims.discovery.redact import fingerprint

FIXTURES = Path(__file__).parent / "fixtures"
DETECTORS: list[Detector] = [
    PythonImports(),
    JavaScriptImports(),
    GoImports(),
    JavaImports(),
    CSharpImports(),
    RustImports(),
    RubyImports(),
    ModelReferences(),
    ProviderSecrets(),
]


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


def _summary(findings: list[Finding]) -> set[tuple[str, str, int | None, str, str | None]]:
    return {(f.kind.value, f.path, f.line, f.name, f.provider) for f in findings}


def _secret_files(keys: Keys) -> tuple[dict[str, str], list[str]]:
    """Files that hold keys, written at test time, and the key values."""
    openai_key = keys("openai-project-key")
    anthropic_key = keys("anthropic-api-key")
    github_token = keys("github-pat")
    hf_token = keys("huggingface-token")
    files = {
        ".env": f"OPENAI_API_KEY={openai_key}\nANTHROPIC_API_KEY={anthropic_key}\nEXAMPLE_KEY=sk-your-key-here\n",
        ".cursor/mcp.json": json.dumps(
            {
                "mcpServers": {
                    "github": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-github"],
                        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": github_token},
                    }
                }
            },
            indent=2,
        ),
        "scripts/download.sh": f"#!/bin/sh\nexport HF_TOKEN={hf_token}\nhuggingface-cli download x\n",
    }
    return files, [openai_key, anthropic_key, github_token, hf_token]


EXPECTED_AI_APP: set[tuple[str, str, int | None, str, str | None]] = {
    ("import", "services/chat/app.py", 6, "anthropic", "anthropic"),
    ("import", "services/chat/app.py", 7, "langchain_openai", "openai"),
    ("import", "services/chat/app.py", 8, "torch", "pytorch"),
    ("model", "services/chat/app.py", 10, "claude-sonnet-4-5", "anthropic"),
    ("model", "services/chat/app.py", 12, "gpt-4o-mini", "openai"),
    ("model", "services/chat/config.yaml", 2, "claude-3.5-sonnet", "anthropic"),
    ("model", "services/chat/config.yaml", 3, "text-embedding-3-small", "openai"),
    ("model", "services/chat/config.yaml", 4, "anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic"),
    ("import", "notebooks/explore.ipynb", 18, "transformers", "huggingface"),
    (
        "model",
        "notebooks/explore.ipynb",
        27,
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "huggingface",
    ),
    ("import", "web/src/chat.ts", 1, "openai", "openai"),
    ("import", "web/src/chat.ts", 2, "ai", "vercel"),
    ("import", "web/src/chat.ts", 3, "@ai-sdk/anthropic", "anthropic"),
    ("model", "web/src/chat.ts", 8, "claude-3-5-haiku-latest", "anthropic"),
    ("import", "gateway/main.go", 6, "github.com/sashabaranov/go-openai", "openai"),
    ("model", "gateway/main.go", 11, "gpt-4o", "openai"),
    ("import", "jvm/src/main/java/ai/Assistant.java", 3, "dev.langchain4j.model.openai", "openai"),
    ("model", "jvm/src/main/java/ai/Assistant.java", 7, "gpt-4.1", "openai"),
    ("import", "dotnet/Program.cs", 1, "Azure.AI.OpenAI", "azure-openai"),
    ("model", "dotnet/Program.cs", 4, "gpt-4o", "openai"),
    ("import", "rust/src/main.rs", 1, "async_openai", "openai"),
    ("import", "ruby/bot.rb", 1, "openai", "openai"),
    ("model", "docker-compose.yml", 8, "mistral-large-latest", "mistral"),
    ("secret", ".env", 1, "OpenAI project API key", "openai"),
    ("secret", ".env", 2, "Anthropic API key", "anthropic"),
    ("secret", ".cursor/mcp.json", 10, "GitHub personal access token", "github"),
    ("secret", "scripts/download.sh", 2, "Hugging Face access token", "huggingface"),
}


def _check(findings: list[Finding], values: list[str]) -> None:
    assert _summary(findings) == EXPECTED_AI_APP
    secrets = {f.fingerprint for f in findings if f.kind.value == "secret"}
    assert secrets == {fingerprint(v, SALT) for v in values}
    report = json.dumps([f.to_dict() for f in findings])
    for value in values:
        assert not any(value[i : i + 12] in report for i in range(len(value) - 11))


def test_ai_app_exact_findings(keys: Keys) -> None:
    files = _tree(FIXTURES / "ai-app")
    generated, values = _secret_files(keys)
    files.update(generated)
    _check(run_tree(DETECTORS, files), values)


def test_ai_app_through_the_scan_engine(keys: Keys, tmp_path: Path) -> None:
    """The same tree, walked and prefiltered by the engine, gives the same findings."""
    from openaims.discovery import scanner
    root = tmp_path / "ai-app"
    shutil.copytree(FIXTURES / "ai-app", root)
    generated, values = _secret_files(keys)
    for rel, text in generated.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    options = ScanOptions(root=root, fingerprint_salt=SALT)
    result = scanner.Scanner(options, jobs=1, detectors=DETECTORS).scan()
    _check(list(result.findings), values)


def test_plain_app_has_no_findings() -> None:
    assert run_tree(DETECTORS, _tree(FIXTURES / "plain-app")) == []
