"""Sign-ins stored by ``aims login``: one token per register, in the user's configuration folder.

The file lives in the user's own configuration folder (``AIMS_CONFIG_DIR``, default
``~/.config/openaims`` on Linux), never in a repository or next to the register, and
is readable by its owner only. It holds the token secret, which the register stores
only as a SHA-256 hash; ``aims logout`` revokes the token and removes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

from openaims.errors import UsageError
from openaims.register.db import parse_url
from openaims.settings import Settings
from openaims.untrusted import InputError, Limits, read_bytes, read_json

FILE_NAME = "logins.json"
_FORMAT = 1
#: A sign-ins file larger than this is not ours.
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StoredLogin:
    username: str
    token: str
    token_id: str
    expires_at: str | None
    signed_in_at: str


def config_dir(settings: Settings) -> Path:
    """``AIMS_CONFIG_DIR``, else the platform's per-user configuration folder for OpenAIMS."""
    if settings.config_dir is not None:
        return settings.config_dir
    return Path(typer.get_app_dir("openaims"))


def register_key(database_url: str) -> str:
    """What names a register across commands: the SQLite file's absolute path, or the server URL without password."""
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"sqlite:///{Path(url.database).resolve().as_posix()}"
    return url.set(password=None).render_as_string(hide_password=False)


def _path(settings: Settings) -> Path:
    return config_dir(settings) / FILE_NAME


def _read(path: Path) -> dict[str, dict[str, str | None]]:
    if not path.exists():
        return {}
    limits = Limits(max_bytes=_MAX_BYTES, max_depth=8, max_elements=100_000)
    try:
        data = read_json(read_bytes(path, limits), str(path), limits=limits)
    except InputError as exc:
        raise UsageError(
            f"cannot read the stored sign-ins: {exc.message}; delete the file and sign in again"
        ) from None
    registers = data.get("registers") if isinstance(data, dict) else None
    if not isinstance(registers, dict):
        raise UsageError(f"{path} is not an OpenAIMS sign-ins file; delete it and sign in again")
    return {str(k): v for k, v in registers.items() if isinstance(v, dict)}


def _write(path: Path, registers: dict[str, dict[str, str | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = json.dumps({"format": _FORMAT, "registers": registers}, indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".logins-")
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def stored_login(settings: Settings) -> StoredLogin | None:
    """The sign-in stored for the register ``settings`` name, if any."""
    entry = _read(_path(settings)).get(register_key(settings.database_url))
    if not entry or not entry.get("token") or not entry.get("username"):
        return None
    return StoredLogin(
        username=str(entry["username"]),
        token=str(entry["token"]),
        token_id=str(entry.get("token_id") or ""),
        expires_at=entry.get("expires_at"),
        signed_in_at=str(entry.get("signed_in_at") or ""),
    )


def store_login(
    settings: Settings, *, username: str, token: str, token_id: str, expires_at: dt.datetime | None
) -> Path:
    path = _path(settings)
    registers = _read(path)
    login = StoredLogin(
        username=username,
        token=token,
        token_id=token_id,
        expires_at=expires_at.isoformat() if expires_at else None,
        signed_in_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    registers[register_key(settings.database_url)] = dict(asdict(login))
    _write(path, registers)
    return path


def forget_login(settings: Settings) -> StoredLogin | None:
    """Remove the stored sign-in of this register; returns what was removed."""
    path = _path(settings)
    found = stored_login(settings)
    if found is not None:
        registers = _read(path)
        registers.pop(register_key(settings.database_url), None)
        _write(path, registers)
    return found
