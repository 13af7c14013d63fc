"""Python manifests and lock files: requirements files (with ``-r``/``-c``
includes), pyproject.toml (PEP 621, PEP 735 dependency groups, Poetry, PDM, uv),
setup.cfg, Pipfile, Pipfile.lock, poetry.lock, uv.lock and pdm.lock.

Names are PEP 503 normalised.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import (
    JsonKeys,
    Lines,
    Reader,
    as_dict,
    as_list,
    as_str,
    items,
    load_json,
    load_toml,
    toml_blocks,
    toml_sections,
    unreadable,
)

#: Which canonical names a lock-file parser should read (``None``: all).
Keep = Callable[[str], bool] | None

MAX_INCLUDE_DEPTH = 8
MAX_INCLUDES = 64

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REQUIREMENT = re.compile(
    rf"""^\s*(?P<name>{_NAME})\s*
    (?:\[(?P<extras>[^\]]*)\])?\s*
    (?:
        @\s*(?P<url>[^\s;]+(?:\s+[^\s;]+)*?)\s*
      | (?P<spec>\(?\s*(?:[<>=!~]=?|===)[^;]*?\)?)
    )?\s*
    (?:;\s*(?P<marker>.*?))?\s*$""",
    re.VERBOSE,
)
_EGG = re.compile(r"[#&]egg=(?P<name>" + _NAME + r")")
_WHEEL = re.compile(r"/(?P<name>[A-Za-z0-9_.]+)-(?P<version>[0-9][^-/]*?)(?:-[^/]*)?\.(?:whl|tar\.gz|zip)$")
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")
_SPACES = re.compile(r"\s+")
MAX_LINE = 8192
_PIN = re.compile(r"^\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*$")
_INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)")
_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_HASH = re.compile(r"\s--hash[=\s]\S+")
_OPTION = re.compile(r"^\s*-")


def valid_name(name: str) -> bool:
    """Whether ``name`` is a valid Python project name."""
    return len(name) <= 200 and re.fullmatch(_NAME, name) is not None


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return canonicalize_name(name)


@dataclass(frozen=True, slots=True)
class Requirement:
    """One PEP 508 requirement string, split."""

    name: str
    spec: str | None
    extras: tuple[str, ...]
    marker: str | None
    url: str | None

    @property
    def pinned(self) -> str | None:
        """The exact version of an ``==``/``===`` pin without wildcard."""
        if not self.spec:
            return None
        match = _PIN.match(self.spec.strip("() "))
        if match and "*" not in match.group(1):
            return match.group(1)
        return None


def parse_requirement(text: str) -> Requirement | None:
    """Split a PEP 508 requirement (``name[extras] spec ; marker`` or ``name @ url``)."""
    text = _SPACES.sub(" ", text).strip()  # one space at most between tokens: no backtracking blow-up
    if not text or len(text) > 4096:
        return None
    try:
        parsed = PackagingRequirement(text)
    except InvalidRequirement:
        return None
    extras = tuple(sorted({canonical(e) for e in parsed.extras}))
    # The constraint as written (packaging sorts the specifiers), without spaces or parentheses.
    match = _REQUIREMENT.match(text)
    written = match.group("spec") if match is not None else None
    spec = (written or str(parsed.specifier)).strip().strip("()").strip() or None
    if spec:
        spec = re.sub(r"\s+", "", spec)
    marker = None
    if parsed.marker is not None:  # as written, like the constraint
        marker = ((match.group("marker") if match is not None else None) or str(parsed.marker)).strip()
    return Requirement(canonical(parsed.name), spec, extras, marker, parsed.url or None)


def _declared(req: Requirement, line: int, scope: str, **kw: Any) -> Declared:
    return Declared(
        name=req.name,
        line=line,
        declared=req.spec or req.url,
        resolved=req.pinned,
        scope=scope,
        extras=req.extras,
        marker=req.marker,
        source_url=req.url,
        **kw,
    )


# --------------------------------------------------------------------------- requirements


def requirements_scope(path: str) -> str:
    """Scope implied by a requirements file's name (``requirements-dev.txt`` is dev)."""
    name = posixpath.basename(path).lower()
    parent = posixpath.basename(posixpath.dirname(path)).lower()
    for words, scope in (
        (("dev", "develop", "lint"), "dev"),
        (("test", "tests"), "test"),
        (("doc", "docs"), "docs"),
    ):
        stem = re.split(r"[^a-z]+", name.rsplit(".", 1)[0])
        if any(w in stem for w in words) or (parent in ("requirements", "reqs") and name.split(".")[0] in words):
            return scope
    return "main"


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based first line, joined text) with ``\\`` continuations joined and comments removed."""
    buf: list[str] = []
    start = 0
    for index, raw in enumerate(text.splitlines()):
        if len(raw) > MAX_LINE:
            buf = []
            continue
        if not buf:
            start = index + 1
        if raw.endswith("\\"):
            buf.append(raw[:-1])
            continue
        buf.append(raw)
        line = _COMMENT.sub("", " ".join(buf)).strip()
        buf = []
        if line:
            yield start, line
    if buf:
        line = _COMMENT.sub("", " ".join(buf)).strip()
        if line:
            yield start, line


_VIA_INLINE = re.compile(r"#\s*via\s+(.+)$")
_VIA_BLOCK = re.compile(r"^\s*#\s*via\s*(.*)$")
_VIA_ITEM = re.compile(r"^\s*#\s{2,}(\S.*)$")


def via_annotations(text: str) -> dict[int, list[str]]:
    """pip-compile / uv pip compile ``# via`` annotations by requirement line.

    A compiled requirements file lists every package; ``# via -r file`` marks
    the ones a source file asked for, ``# via other-package`` the transitive ones.
    """
    out: dict[int, list[str]] = {}
    current: int | None = None
    collecting = False
    for index, raw in enumerate(text.splitlines()):
        stripped = raw.strip()
        if not stripped:
            current, collecting = None, False
            continue
        if stripped.startswith("#"):
            block = _VIA_BLOCK.match(raw)
            if block and current is not None:
                rest = block.group(1).strip()
                out.setdefault(current, []).extend([rest] if rest else [])
                collecting = not rest
                continue
            item = _VIA_ITEM.match(raw)
            if item and current is not None and collecting:
                out.setdefault(current, []).append(item.group(1).strip())
                continue
            collecting = False
            continue
        if raw[:1].isspace() or stripped.startswith("-"):
            continue  # continuation (hashes) or an option line
        current, collecting = index + 1, False
        inline = _VIA_INLINE.search(raw)
        if inline:
            out[current] = [v.strip() for v in inline.group(1).split(",") if v.strip()]
    return out


def _via_direct(entries: list[str]) -> bool:
    """Asked for by a requirements source (``-r file``) or the project itself
    (``myproject (pyproject.toml)``), not only by other packages."""
    return any(
        e.startswith(("-r", "--requirement", "-e", "--editable"))
        or e.endswith(("(pyproject.toml)", "(setup.py)", "(setup.cfg)"))
        for e in entries
    )


def _url_requirement(url: str) -> Requirement | None:
    egg = _EGG.search(url)
    if egg:
        return Requirement(canonical(egg.group("name")), None, (), None, url)
    wheel = _WHEEL.search(url.split("#", 1)[0])
    if wheel:
        return Requirement(canonical(wheel.group("name")), "==" + wheel.group("version"), (), None, url)
    return None


def parse_requirements(text: str, read: Reader | None = None, *, path: str = "requirements.txt") -> list[Declared]:
    """Packages of a pip requirements file, following ``-r`` includes (and
    applying ``-c`` constraint pins) through ``read``, with cycle protection.

    ``path`` is the file's own path, used for the scope and to resolve nested
    includes; packages from included files carry ``file`` relative to the
    first file's directory.
    """
    state = _Includes(read, [], {}, {posixpath.normpath(posixpath.basename(path))})
    state.parse(text, None, requirements_scope(path), 0, constraints_only=False)
    out = state.out
    if state.pins:
        out = [replace(d, resolved=d.resolved or state.pins.get(d.name)) for d in out]
    return out


@dataclass(slots=True)
class _Includes:
    """State while reading a requirements file and the files it includes."""

    read: Reader | None
    out: list[Declared]
    pins: dict[str, str]
    seen: set[str]

    def parse(self, text: str, rel: str | None, scope: str, depth: int, *, constraints_only: bool) -> None:
        via = via_annotations(text) if "via" in text else {}
        for line, content in _logical_lines(text):
            include = _INCLUDE.match(content)
            if include:
                constraint = include.group(1) in ("-c", "--constraint") or constraints_only
                self.follow(include.group(2), rel, depth, constraint=constraint)
                continue
            content = _HASH.sub("", " " + content).strip()
            editable = _EDITABLE.match(content)
            req: Requirement | None
            if editable:
                req = _url_requirement(editable.group(1))
            elif _OPTION.match(content):
                continue
            elif re.match(r"^[a-z0-9+]+://|^git\+", content, re.IGNORECASE):
                req = _url_requirement(content.split()[0])
            else:
                req = parse_requirement(content)
            if req is None:
                continue
            if constraints_only:
                if req.pinned:
                    self.pins.setdefault(req.name, req.pinned)
                continue
            entries = via.get(line)
            direct = True if entries is None else _via_direct(entries)
            self.out.append(_declared(req, line, scope, file=rel, direct=direct))

    def follow(self, target: str, rel: str | None, depth: int, *, constraint: bool) -> None:
        if self.read is None or depth >= MAX_INCLUDE_DEPTH or len(self.seen) >= MAX_INCLUDES or "://" in target:
            return
        base = posixpath.dirname(rel) if rel else ""
        joined = posixpath.normpath(posixpath.join(base, target))
        if joined in self.seen:
            return
        self.seen.add(joined)
        text = self.read(joined)
        if text is None:
            return
        # An included file's packages keep the scope its own name implies, so
        # the same file reached directly or through an include reads the same.
        self.parse(text, joined, requirements_scope(joined), depth + 1, constraints_only=constraint)


# --------------------------------------------------------------------------- pyproject.toml


def _group_scope(group: str) -> str:
    low = canonical(group)
    if low in ("dev", "develop", "development"):
        return "dev"
    if low in ("test", "tests", "testing"):
        return "test"
    return f"group:{low}"


def _section_lines(lines: Lines, sections: dict[str, tuple[int, int]], key: str) -> tuple[int, int | None]:
    start, end = sections.get(key, (0, None))
    return start, end


def _pep508_list(values: Iterable[Any], lines: Lines, start: int, end: int | None, scope: str) -> Iterator[Declared]:
    for value in values:
        text = as_str(value)
        if text is None:
            continue
        req = parse_requirement(text)
        if req is None:
            continue
        raw = re.match(r"\s*(" + _NAME + ")", text)
        line = lines.quoted(text, raw.group(1) if raw else req.name, start, end)
        yield _declared(req, line, scope)


def _poetry_value(name: str, value: Any, line: int, scope: str) -> Declared | None:
    if isinstance(value, list):  # multiple-constraint dependencies: take the first
        value = value[0] if value else None
    if isinstance(value, str):
        return Declared(name=name, line=line, declared=value, resolved=_poetry_pin(value), scope=scope)
    table = as_dict(value)
    if not table:
        return None
    version = as_str(table.get("version"))
    source = None
    for key in ("git", "url", "path"):
        if as_str(table.get(key)):
            source = as_str(table.get(key))
            break
    extras = tuple(sorted(canonical(e) for e in as_list(table.get("extras")) if isinstance(e, str)))
    if table.get("optional") is True and scope == "main":
        scope = "optional"
    marker = as_str(table.get("markers"))
    ref = next((as_str(table.get(k)) for k in ("tag", "rev", "branch") if as_str(table.get(k))), None)
    declared = version or (f"{source}@{ref}" if source and ref else source)
    return Declared(
        name=name,
        line=line,
        declared=declared,
        resolved=_poetry_pin(version) if version else None,
        scope=scope,
        extras=extras,
        marker=marker,
        source_url=source,
    )


def _poetry_pin(version: str) -> str | None:
    version = version.strip()
    if re.fullmatch(r"==?\s*[0-9][A-Za-z0-9.+!_-]*", version):
        return version.lstrip("= ")
    if re.fullmatch(r"[0-9][A-Za-z0-9.+!_-]*", version):
        return version
    return None


def _poetry_table(
    table: Any, lines: Lines, sections: dict[str, tuple[int, int]], key: str, scope: str
) -> Iterator[Declared]:
    start, end = _section_lines(lines, sections, key)
    for raw, value in items(table):
        if raw.lower() == "python" or not valid_name(raw):
            continue
        sub = sections.get(f"{key}.{raw}")
        line = sub[0] if sub else lines.key(raw, start, end)
        found = _poetry_value(canonical(raw), value, line, scope)
        if found is not None:
            yield found


def parse_pyproject(text: str) -> list[Declared]:
    """Dependencies of a pyproject.toml in every dialect in common use."""
    data = load_toml(text)
    if not data:
        return []
    lines = Lines(text)
    sections = toml_sections(text)
    out: list[Declared] = []
    project = as_dict(data.get("project"))
    start, end = _section_lines(lines, sections, "project")
    out.extend(_pep508_list(as_list(project.get("dependencies")), lines, start, end, "main"))
    optional = project.get("optional-dependencies")
    opt_key = "project.optional-dependencies"
    o_start, o_end = sections.get(opt_key, (start, end))
    for group, values in items(optional):
        g_line = lines.key(group, o_start, o_end, default=o_start) - 1
        out.extend(_pep508_list(as_list(values), lines, g_line, o_end, f"optional:{canonical(group)}"))
    g_start, g_end = sections.get("dependency-groups", (0, None))
    for group, values in items(data.get("dependency-groups")):
        g_line = lines.key(group, g_start, g_end, default=g_start) - 1
        out.extend(_pep508_list(as_list(values), lines, g_line, g_end, _group_scope(group)))
    b_start, b_end = sections.get("build-system", (0, None))
    out.extend(_pep508_list(as_list(as_dict(data.get("build-system")).get("requires")), lines, b_start, b_end, "build"))

    tool = as_dict(data.get("tool"))
    poetry = as_dict(tool.get("poetry"))
    out.extend(_poetry_table(poetry.get("dependencies"), lines, sections, "tool.poetry.dependencies", "main"))
    out.extend(_poetry_table(poetry.get("dev-dependencies"), lines, sections, "tool.poetry.dev-dependencies", "dev"))
    for group, body in items(poetry.get("group")):
        key = f"tool.poetry.group.{group}.dependencies"
        out.extend(_poetry_table(as_dict(body).get("dependencies"), lines, sections, key, _group_scope(group)))
    pdm = as_dict(tool.get("pdm"))
    p_start, p_end = sections.get("tool.pdm.dev-dependencies", (0, None))
    for group, values in items(pdm.get("dev-dependencies")):
        g_line = lines.key(group, p_start, p_end, default=p_start) - 1
        out.extend(_pep508_list(as_list(values), lines, g_line, p_end, _group_scope(group)))
    uv = as_dict(tool.get("uv"))
    u_start, u_end = sections.get("tool.uv", (0, None))
    out.extend(_pep508_list(as_list(uv.get("dev-dependencies")), lines, u_start, u_end, "dev"))
    return out


# --------------------------------------------------------------------------- setup.cfg


def parse_setup_cfg(text: str) -> list[Declared]:
    """``install_requires``, ``extras_require``, ``setup_requires`` and
    ``tests_require`` of a setup.cfg."""
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, comment_prefixes=("#", ";"), inline_comment_prefixes=None
    )
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError, KeyError) as exc:
        unreadable(f"not valid setup.cfg syntax: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        return []
    lines = Lines(text)
    out: list[Declared] = []

    def section_start(name: str) -> tuple[int, int | None]:
        index = lines.header(r"^\s*\[\s*" + re.escape(name) + r"\s*\]")
        if index is None:
            return 0, None
        nxt = lines.find(re.compile(r"^\s*\["), index + 1)
        return index + 1, (nxt - 1 if nxt else None)

    def requirements(value: str, start: int, end: int | None, scope: str) -> None:
        for item in re.split(r"[\n]", value):
            item = _COMMENT.sub("", item).strip()
            if not item:
                continue
            req = parse_requirement(item)
            if req is not None:
                raw = re.match(r"\s*(" + _NAME + ")", item)
                out.append(_declared(req, lines.token(raw.group(1) if raw else req.name, start, end), scope))

    if parser.has_section("options"):
        start, end = section_start("options")
        for key, scope in (
            ("install_requires", "main"),
            ("setup_requires", "build"),
            ("tests_require", "test"),
        ):
            if parser.has_option("options", key):
                k_line = lines.key(key, start, end, default=start + 1) - 1
                requirements(parser.get("options", key), k_line, end, scope)
    if parser.has_section("options.extras_require"):
        start, end = section_start("options.extras_require")
        for extra, value in parser.items("options.extras_require"):
            k_line = lines.key(extra, start, end, default=start + 1) - 1
            requirements(value, k_line, end, f"optional:{canonical(extra)}")
    return out


# --------------------------------------------------------------------------- Pipfile


def parse_pipfile(text: str) -> list[Declared]:
    """``[packages]`` (main), ``[dev-packages]`` (dev) and custom categories of a Pipfile."""
    data = load_toml(text)
    lines = Lines(text)
    sections = toml_sections(text)
    out: list[Declared] = []
    for section, body in items(data):
        if section in ("source", "requires", "scripts", "pipenv"):
            continue
        scope = (
            "main" if section == "packages" else "dev" if section == "dev-packages" else f"group:{canonical(section)}"
        )
        start, end = sections.get(section, (0, None))
        for raw, value in items(body):
            if not valid_name(raw):
                continue
            line = lines.key(raw, start, end)
            name = canonical(raw)
            if isinstance(value, str):
                spec = None if value.strip() == "*" else value.strip()
                out.append(
                    Declared(name=name, line=line, declared=spec, resolved=_poetry_pin(spec or "x"), scope=scope)
                )
                continue
            table = as_dict(value)
            if not table:
                continue
            version = as_str(table.get("version"))
            version = None if version == "*" else version
            source = next((as_str(table.get(k)) for k in ("git", "file", "path") if as_str(table.get(k))), None)
            extras = tuple(sorted(canonical(e) for e in as_list(table.get("extras")) if isinstance(e, str)))
            out.append(
                Declared(
                    name=name,
                    line=line,
                    declared=version or source,
                    resolved=_poetry_pin(version) if version else None,
                    scope=scope,
                    extras=extras,
                    marker=as_str(table.get("markers")),
                    source_url=source,
                )
            )
    return out


def parse_pipfile_lock(text: str) -> list[Declared]:
    """Every locked package of a Pipfile.lock (``default`` main, ``develop`` dev)."""
    data = load_json(text)
    keys = JsonKeys(text)
    out: list[Declared] = []
    for section, body in items(data):
        if section == "_meta":
            continue
        scope = "main" if section == "default" else "dev" if section == "develop" else f"group:{canonical(section)}"
        sec_line = keys.line(section)
        for raw, value in items(body):
            if not valid_name(raw):
                continue
            entry = as_dict(value)
            version = as_str(entry.get("version"))
            resolved = version.lstrip("=") if version else None
            source = as_str(entry.get("git")) or as_str(entry.get("file"))
            extras = tuple(sorted(canonical(e) for e in as_list(entry.get("extras")) if isinstance(e, str)))
            out.append(
                Declared(
                    name=canonical(raw),
                    line=keys.line(raw, sec_line),
                    declared=version,
                    resolved=resolved or as_str(entry.get("ref")),
                    direct=False,
                    scope=scope,
                    extras=extras,
                    marker=as_str(entry.get("markers")),
                    source_url=source,
                )
            )
    return out


# --------------------------------------------------------------------------- lock files with [[package]]


def _lock_packages(
    text: str, keep: Keep = None, always: Callable[[str], bool] | None = None, table: str = "package"
) -> Iterator[tuple[dict[str, Any], int]]:
    """Entries of a ``[[package]]`` lock file with the line of their name;
    with ``keep``, only entries whose name it accepts (or ``always`` does) are parsed."""
    for line, raw, block in toml_blocks(text, table):
        if raw is None or not valid_name(raw):
            continue
        if keep is not None and not keep(canonical(raw)) and not (always is not None and always(block)):
            continue
        entries = as_list(load_toml(block).get(table))
        if entries and isinstance(entries[0], dict) and as_str(entries[0].get("name")):
            yield as_dict(entries[0]), line


def parse_poetry_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a poetry.lock (scope from ``groups``/``category``)."""
    out: list[Declared] = []
    for entry, line in _lock_packages(text, keep):
        groups = [g for g in as_list(entry.get("groups")) if isinstance(g, str)]
        category = as_str(entry.get("category"))
        if groups:
            scope = "main" if "main" in groups else _group_scope(groups[0])
        elif category:
            scope = "main" if category == "main" else _group_scope(category)
        else:
            scope = "main"
        if entry.get("optional") is True and scope == "main":
            scope = "optional"
        source = as_dict(entry.get("source"))
        url = as_str(source.get("url")) if as_str(source.get("type")) in ("git", "url", "file", "directory") else None
        out.append(
            Declared(
                name=canonical(str(entry["name"])),
                line=line,
                resolved=as_str(entry.get("version")),
                direct=False,
                scope=scope,
                source_url=url,
            )
        )
    return out


