"""Diff mode across real git commits: introduced vs existing vs moved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from policy_testkit import commit, frozen, git, toy_source

from openaims.errors import NotFoundError, UsageError
from openaims.policy import diff
from openaims.policy.outputs import OutputFormat, render
from openaims.policy.service import CheckReport, CheckRequest, run_check

POLICY = "version: 1\npackages:\n  prohibited: ['pypi:ollama', 'pypi:torch', 'pypi:cohere']\n"


def check(root: Path, base: str = "HEAD~1") -> CheckReport:
    return run_check(
        CheckRequest(root=root, diff_base=base, clock=frozen(date(2026, 11, 23)), source=toy_source)
    )


def statuses(report: CheckReport) -> set[tuple[str, str, int | None, str]]:
    return {(v.path, v.subject, v.line, v.status.value) for v in report.evaluation.violations}


def test_introduced_existing_and_moved(repo: Path) -> None:
    commit(
        repo,
        "base",
        {"aims-policy.yaml": POLICY, "svc/deps.txt": "openai\nollama\n", "other/deps.txt": "torch\n"},
    )
    # Move ollama two lines down, add cohere, leave other/ untouched.
    commit(repo, "change", {"svc/deps.txt": "cohere\nopenai\nanthropic\nollama\n"})
    report = check(repo)
    assert statuses(report) == {
        ("svc/deps.txt", "pypi:cohere", 1, "failing"),
        ("svc/deps.txt", "pypi:ollama", 4, "existing"),
    }
    assert report.changed_files == ("svc/deps.txt",)
    assert report.exit_code == 1


def test_only_moved_lines_pass(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "ollama\nopenai\n"})
    commit(repo, "move", {"deps.txt": "openai\n\n\nollama\n"})
    report = check(repo)
    assert statuses(report) == {("deps.txt", "pypi:ollama", 4, "existing")}
    assert report.exit_code == 0


def test_copy_to_another_file_is_introduced(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "a/deps.txt": "ollama\n"})
    commit(repo, "copy", {"b/deps.txt": "ollama\n"})
    assert statuses(check(repo)) == {("b/deps.txt", "pypi:ollama", 1, "failing")}


def test_uncommitted_and_untracked_changes_count(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "openai\n"})
    (repo / "deps.txt").write_text("openai\ntorch\n")
    (repo / "new").mkdir()
    (repo / "new" / "deps.txt").write_text("cohere\n")
    assert statuses(check(repo, "HEAD")) == {
        ("deps.txt", "pypi:torch", 2, "failing"),
        ("new/deps.txt", "pypi:cohere", 1, "failing"),
    }


def test_subdirectory_root_and_deleted_files(repo: Path) -> None:
    commit(
        repo,
        "base",
        {
            "svc/aims-policy.yaml": POLICY,
            "svc/deps.txt": "ollama\n",
            "svc/gone/deps.txt": "torch\n",
            "x/deps.txt": "torch\n",
        },
    )
    git(repo, "rm", "-q", "svc/gone/deps.txt")
    commit(repo, "change", {"svc/deps.txt": "ollama\ncohere\n", "x/deps.txt": "cohere\n"})
    report = check(repo / "svc")
    assert statuses(report) == {
        ("deps.txt", "pypi:ollama", 1, "existing"),
        ("deps.txt", "pypi:cohere", 2, "failing"),
    }
    assert report.changed_files == ("deps.txt",)
    # SARIF locations are relative to the repository, so code scanning finds the file.
    sarif = json.loads(render(report, OutputFormat.SARIF))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    }
    assert uris == {"svc/deps.txt"}


def test_only_changed_files_are_scanned(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "old/deps.txt": "torch\n", "README.md": "hi\n"})
    commit(repo, "unrelated", {"README.md": "hello\n", "NEW.md": "new\n"})
    seen: list[tuple[str, list[str] | None]] = []

    def spy(root: Path, paths: list[str] | None, with_lint: bool):  # type: ignore[no-untyped-def]
        seen.append((root.name, paths))
        return toy_source(root, paths, with_lint)

    report = run_check(CheckRequest(root=repo, diff_base="HEAD~1", source=spy))
    assert report.evaluation.violations == ()
    assert seen[0] == ("repo", ["NEW.md", "README.md"])
    assert seen[1][1] == ["README.md"]  # the base scan: only what existed at the base
    assert len(seen) == 2


def test_base_files_are_materialised_as_they_were(repo: Path, tmp_path: Path) -> None:
    commit(repo, "base", {"a.txt": "one\n", "dir/b.txt": "two\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, "change", {"a.txt": "changed\n", "c.txt": "new\n"})
    dest = tmp_path / "base"
    dest.mkdir()
    written = diff.materialise(repo, first, ["a.txt", "dir/b.txt", "c.txt"], dest)
    assert written == ["a.txt", "dir/b.txt"]
    assert (dest / "a.txt").read_text() == "one\n"
    assert (dest / "dir" / "b.txt").read_text() == "two\n"
    assert not (dest / "c.txt").exists()


def test_bad_revision_and_non_repository(repo: Path, tmp_path: Path) -> None:
    commit(repo, "base", {"deps.txt": "openai\n"})
    with pytest.raises(NotFoundError) as caught:
        check(repo, "no-such-branch")
    assert caught.value.exit_code == 2
    assert "no-such-branch" in caught.value.message
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UsageError) as not_git:
        check(plain, "HEAD")
    assert "not inside" in not_git.value.message
    with pytest.raises(UsageError):
        check(repo, "--output=x")


def test_diff_report_lists_changed_files_in_json(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "openai\n"})
    commit(repo, "change", {"deps.txt": "openai\nollama\n"})
    doc = json.loads(render(check(repo), OutputFormat.JSON))
    assert doc["diff"]["base"] == "HEAD~1"
    assert doc["diff"]["changed_files"] == ["deps.txt"]
    assert doc["result"] == "fail"


def staged_check(root: Path, base: str | None = None) -> CheckReport:
    return run_check(CheckRequest(root=root, diff_base=base, staged=True, source=toy_source))


def test_staged_mode_judges_only_the_index(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "openai\n", "other/deps.txt": "openai\n"})
    (repo / "deps.txt").write_text("openai\nollama\n")
    git(repo, "add", "deps.txt")
    # Not staged: an edit on top of the staged file, an edit elsewhere and an untracked file.
    (repo / "deps.txt").write_text("openai\nollama\ncohere\n")
    (repo / "other" / "deps.txt").write_text("openai\ntorch\n")
    (repo / "new").mkdir()
    (repo / "new" / "deps.txt").write_text("torch\n")
    report = staged_check(repo)
    assert statuses(report) == {("deps.txt", "pypi:ollama", 2, "failing")}
    assert report.diff_base == "HEAD"
    assert report.changed_files == ("deps.txt",)


def test_staged_mode_keeps_moved_lines_existing(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "ollama\nopenai\n"})
    (repo / "deps.txt").write_text("openai\nollama\n")
    git(repo, "add", "deps.txt")
    report = staged_check(repo)
    assert statuses(report) == {("deps.txt", "pypi:ollama", 2, "existing")}
    assert report.exit_code == 0


def test_staged_mode_in_a_repository_without_commits(repo: Path) -> None:
    (repo / "aims-policy.yaml").write_text(POLICY)
    (repo / "deps.txt").write_text("torch\n")
    git(repo, "add", "-A")
    report = staged_check(repo)
    assert statuses(report) == {("deps.txt", "pypi:torch", 1, "failing")}
    with pytest.raises(NotFoundError):
        check(repo, "main")


def test_staged_mode_with_nothing_staged_passes(repo: Path) -> None:
    commit(repo, "base", {"aims-policy.yaml": POLICY, "deps.txt": "openai\n"})
    (repo / "deps.txt").write_text("ollama\n")  # not staged
    report = staged_check(repo)
    assert report.evaluation.violations == ()
    assert report.changed_files == ()
    assert report.notes == ()
