"""Evidence uploaded from the browser: stored by SHA-256 in the same store as the command line,
attached to the records named on the form, downloadable by the auditor, refused (on the form, in
words) when larger than the configured limit or sent by a role that does not write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.web.conftest import PASSWORD, Hub, client, csrf_of, make_accounts, seed_records, web_settings

from openaims.register.db import Database
from openaims.register.services import EvidenceService
from openaims.web.app import create_app


@pytest.fixture
def site(database: Database, tmp_path: Path) -> Hub:
    make_accounts(database)
    app = create_app(database, web_settings=web_settings(evidence_dir=tmp_path / "evidence", evidence_upload_max_mb=1))
    return Hub(app=app, db=database, records=seed_records(database))


def _login(hub: Hub, username: str) -> tuple[object, str]:
    c = client(hub.app)
    page = c.get("/login")
    c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/"})
    return c, csrf_of(c.get("/").text)


def test_a_file_uploaded_from_a_risk_is_stored_by_hash_attached_and_downloadable_by_the_auditor(
    site: Hub, tmp_path: Path
) -> None:
    risk = site.records["risk_carl"]
    c, _ = _login(site, "carl")
    record_page = c.get(f"/r/{risk}").text
    assert f'href="/records/evidence/new?record_ids={risk}"' in record_page
    form = c.get(f"/records/evidence/new?record_ids={risk}")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert "Up to 1 MiB." in form.text
    assert f">{risk}</textarea>" in form.text  # the record it came from is filled in
    content = b"%PDF-1.4 test results of the prompt-injection suite\n" * 100
    response = c.post(
        "/evidence/upload",
        data={"csrf_token": csrf_of(form.text), "title": "Red-team results", "record_ids": risk, "owner": "carl"},
        files={"file": ("C:\\reports\\red team <1>.pdf", content, "application/pdf")},
    )
    assert response.status_code == 303, response.text
    evidence_id = response.headers["location"].removeprefix("/r/")
    with site.db.session() as s:
        item = EvidenceService(s, "ada").get(evidence_id)
    digest = hashlib.sha256(content).hexdigest()
    assert (item.kind, item.sha256, item.size, item.filename) == ("file", digest, len(content), "red team <1>.pdf")
    assert item.media_type == "application/pdf"
    assert item.record_ids == [risk]
    assert (tmp_path / "evidence" / digest[:2] / digest).read_bytes() == content
    assert "red team &lt;1&gt;.pdf" in c.get(f"/r/{risk}").text  # escaped on the record's page

    auditor, _ = _login(site, "aude")
    download = auditor.get(f"/r/{evidence_id}/download")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment;" in download.headers["content-disposition"]
    assert 'href="/records/evidence/new' not in auditor.get(f"/r/{risk}").text


def test_the_same_content_uploaded_twice_is_stored_once(site: Hub, tmp_path: Path) -> None:
    c, csrf = _login(site, "mia")
    for name in ("a.txt", "b.txt"):
        response = c.post("/evidence/upload", data={"csrf_token": csrf}, files={"file": (name, b"same bytes", "text/plain")})
        assert response.status_code == 303
    stored = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(stored) == 1
    with site.db.session() as s:
        assert sorted(e.title for e in EvidenceService(s, "ada").all(kind="file")) == ["a.txt", "b.txt"]


def test_a_file_over_the_limit_is_refused_on_the_form_and_nothing_is_kept(site: Hub, tmp_path: Path) -> None:
    c, csrf = _login(site, "mia")
    big = b"x" * (1024 * 1024 + 1)
    response = c.post(
        "/evidence/upload",
        data={"csrf_token": csrf, "title": "Training data sample", "record_ids": site.records["system"]},
        files={"file": ("sample.csv", big, "text/csv")},
    )
    assert response.status_code == 413
    assert "sample.csv is larger than 1 MiB, the largest file this site accepts" in response.text
    assert 'value="Training data sample"' in response.text  # what was typed is kept
    assert 'action="/evidence/upload"' in response.text  # the form, with the navigation
    assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    with site.db.session() as s:
        assert EvidenceService(s, "ada").all(kind="file") == []
    # a declared body far over the limit is refused before it is read
    huge = b"y" * (3 * 1024 * 1024)
    early = c.post("/evidence/upload", data={"csrf_token": csrf}, files={"file": ("huge.bin", huge, "application/x-raw")})
    assert early.status_code == 413
    assert "larger than 1 MiB" in early.text


def test_no_file_chosen_or_a_missing_csrf_token_is_refused(site: Hub) -> None:
    c, csrf = _login(site, "mia")
    empty = c.post("/evidence/upload", data={"csrf_token": csrf, "title": "x"}, files={"file": ("", b"", "application/octet-stream")})
    assert empty.status_code == 422
    assert "choose a file to upload" in empty.text
    forged = c.post("/evidence/upload", data={"csrf_token": "nope"}, files={"file": ("a.txt", b"a", "text/plain")})
    assert forged.status_code == 403


@pytest.mark.parametrize("username", ["aude", "vic"])
def test_readers_cannot_upload(site: Hub, username: str, tmp_path: Path) -> None:
    c, csrf = _login(site, username)
    response = c.post("/evidence/upload", data={"csrf_token": csrf}, files={"file": ("a.txt", b"a", "text/plain")})
    assert response.status_code == 403
    assert c.get("/records/evidence/new").status_code == 403
    assert not (tmp_path / "evidence").exists() or not any((tmp_path / "evidence").rglob("*"))


def test_a_link_is_recorded_from_the_same_page(site: Hub) -> None:
    c, csrf = _login(site, "mia")
    response = c.post(
        "/records/evidence",
        data={"csrf_token": csrf, "kind": "link", "title": "Policy wiki", "url": "https://wiki.example/ai",
              "record_ids": site.records["system"]},
    )  # fmt: skip
    assert response.status_code == 303
    page = c.get(response.headers["location"]).text
    assert 'href="https://wiki.example/ai"' in page or "https://wiki.example/ai" in page
    bad = c.post("/records/evidence", data={"csrf_token": csrf, "kind": "link", "title": "x", "url": "ftp://x"})
    assert bad.status_code == 422
    assert 'id="link-form"' in bad.text
