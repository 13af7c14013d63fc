"""NuGet: project files (``*.csproj``, ``*.fsproj``, ``*.vbproj``:
``PackageReference`` with a ``Version`` attribute or child element), central
package management (``Directory.Packages.props``: ``PackageVersion``,
``GlobalPackageReference``), ``packages.config`` and ``packages.lock.json``.
Names are package ids in lower case."""

from __future__ import annotations

import re
from dataclasses import replace
from xml.etree.ElementTree import Element

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import (
    JsonKeys,
    Reader,
    as_dict,
    as_str,
    attr,
    child_text,
    items,
    load_json,
    local,
    parse_xml,
)
from openaims.untrusted import xml_line

_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def _exact(spec: str | None) -> str | None:
    if not spec:
        return None
    spec = spec.strip()
    match = re.fullmatch(r"\[?\s*([0-9][0-9A-Za-z.+-]*)\s*\]?", spec)
    if match and (not spec.startswith("[") or spec.endswith("]")):
        return match.group(1)
    return None


def _references(root: Element, tags: dict[str, str]) -> list[Declared]:
    out: list[Declared] = []
    lowered = {key.lower(): value for key, value in tags.items()}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = local(element.tag).lower()
        if tag not in lowered:
            continue
        name = attr(element, "Include") or attr(element, "Update")
        if not name or not _ID.fullmatch(name):
            continue
        version = (
            attr(element, "Version")
            or child_text(element, "Version")
            or attr(element, "VersionOverride")
            or child_text(element, "VersionOverride")
        )
        scope = lowered[tag]
        private = attr(element, "PrivateAssets") or child_text(element, "PrivateAssets")
        extra: tuple[tuple[str, str], ...] = ()
        if private and private.lower() == "all" and scope == "main":
            scope = "build"
        if attr(element, "Update") and not attr(element, "Include"):
            extra = (("update", "true"),)
        out.append(
            Declared(
                name=name.lower(),
                line=xml_line(element),
                declared=version,
                resolved=_exact(version),
                scope=scope,
                extra=extra,
            )
        )
    return out


MAX_PROPS_DEPTH = 8


def parse_project(text: str, read: Reader | None = None) -> list[Declared]:
    """``PackageReference`` items of an MSBuild project file.

    With central package management the version lives in the nearest
    ``Directory.Packages.props`` up the tree; ``read`` (relative to the
    project's directory) lets it be found.
    """
    root = parse_xml(text)
    if root is None:
        return []
    found = _references(root, {"PackageReference": "main"})
    if read is None or all(d.declared for d in found):
        return found
    central = _central_versions(read)
    out: list[Declared] = []
    for dep in found:
        version = central.get(dep.name)
        if dep.declared is None and version:
            dep = replace(dep, declared=version, resolved=_exact(version), extra=(*dep.extra, ("managed", "true")))
        out.append(dep)
    return out


def _central_versions(read: Reader) -> dict[str, str]:
    for depth in range(MAX_PROPS_DEPTH):
        text = read("../" * depth + "Directory.Packages.props")
        if text is not None:
            return {d.name: d.declared for d in parse_directory_packages(text) if d.declared and d.scope == "managed"}
    return {}


def parse_directory_packages(text: str) -> list[Declared]:
    """Central versions (``PackageVersion``) and global references of Directory.Packages.props."""
    root = parse_xml(text)
    if root is None:
        return []
    return _references(
        root, {"PackageVersion": "managed", "GlobalPackageReference": "main", "PackageReference": "main"}
    )


def parse_packages_config(text: str) -> list[Declared]:
    """``<package id version/>`` entries of a packages.config."""
    root = parse_xml(text)
    if root is None:
        return []
    out: list[Declared] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or local(element.tag).lower() != "package":
            continue
        name = attr(element, "id")
        if not name or not _ID.fullmatch(name):
            continue
        version = attr(element, "version")
        dev = (attr(element, "developmentDependency") or "").lower() == "true"
        out.append(
            Declared(
                name=name.lower(),
                line=xml_line(element),
                declared=version,
                resolved=_exact(version),
                scope="dev" if dev else "main",
            )
        )
    return out


def parse_packages_lock(text: str) -> list[Declared]:
    """Every package of a NuGet packages.lock.json (``type`` Direct / Transitive)."""
    data = as_dict(load_json(text))
    keys = JsonKeys(text)
    out: list[Declared] = []
    seen: set[tuple[str, str | None]] = set()
    for framework, deps in items(data.get("dependencies")):
        start = keys.line(framework)
        for raw, value in items(deps):
            if not _ID.fullmatch(raw):
                continue
            entry = as_dict(value)
            kind = (as_str(entry.get("type")) or "").lower()
            if kind == "project":
                continue
            resolved = as_str(entry.get("resolved"))
            key = (raw.lower(), resolved)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Declared(
                    name=raw.lower(),
                    line=keys.line(raw, start),
                    declared=as_str(entry.get("requested")),
                    resolved=resolved,
                    direct=kind == "direct",
                    extra=(("framework", framework),),
                )
            )
    return out
