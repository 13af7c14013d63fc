"""Ignore-file matching: git's rules, the same decisions as pathspec on ordinary
patterns, and bounded time on hostile ones (long or over-starred patterns are
skipped and reported, never a stall)."""

from __future__ import annotations

import string
from pathlib import Path

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.discovery.gitignore import MAX_DOUBLE_STARS, MAX_PATTERN_CHARS, IgnoreFile, compile_line
from openaims.discovery.globs import GlobError, compile_glob, glob_match, segment_regex
from openaims.discovery.walker import SkipReason, walk


def _pathspec(lines: list[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines, backend="simple")


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (["*.log"], "a/b/x.log", True),
        (["*.log", "!keep.log"], "a/keep.log", False),
        (["build/"], "build/", True),
        (["build/"], "build", None),  # a file named build: the pattern is for directories
        (["build/"], "src/build/out.o", True),
        (["/root.txt"], "root.txt", True),
        (["/root.txt"], "sub/root.txt", None),
        (["a/**/b"], "a/b", True),
        (["a/**/b"], "a/x/y/b", True),
        (["a/**/b"], "x/a/b", None),
        (["docs/*.md"], "docs/x.md", True),
        (["docs/*.md"], "docs/sub/x.md", None),
        (["**/tmp"], "x/y/tmp", True),
        (["foo/**"], "foo/a/b", True),
        (["foo/**"], "foo", None),
        (["x?y"], "x1y", True),
        (["x?y"], "x/y", None),
        (["[ab]c"], "bc", True),
        (["[!ab]c"], "cc", True),
        (["[!ab]c"], "ac", None),
        (["[[:digit:]]*.txt"], "1a.txt", True),
        (["[[:digit:]]*.txt"], "a1.txt", None),
        (["\\#literal"], "#literal", True),
        (["\\!bang"], "!bang", True),
        (["trailing\\ "], "trailing ", True),
        (["trailing   "], "trailing", True),
        (["# comment"], "# comment", None),
        (["a[bc"], "abc", None),  # unclosed set: git drops the pattern
        (["*"], "anything/at/all", True),
        (["**/**/**/x"], "a/b/x", True),
    ],
)
def test_git_rules(patterns: list[str], path: str, expected: bool | None) -> None:
    assert IgnoreFile(patterns).check(path) is expected


_ALPHABET = ["a", "b", "c", ".", "x", "*", "?", "**", "[ab]", "[a-c]", "/", "!"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    body = "".join(draw(st.lists(st.sampled_from(_ALPHABET), min_size=1, max_size=7)))
    if draw(st.booleans()):
        body = "/" + body
    if draw(st.booleans()):
        body = body + "/"
    if draw(st.booleans()):
        body = "!" + body
    return body


_SEGMENT = st.text(alphabet="abcx.", min_size=1, max_size=3).filter(lambda s: s not in {".", ".."})


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(patterns(), min_size=1, max_size=5),
    st.lists(_SEGMENT, min_size=1, max_size=4),
    st.booleans(),
)
def test_decides_like_pathspec(lines: list[str], segments: list[str], is_dir: bool) -> None:
    try:
        reference = _pathspec(lines)
    except ValueError:  # pathspec refuses some lines git drops; compare the others
        kept = []
        for line in lines:
            try:
                _pathspec([line])
            except ValueError:
                continue
            kept.append(line)
        lines = kept
        reference = _pathspec(lines)
    # pathspec treats "*", "**" (and other all-star patterns) as matching a directory more
    # closely than any other pattern; git (and IgnoreFile) do not: see
    # test_star_then_negated_directory
    # pathspec also lets a segment of three or more stars match the empty name after a
    # directory's "/" ("aa/***" ignoring "aa/" itself); git and IgnoreFile do not
    lines = [line for line in lines if line.strip("!/*") and "***" not in line]
    reference = _pathspec(lines)
    path = "/".join(segments) + ("/" if is_dir else "")
    assert IgnoreFile(lines).check(path) == reference.check_file(path).include, (lines, path)


