"""The walk: gitignore rules at every level, vendored and build directories,
symlinks, depth, special files, explicit path lists."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from enginekit import make_tree
from hypothesis import given
from hypothesis import strategies as st

from openaims.discovery.walker import SkipReason, entries_for, normalise_relative, walk


def walked(root: Path, **kwargs: object) -> list[str]:
    return [entry.path for entry in walk(root, **kwargs)]  # type: ignore[arg-type]


def test_walk_yields_relative_slash_paths_in_sorted_order(tree: Path) -> None:
    make_tree(tree, {"b.py": "", "a/z.txt": "", "a/b/c.md": "", "A.txt": ""})
    assert walked(tree) == ["A.txt", "a/b/c.md", "a/z.txt", "b.py"]


def test_entry_carries_name_size_and_readable_path(tree: Path) -> None:
    make_tree(tree, {"src/app.py": "import openai\n"})
    (entry,) = list(walk(tree))
    assert (entry.path, entry.name, entry.size) == ("src/app.py", "app.py", 14)
    assert Path(entry.abspath).read_text() == "import openai\n"


def test_root_gitignore_with_negation_and_directory_rules(tree: Path) -> None:
    make_tree(
        tree,
        {
            ".gitignore": "# comment\n*.log\n!keep.log\nsecret_dir/\n/only_root.txt\n",
            "a.log": "",
            "keep.log": "",
            "sub/b.log": "",
            "sub/keep.log": "",
            "secret_dir/x.py": "",
            "only_root.txt": "",
            "sub/only_root.txt": "",
            "main.py": "",
        },
    )
    assert walked(tree) == [".gitignore", "keep.log", "main.py", "sub/keep.log", "sub/only_root.txt"]


def test_nested_gitignore_applies_below_its_directory_and_can_reinclude(tree: Path) -> None:
    make_tree(
        tree,
        {
            ".gitignore": "*.tmp\ngenerated.py\n",
            "pkg/.gitignore": "!important.tmp\n*.py\n!keep.py\n",
            "pkg/important.tmp": "",
            "pkg/other.tmp": "",
            "pkg/mod.py": "",
            "pkg/keep.py": "",
            "top.py": "",
            "x.tmp": "",
            "other/generated.py": "",
            "other/important.tmp": "",
        },
    )
    assert walked(tree) == [".gitignore", "pkg/.gitignore", "pkg/important.tmp", "pkg/keep.py", "top.py"]


def test_files_inside_an_ignored_directory_cannot_be_reincluded(tree: Path) -> None:
    make_tree(tree, {".gitignore": "out/\n!out/keep.py\n", "out/keep.py": "", "ok.py": ""})
    assert walked(tree) == [".gitignore", "ok.py"]


def test_git_info_exclude_is_respected(tree: Path) -> None:
    make_tree(tree, {".git/info/exclude": "local-notes.md\n", "local-notes.md": "", "README.md": ""})
    assert walked(tree) == ["README.md"]


def test_parent_repository_gitignore_applies_to_a_scanned_subdirectory(tree: Path) -> None:
    make_tree(tree, {".git/HEAD": "", ".gitignore": "*.gen.py\nservice/cache/\n"})
    make_tree(tree / "service", {"app.py": "", "app.gen.py": "", "cache/x.py": ""})
    assert walked(tree / "service") == ["app.py"]


def test_scanning_a_directory_the_parent_repository_ignores_scans_it(tree: Path) -> None:
    make_tree(tree, {".git/HEAD": "", ".gitignore": "corpus/\n*.log\n"})
    make_tree(tree / "corpus", {"app.py": "", "debug.log": ""})
    assert walked(tree / "corpus") == ["app.py", "debug.log"]


def test_invalid_gitignore_lines_are_dropped_not_fatal(tree: Path) -> None:
    make_tree(tree, {".gitignore": "!\n\\\n*.log\n", "a.log": "", "a.py": ""})
    assert walked(tree) == [".gitignore", "a.py"]


def test_git_and_vendored_directories_are_skipped_and_reported(tree: Path) -> None:
    make_tree(
        tree,
        {
            ".git/config": "",
            "node_modules/openai/index.js": "",
            "vendor/x.go": "",
            ".venv/lib/site.py": "",
            "dist/app.js": "",
            "build/lib.py": "",
            "target/x.rs": "",
            "__pycache__/m.pyc": "",
            "src/main.py": "",
        },
    )
    skips: list[tuple[str, SkipReason]] = []
    assert [e.path for e in walk(tree, on_skip=lambda p, r: skips.append((p, r)))] == ["src/main.py"]
    assert sorted(skips) == sorted(
        [
            (".git/", SkipReason.IGNORED),
            (".venv/", SkipReason.VENDORED),
            ("__pycache__/", SkipReason.VENDORED),
            ("build/", SkipReason.VENDORED),
            ("dist/", SkipReason.VENDORED),
            ("node_modules/", SkipReason.VENDORED),
            ("target/", SkipReason.VENDORED),
            ("vendor/", SkipReason.VENDORED),
        ]
    )


def test_include_vendored_walks_vendored_directories_but_never_git(tree: Path) -> None:
    make_tree(tree, {".git/config": "", "node_modules/openai/index.js": "", "src/main.py": ""})
    assert walked(tree, include_vendored=True) == ["node_modules/openai/index.js", "src/main.py"]


def test_symlink_out_of_root_is_not_followed(tmp_path: Path, tree: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.env").write_text("KEY=1\n")
    (tree / "inside.py").write_text("")
    os.symlink(outside / "secret.env", tree / "link.env")
    os.symlink(outside, tree / "linkdir")
    skips: list[tuple[str, SkipReason]] = []
    assert [e.path for e in walk(tree, on_skip=lambda p, r: skips.append((p, r)))] == ["inside.py"]
    assert sorted(skips) == [("link.env", SkipReason.SYMLINK), ("linkdir", SkipReason.SYMLINK)]


def test_symlink_to_a_file_inside_root_is_read_through_its_target(tree: Path) -> None:
    make_tree(tree, {"real/config.json": "{}"})
    os.symlink("real/config.json", tree / "alias.json")
    entries = {e.path: e for e in walk(tree)}
    assert sorted(entries) == ["alias.json", "real/config.json"]
    assert entries["alias.json"].abspath == os.path.realpath(tree / "real/config.json")
    assert entries["alias.json"].size == 2


def test_symlinked_directory_inside_root_is_not_descended(tree: Path) -> None:
    make_tree(tree, {"real/a.py": ""})
    os.symlink(tree / "real", tree / "again")
    assert walked(tree) == ["real/a.py"]


def test_symlink_loops_terminate(tree: Path) -> None:
    os.symlink(tree, tree / "self")
    os.symlink(tree / "loop_b", tree / "loop_a")
    os.symlink(tree / "loop_a", tree / "loop_b")
    (tree / "a.py").write_text("")
    assert walked(tree) == ["a.py"]


def test_depth_is_bounded(tree: Path) -> None:
    make_tree(tree, {"a/b/c/d/deep.py": "", "a/shallow.py": ""})
    skips: list[tuple[str, SkipReason]] = []
    got = [e.path for e in walk(tree, max_depth=2, on_skip=lambda p, r: skips.append((p, r)))]
    assert got == ["a/shallow.py"]
    assert skips == [("a/b/c/", SkipReason.TOO_DEEP)]


def test_special_files_are_skipped(tree: Path) -> None:
    os.mkfifo(tree / "pipe")
    (tree / "a.py").write_text("")
    skips: list[tuple[str, SkipReason]] = []
    assert [e.path for e in walk(tree, on_skip=lambda p, r: skips.append((p, r)))] == ["a.py"]
    assert skips == [("pipe", SkipReason.SPECIAL)]


def test_entries_for_filters_like_the_walk(tmp_path: Path, tree: Path) -> None:
    make_tree(
        tree,
        {
            ".gitignore": "*.log\n",
            "a.py": "",
            "x.log": "",
            "node_modules/m/index.js": "",
            "pkg/b.py": "",
            "pkg/c.py": "",
        },
    )
    (tmp_path / "outside.py").write_text("")
    skips: list[tuple[str, SkipReason]] = []
    got = [
        e.path
        for e in entries_for(
            tree,
            ["a.py", "./a.py", "x.log", "node_modules/m/index.js", "gone.py", "../outside.py", "pkg"],
            on_skip=lambda p, r: skips.append((p, r)),
        )
    ]
    assert got == ["a.py", "pkg/b.py", "pkg/c.py"]
    assert sorted(skips) == sorted(
        [
            ("x.log", SkipReason.IGNORED),
            ("node_modules/m/index.js", SkipReason.VENDORED),
            ("gone.py", SkipReason.MISSING),
            ("../outside.py", SkipReason.SYMLINK),
        ]
    )


def test_entries_for_refuses_paths_through_a_symlinked_directory_leaving_the_root(tmp_path: Path, tree: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text("")
    os.symlink(outside, tree / "escape")
    assert list(entries_for(tree, ["escape/x.py"])) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a/b.py", "a/b.py"),
        ("./a//b.py", "a/b.py"),
        ("a/../b.py", "b.py"),
        ("../b.py", None),
        ("/etc/passwd", None),
        ("a/../../b", None),
        (".", ""),
    ],
)
def test_normalise_relative(raw: str, expected: str | None) -> None:
    assert normalise_relative(raw) == expected


@given(st.lists(st.sampled_from(["a", "b", "..", ".", "", *string.ascii_lowercase[:3]]), max_size=8))
def test_normalised_paths_never_leave_the_root(parts: list[str]) -> None:
    result = normalise_relative("/".join(parts))
    if result is not None:
        assert not result.startswith("/")
        assert ".." not in result.split("/")
        assert "" not in result.split("/") or result == ""
