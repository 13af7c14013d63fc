"""Findings grouped into the things an AI Bill of Materials lists.

One scan reports the same package in a manifest, a lock file and twenty
imports; a BOM lists the package once, with every place it was seen as
evidence. This module does that grouping once for every BOM format:

* packages: dependency findings per (ecosystem, name, exact version); a
  declared range without a resolved version is attached to the nearest
  resolved version of the same package (by directory), else it stands alone
  without a version. Imports become packages only when no dependency covers
  the same package; otherwise they add evidence to it.
* models: hosted model ids and Hub repositories per (provider, id).
* providers: hosted providers the code talks to (from packages, models and CI;
  a framework package counts only when its provider serves models, and a
  model reached only through a gateway counts for the gateway).
* MCP servers, model files and agent instruction files, one each; AI CI steps
  one each, with a job's AI keys folded into the AI steps of that job.
* every string is stripped of characters XML cannot carry, MCP URLs of user
  info, query and fragment.
* secrets: only their number. No value, redacted form or fingerprint leaves
  this module.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from openaims.bom.purl import github_action_purl, huggingface_purl, package_purl
from openaims.discovery import catalog
from openaims.discovery.interface import Finding, FindingKind

#: A version that names one release (no range operators, wildcards or lists).
_EXACT_VERSION = re.compile(r"^v?\d[\w.+!~-]*$")
_PIN_PREFIX = re.compile(r"^={2,3}\s*")
#: Frameworks run locally: one implies a hosted service only when its provider is
#: a model API (langchain-openai calls OpenAI; langchain-core does not call LangSmith).
_FRAMEWORK_CATEGORIES = frozenset({"agent-framework", "ml-framework"})
#: Characters XML 1.0 cannot carry (and lone surrogates): dropped from every string.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    """Where something was seen: a path relative to the scanned root and a line."""

    path: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Package:
    ecosystem: str
    name: str
    version: str | None
    purl: PackageURL | None
    provider: str | None
    category: str | None
    #: ``dependency`` when declared in a manifest or lock file, else ``import``.
    source: str
    direct: bool | None
    constraints: tuple[str, ...]
    scopes: tuple[str, ...]
    manifests: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]

    @property
    def ref(self) -> str:
        if self.purl is not None:
            return str(self.purl.to_string())
        version = f"@{self.version}" if self.version else ""
        return f"package:{self.ecosystem}/{self.name}{version}"


@dataclass(frozen=True, slots=True)
class Model:
    model_id: str
    provider: str | None
    category: str | None
    hub: str | None
    loaders: tuple[str, ...]
    gateways: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]
    #: Whether some reference calls the maker's API directly (not through a gateway).
    direct_api: bool = True

    @property
    def ref(self) -> str:
        return f"model:{self.provider or 'unknown'}/{self.model_id}"

    @property
    def purl(self) -> PackageURL | None:
        return huggingface_purl(self.model_id) if self.hub == "huggingface" else None


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    name: str
    endpoints: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"service:{self.id}"


@dataclass(frozen=True, slots=True)
class McpServer:
    name: str
    path: str
    line: int | None
    transport: str | None
    command: str | None
    package: str | None
    registry: str | None
    package_name: str | None
    package_version: str | None
    url: str | None
    env: tuple[str, ...]
    headers: tuple[str, ...]
    client: str | None
    provider: str | None
    disabled: bool

    @property
    def ref(self) -> str:
        return f"mcp:{self.path}#{self.name}"

    @property
    def package_ref(self) -> Package | None:
        """The package that runs this server, when the config names one."""
        if not self.registry or not self.package_name:
            return None
        purl = package_purl(self.registry, self.package_name, self.package_version)
        if purl is None:
            return None
        return Package(
            ecosystem=self.registry,
            name=self.package_name,
            version=self.package_version,
            purl=purl,
            provider=self.provider,
            category="mcp-server",
            source="mcp",
            direct=None,
            constraints=(),
            scopes=(),
            manifests=(),
            occurrences=(Occurrence(self.path, self.line),),
        )


@dataclass(frozen=True, slots=True)
class ModelFile:
    path: str
    name: str
    format: str | None
    sha256: str | None
    size: int | None
    unsafe: bool | None
    dangerous_globals: tuple[str, ...]
    lfs_pointer: bool
    provider: str | None

    @property
    def ref(self) -> str:
        return f"model-file:{self.path}"


@dataclass(frozen=True, slots=True)
class AgentFile:
    path: str
    kind: str
    assistant: str | None
    provider: str | None
    sha256: str | None

    @property
    def ref(self) -> str:
        return f"agent-file:{self.path}"


@dataclass(frozen=True, slots=True)
class Workflow:
    name: str
    path: str
    line: int | None
    ci: str | None
    job: str | None
    uses: str | None
    image: str | None
    secrets: tuple[str, ...]
    provider: str | None
    category: str | None

    @property
    def ref(self) -> str:
        return f"ci:{self.path}#{self.job or ''}:{self.name}@{self.line or 0}"

    @property
    def purl(self) -> PackageURL | None:
        return github_action_purl(self.uses) if self.uses else None

    @property
    def display_name(self) -> str:
        """The action (without its ref), the image, or the job that receives a key."""
        if self.uses:
            return self.uses.partition("@")[0]
        if self.image:
            return self.image
        if self.job:
            return f"{self.ci or 'ci'} job {self.job}"
        return self.name

    @property
    def action_ref(self) -> str | None:
        return self.uses.partition("@")[2] or None if self.uses else None


@dataclass(frozen=True, slots=True)
class Inventory:
    packages: tuple[Package, ...]
    models: tuple[Model, ...]
    providers: tuple[Provider, ...]
    mcp_servers: tuple[McpServer, ...]
    model_files: tuple[ModelFile, ...]
    agent_files: tuple[AgentFile, ...]
    workflows: tuple[Workflow, ...]
    secret_count: int
    #: provider id -> refs of the components that use that provider's service
    provider_users: dict[str, tuple[str, ...]] = field(default_factory=dict)


def exact_version(version: str | None) -> str | None:
    """``version`` without a ``==`` pin prefix when it names one release, else ``None``."""
    if not version:
        return None
    candidate = _PIN_PREFIX.sub("", version.strip())
    return candidate if _EXACT_VERSION.match(candidate) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(sorted({v for v in value if isinstance(v, str) and v}))


def _closeness(a: str, b: str) -> int:
    """How many leading directories two paths share."""
    da, db = posixpath.dirname(a).split("/"), posixpath.dirname(b).split("/")
    n = 0
    for x, y in zip(da, db, strict=False):
        if x != y:
            break
        n += 1
    return n


def _first(values: Iterable[str | None]) -> str | None:
    present = sorted({v for v in values if v})
    return present[0] if present else None


def _occurrences(findings: Iterable[Finding]) -> tuple[Occurrence, ...]:
    return tuple(sorted({Occurrence(f.path, f.line) for f in findings}))


def _package(ecosystem: str, name: str, version: str | None, source: str, group: Sequence[Finding]) -> Package:
    constraints = sorted(
        {f.version.strip() for f in group if f.version and exact_version(f.version) is None and f.version.strip()}
    )
    directs = [f.direct for f in group if f.direct is not None]
    return Package(
        ecosystem=ecosystem,
        name=name,
        version=version,
        purl=package_purl(ecosystem, name, version),
        provider=_first(f.provider for f in group),
        category=_first(f.category for f in group),
        source=source,
        direct=any(directs) if directs else None,
        constraints=tuple(constraints),
        scopes=tuple(sorted({s for f in group if (s := _str(f.details.get("scope")))})),
        manifests=tuple(sorted({f.path for f in group if f.kind is FindingKind.DEPENDENCY})),
        occurrences=_occurrences(group),
    )


def canonical_name(ecosystem: str, name: str) -> str:
    """The scanner's canonical package name (PEP 503 for PyPI, lower case for NuGet)."""
    if ecosystem == "pypi":
        return canonicalize_name(name)
    if ecosystem == "nuget":
        return name.lower()
    return name


