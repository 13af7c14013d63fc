"""Which detectors and post-processors exist.

Every concrete :class:`~openaims.discovery.interface.Detector` and
:class:`~openaims.discovery.interface.PostProcessor` subclass *defined* in a
module of the package :mod:`openaims.discovery.detectors` is one. Adding a
detector is adding a module (or a class to one); nothing is registered by hand.
The order is deterministic (by id) and two classes may not share an id.

Their ids are also listed in ``detectors/index.json`` (written by
``scripts/gen_detector_index.py``; a test fails when it is out of date), so a
scan can name its detectors without importing them: a tree with no file to
look at imports none.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from openaims.discovery.interface import Detector, DetectorError, PostProcessor

#: The package whose modules hold the detectors.
DETECTORS_PACKAGE = "openaims.discovery.detectors"
#: The ids of the default detectors, in id order.
INDEX_FILE = Path(__file__).resolve().parent / "detectors" / "index.json"

_T = TypeVar("_T", Detector, PostProcessor)


def _modules(package_name: str) -> Iterator[ModuleType]:
    package = importlib.import_module(package_name)
    paths = getattr(package, "__path__", None)
    if paths is None:
        return
    for info in sorted(pkgutil.iter_modules(paths), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        yield importlib.import_module(f"{package_name}.{info.name}")


def _classes(package_name: str, base: type[_T]) -> list[type[_T]]:
    found: dict[str, type[_T]] = {}
    for module in _modules(package_name):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, base) or inspect.isabstract(cls):
                continue
            ident = getattr(cls, "id", None)
            if not isinstance(ident, str) or not ident:
                raise DetectorError(f"{cls.__module__}.{cls.__qualname__} has no id; give it a stable id")
            other = found.get(ident)
            if other is not None and other is not cls:
                raise DetectorError(
                    f"two {base.__name__} classes share the id {ident!r}: "
                    f"{other.__module__}.{other.__qualname__} and {cls.__module__}.{cls.__qualname__}"
                )
            found[ident] = cls
    return [found[key] for key in sorted(found)]


def detector_classes(package_name: str = DETECTORS_PACKAGE) -> list[type[Detector]]:
    """Every concrete detector class of the package, ordered by id."""
    return _classes(package_name, Detector)  # type: ignore[type-abstract]


def postprocessor_classes(package_name: str = DETECTORS_PACKAGE) -> list[type[PostProcessor]]:
    """Every concrete post-processor class of the package, ordered by id."""
    return _classes(package_name, PostProcessor)  # type: ignore[type-abstract]


@cache
def _default_detectors() -> tuple[Detector, ...]:
    return tuple(cls() for cls in detector_classes())


@cache
def _default_postprocessors() -> tuple[PostProcessor, ...]:
    return tuple(cls() for cls in postprocessor_classes())


def all_detectors() -> list[Detector]:
    """One instance of every detector, ordered by id."""
    return list(_default_detectors())


def all_postprocessors() -> list[PostProcessor]:
    """One instance of every post-processor, ordered by id."""
    return list(_default_postprocessors())


def build_index() -> list[str]:
    """The ids of the default detectors, as ``detectors/index.json`` lists them."""
    return [cls.id for cls in detector_classes()]


@cache
def detector_ids() -> tuple[str, ...]:
    """The ids of the default detectors, in id order, without importing them
    (from the index; from the detectors themselves when it cannot be read)."""
    try:
        ids = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        ids = None
    if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        return tuple(ids)
    return tuple(d.id for d in _default_detectors())
