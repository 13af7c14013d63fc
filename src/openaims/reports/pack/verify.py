"""``aims pack verify``: every file of a pack against its manifest, and the manifest's signature."""

from __future__ import annotations

import hashlib
import lzma
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaims.errors import UsageError
from openaims.register.keys import ENVELOPE_FORMAT, PublicKey, SignatureInvalidError, open_document
from openaims.reports.pack.builder import KIND, MANIFEST
from openaims.untrusted import InputError, Limits, open_zip, read_json, read_member

#: Bounds on what verification reads: member count, manifest size, and each member's size.
PACK_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_depth=32, max_elements=200_000)
MAX_MEMBER_BYTES = 2 * 1024 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass
class PackCheck:
    """The outcome: files checked, problems by file, and how the manifest is vouched for."""

    files: int = 0
    problems: list[str] = field(default_factory=list)
    signed: bool = False
    key_id: str | None = None
    #: Why the signature was not checked (no trusted key), when it was not.
    unchecked: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    if info.flag_bits & 0x1:
        raise InputError(info.filename, "is encrypted")
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    raise InputError(info.filename, f"larger than {MAX_MEMBER_BYTES} bytes")
                digest.update(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, RuntimeError, zlib.error,
            lzma.LZMAError) as exc:  # fmt: skip
        raise InputError(info.filename, f"cannot be read: {exc}") from None
    return digest.hexdigest(), size


def _manifest(document: Any, trusted: PublicKey | None, check: PackCheck) -> dict[str, Any]:
    if isinstance(document, dict) and document.get("format") == ENVELOPE_FORMAT:
        check.signed = True
        signature = document.get("signature")
        check.key_id = signature.get("key_id") if isinstance(signature, dict) else None
        if trusted is None:
            check.unchecked = "no public key to check it with (give --public-key or keep the organisation key here)"
            payload = document.get("payload")
        else:
            try:
                payload = open_document(document, trusted, name=MANIFEST)
            except SignatureInvalidError as exc:
                check.problems.append(exc.message)
                payload = document.get("payload")
    else:
        payload = document
    if not isinstance(payload, dict) or payload.get("kind") != KIND or not isinstance(payload.get("files"), list):
        raise UsageError(f"{MANIFEST} is not an OpenAIMS evidence pack manifest ({KIND})")
    return payload


def verify_pack(path: Path, trusted: PublicKey | None) -> PackCheck:
    """Check every file and the signature; problems name the file (UsageError when it is no pack)."""
    check = PackCheck()
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with stream:
        try:
            archive = open_zip(stream, str(path), limits=PACK_LIMITS)
        except InputError as exc:
            raise UsageError(exc.message) from None
        with archive:
            members: dict[str, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                if info.is_dir():
                    continue  # a folder entry holds nothing (zip tools add them when repacking)
                if info.filename in members:
                    check.problems.append(f"{info.filename}: appears twice in the zip")
                members[info.filename] = info
            if MANIFEST not in members:
                raise UsageError(f"{path} has no {MANIFEST}; it is not an evidence pack")
            try:
                document = read_json(read_member(archive, MANIFEST, str(path), limits=PACK_LIMITS), MANIFEST,
                                     limits=PACK_LIMITS)  # fmt: skip
            except InputError as exc:
                raise UsageError(f"{MANIFEST} cannot be read: {exc.message}") from None
            manifest = _manifest(document, trusted, check)
            check.manifest = manifest
            listed: set[str] = set()
            for entry in manifest["files"]:
                if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                    check.problems.append(f"{MANIFEST}: an entry without a path")
                    continue
                name = entry["path"]
                listed.add(name)
                found = members.get(name)
                if found is None:
                    check.problems.append(f"{name}: listed in the manifest but missing from the pack")
                    continue
                try:
                    sha, size = _hash_member(archive, found)
                except InputError as exc:
                    check.problems.append(f"{name}: {exc.message}")
                    continue
                check.files += 1
                if sha != entry.get("sha256") or size != entry.get("size"):
                    check.problems.append(
                        f"{name}: content differs from the manifest (SHA-256 {sha}, {size} bytes; "
                        f"the manifest says {entry.get('sha256')}, {entry.get('size')} bytes)"
                    )
            for name in sorted(set(members) - listed - {MANIFEST}):
                check.problems.append(f"{name}: in the pack but not listed in the manifest")
    return check


__all__ = ["PackCheck", "verify_pack"]
