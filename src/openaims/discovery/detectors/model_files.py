"""Model files, recognised by content: safetensors, GGUF, ONNX, pickles, PyTorch
zip archives, Keras and HDF5, TFLite, NumPy, Core ML, and Git LFS pointers.

Which files are looked at is cheap and by name only (``wants``): the model file
extensions of ``catalog/model_formats.yaml``, plus files without an extension
directly or deeper under a ``models/``, ``model/``, ``weights/`` or
``checkpoints/`` directory. The reported format then comes from the content
(magic bytes and header structure), so a ``.bin`` may be a PyTorch archive, a
pickle or a safetensors file, and a file whose content is none of them is not
reported.

Reported formats: ``safetensors``, ``gguf``, ``ggml``, ``onnx``, ``pickle``
(also compressed joblib files, with ``details.compression``), ``pytorch`` (zip
archives with ``*/data.pkl``), ``keras`` (``.keras`` zips, Keras HDF5),
``hdf5``, ``tflite``, ``numpy`` (``.npy``, ``.npz``), ``coreml`` and
``tensorflow`` (``saved_model.pb``). A Git LFS pointer is reported with the
format its extension implies and ``details.lfs_pointer`` true (with the
pointed-to ``oid`` and ``lfs_size``); it is not hashed or analysed.

Pickles (plain, joblib, inside PyTorch archives, NumPy object arrays) are analysed
statically (:mod:`openaims.discovery.pickle_scan`); nothing is unpickled,
imported or executed. ``unsafe`` is True when a pickle reaches a dangerous
callable, False when every pickle was analysed and none does, and None when
the format holds no pickle or the analysis could not finish.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any, cast

from openaims.discovery import catalog
from openaims.discovery import model_formats as fmt
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.pickle_scan import PickleReport, looks_like_pickle, scan_pickle

#: Most archive members examined in one zip, and most pickles analysed.
MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_PICKLES = 32
#: Most bytes of an HDF5 file searched for Keras markers.
HDF5_SNIFF_BYTES = 1024 * 1024
#: Largest zip member read whole (Keras config.json).
MAX_CONFIG_BYTES = 8 * 1024 * 1024

_CHUNK = 1 << 20

#: What reading a damaged archive or stream may raise (NotImplementedError, for
#: an unknown compression method, is a RuntimeError).
_READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    EOFError,
    ValueError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    KeyError,
)

#: Most bytes decompressed from a compressed pickle (joblib ``compress=``) or
#: read from one archive member.
MAX_DECOMPRESSED = 1 << 30

#: First bytes of a protocol 0/1 pickle, for files with a pickle extension.
_OLD_PICKLE_STARTS = frozenset(b"(}]cNKJI")

_PROVIDERS = {
    "pytorch": "pytorch",
    "onnx": "onnx",
    "keras": "tensorflow",
    "tflite": "tensorflow",
    "tensorflow": "tensorflow",
}


@cache
def _extensions() -> dict[str, str]:
    return {str(k): str(v) for k, v in catalog.load("model_formats")["extensions"].items()}


@cache
def _model_dirs() -> frozenset[str]:
    return frozenset(str(d) for d in catalog.load("model_formats")["model_dirs"])


def _extension(name: str) -> str:
    """``.ext`` of a file name, lower-cased ("" for none or a dot-file)."""
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


@dataclass
class _Result:
    format: str
    details: dict[str, Any] = field(default_factory=dict)
    reports: list[tuple[str, PickleReport]] = field(default_factory=list)
    not_analysed: bool = False


def _merge(reports: list[tuple[str, PickleReport]]) -> tuple[list[str], list[str], bool, list[str]]:
    dangerous: dict[str, None] = {}
    unknown: dict[str, None] = {}
    complete = True
    errors: list[str] = []
    for member, report in reports:
        dangerous.update(dict.fromkeys(report.dangerous))
        unknown.update(dict.fromkeys(report.unknown))
        if not report.complete:
            complete = False
            errors.append(f"{member}: {report.error}" if member else str(report.error))
    return list(dangerous), list(unknown), complete, errors


class ModelFileDetector(Detector):
    """Model files and the code their pickles would run when loaded."""

    id = "model-file.content"
    kinds = frozenset({FindingKind.MODEL_FILE})
    binary = True

    def wants(self, path: str, name: str) -> bool:
        ext = _extension(name)
        if ext in _extensions():
            return True
        if ext or name.startswith("."):
            return False
        parents = path.split("/")[:-1]
        return any(part in _model_dirs() for part in parents)

    def scan(self, file: FileView) -> Iterable[Finding]:
        try:
            result = self._identify(file)
        except _READ_ERRORS as exc:
            expected = _extensions().get(_extension(file.name))
            if expected is None:
                return []
            result = _Result(expected, {"error": f"could not read the file: {type(exc).__name__}"})
            result.not_analysed = True
        if result is None:
            return []
        details: dict[str, Any] = {"size": file.size, "lfs_pointer": False}
        if result.format != "lfs-pointer":
            sha = self._sha256(file)
            if sha is not None:
                details["sha256"] = sha
        details.update(result.details)
        dangerous, unknown, complete, errors = _merge(result.reports)
        details["dangerous_globals"] = dangerous
        details["unknown_globals"] = unknown
        unsafe: bool | None = None
        if result.reports:
            details["analysed"] = [member or file.name for member, _ in result.reports]
            if dangerous:
                unsafe = True
            elif complete and not result.not_analysed:
                unsafe = False
            if errors:
                details["analysis_errors"] = errors[:10]
        fmt_name = result.format
        if fmt_name == "lfs-pointer":
            fmt_name = _extensions().get(_extension(file.name), "unknown")
            details["lfs_pointer"] = True
        return [
            Finding(
                kind=FindingKind.MODEL_FILE,
                name=file.name,
                path=file.path,
                line=None,
                detector=self.id,
                provider=_PROVIDERS.get(fmt_name),
                format=fmt_name,
                unsafe=unsafe,
                details=details,
            )
        ]

    # ------------------------------------------------------------------ identification

    def _identify(self, file: FileView) -> _Result | None:
        head = file.head(4096)
        ext = _extension(file.name)
        expected = _extensions().get(ext)
        pointer = fmt.read_lfs_pointer(head) if file.size <= 1024 else None
        if pointer is not None:
            return _Result("lfs-pointer", {"oid": pointer.oid, "lfs_size": pointer.size})
        if head.startswith(fmt.GGUF_MAGIC):
            with file.open_binary() as stream:
                header = fmt.read_gguf_header(stream)
            return _Result("gguf", header) if header is not None else None
        legacy = fmt.read_ggml_magic(head)
        if legacy is not None:
            return _Result("ggml", {"ggml_variant": legacy})
        if head.startswith(fmt.ZIP_MAGIC):
            return self._zip(file, ext)
        if head.startswith(fmt.HDF5_MAGIC):
            return self._hdf5(file, ext)
        if head.startswith(fmt.NPY_MAGIC):
            with file.open_binary() as stream:
                return self._npy(stream, file.name)
        if fmt.is_tflite(head):
            return _Result("tflite")
        if expected == "pickle" and _compression(head) is not None:
            return self._compressed_pickle(file, head)
        if looks_like_pickle(head) or (
            expected in {"pickle", "pytorch"} and head[:1] and head[0] in _OLD_PICKLE_STARTS
        ):
            with file.open_binary() as stream:
                report = scan_pickle(stream)
            # protocol 0/1 data must be a whole pickle, or (under a pickle
            # extension) at least reference a callable before it broke off
            partial_ok = expected == "pickle" and bool(report.globals)
            if not report.valid and not looks_like_pickle(head) and not partial_ok:
                return None
            return _Result("pickle", {"protocol": report.protocol}, [("", report)])
        if len(head) >= 9 and head[8:9] == b"{":
            with file.open_binary() as stream:
                header = fmt.read_safetensors_header(stream, file.size)
            if header is not None:
                return _Result("safetensors", header)
        if expected == "onnx":
            header = fmt.read_onnx_header(head, file.size)
            return _Result("onnx", header) if header is not None else None
        protobuf_model = expected == "coreml" or (expected == "tensorflow" and file.name == "saved_model.pb")
        if protobuf_model and head[:1] == b"\x08" and expected is not None:
            return _Result(expected)
        return None

    def _compressed_pickle(self, file: FileView, head: bytes) -> _Result | None:
        method = _compression(head)
        with file.open_binary() as raw, _decompressor(method, raw) as stream:
            report = scan_pickle(cast("IO[bytes]", _Capped(stream, MAX_DECOMPRESSED)))
        if not report.valid and not report.globals and report.protocol < 2:
            return None
        return _Result("pickle", {"protocol": report.protocol, "compression": method}, [("", report)])

    def _zip(self, file: FileView, ext: str) -> _Result | None:
        with file.open_binary() as stream:
            try:
                archive = zipfile.ZipFile(stream)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                return None
            with archive:
                infos = archive.infolist()[:MAX_ZIP_MEMBERS]
                names = [i.filename for i in infos]
                pickles = [i for i in infos if i.filename.endswith(".pkl") and not i.filename.endswith("/")][
                    :MAX_ZIP_PICKLES
                ]
                if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                    result = _Result("pytorch", {"archive_members": len(names)})
                    if any(n.endswith("/code/") or "/code/" in n for n in names):
                        result.details["torchscript"] = True
                    for info in pickles:
                        with archive.open(info) as member:
                            capped = cast("IO[bytes]", _Capped(member, MAX_DECOMPRESSED))
                            result.reports.append((info.filename, scan_pickle(capped)))
                    return result
                if "config.json" in names and (
                    "model.weights.h5" in names or "metadata.json" in names or ext == ".keras"
                ):
                    return self._keras_zip(archive)
                if ext == ".npz" or (names and all(n.endswith(".npy") for n in names)):
                    result = _Result("numpy", {"arrays": len(names)})
                    for info in infos[:MAX_ZIP_PICKLES]:
                        if info.filename.endswith(".npy"):
                            with archive.open(info) as member:
                                capped = cast("IO[bytes]", _Capped(member, MAX_DECOMPRESSED))
                                inner = self._npy(capped, info.filename)
                            if inner is not None and inner.reports:
                                result.reports.extend(inner.reports)
                    return result
        return None

    def _keras_zip(self, archive: zipfile.ZipFile) -> _Result:
        result = _Result("keras")
        info = archive.getinfo("config.json")
        if info.file_size <= MAX_CONFIG_BYTES:
            with archive.open(info) as handle:
                raw = handle.read(MAX_CONFIG_BYTES + 1)
            try:
                config = json.loads(raw)
            except (ValueError, RecursionError):
                config = None
            lambdas = _keras_lambdas(config)
            result.details["lambda_layers"] = lambdas
            if lambdas:
                result.details["dangerous_code"] = True
                result.reports.append(("config.json", _synthetic(("keras.layers.Lambda",))))
            else:
                result.reports.append(("config.json", _synthetic(())))
        return result

    def _hdf5(self, file: FileView, ext: str) -> _Result:
        head = file.head(HDF5_SNIFF_BYTES)
        is_keras = ext == ".keras" or b"keras_version" in head or b"model_config" in head
        result = _Result("keras" if is_keras else "hdf5")
        if is_keras and (b'"class_name": "Lambda"' in head or b'"class_name":"Lambda"' in head):
            result.details["lambda_layers"] = ["Lambda"]
            result.reports.append(("model_config", _synthetic(("keras.layers.Lambda",))))
        return result

    def _npy(self, stream: IO[bytes], name: str) -> _Result | None:
        header = fmt.read_npy_header(stream)
        if header is None:
            return None
        result = _Result("numpy", dict(header))
        if header["pickled"]:
            result.reports.append((name, scan_pickle(stream)))
        return result

    @staticmethod
    def _sha256(file: FileView) -> str | None:
        digest = hashlib.sha256()
        try:
            with file.open_binary() as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
        except OSError:
            return None
        return digest.hexdigest()


def _compression(head: bytes) -> str | None:
    """The compression of a joblib/pickle file, from its first bytes."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"]\x00\x00"):
        return "lzma"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def _decompressor(method: str | None, raw: IO[bytes]) -> IO[bytes]:
    if method == "gzip":
        return cast("IO[bytes]", gzip.GzipFile(fileobj=raw))
    if method == "bz2":
        return bz2.BZ2File(raw)
    if method in {"xz", "lzma"}:
        return lzma.LZMAFile(raw, format=lzma.FORMAT_XZ if method == "xz" else lzma.FORMAT_ALONE)
    return cast("IO[bytes]", _ZlibStream(raw))


