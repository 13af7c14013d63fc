"""Property: a key a detector copies into any field of any finding never leaves whole.

Hypothesis builds findings of every kind with a generated key (assembled at test
time from a key type's prefix and a random body, or a random credential inside a
URL) planted in one of its fields: name, path, version, provider, category,
format, redacted form, ecosystem, a detail the outputs read, a detail's name or a
nested detail. A detector returns the finding from a real file, the scan engine
runs, and every output is searched for the whole key: the table, the JSON
report, CycloneDX JSON and XML, SPDX, the check report in text, JSON, SARIF,
JUnit and GitHub formats, the scan's error log, the register rows a sync writes,
and the CSV and YAML exports of the register.
"""

from __future__ import annotations

import io
import json
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.console import Console

from openaims.bom.cyclonedx import render_cyclonedx
from openaims.bom.spdx import render_spdx
from openaims.cli.scan import print_table
from openaims.discovery import sanitise
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind, ScanOptions
from openaims.discovery.report import build_report, render_json
from openaims.discovery.scanner import Scanner
from openaims.policy.outputs import OutputFormat, render
from openaims.policy.service import CheckRequest, run_check
from openaims.policy.sources import TreeFindings
from openaims.register.db import Database
from openaims.register.exchange.csv_io import export_csv
from openaims.register.exchange.yaml_export import export_register
from openaims.register.ingest import sync_scan

ALNUM = string.ascii_letters + string.digits

#: Key types: (prefix parts, alphabet of the body, body length). Prefixes are split so
#: that no key-shaped literal is committed.
KEY_TYPES: list[tuple[tuple[str, ...], str, int]] = [
    (("sk-", "proj-"), ALNUM + "_-", 60),
    (("sk-", "svcacct-"), ALNUM, 48),
    (("sk-", "ant-", "api03-"), ALNUM + "_-", 95),
    (("gh", "p_"), ALNUM, 36),
    (("github", "_pat_"), ALNUM, 22),  # the fine-grained body gets its second part below
    (("hf", "_"), ALNUM, 34),
    (("AK", "IA"), string.ascii_uppercase + string.digits, 16),
    (("gs", "k_"), ALNUM, 52),
    (("xai", "-"), ALNUM, 80),
    (("AI", "za"), ALNUM + "_-", 35),
    (("r8", "_"), ALNUM, 37),
    (("nvapi", "-"), ALNUM, 64),
]


@st.composite
def keys(draw: st.DrawFn) -> str:
    """A key of a known type with a random body."""
    parts, alphabet, size = draw(st.sampled_from(KEY_TYPES))
    body = draw(st.text(alphabet=alphabet, min_size=size, max_size=size))
    if parts == ("github", "_pat_"):
        body += "_" + draw(st.text(alphabet=ALNUM, min_size=59, max_size=59))
    return "".join(parts) + body


@dataclass(frozen=True)
class Planted:
    """The text put into a field, and the secret that must never appear whole."""

    text: str
    secret: str


_filler = st.text(alphabet=string.ascii_lowercase + string.digits + "._/ ", max_size=12)


@st.composite
def planted(draw: st.DrawFn, *, urls: bool = True) -> Planted:
    """A key alone, glued to text, or a credential in a URL's user part or query."""
    forms = ["bare", "glued", "spaced"] + (["url-user", "url-user-password", "url-query"] if urls else [])
    form = draw(st.sampled_from(forms))
    if form in ("url-user-password", "url-query") and draw(st.booleans()):
        secret = "pw" + draw(st.text(alphabet=ALNUM, min_size=14, max_size=30))  # any credential, not a key shape
    else:
        secret = draw(keys())
    before, after = draw(_filler), draw(_filler)
    if form == "bare":
        text = secret
    elif form == "glued":
        text = before.replace(" ", "") + "_" + secret + "/" + after.replace(" ", "")
    elif form == "url-user":
        text = f"git+https://{secret}@github.com/acme/repo.git@v1"
    elif form == "url-user-password":
        text = f"https://ci:{secret}@registry.example.com/{before.strip()}"
    elif form == "url-query":
        text = f"https://models.example.com/m?x=1&access_token={secret}#frag"
    else:
        text = f"{before} {secret} {after}"
    return Planted(text, secret)


