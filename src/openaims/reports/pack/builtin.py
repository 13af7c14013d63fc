"""The sections every pack has: readiness, the records, controlled documents, evidence files, history."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from openaims.register.exchange.format import dump_yaml, record_document
from openaims.register.services import registry
from openaims.reports.pack.scope import ScopeKind
from openaims.reports.pack.sections import PackContext, PackFile, section

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(name: str, fallback: str) -> str:
    """A file name that stays inside its folder on every system (no separators, no leading dots)."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")[:120]
    return cleaned or fallback


def json_bytes(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


@section("readiness", order=10, description="readiness of every clause and control, as 'aims readiness' computes it")
def readiness_files(ctx: PackContext) -> Iterator[PackFile]:
    data = ctx.readiness.to_dict()
    if ctx.scope.kind is ScopeKind.CONTROL:
        data["items"] = [i for i in data["items"] if i["id"] == ctx.scope.target]
    yield PackFile("readiness/readiness.json", json_bytes(data))


@section("records", order=20, description="every included record as YAML (the 'aims export' format)")
def record_files(ctx: PackContext) -> Iterator[PackFile]:
    services = registry()
    for record in ctx.records:
        document = record_document(services[record.record_type], record)
        path = f"records/{record.record_type}/{record.id}.yaml"
        yield PackFile(path, dump_yaml(document).encode("utf-8"), source=record.id)


@section("documents", order=30, description="the text of each approved version of a controlled document")
def document_files(ctx: PackContext) -> Iterator[PackFile]:
    titles = {d.id: d.title for d in ctx.view.snapshot.of("document")}
    for version in ctx.of("document_version"):
        if version.status != "approved":
            continue
        title = titles.get(version.document_id, version.document_id)
        header = (
            f"# {title}\n\n"
            f"Document {version.document_id}, version {version.number} ({version.id}); "
            f"author {version.author or 'not recorded'}; approved by {version.approver or 'not recorded'} "
            f"on {version.approved_on.isoformat() if version.approved_on else 'no date recorded'}.\n\n"
        )
        name = safe_name(f"{version.document_id} {title} v{version.number}", version.id)
        yield PackFile(f"documents/{name}.md", (header + (version.content or "")).encode("utf-8"), source=version.id)


@section("evidence", order=40, description="the evidence files themselves (links are listed in their records)")
def evidence_files(ctx: PackContext) -> Iterator[PackFile]:
    for evidence in ctx.of("evidence"):
        if evidence.kind != "file" or not evidence.sha256:
            continue
        name = safe_name(evidence.filename or "", evidence.sha256)
        stored = ctx.evidence_path(evidence.sha256)
        if stored.is_file():
            yield PackFile(f"evidence/{evidence.id}/{name}", source_file=stored, source=evidence.id)
        else:
            note = (
                f"GAP: the file of {evidence.id} ({evidence.title}, SHA-256 {evidence.sha256}) is not in the "
                "evidence store; add it again with 'aims evidence add --file'.\n"
            )
            yield PackFile(f"evidence/{evidence.id}/MISSING.txt", note.encode("utf-8"), source=evidence.id)


@section("history", order=90, description="the history events of the included records, as the register holds them")
def history_files(ctx: PackContext) -> Iterator[PackFile]:
    lines = [json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for e in ctx.events]
    yield PackFile("history/events.jsonl", ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