def test_star_then_negated_directory() -> None:
    # the usual "ignore everything but these directories" file
    spec = IgnoreFile(["*", "!src/", "!*.py"])
    assert spec.check("src/") is False
    assert spec.check("src/main.py") is False
    assert spec.check("src/data.bin") is True
    assert spec.check("notes.txt") is True


# --------------------------------------------------------------------------- hostile patterns


def test_the_stalling_gitignore_is_matched_quickly() -> None:
    # one line of 200 "**/" then a*a*...*b, fifty lines of 1,000 "*" then x, against a
    # 40-character name: a backtracking matcher did not finish in 300 s
    lines = ["**/" * 200 + "a*" * 20 + "b"] + ["*" * 1000 + "x"] * 50
    spec = IgnoreFile(lines)
    name = "a" * 40
    for path in (name, f"dir/{name}", "/".join(["a" * 20] * 30) + "/" + name):
        assert spec.check(path) is None
    assert spec.check("dir/" + "a" * 39 + "b") is True
    assert spec.check("q" * 40 + "x") is True


def test_over_long_and_over_starred_patterns_are_skipped_with_the_reason() -> None:
    too_long = "a" * (MAX_PATTERN_CHARS + 1)
    too_many = "/".join(["**", "x"] * (MAX_DOUBLE_STARS + 1))
    spec = IgnoreFile(["*.log", too_long, too_many])
    assert [(s.line, s.reason) for s in spec.skipped] == [
        (2, f"pattern of {MAX_PATTERN_CHARS + 1} characters is longer than {MAX_PATTERN_CHARS}"),
        (3, f"pattern with {MAX_DOUBLE_STARS + 1} '**' segments is over the {MAX_DOUBLE_STARS} matched"),
    ]
    assert spec.check("x.log") is True
    assert isinstance(compile_line("**/" * 500 + "x"), object)  # repeats collapse: one "**"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a*?/[]!b\\", max_size=60), st.text(alphabet="ab/", max_size=80))
def test_any_pattern_against_any_path_never_raises(line: str, path: str) -> None:
    IgnoreFile([line]).check(path)


def test_hostile_ignore_file_in_a_walk_is_reported_and_the_real_file_still_walked(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("**/" * 200 + "a*" * 600 + "b\n" + ("*" * 1000 + "x\n") * 50)
    (tmp_path / ("a" * 40)).write_text("import openai\n")
    skipped: list[tuple[str, SkipReason]] = []
    found = [entry.path for entry in walk(tmp_path, on_skip=lambda path, reason: skipped.append((path, reason)))]
    assert "a" * 40 in found
    assert (".gitignore:1", SkipReason.IGNORE_PATTERN) in skipped  # 1,200+ characters: over the bound


# --------------------------------------------------------------------------- fnmatch-style globs


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("pypi:torch*", "PyPI:Torch-Vision", True),
        ("*", "a/b:c", True),
        ("a?c", "abc", True),
        ("[ab]x", "bx", True),
        ("[!ab]x", "cx", True),
        ("[ab", "[ab", True),  # an unclosed set is literal, as in fnmatch
        ("a*b*c", "a/b/c", True),
        ("a*b*c", "acb", False),
    ],
)
def test_policy_globs(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab*?[]!-", max_size=12), st.text(alphabet="ab-[]", max_size=12))
def test_policy_globs_match_like_fnmatch(pattern: str, value: str) -> None:
    import fnmatch

    assert glob_match(pattern, value, ignore_case=False) is fnmatch.fnmatchcase(value, pattern)


def test_policy_glob_bounds() -> None:
    hostile = "a*" * 500 + "b"
    assert compile_glob(hostile).match("a" * 1000) is None
    with pytest.raises(GlobError, match="longer than"):
        compile_glob("x" * 5000)
    assert glob_match("x" * 5000, "x" * 5000) is False


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase[:3] + "*?", min_size=1, max_size=10), st.text(alphabet="abc", max_size=10))
def test_segment_globs_match_like_fnmatch_within_a_segment(glob: str, segment: str) -> None:
    import fnmatch
    import re

    regex = segment_regex(glob)
    assert regex is not None
    assert (re.fullmatch(regex, segment) is not None) is fnmatch.fnmatchcase(segment, glob)