FIELDS = ["name", "path", "version", "provider", "category", "format", "redacted", "ecosystem",
          "detail", "detail-name", "detail-nested"]  # fmt: skip
#: Details the outputs read, by kind (planted into one of them for "detail").
DETAILS: dict[FindingKind, list[str]] = {
    FindingKind.DEPENDENCY: ["source_url", "declared", "resolved", "marker", "manifest"],
    FindingKind.IMPORT: ["package", "module"],
    FindingKind.MODEL: ["model_id", "loader", "via", "hub", "raw"],
    FindingKind.SECRET: ["key_type", "variable"],
    FindingKind.MCP_SERVER: ["url", "package", "command", "package_name", "package_version", "client"],
    FindingKind.AGENT_INSTRUCTIONS: ["assistant"],
    FindingKind.MODEL_FILE: ["metadata", "dangerous_globals", "model_name", "architecture", "sha256"],
    FindingKind.AI_WORKFLOW: ["uses", "image", "job", "ci"],
}
BASE: dict[FindingKind, dict[str, Any]] = {
    FindingKind.DEPENDENCY: {"name": "openai", "ecosystem": "pypi", "version": "1.40.0", "provider": "openai",
                             "category": "sdk", "format": "requirements.txt", "direct": True},
    FindingKind.IMPORT: {"name": "openai", "ecosystem": "pypi", "provider": "openai", "category": "sdk"},
    FindingKind.MODEL: {"name": "gpt-4o", "provider": "openai"},
    FindingKind.SECRET: {"name": "OpenAI project API key", "provider": "openai", "redacted": "sk-proj-…abcd",
                         "fingerprint": "sha256:" + "0" * 64},
    FindingKind.MCP_SERVER: {"name": "github", "provider": "github"},
    FindingKind.AGENT_INSTRUCTIONS: {"name": "CLAUDE.md", "provider": "anthropic"},
    FindingKind.MODEL_FILE: {"name": "model.pkl", "format": "pickle", "unsafe": True},
    FindingKind.AI_WORKFLOW: {"name": "openai/codex-action", "provider": "openai"},
}  # fmt: skip


@st.composite
def findings(draw: st.DrawFn) -> tuple[Finding, Planted]:
    kind = draw(st.sampled_from(list(FindingKind)))
    where = draw(st.sampled_from(FIELDS))
    # A path has no URLs (a credential that is not key-shaped is only known by its place in a URL).
    plant = draw(planted(urls=where != "path"))
    fields: dict[str, Any] = dict(BASE[kind])
    details: dict[str, Any] = dict.fromkeys(DETAILS[kind][:2], "x")
    path = "src/app.py"
    if where == "path":
        path = f"{plant.text.strip()}/app.py"
    elif where == "detail":
        details[draw(st.sampled_from(DETAILS[kind]))] = plant.text
    elif where == "detail-name":
        details[plant.text] = "value"
    elif where == "detail-nested":
        details["metadata"] = {"general.name": [plant.text], "note": {"inner": plant.text}}
    else:
        fields[where] = plant.text
    finding = Finding(kind=kind, path=path, line=3, detector="test.planted", details=details, **fields)
    return finding, plant


class Planting(Detector):
    """Returns the findings it is given for the one file of the tree."""

    id = "test.planted"
    kinds: ClassVar[frozenset[FindingKind]] = frozenset(FindingKind)

    def __init__(self, items: list[Finding], fail_with: str) -> None:
        self.items = items
        self.fail_with = fail_with

    def wants(self, path: str, name: str) -> bool:
        return True

    def scan(self, file: FileView) -> Iterable[Finding]:
        if file.name == "broken.txt":
            raise ValueError(f"cannot parse {self.fail_with}")
        return list(self.items)