_UV_ROOT = re.compile(r"^source\s*=\s*\{\s*(?:editable|virtual)\s*=", re.MULTILINE)


def parse_uv_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a uv.lock. Packages the project itself (editable or
    virtual sources) depends on are direct; the project is not reported."""
    entries = list(_lock_packages(text, keep, lambda block: _UV_ROOT.search(block) is not None))
    direct: dict[str, str] = {}
    roots: set[str] = set()
    for entry, _ in entries:
        source = as_dict(entry.get("source"))
        if not any(k in source for k in ("editable", "virtual")):
            continue
        roots.add(canonical(str(entry["name"])))
        for dep in as_list(entry.get("dependencies")):
            dep_name = as_str(as_dict(dep).get("name"))
            if dep_name:
                direct.setdefault(canonical(dep_name), "main")
        for group, deps in items(entry.get("optional-dependencies")):
            for dep in as_list(deps):
                dep_name = as_str(as_dict(dep).get("name"))
                if dep_name:
                    direct.setdefault(canonical(dep_name), f"optional:{canonical(group)}")
        for group, deps in items(entry.get("dev-dependencies")):
            for dep in as_list(deps):
                dep_name = as_str(as_dict(dep).get("name"))
                if dep_name:
                    direct.setdefault(canonical(dep_name), _group_scope(group))
    out: list[Declared] = []
    for entry, line in entries:
        name = canonical(str(entry["name"]))
        if name in roots:
            continue
        source = as_dict(entry.get("source"))
        url = as_str(source.get("git")) or as_str(source.get("url"))
        out.append(
            Declared(
                name=name,
                line=line,
                resolved=as_str(entry.get("version")),
                direct=name in direct,
                scope=direct.get(name, "main"),
                source_url=url,
            )
        )
    return out


def parse_pdm_lock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a pdm.lock (scope from ``groups``)."""
    out: list[Declared] = []
    for entry, line in _lock_packages(text, keep):
        groups = [g for g in as_list(entry.get("groups")) if isinstance(g, str)]
        scope = "main" if not groups or "default" in groups else _group_scope(groups[0])
        out.append(
            Declared(
                name=canonical(str(entry["name"])),
                line=line,
                resolved=as_str(entry.get("version")),
                direct=False,
                scope=scope,
                source_url=as_str(entry.get("git")) or as_str(entry.get("url")),
            )
        )
    return out


