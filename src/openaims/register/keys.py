"""The organisation's signing key: Ed25519, kept in a file outside the register database.

One key per organisation signs what must stay provable even to someone who can
rewrite the database: history checkpoints today, approvals and evidence packs next.
The private key is a PKCS #8 PEM file (mode 0600, optionally encrypted with a
passphrase); its public half is written beside it (``.pub.pem``) so that auditors
and other registers can check signatures without holding the private key.

Signed documents share one envelope::

    {"format": "openaims-signed/v1",
     "payload": {...},
     "signature": {"algorithm": "Ed25519", "key_id": "…", "value": "<base64>"}}

The signature covers the canonical JSON of ``payload`` (sorted keys, no spaces),
so a document re-indented by an editor still verifies and any changed value does not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openaims.errors import AimsError, UsageError
from openaims.register.history import canonical_json

ENVELOPE_FORMAT = "openaims-signed/v1"
ALGORITHM = "Ed25519"
#: Largest key file read (a PEM Ed25519 key is a few hundred bytes).
_MAX_KEY_BYTES = 64 * 1024


class SignatureInvalidError(AimsError):
    """A signed document that does not verify with the trusted key (exit 1: tampering found)."""


def public_key_path(key_file: Path) -> Path:
    """Where the public half of ``key_file`` is written: ``NAME.pub.pem`` beside it."""
    name = key_file.name.removesuffix(".pem")
    return key_file.with_name(f"{name}.pub.pem")


@dataclass(frozen=True)
class PublicKey:
    """A public key that signatures are checked against."""

    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key: names the key in documents."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def pem(self) -> str:
        data = self.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return data.decode("ascii")

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class OrganisationKey:
    """The private signing key and its public half."""

    private: Ed25519PrivateKey
    path: Path | None = None

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _read(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > _MAX_KEY_BYTES:
            raise UsageError(f"{path} is too large to be a {what}")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"no {what} at {path}; create the organisation key with 'aims keys init' "
            "(or set AIMS_KEY_FILE to where it is kept)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def create_key(path: Path, *, passphrase: str | None = None, force: bool = False) -> OrganisationKey:
    """Generate a new key at ``path`` (mode 0600) and its public half beside it.

    Refuses to replace an existing key unless ``force``: signatures made with the old
    key can then only be checked with a copy of its public key.
    """
    public_path = public_key_path(path)
    if path.exists() and not force:
        raise UsageError(
            f"an organisation key already exists at {path}; keep it (checkpoints are signed with it) "
            "or give --force to replace it"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.replace(tmp, path)
        organisation = OrganisationKey(key, path)
        public_path.write_text(organisation.public.pem(), encoding="ascii")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return organisation


def load_key(path: Path, *, passphrase: str | None = None) -> OrganisationKey:
    """Load the private key; UsageError naming what to do when it is missing or unreadable."""
    data = _read(path, "organisation key")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase.encode("utf-8") if passphrase else None)
    except TypeError:
        hint = "set AIMS_KEY_PASSPHRASE" if not passphrase else "AIMS_KEY_PASSPHRASE is set, the key is not encrypted"
        raise UsageError(f"cannot open the organisation key {path}: {hint}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(
            f"{path} is not an organisation key (or AIMS_KEY_PASSPHRASE is wrong); "
            "it must be the PEM file 'aims keys init' wrote"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} holds a {type(key).__name__.removeprefix('_')}, not an Ed25519 key")
    return OrganisationKey(key, path)


def load_public_key(path: Path, *, passphrase: str | None = None) -> PublicKey:
    """A public key from a ``.pub.pem`` file, or the public half of a private key file."""
    data = _read(path, "public key")
    if b"PRIVATE KEY" in data:
        return load_key(path, passphrase=passphrase).public
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path} holds a {type(key).__name__.removeprefix('_')}, not an Ed25519 public key")
    return PublicKey(key)


def trusted_public_key(public_key_file: Path | None, key_file: Path, *, passphrase: str | None = None) -> PublicKey:
    """The key signatures are checked against: ``public_key_file`` if given, else the organisation's.

    The organisation's public key is read from the ``.pub.pem`` beside the key file when
    it exists (no passphrase needed), else derived from the private key.
    """
    if public_key_file is not None:
        return load_public_key(public_key_file)
    beside = public_key_path(key_file)
    if beside.is_file():
        return load_public_key(beside)
    return load_public_key(key_file, passphrase=passphrase)


# ------------------------------------------------------------------- documents
def sign_document(key: OrganisationKey, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Wrap ``payload`` (JSON data) in a signed envelope."""
    body = dict(payload)
    signature = key.sign(canonical_json(body).encode("utf-8"))
    return {
        "format": ENVELOPE_FORMAT,
        "payload": body,
        "signature": {
            "algorithm": ALGORITHM,
            "key_id": key.key_id,
            "value": base64.b64encode(signature).decode("ascii"),
        },
    }


def open_document(envelope: Any, trusted: PublicKey, *, name: str = "the document") -> dict[str, Any]:
    """The payload of a signed envelope, after checking its signature with ``trusted``.

    A document that is not an envelope is a UsageError (exit 2); a signature that does
    not verify, or one made by another key, is a SignatureInvalidError (exit 1).
    """
    if not isinstance(envelope, dict) or envelope.get("format") != ENVELOPE_FORMAT:
        raise UsageError(f"{name} is not a signed OpenAIMS document ({ENVELOPE_FORMAT})")
    payload = envelope.get("payload")
    signature = envelope.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, dict):
        raise UsageError(f"{name} has no payload or signature")
    if signature.get("algorithm") != ALGORITHM:
        raise UsageError(f"{name} is signed with {signature.get('algorithm')!r}; only {ALGORITHM} is accepted")
    key_id = signature.get("key_id")
    if key_id != trusted.key_id:
        raise SignatureInvalidError(
            f"{name} is signed by key {key_id!r}, not by the organisation key {trusted.key_id}; "
            "it was made with another key or its signature was replaced"
        )
    try:
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalidError(f"{name}: its signature is not base64; the file was altered") from None
    try:
        data = canonical_json(payload).encode("utf-8")
    except ValueError:
        raise SignatureInvalidError(f"{name}: its payload holds values JSON does not allow; it was altered") from None
    if not trusted.verify(data, value):
        raise SignatureInvalidError(f"{name}: the signature does not match its content; the file was altered")
    return payload
