"""Package URLs of each ecosystem, and the grouping of findings into packages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL

from openaims.bom.inventory import build_inventory, exact_version
from openaims.bom.purl import ECOSYSTEMS, github_action_purl, huggingface_purl, package_purl
from openaims.discovery.interface import Finding, FindingKind


@pytest.mark.parametrize(
    ("ecosystem", "name", "version", "expected"),
    [
        ("pypi", "openai", "1.54.3", "pkg:pypi/openai@1.54.3"),
        ("pypi", "Langchain_Community", "0.3.5", "pkg:pypi/langchain-community@0.3.5"),
        ("pypi", "zope.interface", None, "pkg:pypi/zope-interface"),
        ("npm", "ai", "4.0.10", "pkg:npm/ai@4.0.10"),
        ("npm", "@ai-sdk/openai", "1.0.5", "pkg:npm/%40ai-sdk/openai@1.0.5"),
        ("npm", "@anthropic-ai/sdk", None, "pkg:npm/%40anthropic-ai/sdk"),
        (
            "maven",
            "dev.langchain4j:langchain4j-open-ai",
            "0.36.2",
            "pkg:maven/dev.langchain4j/langchain4j-open-ai@0.36.2",
        ),
        (
            "maven",
            "com.azure:azure-ai-openai",
            "1.0.0-beta.12",
            "pkg:maven/com.azure/azure-ai-openai@1.0.0-beta.12",
        ),
        (
            "golang",
            "github.com/sashabaranov/go-openai",
            "v1.32.0",
            "pkg:golang/github.com/sashabaranov/go-openai@v1.32.0",
        ),
        ("golang", "github.com/tmc/langchaingo", None, "pkg:golang/github.com/tmc/langchaingo"),
        ("nuget", "azure.ai.openai", "2.1.0-beta.2", "pkg:nuget/azure.ai.openai@2.1.0-beta.2"),
        ("cargo", "async-openai", "0.26.0", "pkg:cargo/async-openai@0.26.0"),
        ("gem", "ruby-openai", "7.3.1", "pkg:gem/ruby-openai@7.3.1"),
    ],
)
def test_package_purl_per_ecosystem(ecosystem: str, name: str, version: str | None, expected: str) -> None:
    purl = package_purl(ecosystem, name, version)
    assert purl is not None
    assert purl.to_string() == expected
    assert PackageURL.from_string(expected) == purl


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [("maven", "no-group"), ("npm", "@scope-only"), ("pypi", "   "), ("conda", "numpy"), ("npm", "")],
)
def test_names_that_cannot_be_a_purl(ecosystem: str, name: str) -> None:
    assert package_purl(ecosystem, name) is None


def test_huggingface_and_github_action_purls() -> None:
    hf = huggingface_purl("sentence-transformers/all-MiniLM-L6-v2")
    assert hf is not None
    assert hf.to_string() == "pkg:huggingface/sentence-transformers/all-MiniLM-L6-v2"
    bare = huggingface_purl("gpt2")
    assert bare is not None
    assert bare.to_string() == "pkg:huggingface/gpt2"
    action = github_action_purl("anthropics/claude-code-action@v1")
    assert action is not None
    assert action.to_string() == "pkg:github/anthropics/claude-code-action@v1"
    nested = github_action_purl("github/codeql-action/analyze@v3")
    assert nested is not None
    assert nested.to_string() == "pkg:github/github/codeql-action@v3#analyze"
    assert github_action_purl("docker://alpine") is None


@given(
    ecosystem=st.sampled_from(sorted(ECOSYSTEMS)),
    name=st.text(max_size=80),
    version=st.none() | st.text(max_size=20),
)
def test_any_name_gives_a_purl_that_reads_back_or_none(ecosystem: str, name: str, version: str | None) -> None:
    purl = package_purl(ecosystem, name, version)
    if purl is not None:
        text = purl.to_string()
        assert PackageURL.from_string(text).to_string() == text
        assert PackageURL.from_string(text).type == ecosystem


@given(value=st.text(max_size=80))
def test_hub_ids_and_action_refs_never_raise(value: str) -> None:
    for purl in (huggingface_purl(value), github_action_purl(value)):
        if purl is not None:
            assert PackageURL.from_string(purl.to_string()).to_string() == purl.to_string()


@pytest.mark.parametrize(
    ("version", "exact"),
    [
        ("1.54.3", "1.54.3"),
        ("==0.3.15", "0.3.15"),
        ("v1.32.0", "v1.32.0"),
        ("2.1.0-beta.2", "2.1.0-beta.2"),
        ("1.0.0+local.1", "1.0.0+local.1"),
        (">=1.40,<2", None),
        ("^1.0.2", None),
        ("~> 7.3", None),
        ("[1.0,2.0)", None),
        ("1.*", None),
        ("latest", None),
        ("", None),
        (None, None),
    ],
)
def test_exact_versions(version: str | None, exact: str | None) -> None:
    assert exact_version(version) == exact


def _dep(path: str, version: str | None, name: str = "openai") -> Finding:
    return Finding(
        kind=FindingKind.DEPENDENCY,
        name=name,
        path=path,
        line=1,
        detector="dependency",
        ecosystem="pypi",
        version=version,
        provider="openai",
        category="llm-api",
        direct=True,
    )


def test_ranges_attach_to_the_nearest_resolved_version() -> None:
    inventory = build_inventory(
        [
            _dep("svc/a/pyproject.toml", ">=1.40"),
            _dep("svc/a/uv.lock", "1.54.3"),
            _dep("svc/b/requirements.txt", "==1.30.0"),
            _dep("svc/b/requirements-dev.txt", "<2"),
        ]
    )
    packages = {(p.version, p.constraints, p.manifests) for p in inventory.packages}
    assert packages == {
        ("1.30.0", ("<2",), ("svc/b/requirements-dev.txt", "svc/b/requirements.txt")),
        ("1.54.3", (">=1.40",), ("svc/a/pyproject.toml", "svc/a/uv.lock")),
    }


def test_a_range_without_resolution_is_one_unversioned_package() -> None:
    inventory = build_inventory([_dep("a/pyproject.toml", ">=1"), _dep("b/pyproject.toml", "<2")])
    [package] = inventory.packages
    assert package.version is None
    assert package.constraints == ("<2", ">=1")
    assert package.ref == "pkg:pypi/openai"


def test_imports_match_dependencies_by_canonical_name() -> None:
    imported = Finding(
        kind=FindingKind.IMPORT,
        name="Azure.AI.OpenAI",
        path="tools/Program.cs",
        line=1,
        detector="import.csharp",
        ecosystem="nuget",
        provider="azure-openai",
        details={"package": "nuget:Azure.AI.OpenAI"},
    )
    declared = Finding(
        kind=FindingKind.DEPENDENCY,
        name="azure.ai.openai",
        path="tools/Tool.csproj",
        line=9,
        detector="dependency.nuget",
        ecosystem="nuget",
        version="2.1.0",
        provider="azure-openai",
    )
    [package] = build_inventory([imported, declared]).packages
    assert package.source == "dependency"
    assert [o.path for o in package.occurrences] == ["tools/Program.cs", "tools/Tool.csproj"]


def _pkg(name: str, provider: str, category: str) -> Finding:
    return Finding(
        kind=FindingKind.DEPENDENCY,
        name=name,
        path="pyproject.toml",
        line=3,
        detector="dependency",
        ecosystem="pypi",
        version="1.0.0",
        provider=provider,
        category=category,
    )


@pytest.mark.parametrize(
    ("finding", "services"),
    [
        (_pkg("openai", "openai", "llm-api"), {"openai"}),
        (_pkg("langchain-openai", "openai", "agent-framework"), {"openai"}),
        (_pkg("langchain-core", "langchain", "agent-framework"), set()),
        (_pkg("langsmith", "langchain", "mlops"), {"langchain"}),
        (_pkg("torch", "pytorch", "ml-framework"), set()),
        (_pkg("pinecone", "pinecone", "vector-store"), {"pinecone"}),
        (_pkg("chromadb", "chroma", "vector-store"), set()),  # self-hosted: no service
        (_pkg("mystery", "other", "llm-api"), set()),
    ],
)
def test_which_packages_imply_a_hosted_service(finding: Finding, services: set[str]) -> None:
    assert {p.id for p in build_inventory([finding]).providers} == services


def _ci(name: str, job: str, uses: str | None, secrets: list[str], line: int) -> Finding:
    return Finding(
        kind=FindingKind.AI_WORKFLOW,
        name=name,
        path=".github/workflows/review.yml",
        line=line,
        detector="ai-workflow.ci",
        provider="anthropic",
        details={"ci": "github-actions", "job": job, "uses": uses, "image": None, "secrets": secrets},
    )


def test_a_key_given_to_a_job_with_an_ai_step_is_folded_into_the_step() -> None:
    inventory = build_inventory(
        [
            _ci("anthropics/claude-code-action", "review", "anthropics/claude-code-action@v1", [], 19),
            _ci("AI provider key in job review", "review", None, ["ANTHROPIC_API_KEY"], 21),
            _ci("AI provider key in job evals", "evals", None, ["OPENAI_API_KEY"], 40),
        ]
    )
    assert {(w.display_name, w.secrets) for w in inventory.workflows} == {
        ("anthropics/claude-code-action", ("ANTHROPIC_API_KEY",)),
        ("github-actions job evals", ("OPENAI_API_KEY",)),
    }
