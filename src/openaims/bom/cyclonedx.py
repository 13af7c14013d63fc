"""CycloneDX ML-BOM (1.6, 1.7) of a scan, in JSON or XML.

Everything cyclonedx-python-lib models is built with its model and written by
its outputter. The library does not model ``modelCard`` yet: the document is
rendered first, the model cards are then inserted into the machine-learning
model components (JSON object or XML element in schema order), and the whole
document is validated with the library's strict validator for the chosen
version. An invalid document is never returned. The mapping from findings to
BOM elements is documented in ``docs/aibom.md``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, assert_never
from urllib.parse import quote

from cyclonedx.model import (
    DataClassification,
    DataFlow,
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence
from cyclonedx.model.component_evidence import Occurrence as CdxOccurrence
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.lifecycle import LifecyclePhase, PredefinedLifecycle
from cyclonedx.model.service import Service
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from jsonschema import Draft7Validator, ValidationError, validators
from lxml import etree  # type: ignore[import-untyped]

import openaims
from openaims.bom.interface import (
    CYCLONEDX_VERSIONS,
    DEFAULT_CYCLONEDX_VERSION,
    BomError,
    CycloneDxFormat,
    ModelContext,
)
from openaims.bom.inventory import (
    AgentFile,
    Inventory,
    McpServer,
    Model,
    ModelFile,
    Occurrence,
    Package,
    Provider,
    Workflow,
    build_inventory,
)
from openaims.discovery.interface import Finding

_SCHEMA_VERSIONS = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
_NS = "openaims"

#: What a model of a catalogue category does (model card ``task`` and I/O formats).
_TASKS: dict[str, tuple[str, str, str]] = {
    "llm-api": ("text-generation", "string", "string"),
    "embedding": ("feature-extraction", "string", "vector"),
}
#: What travels to a hosted provider, by the category of what uses it.
_DATA_CLASSES = (
    ("vector-store", "embeddings and documents"),
    ("mlops", "traces, prompts and model outputs"),
    ("evaluation", "traces, prompts and model outputs"),
    ("model-hub", "model weights and inference data"),
)
_DEFAULT_DATA_CLASS = "prompts and model outputs"
#: Model-file formats that hold data rather than a model.
_DATA_FORMATS = frozenset({"numpy"})
#: Ecosystems whose purl namespace is the CycloneDX component group (npm scope, Maven groupId).
_GROUPED = frozenset({"npm", "maven"})
#: Evidence occurrences listed per component; a package imported from thousands of
#: files keeps the BOM readable (and schema validation fast) with the total as a property.
MAX_OCCURRENCES = 100


def _unique_items(validator: Any, unique: bool, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time (canonical JSON of each item), instead of
    jsonschema's pairwise comparison, which takes minutes on thousands of components."""
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        key = json.dumps(item, sort_keys=True, separators=(",", ":"))
        if key in seen:
            yield ValidationError(f"{item!r} is not unique in its array")
            return
        seen.add(key)


class _JsonValidator:
    """The strict JSON schema of cyclonedx-python-lib (same schema files, refs and
    format checks), with a linear ``uniqueItems``. Falls back to the library's own
    validator if its internals are not what this expects."""

    def __init__(self, schema: SchemaVersion) -> None:
        self._library = JsonStrictValidator(schema)
        self._fast: Any = None
        try:
            inner: Any = self._library._validator
            fast_cls = validators.extend(type(inner), {"uniqueItems": _unique_items})  # type: ignore[no-untyped-call]
            self._fast = fast_cls(inner.schema, registry=inner._registry, format_checker=inner.format_checker)
        except (AttributeError, TypeError, NotImplementedError):
            self._fast = None

    def validate_str(self, text: str) -> object | None:
        if self._fast is None:
            return self._library.validate_str(text)
        return next(iter(self._fast.iter_errors(json.loads(text))), None)


@cache
def _json_validator(schema: SchemaVersion) -> _JsonValidator:
    return _JsonValidator(schema)


