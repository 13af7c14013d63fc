"""Members of untrusted zip archives: a bounded member count, and member reads that stop
one byte past the size bound whatever the archive's directory claims."""

from __future__ import annotations

import lzma
import zipfile
import zlib
from typing import IO

from openaims.untrusted.interface import InputError, Limits, Problem


def open_zip(stream: IO[bytes], source: str, *, limits: Limits) -> zipfile.ZipFile:
    """The archive in ``stream``, refused when it is not a zip archive or lists more than
    ``limits.max_elements`` members."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
        raise InputError(source, f"not a readable zip archive: {exc}") from None
    if len(archive.infolist()) > limits.max_elements:
        archive.close()
        raise InputError(source, f"lists more than {limits.max_elements} members", problem=Problem.TOO_MANY)
    return archive


def read_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, source: str, *, limits: Limits) -> bytes:
    """The content of one member, refused when it is encrypted, damaged, or (declared or
    actually) larger than ``limits.max_bytes``."""
    try:
        info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
    except KeyError:
        raise InputError(source, f"has no member {member!r}", problem=Problem.SHAPE) from None
    where = f"{source}!{info.filename}"
    if info.flag_bits & 0x1:
        raise InputError(where, "is encrypted", problem=Problem.FORBIDDEN)
    if info.file_size > limits.max_bytes:
        raise InputError(where, f"larger than {limits.max_bytes} bytes", problem=Problem.TOO_LARGE)
    try:
        with archive.open(info) as handle:
            data = handle.read(limits.max_bytes + 1)
    except (
        zipfile.BadZipFile,
        NotImplementedError,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,
        zlib.error,
        lzma.LZMAError,
    ) as exc:
        raise InputError(where, f"cannot be read: {exc}") from None
    if len(data) > limits.max_bytes:
        raise InputError(where, f"larger than {limits.max_bytes} bytes", problem=Problem.TOO_LARGE)
    return data
