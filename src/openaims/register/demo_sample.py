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


#: Where :func:`plant_leaked_key` writes the sample's hard-coded key, inside the sample repository.
LEAKED_KEY_FILE: Final = "services/support-bot/bot/settings_local.py"


def plant_leaked_key(root: Path) -> str:
    """Write a made-up Anthropic-shaped key into a settings file of an unpacked sample repository,
    as a developer might commit one by mistake, so that a scan of the sample finds a hard-coded
    key. The key is derived from a fixed phrase at run time (it is not a credential and never
    stored in the source tree); the path written is returned."""
    import base64
    import hashlib

    digest = b"".join(hashlib.sha256(f"openaims sample key {i}".encode()).digest() for i in range(3))
    body = base64.urlsafe_b64encode(digest).decode().rstrip("=")[:93]
    key = "sk-" + "ant-api03-" + body + "AA"
    target = root / LEAKED_KEY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        '"""Local settings for running the support bot on a laptop."""\n\n'
        f'ANTHROPIC_API_KEY = "{key}"\nSUPPORT_BOT_MODEL = "claude-sonnet-4-5"\n',
        encoding="utf-8",
    )
    return LEAKED_KEY_FILE
