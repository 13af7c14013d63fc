"""Property tests: no manifest parser raises, whatever it is given, and what it
returns is well formed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from depkit import MemoryFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaims.discovery.detectors.dependencies import manifest_detectors
from openaims.discovery.interface import UnparsedError
from openaims.discovery.manifests import Declared, cargo, golang, maven, npm, nuget, python, ruby

PARSERS: dict[str, Callable[[str], list[Declared]]] = {
    "requirements": lambda t: python.parse_requirements(t, lambda _p: t),
    "pyproject": python.parse_pyproject,
    "setup.cfg": python.parse_setup_cfg,
    "setup.py": python.parse_setup_py,
    "pylock.toml": python.parse_pylock,
    "Pipfile": python.parse_pipfile,
    "Pipfile.lock": python.parse_pipfile_lock,
    "poetry.lock": python.parse_poetry_lock,
    "uv.lock": python.parse_uv_lock,
    "pdm.lock": python.parse_pdm_lock,
    "package.json": npm.parse_package_json,
    "package-lock.json": npm.parse_package_lock,
    "pnpm-lock.yaml": npm.parse_pnpm_lock,
    "yarn.lock": npm.parse_yarn_lock,
    "bun.lock": npm.parse_bun_lock,
    "go.mod": golang.parse_go_mod,
    "pom.xml": maven.parse_pom,
    "build.gradle": maven.parse_gradle,
    "libs.versions.toml": maven.parse_version_catalog,
    "Cargo.toml": cargo.parse_cargo_toml,
    "Cargo.lock": cargo.parse_cargo_lock,
    "csproj": lambda t: nuget.parse_project(t, lambda _p: t),
    "Directory.Packages.props": nuget.parse_directory_packages,
    "packages.config": nuget.parse_packages_config,
    "packages.lock.json": nuget.parse_packages_lock,
    "Gemfile": ruby.parse_gemfile,
    "Gemfile.lock": ruby.parse_gemfile_lock,
    "gemspec": ruby.parse_gemspec,
}

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _well_formed(result: list[Declared]) -> None:
    assert isinstance(result, list)
    for dep in result:
        assert isinstance(dep, Declared)
        assert isinstance(dep.name, str)
        assert dep.name
        assert isinstance(dep.line, int)
        assert dep.line >= 1
        assert isinstance(dep.direct, bool)
        assert isinstance(dep.scope, str)
        assert dep.declared is None or isinstance(dep.declared, str)
        assert dep.resolved is None or isinstance(dep.resolved, str)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FAST
@given(data=st.binary(max_size=2048))
def test_no_parser_raises_on_bytes(kind: str, data: bytes) -> None:
    _well_formed(PARSERS[kind](data.decode("utf-8", errors="replace")))


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FAST
@given(text=st.text(max_size=1024))
def test_no_parser_raises_on_text(kind: str, text: str) -> None:
    _well_formed(PARSERS[kind](text))


# Manifest-shaped noise reaches deeper than random text: lines built from the
# tokens these formats are made of.
TOKENS = [
    "openai",
    "@langchain/core",
    "torch",
    "[dependencies]",
    "[project]",
    "dependencies = [",
    "]",
    "{",
    "}",
    '"',
    "'",
    "==",
    ">=",
    "~>",
    "^",
    "@",
    "#",
    "//",
    "-r",
    "-c",
    "-e",
    "git+https://x/y.git#egg=z",
    ";",
    "require (",
    ")",
    "=>",
    "// indirect",
    "<dependency>",
    "</dependency>",
    "<groupId>",
    "</groupId>",
    "<artifactId>",
    "</artifactId>",
    "<version>",
    "${v}",
    "implementation",
    "gem",
    "group :dev do",
    "end",
    "specs:",
    "  ",
    "    ",
    "\t",
    ":",
    ",",
    "=",
    "[[package]]",
    'name = "openai"',
    'version = "1.0"',
    "packages:",
    "/openai@4.0.0:",
    "version: 1",
    '<PackageReference Include="OpenAI" />',
    "\\",
    "\n",
    "\n",
]


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FAST
@given(parts=st.lists(st.sampled_from(TOKENS), max_size=80))
def test_no_parser_raises_on_manifest_shaped_noise(kind: str, parts: list[str]) -> None:
    _well_formed(PARSERS[kind](" ".join(parts)))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "",
                    "openai",
                    "node_modules/openai",
                    "version",
                    "dependencies",
                    "packages",
                    "default",
                    "dev",
                    "name",
                    "type",
                    "resolved",
                    "net8.0",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@pytest.mark.parametrize("kind", ["Pipfile.lock", "package.json", "package-lock.json", "packages.lock.json"])
@FAST
@given(value=JSON_VALUES)
def test_json_parsers_accept_any_json(kind: str, value: object) -> None:
    _well_formed(PARSERS[kind](json.dumps(value)))


@FAST
@given(value=JSON_VALUES)
def test_pnpm_parser_accepts_any_yaml(value: object) -> None:
    _well_formed(npm.parse_pnpm_lock(yaml.safe_dump({"importers": value, "packages": value})))


@given(
    name=st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?", fullmatch=True),
    version=st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True),
)
@settings(max_examples=100, deadline=None)
def test_pinned_requirement_round_trip(name: str, version: str) -> None:
    (dep,) = python.parse_requirements(f"{name}=={version}\n")
    assert dep.name == python.canonical(name)
    assert dep.resolved == version
    assert dep.line == 1


@pytest.mark.parametrize("det", manifest_detectors(), ids=lambda d: d.id)
@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=1024))
def test_no_detector_raises_but_to_refuse_a_file(det: object, data: bytes) -> None:
    from openaims.discovery.interface import Detector

    assert isinstance(det, Detector)
    reason = "-"
    try:
        findings = list(det.scan(MemoryFile("sub/file", data, {"sub/file": data.decode("utf-8", "replace")})))
    except UnparsedError as refused:  # fail closed: a file it cannot read is refused with one line of reason
        reason, findings = refused.reason, refused.findings
    assert reason
    assert "\n" not in reason
    assert all(f.kind.value == "dependency" for f in findings)


# Inputs that make naive regular expressions backtrack for minutes (runs of
# whitespace between optional tokens, repeated keywords, property bombs). The
# parsers must get through them like through any other file.
PROPERTY_BOMB = "".join(f"<p{i}>" + f"${{p{i + 1}}}" * 50 + f"</p{i}>" for i in range(12))
PATHOLOGICAL = [
    ("requirements", "openai" + " " * 50_000 + "x\n"),
    ("requirements", "openai " + "[ " * 5_000 + "\n"),
    ("requirements", "a >= " + "1 " * 5_000 + "; x\n"),
    ("requirements", "openai \\\n" * 20_000),
    ("Gemfile", "group " + "do " * 5_000 + "\n"),
    ("Gemfile", 'gem "x", ' + ":a => " * 5_000 + "\n"),
    ("yarn.lock", "a@1:\n  version" + " " * 50_000 + '"x"y\n'),
    ("go.mod", "replace x" + " " * 8_000 + "\n"),
    ("build.gradle", "implementation" + " " * 8_000 + "x\n"),
    ("build.gradle", "implementation(platform(" + " (" * 4_000 + "\n"),
    ("build.gradle", "def x = '" + "a" * 1_000 + "'\nimplementation 'com.openai:openai-java:" + "$x" * 2_000 + "'\n"),
    (
        "pom.xml",
        f"<project><properties>{PROPERTY_BOMB}</properties><dependencies><dependency><groupId>com.openai</groupId>"
        "<artifactId>openai-java</artifactId><version>${p0}</version></dependency></dependencies></project>",
    ),
]


@pytest.mark.parametrize(("kind", "text"), PATHOLOGICAL, ids=[f"{k}-{i}" for i, (k, _) in enumerate(PATHOLOGICAL)])
def test_pathological_inputs_are_bounded(kind: str, text: str) -> None:
    result = PARSERS[kind](text)
    _well_formed(result)
    for dep in result:
        assert len(dep.declared or "") <= 4096


FIXTURES = Path(__file__).parent / "fixtures" / "monorepo"
UV_LOCK_TEXT = """version = 1

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "openai" }, { name = "torch" }]

[[package]]
name = "openai"
version = "1.35.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tokenizers"
version = "0.19.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "torch"
version = "2.3.1"
source = { registry = "https://pypi.org/simple" }
"""
KEEP_CASES: list[tuple[Callable[..., list[Declared]], str]] = [
    (python.parse_poetry_lock, (FIXTURES / "services/api/poetry.lock").read_text()),
    (python.parse_uv_lock, UV_LOCK_TEXT),
    (cargo.parse_cargo_lock, (FIXTURES / "rust/Cargo.lock").read_text()),
    (npm.parse_package_lock, (FIXTURES / "web/package-lock.json").read_text()),
]


@pytest.mark.parametrize(
    ("parse", "text"), KEEP_CASES, ids=["poetry.lock", "uv.lock", "Cargo.lock", "package-lock.json"]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_reading_only_wanted_lock_entries_changes_nothing_else(
    parse: Callable[..., list[Declared]], text: str, data: st.DataObject
) -> None:
    everything = parse(text)
    wanted = data.draw(st.sets(st.sampled_from(sorted({d.name for d in everything}))))
    assert parse(text, wanted.__contains__) == [d for d in everything if d.name in wanted]
