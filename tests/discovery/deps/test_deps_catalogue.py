"""The AI package catalogue (catalog/packages.yaml): integrity, validation and lookups."""

from __future__ import annotations

import re
from typing import Any

import pytest

from openaims.discovery import catalog
from openaims.discovery.detectors.dependencies import (
    ECOSYSTEMS,
    CatalogueError,
    build_catalogue,
    lookup,
    packages,
)


def test_catalogue_loads_and_is_substantial() -> None:
    entries = list(packages().entries())
    assert len(entries) >= 300
    per_ecosystem = {eco: sum(1 for e in entries if e.ecosystem == eco) for eco in ECOSYSTEMS}
    assert all(count >= 30 for count in per_ecosystem.values()), per_ecosystem


def test_every_provider_and_category_is_known() -> None:
    for entry in packages().entries():
        assert entry.provider in catalog.provider_ids(), entry
        assert entry.category in catalog.category_ids(), entry


def test_prefix_entries_end_at_a_name_boundary() -> None:
    for entry in packages().entries():
        if entry.prefix:
            assert entry.name[-1] in "-/:.", entry


def test_pypi_import_names_are_module_paths() -> None:
    module = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
    for entry in packages().entries():
        for name in entry.imports:
            assert module.match(name), (entry.name, name)
    assert lookup("pypi", "scikit-learn") is not None
    assert lookup("pypi", "scikit-learn").imports == ("sklearn",)  # type: ignore[union-attr]


LANGUAGE_ECOSYSTEM = {
    "python": "pypi",
    "javascript": "npm",
    "go": "golang",
    "java": "maven",
    "csharp": "nuget",
    "rust": "cargo",
    "ruby": "gem",
}


def test_every_package_the_import_catalogue_names_is_an_ai_package() -> None:
    imports = catalog.load("imports")
    missing: list[str] = []
    for language, ecosystem in LANGUAGE_ECOSYSTEM.items():
        for _module, (provider, _category, package) in imports.get(language, {}).items():
            if package == "*":
                continue
            entry = lookup(ecosystem, package)
            if entry is None or entry.provider != provider:
                missing.append(f"{ecosystem}:{package}")
    assert missing == []


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("pypi", "openai", ("openai", "llm-api")),
        ("pypi", "Anthropic", ("anthropic", "llm-api")),
        ("pypi", "google_genai", ("google", "llm-api")),
        ("pypi", "langchain-aws", ("aws-bedrock", "agent-framework")),
        ("pypi", "langchain-some-new-integration", ("langchain", "agent-framework")),
        ("pypi", "llama-index-vector-stores-qdrant", ("llamaindex", "agent-framework")),
        ("pypi", "pyautogen", ("microsoft", "agent-framework")),
        ("pypi", "litellm", ("other", "ai-gateway")),
        ("pypi", "faiss-cpu", ("other", "vector-store")),
        ("pypi", "tensorflow-hub", ("tensorflow", "model-hub")),
        ("pypi", "tensorflow-io", ("tensorflow", "ml-framework")),
        ("npm", "@anthropic-ai/sdk", ("anthropic", "llm-api")),
        ("npm", "@anthropic-ai/claude-agent-sdk", ("anthropic", "agent-framework")),
        ("npm", "@ai-sdk/anthropic", ("anthropic", "llm-api")),
        ("npm", "@ai-sdk/react", ("vercel", "llm-api")),
        ("npm", "@langchain/community", ("langchain", "agent-framework")),
        ("npm", "@modelcontextprotocol/server-filesystem", ("other", "agent-framework")),
        ("golang", "github.com/openai/openai-go/v3", ("openai", "llm-api")),
        ("golang", "github.com/weaviate/weaviate-go-client/v4", ("weaviate", "vector-store")),
        ("maven", "dev.langchain4j:langchain4j-anthropic", ("anthropic", "agent-framework")),
        ("maven", "dev.langchain4j:langchain4j-pgvector", ("other", "agent-framework")),
        ("maven", "org.springframework.ai:spring-ai-pgvector-store", ("other", "agent-framework")),
        ("maven", "com.openai:openai-java-core", ("openai", "llm-api")),
        ("cargo", "async-openai", ("openai", "llm-api")),
        ("cargo", "candle_transformers", ("huggingface", "ml-framework")),
        ("cargo", "burn-ndarray", ("other", "ml-framework")),
        ("nuget", "Azure.AI.OpenAI", ("azure-openai", "llm-api")),
        ("nuget", "Microsoft.SemanticKernel.Connectors.OpenAI", ("microsoft", "agent-framework")),
        ("nuget", "Microsoft.ML.OnnxRuntime.DirectML", ("onnx", "ml-framework")),
        ("gem", "ruby-openai", ("openai", "llm-api")),
        ("gem", "omniai-anthropic", ("other", "llm-api")),
        ("pypi", "requests", None),
        ("pypi", "numpy", None),
        ("pypi", "boto3", None),
        ("pypi", "langchainx", None),
        ("pypi", "openai-python-helpers", None),
        ("npm", "react", None),
        ("npm", "openai-edge-helpers", None),
        ("npm", "@types/node", None),
        ("golang", "github.com/gin-gonic/gin", None),
        ("golang", "github.com/aws/aws-sdk-go-v2/service/s3", None),
        ("maven", "org.slf4j:slf4j-api", None),
        ("maven", "com.openaiextras:foo", None),
        ("cargo", "serde", None),
        ("cargo", "burnt", None),
        ("nuget", "Newtonsoft.Json", None),
        ("nuget", "Microsoft.Extensions.Logging", None),
        ("gem", "rails", None),
    ],
)
def test_lookup(ecosystem: str, name: str, expected: tuple[str, str] | None) -> None:
    entry = lookup(ecosystem, name)
    assert (None if entry is None else (entry.provider, entry.category)) == expected