POLICY = """\
version: 1
providers:
  mode: allowlist
  approved: [nobody]
packages:
  prohibited: ["*"]
models:
  prohibited: ["*"]
mcp_servers:
  mode: allowlist
  approved: [nothing-approved]
ci_actions:
  prohibited: ["*"]
secrets: block
unsafe_model_files: block
fail_on: [low, medium, high, critical]
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("planted")
    tree = root / "tree"
    tree.mkdir()
    (tree / "app.txt").write_text("x\n")
    (tree / "broken.txt").write_text("x\n")
    (tree / "aims-policy.yaml").write_text(POLICY)
    from openaims.register.testing import upgraded_template

    url = f"sqlite:///{root / 'aims.db'}"
    upgraded_template(url)
    return {"tree": tree, "root": root, "url": url, "count": 0}


def whole(secret: str, text: str) -> bool:
    flat = "".join(ch for ch in text if not ch.isspace() and ch not in "│┃|")
    return secret in text or secret in flat


def outputs_of(items: list[Finding], plant: Planted, workspace: dict[str, Any]) -> dict[str, str]:
    tree: Path = workspace["tree"]
    result = Scanner(ScanOptions(root=tree), jobs=1, detectors=[Planting(items, plant.text)], postprocessors=[]).scan()
    out: dict[str, str] = {}
    report = build_report(result)
    out["json"] = render_json(report)
    buffer = io.StringIO()
    print_table(result.findings, report["stats"], Console(file=buffer, width=2000, no_color=True), details=True)
    out["table"] = buffer.getvalue()
    out["cyclonedx"] = render_cyclonedx(result.findings, root_name="tree", spec_version="1.6", fmt="json")
    out["cyclonedx-xml"] = render_cyclonedx(result.findings, root_name="tree", spec_version="1.6", fmt="xml")
    out["spdx"] = str(render_spdx(result.findings, root_name="tree"))
    out["errors"] = json.dumps([e.to_dict() for e in result.stats.errors])

    def source(root: Path, paths: list[str] | None, with_lint: bool) -> TreeFindings:
        return TreeFindings(list(result.findings), [], 1, lint_available=False)

    check = run_check(CheckRequest(root=tree, source=source))
    for fmt in OutputFormat:
        out[f"check {fmt.value}"] = render(check, fmt)

    workspace["count"] += 1
    database = Database(workspace["url"])
    try:
        with database.session() as session:
            sync_scan(session, "scanner", f"repo-{workspace['count']}", result.findings)
            session.commit()
        with database.session() as session:
            csv_text = io.StringIO()
            export_csv(session, "component", csv_text)
            out["csv"] = csv_text.getvalue()
            target = workspace["root"] / f"export-{workspace['count']}"
            export_register(session, target, evidence_dir=workspace["root"] / "evidence")
            out["yaml"] = "\n".join(p.read_text(errors="replace") for p in target.rglob("*.yaml"))
        engine = sa.create_engine(workspace["url"])
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            with engine.connect() as conn:
                out["register rows"] = "\n".join(
                    f"{table.name}: {tuple(row)}"
                    for table in metadata.sorted_tables
                    for row in conn.execute(sa.select(table))
                )
        finally:
            engine.dispose()
    finally:
        database.dispose()
    return out


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example renders everything: no slow shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=findings())
def test_planted_key_leaves_no_output_whole(case: tuple[Finding, Planted], workspace: dict[str, Any]) -> None:
    finding, plant = case
    outputs = outputs_of([finding], plant, workspace)
    leaks = [name for name, text in outputs.items() if whole(plant.secret, text)]
    assert leaks == [], f"{plant.text!r} in {finding.kind.value}: whole in {leaks}"


@given(plant=planted())
def test_masking_is_idempotent_and_hides_the_secret(plant: Planted) -> None:
    once = sanitise.text(plant.text)
    assert plant.secret not in once
    assert sanitise.text(once) == once


@given(text=st.text(alphabet=string.ascii_letters + string.digits + "._/-: ", max_size=60))
def test_text_without_long_tokens_or_urls_is_unchanged(text: str) -> None:
    """Ordinary names, versions and paths (no run of 20 key characters) pass untouched."""
    if any(len(run) >= 20 for run in text.replace(".", " ").replace("/", " ").replace(":", " ").split()):
        return
    assert sanitise.text(text) == text


def test_a_clean_finding_is_returned_as_is() -> None:
    finding = Finding(kind=FindingKind.DEPENDENCY, name="openai", path="requirements.txt", line=1,
                      detector="d", version="1.0", details={"source_url": "git+https://github.com/a/b.git@v1"})  # fmt: skip
    assert sanitise.finding(finding) is finding
    masked = sanitise.finding(replace(finding, version="git+https://" + "gh" + "p_" + "A1b2" * 9 + "@github.com/a"))
    assert masked.version == "git+https://ghp_…A1b2@github.com/a"