@cache
def _xml_validator(schema: SchemaVersion) -> XmlValidator:
    return XmlValidator(schema)


def render_cyclonedx(
    findings: Sequence[Finding],
    *,
    root_name: str,
    spec_version: str = DEFAULT_CYCLONEDX_VERSION,
    fmt: str = "json",
    serial_number: uuid.UUID | None = None,
    timestamp: datetime | None = None,
    models: Mapping[str, ModelContext] | None = None,
) -> str:
    """The CycloneDX ML-BOM of ``findings`` as a string, validated against the
    official schema of ``spec_version``.

    ``serial_number`` and ``timestamp`` default to a random UUID and now; pass
    them for reproducible output. ``models`` (by model name) is what a register
    knows of the models found: their cards gain the intended use, limitations,
    ethical considerations and owner.
    """
    schema = _SCHEMA_VERSIONS.get(spec_version)
    if schema is None:
        raise BomError(
            f"CycloneDX version {spec_version!r} is not supported; use one of {', '.join(CYCLONEDX_VERSIONS)}"
        )
    try:
        out_format = CycloneDxFormat(fmt)
    except ValueError:
        raise BomError(f"CycloneDX format {fmt!r} is not supported; use json or xml") from None
    inventory = build_inventory(findings)
    bom, cards = _build_bom(inventory, root_name=root_name, serial_number=serial_number, timestamp=timestamp,
                            models=models or {})  # fmt: skip
    error: object | None
    if out_format is CycloneDxFormat.JSON:
        text = make_outputter(bom, OutputFormat.JSON, schema).output_as_string(indent=2)
        text = _inject_json(text, cards)
        error = _json_validator(schema).validate_str(text)
    elif out_format is CycloneDxFormat.XML:
        text = make_outputter(bom, OutputFormat.XML, schema).output_as_string(indent=2)
        text = _inject_xml(text, cards)
        error = _xml_validator(schema).validate_str(text)
    else:  # pragma: no cover - exhaustive
        assert_never(out_format)
    if error is not None:
        raise BomError(
            f"the CycloneDX {spec_version} {fmt} document failed schema validation "
            f"({str(getattr(error, 'message', error))[:300]}); this is a defect, "
            "please report it with the JSON scan report (aims scan --format json)"
        )
    return text


# ---------------------------------------------------------------------------- model


