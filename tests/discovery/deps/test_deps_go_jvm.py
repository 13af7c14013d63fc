"""Go (go.mod), Maven (pom.xml) and Gradle (build scripts, version catalogs)."""

from __future__ import annotations

import pytest
from depkit import run, summary, unreadable

GO = "dependency.golang.go-mod"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "require github.com/sashabaranov/go-openai v1.26.0",
            ("github.com/sashabaranov/go-openai", "v1.26.0", True),
        ),
        ("require github.com/openai/openai-go/v2 v2.1.0", ("github.com/openai/openai-go/v2", "v2.1.0", True)),
        (
            "require github.com/tmc/langchaingo v0.1.12 // indirect",
            ("github.com/tmc/langchaingo", "v0.1.12", False),
        ),
        (
            "require github.com/anthropics/anthropic-sdk-go v1.4.0",
            ("github.com/anthropics/anthropic-sdk-go", "v1.4.0", True),
        ),
        ("require google.golang.org/genai v1.10.0", ("google.golang.org/genai", "v1.10.0", True)),
        ("require github.com/gin-gonic/gin v1.10.0", None),
        ("// require github.com/sashabaranov/go-openai v1.26.0", None),
        ("exclude github.com/sashabaranov/go-openai v1.0.0", None),
        ("require github.com/sashabaranov/go-openai-extras v1.0.0", None),
    ],
)
def test_go_mod_require_lines(line: str, expected: tuple[str, str, bool] | None) -> None:
    found = run(GO, "svc/go.mod", f"module example.com/svc\n\n{line}\n")
    if expected is None:
        assert found == []
        return
    (item,) = found
    assert (item.name, item.version, item.direct, item.line) == (*expected, 3)
    assert item.ecosystem == "golang"
    assert item.format == "go.mod"


GO_MOD = """module example.com/agent

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/sashabaranov/go-openai v1.26.0
	github.com/tmc/langchaingo v0.1.12 // indirect
	github.com/aws/aws-sdk-go-v2/service/bedrockruntime v1.9.0
)

require github.com/pinecone-io/go-pinecone v1.0.0

replace github.com/sashabaranov/go-openai => ../forks/go-openai
replace (
	github.com/tmc/langchaingo v0.1.12 => github.com/example/langchaingo v0.1.13-fix
)
"""


def test_go_mod_blocks_and_replace() -> None:
    found = run(GO, "go.mod", GO_MOD)
    assert summary(found) == {
        ("go.mod", 7, "github.com/sashabaranov/go-openai", "v1.26.0", True, "main"),
        ("go.mod", 8, "github.com/tmc/langchaingo", "v0.1.12", False, "main"),
        ("go.mod", 9, "github.com/aws/aws-sdk-go-v2/service/bedrockruntime", "v1.9.0", True, "main"),
        ("go.mod", 12, "github.com/pinecone-io/go-pinecone", "v1.0.0", True, "main"),
    }
    details = {f.name: f.details for f in found}
    assert details["github.com/sashabaranov/go-openai"]["replace"] == "../forks/go-openai"
    assert details["github.com/tmc/langchaingo"]["replace"] == "github.com/example/langchaingo@v0.1.13-fix"
    assert "replace" not in details["github.com/pinecone-io/go-pinecone"]
    assert {f.provider for f in found} == {"openai", "langchain", "aws-bedrock", "pinecone"}


POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>assistant</artifactId>
  <version>1.0.0</version>
  <properties>
    <langchain4j.version>0.35.0</langchain4j.version>
    <openai.version>${openai.major}.2.0</openai.version>
    <openai.major>2</openai.major>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>dev.langchain4j</groupId>
        <artifactId>langchain4j-bom</artifactId>
        <version>${langchain4j.version}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
      <dependency>
        <groupId>com.anthropic</groupId>
        <artifactId>anthropic-java</artifactId>
        <version>1.2.0</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <!--
    <dependency>
      <groupId>com.google.genai</groupId>
      <artifactId>google-genai</artifactId>
    </dependency>
    -->
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.openai</groupId>
      <artifactId>openai-java</artifactId>
      <version>${openai.version}</version>
    </dependency>
    <dependency>
      <groupId>com.anthropic</groupId>
      <artifactId>anthropic-java</artifactId>
    </dependency>
    <dependency>
      <groupId>dev.langchain4j</groupId>
      <artifactId>langchain4j-open-ai</artifactId>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>ai.djl</groupId>
      <artifactId>api</artifactId>
      <version>${undefined.version}</version>
    </dependency>
  </dependencies>
</project>
"""


def test_pom_properties_management_scopes() -> None:
    found = run("dependency.maven.pom", "backend/pom.xml", POM)
    assert summary(found) == {
        ("backend/pom.xml", 14, "dev.langchain4j:langchain4j-bom", "0.35.0", True, "import"),
        ("backend/pom.xml", 39, "com.openai:openai-java", "2.2.0", True, "main"),
        ("backend/pom.xml", 44, "com.anthropic:anthropic-java", "1.2.0", True, "main"),
        ("backend/pom.xml", 48, "dev.langchain4j:langchain4j-open-ai", None, True, "test"),
        ("backend/pom.xml", 53, "ai.djl:api", "${undefined.version}", True, "main"),
    }
    anthropic = next(f for f in found if f.name == "com.anthropic:anthropic-java")
    assert anthropic.details["managed"] == "true"
    assert next(f for f in found if f.name == "ai.djl:api").details["resolved"] is None


@pytest.mark.parametrize(
    "text",
    [
        "<project><dependencies><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>"
        "</dependency></dependencies></project>",
        "<settings><dependency><groupId>com.openai</groupId><artifactId>openai-java</artifactId></dependency></settings>",
    ],
    ids=["non-ai", "not-a-pom"],
)
def test_pom_not_flagged(text: str) -> None:
    assert run("dependency.maven.pom", "pom.xml", text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '<!DOCTYPE project [<!ENTITY x "com.openai">]><project><dependencies><dependency>'
            "<groupId>&x;</groupId><artifactId>openai-java</artifactId></dependency></dependencies></project>",
            "document type declaration",
        ),
        ("<project><dependencies><dependency><groupId>com.openai</groupId>", "line 1"),
    ],
    ids=["entities-refused", "truncated"],
)
def test_unreadable_pom_is_refused_with_its_reason(text: str, reason: str) -> None:
    """Entities are never expanded and a broken POM is not taken for an empty one: the
    detector refuses it, so the scan reports it and a check fails closed."""
    assert reason in unreadable("dependency.maven.pom", "pom.xml", text)


GRADLE = "dependency.maven.gradle"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("implementation 'com.openai:openai-java:2.2.0'", ("com.openai:openai-java", "2.2.0", "main")),
        (
            'implementation("dev.langchain4j:langchain4j-open-ai:0.35.0")',
            ("dev.langchain4j:langchain4j-open-ai", "0.35.0", "main"),
        ),
        (
            'api "org.springframework.ai:spring-ai-openai"',
            ("org.springframework.ai:spring-ai-openai", None, "main"),
        ),
        ("testImplementation 'ai.djl:api:0.28.0'", ("ai.djl:api", "0.28.0", "test")),
        (
            "compileOnly 'com.anthropic:anthropic-java:1.+'",
            ("com.anthropic:anthropic-java", "1.+", "provided"),
        ),
        (
            "runtimeOnly 'com.microsoft.onnxruntime:onnxruntime:1.18.0'",
            ("com.microsoft.onnxruntime:onnxruntime", "1.18.0", "runtime"),
        ),
        (
            "debugImplementation 'org.tensorflow:tensorflow-lite:2.14.0'",
            ("org.tensorflow:tensorflow-lite", "2.14.0", "main"),
        ),
        (
            "implementation platform('org.springframework.ai:spring-ai-bom:1.0.0')",
            ("org.springframework.ai:spring-ai-bom", "1.0.0", "main"),
        ),
        (
            'implementation(platform("dev.langchain4j:langchain4j-bom:0.35.0"))',
            ("dev.langchain4j:langchain4j-bom", "0.35.0", "main"),
        ),
        (
            "implementation group: 'com.google.genai', name: 'google-genai', version: '1.0.0'",
            ("com.google.genai:google-genai", "1.0.0", "main"),
        ),
        (
            'implementation(group = "io.qdrant", name = "client", version = "1.10.0")',
            ("io.qdrant:client", "1.10.0", "main"),
        ),
        ("implementation 'com.google.guava:guava:33.0.0-jre'", None),
        ("// implementation 'com.openai:openai-java:2.2.0'", None),
        ("implementation(libs.openai)", None),
        ("println 'com.openai:openai-java:2.2.0'", None),
    ],
)
def test_gradle_notations(line: str, expected: tuple[str, str | None, str] | None) -> None:
    found = run(GRADLE, "app/build.gradle", f"dependencies {{\n    {line}\n}}\n")
    if expected is None:
        assert found == []
        return
    (item,) = found
    assert (item.name, item.version, item.details["scope"]) == expected
    assert item.line == 2
    assert item.format == "build.gradle"


def test_gradle_kts_variables() -> None:
    text = 'val lc4j = "0.35.0"\nval springAi: String = "1.0.0"\n\ndependencies {\n    implementation("dev.langchain4j:langchain4j:$lc4j")\n    implementation("org.springframework.ai:spring-ai-ollama:${springAi}")\n    implementation("dev.langchain4j:langchain4j-ollama:$unknownVersion")\n}\n'
    found = run(GRADLE, "build.gradle.kts", text)
    assert summary(found) == {
        ("build.gradle.kts", 5, "dev.langchain4j:langchain4j", "0.35.0", True, "main"),
        ("build.gradle.kts", 6, "org.springframework.ai:spring-ai-ollama", "1.0.0", True, "main"),
        ("build.gradle.kts", 7, "dev.langchain4j:langchain4j-ollama", "$unknownVersion", True, "main"),
    }
    assert {f.format for f in found} == {"build.gradle.kts"}
    assert next(f for f in found if f.line == 6).provider == "ollama"


CATALOG = """[versions]
lc4j = "0.35.0"
djl = { strictly = "0.28.0" }

