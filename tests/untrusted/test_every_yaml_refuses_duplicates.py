"""Every YAML file the tool reads goes through the bounded reader, so a key given twice
is refused with its line, never silently resolved (last wins): the data files shipped
with it (framework catalogues, the EU AI Act questionnaire, readiness rules, discovery
catalogues, lint patterns) as much as the files users write (policies, answers files,
register imports; see their own tests)."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from openaims.frameworks.loader import CatalogueError
from openaims.untrusted import InputError

SRC = Path(__file__).resolve().parents[2] / "src" / "openaims"

#: (module holding the loader, loader, package of the file, file it reads).
LOADERS: list[tuple[str, str, str, str]] = [
    ("openaims.frameworks.loader", "load_catalogue", "openaims.frameworks", "iso42001.yaml"),
    ("openaims.frameworks.loader", "load_catalogue", "openaims.frameworks", "eu-ai-act.yaml"),
    ("openaims.frameworks.loader", "load_catalogue", "openaims.frameworks", "mappings/iso42001-nist-ai-rmf.yaml"),
    ("openaims.frameworks.euaiact.questionnaire", "load_questionnaire", "openaims.frameworks.euaiact", "questions.yaml"),
    ("openaims.readiness.engine", "load_rules", "openaims.readiness", "rules.yaml"),
    ("openaims.readiness.engine", "load_eu_view", "openaims.readiness", "eu_ai_act.yaml"),
    ("openaims.readiness.documented", "load_mapping", "openaims.readiness", "documented.yaml"),
    ("openaims.lint.rules.patterns", "load_rules", "openaims.lint", "patterns.yaml"),
]


def _with_a_duplicate(text: str) -> tuple[str, str, int, int]:
    """``text`` with its first top-level key given again at the end: (text, key,
    line of the first, line of the second)."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if re.match(r"[A-Za-z_][\w-]*:", line))
    key = lines[first].split(":", 1)[0]
    doctored = "\n".join([*lines, f"{key}: again"]) + "\n"
    return doctored, key, first + 1, len(lines) + 1


class _Files:
    """``importlib.resources.files`` with one file's text doctored."""

    def __init__(self, real: Callable[[str], Any], name: str, text: str) -> None:
        self._real, self._name, self._text = real, name, text

    def __call__(self, package: str) -> Any:
        root = self._real(package)
        outer = self

        class _Root:
            def joinpath(self, name: str) -> Any:
                if name == outer._name:
                    return _Text(outer._text)
                return root.joinpath(name)

        return _Root()


class _Text:
    def __init__(self, text: str) -> None:
        self._text = text

    def read_text(self, encoding: str = "utf-8") -> str:
        return self._text


def _cached_loaders() -> list[Callable[..., Any]]:
    from openaims.frameworks import loader
    from openaims.frameworks.euaiact import questionnaire
    from openaims.lint.rules import patterns
    from openaims.readiness import documented, engine

    return [
        loader.load_catalogue,
        questionnaire.load_questionnaire,
        engine.load_rules,
        engine.load_eu_view,
        documented.load_mapping,
        patterns.load_rules,
    ]


@pytest.fixture
def fresh() -> Any:
    for cached in _cached_loaders():
        cached.cache_clear()  # type: ignore[attr-defined]
    yield
    for cached in _cached_loaders():
        cached.cache_clear()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("module_name", "function", "package", "name"), LOADERS, ids=[m[3] for m in LOADERS])
@pytest.mark.usefixtures("fresh")
def test_a_shipped_yaml_with_a_duplicated_key_is_refused_with_the_line(
    monkeypatch: pytest.MonkeyPatch, module_name: str, function: str, package: str, name: str
) -> None:
    module = importlib.import_module(module_name)
    real = resources.files
    doctored, key, first, second = _with_a_duplicate(real(package).joinpath(name).read_text("utf-8"))
    monkeypatch.setattr(resources, "files", _Files(real, name, doctored))
    with pytest.raises((CatalogueError, InputError)) as caught:
        getattr(module, function)()
    assert f"{name}:{second}: duplicate key '{key}' (first at line {first})" in str(caught.value)


def test_a_discovery_catalogue_with_a_duplicated_key_is_refused_with_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openaims.discovery import catalog

    real = resources.files
    text = real("openaims.discovery.catalog").joinpath("providers.yaml").read_text("utf-8")
    doctored, key, first, second = _with_a_duplicate(text)
    monkeypatch.setattr(resources, "files", _Files(real, "providers.yaml", doctored))
    catalog.load.cache_clear()
    try:
        with pytest.raises(InputError) as caught:
            catalog.load("providers")
    finally:
        monkeypatch.undo()
        catalog.load.cache_clear()
    assert str(caught.value) == f"providers.yaml:{second}: duplicate key '{key}' (first at line {first})"


#: yaml functions that build Python values or nodes from text: only the bounded reader calls them.
_LOADING = {"load", "safe_load", "full_load", "unsafe_load", "load_all", "safe_load_all", "compose", "compose_all"}


def test_no_module_reads_yaml_around_the_bounded_reader() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if "untrusted" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "yaml"
                and node.attr in _LOADING
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: yaml.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                offenders += [f"{path.relative_to(SRC)}:{node.lineno}: from yaml import {a.name}" for a in node.names]
    assert offenders == []