def _text(value: object) -> str:
    """A property value as text (booleans as ``true``/``false``)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _prop(name: str, value: object) -> Property:
    return Property(name=f"{_NS}:{name}", value=_text(value))


def _props(pairs: Iterable[tuple[str, object | None]]) -> list[Property]:
    return [_prop(name, value) for name, value in pairs if value is not None and value != ""]


def _evidence(occurrences: Sequence[Occurrence]) -> ComponentEvidence:
    """The first :data:`MAX_OCCURRENCES` places (the JSON scan report has all)."""
    shown = sorted(occurrences)[:MAX_OCCURRENCES]
    return ComponentEvidence(occurrences=[CdxOccurrence(location=o.path, line=o.line) for o in shown])


def _occurrence_count(occurrences: Sequence[Occurrence]) -> list[tuple[str, object | None]]:
    """``openaims:occurrences`` (the total) when the evidence list is cut short."""
    return [("occurrences", len(occurrences))] if len(occurrences) > MAX_OCCURRENCES else []


def _sha256(hexdigest: str | None) -> list[HashType]:
    if hexdigest and len(hexdigest) == 64 and all(c in "0123456789abcdef" for c in hexdigest.lower()):
        return [HashType(alg=HashAlgorithm.SHA_256, content=hexdigest.lower())]
    return []


def _uri(url: str) -> XsUri | None:
    """``url`` as a schema-valid IRI reference, or ``None`` (templates, spaces...)."""
    if "{" in url or not Draft7Validator.FORMAT_CHECKER.conforms(url, "iri-reference"):
        return None
    return XsUri(url)


_RUNTIME_SCOPES = frozenset({"main", "runtime"})
_NON_RUNTIME_SCOPES = frozenset({"dev", "test", "build"})


def _component_scope(scopes: Sequence[str]) -> ComponentScope | None:
    """``required`` when some manifest needs the package at run time, ``excluded``
    when only for development, tests or the build, ``optional`` for extras."""
    kinds = {s.split(":", 1)[0] for s in scopes}
    if not kinds:
        return None
    if kinds & _RUNTIME_SCOPES:
        return ComponentScope.REQUIRED
    if kinds <= _NON_RUNTIME_SCOPES:
        return ComponentScope.EXCLUDED
    if kinds <= {"optional", "peer"}:
        return ComponentScope.OPTIONAL
    return None


def _package_component(p: Package) -> Component:
    props: list[tuple[str, object | None]] = [
        ("provider", p.provider),
        ("category", p.category),
        ("ecosystem", p.ecosystem),
        ("detected-by", p.source),
        ("direct", p.direct),
    ]
    props += [("version-constraint", c) for c in p.constraints]
    props += [("scope", s) for s in p.scopes]
    props += [("manifest", m) for m in p.manifests]
    props += _occurrence_count(p.occurrences)
    group, name = None, p.name
    if p.purl is not None and p.purl.namespace and p.ecosystem in _GROUPED:
        group, name = p.purl.namespace, p.purl.name
    return Component(
        type=ComponentType.LIBRARY,
        group=group,
        name=name,
        scope=_component_scope(p.scopes),
        version=p.version,
        purl=p.purl,
        bom_ref=p.ref,
        properties=_props(props),
        evidence=_evidence(p.occurrences),
    )


def _provider_entity(provider: str | None) -> OrganizationalEntity | None:
    from openaims.discovery import catalog

    entry = catalog.providers().get(provider or "")
    if entry is None or provider == "other":
        return None
    return OrganizationalEntity(name=str(entry.get("name") or provider))


def _considerations(context: ModelContext) -> dict[str, Any]:
    """The model card's ``considerations`` from what the register knows (CycloneDX 1.5+)."""
    out: dict[str, Any] = {}
    if context.intended_use:
        out["useCases"] = [context.intended_use]
    if context.limitations:
        out["technicalLimitations"] = list(context.limitations)
    if context.ethical:
        out["ethicalConsiderations"] = [
            {"name": name, **({"mitigationStrategy": how} if how else {})} for name, how in context.ethical
        ]
    return out


def _model_component(m: Model, context: ModelContext | None = None) -> tuple[Component, dict[str, Any]]:
    refs: list[ExternalReference] = []
    page = _uri(f"https://huggingface.co/{quote(m.model_id, safe='/')}") if m.hub == "huggingface" else None
    if page is not None:
        refs.append(ExternalReference(type=ExternalReferenceType.WEBSITE, url=page))
    hosting = "model-hub" if m.hub else "hosted-api"
    props: list[tuple[str, object | None]] = [
        ("provider", m.provider),
        ("category", m.category),
        ("hosting", hosting),
        ("hub", m.hub),
    ]
    props += [("loader", v) for v in m.loaders]
    props += [("gateway", v) for v in m.gateways]
    props += _occurrence_count(m.occurrences)
    component = Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=m.model_id,
        bom_ref=m.ref,
        supplier=_provider_entity(m.provider),
        purl=m.purl,
        external_references=refs,
        properties=_props(props),
        evidence=_evidence(m.occurrences),
    )
    card: dict[str, Any] = {}
    task = _TASKS.get(m.category or "")
    if task is not None:
        card["modelParameters"] = {
            "task": task[0],
            "inputs": [{"format": task[1]}],
            "outputs": [{"format": task[2]}],
        }
    card_props = [("provider", m.provider), ("hosting", hosting)]
    card_props += [("loader", v) for v in m.loaders]
    if context is not None:
        considerations = _considerations(context)
        if considerations:
            card["considerations"] = considerations
        card_props += [("system", context.system), ("owner", context.owner)]
    card["properties"] = [{"name": f"{_NS}:{k}", "value": str(v)} for k, v in card_props if v]
    return component, card


