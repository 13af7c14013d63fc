"""npm manifests and lock files: package.json, package-lock.json /
npm-shrinkwrap.json (v1, v2, v3), pnpm-lock.yaml (v5 to v9) and yarn.lock
(classic and berry). Names are npm names as published, scope included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import JsonKeys, as_dict, as_list, as_str, items, load_json

#: Which names a lock-file parser should report (``None``: all).
Keep = Callable[[str], bool] | None

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


def parse_package_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every installed package of a package-lock.json or npm-shrinkwrap.json.

    v2/v3 (``packages`` keyed by ``node_modules/...`` path): top-level packages
    the root declares are direct, nested ones transitive. v1 (nested
    ``dependencies``): all reported, not known to be direct.
    """
    data = as_dict(load_json(text))
    keys = JsonKeys(text)
    packages = data.get("packages")
    if isinstance(packages, dict):
        return _lock_v2(packages, keys, keep)
    out: list[Declared] = []
    _lock_v1(data.get("dependencies"), keys, out, 0, 0, keep)
    return out


def _lock_v2(packages: dict[Any, Any], keys: JsonKeys, keep: Keep) -> list[Declared]:
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
        if not valid_name(name) or (keep is not None and not keep(name)):
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


def _lock_v1(deps: Any, keys: JsonKeys, out: list[Declared], start: int, depth: int, keep: Keep) -> None:
    if depth > 64 or len(out) > 100_000:
        return
    for name, value in items(deps):
        entry = as_dict(value)
        if not valid_name(name):
            continue
        line = keys.line(name, start)
        version = as_str(entry.get("version"))
        real, rng = _alias(version or "")
        if keep is None or keep(real or name):
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
        _lock_v1(entry.get("dependencies"), keys, out, line, depth + 1, keep)


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


_PNPM_SECTIONS = {**PACKAGE_JSON_SECTIONS, "specifiers": ""}
_FLOW_FIELD = re.compile(r"(?:^|[{,\s])(tarball|repo):\s*([^,}\s]+)")


def _yaml_unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _yaml_pair(content: str) -> tuple[str, str]:
    """``key: value`` of one block-mapping line (key possibly quoted)."""
    if content[:1] in ("'", '"'):
        end = content.find(content[0], 1)
        while end != -1 and content[0] == "'" and content[end + 1 : end + 2] == "'":
            end = content.find("'", end + 2)
        if end == -1:
            return content, ""
        key = content[1:end].replace("''", "'") if content[0] == "'" else content[1:end]
        rest = content[end + 1 :].lstrip()
        return key, _yaml_unquote(rest[1:]) if rest.startswith(":") else ""
    pos = content.find(": ")
    if pos == -1:
        return (content[:-1], "") if content.endswith(":") else (content, "")
    return content[:pos], _yaml_unquote(content[pos + 2 :])


@dataclass(slots=True)
class _PnpmPackage:
    key: str
    line: int
    fields: dict[str, str]


