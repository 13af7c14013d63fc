"""Fail closed: a manifest the scanner cannot read fully is reported, with its reason.

Each hostile or broken manifest below declares an AI package the scanner would
otherwise report. The scan must list the file in ``stats.unparsed`` with a reason a
person understands, keep scanning the rest of the tree, and keep what it could
still read (a lock file with one broken entry).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner

POM_BODY = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>acme</groupId><artifactId>app</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>dev.langchain4j</groupId><artifactId>langchain4j-open-ai</artifactId><version>1.0.0</version></dependency>
  </dependencies>
</project>
"""


def _deep_json(levels: int) -> str:
    return '{"dependencies": {"openai": "^4.0.0"}, "x": ' + "[" * levels + "]" * levels + "}"


def _deep_toml(levels: int) -> str:
    return '[project]\nname = "a"\ndependencies = ["openai>=1"]\nx = ' + "[" * levels + "]" * levels + "\n"


CASES = {
    "doctype": ("pom.xml", '<?xml version="1.0"?>\n<!DOCTYPE project>\n' + POM_BODY, "document type declaration"),
    "entity": (
        "pom.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY v "1.0.0">]>\n' + POM_BODY,
        "document type declaration",
    ),
    "json depth": ("package.json", _deep_json(200), "nested deeper"),
    "toml depth": ("pyproject.toml", _deep_toml(200), "nested deeper"),
    "toml syntax": ("pyproject.toml", '[project]\ndependencies = ["openai>=1"\n', "line"),
    "json duplicate key": (
        "package.json",
        '{"dependencies": {"openai": "^4.0.0"}, "dependencies": {"left-pad": "1"}}',
        "duplicate key",
    ),
    "setup.py syntax": ("setup.py", 'print "py2"\nsetup(install_requires=["openai"])\n', "not valid Python syntax"),
    "nul bytes": ("requirements.txt", "openai==1.0\n\x00\n", "NUL bytes"),
}


def scan(root: Path, **options: int) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    result = Scanner(ScanOptions(root=root, **options), jobs=1).scan()  # type: ignore[arg-type]
    found = sorted({(f.name, f.path) for f in result.findings})
    return found, [u.to_dict() for u in result.stats.unparsed]


@pytest.mark.parametrize("case", sorted(CASES))
def test_unreadable_manifest_is_reported_with_its_reason(tmp_path: Path, case: str) -> None:
    name, content, reason = CASES[case]
    (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "requirements.txt").write_text("anthropic==0.40\n")
    found, unparsed = scan(tmp_path)
    assert [u["path"] for u in unparsed] == [name]
    assert unparsed[0]["detector"].startswith("dependency.")
    assert reason in unparsed[0]["reason"], unparsed[0]["reason"]
    assert "\n" not in unparsed[0]["reason"]
    assert ("anthropic", "other/requirements.txt") in found  # the rest of the tree is still scanned


def test_readable_manifests_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text('<?xml version="1.0"?>\n' + POM_BODY)
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"openai": "^4.0.0"}}))
    found, unparsed = scan(tmp_path)
    assert unparsed == []
    assert {name for name, _ in found} == {"dev.langchain4j:langchain4j-open-ai", "openai"}


def test_lock_file_with_one_broken_entry_keeps_the_others_and_is_reported(tmp_path: Path) -> None:
    lock = (
        '[[package]]\nname = "openai"\nversion = "1.40.0"\n\n'
        '[[package]]\nname = "anthropic"\nversion = = "0.40"\n\n'
        '[[package]]\nname = "langchain"\nversion = "0.3.0"\n'
    )
    (tmp_path / "poetry.lock").write_text(lock)
    found, unparsed = scan(tmp_path)
    assert {name for name, _ in found} >= {"openai", "langchain"}
    assert [u["path"] for u in unparsed] == ["poetry.lock"]


def test_manifest_over_the_text_limit_is_read_up_to_the_manifest_limit(tmp_path: Path) -> None:
    """A lock file larger than --max-file-size is still read (manifests have their own bound);
    one over that bound is reported, not silently skipped."""
    lock = {"lockfileVersion": 3, "packages": {"": {}, "node_modules/openai": {"version": "4.0.0"}}}
    lock["packages"].update({f"node_modules/pad-{i}": {"version": "1.0.0"} for i in range(400)})
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    size = (tmp_path / "package-lock.json").stat().st_size
    found, unparsed = scan(tmp_path, max_text_bytes=1024, max_manifest_bytes=size + 1)
    assert ("openai", "package-lock.json") in found
    assert unparsed == []
    found, unparsed = scan(tmp_path, max_text_bytes=1024, max_manifest_bytes=size - 1)
    assert found == []
    assert [(u["path"], u["detector"]) for u in unparsed] == [("package-lock.json", "dependency.npm.package-lock")]
    assert "larger than" in unparsed[0]["reason"]