def _model_file_component(f: ModelFile) -> tuple[Component, dict[str, Any] | None]:
    props: list[tuple[str, object | None]] = [
        ("format", f.format),
        ("provider", f.provider),
        ("size", f.size),
        ("unsafe", f.unsafe),
        ("lfs-pointer", f.lfs_pointer or None),
    ]
    props += [("dangerous-global", g) for g in f.dangerous_globals]
    is_data = f.format in _DATA_FORMATS
    component = Component(
        type=ComponentType.DATA if is_data else ComponentType.MACHINE_LEARNING_MODEL,
        name=f.name,
        bom_ref=f.ref,
        hashes=_sha256(f.sha256),
        properties=_props(props),
        evidence=_evidence([Occurrence(f.path, None)]),
    )
    if is_data:
        return component, None
    card_props = [("format", f.format), ("unsafe", f.unsafe)]
    card_props += [("dangerous-global", g) for g in f.dangerous_globals]
    card = {"properties": [{"name": f"{_NS}:{k}", "value": _text(v)} for k, v in card_props if v is not None]}
    return component, card


def _agent_component(a: AgentFile) -> Component:
    return Component(
        type=ComponentType.FILE,
        name=a.path,
        bom_ref=a.ref,
        hashes=_sha256(a.sha256),
        properties=_props(
            [
                ("kind", "agent-instructions"),
                ("agent-file", a.kind),
                ("assistant", a.assistant),
                ("provider", a.provider),
            ]
        ),
        evidence=_evidence([Occurrence(a.path, 1)]),
    )


def _workflow_component(w: Workflow) -> Component:
    name, version = w.display_name, w.action_ref
    ctype = ComponentType.CONTAINER if (w.image and not w.uses) else ComponentType.APPLICATION
    props: list[tuple[str, object | None]] = [
        ("kind", "ai-workflow"),
        ("provider", w.provider),
        ("category", w.category),
        ("ci", w.ci),
        ("ci-job", w.job),
        ("ci-step", w.name if w.name != name else None),
    ]
    props += [("ci-secret-name", s) for s in w.secrets]
    return Component(
        type=ctype,
        name=name,
        version=version,
        purl=w.purl,
        bom_ref=w.ref,
        properties=_props(props),
        evidence=_evidence([Occurrence(w.path, w.line)]),
    )


def _data_class(p: Provider) -> str:
    for category, label in _DATA_CLASSES:
        if p.categories and all(c == category for c in p.categories):
            return label
    return _DEFAULT_DATA_CLASS


def _provider_service(p: Provider) -> Service:
    endpoints = [u for e in p.endpoints if (u := _uri(e)) is not None]
    templates = [e for e in p.endpoints if _uri(e) is None]
    props = [("provider", p.id), ("kind", "ai-provider")]
    props += [("category", c) for c in p.categories]
    props += [("endpoint-template", t) for t in templates]
    return Service(
        name=p.name,
        bom_ref=p.ref,
        provider=OrganizationalEntity(name=p.name),
        endpoints=endpoints,
        authenticated=True,
        x_trust_boundary=True,
        data=[DataClassification(flow=DataFlow.BI_DIRECTIONAL, classification=_data_class(p))],
        properties=_props(props),
    )


def _mcp_service(s: McpServer) -> Service:
    endpoints = []
    if s.url and s.transport in ("http", "sse") and (u := _uri(s.url)) is not None:
        endpoints.append(u)
    remote = bool(endpoints) or (s.url is not None and s.transport in ("http", "sse"))
    props: list[tuple[str, object | None]] = [
        ("kind", "mcp-server"),
        ("mcp:transport", s.transport),
        ("mcp:command", s.command),
        ("mcp:package", s.package),
        ("mcp:client", s.client),
        ("mcp:config", f"{s.path}:{s.line}" if s.line else s.path),
        ("mcp:disabled", True if s.disabled else None),
        ("provider", s.provider),
    ]
    if s.url and not endpoints:
        props.append(("mcp:url", s.url))
    props += [("mcp:env", name) for name in s.env]
    props += [("mcp:header", name) for name in s.headers]
    return Service(
        name=s.name,
        bom_ref=s.ref,
        endpoints=endpoints,
        authenticated=True if (s.env or s.headers) else None,
        x_trust_boundary=True if remote else None,
        data=[DataClassification(flow=DataFlow.BI_DIRECTIONAL, classification="tool calls and results")],
        properties=_props(props),
    )


