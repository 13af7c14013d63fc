"""Build an evidence pack: a deterministic zip with a (signed) manifest of every file.

The same register, scope and day give byte-identical zips: files are written in path
order with the pack's day as their time stamp, nothing records when the pack was built,
and Ed25519 signatures are deterministic. Two packs can therefore be compared by hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openaims import __version__
from openaims.errors import UsageError
from openaims.readiness.engine import evaluate
from openaims.register.actors import Actor
from openaims.register.keys import OrganisationKey, sign_document
from openaims.reports.asof import events_of, register_view
from openaims.reports.pack.scope import PackScope, select_records
from openaims.reports.pack.sections import PackContext, PackFile, sections

MANIFEST = "manifest.json"
KIND = "openaims-evidence-pack/v1"
GENERATOR = f"OpenAIMS {__version__}"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PackResult:
    data: bytes
    manifest: dict[str, Any]
    signed_by: str | None

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.manifest["files"])


def _info(path: str, day: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def _write(archive: zipfile.ZipFile, file: PackFile, day: dt.date) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(_info(file.path, day), "w") as out:
        if file.data is not None:
            digest.update(file.data)
            out.write(file.data)
            size = len(file.data)
        elif file.source_file is not None:
            with file.source_file.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
    return digest.hexdigest(), size


def build_pack(
    session: Session,
    actor: Actor,
    *,
    organisation: str,
    scope: PackScope,
    as_of: dt.date | None,
    today: dt.date,
    evidence_path: Callable[[str], Path],
    key: OrganisationKey | None = None,
) -> PackResult:
    """Read the register as of ``as_of`` (now when None) and write the pack of ``scope``."""
    view = register_view(session, actor, as_of=as_of, today=today)
    readiness = evaluate(view.snapshot)
    records = tuple(select_records(scope, view.snapshot, readiness))
    events = tuple(events_of(session, [r.id for r in records], until=as_of))
    ctx = PackContext(
        organisation=organisation,
        scope=scope,
        view=view,
        readiness=readiness,
        records=records,
        evidence_path=evidence_path,
        events=events,
        generator=GENERATOR,
        session=session,
    )
    planned: dict[str, tuple[str, PackFile]] = {}
    for part in sections():
        for file in part.build(ctx):
            if file.path in planned or file.path == MANIFEST:
                raise AssertionError(f"pack section {part.name} writes {file.path} twice")
            planned[file.path] = (part.name, file)
    buffer = io.BytesIO()
    listed: list[dict[str, Any]] = []
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(planned):
            name, file = planned[path]
            sha, size = _write(archive, file, view.as_of)
            listed.append({"path": path, "sha256": sha, "size": size, "source": file.source, "section": name})
        manifest: dict[str, Any] = {
            "kind": KIND,
            "organisation": organisation,
            "scope": scope.label,
            "as_of": view.as_of.isoformat(),
            "generator": GENERATOR,
            "history_head": view.head.to_dict(),
            "records": len(records),
            "files": listed,
        }
        document: dict[str, Any] = sign_document(key, manifest) if key is not None else manifest
        text = manifest_bytes(document)
        archive.writestr(_info(MANIFEST, view.as_of), text)
    return PackResult(buffer.getvalue(), manifest, key.key_id if key is not None else None)


def manifest_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_pack(target: Path, result: PackResult) -> None:
    try:
        target.write_bytes(result.data)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