def parse_pnpm_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a pnpm-lock.yaml (v5 to v9), direct when an importer
    (the root or a workspace package) declares it.

    pnpm writes its lock file in a fixed block layout, so it is read line by
    line (several times faster than building the YAML document).
    """
    direct: dict[tuple[str, str], tuple[str, str | None]] = {}
    specifiers: dict[tuple[str, str], str] = {}
    pending: dict[tuple[str, str, str], dict[str, str]] = {}
    packages: list[_PnpmPackage] = []
    top = importer = section = dep = ""
    field = ""
    for index, raw in enumerate(text.splitlines()):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("- "):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        key, value = _yaml_pair(stripped)
        if indent == 0:
            top, importer, section, dep = key, "", "", ""
            if top in _PNPM_SECTIONS:  # v5 single project: sections at the top
                importer, section = ".", top
            continue
        if top == "importers":
            if indent == 2:
                importer, section, dep = key, "", ""
            elif indent == 4:
                section, dep = (key if key in _PNPM_SECTIONS else ""), ""
            elif indent == 6 and section:
                dep = key
                if section == "specifiers":
                    specifiers[(importer, key)] = value
                elif value:
                    pending[(importer, section, key)] = {"version": value}
                else:
                    pending[(importer, section, key)] = {}
            elif indent == 8 and section and dep and (importer, section, dep) in pending:
                pending[(importer, section, dep)][key] = value
        elif top in _PNPM_SECTIONS:  # single project (v5, v6): no importers
            if indent == 2:
                dep = key
                if top == "specifiers":
                    specifiers[(".", key)] = value
                else:
                    pending[(".", top, key)] = {"version": value} if value else {}
            elif indent == 4 and dep and (".", top, dep) in pending:
                pending[(".", top, dep)][key] = value
        elif top == "packages":
            if indent == 2:
                packages.append(_PnpmPackage(key, index + 1, {}))
                field = ""
            elif packages and indent == 4:
                field = key
                packages[-1].fields[key] = value
            elif packages and indent == 6 and field == "resolution" and key in ("tarball", "repo"):
                packages[-1].fields[key] = value
    for (imp, sec, name), fields in pending.items():
        version = _pnpm_version(fields.get("version"))
        if version is None:
            continue
        if version.startswith(name + "@"):
            version = version[len(name) + 1 :]
        spec = fields.get("specifier") or specifiers.get((imp, name))
        direct.setdefault((name, version), (PACKAGE_JSON_SECTIONS[sec], spec))
    out: list[Declared] = []
    for package in packages:
        parsed = _pnpm_key(package.key)
        if parsed is None:
            continue
        name, version = parsed
        if keep is not None and not keep(name):
            continue
        fields = package.fields
        hit = direct.get((name, version))
        if hit:
            scope = hit[0]
        else:
            scope = "dev" if fields.get("dev") == "true" else "optional" if fields.get("optional") == "true" else "main"
        source = fields.get("tarball") or fields.get("repo")
        for match in _FLOW_FIELD.finditer(fields.get("resolution", "")):
            source = source or match.group(2)
        out.append(
            Declared(
                name=name,
                line=package.line,
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


_YARN_FIELD = re.compile(r'"?([\w-]+)"?:?(?:\s(.*))?$')
MAX_LINE = 8192


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
        if header and line.startswith("  ") and not line.startswith("   ") and len(line) <= MAX_LINE:
            match = _YARN_FIELD.match(line.strip())
            if match and match.group(2):
                fields[match.group(1)] = match.group(2).strip().strip('"')
    if header:
        yield header_line, header, fields


def parse_yarn_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a yarn.lock (classic v1 and berry). Whether it is a
    direct dependency is not recorded in the file."""
    out: list[Declared] = []
    for line, header, fields in _yarn_blocks(text):
        specs = [s for s in (_yarn_spec(p) for p in header.split(",")) if s]
        if not specs:
            continue
        name = specs[0][0]
        if keep is not None and not keep(name):
            continue
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


# --------------------------------------------------------------------------- bun.lock

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def parse_bun_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a text bun.lock (JSON with trailing commas), direct
    when a workspace declares it and it is installed at the top level."""
    data = as_dict(load_json(_TRAILING_COMMA.sub(r"\1", text)))
    keys = JsonKeys(text)
    direct: dict[str, tuple[str, str | None]] = {}
    for _, workspace in items(data.get("workspaces")):
        body = as_dict(workspace)
        for section, scope in PACKAGE_JSON_SECTIONS.items():
            for name, spec in items(body.get(section)):
                direct.setdefault(name, (scope, as_str(spec)))
    packages_line = keys.line("packages")
    out: list[Declared] = []
    for key, value in items(data.get("packages")):
        entry = as_list(value)
        spec = as_str(entry[0]) if entry else None
        if not spec:
            continue
        at = spec.rfind("@")
        if at <= 0:
            continue
        name, version = spec[:at], spec[at + 1 :]
        if keep is not None and not keep(name):
            continue
        if not valid_name(name) or version.startswith(("workspace:", "link:", "file:")):
            continue
        top = key in (name, *direct) and key.count("/") <= (1 if key.startswith("@") else 0)
        hit = direct.get(key) if top else None
        out.append(
            Declared(
                name=name,
                line=keys.line(key, packages_line),
                declared=hit[1] if hit else None,
                resolved=version.removeprefix("npm:"),
                direct=hit is not None,
                scope=hit[0] if hit else "main",
                source_url=version if _source(version) else None,
            )
        )
    return out
