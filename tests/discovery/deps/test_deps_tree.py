"""A monorepo fixture with manifests and lock files of every ecosystem: the
exact set of AI dependencies, and the direct/transitive post-processor."""

from __future__ import annotations

from pathlib import Path

from depkit import load_tree, scan_tree

from openaims.discovery.detectors.dependencies import DirectFromManifest
from openaims.discovery.interface import Finding, FindingKind

TREE = Path(__file__).parent / "fixtures" / "monorepo"

EXPECTED = {
    # (path, line, name, version, direct, scope, detector)
    ("services/api/pyproject.toml", 8, "openai", "^1.30", True, "main", "dependency.pypi.pyproject"),
    (
        "services/api/pyproject.toml",
        9,
        "langchain-openai",
        "0.1.8",
        True,
        "main",
        "dependency.pypi.pyproject",
    ),
    ("services/api/poetry.lock", 9, "langchain-core", "0.2.9", False, "main", "dependency.pypi.poetry-lock"),
    (
        "services/api/poetry.lock",
        16,
        "langchain-openai",
        "0.1.8",
        True,
        "main",
        "dependency.pypi.poetry-lock",
    ),
    ("services/api/poetry.lock", 23, "openai", "1.35.3", True, "main", "dependency.pypi.poetry-lock"),
    ("services/api/poetry.lock", 30, "tiktoken", "0.7.0", False, "main", "dependency.pypi.poetry-lock"),
    (
        "services/api/requirements-dev.txt",
        4,
        "deepeval",
        "0.21.62",
        True,
        "dev",
        "dependency.pypi.requirements",
    ),
    ("shared/requirements-base.txt", 2, "anthropic", "0.30.1", True, "main", "dependency.pypi.requirements"),
    ("web/package.json", 6, "ai", "^3.2.0", True, "main", "dependency.npm.package-json"),
    ("web/package.json", 7, "@ai-sdk/openai", "^0.0.36", True, "main", "dependency.npm.package-json"),
    ("web/package.json", 10, "promptfoo", "0.66.0", True, "dev", "dependency.npm.package-json"),
    ("web/package-lock.json", 17, "@ai-sdk/openai", "0.0.36", True, "main", "dependency.npm.package-lock"),
    ("web/package-lock.json", 20, "@ai-sdk/provider", "0.0.12", False, "main", "dependency.npm.package-lock"),
    ("web/package-lock.json", 23, "ai", "3.2.16", True, "main", "dependency.npm.package-lock"),
    ("web/package-lock.json", 29, "promptfoo", "0.66.0", True, "dev", "dependency.npm.package-lock"),
    ("web/package-lock.json", 33, "openai", "4.52.1", False, "dev", "dependency.npm.package-lock"),
    (
        "tools/indexer/go.mod",
        6,
        "github.com/qdrant/go-client",
        "v1.10.0",
        True,
        "main",
        "dependency.golang.go-mod",
    ),
    (
        "tools/indexer/go.mod",
        7,
        "github.com/sashabaranov/go-openai",
        "v1.26.0",
        True,
        "main",
        "dependency.golang.go-mod",
    ),
    (
        "tools/indexer/go.mod",
        9,
        "github.com/pkoukk/tiktoken-go",
        "v0.1.7",
        False,
        "main",
        "dependency.golang.go-mod",
    ),
    (
        "jvm/build.gradle.kts",
        8,
        "org.springframework.ai:spring-ai-bom",
        "1.0.0",
        True,
        "main",
        "dependency.maven.gradle",
    ),
    (
        "jvm/build.gradle.kts",
        9,
        "org.springframework.ai:spring-ai-starter-model-openai",
        None,
        True,
        "main",
        "dependency.maven.gradle",
    ),
    (
        "jvm/build.gradle.kts",
        10,
        "dev.langchain4j:langchain4j-anthropic",
        "0.35.0",
        True,
        "main",
        "dependency.maven.gradle",
    ),
    (
        "jvm/gradle/libs.versions.toml",
        5,
        "dev.langchain4j:langchain4j-anthropic",
        "0.35.0",
        True,
        "main",
        "dependency.maven.version-catalog",
    ),
    ("jvm/pom.xml", 11, "ai.djl.huggingface:tokenizers", "0.28.0", True, "main", "dependency.maven.pom"),
    ("jvm/pom.xml", 16, "io.milvus:milvus-sdk-java", "2.4.1", True, "main", "dependency.maven.pom"),
    ("rust/Cargo.toml", 8, "fastembed", "3.6", True, "main", "dependency.cargo.cargo-toml"),
    ("rust/Cargo.lock", 17, "fastembed", "3.6.1", True, "main", "dependency.cargo.cargo-lock"),
    ("rust/Cargo.lock", 25, "ort", "2.0.0-rc.2", False, "main", "dependency.cargo.cargo-lock"),
    ("dotnet/Bot.csproj", 3, "microsoft.semantickernel", "1.15.0", True, "main", "dependency.nuget.project"),
    (
        "dotnet/Directory.Packages.props",
        3,
        "microsoft.semantickernel",
        "1.15.0",
        True,
        "managed",
        "dependency.nuget.central-packages",
    ),
    ("ruby/Gemfile", 4, "ruby-openai", "~> 7.0", True, "main", "dependency.gem.gemfile"),
    ("ruby/Gemfile.lock", 5, "ruby-openai", "7.1.0", True, "main", "dependency.gem.gemfile-lock"),
}


