"""The one gate every string leaving the scanner passes: keys masked, URL credentials stripped.

Detectors copy text from the scanned tree into findings: package names and
versions, source URLs, paths, model-file metadata, pickle global names, MCP
commands, error messages. Any of them can hold a key (``git+https://<token>@host``
in a lock file, a token in safetensors ``__metadata__``, a directory named after
a key). The scanner passes every finding, error and skip through
:func:`finding` / :func:`text` before anything is stored or printed, and the
register passes pushed reports through it again, so no output format, register
row or export can hold a full key.

Masked are:

* every value of a provider key shape of ``catalog/secrets.yaml`` (without the
  detector's placeholder and entropy rules: showing less is always safe), and
  every value the secret detector itself accepts (generic shapes with context);
* the user information of a URL (``scheme://USER:PASSWORD@host``; a plain
  ``git`` user is kept);
* the values of URL parameters named like a credential (``?token=``, ``&api_key=``).

A masked value is shown as :func:`openaims.discovery.redact.redact` shows it
(``ghp_…a1B2``). Masking is idempotent: a string that passed once passes again unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Final, TypeVar

from openaims.discovery.interface import Finding
from openaims.discovery.redact import ELLIPSIS, redact

#: Every key shape has a run of at least this many key characters.
_KEY_RUN: Final = re.compile(r"[A-Za-z0-9_\-]{20}")
_URL_USERINFO: Final = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#]+)@")
_CREDENTIAL_PARAM: Final = re.compile(
    r"(?i)(?P<name>[?&;][A-Za-z0-9_.\-]*(?:key|token|secret|passw|pwd|credential|auth|sig|signature)"
    r"[A-Za-z0-9_.\-]*=)(?P<value>[^&#;\s\"'<>]+)"
)
#: URL users that are not credentials.
_PLAIN_USERS: Final = frozenset({"git", "hg", "anonymous"})
_MASKED: Final = (ELLIPSIS, "<redacted>")

#: A finding's own fields that are not text from the scanned tree.
_OWN_FIELDS: Final = frozenset({"kind", "line", "unsafe", "direct", "fingerprint", "details"})

T = TypeVar("T")


@cache
def _shapes() -> tuple[tuple[re.Pattern[str], Any], ...]:
    """Each context-free key shape without its boundaries: a key glued to other text
    (``system_sk-proj-…``) or followed by more key characters is masked too."""
    from openaims.discovery.detectors.secrets import secret_rules

    out = []
    for shape in secret_rules().shapes:
        if shape.context is None:
            bare = shape.pattern.pattern.removesuffix(f"(?!{shape.boundary.pattern})")
            out.append((re.compile(bare), shape))
    return tuple(out)


_LEADING_LITERAL: Final = re.compile(r"[A-Za-z0-9_\-]+")


@cache
def _shape_literals() -> tuple[str, ...]:
    """Literals one of which every context-free key contains: the literal start of its
    regex (``sk-proj-``, ``ghp_``), else its prefilter literals (``AKIA``...)."""
    from openaims.discovery.detectors.secrets import secret_rules

    literals: set[str] = set()
    for shape in secret_rules().shapes:
        if shape.context is not None:
            continue
        regex = shape.pattern.pattern.removeprefix("(?:")
        leading = _LEADING_LITERAL.match(regex)
        if leading and len(leading.group(0)) >= 2 and regex[leading.end() : leading.end() + 1] not in "?*{":
            literals.add(leading.group(0))
        else:
            literals.update(shape.prefilter)
    # A literal that contains a shorter one adds nothing.
    return tuple(sorted(lit for lit in literals if not any(o != lit and o in lit for o in literals)))


@cache
def _context_words() -> tuple[str, ...]:
    """Lower-case provider names that generic (context-keyed) shapes need nearby."""
    from openaims.discovery.detectors.secrets import secret_rules

    return tuple(sorted({w.lower() for s in secret_rules().shapes if s.context is not None for w in s.prefilter}))


def _has_any(value: str, literals: tuple[str, ...]) -> bool:
    for literal in literals:  # noqa: SIM110 - a plain loop: faster than any() or a regex alternation here
        if literal in value:
            return True
    return False


def _already_masked(value: str) -> bool:
    return any(mark in value for mark in _MASKED)


def _mask_keys(value: str) -> str:
    from openaims.discovery.detectors.secrets import find_secrets

    found: dict[str, str] = {}
    if _has_any(value, _shape_literals()):
        for pattern, shape in _shapes():
            for match in pattern.finditer(value):
                key = match.group(0)
                found.setdefault(key, redact(key, shape.display_prefix(key)))
    lowered = value.lower()
    if _has_any(lowered, _context_words()):
        for shape, key, _line, _variable in find_secrets(value):
            found.setdefault(key, redact(key, shape.display_prefix(key)))
    for key in sorted(found, key=len, reverse=True):
        value = value.replace(key, found[key])
    return value


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if userinfo.lower() in _PLAIN_USERS or _already_masked(userinfo):
        return match.group(0)
    return f"{match.group('scheme')}{redact(userinfo)}@"


def _mask_param(match: re.Match[str]) -> str:
    value = match.group("value")
    if _already_masked(value):
        return match.group(0)
    return match.group("name") + redact(value)


def text(value: str) -> str:
    """``value`` with keys and URL credentials masked."""
    if "@" in value and "://" in value:
        value = _URL_USERINFO.sub(_mask_userinfo, value)
    if "=" in value:
        value = _CREDENTIAL_PARAM.sub(_mask_param, value)
    if _KEY_RUN.search(value):
        value = _mask_keys(value)
    return value


def value(data: T) -> T:
    """Strings anywhere in JSON-like ``data`` (keys of mappings too) passed through :func:`text`."""
    if isinstance(data, str):
        return text(data)  # type: ignore[return-value]
    if isinstance(data, Mapping):
        return {value(k): value(v) for k, v in data.items()}  # type: ignore[return-value]
    if isinstance(data, list | tuple):
        return type(data)(value(item) for item in data)  # type: ignore[return-value]
    return data


def finding(item: Finding) -> Finding:
    """``item`` with every text field and every detail passed through :func:`text`."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(item):
        if field.name in _OWN_FIELDS:
            continue
        current = getattr(item, field.name)
        if isinstance(current, str):
            clean = text(current)
            if clean != current:
                changes[field.name] = clean
    if item.details:
        details = value(item.details)
        if details != item.details:
            changes["details"] = details
    return dataclasses.replace(item, **changes) if changes else item
