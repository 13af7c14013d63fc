"""AI dependencies declared in manifests and lock files, in every ecosystem.

One small detector per manifest family: which files it reads, which parser of
``discovery/manifests`` turns them into declared packages, and the format name
it reports. Which packages are AI is data (``catalog/packages.yaml``). A
post-processor marks a locked package direct when a manifest in the same
directory declares it.
"""

from __future__ import annotations

import abc
import fnmatch
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, ClassVar

from openaims.discovery import catalog
from openaims.discovery.interface import (
    Detector,
    FileView,
    Finding,
    FindingKind,
    PostProcessor,
    UnparsedError,
)
from openaims.discovery.manifests import Declared, cargo, golang, maven, npm, nuget, python, ruby
from openaims.discovery.manifests._util import noting_unreadable

ECOSYSTEMS = ("pypi", "npm", "golang", "maven", "cargo", "nuget", "gem")
_MATCH_KINDS = ("exact", "prefix")


class CatalogueError(ValueError):
    """The package catalogue is malformed (unknown provider or category id, duplicate...)."""


@dataclass(frozen=True, slots=True)
class AIPackage:
    """A catalogue entry: an AI package (or family of packages, ``prefix``)."""

    ecosystem: str
    name: str
    provider: str
    category: str
    prefix: bool = False
    imports: tuple[str, ...] = ()


def match_key(ecosystem: str, name: str) -> str:
    """The form of a package name used to look it up in the catalogue."""
    if ecosystem == "pypi":
        return python.canonical(name)
    if ecosystem == "golang":
        return golang.strip_major(name).lower()
    if ecosystem == "cargo":
        return name.lower().replace("_", "-")
    return name.lower()


@dataclass(frozen=True, slots=True)
class PackageCatalogue:
    """Exact and prefix entries per ecosystem; an exact entry wins, then the longest prefix."""

    exact: dict[tuple[str, str], AIPackage]
    #: Per ecosystem, (match key of the prefix, entry), longest prefix first.
    prefixes: dict[str, tuple[tuple[str, AIPackage], ...]]

    def lookup(self, ecosystem: str, name: str) -> AIPackage | None:
        key = match_key(ecosystem, name)
        found = self.exact.get((ecosystem, key))
        if found is not None:
            return found
        for prefix, entry in self.prefixes.get(ecosystem, ()):
            if key.startswith(prefix):
                return entry
        return None

    def entries(self) -> Iterator[AIPackage]:
        yield from self.exact.values()
        for group in self.prefixes.values():
            yield from (entry for _, entry in group)


def build_catalogue(data: dict[str, Any]) -> PackageCatalogue:
    """Validate the parsed ``packages.yaml`` and index it. Raises
    :class:`CatalogueError` listing every problem found."""
    problems: list[str] = []
    providers = catalog.provider_ids()
    categories = catalog.category_ids()
    exact: dict[tuple[str, str], AIPackage] = {}
    prefixes: dict[str, list[AIPackage]] = {}
    seen: set[tuple[str, str, bool]] = set()
    for ecosystem, entries in data.items():
        if ecosystem == "version":
            continue
        if ecosystem not in ECOSYSTEMS:
            problems.append(f"unknown ecosystem {ecosystem!r}")
            continue
        if not isinstance(entries, list):
            problems.append(f"{ecosystem}: expected a list of entries")
            continue
        for raw in entries:
            if not isinstance(raw, dict):
                problems.append(f"{ecosystem}: entry {raw!r} is not a mapping")
                continue
            name = str(raw.get("name", ""))
            where = f"{ecosystem}:{name}"
            unknown = set(raw) - {"name", "provider", "category", "match", "imports"}
            if unknown:
                problems.append(f"{where}: unknown keys {sorted(unknown)}")
            if not name:
                problems.append(f"{ecosystem}: entry without a name")
                continue
            provider, category = raw.get("provider"), raw.get("category")
            if provider not in providers:
                problems.append(f"{where}: unknown provider {provider!r}")
            if category not in categories:
                problems.append(f"{where}: unknown category {category!r}")
            match = raw.get("match", "exact")
            if match not in _MATCH_KINDS:
                problems.append(f"{where}: match must be one of {_MATCH_KINDS}")
            is_prefix = match == "prefix"
            if ecosystem == "pypi" and not is_prefix and python.canonical(name) != name:
                problems.append(f"{where}: not a PEP 503 normalised name")
            if ecosystem == "maven" and not is_prefix and name.count(":") != 1:
                problems.append(f"{where}: maven names are group:artifact")
            imports = raw.get("imports", [])
            if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
                problems.append(f"{where}: imports must be a list of module names")
                imports = []
            if imports and ecosystem != "pypi":
                problems.append(f"{where}: imports are only recorded for pypi")
            key = (ecosystem, match_key(ecosystem, name), is_prefix)
            if key in seen:
                problems.append(f"{where}: duplicate entry")
            seen.add(key)
            entry = AIPackage(ecosystem, name, str(provider), str(category), is_prefix, tuple(imports))
            if is_prefix:
                prefixes.setdefault(ecosystem, []).append(entry)
            else:
                exact[(ecosystem, key[1])] = entry
    if problems:
        raise CatalogueError("packages.yaml: " + "; ".join(problems))
    return PackageCatalogue(
        exact=exact,
        prefixes={
            eco: tuple((match_key(eco, e.name), e) for e in sorted(group, key=lambda e: -len(e.name)))
            for eco, group in prefixes.items()
        },
    )


