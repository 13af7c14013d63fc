"""CycloneDX ML-BOM: golden files, schema validation and what a reader finds in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from defusedxml import ElementTree
from tests.bom.bom_sample import (
    FINGERPRINT,
    GITHUB_TOKEN_VALUE,
    OPENAI_KEY,
    REDACTED,
    SERIAL,
    TIMESTAMP,
    check_golden,
    sample_findings,
)

from openaims.bom.cyclonedx import render_cyclonedx
from openaims.bom.interface import BomError
from openaims.discovery.interface import Finding, FindingKind

VERSIONS = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
CDX = "{http://cyclonedx.org/schema/bom/%s}"


def render(findings: list[Finding], version: str = "1.6", fmt: str = "json") -> str:
    return render_cyclonedx(
        findings,
        root_name="northwind-lending",
        spec_version=version,
        fmt=fmt,
        serial_number=SERIAL,
        timestamp=TIMESTAMP,
    )


def as_json(findings: list[Finding], version: str = "1.6") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(findings, version))
    return doc


def components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in doc["components"]}


def props(element: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in element.get("properties", [])]


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_golden_and_valid(version: str, fmt: str, findings: list[Finding]) -> None:
    text = render(findings, version, fmt)
    check_golden(f"sample-{version}.cdx.{fmt}", text)
    if fmt == "json":
        assert JsonStrictValidator(VERSIONS[version]).validate_str(text) is None
        assert json.loads(text)["specVersion"] == version
    else:
        assert XmlValidator(VERSIONS[version]).validate_str(text) is None
        assert ElementTree.fromstring(text).tag == (CDX % version) + "bom"


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_empty_scan_is_a_valid_bom(version: str, fmt: str) -> None:
    text = render([], version, fmt)
    validator = JsonStrictValidator if fmt == "json" else XmlValidator
    assert validator(VERSIONS[version]).validate_str(text) is None


def test_output_is_deterministic_whatever_the_finding_order(findings: list[Finding]) -> None:
    assert render(findings) == render(list(reversed(findings)))
    assert render(findings, fmt="xml") == render(list(reversed(findings)), fmt="xml")


def test_library_components_carry_purls_and_provider(findings: list[Finding]) -> None:
    doc = as_json(findings)
    libraries = {c["purl"] for c in doc["components"] if c["type"] == "library"}
    assert libraries == {
        "pkg:pypi/openai@1.54.3",
        "pkg:pypi/anthropic",
        "pkg:pypi/langchain-core@0.3.15",
        "pkg:pypi/xgboost@2.1.1",
        "pkg:npm/%40ai-sdk/openai@1.0.5",
        "pkg:npm/ai@4.0.10",
        "pkg:npm/%40modelcontextprotocol/server-github",
        "pkg:golang/github.com/sashabaranov/go-openai@v1.32.0",
        "pkg:maven/dev.langchain4j/langchain4j-open-ai@0.36.2",
        "pkg:nuget/azure.ai.openai@2.1.0-beta.2",
        "pkg:cargo/async-openai@0.26.0",
        "pkg:gem/ruby-openai",
    }
    openai = components(doc)["pkg:pypi/openai@1.54.3"]
    assert openai["name"] == "openai"
    assert openai["version"] == "1.54.3"
    assert ("openaims:provider", "openai") in props(openai)
    assert ("openaims:category", "llm-api") in props(openai)
    assert ("openaims:version-constraint", ">=1.40,<2") in props(openai)
    assert ("openaims:direct", "true") in props(openai)
    # manifest, lock file and the import that uses it are all evidence
    assert openai["evidence"]["occurrences"] == [
        {"location": "services/support-bot/bot/chat.py", "line": 3},
        {"location": "services/support-bot/pyproject.toml", "line": 12},
        {"location": "services/support-bot/uv.lock", "line": 210},
    ]
    scoped = components(doc)["pkg:npm/%40ai-sdk/openai@1.0.5"]
    assert (scoped["group"], scoped["name"]) == ("@ai-sdk", "openai")
    maven = components(doc)["pkg:maven/dev.langchain4j/langchain4j-open-ai@0.36.2"]
    assert (maven["group"], maven["name"]) == ("dev.langchain4j", "langchain4j-open-ai")


def test_import_is_a_component_only_without_a_dependency(findings: list[Finding]) -> None:
    doc = as_json(findings)
    refs = set(components(doc))
    assert "pkg:pypi/anthropic" in refs  # imported, never declared
    assert "pkg:pypi/openai" not in refs  # imported and declared: the declared one carries the evidence
    anthropic = components(doc)["pkg:pypi/anthropic"]
    assert "version" not in anthropic
    assert ("openaims:detected-by", "import") in props(anthropic)


def test_hosted_models_are_ml_components_with_model_cards(findings: list[Finding]) -> None:
    comps = components(as_json(findings))
    gpt = comps["model:openai/gpt-4o"]
    assert gpt["type"] == "machine-learning-model"
    assert gpt["supplier"] == {"name": "OpenAI"}
    assert gpt["modelCard"]["modelParameters"] == {
        "task": "text-generation",
        "inputs": [{"format": "string"}],
        "outputs": [{"format": "string"}],
    }
    assert gpt["evidence"]["occurrences"] == [
        {"location": "services/support-bot/bot/chat.py", "line": 11},
        {"location": "web/app/api/chat/route.ts", "line": 9},
    ]
    hub = comps["model:huggingface/sentence-transformers/all-MiniLM-L6-v2"]
    assert hub["purl"] == "pkg:huggingface/sentence-transformers/all-MiniLM-L6-v2"
    assert hub["modelCard"]["modelParameters"]["task"] == "feature-extraction"
    assert ("openaims:loader", "from_pretrained") in props(hub)
    assert hub["externalReferences"] == [
        {"type": "website", "url": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"}
    ]


def test_model_files_have_hashes_and_safety_facts(findings: list[Finding]) -> None:
    comps = components(as_json(findings))
    pkl = comps["model-file:services/credit-scoring/models/legacy.pkl"]
    assert pkl["type"] == "machine-learning-model"
    assert pkl["hashes"] == [{"alg": "SHA-256", "content": "9a" * 32}]
    assert ("openaims:unsafe", "true") in props(pkl)
    assert ("openaims:dangerous-global", "os.system") in props(pkl)
    assert {"name": "openaims:unsafe", "value": "true"} in pkl["modelCard"]["properties"]
    assert pkl["evidence"]["occurrences"] == [{"location": "services/credit-scoring/models/legacy.pkl"}]
    safe = comps["model-file:services/credit-scoring/models/scorer.safetensors"]
    assert ("openaims:format", "safetensors") in props(safe)
    assert ("openaims:unsafe", "false") in props(safe)


def test_agent_files_and_ci_steps(findings: list[Finding]) -> None:
    comps = components(as_json(findings))
    claude = comps["agent-file:CLAUDE.md"]
    assert claude["type"] == "file"
    assert claude["hashes"] == [{"alg": "SHA-256", "content": "1f" * 32}]
    assert ("openaims:assistant", "Claude Code") in props(claude)
    action = comps["ci:.github/workflows/ai-review.yml#review:anthropics/claude-code-action@21"]
    assert action["purl"] == "pkg:github/anthropics/claude-code-action@v1"
    assert ("openaims:ci-secret-name", "ANTHROPIC_API_KEY") in props(action)
    job = comps["ci:.github/workflows/evals.yml#evals:OPENAI_API_KEY@15"]
    assert job["name"] == "github-actions job evals"
    assert ("openaims:ci-secret-name", "OPENAI_API_KEY") in props(job)


def test_providers_are_services_with_endpoints_and_data_flow(findings: list[Finding]) -> None:
    doc = as_json(findings)
    services = {s["bom-ref"]: s for s in doc["services"]}
    assert set(services) == {
        "service:openai",
        "service:anthropic",
        "service:azure-openai",
        "service:huggingface",
        "service:openrouter",
        "mcp:.mcp.json#github",
        "mcp:.vscode/mcp.json#northwind-docs",
    }
    openai = services["service:openai"]
    assert openai["endpoints"] == ["https://api.openai.com/v1"]
    assert openai["authenticated"] is True
    assert openai["x-trust-boundary"] is True
    assert openai["data"] == [{"flow": "bi-directional", "classification": "prompts and model outputs"}]
    # a templated endpoint is not a URL: it is kept as a property
    azure = services["service:azure-openai"]
    assert "endpoints" not in azure
    assert ("openaims:endpoint-template", "https://{resource}.openai.azure.com") in props(azure)
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    assert "service:openai" in deps["pkg:pypi/openai@1.54.3"]
    assert deps["model:openai/gpt-4o"] == {"service:openai"}
    # used only through the OpenRouter gateway
    assert deps["model:anthropic/claude-sonnet-4-5"] == {"service:openrouter"}
    assert "service:anthropic" in deps["pkg:pypi/anthropic"]
    assert set(components(doc)) | set(services) == deps["root"] | {"pkg:npm/%40modelcontextprotocol/server-github"}


def test_mcp_servers_are_services_with_names_never_values(findings: list[Finding]) -> None:
    services = {s["bom-ref"]: s for s in as_json(findings)["services"]}
    github = services["mcp:.mcp.json#github"]
    assert "endpoints" not in github
    assert props(github) == sorted(
        [
            ("openaims:kind", "mcp-server"),
            ("openaims:mcp:client", "claude"),
            ("openaims:mcp:command", "npx"),
            ("openaims:mcp:config", ".mcp.json:3"),
            ("openaims:mcp:env", "GITHUB_PERSONAL_ACCESS_TOKEN"),
            ("openaims:mcp:package", "@modelcontextprotocol/server-github"),
            ("openaims:mcp:transport", "stdio"),
            ("openaims:provider", "github"),
        ]
    )
    remote = services["mcp:.vscode/mcp.json#northwind-docs"]
    assert remote["endpoints"] == ["https://mcp.northwind.example/mcp"]
    assert remote["x-trust-boundary"] is True
    assert ("openaims:mcp:header", "Authorization") in props(remote)


def test_secrets_are_counted_never_listed(findings: list[Finding]) -> None:
    doc = as_json(findings)
    assert ("openaims:secret-findings", "1") in props(doc["metadata"])
    assert not [c for c in doc["components"] if "secret" in c["bom-ref"]]


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_secret_or_env_value_in_any_output(version: str, fmt: str) -> None:
    findings = sample_findings()
    mcp_with_values = Finding(
        kind=FindingKind.MCP_SERVER,
        name="slack",
        path=".cursor/mcp.json",
        line=4,
        detector="mcp.config",
        details={"transport": "stdio", "command": "npx", "env": ["SLACK_BOT_TOKEN"], "client": "cursor"},
    )
    text = render([*findings, mcp_with_values], version, fmt)
    for value in (OPENAI_KEY, REDACTED, FINGERPRINT, GITHUB_TOKEN_VALUE, OPENAI_KEY[:12], OPENAI_KEY[-8:]):
        assert value not in text
    assert "SLACK_BOT_TOKEN" in text  # the name is listed, so readers know what the server needs


def test_metadata_names_the_tool_and_the_scanned_root(findings: list[Finding]) -> None:
    doc = as_json(findings)
    assert doc["serialNumber"] == f"urn:uuid:{SERIAL}"
    assert doc["metadata"]["timestamp"] == "2026-01-15T09:30:00+00:00"
    assert doc["metadata"]["component"] == {
        "bom-ref": "root",
        "name": "northwind-lending",
        "type": "application",
    }
    [tool] = doc["metadata"]["tools"]["components"]
    assert tool["name"] == "openaims"


def test_model_cards_are_in_schema_order_in_xml(findings: list[Finding]) -> None:
    root = ElementTree.fromstring(render(findings, "1.7", "xml"))
    ns = CDX % "1.7"
    cards = {
        c.get("bom-ref"): [child.tag.removeprefix(ns) for child in c]
        for c in root.iter(f"{ns}component")
        if c.find(f"{ns}modelCard") is not None
    }
    assert set(cards) == {
        "model:openai/gpt-4o",
        "model:anthropic/claude-sonnet-4-5",
        "model:huggingface/sentence-transformers/all-MiniLM-L6-v2",
        "model-file:services/credit-scoring/models/legacy.pkl",
        "model-file:services/credit-scoring/models/scorer.safetensors",
    }
    for children in cards.values():
        assert children[-2:] == ["evidence", "modelCard"]


def test_validation_is_real_a_broken_model_card_is_rejected(findings: list[Finding]) -> None:
    doc = as_json(findings)
    doc["components"][0]["modelCard"] = {"modelParameters": {"task": 42}}
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None


@pytest.mark.parametrize(("version", "fmt"), [("1.5", "json"), ("1.6", "yaml"), ("2.0", "xml")])
def test_unsupported_version_or_format_is_a_clear_error(version: str, fmt: str) -> None:
    with pytest.raises(BomError, match="not supported"):
        render([], version, fmt)


def test_fast_json_validation_agrees_with_the_library(findings: list[Finding]) -> None:
    from openaims.bom.cyclonedx import _json_validator

    for version, schema in VERSIONS.items():
        fast = _json_validator(schema)
        good = render(findings, version)
        assert fast.validate_str(good) is None
        doc = json.loads(good)
        doc["components"].append(doc["components"][0])  # duplicate: uniqueItems
        assert fast.validate_str(json.dumps(doc)) is not None
        assert JsonStrictValidator(schema).validate_str(json.dumps(doc)) is not None
        doc = json.loads(good)
        doc["services"][0]["endpoints"] = ["https://example.com/a b"]  # not an IRI reference
        assert fast.validate_str(json.dumps(doc)) is not None


def test_a_package_seen_in_thousands_of_files_keeps_a_readable_evidence_list() -> None:
    many = [
        Finding(
            kind=FindingKind.IMPORT,
            name="openai",
            path=f"svc/m{i:04d}.py",
            line=1,
            detector="import.python",
            ecosystem="pypi",
            provider="openai",
            details={"package": "pypi:openai"},
        )
        for i in range(250)
    ]
    [component] = as_json(many)["components"]
    assert len(component["evidence"]["occurrences"]) == 100
    assert component["evidence"]["occurrences"][0] == {"location": "svc/m0000.py", "line": 1}
    assert ("openaims:occurrences", "250") in props(component)


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (["main"], "required"),
        (["dev", "main"], "required"),
        (["dev"], "excluded"),
        (["test", "build"], "excluded"),
        (["optional:evals"], "optional"),
        (["peer"], "optional"),
        (["provided"], None),
        ([], None),
    ],
)
def test_component_scope_from_manifest_sections(scopes: list[str], expected: str | None) -> None:
    findings = [
        Finding(
            kind=FindingKind.DEPENDENCY,
            name="openai",
            path=f"m{i}/pyproject.toml",
            line=1,
            detector="dependency",
            ecosystem="pypi",
            version="1.0.0",
            details={"scope": scope},
        )
        for i, scope in enumerate(scopes or [None])
    ]
    [component] = as_json(findings)["components"]
    assert component.get("scope") == expected