[libraries]
lc4j-openai = { module = "dev.langchain4j:langchain4j-open-ai", version.ref = "lc4j" }
openai = "com.openai:openai-java:2.2.0"
djl-api = { group = "ai.djl", name = "api", version.ref = "djl" }
guava = "com.google.guava:guava:33.0.0-jre"
anthropic = { module = "com.anthropic:anthropic-java" }

[plugins]
openai-plugin = { id = "com.openai.gradle", version = "1.0" }
"""


def test_version_catalog() -> None:
    found = run("dependency.maven.version-catalog", "gradle/libs.versions.toml", CATALOG)
    assert summary(found) == {
        ("gradle/libs.versions.toml", 6, "dev.langchain4j:langchain4j-open-ai", "0.35.0", True, "main"),
        ("gradle/libs.versions.toml", 7, "com.openai:openai-java", "2.2.0", True, "main"),
        ("gradle/libs.versions.toml", 8, "ai.djl:api", "0.28.0", True, "main"),
        ("gradle/libs.versions.toml", 10, "com.anthropic:anthropic-java", None, True, "main"),
    }
    assert next(f for f in found if f.line == 6).details["alias"] == "lc4j-openai"


def test_gradle_catalog_references_resolve_from_the_nearest_catalog() -> None:
    catalog = """[versions]
lc4j = "0.35.0"

