"""SPDX 3.0.1 (JSON-LD) of a scan, with the Software, AI and Dataset profiles.

Built with spdx-python-model's generated bindings: the serialiser enforces
every property's type and cardinality, and the written document is read back
with the library's deserialiser before it is returned, so a document that the
SPDX tooling cannot load is never handed out.

Mapping (see ``docs/aibom.md``): AI packages are ``software_Package`` with a
purl; hosted models, Hub models and model files are ``ai_AIPackage``
(``primaryPurpose: model``, supplier, hash); data files are
``dataset_DatasetPackage``; agent instruction files are ``software_File``; MCP
servers and AI CI steps are ``software_Package``. Everything hangs off the
scanned root by ``dependsOn`` / ``contains`` relationships. Secrets are only
counted (in the SBOM comment).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import spdx_python_model
from spdx_python_model import v3_0_1 as spdx

import openaims
from openaims.bom.interface import BomError
from openaims.bom.inventory import Inventory, Occurrence, build_inventory
from openaims.discovery import catalog
from openaims.discovery.interface import Finding

_SLUG = re.compile(r"[^A-Za-z0-9.-]+")


class _Builder:
    def __init__(self, root_name: str, document_id: uuid.UUID, created: datetime) -> None:
        self.base = f"https://openaims.dev/spdx/{document_id}"
        self.objects = spdx.SHACLObjectSet()
        self.info = spdx.CreationInfo(
            specVersion="3.0.1",
            created=created,
        )
        agent = _new(spdx.SoftwareAgent, spdxId=self.iri("agent:openaims"), name="OpenAIMS", creationInfo=self.info)
        self.info.createdBy = [agent]
        tool = _new(
            spdx.Tool,
            spdxId=self.iri("tool:openaims"),
            name=f"openaims {openaims.__version__}",
            creationInfo=self.info,
        )
        self.info.createdUsing = [tool]
        self.objects.add(agent)
        self.objects.add(tool)
        self.elements: list[Any] = []
        self.organizations: dict[str, Any] = {}
        self.root = self.add(
            _new(
                spdx.software_Package,
                spdxId=self.iri(f"root:{root_name}"),
                name=root_name or "scanned-tree",
                software_primaryPurpose=spdx.software_SoftwarePurpose.application,
            )
        )

    def iri(self, ref: str) -> str:
        """A stable IRI for an element, readable and unique (a hash of the full ref)."""
        digest = hashlib.sha256(ref.encode()).hexdigest()[:10]
        slug = _SLUG.sub("-", ref).strip("-")[:60]
        return f"{self.base}#{slug}-{digest}"

    def add(self, element: Any) -> Any:
        element.creationInfo = self.info
        self.objects.add(element)
        self.elements.append(element)
        return element

    def organization(self, provider: str | None) -> Any | None:
        entry = catalog.providers().get(provider or "")
        if entry is None or provider == "other" or provider is None:
            return None
        if provider not in self.organizations:
            self.organizations[provider] = self.add(
                _new(
                    spdx.Organization,
                    spdxId=self.iri(f"org:{provider}"),
                    name=str(entry.get("name") or provider),
                )
            )
        return self.organizations[provider]

    def relate(self, kind: str, source: Any, targets: Sequence[Any], comment: str | None = None) -> None:
        if not targets:
            return
        self.add(
            _new(
                spdx.Relationship,
                spdxId=self.iri(f"relationship:{kind}:{str(source._id).rsplit('#', 1)[-1]}"),
                relationshipType=getattr(spdx.RelationshipType, kind),
                from_=source,
                to=list(targets),
                comment=comment,
            )
        )


def _new(cls: Any, **kwargs: Any) -> Any:
    """An SPDX object with the given properties, leaving out absent ones
    (the bindings reject ``None``)."""
    return cls(**{k: v for k, v in kwargs.items() if v is not None and v != []})


def _where(occurrences: Sequence[Occurrence]) -> str:
    places = [f"{o.path}:{o.line}" if o.line else o.path for o in occurrences]
    shown = ", ".join(places[:20])
    more = f" and {len(places) - 20} more" if len(places) > 20 else ""
    return f"Found at {shown}{more}."


def _sha256(hexdigest: str | None) -> list[Any]:
    if hexdigest and re.fullmatch(r"[0-9a-fA-F]{64}", hexdigest):
        return [spdx.Hash(algorithm=spdx.HashAlgorithm.sha256, hashValue=hexdigest.lower())]
    return []


def _populate(b: _Builder, inv: Inventory) -> tuple[list[Any], list[Any]]:
    depends: list[Any] = []
    contains: list[Any] = []
    for p in inv.packages:
        pkg = b.add(
            _new(
                spdx.software_Package,
                spdxId=b.iri(p.ref),
                name=p.name,
                software_packageVersion=p.version,
                software_packageUrl=p.purl.to_string() if p.purl else None,
                software_primaryPurpose=spdx.software_SoftwarePurpose.library,
                comment=f"AI {p.category or 'package'} ({p.provider or 'unknown provider'}). " + _where(p.occurrences),
            )
        )
        depends.append(pkg)
    for m in inv.models:
        purl = m.purl
        model = b.add(
            _new(
                spdx.ai_AIPackage,
                spdxId=b.iri(m.ref),
                name=m.model_id,
                software_primaryPurpose=spdx.software_SoftwarePurpose.model,
                software_packageUrl=purl.to_string() if purl else None,
                software_downloadLocation=f"https://huggingface.co/{m.model_id}" if m.hub == "huggingface" else None,
                suppliedBy=b.organization(m.provider),
                ai_informationAboutApplication=(
                    f"{'Model hub' if m.hub else 'Hosted model API'} reference"
                    + (f" loaded with {', '.join(m.loaders)}" if m.loaders else "")
                    + (f" through {', '.join(m.gateways)}" if m.gateways else "")
                    + "."
                ),
                comment=_where(m.occurrences),
            )
        )
        depends.append(model)
    for f in inv.model_files:
        facts = [f"format {f.format or 'unknown'}"]
        if f.unsafe is not None:
            facts.append("unsafe to load" if f.unsafe else "no dangerous callables found")
        if f.dangerous_globals:
            facts.append("reaches " + ", ".join(f.dangerous_globals))
        if f.lfs_pointer:
            facts.append("Git LFS pointer")
        kwargs: dict[str, Any] = {
            "spdxId": b.iri(f.ref),
            "name": f.path,
            "verifiedUsing": _sha256(f.sha256),
            "comment": "Model file: " + "; ".join(facts) + ".",
            "suppliedBy": b.organization(f.provider),
        }
        if f.format == "numpy":
            element = _new(
                spdx.dataset_DatasetPackage,
                software_primaryPurpose=spdx.software_SoftwarePurpose.data,
                dataset_datasetType=[spdx.dataset_DatasetType.numeric],
                **kwargs,
            )
        else:
            element = _new(spdx.ai_AIPackage, software_primaryPurpose=spdx.software_SoftwarePurpose.model, **kwargs)
        contains.append(b.add(element))
    for a in inv.agent_files:
        contains.append(
            b.add(
                _new(
                    spdx.software_File,
                    spdxId=b.iri(a.ref),
                    name=a.path,
                    verifiedUsing=_sha256(a.sha256),
                    software_primaryPurpose=spdx.software_SoftwarePurpose.configuration,
                    comment=f"Instructions for {a.assistant or 'a coding assistant'} ({a.kind}).",
                )
            )
        )
    for s in inv.mcp_servers:
        package = s.package_ref
        what = f"MCP server ({s.transport or 'unknown transport'}) configured for {s.client or 'an MCP client'}"
        if s.url:
            what += f" at {s.url}"
        if s.env:
            what += f"; needs {', '.join(s.env)}"
        depends.append(
            b.add(
                _new(
                    spdx.software_Package,
                    spdxId=b.iri(s.ref),
                    name=s.name,
                    software_packageUrl=package.purl.to_string() if package and package.purl else None,
                    software_packageVersion=package.version if package else None,
                    software_primaryPurpose=spdx.software_SoftwarePurpose.application,
                    comment=f"{what}. {_where([Occurrence(s.path, s.line)])}",
                )
            )
        )
    for w in inv.workflows:
        purl = w.purl
        depends.append(
            b.add(
                _new(
                    spdx.software_Package,
                    spdxId=b.iri(w.ref),
                    name=w.display_name,
                    software_packageVersion=w.action_ref,
                    software_packageUrl=purl.to_string() if purl else None,
                    software_primaryPurpose=spdx.software_SoftwarePurpose.application,
                    suppliedBy=b.organization(w.provider),
                    comment=(
                        f"AI step in {w.ci or 'CI'} job {w.job or '?'}"
                        + (f" receiving {', '.join(w.secrets)}" if w.secrets else "")
                        + f". {_where([Occurrence(w.path, w.line)])}"
                    ),
                )
            )
        )
    return depends, contains


def render_spdx(
    findings: Sequence[Finding],
    *,
    root_name: str,
    document_id: uuid.UUID | None = None,
    timestamp: datetime | None = None,
) -> str:
    """The SPDX 3.0.1 JSON-LD document of ``findings`` (AI and Dataset profiles)."""
    inventory = build_inventory(findings)
    created = (timestamp or datetime.now(tz=UTC)).astimezone(UTC).replace(microsecond=0)
    b = _Builder(root_name, document_id or uuid.uuid4(), created)
    depends, contains = _populate(b, inventory)
    b.relate("dependsOn", b.root, depends)
    b.relate("contains", b.root, contains)
    sbom = _new(
        spdx.software_Sbom,
        spdxId=b.iri(f"sbom:{root_name}"),
        name=f"AI bill of materials of {root_name}",
        software_sbomType=[spdx.software_SbomType.analyzed],
        rootElement=[b.root],
        element=list(b.elements),
        comment=f"openaims:secret-findings={inventory.secret_count} (values are never included).",
        creationInfo=b.info,
    )
    b.objects.add(sbom)
    document = _new(
        spdx.SpdxDocument,
        spdxId=b.iri(f"document:{root_name}"),
        name=f"{root_name} AI-BOM",
        profileConformance=[
            spdx.ProfileIdentifierType.core,
            spdx.ProfileIdentifierType.software,
            spdx.ProfileIdentifierType.ai,
            spdx.ProfileIdentifierType.dataset,
        ],
        rootElement=[sbom],
        element=[sbom, *b.elements],
        creationInfo=b.info,
    )
    b.objects.add(document)
    buffer = io.BytesIO()
    try:
        spdx.JSONLDSerializer().write(b.objects, buffer, indent=2)
    except (ValueError, TypeError) as exc:  # cardinality or type violation in our own model
        raise BomError(f"the SPDX 3 document is not valid: {exc}") from exc
    text = buffer.getvalue().decode("utf-8")
    _check_loads(text)
    return text + ("" if text.endswith("\n") else "\n")


def _check_loads(text: str) -> None:
    """Read the document back with the SPDX bindings; every reference must resolve."""
    try:
        _, objects = spdx_python_model.load_data(json.loads(text))
    except (ValueError, TypeError, KeyError, spdx_python_model.LoadError) as exc:
        raise BomError(f"the SPDX 3 document does not load back: {exc}") from exc
    missing = objects.link()
    external = {m for m in missing if not m.startswith("https://openaims.dev/spdx/")}
    if missing - external:
        raise BomError(f"the SPDX 3 document has dangling references: {sorted(missing - external)[:5]}")
