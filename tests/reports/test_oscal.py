"""``aims oscal export`` and the pack's oscal/ folder: the ISO/IEC 42001 catalog and profile, a
component definition per AI system and readiness as assessment results, each valid against the
official NIST OSCAL JSON schemas (tests/reports/oscal_schemas, release 1.2.3)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.cli import run

from openaims.frameworks.loader import ISO42001_LEAF_CLAUSES, load_catalogue
from openaims.readiness.model import CheckResult, ItemResult, Report, Status
from openaims.readiness.snapshot import Snapshot
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.reports import oscal

TODAY = dt.datetime.now(dt.UTC).date()
SCHEMAS = Path(__file__).with_name("oscal_schemas")
KINDS = {
    "catalog": "oscal_catalog_schema.json",
    "profile": "oscal_profile_schema.json",
    "component-definition": "oscal_component_schema.json",
    "assessment-results": "oscal_assessment-results_schema.json",
}


def _python_patterns(node: Any) -> Any:
    """The schemas' patterns use \\p{L} and \\p{N} (Unicode letters and numbers), which Python's re
    spells [^\\W\\d_] and \\d; everything else is kept as NIST wrote it."""
    if isinstance(node, dict):
        return {
            k: v.replace("\\p{L}", "[^\\W\\d_]").replace("\\p{N}", "\\d") if k == "pattern" and isinstance(v, str)
            else _python_patterns(v)
            for k, v in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_python_patterns(v) for v in node]
    return node


@functools.cache
def validator(kind: str) -> jsonschema.Draft7Validator:
    schema = _python_patterns(json.loads((SCHEMAS / KINDS[kind]).read_text(encoding="utf-8")))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def schema_errors(document: dict[str, Any]) -> list[str]:
    (kind,) = document
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator(kind).iter_errors(document)]


def test_the_schemas_are_the_official_files_named_in_their_readme() -> None:
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    for name in KINDS.values():
        data = (SCHEMAS / name).read_bytes()
        row = next(line for line in readme.splitlines() if f"`{name}`" in line)
        assert hashlib.sha256(data).hexdigest() in row
        assert json.loads(data)["$id"].startswith("http://csrc.nist.gov/ns/oscal/1.2.3/")


def test_the_schemas_refuse_a_document_that_is_not_oscal() -> None:
    broken = {"catalog": {"uuid": "not-a-uuid", "metadata": {"title": "x"}}}
    errors = schema_errors(broken)
    assert any("uuid" in e for e in errors)
    assert any("last-modified" in e for e in errors)


# ----------------------------------------------------------------------------- the sample register
@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _sqlite_template: Path) -> Path:
    target = tmp_path / "aims.db"
    shutil.copyfile(_sqlite_template, target)
    monkeypatch.setenv("AIMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AIMS_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMS_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("AIMS_ACTOR", "maria")
    for name in ("AIMS_OSCAL_SYSTEM", "AIMS_OSCAL_AS_OF", "AIMS_PACK_SCOPE", "AIMS_PACK_AS_OF", "AIMS_ORGANISATION"):
        monkeypatch.delenv(name, raising=False)
    database = Database(f"sqlite:///{target}")
    with database.session() as session:
        load_demo(session, today=TODAY, evidence_dir=tmp_path / "evidence", accounts=False)
    database.dispose()
    return tmp_path


def load(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def test_the_sample_register_exports_valid_oscal_that_says_what_readiness_says(
    capsys: pytest.CaptureFixture[str], sample: Path
) -> None:
    out = sample / "oscal"
    code, printed, err = run(capsys, "oscal", "export", "-o", str(out), "--organisation", "Northwind Lending")
    assert code == 0, err
    assert "3 component definitions" in printed
    files = load(out)
    assert set(files) == {
        "iso42001-catalog.json", "iso42001-profile.json", "assessment-results.json",
        "component-SYS-1.json", "component-SYS-2.json", "component-SYS-3.json",
    }  # fmt: skip
    for name, document in files.items():
        assert schema_errors(document) == [], name

    # the catalog: 32 leaf clauses and the 38 Annex A controls, each with the objective findings target
    catalog = files["iso42001-catalog.json"]["catalog"]
    controls: dict[str, dict[str, Any]] = {}

    def walk(groups: list[dict[str, Any]]) -> None:
        for group in groups:
            walk(group.get("groups", []))
            controls.update({c["id"]: c for c in group.get("controls", [])})

    walk(catalog["groups"])
    framework = load_catalogue().framework("iso42001")
    annex = [c.id for c in framework.of_kind("control")]
    assert set(controls) == {oscal.oscal_id(c) for c in [*ISO42001_LEAF_CLAUSES, *annex]}
    assert len(annex) == 38
    a624 = controls["a.6.2.4"]
    assert a624["title"] == framework.get("A.6.2.4").title
    assert {"name": "label", "value": "A.6.2.4"} in a624["props"]
    assert a624["parts"][0]["id"] == "a.6.2.4_obj"
    assert any(p["name"] == "documented-information" for p in controls["clause-4.3"]["parts"])

    # readiness of the same register, as aims readiness computes it
    code, text, err = run(capsys, "readiness", "-f", "json", "--no-remember")
    assert code == 0, err
    readiness = {i["id"]: i for i in json.loads(text)["items"]}

    results = files["assessment-results.json"]["assessment-results"]["results"][0]
    findings = {f["target"]["target-id"]: f for f in results["findings"]}
    for item_id, item in readiness.items():
        if item["status"] == "not_applicable":
            assert oscal.objective_id(item_id) not in findings
            continue
        finding = findings[oscal.objective_id(item_id)]
        state = finding["target"]["status"]["state"]
        assert state == ("satisfied" if item["status"] == "met" else "not-satisfied"), item_id
        assert item["status"].replace("_", " ") in finding["title"]
    assert len(findings) == sum(1 for i in readiness.values() if i["status"] != "not_applicable")

    # the profile selects every clause and the controls the SoA applies
    profile = files["iso42001-profile.json"]["profile"]
    (selected,) = profile["imports"][0]["include-controls"]
    excluded = {k for k, i in readiness.items() if i["status"] == "not_applicable" and k.startswith("A.")}
    assert set(selected["with-ids"]) == {oscal.oscal_id(c) for c in [*ISO42001_LEAF_CLAUSES, *annex]} - {
        oscal.oscal_id(c) for c in excluded
    }

    # a component: each applicable control with how the SoA says it is implemented and the records
    component = files["component-SYS-2.json"]["component-definition"]
    (system,) = component["components"]
    assert system["title"].startswith("SYS-2 ")
    implemented = {r["control-id"]: r for r in system["control-implementations"][0]["implemented-requirements"]}
    assert not {oscal.oscal_id(c) for c in excluded} & set(implemented)
    resources = {r["uuid"]: r for r in component["back-matter"]["resources"]}
    cited = {
        resources[link["href"].lstrip("#")]["title"].split()[0]
        for r in implemented.values()
        for link in r.get("links", [])
    }
    assert cited, "the records that show the controls are cited as back-matter resources"
    assert any("Records of SYS-2:" in r["description"] for r in implemented.values())
    assert all("Implementation: " in r["description"] or "GAP: " in r["description"] for r in implemented.values())
    for requirement in implemented.values():
        assert requirement["description"]
        props = {p["name"]: p["value"] for p in requirement["props"]}
        assert props["readiness"] == readiness[props["label"]]["status"].replace("_", " ")


def test_exports_are_identical_for_the_same_register_and_day(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    day = TODAY.isoformat()
    assert run(capsys, "oscal", "export", "-o", str(sample / "a"), "--as-of", day)[0] == 0
    assert run(capsys, "oscal", "export", "-o", str(sample / "b"), "--as-of", day)[0] == 0
    first = {p.name: p.read_bytes() for p in (sample / "a").iterdir()}
    assert first == {p.name: p.read_bytes() for p in (sample / "b").iterdir()}


def test_one_system_and_bad_input(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    code, _, err = run(capsys, "oscal", "export", "-o", str(sample / "one"), "--system", "sys-3")
    assert code == 0, err
    assert sorted(p.name for p in (sample / "one").glob("component-*")) == ["component-SYS-3.json"]
    for args, message in (
        (["--system", "SYS-99"], "no AI system SYS-99 in the register"),
        (["--as-of", "soon"], "--as-of 'soon' is not a date"),
        (["--as-of", (TODAY + dt.timedelta(days=2)).isoformat()], "is in the future"),
    ):
        code, _, err = run(capsys, "oscal", "export", "-o", str(sample / "bad"), *args)
        assert code == 2, args
        assert message in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    (sample / "file.json").write_text("{}")
    code, _, err = run(capsys, "oscal", "export", "-o", str(sample / "file.json"))
    assert code == 2
    assert "give a folder" in err


def test_the_pack_holds_the_oscal_files_and_they_link_the_evidence_in_the_pack(
    capsys: pytest.CaptureFixture[str], sample: Path
) -> None:
    pack = sample / "p.zip"
    code, _, err = run(capsys, "pack", "-o", str(pack), "--scope", "system SYS-2")
    assert code == 0, err
    with zipfile.ZipFile(pack) as archive:
        names = set(archive.namelist())
        oscal_files = {n: json.loads(archive.read(n)) for n in names if n.startswith("oscal/")}
    assert set(oscal_files) == {
        "oscal/iso42001-catalog.json", "oscal/iso42001-profile.json", "oscal/assessment-results.json",
        "oscal/component-SYS-2.json",
    }  # fmt: skip
    for name, document in oscal_files.items():
        assert schema_errors(document) == [], name
    links = [
        rlink["href"]
        for document in oscal_files.values()
        for body in document.values()
        for resource in body.get("back-matter", {}).get("resources", [])
        for rlink in resource.get("rlinks", [])
        if rlink.get("hashes")
    ]
    in_pack = [href for href in links if href.startswith("../evidence/")]
    assert in_pack, "the evidence files in the pack are linked with their hashes"
    for href in in_pack:
        assert href.removeprefix("../").replace("%20", " ") in names


# ----------------------------------------------------------------------------- properties
@dataclass
class Fake:
    """A register record as the services return it, for the fields OSCAL reads."""

    id: str
    record_type: str
    status: str = "active"
    fields: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def model_dump(self, mode: str = "json", exclude: set[str] | None = None) -> dict[str, Any]:
        return dict(self.fields)


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=text, description=st.none() | text, justification=text, notes=st.none() | text,
    applicable=st.booleans(), status=st.sampled_from(list(Status)), organisation=text.filter(lambda s: s.strip()),
    reason=text,
)  # fmt: skip
def test_any_text_in_the_register_still_gives_valid_oscal(
    name: str, description: str | None, justification: str, notes: str | None, applicable: bool, status: Status,
    organisation: str, reason: str,
) -> None:
    system = Fake("SYS-1", "system", fields={
        "name": name, "description": description, "purpose": None, "intended_use": description,
        "lifecycle_stage": "design", "owner": name, "organisation_roles": [name], "risk_tier": "high",
        "eu_ai_act": {}, "human_oversight": notes,
    })  # fmt: skip
    risk = Fake("RISK-1", "risk", fields={"title": name, "description": description, "system_id": "SYS-1"})
    row = Fake("SOA-1", "soa_entry", status="planned", fields={
        "control_id": "A.6.2.4", "applicable": applicable, "justification": justification, "notes": notes,
        "owner": None, "treatment_ids": [], "evidence_ids": ["EVD-1"],
    })  # fmt: skip
    evidence = Fake("EVD-1", "evidence", fields={
        "title": name, "kind": "file", "sha256": "ab" * 32, "filename": name or None, "media_type": None,
        "url": None, "record_ids": ["RISK-1"], "description": description,
    })  # fmt: skip
    snap = Snapshot({"system": (system,), "risk": (risk,), "soa_entry": (row,), "evidence": (evidence,)}, TODAY)
    items = (
        ItemResult("iso42001", "A.6.2.4", "control", "Verification and validation", "A.6",
                   status if applicable else Status.NOT_APPLICABLE,
                   (CheckResult("records", status, reason, ("RISK-1", "EVD-1", "GONE-1")),)),
        ItemResult("iso42001", "6.1.2", "clause", "Risk assessment", "6", status,
                   (CheckResult("records", status, reason, ("RISK-1",)),)),
    )  # fmt: skip
    report = Report(TODAY, items, "1.0.0")
    for file in oscal.export(snap, report, organisation=organisation, day=TODAY):
        document = json.loads(file.data)
        assert schema_errors(document) == [], file.name
        assert re.fullmatch(r"[a-z0-9.-]+\.json|component-SYS-1\.json", file.name)
