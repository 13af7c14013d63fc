"""YAML from scanned trees, for detectors that skip what they cannot read.

The reading itself is :mod:`openaims.untrusted`'s (bounded depth and expansion,
duplicate keys and unsafe tags refused, never a crash on hostile nesting); here a
refusal becomes ``None``, since one unreadable file must not stop a scan.
"""

from __future__ import annotations

from typing import Any

import yaml

from openaims.untrusted import SCAN_LIMITS, InputError, YamlDocument, parse_yaml


def document(text: str, source: str = "<scanned file>") -> YamlDocument | None:
    """Nodes (with line marks) and plain data of one document, or None."""
    try:
        return parse_yaml(text, source, limits=SCAN_LIMITS)
    except InputError:
        return None


def compose(text: str, source: str = "<scanned file>") -> yaml.Node | None:
    """The node tree of one document (with line marks), or None. Values are not built,
    so application tags (GitLab's ``!reference``) do not make a file unreadable."""
    try:
        return parse_yaml(text, source, limits=SCAN_LIMITS, construct=False).root
    except InputError:
        return None


def load(text: str, source: str = "<scanned file>") -> Any:
    """One document as plain data, or None."""
    found = document(text, source)
    return found.data if found is not None else None
