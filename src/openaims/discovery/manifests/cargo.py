"""Rust crates: Cargo.toml (``[dependencies]``, dev, build, target-specific,
``[workspace.dependencies]``, renamed crates via ``package =``) and Cargo.lock.
Names are crate names as published."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import (
    Lines,
    as_dict,
    as_list,
    as_str,
    items,
    load_toml,
    toml_blocks,
    toml_sections,
)

_SECTIONS = {"dependencies": "main", "dev-dependencies": "dev", "build-dependencies": "build"}
_SOURCE = re.compile(r"^source\s*=", re.MULTILINE)
_CRATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ALIASES = {"dev_dependencies": "dev-dependencies", "build_dependencies": "build-dependencies"}


def _exact(spec: str | None) -> str | None:
    if spec and re.fullmatch(r"=\s*[0-9][0-9A-Za-z.+-]*", spec.strip()):
        return spec.strip().lstrip("= ")
    return None


def _table(
    body: Any, key: str, scope: str, lines: Lines, sections: dict[str, tuple[int, int]], target: str | None
) -> Iterator[Declared]:
    start, end = sections.get(key, (0, None))
    for raw, value in items(body):
        if not _CRATE.fullmatch(raw):
            continue
        sub = sections.get(f"{key}.{raw}")
        line = sub[0] if sub else lines.key(raw, start, end)
        name = raw
        dep_scope = scope
        declared: str | None
        source = None
        extra: list[tuple[str, str]] = []
        if target:
            extra.append(("target", target))
        if isinstance(value, str):
            declared = value
        else:
            table = as_dict(value)
            if not table:
                continue
            name = as_str(table.get("package")) or raw
            if not _CRATE.fullmatch(name):
                continue
            if name != raw:
                extra.append(("alias", raw))
            declared = as_str(table.get("version"))
            source = as_str(table.get("git")) or as_str(table.get("path"))
            if source and not declared:
                ref = next((as_str(table.get(k)) for k in ("tag", "rev", "branch") if as_str(table.get(k))), None)
                declared = f"{source}@{ref}" if ref else source
            if table.get("workspace") is True:
                extra.append(("workspace", "true"))
            if table.get("optional") is True and dep_scope == "main":
                dep_scope = "optional"
            features = [f for f in as_list(table.get("features")) if isinstance(f, str)]
            if features:
                extra.append(("features", ",".join(features)))
        yield Declared(
            name=name,
            line=line,
            declared=declared,
            resolved=_exact(declared),
            scope=dep_scope,
            source_url=source,
            extra=tuple(extra),
        )


def parse_cargo_toml(text: str) -> list[Declared]:
    """Dependencies of a Cargo.toml in every table form."""
    data = load_toml(text)
    if not data:
        return []
    lines = Lines(text)
    sections = toml_sections(text)
    out: list[Declared] = []
    for key, body in items(data):
        section = _ALIASES.get(key, key)
        if section in _SECTIONS:
            out.extend(_table(body, key, _SECTIONS[section], lines, sections, None))
    for target, body in items(data.get("target")):
        for key, deps in items(body):
            section = _ALIASES.get(key, key)
            if section in _SECTIONS:
                header = _target_header(sections, target, key)
                out.extend(_table(deps, header, _SECTIONS[section], lines, sections, target))
    workspace = as_dict(data.get("workspace"))
    out.extend(_table(workspace.get("dependencies"), "workspace.dependencies", "workspace", lines, sections, None))
    return out


def _target_header(sections: dict[str, tuple[int, int]], target: str, key: str) -> str:
    for header in sections:
        if header.startswith("target.") and header.endswith("." + key) and target in header:
            return header
    return f"target.{target}.{key}"


def parse_cargo_lock(text: str, keep: Callable[[str], bool] | None = None) -> list[Declared]:
    """Every package of a Cargo.lock from a registry or git; those a local
    (workspace) package depends on are direct; local packages are not reported.
    With ``keep``, only the packages whose name it accepts are read."""
    direct: set[str] = set()
    wanted: list[tuple[int, dict[str, Any]]] = []
    for line, name, block in toml_blocks(text):
        if not name or not _CRATE.fullmatch(name):
            continue
        local = _SOURCE.search(block) is None
        if not local and keep is not None and not keep(name):
            continue
        entries = as_list(load_toml(block).get("package"))
        entry = as_dict(entries[0]) if entries else {}
        if local:
            for dep in as_list(entry.get("dependencies")):
                if isinstance(dep, str):
                    direct.add(dep.split(" ", 1)[0])
        elif as_str(entry.get("name")):
            wanted.append((line, entry))
    out: list[Declared] = []
    for line, entry in wanted:
        name = str(entry["name"])
        source = as_str(entry.get("source")) or ""
        out.append(
            Declared(
                name=name,
                line=line,
                resolved=as_str(entry.get("version")),
                direct=name in direct,
                source_url=source[4:] if source.startswith("git+") else None,
            )
        )
    return out