def _build_bom(
    inv: Inventory,
    *,
    root_name: str,
    serial_number: uuid.UUID | None,
    timestamp: datetime | None,
    models: Mapping[str, ModelContext],
) -> tuple[Bom, dict[str, dict[str, Any]]]:
    root = Component(type=ComponentType.APPLICATION, name=root_name or "scanned-tree", bom_ref="root")
    tool = Component(type=ComponentType.APPLICATION, name="openaims", version=openaims.__version__, group="openaims")
    counts = [
        ("packages", len(inv.packages)),
        ("models", len(inv.models)),
        ("model-files", len(inv.model_files)),
        ("mcp-servers", len(inv.mcp_servers)),
        ("agent-files", len(inv.agent_files)),
        ("ai-workflows", len(inv.workflows)),
        ("secret-findings", inv.secret_count),
    ]
    metadata = BomMetaData(
        component=root,
        tools=ToolRepository(components=[tool]),
        timestamp=timestamp or datetime.now(tz=UTC),
        lifecycles=[PredefinedLifecycle(LifecyclePhase.DISCOVERY)],
        properties=_props(counts),
    )
    bom = Bom(serial_number=serial_number or uuid.uuid4(), metadata=metadata)
    cards: dict[str, dict[str, Any]] = {}
    by_ref: dict[str, Component] = {}

    def add(component: Component) -> Component:
        ref = str(component.bom_ref.value)
        if ref in by_ref:
            return by_ref[ref]
        by_ref[ref] = component
        bom.components.add(component)
        return component

    for p in inv.packages:
        add(_package_component(p))
    for m in inv.models:
        component, card = _model_component(m, models.get(m.model_id))
        add(component)
        cards[m.ref] = card
    for f in inv.model_files:
        component, maybe_card = _model_file_component(f)
        add(component)
        if maybe_card is not None:
            cards[f.ref] = maybe_card
    for a in inv.agent_files:
        add(_agent_component(a))
    for w in inv.workflows:
        add(_workflow_component(w))

    top = list(by_ref.values())
    services: dict[str, Service] = {}
    for pr in inv.providers:
        services[pr.ref] = _provider_service(pr)
    mcp_packages: dict[str, Component] = {}
    for s in inv.mcp_servers:
        services[s.ref] = _mcp_service(s)
        package = s.package_ref
        if package is not None:
            mcp_packages[s.ref] = add(_package_component(package))
    for service in services.values():
        bom.services.add(service)

    graph: dict[str, tuple[BomRef, set[str]]] = {}
    refs: dict[str, BomRef] = {"root": root.bom_ref}
    for element in [*by_ref.values(), *services.values()]:
        refs[str(element.bom_ref.value)] = element.bom_ref
        graph[str(element.bom_ref.value)] = (element.bom_ref, set())
    graph["root"] = (root.bom_ref, {str(e.bom_ref.value) for e in [*top, *services.values()]})
    for pid, users in inv.provider_users.items():
        service_ref = f"service:{pid}"
        if service_ref in services:
            for ref in users:
                if ref in graph:
                    graph[ref][1].add(service_ref)
    for ref, component in mcp_packages.items():
        graph[ref][1].add(str(component.bom_ref.value))
    bom.dependencies = [
        Dependency(ref=bom_ref, dependencies=[Dependency(ref=refs[d]) for d in sorted(targets)])
        for bom_ref, targets in graph.values()
    ]
    return bom, cards


# ---------------------------------------------------------------------------- model cards