@cache
def packages() -> PackageCatalogue:
    """The validated AI package catalogue (``catalog/packages.yaml``)."""
    return build_catalogue(catalog.load("packages"))


def lookup(ecosystem: str, name: str) -> AIPackage | None:
    """The catalogue entry of a package, if it is an AI package."""
    return packages().lookup(ecosystem, name)


# --------------------------------------------------------------------------- detectors


class ManifestDetector(Detector):
    """Shared machinery: a manifest family is a parser plus file names."""

    kinds = frozenset({FindingKind.DEPENDENCY})
    #: A manifest that cannot be read fully is reported, so a check fails closed on it.
    fail_closed = True
    ecosystem: ClassVar[str]
    #: Manifest kind reported as the finding's ``format``.
    manifest: ClassVar[str]
    #: Exact file names (case-sensitive as the tools are) and name globs.
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_globs: ClassVar[tuple[str, ...]] = ()
    #: Whether the family is a lock file (entries may be transitive).
    lock: ClassVar[bool] = False

    def wants(self, path: str, name: str) -> bool:
        return name in self.file_names or any(fnmatch.fnmatchcase(name, g) for g in self.file_globs)

    def is_ai(self, name: str) -> bool:
        """Whether a package of this family's ecosystem is in the AI catalogue
        (lock-file parsers read only those entries)."""
        return packages().lookup(self.ecosystem, name) is not None

    @abc.abstractmethod
    def parse(self, file: FileView) -> list[Declared]:
        """The packages the file declares (the family's parser)."""

    def scan(self, file: FileView) -> Iterable[Finding]:
        with noting_unreadable() as problems:
            try:
                declared = self.parse(file)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
                raise UnparsedError(f"cannot be read as {self.manifest}: {exc}") from exc
        found = self._findings(file, declared)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise UnparsedError(f"{problems[0]}{more} (read as {self.manifest})", found)
        return found

    def _findings(self, file: FileView, declared: list[Declared]) -> list[Finding]:
        catalogue = packages()
        base = posixpath.dirname(file.path)
        out: list[Finding] = []
        for dep in declared:
            entry = catalogue.lookup(self.ecosystem, dep.name)
            if entry is None:
                continue
            path = file.path
            if dep.file:
                path = posixpath.normpath(posixpath.join(base, dep.file))
            out.append(self._finding(dep, entry, path))
        return out

    def _finding(self, dep: Declared, entry: AIPackage, path: str) -> Finding:
        details: dict[str, Any] = {
            "manifest": self.manifest,
            "scope": dep.scope,
            "declared": dep.declared,
            "resolved": dep.resolved,
        }
        if dep.extras:
            details["extras"] = list(dep.extras)
        if dep.marker:
            details["marker"] = dep.marker
        if dep.source_url:
            details["source_url"] = dep.source_url
        for key, value in dep.extra:
            details[key] = value
        return Finding(
            kind=FindingKind.DEPENDENCY,
            name=dep.name,
            path=path,
            line=dep.line,
            detector=self.id,
            ecosystem=self.ecosystem,
            version=dep.resolved or dep.declared,
            provider=entry.provider,
            category=entry.category,
            format=self.manifest,
            direct=dep.direct,
            details=details,
        )


_REQUIREMENTS_NAME = re.compile(r"(?i)^(?!constraints?\b).*requirements?.*\.(txt|in|pip|lock)$")
_REQUIREMENTS_DIRS = frozenset({"requirements", "reqs", "requirements.d", "deps"})


class PipRequirements(ManifestDetector):
    id = "dependency.pypi.requirements"
    ecosystem = "pypi"
    manifest = "requirements.txt"

    def wants(self, path: str, name: str) -> bool:
        if _REQUIREMENTS_NAME.match(name):
            return True
        parent = posixpath.basename(posixpath.dirname(path)).lower()
        return (
            parent in _REQUIREMENTS_DIRS
            and name.lower().endswith((".txt", ".in"))
            and not name.lower().startswith(("constraint", "readme", "license"))
        )

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_requirements(file.text(), file.read_relative, path=file.path)


