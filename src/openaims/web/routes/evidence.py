"""Evidence files uploaded from the browser, into the same content-addressed store as
``aims evidence add-file``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from openaims.errors import AimsError
from openaims.register.services.evidence import EvidenceService, EvidenceTooLargeError, size_text
from openaims.web import records
from openaims.web.deps import DbSession, PageWriter
from openaims.web.routes.pages import evidence_form, read_form

router = APIRouter(include_in_schema=False)

#: Room for the other fields and the multipart framing around the file.
_FRAMING = 256 * 1024


def upload_limit(request: Request) -> int:
    """The largest file the web app accepts (``AIMS_EVIDENCE_UPLOAD_MAX_MB``), in bytes."""
    return int(request.app.state.web_settings.evidence_upload_max_mb) * 1024 * 1024


def _too_large(limit: int, name: str = "The file") -> str:
    return (
        f"Not saved: {name} is larger than {size_text(limit)}, the largest file this site accepts. "
        "Make it smaller (compress or split it) or ask an administrator to raise the limit."
    )


@router.post("/evidence/upload")
async def upload(request: Request, identity: PageWriter, session: DbSession) -> Response:
    """Store the chosen file and record it as evidence of the records named on the form."""
    limit = upload_limit(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FRAMING:
        # Refused before the body is read: nothing of it is spooled or stored.
        return evidence_form(request, identity, session, {}, {"file": "too large"}, _too_large(limit), 413)
    form, upload_file = await _read_upload(request)
    chosen = records.parse_form(EvidenceService, form, partial=False)
    wanted = {k: v for k, v in chosen.items() if k in ("title", "record_ids", "description", "owner")}
    if upload_file is None:
        return evidence_form(request, identity, session, form, {"file": "choose a file to upload"},
                             "Not saved: choose a file to upload.", 422)  # fmt: skip
    settings = request.app.state.web_settings
    store = EvidenceService(session, identity.actor, evidence_dir=settings.evidence_folder)
    try:
        created = store.add_upload(upload_file.file, upload_file.filename or "", max_bytes=limit, **wanted)
    except EvidenceTooLargeError:
        session.rollback()
        name = records.display(upload_file.filename)
        return evidence_form(request, identity, session, form, {"file": "too large"}, _too_large(limit, name), 413)
    except AimsError as exc:
        session.rollback()
        problems = getattr(exc, "problems", [])
        errors = {p.field.split(".")[0]: p.message for p in problems if p.field}
        detail = "please correct the fields marked below." if errors else exc.message
        message = "Not saved: " + records.user_words(detail)
        return evidence_form(request, identity, session, form, errors, message, 422)
    finally:
        await upload_file.close()
    return RedirectResponse(f"/r/{created.id}", status_code=303)


async def _read_upload(request: Request) -> tuple[dict[str, Any], UploadFile | None]:
    """The form's fields (CSRF checked) and its file, if one was chosen."""
    form = await read_form(request, max_files=1)
    raw = form.pop("file", None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if isinstance(raw, UploadFile) and raw.filename:
        return form, raw
    return form, None

