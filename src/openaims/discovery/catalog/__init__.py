"""Catalogues as data: providers, packages, imports, models, key shapes, locations.

Each catalogue is a YAML file beside this module, loaded once and validated.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from openaims.untrusted import Limits, read_yaml

#: Catalogues are lists of many small entries: shallow, but long.
CATALOGUE_LIMITS = Limits(max_depth=16, max_elements=2_000_000)


@cache
def load(name: str) -> dict[str, Any]:
    """Load the catalogue ``name`` (file ``name.yaml`` in this package)."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = read_yaml(text, f"{name}.yaml", limits=CATALOGUE_LIMITS)
    if not isinstance(data, dict):
        raise ValueError(f"catalogue {name}.yaml must be a mapping")
    return data


@cache
def provider_ids() -> frozenset[str]:
    """Every known provider id."""
    return frozenset(p["id"] for p in load("providers")["providers"])


@cache
def providers() -> dict[str, dict[str, Any]]:
    """Providers by id."""
    return {p["id"]: p for p in load("providers")["providers"]}


@cache
def category_ids() -> frozenset[str]:
    """Every known category id."""
    return frozenset(load("providers")["categories"])