[libraries]
lc4j-openai = { module = "dev.langchain4j:langchain4j-open-ai", version.ref = "lc4j" }
lc4j_core = { module = "dev.langchain4j:langchain4j", version.ref = "lc4j" }
openai-java = "com.openai:openai-java:2.2.0"
guava = "com.google.guava:guava:33.0.0-jre"

[bundles]
langchain = ["lc4j-openai", "lc4j_core", "guava"]
"""
    build = """dependencies {
    implementation(libs.openai.java)
    implementation libs.bundles.langchain
    testImplementation(libs.guava)
    implementation(libs.versions.lc4j)
    implementation(libs.missing.alias)
}
"""
    tree = {"gradle/libs.versions.toml": catalog, "services/app/build.gradle": build}
    found = run(GRADLE, "services/app/build.gradle", build, tree)
    assert summary(found) == {
        ("services/app/build.gradle", 2, "com.openai:openai-java", "2.2.0", True, "main"),
        ("services/app/build.gradle", 3, "dev.langchain4j:langchain4j-open-ai", "0.35.0", True, "main"),
        ("services/app/build.gradle", 3, "dev.langchain4j:langchain4j", "0.35.0", True, "main"),
    }
    assert {f.details["catalog_alias"] for f in found} == {"openai-java", "lc4j-openai", "lc4j_core"}


PARENT_POM = """<project>
  <groupId>com.example</groupId>
  <artifactId>platform</artifactId>
  <version>1.0.0</version>
  <packaging>pom</packaging>
  <properties>
    <openai.version>2.2.0</openai.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.openai</groupId>
        <artifactId>openai-java</artifactId>
        <version>${openai.version}</version>
      </dependency>
      <dependency>
        <groupId>dev.langchain4j</groupId>
        <artifactId>langchain4j-bom</artifactId>
        <version>0.35.0</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>
"""

CHILD_POM = """<project>
  <parent>
    <groupId>com.example</groupId>
    <artifactId>platform</artifactId>
    <version>1.0.0</version>
  </parent>
  <artifactId>assistant</artifactId>
  <dependencies>
    <dependency>
      <groupId>com.openai</groupId>
      <artifactId>openai-java</artifactId>
    </dependency>
    <dependency>
      <groupId>dev.langchain4j</groupId>
      <artifactId>langchain4j-ollama</artifactId>
    </dependency>
    <dependency>
      <groupId>com.anthropic</groupId>
      <artifactId>anthropic-java</artifactId>
    </dependency>
  </dependencies>
</project>
"""


def test_pom_inherits_versions_from_the_local_parent() -> None:
    tree = {"pom.xml": PARENT_POM, "assistant/pom.xml": CHILD_POM}
    found = {f.name: f for f in run("dependency.maven.pom", "assistant/pom.xml", CHILD_POM, tree)}
    assert {(n, f.version, f.line) for n, f in found.items()} == {
        ("com.openai:openai-java", "2.2.0", 9),
        ("dev.langchain4j:langchain4j-ollama", None, 13),
        ("com.anthropic:anthropic-java", None, 17),
    }
    assert found["com.openai:openai-java"].details["managed"] == "parent"
    assert found["dev.langchain4j:langchain4j-ollama"].details["bom"] == "dev.langchain4j:langchain4j-bom:0.35.0"
    assert "bom" not in found["com.anthropic:anthropic-java"].details


def test_pom_parent_with_another_artifact_is_not_used() -> None:
    other = PARENT_POM.replace("<artifactId>platform</artifactId>", "<artifactId>unrelated</artifactId>")
    tree = {"pom.xml": other, "assistant/pom.xml": CHILD_POM}
    found = run("dependency.maven.pom", "assistant/pom.xml", CHILD_POM, tree)
    assert {(f.name, f.version) for f in found} == {
        ("com.openai:openai-java", None),
        ("dev.langchain4j:langchain4j-ollama", None),
        ("com.anthropic:anthropic-java", None),
    }
