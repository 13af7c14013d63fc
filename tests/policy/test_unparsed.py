"""Fail closed: ``aims check`` fails on a changed manifest it cannot read fully.

With the real scanner and real git history: a change that adds a prohibited
dependency to a pom.xml that carries a ``<!DOCTYPE>`` (which the XML reader refuses,
so the dependency cannot be seen) fails the check with the reason, in every report
format; ``--allow-unparsed`` turns it into a warning; an unreadable manifest the
change does not touch does not fail a diff check; an exception for its path covers it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_testkit import commit

from openaims.cli.main import main

POLICY = """\
version: 1
packages:
  prohibited: ["maven:dev.langchain4j:*", "npm:openai"]
"""

POM = """<?xml version="1.0"?>
{doctype}<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>acme</groupId><artifactId>app</artifactId><version>1</version>
  <dependencies>
{deps}  </dependencies>
</project>
"""
LANGCHAIN4J = (
    "    <dependency><groupId>dev.langchain4j</groupId><artifactId>langchain4j-open-ai</artifactId>"
    "<version>1.0.0</version></dependency>\n"
)
JUNIT = "    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version></dependency>\n"


def pom(*, doctype: bool, deps: str) -> str:
    return POM.format(doctype="<!DOCTYPE project>\n" if doctype else "", deps=deps)


def aims(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0), out.out + out.err


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIMS_POLICY", "AIMS_CHECK_FORMAT", "AIMS_CHECK_OUTPUT", "AIMS_DIFF_BASE", "AIMS_ALLOW_UNPARSED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "300")


@pytest.fixture
def hidden_change(repo: Path) -> Path:
    """Base: a plain pom.xml. Change: a <!DOCTYPE> and a prohibited dependency."""
    commit(repo, "base", {"aims-policy.yaml": POLICY, "pom.xml": pom(doctype=False, deps=JUNIT)})
    commit(repo, "hide", {"pom.xml": pom(doctype=True, deps=JUNIT + LANGCHAIN4J)})
    return repo


def test_without_the_doctype_the_prohibited_dependency_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: the same change without the <!DOCTYPE> fails on the dependency itself."""
    commit(repo, "base", {"aims-policy.yaml": POLICY, "pom.xml": pom(doctype=False, deps=JUNIT)})
    commit(repo, "add", {"pom.xml": pom(doctype=False, deps=JUNIT + LANGCHAIN4J)})
    code, out = aims(capsys, "check", str(repo), "--diff-base", "HEAD~1", "--format", "json")
    assert code == 1, out
    assert [v["rule"] for v in json.loads(out)["violations"]] == ["package.prohibited"]


def test_doctype_that_hides_a_prohibited_dependency_fails_the_check(
    hidden_change: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = aims(capsys, "check", str(hidden_change), "--diff-base", "HEAD~1")
    assert code == 1, out
    flat = " ".join(out.replace("│", " ").split())  # the table may wrap the message
    assert "manifest.unparsed" in flat
    assert "pom.xml could not be read fully" in flat
    assert "document type declaration" in flat
    assert "FAIL" in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_every_report_format_carries_the_failure_and_its_reason(
    hidden_change: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out = aims(capsys, "check", str(hidden_change), "--diff-base", "HEAD~1", "--format", fmt)
    assert code == 1, out
    assert "manifest.unparsed" in out
    assert "document type declaration" in out


def test_allow_unparsed_reports_without_failing(hidden_change: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = aims(capsys, "check", str(hidden_change), "--diff-base", "HEAD~1", "--allow-unparsed", "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert [(v["rule"], v["status"], v["path"]) for v in report["violations"]] == [
        ("manifest.unparsed", "warning", "pom.xml")
    ]


def test_allow_unparsed_from_the_environment(
    hidden_change: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMS_ALLOW_UNPARSED", "1")
    code, out = aims(capsys, "check", str(hidden_change), "--diff-base", "HEAD~1")
    assert code == 0, out
    assert "--allow-unparsed reports them without failing" in out


def test_staged_change_fails_too(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from policy_testkit import git

    commit(repo, "base", {"aims-policy.yaml": POLICY, "pom.xml": pom(doctype=False, deps=JUNIT)})
    (repo / "pom.xml").write_text(pom(doctype=True, deps=JUNIT + LANGCHAIN4J))
    git(repo, "add", "pom.xml")
    code, out = aims(capsys, "check", str(repo), "--staged")
    assert code == 1, out
    assert "manifest.unparsed" in out


def test_untouched_unreadable_manifest_does_not_fail_a_diff_check(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "legacy/pom.xml": pom(doctype=True, deps=JUNIT)})
    commit(repo, "docs", {"README.md": "# App\n"})
    code, out = aims(capsys, "check", str(repo), "--diff-base", "HEAD~1")
    assert code == 0, out
    # The whole-tree check judges every file, so it fails on it.
    code, out = aims(capsys, "check", str(repo))
    assert code == 1, out
    assert "legacy/pom.xml" in out


def test_an_exception_for_the_path_covers_it(hidden_change: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(
        hidden_change,
        "except",
        {
            "aims-policy.yaml": POLICY
            + "exceptions:\n  - match: 'manifest:pom.xml'\n    owner: build@example.com\n"
            "    reason: 'Generated POM with a DOCTYPE, reviewed by hand'\n    expires: 2099-01-01\n"
        },
    )
    code, out = aims(capsys, "check", str(hidden_change), "--diff-base", "HEAD~2", "--format", "json")
    assert code == 0, out
    assert [(v["rule"], v["status"]) for v in json.loads(out)["violations"]] == [("manifest.unparsed", "excepted")]
