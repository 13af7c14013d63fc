"""The content detectors honour the engine contract: discoverable, stable ids,
prefilter fragments that compile into one alternation."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from openaims.discovery.interface import Detector, FindingKind

MODULES = ["imports", "models", "secrets"]
EXPECTED = {
    "import.python": FindingKind.IMPORT,
    "import.javascript": FindingKind.IMPORT,
    "import.go": FindingKind.IMPORT,
    "import.java": FindingKind.IMPORT,
    "import.csharp": FindingKind.IMPORT,
    "import.rust": FindingKind.IMPORT,
    "import.ruby": FindingKind.IMPORT,
    "model.reference": FindingKind.MODEL,
    "secret.provider-key": FindingKind.SECRET,
}


def _concrete_detectors() -> list[type[Detector]]:
    out = []
    for name in MODULES:
        module = importlib.import_module(f"openaims.discovery.detectors.{name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Detector) and not inspect.isabstract(cls):
                out.append(cls)
    return out


def test_discovered_detectors_and_ids() -> None:
    found = {cls.id: next(iter(cls.kinds)) for cls in _concrete_detectors()}
    assert found == EXPECTED


@pytest.mark.parametrize("cls", _concrete_detectors(), ids=lambda c: c.id)
def test_prefilter_fragments_compile_alone_and_together(cls: type[Detector]) -> None:
    assert cls.prefilter
    for fragment in cls.prefilter:
        re.compile(fragment)
    combined = re.compile("|".join(f"(?:{p})" for p in cls.prefilter))
    assert combined.search("") is None
    assert not cls.binary
