"""JVM builds: Maven pom.xml (properties resolved within the file,
dependencyManagement, profiles, BOM imports), Gradle build scripts (Groovy and
Kotlin DSL, string and map notations, platforms) and Gradle version catalogs
(``libs.versions.toml``). Names are ``group:artifact``."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from openaims.discovery.manifests import Declared
from openaims.discovery.manifests._util import (
    Lines,
    Reader,
    as_dict,
    as_list,
    as_str,
    child_text,
    children,
    items,
    load_toml,
    local,
    parse_xml,
    toml_sections,
)
from openaims.untrusted import xml_line

MAX_LINE = 8192  # longer lines are not manifest lines; skipping them bounds regex work
MAX_VALUE = 1024
_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_SPACES = re.compile(r"\s+")
_MAVEN_SCOPES = {
    "compile": "main",
    "runtime": "runtime",
    "provided": "provided",
    "test": "test",
    "system": "system",
    "import": "import",
}


def _exact(version: str | None) -> str | None:
    """A plain version (not a range, not an unresolved property)."""
    if not version or any(c in version for c in "[](),${}*+") or version.upper() in ("LATEST", "RELEASE"):
        return None
    return version if re.match(r"^[0-9]", version) else None


def _resolve(value: str | None, props: dict[str, str]) -> str | None:
    if value is None:
        return None
    for _ in range(10):
        new = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if new == value or len(new) > MAX_VALUE:  # a property bomb stays unresolved
            break
        value = new
    return value


def _pom_properties(root: Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for section in children(root, "properties"):
        for prop in section:
            if isinstance(prop.tag, str):
                props[local(prop.tag)] = (prop.text or "").strip()
    for key in ("version", "groupId", "artifactId"):
        value = child_text(root, key)
        parent = next(children(root, "parent"), None)
        if value is None and parent is not None:
            value = child_text(parent, key)
        if value:
            props[f"project.{key}"] = value
            props[f"pom.{key}"] = value
    parent = next(children(root, "parent"), None)
    if parent is not None:
        for key in ("version", "groupId"):
            value = child_text(parent, key)
            if value:
                props[f"project.parent.{key}"] = value
    return props


MAX_PARENT_DEPTH = 5


def _parents(root: Element, read: Reader | None) -> list[Element]:
    """The local parent POMs (``<parent><relativePath>``, default ``../pom.xml``), nearest first."""
    chain: list[Element] = []
    current, rel = root, ""
    for _ in range(MAX_PARENT_DEPTH):
        parent = next(children(current, "parent"), None)
        if parent is None or read is None:
            break
        relative = next(children(parent, "relativePath"), None)
        target = "../pom.xml" if relative is None else (relative.text or "").strip()
        if not target:
            break
        if not target.endswith(".xml"):
            target = target.rstrip("/") + "/pom.xml"
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        text = read(rel)
        found = parse_xml(text, own=False) if text is not None else None
        if found is None or local(str(found.tag)) != "project":
            break
        if child_text(found, "artifactId") != child_text(parent, "artifactId"):
            break
        chain.append(found)
        current = found
    return chain


def _sections(
    root: Element, props: dict[str, str]
) -> tuple[dict[str, tuple[str | None, Element]], list[tuple[Element, str]]]:
    """``dependencyManagement`` entries and declared dependencies (with their context) of one POM."""
    managed: dict[str, tuple[str | None, Element]] = {}
    declared: list[tuple[Element, str]] = []

    def walk(element: Element, context: str) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            tag = local(child.tag)
            if tag == "dependencyManagement":
                for deps in children(child, "dependencies"):
                    for dep in children(deps, "dependency"):
                        key = _coordinate(dep, props)
                        if key:
                            managed.setdefault(key, (_resolve(child_text(dep, "version"), props), dep))
            elif tag == "dependencies":
                for dep in children(child, "dependency"):
                    declared.append((dep, context))
            elif tag in ("profiles", "profile", "build", "plugins", "plugin", "pluginManagement"):
                walk(child, "build" if tag in ("plugin", "plugins") else context)

    walk(root, "")
    return managed, declared


def parse_pom(text: str, read: Reader | None = None) -> list[Declared]:
    """Dependencies of a pom.xml: ``dependencies`` (also in profiles and
    plugins) and ``dependencyManagement`` entries not otherwise declared.

    Properties and managed versions are inherited from local parent POMs
    found through ``read``; a version left to an imported BOM of the same
    group is noted as ``bom``.
    """
    root = parse_xml(text)
    if root is None or local(str(root.tag)) != "project":
        return []
    chain = _parents(root, read)
    props: dict[str, str] = {}
    for pom in [*reversed(chain), root]:
        props.update(_pom_properties(pom))
    inherited: dict[str, tuple[str | None, Element]] = {}
    for pom in reversed(chain):
        inherited.update(_sections(pom, props)[0])
    managed, declared = _sections(root, props)
    versions = {**inherited, **managed}
    boms = {
        key: version for key, (version, dep) in versions.items() if (child_text(dep, "scope") or "").lower() == "import"
    }
    out: list[Declared] = []
    seen: set[str] = set()
    for dep, context in declared:
        key = _coordinate(dep, props)
        if not key:
            continue
        seen.add(key)
        version = _resolve(child_text(dep, "version"), props)
        extra: tuple[tuple[str, str], ...] = ()
        if version is None and key in versions:
            version = versions[key][0]
            extra = (("managed", "true" if key in managed else "parent"),)
        elif version is None:
            group = key.split(":", 1)[0]
            bom = next((f"{b}:{v}" if v else b for b, v in boms.items() if b.split(":", 1)[0] == group), None)
            if bom:
                extra = (("bom", bom),)
        scope = context or _MAVEN_SCOPES.get((child_text(dep, "scope") or "compile").lower(), "main")
        if (child_text(dep, "optional") or "").lower() == "true" and scope == "main":
            scope = "optional"
        out.append(
            Declared(
                name=key,
                line=xml_line(dep),
                declared=version,
                resolved=_exact(version),
                scope=scope,
                extra=extra,
            )
        )
    for key, (version, dep) in managed.items():
        if key in seen:
            continue
        is_bom = (child_text(dep, "scope") or "").lower() == "import"
        out.append(
            Declared(
                name=key,
                line=xml_line(dep),
                declared=version,
                resolved=_exact(version),
                scope="import" if is_bom else "managed",
            )
        )
    return out


def _coordinate(dep: Element, props: dict[str, str]) -> str | None:
    group = _resolve(child_text(dep, "groupId"), props)
    artifact = _resolve(child_text(dep, "artifactId"), props)
    if not group or not artifact or "${" in group or "${" in artifact:
        return None
    return f"{group}:{artifact}"


# --------------------------------------------------------------------------- Gradle

_CONFIG = (
    r"(?P<config>[a-z][A-Za-z0-9]*(?:Implementation|Api|CompileOnly|RuntimeOnly|AnnotationProcessor)"
    r"|implementation|api|compile|compileOnly|compileOnlyApi|runtimeOnly|runtime|testImplementation|testCompile"
    r"|testCompileOnly|testRuntimeOnly|testRuntime|annotationProcessor|kapt|ksp|developmentOnly|classpath"
    r"|testFixturesImplementation|testFixturesApi)"
)
_WRAP = r"(?:(?:platform|enforcedPlatform|testFixtures)\s*\(\s*)?"
_STRING_DEP = re.compile(r"^\s*" + _CONFIG + r"""\s*\(?\s*""" + _WRAP + r"""(?P<q>['"])(?P<coord>[^'"\s]+)(?P=q)""")
_MAP_DEP = re.compile(r"^\s*" + _CONFIG + r"\s*\(?\s*" + _WRAP + r"(?P<args>(?:group|name)\s*[:=].*)$")
_MAP_ARG = re.compile(r"""(?P<key>group|name|version)\s*[:=]\s*(?P<q>['"])(?P<value>[^'"]*)(?P=q)""")
_ASSIGN = re.compile(
    r"""^\s*(?:(?:def|val|var|const\s+val|ext\.|extra\[)\s*)?['"]?(?P<name>[A-Za-z_][\w.]*)['"]?\]?"""
    r"""\s*(?::\s*String\s*)?=\s*(?P<q>['"])(?P<value>[^'"$]*)(?P=q)"""
)
_GRADLE_VAR = re.compile(r"\$\{?(?:project\.|rootProject\.|extra\[['\"])?([A-Za-z_][\w.]*)(?:['\"]\])?\}?")


def _gradle_scope(config: str) -> str:
    low = config.lower()
    if low.startswith(("test", "androidtest")):
        return "test"
    if low in ("kapt", "ksp", "annotationprocessor", "classpath") or low.endswith("annotationprocessor"):
        return "build"
    if "compileonly" in low:
        return "provided"
    if "runtimeonly" in low or low == "runtime":
        return "runtime"
    if low == "developmentonly":
        return "dev"
    return "main"


def _gradle_dep(name: str, version: str | None, line: int, config: str) -> Declared:
    return Declared(
        name=name,
        line=line,
        declared=version,
        resolved=_exact(version),
        scope=_gradle_scope(config),
        extra=(("configuration", config),),
    )


_CATALOG_REF = re.compile(r"^\s*" + _CONFIG + r"\s*\(?\s*" + _WRAP + r"libs\.(?P<ref>[A-Za-z0-9_.]+)")
MAX_CATALOG_DEPTH = 6


def _accessor(alias: str) -> str:
    """The ``libs.`` accessor Gradle generates for a catalog alias."""
    return re.sub(r"[-_.]+", ".", alias).lower()


def _catalog(read: Reader) -> tuple[dict[str, Declared], dict[str, list[str]]]:
    """Libraries by accessor and bundles of the nearest ``gradle/libs.versions.toml``."""
    for depth in range(MAX_CATALOG_DEPTH):
        text = read("../" * depth + "gradle/libs.versions.toml")
        if text is None:
            continue
        libraries = {_accessor(dict(d.extra).get("alias", "")): d for d in parse_version_catalog(text)}
        bundles = {
            _accessor(name): [_accessor(a) for a in as_list(aliases) if isinstance(a, str)]
            for name, aliases in items(load_toml(text).get("bundles"))
        }
        return libraries, bundles
    return {}, {}


def parse_gradle(text: str, read: Reader | None = None) -> list[Declared]:
    """Dependencies of a build.gradle or build.gradle.kts (string and map
    notations; ``$var`` versions resolved from simple assignments in the file;
    ``libs.*`` version-catalog references resolved through ``read`` from the
    nearest ``gradle/libs.versions.toml``)."""
    variables: dict[str, str] = {}
    lines = text.splitlines()
    for raw in lines:
        if len(raw) > MAX_LINE:
            continue
        match = _ASSIGN.match(raw)
        if match:
            variables.setdefault(match.group("name").split(".")[-1], match.group("value"))

    def subst(value: str) -> str:
        out = _GRADLE_VAR.sub(lambda m: variables.get(m.group(1).split(".")[-1], m.group(0)), value)
        return out if len(out) <= MAX_VALUE else value

    out: list[Declared] = []
    catalog: tuple[dict[str, Declared], dict[str, list[str]]] | None = None
    for index, raw in enumerate(lines):
        if len(raw) > MAX_LINE:
            continue
        line = raw.split("//", 1)[0] if "://" not in raw else raw
        line = _SPACES.sub(" ", line)  # one space at most between tokens: no backtracking blow-up
        match = _STRING_DEP.match(line)
        if match:
            parts = subst(match.group("coord")).split("@", 1)[0].split(":")
            if len(parts) >= 2 and parts[0] and parts[1]:
                version = parts[2] if len(parts) >= 3 and parts[2] else None
                out.append(_gradle_dep(f"{parts[0]}:{parts[1]}", version, index + 1, match.group("config")))
            continue
        ref = _CATALOG_REF.match(line) if read is not None and "libs." in line else None
        if ref is not None and read is not None:
            if catalog is None:
                catalog = _catalog(read)
            out.extend(_catalog_deps(ref.group("ref"), catalog, index + 1, ref.group("config")))
            continue
        match = _MAP_DEP.match(line)
        if match:
            args = {m.group("key"): subst(m.group("value")) for m in _MAP_ARG.finditer(match.group("args"))}
            if args.get("group") and args.get("name"):
                out.append(
                    _gradle_dep(
                        f"{args['group']}:{args['name']}",
                        args.get("version"),
                        index + 1,
                        match.group("config"),
                    )
                )
    return out


def _catalog_deps(
    ref: str, catalog: tuple[dict[str, Declared], dict[str, list[str]]], line: int, config: str
) -> Iterator[Declared]:
    libraries, bundles = catalog
    accessor = _accessor(ref)
    if accessor.startswith("bundles."):
        targets = bundles.get(accessor[len("bundles.") :], [])
    elif accessor.startswith(("plugins.", "versions.")):
        targets = []
    else:
        targets = [accessor]
    for target in targets:
        entry = libraries.get(target)
        if entry is None:
            continue
        yield Declared(
            name=entry.name,
            line=line,
            declared=entry.declared,
            resolved=entry.resolved,
            scope=_gradle_scope(config),
            extra=(("configuration", config), ("catalog_alias", dict(entry.extra).get("alias", ""))),
        )


# --------------------------------------------------------------------------- version catalogs


def parse_version_catalog(text: str) -> list[Declared]:
    """``[libraries]`` of a Gradle version catalog (``libs.versions.toml``),
    with ``version.ref`` resolved from ``[versions]``."""
    data = load_toml(text)
    if not data:
        return []
    versions: dict[str, str] = {}
    for key, value in items(data.get("versions")):
        text_value = as_str(value) or as_str(as_dict(value).get("strictly")) or as_str(as_dict(value).get("require"))
        if text_value:
            versions[key] = text_value
    lines = Lines(text)
    start, end = toml_sections(text).get("libraries", (0, None))
    out: list[Declared] = []
    for alias, value in items(data.get("libraries")):
        line = lines.find(re.compile(r"^\s*['\"]?" + re.escape(alias) + r"['\"]?\s*="), start, end) or 1
        version: str | None = None
        if isinstance(value, str):
            parts = value.split(":")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                continue
            name = f"{parts[0]}:{parts[1]}"
            version = parts[2] if len(parts) > 2 else None
        else:
            table = as_dict(value)
            module = as_str(table.get("module"))
            if module and module.count(":") == 1 and all(module.split(":")):
                name = module
            elif as_str(table.get("group")) and as_str(table.get("name")):
                name = f"{table['group']}:{table['name']}"
            else:
                continue
            ref = table.get("version")
            if isinstance(ref, str):
                version = ref
            elif isinstance(ref, dict):
                ref_name = as_str(ref.get("ref"))
                version = (
                    versions.get(ref_name) if ref_name else as_str(ref.get("strictly")) or as_str(ref.get("require"))
                )
        out.append(
            Declared(name=name, line=line, declared=version, resolved=_exact(version), extra=(("alias", alias),))
        )
    return out