def _import_package(finding: Finding) -> tuple[str, str] | None:
    declared = _str(finding.details.get("package"))
    if declared and ":" in declared:
        ecosystem, name = declared.split(":", 1)
        return ecosystem, canonical_name(ecosystem, name)
    if finding.ecosystem:
        return finding.ecosystem, canonical_name(finding.ecosystem, finding.name)
    return None


def _packages(findings: Sequence[Finding]) -> list[Package]:
    deps: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    imports: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.kind is FindingKind.DEPENDENCY and f.ecosystem:
            deps[(f.ecosystem, canonical_name(f.ecosystem, f.name))].append(f)
        elif f.kind is FindingKind.IMPORT:
            key = _import_package(f)
            if key is not None:
                imports[key].append(f)
    out: list[Package] = []
    for key in sorted(deps):
        group = deps[key]
        by_version: dict[str, list[Finding]] = defaultdict(list)
        loose: list[Finding] = []
        for f in group:
            exact = exact_version(f.version)
            (by_version[exact] if exact else loose).append(f)
        extra = loose + imports.pop(key, [])
        if not by_version:
            out.append(_package(key[0], key[1], None, "dependency", extra))
            continue
        for f in extra:
            best = max(sorted(by_version), key=lambda v: max(_closeness(f.path, g.path) for g in by_version[v]))
            by_version[best].append(f)
        for version in sorted(by_version):
            out.append(_package(key[0], key[1], version, "dependency", by_version[version]))
    for key in sorted(imports):
        out.append(_package(key[0], key[1], None, "import", imports[key]))
    return out


