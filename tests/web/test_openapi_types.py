"""The OpenAPI document describes every record type's fields, and a client that builds its
requests from the document (validated against it) creates a risk with typed fields."""

from __future__ import annotations

from typing import Any

import jsonschema
from tests.web.conftest import Hub, client

from openaims.register import fields
from openaims.register.services import registry
from openaims.web.api_schemas import schema_name


def _document(hub: Hub) -> dict[str, Any]:
    document: dict[str, Any] = client(hub.app).get("/api/v1/openapi.json").json()
    return document


def _validator(document: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    """A validator of component ``name`` that resolves the document's references."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_every_record_type_has_typed_paths_and_schemas(hub: Hub) -> None:
    document = _document(hub)
    schemas = document["components"]["schemas"]
    for record_type, cls in registry().items():
        name = schema_name(record_type)
        paths = document["paths"]
        assert {"get", "post"} <= set(paths[f"/api/v1/records/{record_type}"]), record_type
        assert {"get", "patch"} <= set(paths[f"/api/v1/records/{record_type}/{{record_id}}"]), record_type
        body = paths[f"/api/v1/records/{record_type}"]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}New"}
        given = {s.name for s in fields.inputs(cls)}
        assert set(schemas[f"{name}New"]["properties"]) == given | {"status"}, record_type
        assert set(schemas[f"{name}Record"]["properties"]) >= {s.name for s in fields.describe(cls)} | {"id"}


def test_risk_fields_carry_their_type_scale_and_reference(hub: Hub) -> None:
    schemas = _document(hub)["components"]["schemas"]
    risk = schemas["RiskNew"]
    assert risk["required"] == ["title"]
    likelihood = risk["properties"]["inherent_likelihood"]
    assert likelihood["x-aims-scale"] == "likelihood"
    assert {"type": "integer", "minimum": 1, "maximum": 10} in likelihood["anyOf"]
    assert risk["properties"]["system_ids"]["x-aims-references"] == "system"
    assert risk["properties"]["system_ids"]["type"] == "array"
    assert risk["properties"]["review_on"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert "inherent_rating" not in risk["properties"]
    record = schemas["RiskRecord"]["properties"]
    assert record["inherent_rating"]["readOnly"] is True
    assert risk["properties"]["status"]["anyOf"][0]["enum"][0] == "identified"
    treatment = schemas["TreatmentNew"]["properties"]
    assert treatment["risk_id"]["x-aims-references"] == "risk"
    assert treatment["option"]["enum"] == ["mitigate", "avoid", "transfer", "accept"]


def test_a_client_built_from_the_document_creates_a_risk(hub: Hub) -> None:
    document = _document(hub)
    create = document["paths"]["/api/v1/records/risk"]["post"]
    new_schema = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    reply_schema = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    body = {"title": "Model leaks training data", "system_ids": [hub.records["system"]], "owner": "carl",
            "inherent_likelihood": 3, "inherent_impact": 4, "review_on": "2027-01-31"}  # fmt: skip
    _validator(document, new_schema).validate(body)
    bad = {**body, "inherent_likelihood": "often"}
    assert not _validator(document, new_schema).is_valid(bad)
    assert not _validator(document, new_schema).is_valid({**body, "colour": "red"})
    reply = hub.api("ada").post("/api/v1/records/risk", json=body)
    assert reply.status_code == 201
    _validator(document, reply_schema).validate(reply.json())
    assert reply.json()["inherent_likelihood"] == 3
    assert reply.json()["system_ids"] == [hub.records["system"]]
    page_ref = document["paths"]["/api/v1/records/risk"]["get"]["responses"]["200"]["content"]["application/json"]
    listed = hub.api("ada").get("/api/v1/records/risk").json()
    _validator(document, page_ref["schema"]["$ref"].rsplit("/", 1)[1]).validate(listed)
    assert body["title"] in {r["title"] for r in listed["items"]}


def test_the_api_reference_renders_under_the_content_security_policy(hub: Hub) -> None:
    reply = client(hub.app).get("/api/v1/docs")
    assert reply.status_code == 200
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert "<script" not in reply.text
    assert "cdn" not in reply.text.lower()
    assert 'id="schema-RiskNew"' in reply.text
    assert "<code>inherent_likelihood</code>" in reply.text
