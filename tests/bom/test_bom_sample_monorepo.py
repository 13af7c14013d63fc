"""The sample monorepo, scanned for real, gives valid BOMs that list its AI."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import spdx_python_model
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from packageurl import PackageURL

from openaims.bom.cyclonedx import render_cyclonedx
from openaims.bom.spdx import render_spdx
from openaims.discovery.interface import Finding, FindingKind, ScanOptions
from openaims.discovery.scanner import Scanner

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-monorepo"
VERSIONS = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}


def unversion(purl: str) -> str:
    parsed = PackageURL.from_string(purl)
    return str(PackageURL(type=parsed.type, namespace=parsed.namespace, name=parsed.name).to_string())


def scan(root: Path) -> list[Finding]:
    result = Scanner(ScanOptions(root=root), jobs=1).scan()
    findings: list[Finding] = result.findings
    return findings


@cache
def sample_findings() -> tuple[Finding, ...]:
    return tuple(scan(SAMPLE))


def cdx(version: str = "1.6", fmt: str = "json") -> str:
    return render_cyclonedx(list(sample_findings()), root_name="northwind-lending", spec_version=version, fmt=fmt)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_sample_boms_validate(version: str) -> None:
    assert JsonStrictValidator(VERSIONS[version]).validate_str(cdx(version, "json")) is None
    assert XmlValidator(VERSIONS[version]).validate_str(cdx(version, "xml")) is None


def test_sample_bom_lists_the_ai_of_every_part_of_the_tree() -> None:
    doc: dict[str, Any] = json.loads(cdx())
    refs = {c["bom-ref"] for c in doc["components"]} | {s["bom-ref"] for s in doc["services"]}
    expected_packages = {
        "pkg:pypi/openai",
        "pkg:pypi/anthropic",
        "pkg:npm/%40ai-sdk/openai",
        "pkg:npm/ai",
        "pkg:npm/%40anthropic-ai/sdk",
        "pkg:golang/github.com/sashabaranov/go-openai",
        "pkg:maven/dev.langchain4j/langchain4j-open-ai",
        "pkg:nuget/azure.ai.openai",
        "pkg:cargo/async-openai",
        "pkg:gem/ruby-openai",
        "pkg:npm/%40modelcontextprotocol/server-github",
    }
    # with or without a resolved version, depending on what the manifests give
    unversioned = {unversion(ref) for ref in refs if ref.startswith("pkg:")}
    assert expected_packages <= unversioned, sorted(expected_packages - unversioned)
    # versions resolved from lock files, pins and build properties
    assert {
        "pkg:pypi/openai@1.54.3",
        "pkg:pypi/anthropic@0.39.0",
        "pkg:npm/%40ai-sdk/openai@1.0.5",
        "pkg:golang/github.com/sashabaranov/go-openai@v1.32.0",
        "pkg:maven/dev.langchain4j/langchain4j-open-ai@0.36.2",
        "pkg:nuget/azure.ai.openai@2.1.0-beta.2",
        "pkg:cargo/async-openai@0.26.0",
        "pkg:maven/com.anthropic/anthropic-java@0.8.0",
    } <= refs
    assert {
        "model:openai/gpt-4o",
        "model:openai/gpt-4o-mini",
        "model:anthropic/claude-sonnet-4-5",
        "model:anthropic/claude-3-5-haiku-latest",
        "model:anthropic/claude-haiku-4-5",
        "model-file:services/credit-scoring/models/scorecard-v2.safetensors",
        "agent-file:CLAUDE.md",
        "agent-file:AGENTS.md",
        "agent-file:.github/copilot-instructions.md",
        "service:openai",
        "service:anthropic",
        "mcp:.mcp.json#github",
        "mcp:.mcp.json#playwright",
        "mcp:.mcp.json#sentry",
        "mcp:.cursor/mcp.json#filesystem",
        "mcp:.vscode/mcp.json#northwind-knowledge-base",
    } <= refs
    hub = [r for r in refs if r.startswith("model:huggingface/sentence-transformers/")]
    assert [r.lower() for r in hub] == ["model:huggingface/sentence-transformers/all-minilm-l6-v2"]
    weights = next(c for c in doc["components"] if c["bom-ref"].endswith("scorecard-v2.safetensors"))
    digest = weights["hashes"][0]["content"]
    path = SAMPLE / "services/credit-scoring/models/scorecard-v2.safetensors"
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sample_has_no_secret_so_the_bom_counts_none() -> None:
    doc = json.loads(cdx())
    assert {"name": "openaims:secret-findings", "value": "0"} in doc["metadata"]["properties"]


def test_a_key_added_to_the_tree_never_reaches_a_bom(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(SAMPLE, tree)
    key = "sk-" + "proj-" + "Zq4R" * 10 + "T3BlbkFJ" + "m8Kp" * 5
    (tree / "services" / "support-bot" / ".env.local").write_text(f"OPENAI_API_KEY={key}\n", encoding="utf-8")
    token = "gh" + "p_" + "N0rthw1nd" * 4
    mcp = json.loads((tree / ".mcp.json").read_text(encoding="utf-8"))
    mcp["mcpServers"]["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"] = token
    mcp["mcpServers"]["sentry"]["url"] = f"https://mcp.sentry.dev/mcp?token={token}"
    (tree / ".mcp.json").write_text(json.dumps(mcp), encoding="utf-8")
    findings = scan(tree)
    secrets = [f for f in findings if f.kind is FindingKind.SECRET]
    assert secrets, "the scanner should report the key"
    outputs = [
        render_cyclonedx(findings, root_name="repo", spec_version=v, fmt=fmt)
        for v in VERSIONS
        for fmt in ("json", "xml")
    ]
    outputs.append(render_spdx(findings, root_name="repo"))
    for text in outputs:
        assert key not in text
        assert key[8:30] not in text
        assert token not in text
        assert token[4:20] not in text
        assert "GITHUB_PERSONAL_ACCESS_TOKEN" in text  # the name, so a reader knows what the server needs
        for f in secrets:
            assert f.redacted is None or f.redacted not in text
            assert f.fingerprint is None or f.fingerprint not in text
    doc = json.loads(outputs[0])
    assert {"name": "openaims:secret-findings", "value": str(len(secrets))} in doc["metadata"]["properties"]


@pytest.mark.parametrize(
    ("fmt", "version", "validator"),
    [
        ("cyclonedx-xml", "1.7", XmlValidator(SchemaVersion.V1_7)),
        ("spdx", "1.6", None),
    ],
)
def test_aims_scan_writes_valid_boms(tmp_path: Path, fmt: str, version: str, validator: Any) -> None:
    out = tmp_path / "bom"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openaims",
            "scan",
            str(SAMPLE),
            "--format",
            fmt,
            "--cyclonedx-version",
            version,
            "--no-progress",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    if validator is not None:
        assert validator.validate_str(text) is None
    else:
        _, objects = spdx_python_model.load_data(json.loads(text))
        names = {getattr(o, "name", None) for o in objects.foreach()}
        assert {"gpt-4o", "claude-sonnet-4-5", "sample-monorepo"} <= names