def _models(findings: Sequence[Finding]) -> list[Model]:
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.kind is FindingKind.MODEL:
            model_id = _str(f.details.get("model_id")) or f.name
            groups[(f.provider or "", model_id)].append(f)
    out = []
    for (provider, model_id), group in sorted(groups.items()):
        out.append(
            Model(
                model_id=model_id,
                provider=provider or None,
                category=_first(f.category for f in group),
                hub=_first(_str(f.details.get("hub")) for f in group),
                loaders=tuple(sorted({v for f in group if (v := _str(f.details.get("loader")))})),
                gateways=tuple(sorted({v for f in group if (v := _str(f.details.get("via")))})),
                occurrences=_occurrences(group),
                direct_api=any(not _str(f.details.get("via")) for f in group),
            )
        )
    return out


def _bare_url(url: str | None) -> str | None:
    """``url`` without user info, query or fragment: a BOM names where a server
    is, never what is sent to it."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1] or None
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or None


def _mcp_server(f: Finding) -> McpServer:
    d = f.details
    return McpServer(
        name=f.name,
        path=f.path,
        line=f.line,
        transport=_str(d.get("transport")),
        command=_str(d.get("command")),
        package=_str(d.get("package")),
        registry=_str(d.get("registry")) or f.ecosystem,
        package_name=_str(d.get("package_name")),
        package_version=_str(d.get("package_version")) or f.version,
        url=_bare_url(_str(d.get("url"))),
        env=_names(d.get("env")),
        headers=_names(d.get("headers")),
        client=_str(d.get("client")),
        provider=f.provider,
        disabled=d.get("disabled") is True,
    )


def _model_file(f: Finding) -> ModelFile:
    d = f.details
    size = d.get("size")
    return ModelFile(
        path=f.path,
        name=f.name,
        format=f.format,
        sha256=_str(d.get("sha256")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        unsafe=f.unsafe,
        dangerous_globals=_names(d.get("dangerous_globals")),
        lfs_pointer=d.get("lfs_pointer") is True,
        provider=f.provider,
    )


def _agent_file(f: Finding) -> AgentFile:
    return AgentFile(
        path=f.path,
        kind=f.name,
        assistant=_str(f.details.get("assistant")),
        provider=f.provider,
        sha256=_str(f.details.get("sha256")),
    )


def _workflow(f: Finding) -> Workflow:
    d = f.details
    return Workflow(
        name=f.name,
        path=f.path,
        line=f.line,
        ci=_str(d.get("ci")),
        job=_str(d.get("job")),
        uses=_str(d.get("uses")),
        image=_str(d.get("image")),
        secrets=_names(d.get("secrets")),
        provider=f.provider,
        category=f.category,
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _cleaned(f: Finding) -> Finding:
    """The finding with characters no BOM serialisation can carry removed."""
    changes = {
        name: _clean(getattr(f, name))
        for name in ("name", "path", "ecosystem", "version", "provider", "category", "format")
        if isinstance(getattr(f, name), str)
    }
    return replace(f, details=_clean(f.details), **changes)


def _workflows(found: Iterable[Workflow]) -> list[Workflow]:
    """One entry per AI step; a job that only *receives* an AI key is folded into
    the AI steps of the same job (their ``secrets``), and listed on its own only
    when the job has no AI step."""
    unique = {w.ref: w for w in found}
    steps: dict[tuple[str, str | None], list[Workflow]] = defaultdict(list)
    for w in unique.values():
        if w.uses or w.image:
            steps[(w.path, w.job)].append(w)
    merged: dict[str, Workflow] = {w.ref: w for group in steps.values() for w in group}
    for w in unique.values():
        if w.uses or w.image:
            continue
        group = steps.get((w.path, w.job)) if w.job else None
        if not group:
            merged[w.ref] = w
            continue
        for step in group:
            current = merged[step.ref]
            names = tuple(sorted(set(current.secrets) | set(w.secrets)))
            merged[step.ref] = replace(current, secrets=names)
    return sorted(merged.values(), key=lambda w: w.ref)


def build_inventory(findings: Sequence[Finding]) -> Inventory:
    """Group the findings of one scan into BOM entries (deterministic order)."""
    ordered = sorted((_cleaned(f) for f in findings), key=Finding.sort_key)
    packages = _packages(ordered)
    models = _models(ordered)
    mcp = sorted(
        (_mcp_server(f) for f in ordered if f.kind is FindingKind.MCP_SERVER),
        key=lambda s: (s.path, s.line or 0, s.name),
    )
    model_files = sorted((_model_file(f) for f in ordered if f.kind is FindingKind.MODEL_FILE), key=lambda m: m.path)
    agent_files = sorted(
        (_agent_file(f) for f in ordered if f.kind is FindingKind.AGENT_INSTRUCTIONS), key=lambda a: a.path
    )
    workflows = _workflows(_workflow(f) for f in ordered if f.kind is FindingKind.AI_WORKFLOW)
    secrets = sum(1 for f in ordered if f.kind is FindingKind.SECRET)

    known = catalog.providers()
    users: dict[str, set[str]] = defaultdict(set)
    categories: dict[str, set[str]] = defaultdict(set)
    model_makers = {str(f.get("provider")) for f in catalog.load("models").get("families", [])}
    for p in packages:
        if p.provider and (p.category not in _FRAMEWORK_CATEGORIES or p.provider in model_makers):
            users[p.provider].add(p.ref)
            if p.category:
                categories[p.provider].add(p.category)
    for m in models:
        reached = [g for g in m.gateways if g in known]
        if m.provider and (m.direct_api or not reached):
            reached.append(m.provider)
        for pid in reached:
            users[pid].add(m.ref)
            if m.category:
                categories[pid].add(m.category)
    for w in workflows:
        if w.provider:
            users[w.provider].add(w.ref)
            if w.category:
                categories[w.provider].add(w.category)
    providers: list[Provider] = []
    provider_users: dict[str, tuple[str, ...]] = {}
    for pid in sorted(users):
        entry = known.get(pid)
        if entry is None or not entry.get("hosted") or pid == "other":
            continue
        providers.append(
            Provider(
                id=pid,
                name=str(entry.get("name") or pid),
                endpoints=tuple(str(e) for e in entry.get("endpoints") or ()),
                categories=tuple(sorted(categories[pid])),
            )
        )
        provider_users[pid] = tuple(sorted(users[pid]))
    return Inventory(
        packages=tuple(packages),
        models=tuple(models),
        providers=tuple(providers),
        mcp_servers=tuple(mcp),
        model_files=tuple(model_files),
        agent_files=tuple(agent_files),
        workflows=tuple(workflows),
        secret_count=secrets,
        provider_users=provider_users,
    )
