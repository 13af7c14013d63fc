"""Evidence files are stored once by SHA-256 outside the rows; links must be http(s)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from openaims.errors import UsageError
from openaims.register.db import Database
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.services import EvidenceService, RiskService


def test_file_evidence_is_content_addressed_and_attached(database: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = tmp_path / "bias-test.pdf"
    report.write_bytes(b"%PDF-1.7 bias test results")
    copy = tmp_path / "same-content.pdf"
    copy.write_bytes(report.read_bytes())
    sha = hashlib.sha256(report.read_bytes()).hexdigest()
    with database.session() as s:
        risk = RiskService(s, "alice").create({"title": "Bias"})
        evidence = EvidenceService(s, "alice", evidence_dir=store)
        first = evidence.add_file(report, record_ids=[risk.id])
        second = evidence.add_file(copy, title="Again")
        second = evidence.attach(second.id, second.version, risk.id)
        found = [e.id for e in evidence.for_record(risk.id)]
        path = evidence.content_path(first.id)
    assert (first.sha256, first.size, first.media_type, first.filename) == (sha, 26, "application/pdf", "bias-test.pdf")
    assert (first.created_by, first.title) == ("alice", "bias-test.pdf")
    assert found == [first.id, second.id]
    assert path == store / sha[:2] / sha
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == [sha]

    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with database.read() as s, pytest.raises(UsageError, match="no longer matches its SHA-256"):
        EvidenceService(s, "alice", evidence_dir=store).content_path(first.id)


def test_links_and_immutability(database: Database, tmp_path: Path) -> None:
    with database.session() as s:
        evidence = EvidenceService(s, "alice", evidence_dir=tmp_path)
        link = evidence.add_link("https://wiki.example.org/ai-policy", title="Policy page")
        with pytest.raises(RecordValidationError, match="needs an http\\(s\\) url"):
            evidence.add_link("file:///etc/passwd", title="Local file")
        with pytest.raises(RecordValidationError, match="needs sha256 and size"):
            evidence.create({"title": "x", "kind": "file"})
    with database.session() as s, pytest.raises(RuleViolationError, match="content cannot change"):
        EvidenceService(s, "alice", evidence_dir=tmp_path).update(
            link.id, link.version, {"url": "https://elsewhere.example.org"}
        )
