"""Go modules: go.mod ``require`` lines and blocks (``// indirect`` marks a
transitive requirement) and ``replace`` directives. Names are module paths."""

from __future__ import annotations

import re

from openaims.discovery.manifests import Declared

MAX_LINE = 8192  # longer lines are not manifest lines; skipping them bounds regex work
_MODULE = r'"?([A-Za-z0-9][A-Za-z0-9._~/+-]*)"?'
_REQ = re.compile(r"^\s*" + _MODULE + r"\s+(v[0-9][^\s/]*)\s*(//.*)?$")
_REPLACE = re.compile(r"^\s*" + _MODULE + r"(?:\s+(v\S+))?\s*=>\s*\"?([^\s\"]+)\"?(?:\s+(v\S+))?\s*(//.*)?$")
_MAJOR = re.compile(r"/v[0-9]+$")


def strip_major(module: str) -> str:
    """Module path without its ``/vN`` major-version suffix (for catalogue lookup)."""
    return _MAJOR.sub("", module)


def parse_go_mod(text: str) -> list[Declared]:
    """Required modules of a go.mod, with replacements noted."""
    requires: list[Declared] = []
    replaces: dict[str, str] = {}
    block: str | None = None
    for index, raw in enumerate(text.splitlines()):
        if len(raw) > MAX_LINE:
            continue
        line = raw.strip()
        if block is not None:
            if line.startswith(")"):
                block = None
                continue
            body = line
        else:
            match = re.match(r"^(require|replace|exclude|retract|tool|godebug|ignore)\s*(\(?)\s*(.*)$", line)
            if not match:
                continue
            if match.group(2) == "(":
                block = match.group(1)
                continue
            block_kind = match.group(1)
            body = match.group(3)
            _directive(block_kind, body, index + 1, requires, replaces)
            continue
        _directive(block, body, index + 1, requires, replaces)
    out: list[Declared] = []
    for dep in requires:
        target = replaces.get(dep.name)
        if target:
            out.append(
                Declared(
                    name=dep.name,
                    line=dep.line,
                    declared=dep.declared,
                    resolved=dep.resolved,
                    direct=dep.direct,
                    scope=dep.scope,
                    source_url=target,
                    extra=(("replace", target),),
                )
            )
        else:
            out.append(dep)
    return out


def _directive(kind: str, body: str, line: int, requires: list[Declared], replaces: dict[str, str]) -> None:
    if kind == "require":
        match = _REQ.match(body)
        if match:
            comment = match.group(3) or ""
            indirect = bool(re.search(r"//\s*indirect\b", comment))
            requires.append(
                Declared(
                    name=match.group(1),
                    line=line,
                    declared=match.group(2),
                    resolved=match.group(2),
                    direct=not indirect,
                )
            )
    elif kind == "replace":
        match = _REPLACE.match(body)
        if match:
            target = match.group(3) + (f"@{match.group(4)}" if match.group(4) else "")
            replaces[match.group(1)] = target
