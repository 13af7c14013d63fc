"""The sample repository ``aims demo-data`` scans, shipped inside the package.

``examples/sample-monorepo`` in the source tree is packed into ``sample-monorepo.tar.gz``
beside this module (``scripts/pack_sample.py``), so an installed ``aims`` scans the same
files from any working directory.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

#: The packed sample repository.
ARCHIVE: Final = Path(__file__).with_name("sample-monorepo.tar.gz")
#: Name of the folder the archive holds (and of the repository in the inventory).
FOLDER: Final = "sample-monorepo"


def pack(folder: Path, archive: Path) -> None:
    """Write ``folder`` to ``archive`` reproducibly: sorted members, no times, owners or modes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{FOLDER}/{path.relative_to(folder).as_posix()}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    with archive.open("wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed:
        packed.write(buffer.getvalue())


def files(archive: Path = ARCHIVE) -> dict[str, bytes]:
    """Every file in ``archive`` by its path inside the sample repository."""
    out: dict[str, bytes] = {}
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                out[member.name.removeprefix(f"{FOLDER}/")] = handle.read()
    return out


@contextmanager
def sample_repository(archive: Path = ARCHIVE) -> Iterator[Path]:
    """The sample repository unpacked into a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="aims-sample-") as tmp, tarfile.open(archive, mode="r:gz") as tar:
        tar.extractall(tmp, filter="data")
        yield Path(tmp) / FOLDER