def _entry(**kw: Any) -> dict[str, Any]:
    return {"name": "x-sdk", "provider": "openai", "category": "llm-api", **kw}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pypi": [_entry(provider="no-such-provider")]}, "unknown provider 'no-such-provider'"),
        ({"pypi": [_entry(category="no-such-category")]}, "unknown category 'no-such-category'"),
        ({"conda": [_entry()]}, "unknown ecosystem 'conda'"),
        ({"pypi": [_entry(), _entry()]}, "duplicate entry"),
        ({"pypi": [_entry(), _entry(name="X_SDK")]}, "not a PEP 503 normalised name"),
        ({"pypi": [_entry(match="regex")]}, "match must be one of"),
        ({"maven": [_entry(name="com.example")]}, "maven names are group:artifact"),
        ({"npm": [_entry(imports=["x"])]}, "imports are only recorded for pypi"),
        ({"pypi": [_entry(colour="red")]}, "unknown keys ['colour']"),
        ({"pypi": "openai"}, "expected a list of entries"),
    ],
)
def test_validation_rejects(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogueError) as info:
        build_catalogue({"version": 1, **data})
    assert message in str(info.value)


def test_exact_entry_wins_over_prefix_and_longest_prefix_wins() -> None:
    cat = build_catalogue(
        {
            "npm": [
                {"name": "@acme/", "match": "prefix", "provider": "other", "category": "llm-api"},
                {"name": "@acme/vision-", "match": "prefix", "provider": "google", "category": "vision"},
                {"name": "@acme/vision-openai", "provider": "openai", "category": "llm-api"},
            ]
        }
    )
    assert cat.lookup("npm", "@acme/vision-openai").provider == "openai"  # type: ignore[union-attr]
    assert cat.lookup("npm", "@acme/vision-x").provider == "google"  # type: ignore[union-attr]
    assert cat.lookup("npm", "@acme/chat").provider == "other"  # type: ignore[union-attr]
    assert cat.lookup("npm", "@acmex/chat") is None