class Pyproject(ManifestDetector):
    id = "dependency.pypi.pyproject"
    ecosystem = "pypi"
    manifest = "pyproject.toml"
    file_names = frozenset({"pyproject.toml"})

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_pyproject(file.text())


class SetupCfg(ManifestDetector):
    id = "dependency.pypi.setup-cfg"
    ecosystem = "pypi"
    manifest = "setup.cfg"
    file_names = frozenset({"setup.cfg"})

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_setup_cfg(file.text())


class SetupPy(ManifestDetector):
    id = "dependency.pypi.setup-py"
    ecosystem = "pypi"
    manifest = "setup.py"
    file_names = frozenset({"setup.py"})

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_setup_py(file.text())


class Pipfile(ManifestDetector):
    id = "dependency.pypi.pipfile"
    ecosystem = "pypi"
    manifest = "Pipfile"
    file_names = frozenset({"Pipfile"})

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_pipfile(file.text())


class PipfileLock(ManifestDetector):
    id = "dependency.pypi.pipfile-lock"
    ecosystem = "pypi"
    manifest = "Pipfile.lock"
    file_names = frozenset({"Pipfile.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_pipfile_lock(file.text())


class PoetryLock(ManifestDetector):
    id = "dependency.pypi.poetry-lock"
    ecosystem = "pypi"
    manifest = "poetry.lock"
    file_names = frozenset({"poetry.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_poetry_lock(file.text(), self.is_ai)


class UvLock(ManifestDetector):
    id = "dependency.pypi.uv-lock"
    ecosystem = "pypi"
    manifest = "uv.lock"
    file_names = frozenset({"uv.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_uv_lock(file.text(), self.is_ai)


class PdmLock(ManifestDetector):
    id = "dependency.pypi.pdm-lock"
    ecosystem = "pypi"
    manifest = "pdm.lock"
    file_names = frozenset({"pdm.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_pdm_lock(file.text(), self.is_ai)


class PyLock(ManifestDetector):
    id = "dependency.pypi.pylock"
    ecosystem = "pypi"
    manifest = "pylock.toml"
    file_names = frozenset({"pylock.toml"})
    file_globs = ("pylock.*.toml",)
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return python.parse_pylock(file.text(), self.is_ai)


class PackageJson(ManifestDetector):
    id = "dependency.npm.package-json"
    ecosystem = "npm"
    manifest = "package.json"
    file_names = frozenset({"package.json"})

    def parse(self, file: FileView) -> list[Declared]:
        return npm.parse_package_json(file.text())


class PackageLock(ManifestDetector):
    id = "dependency.npm.package-lock"
    ecosystem = "npm"
    manifest = "package-lock.json"
    file_names = frozenset({"package-lock.json", "npm-shrinkwrap.json"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return npm.parse_package_lock(file.text(), self.is_ai)


class PnpmLock(ManifestDetector):
    id = "dependency.npm.pnpm-lock"
    ecosystem = "npm"
    manifest = "pnpm-lock.yaml"
    file_names = frozenset({"pnpm-lock.yaml"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return npm.parse_pnpm_lock(file.text(), self.is_ai)


class YarnLock(ManifestDetector):
    id = "dependency.npm.yarn-lock"
    ecosystem = "npm"
    manifest = "yarn.lock"
    file_names = frozenset({"yarn.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return npm.parse_yarn_lock(file.text(), self.is_ai)


class BunLock(ManifestDetector):
    id = "dependency.npm.bun-lock"
    ecosystem = "npm"
    manifest = "bun.lock"
    file_names = frozenset({"bun.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return npm.parse_bun_lock(file.text(), self.is_ai)


class GoMod(ManifestDetector):
    id = "dependency.golang.go-mod"
    ecosystem = "golang"
    manifest = "go.mod"
    file_names = frozenset({"go.mod"})

    def parse(self, file: FileView) -> list[Declared]:
        return golang.parse_go_mod(file.text())


class MavenPom(ManifestDetector):
    id = "dependency.maven.pom"
    ecosystem = "maven"
    manifest = "pom.xml"
    file_names = frozenset({"pom.xml"})

    def parse(self, file: FileView) -> list[Declared]:
        return maven.parse_pom(file.text(), file.read_relative)


class GradleBuild(ManifestDetector):
    id = "dependency.maven.gradle"
    ecosystem = "maven"
    manifest = "build.gradle"
    file_names = frozenset({"build.gradle", "build.gradle.kts"})
    file_globs = ("*.gradle", "*.gradle.kts")

    def parse(self, file: FileView) -> list[Declared]:
        return maven.parse_gradle(file.text(), file.read_relative)

    def _finding(self, dep: Declared, entry: AIPackage, path: str) -> Finding:
        found = super()._finding(dep, entry, path)
        if path.endswith(".kts"):
            found = replace(found, format="build.gradle.kts")
            found.details["manifest"] = "build.gradle.kts"
        return found


class GradleVersionCatalog(ManifestDetector):
    id = "dependency.maven.version-catalog"
    ecosystem = "maven"
    manifest = "libs.versions.toml"
    file_globs = ("*.versions.toml",)

    def parse(self, file: FileView) -> list[Declared]:
        return maven.parse_version_catalog(file.text())


class CargoToml(ManifestDetector):
    id = "dependency.cargo.cargo-toml"
    ecosystem = "cargo"
    manifest = "Cargo.toml"
    file_names = frozenset({"Cargo.toml"})

    def parse(self, file: FileView) -> list[Declared]:
        return cargo.parse_cargo_toml(file.text())


class CargoLock(ManifestDetector):
    id = "dependency.cargo.cargo-lock"
    ecosystem = "cargo"
    manifest = "Cargo.lock"
    file_names = frozenset({"Cargo.lock"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return cargo.parse_cargo_lock(file.text(), self.is_ai)


class NuGetProject(ManifestDetector):
    id = "dependency.nuget.project"
    ecosystem = "nuget"
    manifest = "csproj"
    file_names = frozenset({"Directory.Build.props", "Directory.Build.targets"})
    file_globs = ("*.csproj", "*.fsproj", "*.vbproj")

    def parse(self, file: FileView) -> list[Declared]:
        return nuget.parse_project(file.text(), file.read_relative)


class NuGetCentralVersions(ManifestDetector):
    id = "dependency.nuget.central-packages"
    ecosystem = "nuget"
    manifest = "Directory.Packages.props"
    file_names = frozenset({"Directory.Packages.props"})

    def parse(self, file: FileView) -> list[Declared]:
        return nuget.parse_directory_packages(file.text())


class NuGetPackagesConfig(ManifestDetector):
    id = "dependency.nuget.packages-config"
    ecosystem = "nuget"
    manifest = "packages.config"
    file_names = frozenset({"packages.config"})

    def parse(self, file: FileView) -> list[Declared]:
        return nuget.parse_packages_config(file.text())


class NuGetLock(ManifestDetector):
    id = "dependency.nuget.packages-lock"
    ecosystem = "nuget"
    manifest = "packages.lock.json"
    file_names = frozenset({"packages.lock.json"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return nuget.parse_packages_lock(file.text())


class Gemfile(ManifestDetector):
    id = "dependency.gem.gemfile"
    ecosystem = "gem"
    manifest = "Gemfile"
    file_names = frozenset({"Gemfile", "gems.rb"})

    def parse(self, file: FileView) -> list[Declared]:
        return ruby.parse_gemfile(file.text())


class GemfileLock(ManifestDetector):
    id = "dependency.gem.gemfile-lock"
    ecosystem = "gem"
    manifest = "Gemfile.lock"
    file_names = frozenset({"Gemfile.lock", "gems.locked"})
    lock = True

    def parse(self, file: FileView) -> list[Declared]:
        return ruby.parse_gemfile_lock(file.text())


class Gemspec(ManifestDetector):
    id = "dependency.gem.gemspec"
    ecosystem = "gem"
    manifest = "gemspec"
    file_globs = ("*.gemspec",)

    def parse(self, file: FileView) -> list[Declared]:
        return ruby.parse_gemspec(file.text())


def manifest_detectors() -> tuple[ManifestDetector, ...]:
    """One instance of every manifest detector of this module."""
    return tuple(cls() for cls in ManifestDetector.__subclasses__())


@cache
def _lock_ids() -> frozenset[str]:
    return frozenset(d.id for d in manifest_detectors() if d.lock)


@cache
def _manifest_ids() -> frozenset[str]:
    return frozenset(d.id for d in manifest_detectors() if not d.lock)


class DirectFromManifest(PostProcessor):
    """A lock-file entry is direct when a manifest in the same directory
    declares the same package (same ecosystem and canonical name)."""

    id = "dependency.direct-from-manifest"

    def process(self, findings: list[Finding]) -> Iterator[Finding]:
        manifests = _manifest_ids()
        locks = _lock_ids()
        declared: dict[tuple[str, str | None, str], str] = {}
        for finding in findings:
            if finding.kind is FindingKind.DEPENDENCY and finding.detector in manifests:
                key = (posixpath.dirname(finding.path), finding.ecosystem, finding.name)
                declared.setdefault(key, finding.path)
        for finding in findings:
            if finding.kind is FindingKind.DEPENDENCY and finding.detector in locks and not finding.direct:
                source = declared.get((posixpath.dirname(finding.path), finding.ecosystem, finding.name))
                if source is not None:
                    yield replace(finding, direct=True, details={**finding.details, "declared_in": source})
                    continue
            yield finding