class _ZlibStream(io.RawIOBase):
    """Streaming zlib decompression with bounded output per read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._decompressor = zlib.decompressobj()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = _CHUNK if size is None or size < 0 else size
        out = bytearray()
        while len(out) < size:
            if self._decompressor.unconsumed_tail:
                source = self._decompressor.unconsumed_tail
            else:
                if self._decompressor.eof:
                    break
                source = self._raw.read(1 << 16)
                if not source:
                    break
            out += self._decompressor.decompress(source, size - len(out))
        return bytes(out)


class _Capped(io.RawIOBase):
    """At most ``limit`` bytes of a stream (a decompression bomb ends there)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._left = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size)
        self._left -= len(data)
        return data


def _synthetic(dangerous: tuple[str, ...]) -> PickleReport:
    """A report for code that is not a pickle but runs on load (Keras Lambda)."""
    return PickleReport(
        globals=dangerous,
        called=dangerous,
        dangerous=dangerous,
        unknown=(),
        pickles=0,
        protocol=0,
        opcodes=0,
        complete=True,
    )


def _keras_lambdas(config: Any, depth: int = 0) -> list[str]:
    """Names of Lambda layers (serialised Python bytecode) in a Keras config."""
    found: list[str] = []
    if depth > 64:
        return found
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            inner = config.get("config")
            name = inner.get("name") if isinstance(inner, dict) else None
            found.append(str(name or "Lambda"))
        for value in config.values():
            found.extend(_keras_lambdas(value, depth + 1))
    elif isinstance(config, list):
        for value in config:
            found.extend(_keras_lambdas(value, depth + 1))
    return found
