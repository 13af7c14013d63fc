"""Untrusted bytes to text: bounded in size, UTF-8 only, read without trusting a file's
reported size."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from openaims.untrusted.interface import MIB, InputError, Limits, Problem

_BOM = "\ufeff"


def check_size(size: int, source: str, limits: Limits) -> None:
    """Refuse an input of ``size`` bytes (or characters) over ``limits.max_bytes``."""
    if size > limits.max_bytes:
        raise InputError(source, f"larger than {_size(limits.max_bytes)}", problem=Problem.TOO_LARGE)


def text_of(data: str | bytes, source: str, limits: Limits) -> str:
    """``data`` as text within ``limits.max_bytes``: bytes are decoded as UTF-8 and a
    leading byte-order mark is dropped."""
    check_size(len(data), source, limits)
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise InputError(source, "is not UTF-8 text", line=line, problem=Problem.ENCODING) from None
    return data[1:] if data.startswith(_BOM) else data


def read_bytes(path: Path, limits: Limits, source: str | None = None, *, follow_symlinks: bool = True) -> bytes:
    """The content of the regular file at ``path``, refused when over ``limits.max_bytes``
    (read up to one byte past the bound, whatever the file system says its size is)."""
    name = str(path) if source is None else source
    # Non-blocking, so that a named pipe in place of a file cannot stall the reader.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(name, "no such file", problem=Problem.SHAPE) from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, not a file", problem=Problem.SHAPE) from None
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise InputError(name, "is a symbolic link; give the file itself", problem=Problem.FORBIDDEN) from None
        raise InputError(name, f"cannot be read: {exc.strerror or exc}", problem=Problem.SHAPE) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a directory, not a file", problem=Problem.SHAPE)
        if not stat.S_ISREG(mode):
            raise InputError(name, "is not a regular file", problem=Problem.SHAPE)
        data = handle.read(limits.max_bytes + 1)
    check_size(len(data), name, limits)
    return data


def read_text(path: Path, limits: Limits, source: str | None = None, *, follow_symlinks: bool = True) -> str:
    """The UTF-8 text of the file at ``path`` within ``limits`` (see :func:`read_bytes`)."""
    name = str(path) if source is None else source
    return text_of(read_bytes(path, limits, name, follow_symlinks=follow_symlinks), name, limits)


def _size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