# --------------------------------------------------------------------------- setup.py

_SETUP_KEYS = {"install_requires": "main", "setup_requires": "build", "tests_require": "test"}


def parse_setup_py(text: str) -> list[Declared]:
    """``install_requires``, ``extras_require``, ``setup_requires`` and
    ``tests_require`` of ``setup(...)`` calls in a setup.py, read statically.

    The file is parsed, never run: only list, tuple and dict literals (or a
    module-level name bound to one) are understood.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        unreadable(f"line {exc.lineno}: not valid Python syntax ({exc.msg})")
        return []
    except (ValueError, RecursionError, MemoryError) as exc:
        unreadable(f"cannot be parsed as Python: {type(exc).__name__}")
        return []
    names: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = node.value
    out: list[Declared] = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or _call_name(call.func) != "setup":
            continue
        for keyword in call.keywords:
            value = names.get(keyword.value.id, keyword.value) if isinstance(keyword.value, ast.Name) else keyword.value
            if keyword.arg in _SETUP_KEYS:
                out.extend(_setup_strings(value, _SETUP_KEYS[keyword.arg], names))
            elif keyword.arg == "extras_require" and isinstance(value, ast.Dict):
                for key, group in zip(value.keys, value.values, strict=False):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        out.extend(_setup_strings(group, f"optional:{canonical(key.value)}", names))
    return out


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _setup_strings(
    node: ast.expr, scope: str, names: dict[str, ast.expr] | None = None, depth: int = 0
) -> Iterator[Declared]:
    names = names or {}
    if isinstance(node, ast.Name) and depth < 8:
        node = names.get(node.id, node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and depth < 8:
        yield from _setup_strings(node.left, scope, names, depth + 1)
        yield from _setup_strings(node.right, scope, names, depth + 1)
        return
    if not isinstance(node, ast.List | ast.Tuple):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a single multi-line string
            spans = node.end_lineno is not None and node.end_lineno > node.lineno
            for offset, item in enumerate(node.value.splitlines()):
                req = parse_requirement(_COMMENT.sub("", item))
                if req is not None:
                    yield _declared(req, node.lineno + offset if spans else node.lineno, scope)
        return
    for element in node.elts:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            req = parse_requirement(element.value)
            if req is not None:
                yield _declared(req, element.lineno, scope)


# --------------------------------------------------------------------------- pylock.toml (PEP 751)


def parse_pylock(text: str, keep: Keep = None) -> list[Declared]:
    """Every package of a PEP 751 lock file (``pylock.toml``, ``pylock.<name>.toml``)."""
    out: list[Declared] = []
    for entry, line in _lock_packages(text, keep, table="packages"):
        name = canonical(str(entry["name"]))
        vcs = as_dict(entry.get("vcs"))
        archive = as_dict(entry.get("archive"))
        out.append(
            Declared(
                name=name,
                line=line,
                resolved=as_str(entry.get("version")) or as_str(vcs.get("commit-id")),
                direct=False,
                marker=as_str(entry.get("marker")),
                source_url=as_str(vcs.get("url")) or as_str(archive.get("url")),
            )
        )
    return out
