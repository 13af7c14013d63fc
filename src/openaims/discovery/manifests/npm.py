"""npm manifests and lock files: package.json, package-lock.json /
npm-shrinkwrap.json (v1, v2, v3), pnpm-lock.yaml (v5 to v9) and yarn.lock
(classic and berry). Names are npm names as published, scope included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import JsonKeys, as_dict, as_list, as_str, items, load_json, load_yaml

PACKAGE_JSON_SECTIONS: dict[str, str] = {
    "dependencies": "main",
    "devDependencies": "dev",
    "peerDependencies": "peer",
    "optionalDependencies": "optional",
}
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9_.~-][\w.~-]*$", re.IGNORECASE)
_EXACT = re.compile(r"^v?=?\s*(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$")


def valid_name(name: str) -> bool:
    return bool(_NPM_NAME.match(name)) and len(name) <= 214


def _alias(spec: str) -> tuple[str | None, str]:
    """``npm:real-name@range`` -> (real-name, range)."""
    if not spec.startswith("npm:"):
        return None, spec
    body = spec[4:]
    at = body.find("@", 1)
    if at == -1:
        return body, ""
    return body[:at], body[at + 1 :]


def _source(spec: str) -> str | None:
    if re.match(r"^(git\+|git:|github:|gitlab:|bitbucket:|https?://|file:|link:)", spec) or re.match(
        r"^[\w.-]+/[\w.-]+(#.*)?$", spec
    ):
        return spec
    return None


def exact_version(spec: str | None) -> str | None:
    """The version of an exact npm range (``1.2.3``, ``=1.2.3``)."""
    if not spec:
        return None
    match = _EXACT.match(spec.strip())
    return match.group(1) if match else None


def parse_package_json(text: str) -> list[Declared]:
    """Every dependency section of a package.json, bundled ones marked."""
    data = as_dict(load_json(text))
    keys = JsonKeys(text)
    out: list[Declared] = []
    bundled_raw = data.get("bundleDependencies", data.get("bundledDependencies"))
    bundled = {b for b in as_list(bundled_raw) if isinstance(b, str)}
    for section, scope in PACKAGE_JSON_SECTIONS.items():
        body = data.get(section)
        if not isinstance(body, dict):
            continue
        start = keys.line(section)
        for raw, value in items(body):
            spec = as_str(value) or ""
            real, rng = _alias(spec)
            name = real or raw
            if not valid_name(name):
                continue
            extra: tuple[tuple[str, str], ...] = (("alias", raw),) if real else ()
            if raw in bundled or (bundled_raw is True and scope == "main"):
                extra += (("bundled", "true"),)
            out.append(
                Declared(
                    name=name,
                    line=keys.line(raw, start),
                    declared=rng or None,
                    resolved=exact_version(rng),
                    scope=scope,
                    source_url=_source(rng),
                    extra=extra,
                )
            )
    return out


# --------------------------------------------------------------------------- package-lock.json


def _lock_scope(entry: dict[str, Any]) -> str:
    if entry.get("dev") is True or entry.get("devOptional") is True:
        return "dev"
    if entry.get("peer") is True:
        return "peer"
    if entry.get("optional") is True:
        return "optional"
    return "main"


def parse_package_lock(text: str) -> list[Declared]:
    """Every installed package of a package-lock.json or npm-shrinkwrap.json.

    v2/v3 (``packages`` keyed by ``node_modules/...`` path): top-level packages
    the root declares are direct, nested ones transitive. v1 (nested
    ``dependencies``): all reported, not known to be direct.
    """
    data = as_dict(load_json(text))
    keys = JsonKeys(text)
    packages = data.get("packages")
    if isinstance(packages, dict):
        return _lock_v2(packages, keys)
    out: list[Declared] = []
    _lock_v1(data.get("dependencies"), keys, out, 0, 0)
    return out


def _lock_v2(packages: dict[Any, Any], keys: JsonKeys) -> list[Declared]:
    root = as_dict(packages.get(""))
    direct: dict[str, str] = {}
    for section, scope in PACKAGE_JSON_SECTIONS.items():
        for name in as_dict(root.get(section)):
            direct.setdefault(name, scope)
    out: list[Declared] = []
    for key, value in items(packages):
        if "node_modules/" not in key:
            continue
        entry = as_dict(value)
        if entry.get("link") is True:
            continue
        name = as_str(entry.get("name")) or key.rsplit("node_modules/", 1)[1]
        if not valid_name(name):
            continue
        top = key.count("node_modules/") == 1 and key.startswith("node_modules/")
        is_direct = top and key[len("node_modules/") :] in direct
        scope = direct[key[len("node_modules/") :]] if is_direct else _lock_scope(entry)
        resolved_url = as_str(entry.get("resolved"))
        out.append(
            Declared(
                name=name,
                line=keys.line(key),
                resolved=as_str(entry.get("version")),
                direct=is_direct,
                scope=scope,
                source_url=resolved_url if resolved_url and not _registry(resolved_url) else None,
                extra=(("path", key),),
            )
        )
    return out


def _registry(url: str) -> bool:
    return "registry.npmjs.org" in url or "registry.yarnpkg.com" in url or url.endswith(".tgz")


def _lock_v1(deps: Any, keys: JsonKeys, out: list[Declared], start: int, depth: int) -> None:
    if depth > 64 or len(out) > 100_000:
        return
    for name, value in items(deps):
        entry = as_dict(value)
        if not valid_name(name):
            continue
        line = keys.line(name, start)
        version = as_str(entry.get("version"))
        real, rng = _alias(version or "")
        out.append(
            Declared(
                name=real or name,
                line=line,
                resolved=rng or None,
                direct=False,
                scope=_lock_scope(entry),
                source_url=rng if rng and _source(rng) else None,
            )
        )
        _lock_v1(entry.get("dependencies"), keys, out, line, depth + 1)


# --------------------------------------------------------------------------- pnpm-lock.yaml


_PEER_SUFFIX = re.compile(r"[(_].*$")
_PNPM_V5 = re.compile(r"^((?:@[^/@]+/)?[^/@]+)/([^/]+)$")


def _pnpm_key(key: str) -> tuple[str, str] | None:
    """``/@scope/name@1.0.0(peer)`` (v6+), ``/name/1.0.0_peer`` (v5) or
    ``name@1.0.0`` (v9) -> (name, version)."""
    key = key.strip().strip("'\"")
    if key.startswith("/"):
        key = key[1:]
    base = key.split("(", 1)[0]
    at = base.rfind("@")
    name, version = (base[:at], base[at + 1 :]) if at > 0 else ("", "")
    if not valid_name(name):
        v5 = _PNPM_V5.match(base)
        if v5 is None:
            return None
        name, version = v5.group(1), v5.group(2)
    version = _PEER_SUFFIX.sub("", version)
    if not valid_name(name) or not version:
        return None
    return name, version


def _pnpm_version(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("version")
    text = as_str(value)
    if text is None:
        return None
    return _PEER_SUFFIX.sub("", text.lstrip("/")) or None


def parse_pnpm_lock(text: str) -> list[Declared]:
    """Every package of a pnpm-lock.yaml, direct when an importer (the root
    or a workspace package) declares it."""
    data = as_dict(load_yaml(text))
    if not data:
        return []
    direct: dict[tuple[str, str], tuple[str, str | None]] = {}
    importers = as_dict(data.get("importers"))
    if not importers:  # v5 single project: top-level sections
        importers = {".": data}
    for _, importer in items(importers):
        body = as_dict(importer)
        specifiers = as_dict(body.get("specifiers"))
        for section, scope in PACKAGE_JSON_SECTIONS.items():
            for name, value in items(body.get(section)):
                version = _pnpm_version(value)
                if version is None:
                    continue
                if version.startswith(name + "@"):
                    version = version[len(name) + 1 :]
                spec = (
                    as_str(as_dict(value).get("specifier"))
                    if isinstance(value, dict)
                    else as_str(specifiers.get(name))
                )
                direct.setdefault((name, version), (scope, spec))
    key_lines: dict[str, int] = {}
    in_packages = False
    key_pat = re.compile(r"^  (['\"]?)(\S.*?)\1:\s*$")
    for index, line in enumerate(text.splitlines()):
        if line and not line.startswith(" "):
            in_packages = line.rstrip().startswith("packages:")
            continue
        if in_packages:
            match = key_pat.match(line)
            if match:
                key_lines.setdefault(match.group(2), index + 1)
    out: list[Declared] = []
    for key, value in items(data.get("packages")):
        parsed = _pnpm_key(key)
        if parsed is None:
            continue
        name, version = parsed
        entry = as_dict(value)
        hit = direct.get((name, version))
        scope = (
            hit[0]
            if hit
            else (
                "dev" if entry.get("dev") is True else "optional" if entry.get("optional") is True else "main"
            )
        )
        resolution = as_dict(entry.get("resolution"))
        source = as_str(resolution.get("tarball")) or as_str(resolution.get("repo"))
        out.append(
            Declared(
                name=name,
                line=key_lines.get(key, 1),
                declared=hit[1] if hit else None,
                resolved=version,
                direct=hit is not None,
                scope=scope,
                source_url=source,
            )
        )
    return out


# --------------------------------------------------------------------------- yarn.lock


def _yarn_spec(spec: str) -> tuple[str, str] | None:
    spec = spec.strip().strip("\"'")
    at = spec.find("@", 1)
    if at == -1:
        return None
    name, rng = spec[:at], spec[at + 1 :]
    if rng.startswith("npm:"):
        rng = rng[4:]
        if "@" in rng[1:]:  # aliased: name@npm:real@range
            real_at = rng.find("@", 1)
            name, rng = rng[:real_at], rng[real_at + 1 :]
    if not valid_name(name):
        return None
    return name, rng


def _yarn_blocks(text: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    header_line = 0
    header = ""
    fields: dict[str, str] = {}
    for index, line in enumerate(text.splitlines()):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            if header:
                yield header_line, header, fields
            header, header_line, fields = "", 0, {}
            if line.rstrip().endswith(":") and not line.startswith("__metadata"):
                header, header_line = line.rstrip()[:-1], index + 1
            continue
        if header and line.startswith("  ") and not line.startswith("   "):
            match = re.match(r'^  ("?)([\w-]+)\1:?\s+"?([^"]*)"?\s*$', line)
            if match:
                fields[match.group(2)] = match.group(3)
    if header:
        yield header_line, header, fields


def parse_yarn_lock(text: str) -> list[Declared]:
    """Every package of a yarn.lock (classic v1 and berry). Whether it is a
    direct dependency is not recorded in the file."""
    out: list[Declared] = []
    for line, header, fields in _yarn_blocks(text):
        specs = [s for s in (_yarn_spec(p) for p in header.split(",")) if s]
        if not specs:
            continue
        name = specs[0][0]
        ranges = sorted({rng for n, rng in specs if n == name})
        if any(r.startswith("workspace:") for r in ranges):
            continue
        resolved = fields.get("version")
        source = fields.get("resolved") or fields.get("resolution")
        out.append(
            Declared(
                name=name,
                line=line,
                declared=" || ".join(ranges) if ranges else None,
                resolved=resolved,
                direct=False,
                source_url=source if source and not _registry(source) and "@npm:" not in source else None,
            )
        )
    return out
