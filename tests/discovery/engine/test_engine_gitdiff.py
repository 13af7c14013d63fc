"""``--since``: changed and untracked files of a real git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from enginekit import WordDetector, make_tree

from openaims.discovery.gitdiff import changed_paths
from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner
from openaims.errors import UsageError


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tree: Path) -> Path:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "config", "user.name", "Test User")
    git(tree, "config", "user.email", "test@example.org")
    git(tree, "config", "commit.gpgsign", "false")
    make_tree(
        tree,
        {
            ".gitignore": "*.log\n",
            "unchanged.py": "needle\n",
            "edited.py": "hay\n",
            "removed.py": "needle\n",
            "renamed.py": "needle\n",
            "svc/app.py": "hay\n",
        },
    )
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "base")
    git(tree, "tag", "v1")
    (tree / "edited.py").write_text("needle\n")
    (tree / "removed.py").unlink()
    git(tree, "mv", "renamed.py", "moved.py")
    (tree / "staged.py").write_text("needle\n")
    git(tree, "add", "staged.py")
    (tree / "untracked.py").write_text("needle\n")
    (tree / "ignored.log").write_text("needle\n")
    (tree / "svc" / "new.py").write_text("needle\n")
    return tree


def test_changed_paths_lists_modified_staged_renamed_and_untracked_files(repo: Path) -> None:
    assert changed_paths(repo, "v1") == ["edited.py", "moved.py", "staged.py", "svc/new.py", "untracked.py"]


def test_changed_paths_of_a_subdirectory_are_relative_to_it(repo: Path) -> None:
    assert changed_paths(repo / "svc", "v1") == ["new.py"]


def test_committed_changes_since_an_older_commit_are_included(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    (repo / "later.py").write_text("needle\n")
    assert changed_paths(repo, "HEAD") == ["later.py"]
    assert changed_paths(repo, "HEAD~1") == [
        "edited.py",
        "later.py",
        "moved.py",
        "staged.py",
        "svc/new.py",
        "untracked.py",
    ]


def test_scan_of_changed_paths_finds_only_what_changed(repo: Path) -> None:
    result = Scanner(ScanOptions(root=repo), jobs=1, detectors=[WordDetector()]).scan(changed_paths(repo, "v1"))
    assert [f.path for f in result.findings] == [
        "edited.py",
        "moved.py",
        "staged.py",
        "svc/new.py",
        "untracked.py",
    ]


@pytest.mark.parametrize("rev", ["no-such-branch", "deadbeef" * 5, "--output=/tmp/x", ""])
def test_unknown_revision_is_a_usage_error(repo: Path, rev: str) -> None:
    with pytest.raises(UsageError, match="revision"):
        changed_paths(repo, rev)


def test_not_a_git_work_tree_is_a_usage_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UsageError, match="not inside a git work tree"):
        changed_paths(plain, "HEAD")