def test_monorepo_exact_findings() -> None:
    findings = scan_tree(load_tree(TREE))
    got = {(f.path, f.line, f.name, f.version, f.direct, f.details["scope"], f.detector) for f in findings}
    assert got == EXPECTED
    assert len(findings) == len(EXPECTED)  # no duplicate reached through the include


def test_monorepo_fields_users_rely_on() -> None:
    findings = {(f.path, f.name): f for f in scan_tree(load_tree(TREE))}
    openai_lock = findings[("services/api/poetry.lock", "openai")]
    assert openai_lock.to_dict() == {
        "kind": "dependency",
        "name": "openai",
        "path": "services/api/poetry.lock",
        "line": 23,
        "ecosystem": "pypi",
        "version": "1.35.3",
        "provider": "openai",
        "category": "llm-api",
        "format": "poetry.lock",
        "direct": True,
        "detector": "dependency.pypi.poetry-lock",
        "details": {
            "manifest": "poetry.lock",
            "scope": "main",
            "declared": None,
            "resolved": "1.35.3",
            "declared_in": "services/api/pyproject.toml",
        },
    }
    anthropic = findings[("shared/requirements-base.txt", "anthropic")]
    assert anthropic.details["extras"] == ["vertex"]
    assert anthropic.details["marker"] == 'python_version >= "3.9"'
    assert findings[("dotnet/Bot.csproj", "microsoft.semantickernel")].details["managed"] == "true"
    assert {f.ecosystem for f in findings.values()} == {
        "pypi",
        "npm",
        "golang",
        "maven",
        "cargo",
        "nuget",
        "gem",
    }


def _dep(path: str, name: str, detector: str, *, direct: bool, ecosystem: str = "pypi") -> Finding:
    return Finding(
        kind=FindingKind.DEPENDENCY,
        name=name,
        path=path,
        line=1,
        detector=detector,
        ecosystem=ecosystem,
        direct=direct,
        details={"scope": "main"},
    )


def test_post_processor_marks_locked_entries_declared_beside_them() -> None:
    lock, manifest = "dependency.pypi.uv-lock", "dependency.pypi.pyproject"
    findings = [
        _dep("a/uv.lock", "openai", lock, direct=False),
        _dep("a/uv.lock", "tiktoken", lock, direct=False),
        _dep("a/pyproject.toml", "openai", manifest, direct=True),
        _dep("b/uv.lock", "anthropic", lock, direct=False),
        _dep("anthropic/pyproject.toml", "anthropic", manifest, direct=True),
        _dep("a/b/uv.lock", "openai", lock, direct=False),
        _dep("a/package-lock.json", "openai", "dependency.npm.package-lock", direct=False, ecosystem="npm"),
        Finding(kind=FindingKind.IMPORT, name="openai", path="a/app.py", line=3, detector="import.python"),
    ]
    out = list(DirectFromManifest().process(findings))
    assert [(f.path, f.name, f.direct) for f in out] == [
        ("a/uv.lock", "openai", True),
        ("a/uv.lock", "tiktoken", False),
        ("a/pyproject.toml", "openai", True),
        ("b/uv.lock", "anthropic", False),
        ("anthropic/pyproject.toml", "anthropic", True),
        ("a/b/uv.lock", "openai", False),
        ("a/package-lock.json", "openai", False),
        ("a/app.py", "openai", None),
    ]
    assert out[0].details == {"scope": "main", "declared_in": "a/pyproject.toml"}
    assert findings[0].direct is False  # inputs are not mutated


def test_post_processor_keeps_direct_lock_entries_and_empty_input() -> None:
    lock = _dep("Cargo.lock", "ort", "dependency.cargo.cargo-lock", direct=True, ecosystem="cargo")
    assert list(DirectFromManifest().process([lock])) == [lock]
    assert list(DirectFromManifest().process([])) == []


def test_scan_engine_reports_the_same_set() -> None:
    from openaims.discovery.interface import ScanOptions
    from openaims.discovery.scanner import Scanner

    result = Scanner(ScanOptions(root=TREE), jobs=1).scan()
    got = {
        (f.path, f.line, f.name, f.version, f.direct, f.details["scope"], f.detector)
        for f in result.findings
        if f.kind is FindingKind.DEPENDENCY
    }
    assert got == EXPECTED
    assert result.stats.error_count == 0
