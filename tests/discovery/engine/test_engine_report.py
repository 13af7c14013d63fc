"""The JSON report: every report validates against docs/schemas/scan-report-v1.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from enginekit import BoomDetector, SizeDetector, WordDetector, make_tree

from openaims.discovery.interface import REPORT_SCHEMA, Finding, FindingKind, ScanOptions
from openaims.discovery.report import build_report, render_json
from openaims.discovery.scanner import Scanner, ScanResult, ScanStats

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "schemas" / "scan-report-v1.json"


def validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def test_schema_id_is_the_report_schema_constant() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$id"] == REPORT_SCHEMA
    assert schema["properties"]["schema"]["const"] == REPORT_SCHEMA


def test_report_of_a_scan_validates_and_carries_the_contract_fields(tree: Path) -> None:
    make_tree(tree, {"a.py": "needle\n", "b.py": "boom\n", "m.bin": b"\x00\x01"})
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[WordDetector(), BoomDetector(), SizeDetector()]).scan()
    report = build_report(result, generated_at=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC))
    validate(report)
    assert report["schema"] == REPORT_SCHEMA
    assert report["tool"]["name"] == "openaims"
    assert report["root"] == str(tree.resolve())
    assert report["generated_at"] == "2026-01-02T03:04:05Z"
    assert report["scope"] == {
        "since": None,
        "include_vendored": False,
        "max_text_bytes": 2 * 1024 * 1024,
        "max_binary_bytes": 8 * 1024**3,
    }
    assert report["findings"] == [
        {
            "kind": "import",
            "name": "needle",
            "path": "a.py",
            "line": 1,
            "provider": "other",
            "detector": "test.word",
        },
        {
            "kind": "model_file",
            "name": "m.bin",
            "path": "m.bin",
            "line": None,
            "format": "raw",
            "detector": "test.binary",
            "details": {"size": 2},
        },
    ]
    assert report["stats"]["errors"] == [
        {"path": "b.py", "detector": "test.boom", "message": "ValueError: cannot parse this file"}
    ]
    assert json.loads(render_json(report)) == report


def test_report_of_the_real_detectors_on_the_sample_repository_validates() -> None:
    sample = Path(__file__).resolve().parents[3] / "examples" / "sample-monorepo"
    result = Scanner(ScanOptions(root=sample), jobs=2).scan()
    report = result.to_report()
    validate(report)
    assert set(report["stats"]["by_kind"]) >= {"dependency", "mcp_server", "agent_instructions"}


@pytest.mark.parametrize(
    "finding",
    [
        Finding(FindingKind.SECRET, "OpenAI key", "a.env", 1, "d"),  # secret without redacted/fingerprint
        Finding(FindingKind.IMPORT, "openai", "/abs/a.py", 1, "d"),
        Finding(FindingKind.IMPORT, "openai", "../a.py", 1, "d"),
        Finding(FindingKind.IMPORT, "openai", "a\\b.py", 1, "d"),
        Finding(FindingKind.IMPORT, "openai", "a.py", 0, "d"),
        Finding(FindingKind.IMPORT, "openai", "a.py", 1, "d", provider="Open AI"),
    ],
)
def test_schema_rejects_findings_that_break_the_contract(finding: Finding) -> None:
    result = ScanResult(root=Path("."), findings=[finding], stats=ScanStats(), options=ScanOptions(root=Path(".")))
    with pytest.raises(jsonschema.ValidationError):
        validate(build_report(result))
