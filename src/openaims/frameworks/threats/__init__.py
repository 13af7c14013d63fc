"""Threat catalogues for AI security reviews: versioned data, validated at load time.

Three catalogues sit beside this module as YAML: the OWASP Top 10 for LLM Applications
(2025), the OWASP Agentic Security Initiative's threat taxonomy (T1 to T15) and a subset of
MITRE ATLAS techniques. Each threat names the facts about a system that make it relevant
(``applies``, in terms of :data:`SIGNALS`), its mitigations with the ISO/IEC 42001 Annex A
controls that carry them, and the threats of the other catalogues it maps to. ``findings.yaml``
says which scanner and linter findings become review items and the threat each enables.

Loading checks what a schema cannot: ids unique, sources defined, signals known, Annex A
controls that exist in the ISO/IEC 42001 catalogue, and cross-references that resolve. A
broken catalogue is a :class:`ThreatCatalogueError`, never a wrong review later.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openaims.errors import AimsError, NotFoundError
from openaims.untrusted import InputError

#: The catalogue files, in the order reviews list their threats.
CATALOGUE_FILES: Mapping[str, str] = {
    "owasp-llm": "owasp-llm-2025.yaml",
    "owasp-agentic": "owasp-agentic.yaml",
    "mitre-atlas": "mitre-atlas.yaml",
}

#: Facts about a system a threat's applicability is written in; what each means.
SIGNALS: Mapping[str, str] = {
    "llm": "uses a language model or an AI provider's API",
    "agentic": "is an agent: has MCP servers or acts on external systems",
    "mcp": "has MCP servers configured",
    "agent_files": "has agent instruction files",
    "secret": "has a key in its repositories",
    "model_file": "has model files in its repositories",
    "pickle_model_file": "has model files in pickle-based formats",
    "vector_store": "uses a vector store",
    "ci_ai": "runs AI steps in CI",
    "dataset": "has datasets recorded",
    "supplier": "has AI suppliers recorded",
    "oversight": "has human oversight described",
    "untrusted_input": "takes untrusted input",
    "acts_externally": "acts on external systems",
    "sensitive_data": "can reach personal, confidential or credential data",
    "output_shown": "shows output to users",
    "output_executed": "executes its output",
    "multi_agent": "works with other agents",
}


class ThreatCatalogueError(AimsError):
    """A threat catalogue shipped with OpenAIMS is malformed."""

    exit_code = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Applies(_Strict):
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()


class Mitigation(_Strict):
    text: str
    controls: tuple[str, ...] = ()


class _ThreatIn(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    source: tuple[str, ...] = Field(min_length=1)
    applies: Applies
    mitigations: tuple[Mitigation, ...] = Field(min_length=1)
    related: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()


class _CatalogueIn(_Strict):
    catalogue: str
    name: str
    edition: str
    catalogue_version: str
    checked_against: str
    sources: dict[str, str]
    threats: tuple[_ThreatIn, ...] = Field(min_length=1)


class FindingItemRule(_Strict):
    """Which findings become a review item of this kind, and the threat they enable."""

    id: str
    title: str
    threat: str
    components: tuple[str, ...] = ()
    lint: tuple[str, ...] = ()


class _FindingsIn(_Strict):
    catalogue_version: str
    items: tuple[FindingItemRule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Threat:
    """One threat of a catalogue; ``key`` qualifies its id (``owasp-llm:LLM01:2025``)."""

    catalogue: str
    id: str
    title: str
    summary: str
    applies: Applies
    mitigations: tuple[Mitigation, ...]
    related: tuple[str, ...]
    see_also: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.catalogue}:{self.id}"

    @property
    def controls(self) -> tuple[str, ...]:
        """Every Annex A control a mitigation names, in first-named order."""
        return tuple(dict.fromkeys(c for m in self.mitigations for c in m.controls))

    def label(self) -> str:
        return f"{self.id} {self.title}"


@dataclass(frozen=True)
class CatalogueInfo:
    id: str
    name: str
    edition: str
    version: str
    checked_against: str


@dataclass(frozen=True)
class ThreatCatalogues:
    """Every threat of every catalogue, and the finding rules."""

    catalogues: tuple[CatalogueInfo, ...]
    threats: tuple[Threat, ...]
    finding_rules: tuple[FindingItemRule, ...]
    findings_version: str

    def get(self, key: str) -> Threat:
        for threat in self.threats:
            if threat.key == key:
                return threat
        raise NotFoundError(f"no threat {key!r}; threats are named catalogue:id, such as owasp-llm:LLM01:2025")

    def versions(self) -> dict[str, str]:
        """Catalogue id -> version, as a review records what it was built from."""
        out = {c.id: c.version for c in self.catalogues}
        out["findings"] = self.findings_version
        return out


def _read(name: str) -> object:
    from openaims.untrusted import read_yaml

    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    try:
        return read_yaml(text, name)
    except InputError as exc:
        raise ThreatCatalogueError(f"threat catalogue {exc}") from None


def _problems(name: str, exc: ValidationError) -> ThreatCatalogueError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return ThreatCatalogueError(f"threat catalogue {name}: {where}: {first['msg']}")


@functools.cache
def load_threats() -> ThreatCatalogues:
    """The threat catalogues, checked; cached for the process."""
    from openaims.frameworks.loader import load_catalogue

    annex_a = {c.id for c in load_catalogue().framework("iso42001").of_kind("control")}
    infos: list[CatalogueInfo] = []
    threats: list[Threat] = []
    for catalogue_id, name in CATALOGUE_FILES.items():
        try:
            raw = _CatalogueIn.model_validate(_read(name))
        except ValidationError as exc:
            raise _problems(name, exc) from None
        if raw.catalogue != catalogue_id:
            raise ThreatCatalogueError(f"threat catalogue {name} says it is {raw.catalogue!r}, not {catalogue_id!r}")
        infos.append(CatalogueInfo(catalogue_id, raw.name, raw.edition, raw.catalogue_version, raw.checked_against))
        seen: set[str] = set()
        for item in raw.threats:
            where = f"threat catalogue {name}: {item.id}"
            if item.id in seen:
                raise ThreatCatalogueError(f"{where}: id used twice")
            seen.add(item.id)
            unknown_sources = [s for s in item.source if s not in raw.sources]
            unknown_signals = [s for s in (*item.applies.all, *item.applies.any) if s not in SIGNALS]
            unknown_controls = [c for m in item.mitigations for c in m.controls if c not in annex_a]
            for problem, values in (("source", unknown_sources), ("signal", unknown_signals),
                                    ("Annex A control", unknown_controls)):  # fmt: skip
                if values:
                    raise ThreatCatalogueError(f"{where}: unknown {problem} {', '.join(values)}")
            if not item.applies.all and not item.applies.any:
                raise ThreatCatalogueError(f"{where}: applies names no signal")
            threats.append(Threat(catalogue_id, item.id, item.title, item.summary, item.applies,
                                  item.mitigations, item.related, item.see_also))  # fmt: skip
    keys = {t.key for t in threats}
    for threat in threats:
        dangling = [r for r in (*threat.related, *threat.see_also) if r not in keys]
        if dangling:
            raise ThreatCatalogueError(f"threat catalogue: {threat.key} maps to unknown {', '.join(dangling)}")
    try:
        findings = _FindingsIn.model_validate(_read("findings.yaml"))
    except ValidationError as exc:
        raise _problems("findings.yaml", exc) from None
    for rule in findings.items:
        if rule.threat not in keys:
            raise ThreatCatalogueError(f"threat catalogue findings.yaml: {rule.id} enables unknown {rule.threat}")
    return ThreatCatalogues(tuple(infos), tuple(threats), findings.items, findings.catalogue_version)


__all__ = [
    "CATALOGUE_FILES",
    "SIGNALS",
    "Applies",
    "CatalogueInfo",
    "FindingItemRule",
    "Mitigation",
    "Threat",
    "ThreatCatalogueError",
    "ThreatCatalogues",
    "load_threats",
]
