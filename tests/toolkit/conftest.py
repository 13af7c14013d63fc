"""The sample register as ``aims demo-data`` builds it (with the scan of the sample repository), once per module."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner
from openaims.register.db import Database
from openaims.register.demo import load_demo
from openaims.register.demo_sample import sample_repository

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def sample_file(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    path = folder / "aims.db"
    shutil.copyfile(_sqlite_template, path)
    with sample_repository() as repository:
        findings = Scanner(ScanOptions(root=repository), jobs=1).scan().findings
    db = Database(f"sqlite:///{path}")
    try:
        with db.session() as session:
            load_demo(session, today=TODAY, evidence_dir=folder / "evidence", scan_findings=findings, accounts=False)
    finally:
        db.dispose()
    return path