def _occurrence_key(item: dict[str, Any]) -> tuple[str, int]:
    return (str(item.get("location", "")), int(item.get("line", 0)))


def _inject_json(text: str, cards: dict[str, dict[str, Any]]) -> str:
    """Insert the model cards; put evidence occurrences in (path, line) order
    (the library keeps them in an order of its own)."""
    doc = json.loads(text)
    for component in doc.get("components", []):
        occurrences = component.get("evidence", {}).get("occurrences")
        if occurrences:
            occurrences.sort(key=_occurrence_key)
        card = cards.get(component.get("bom-ref", ""))
        if card:
            component["modelCard"] = card
    return json.dumps(doc, indent=2, ensure_ascii=False)


#: Children of ``component`` that come after ``modelCard`` in the XML schema.
_AFTER_MODEL_CARD = frozenset({"data", "cryptoProperties", "tags", "signature"})


def _xml_card(ns: str, card: dict[str, Any]) -> Any:
    q = f"{{{ns}}}"
    root = etree.Element(f"{q}modelCard")
    params = card.get("modelParameters")
    if params:
        mp = etree.SubElement(root, f"{q}modelParameters")
        if "task" in params:
            etree.SubElement(mp, f"{q}task").text = params["task"]
        for plural, singular in (("inputs", "input"), ("outputs", "output")):
            if params.get(plural):
                holder = etree.SubElement(mp, f"{q}{plural}")
                for item in params[plural]:
                    entry = etree.SubElement(holder, f"{q}{singular}")
                    etree.SubElement(entry, f"{q}format").text = item["format"]
    considerations = card.get("considerations")
    if considerations:
        held = etree.SubElement(root, f"{q}considerations")
        for plural, singular in (("useCases", "useCase"), ("technicalLimitations", "technicalLimitation")):
            if considerations.get(plural):
                holder = etree.SubElement(held, f"{q}{plural}")
                for text in considerations[plural]:
                    etree.SubElement(holder, f"{q}{singular}").text = text
        if considerations.get("ethicalConsiderations"):
            holder = etree.SubElement(held, f"{q}ethicalConsiderations")
            for item in considerations["ethicalConsiderations"]:
                entry = etree.SubElement(holder, f"{q}ethicalConsideration")
                etree.SubElement(entry, f"{q}name").text = item["name"]
                if item.get("mitigationStrategy"):
                    etree.SubElement(entry, f"{q}mitigationStrategy").text = item["mitigationStrategy"]
    if card.get("properties"):
        holder = etree.SubElement(root, f"{q}properties")
        for prop in card["properties"]:
            etree.SubElement(holder, f"{q}property", name=prop["name"]).text = prop["value"]
    return root


def _xml_occurrence_key(ns: str, occurrence: Any) -> tuple[str, int]:
    location = occurrence.findtext(f"{{{ns}}}location") or ""
    line = occurrence.findtext(f"{{{ns}}}line")
    return (location, int(line) if line and line.isdigit() else 0)


def _inject_xml(text: str, cards: dict[str, dict[str, Any]]) -> str:
    """Insert model cards and order evidence occurrences in the rendered
    document (our own output, parsed without entities or network access)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    doc = etree.fromstring(text.encode("utf-8"), parser)
    ns = etree.QName(doc).namespace or ""
    for holder in doc.iter(f"{{{ns}}}occurrences"):
        holder[:] = sorted(holder, key=lambda o: _xml_occurrence_key(ns, o))
    for component in doc.iter(f"{{{ns}}}component"):
        card = cards.get(component.get("bom-ref") or "")
        if not card:
            continue
        position = len(component)
        for index, child in enumerate(component):
            if etree.QName(child).localname in _AFTER_MODEL_CARD:
                position = index
                break
        component.insert(position, _xml_card(ns, card))
    etree.indent(doc, space="  ")
    body: bytes = etree.tostring(doc, encoding="utf-8")
    return '<?xml version="1.0" ?>\n' + body.decode("utf-8") + "\n"
