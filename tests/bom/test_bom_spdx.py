"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles."""

from __future__ import annotations

import json
from typing import Any

import spdx_python_model
from spdx_python_model import v3_0_1 as spdx
from tests.bom.bom_sample import FINGERPRINT, OPENAI_KEY, REDACTED, SERIAL, TIMESTAMP, check_golden

from openaims.bom.spdx import render_spdx
from openaims.discovery.interface import Finding, FindingKind


def render(findings: list[Finding]) -> str:
    return render_spdx(findings, root_name="northwind-lending", document_id=SERIAL, timestamp=TIMESTAMP)


def load(text: str) -> Any:
    model, objects = spdx_python_model.load_data(json.loads(text))
    assert model is spdx
    return objects


def of_type(objects: Any, cls: type) -> list[Any]:
    return [o for o in objects.foreach() if type(o) is cls]


def test_golden(findings: list[Finding]) -> None:
    check_golden("sample.spdx.json", render(findings))


def test_deterministic(findings: list[Finding]) -> None:
    assert render(findings) == render(list(reversed(findings)))


def test_loads_back_with_the_spdx_bindings_and_conforms_to_ai_and_dataset(findings: list[Finding]) -> None:
    objects = load(render(findings))
    [document] = of_type(objects, spdx.SpdxDocument)
    assert set(document.profileConformance) == {
        spdx.ProfileIdentifierType.core,
        spdx.ProfileIdentifierType.software,
        spdx.ProfileIdentifierType.ai,
        spdx.ProfileIdentifierType.dataset,
    }
    [sbom] = of_type(objects, spdx.software_Sbom)
    assert list(sbom.software_sbomType) == [spdx.software_SbomType.analyzed]
    # every reference inside the document resolves
    assert {iri for iri in objects.link() if iri.startswith("https://openaims.dev/")} == set()


def test_packages_models_and_relationships(findings: list[Finding]) -> None:
    objects = load(render(findings))
    purls = {p.software_packageUrl for p in of_type(objects, spdx.software_Package) if p.software_packageUrl}
    assert {
        "pkg:pypi/openai@1.54.3",
        "pkg:npm/%40ai-sdk/openai@1.0.5",
        "pkg:golang/github.com/sashabaranov/go-openai@v1.32.0",
        "pkg:maven/dev.langchain4j/langchain4j-open-ai@0.36.2",
        "pkg:nuget/azure.ai.openai@2.1.0-beta.2",
        "pkg:github/anthropics/claude-code-action@v1",
    } <= purls
    models = {m.name: m for m in of_type(objects, spdx.ai_AIPackage)}
    assert set(models) == {
        "gpt-4o",
        "claude-sonnet-4-5",
        "sentence-transformers/all-MiniLM-L6-v2",
        "services/credit-scoring/models/legacy.pkl",
        "services/credit-scoring/models/scorer.safetensors",
    }
    assert all(m.software_primaryPurpose == spdx.software_SoftwarePurpose.model for m in models.values())
    assert models["gpt-4o"].suppliedBy.name == "OpenAI"
    hub = models["sentence-transformers/all-MiniLM-L6-v2"]
    assert hub.software_packageUrl == "pkg:huggingface/sentence-transformers/all-MiniLM-L6-v2"
    [digest] = models["services/credit-scoring/models/legacy.pkl"].verifiedUsing
    assert (digest.algorithm, digest.hashValue) == (spdx.HashAlgorithm.sha256, "9a" * 32)
    assert "os.system" in models["services/credit-scoring/models/legacy.pkl"].comment
    [root] = [p for p in of_type(objects, spdx.software_Package) if p.name == "northwind-lending"]
    relationships = {r.relationshipType: r for r in of_type(objects, spdx.Relationship)}
    assert relationships[spdx.RelationshipType.dependsOn].from_ is root
    depended = {t.name for t in relationships[spdx.RelationshipType.dependsOn].to}
    assert {"openai", "gpt-4o", "github", "northwind-docs"} <= depended
    contained = {t.name for t in relationships[spdx.RelationshipType.contains].to}
    assert contained == {
        "CLAUDE.md",
        "services/credit-scoring/models/legacy.pkl",
        "services/credit-scoring/models/scorer.safetensors",
    }


def test_numpy_arrays_are_datasets() -> None:
    array = Finding(
        kind=FindingKind.MODEL_FILE,
        name="embeddings.npy",
        path="data/embeddings.npy",
        line=None,
        detector="model_file",
        format="numpy",
        unsafe=False,
        details={"sha256": "ab" * 32, "size": 4096},
    )
    [dataset] = of_type(load(render([array])), spdx.dataset_DatasetPackage)
    assert dataset.name == "data/embeddings.npy"
    assert list(dataset.dataset_datasetType) == [spdx.dataset_DatasetType.numeric]


def test_no_secret_value_and_count_only(findings: list[Finding]) -> None:
    text = render(findings)
    for value in (OPENAI_KEY, REDACTED, FINGERPRINT, OPENAI_KEY[:12]):
        assert value not in text
    [sbom] = of_type(load(text), spdx.software_Sbom)
    assert sbom.comment.startswith("openaims:secret-findings=1 ")


def test_empty_scan_is_a_document_with_only_the_root() -> None:
    objects = load(render([]))
    assert [p.name for p in of_type(objects, spdx.software_Package)] == ["northwind-lending"]
    assert of_type(objects, spdx.Relationship) == []
