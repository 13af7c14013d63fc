"""A scanned file as detectors see it: bounded, lazily read, confined to the root."""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from openaims.discovery.interface import FileView, ScanOptions

#: How much of a file the binary sniff looks at.
SNIFF_BYTES = 8192

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


def open_no_follow(abspath: str) -> BinaryIO:
    """Open a regular file for reading without following a symlink in its last component."""
    fd = os.open(abspath, os.O_RDONLY | _O_NOFOLLOW | _O_BINARY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"{abspath} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(abspath: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a file."""
    with open_no_follow(abspath) as handle:
        return handle.read(limit)


def looks_binary(data: bytes) -> bool:
    """Git's rule: a NUL byte in the first few KiB means binary."""
    return b"\x00" in data[:SNIFF_BYTES]


class LocalFileView(FileView):
    """A file on the local file system. Reads happen on first use and are cached."""

    __slots__ = (
        "_abspath",
        "_data",
        "_deadline",
        "_real_root",
        "_text",
        "cut_reason",
        "name",
        "options",
        "path",
        "size",
    )

    def __init__(
        self,
        path: str,
        name: str,
        abspath: str,
        size: int,
        *,
        options: ScanOptions,
        real_root: str,
        deadline: float | None = None,
    ) -> None:
        self.path = path
        self.name = name
        self.size = size
        self.options = options
        self._abspath = abspath
        self._real_root = real_root
        self._data: bytes | None = None
        self._text: str | None = None
        self._deadline = deadline
        #: Why the analysis of this file was cut short, if it was.
        self.cut_reason: str | None = None

    def deadline(self) -> float | None:
        return self._deadline

    def cut_short(self, reason: str) -> None:
        if self.cut_reason is None:
            self.cut_reason = reason

    @property
    def abspath(self) -> str:
        return self._abspath

    def data(self) -> bytes:
        if self._data is None:
            self._data = read_bounded(self._abspath, self.options.max_text_bytes)
        return self._data

    def set_data(self, data: bytes) -> None:
        """Hand over bytes the engine already read (at most ``max_text_bytes``)."""
        self._data = data[: self.options.max_text_bytes]

    def text(self) -> str:
        if self._text is None:
            self._text = self.data().decode("utf-8", "replace")
        return self._text

    def head(self, size: int) -> bytes:
        if self._data is not None and (len(self._data) >= size or len(self._data) >= self.size):
            return self._data[:size]
        return read_bounded(self._abspath, max(0, size))

    def open_binary(self) -> BinaryIO:
        return open_no_follow(self._abspath)

    def read_relative(self, relpath: str) -> str | None:
        if not relpath or os.path.isabs(relpath) or "\x00" in relpath:
            return None
        base = os.path.dirname(self.path)
        joined = os.path.normpath(os.path.join(base, relpath.replace("\\", "/")))
        if joined == ".." or joined.startswith(("../", "..\\")) or os.path.isabs(joined):
            return None
        candidate = os.path.join(self._real_root, joined)
        try:
            real = os.path.realpath(candidate, strict=True)
        except (OSError, RuntimeError):
            return None
        if real != self._real_root and not real.startswith(self._real_root.rstrip(os.sep) + os.sep):
            return None
        try:
            st = os.stat(real)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.options.max_text_bytes:
                return None
            data = read_bounded(real, self.options.max_text_bytes)
        except OSError:
            return None
        if looks_binary(data):
            return None
        return data.decode("utf-8", "replace")
