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
import itertools
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
from openaims.discovery.pickle_scan import (
    Budget,
    LimitReached,
    PickleReport,
    can_open_pickle,
    looks_like_pickle,
    scan_pickle,
)
from openaims.untrusted import SCAN_LIMITS, InputError, read_json

#: Bounds of the analysis of one file. Beyond any of them the file is reported
#: ``unsafe`` (an archive built to evade scanners) or with ``details.unscanned`` (a
#: bound reached), never safe.
#: Most entries an archive's central directory may list.
MAX_ZIP_ENTRIES = 100_000
#: Largest central directory read.
MAX_ZIP_DIRECTORY_BYTES = 64 * 1024 * 1024
#: Most pickle members of one archive analysed, and most ``.npy`` headers read.
MAX_ZIP_PICKLES = 32
MAX_NPZ_ARRAYS = 4096
#: A member that inflates to more than RATIO_FLOOR_BYTES and more than this many
#: times its compressed size is not inflated (a decompression bomb).
MAX_MEMBER_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
#: Most bytes inflated from one file (archive members, compressed pickles), all members together.
MAX_INFLATED_BYTES = 512 * 1024 * 1024
#: Most pickle opcodes examined in one file (all its pickles together).
MAX_FILE_OPCODES = 4_000_000
#: Most bytes of an HDF5 file searched for Keras markers.
HDF5_SNIFF_BYTES = 1024 * 1024
#: Largest Keras config.json analysed (larger: not analysed, reported).
MAX_CONFIG_BYTES = 4 * 1024 * 1024
#: Formats whose files can run code when loaded (the analysis must finish for them).
CODE_FORMATS = frozenset({"pickle", "pytorch", "keras", "numpy"})

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
    #: Why loading the file is unsafe besides its pickles (an archive built to evade scanners).
    reasons: list[str] = field(default_factory=list)
    #: Why the check for code that runs on load could not finish.
    unscanned: list[str] = field(default_factory=list)


class _FileBudget(Budget):
    """The pickle budget of one file, plus the bytes it may still inflate."""

    def __init__(self, deadline: float | None) -> None:
        super().__init__(MAX_FILE_OPCODES, deadline)
        self.inflated = 0

    def inflate(self, size: int) -> None:
        self.inflated += size
        if self.inflated > MAX_INFLATED_BYTES:
            raise LimitReached(f"more than {_size(MAX_INFLATED_BYTES)} inflated from the file")


def _size(count: int) -> str:
    """``512 MiB``, ``64 KiB``, ``100 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift and count % (1 << shift) == 0:
            return f"{count >> shift} {unit}"
    return f"{count} bytes"


def _verdict(result: _Result) -> tuple[bool | None, list[str], list[str]]:
    """``(unsafe, reasons, unscanned)`` of a file from its pickles' reports."""
    reasons = list(result.reasons)
    unscanned = list(result.unscanned)
    for member, report in result.reports:
        prefix = f"{member}: " if member else ""
        reasons.extend(prefix + reason for reason in report.reasons)
        if not report.complete:
            unscanned.append(prefix + str(report.error))
    if reasons:
        return True, reasons, unscanned
    if unscanned:
        return None, reasons, unscanned
    if result.reports:
        return False, reasons, unscanned
    return None, reasons, unscanned


class ModelFileDetector(Detector):
    """Model files and the code their pickles would run when loaded."""

    id = "model-file.content"
    kinds = frozenset({FindingKind.MODEL_FILE})
    binary = True

    def wants(self, path: str, name: str) -> bool:
        ext = _extension(name)
        if ext in _extensions() or ext == ".zip":
            return True
        if ext or name.startswith("."):
            return False
        parents = path.split("/")[:-1]
        return any(part in _model_dirs() for part in parents)

    def scan(self, file: FileView) -> Iterable[Finding]:
        expected = _extensions().get(_extension(file.name))
        budget = _FileBudget(file.deadline())
        try:
            result = self._identify(file, budget)
        except LimitReached as exc:
            file.cut_short(str(exc))
            result = _Result(expected or "pickle", unscanned=[str(exc)])
        except _READ_ERRORS as exc:
            if expected is None:
                return []
            result = _Result(expected, {"error": f"could not read the file: {type(exc).__name__}"})
            if expected in CODE_FORMATS:
                result.unscanned.append(f"could not read the file: {type(exc).__name__}")
        if result is None:
            return []
        details: dict[str, Any] = {"size": file.size, "lfs_pointer": False}
        if result.format != "lfs-pointer":
            sha, why = self._sha256(file, budget)
            if sha is not None:
                details["sha256"] = sha
            else:
                details["sha256_skipped"] = why
        details.update(result.details)
        unsafe, reasons, unscanned = _verdict(result)
        dangerous: dict[str, None] = {}
        unknown: dict[str, None] = {}
        for _member, report in result.reports:
            dangerous.update(dict.fromkeys(report.dangerous))
            unknown.update(dict.fromkeys(report.unknown))
        details["dangerous_globals"] = list(dangerous)
        details["unknown_globals"] = list(unknown)
        if result.reports:
            details["analysed"] = [member or file.name for member, _ in result.reports][:MAX_ZIP_PICKLES]
        if reasons:
            details["unsafe_reasons"] = reasons[:10]
        if unscanned:
            details["unscanned"] = "; ".join(unscanned[:3])
            details["analysis_errors"] = unscanned[:10]
            limits = [r.error for _m, r in result.reports if r.limit and r.error]
            if limits or result.unscanned:
                file.cut_short((limits or result.unscanned)[0])
        incomplete = details.get("incomplete")
        if isinstance(incomplete, str):
            file.cut_short(f"header not read fully: {incomplete}")
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

    def _identify(self, file: FileView, budget: _FileBudget) -> _Result | None:
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
            return self._zip(file, ext, budget)
        if head.startswith(fmt.HDF5_MAGIC):
            return self._hdf5(file, ext)
        if head.startswith(fmt.NPY_MAGIC):
            with file.open_binary() as stream:
                return self._npy(stream, file.name, budget)
        if fmt.is_tflite(head):
            return _Result("tflite")
        if expected == "pickle" and _compression(head) is not None:
            return self._compressed_pickle(file, head, budget)
        # under a pickle extension, any opcode a pickle may begin with: protocol 0
        # and 1 pickles need no PROTO, and an unpickler takes PROTO 0 or 1 or FRAME
        if looks_like_pickle(head) or (expected in {"pickle", "pytorch"} and can_open_pickle(head)):
            with file.open_binary() as stream:
                report = scan_pickle(stream, budget=budget)
            # protocol 0/1 data must be a whole pickle, or (under a pickle
            # extension) at least reference a callable before it broke off
            partial_ok = expected == "pickle" and bool(report.globals)
            if not report.valid and not looks_like_pickle(head) and not partial_ok and not report.limit:
                return None
            return _Result("pickle", {"protocol": report.protocol}, [("", report)])
        if len(head) >= 9 and head[8:9] == b"{":
            with file.open_binary() as stream:
                header = fmt.read_safetensors_header(stream, file.size, deadline=file.deadline())
            if header is not None:
                return _Result("safetensors", header)
        if expected == "onnx":
            header = fmt.read_onnx_header(head, file.size)
            return _Result("onnx", header) if header is not None else None
        protobuf_model = expected == "coreml" or (expected == "tensorflow" and file.name == "saved_model.pb")
        if protobuf_model and head[:1] == b"\x08" and expected is not None:
            return _Result(expected)
        return None

    def _compressed_pickle(self, file: FileView, head: bytes, budget: _FileBudget) -> _Result | None:
        method = _compression(head)
        with file.open_binary() as raw, _decompressor(method, raw) as stream:
            report = scan_pickle(cast("IO[bytes]", _Metered(stream, budget)), budget=budget)
        if not report.valid and not report.globals and report.protocol < 2 and not report.limit:
            return None
        return _Result("pickle", {"protocol": report.protocol, "compression": method}, [("", report)])

    def _zip(self, file: FileView, ext: str, budget: _FileBudget) -> _Result | None:
        expected = _extensions().get(ext) or "pytorch"
        with file.open_binary() as stream:
            directory = _zip_directory(stream, file.size)
            if directory is not None:
                entries, size = directory
                if ext == ".zip" and (entries > MAX_ZIP_ENTRIES or size > MAX_ZIP_DIRECTORY_BYTES):
                    return None  # a plain archive too large to look into is not taken for a model
                if entries > MAX_ZIP_ENTRIES or size > MAX_ZIP_DIRECTORY_BYTES:
                    why = f"archive lists {entries} entries in a {size >> 10} KiB directory (over {MAX_ZIP_ENTRIES})"
                    return _Result(expected, {"archive_members": entries}, unscanned=[why])
            stream.seek(0)
            try:
                archive = zipfile.ZipFile(stream)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                return None
            with archive:
                infos = archive.infolist()
                names = [i.filename for i in infos]
                structural = _zip_anomalies(infos, file.size)
                pickles = [i for i in infos if i.filename.endswith(".pkl") and not i.filename.endswith("/")]
                if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                    result = _Result("pytorch", {"archive_members": len(names)}, reasons=structural)
                    if any(n.endswith("/code/") or "/code/" in n for n in names):
                        result.details["torchscript"] = True
                    if len(pickles) > MAX_ZIP_PICKLES:
                        result.unscanned.append(
                            f"archive holds {len(pickles)} pickles; only the first {MAX_ZIP_PICKLES} were analysed"
                        )
                    for info in pickles[:MAX_ZIP_PICKLES]:
                        self._member_pickle(archive, stream, info, result, budget)
                    return result
                if "config.json" in names and (
                    "model.weights.h5" in names or "metadata.json" in names or ext == ".keras"
                ):
                    result = self._keras_zip(archive, budget)
                    result.reasons.extend(structural)
                    return result
                if ext == ".npz" or (names and all(n.endswith(".npy") for n in names)):
                    result = _Result("numpy", {"arrays": len(names)}, reasons=structural)
                    arrays = [i for i in infos if i.filename.endswith(".npy")]
                    if len(arrays) > MAX_NPZ_ARRAYS:
                        result.unscanned.append(
                            f"archive holds {len(arrays)} arrays; only the first {MAX_NPZ_ARRAYS} were examined"
                        )
                    for info in arrays[:MAX_NPZ_ARRAYS]:
                        try:
                            budget.check_time()
                            with archive.open(info) as member:
                                metered = cast("IO[bytes]", _Metered(member, budget))
                                inner = self._npy(metered, info.filename, budget)
                        except LimitReached as exc:
                            result.unscanned.append(f"{info.filename}: {exc}")
                            break
                        except _READ_ERRORS as exc:
                            result.unscanned.append(f"{info.filename}: could not read the member: {type(exc).__name__}")
                            continue
                        if inner is not None:
                            result.reports.extend(inner.reports)
                            result.unscanned.extend(inner.unscanned)
                    return result
                if expected in {"pickle", "pytorch"}:
                    return self._pickle_archive(archive, stream, infos, structural, budget, plain=ext == ".zip")
        return None

    def _pickle_archive(
        self,
        archive: zipfile.ZipFile,
        stream: IO[bytes],
        infos: list[zipfile.ZipInfo],
        structural: list[str],
        budget: _FileBudget,
        *,
        plain: bool,
    ) -> _Result | None:
        """An archive that is not PyTorch's but holds pickles, by name or by content
        (a loader may read any member): each analysed; None when it holds none.
        ``plain``: a ``.zip``, not taken for a model file unless a pickle is found in it."""
        result = _Result("pickle", {"archive_members": len(infos)}, reasons=list(structural))
        found = 0
        for info in infos:
            if info.filename.endswith("/") or budget.expired():
                continue
            named = info.filename.endswith((".pkl", ".pickle"))
            if not named and not self._starts_like_pickle(archive, stream, info, budget):
                continue
            found += 1
            if found > MAX_ZIP_PICKLES:
                result.unscanned.append(
                    f"archive holds more than {MAX_ZIP_PICKLES} pickles; only the first were analysed"
                )
                break
            before = len(result.reports)
            self._member_pickle(archive, stream, info, result, budget)
            if not named and len(result.reports) > before:
                _member, report = result.reports[-1]
                if not report.valid and not report.dangerous:
                    result.reports.pop()  # data that merely started like a pickle
                    found -= 1
        if budget.expired() and not (plain and not found):
            result.unscanned.append("time budget of the file spent before every member was examined")
        return result if result.reports or result.unscanned else None

    @staticmethod
    def _starts_like_pickle(
        archive: zipfile.ZipFile, stream: IO[bytes], info: zipfile.ZipInfo, budget: _FileBudget
    ) -> bool:
        try:
            with archive.open(info) as member:
                head = _Metered(member, budget).read(12)
        except LimitReached:
            raise
        except (*_READ_ERRORS, NotImplementedError):
            try:
                head = _raw_member(stream, info, budget, limit=12)
            except _RawError:
                return False
        return looks_like_pickle(head)

    def _member_pickle(
        self,
        archive: zipfile.ZipFile,
        stream: IO[bytes],
        info: zipfile.ZipInfo,
        result: _Result,
        budget: _FileBudget,
    ) -> None:
        """Analyse one pickle member of an archive, within the file's budget.

        A member a zip reader refuses (marked encrypted or patched, a bad CRC, a
        local name that differs from the directory's) is read from its local header
        as a loader that ignores those marks would; what it holds is analysed, and
        the archive is unsafe for being built so."""
        if budget.expired():
            result.unscanned.append(f"{info.filename}: time budget of the file spent")
            return
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_MEMBER_RATIO:
            result.unscanned.append(
                f"{info.filename}: would inflate {info.compress_size} bytes to {info.file_size} "
                f"({ratio:.0f} times, over {MAX_MEMBER_RATIO})"
            )
            return
        refused: str | None = _refused_mark(info)
        if refused is None:
            try:
                with archive.open(info) as member:
                    metered = _Strict(_Metered(member, budget, stored=info.compress_type == zipfile.ZIP_STORED))
                    result.reports.append((info.filename, scan_pickle(cast("IO[bytes]", metered), budget=budget)))
                    return
            except LimitReached as exc:
                result.unscanned.append(f"{info.filename}: {exc}")
                return
            except _Refused as exc:
                refused = exc.why
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                refused = str(exc) or type(exc).__name__
            except _READ_ERRORS as exc:
                result.unscanned.append(f"{info.filename}: could not read the member: {type(exc).__name__}")
                return
        try:
            raw = _raw_member(stream, info, budget)
        except _RawError as exc:
            result.unscanned.append(f"{info.filename}: {refused}; {exc}")
            return
        report = scan_pickle(raw, budget=budget)
        if report.valid or report.unsafe:
            result.reasons.append(
                f"{info.filename}: a zip reader refuses this member ({refused}), but a loader that ignores "
                "that reads a pickle from it (a scanner evasion)"
            )
            result.reports.append((info.filename, report))
        else:
            result.unscanned.append(f"{info.filename}: {refused}; its data is not a readable pickle")

    def _keras_zip(self, archive: zipfile.ZipFile, budget: _FileBudget) -> _Result:
        result = _Result("keras")
        info = archive.getinfo("config.json")
        if info.file_size > MAX_CONFIG_BYTES:
            result.unscanned.append(
                f"config.json of {info.file_size} bytes is over the {_size(MAX_CONFIG_BYTES)} analysed"
            )
            return result
        with archive.open(info) as handle:
            raw = _Metered(handle, budget).read(MAX_CONFIG_BYTES + 1)
        try:
            config = read_json(raw, "config.json", limits=SCAN_LIMITS.replace(max_bytes=MAX_CONFIG_BYTES))
        except InputError as exc:
            result.unscanned.append(f"config.json is not readable: {exc.reason}")
            return result
        if config is None:
            result.unscanned.append("config.json is not valid JSON")
            return result
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

    def _npy(self, stream: IO[bytes], name: str, budget: _FileBudget) -> _Result | None:
        header = fmt.read_npy_header(stream)
        if header is None:
            return None
        result = _Result("numpy", dict(header))
        if header["pickled"]:
            result.reports.append((name, scan_pickle(stream, budget=budget)))
        return result

    @staticmethod
    def _sha256(file: FileView, budget: Budget) -> tuple[str | None, str]:
        digest = hashlib.sha256()
        try:
            with file.open_binary() as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    if budget.expired():  # the digest is an identity, not a safety check: not cut short
                        return None, "time budget of the file spent"
        except OSError as exc:
            return None, f"could not read the file: {type(exc).__name__}"
        return digest.hexdigest(), ""


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


class _Metered(io.RawIOBase):
    """A decompressing stream that charges what it inflates to the file's budget.

    ``stored``: the member is not compressed, so seeking over it costs nothing and
    is allowed; otherwise seeking is refused and skipping means inflating."""

    def __init__(self, stream: IO[bytes], budget: _FileBudget, *, stored: bool = False) -> None:
        self._stream = stream
        self._budget = budget
        self._stored = stored

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stored

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self._stored:
            raise io.UnsupportedOperation("seek")
        return self._stream.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        size = _CHUNK if size is None or size < 0 else size
        data = self._stream.read(size)
        if not self._stored:
            self._budget.inflate(len(data))
        return data


#: Largest member read past a zip reader's refusal (compressed, and once inflated).
MAX_RAW_MEMBER_BYTES = 64 * 1024 * 1024


class _RawError(Exception):
    """A member that cannot be read from its local header either."""


class _Refused(Exception):
    """A zip reader's refusal of a member while it was being read (a bad CRC)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _Strict(io.RawIOBase):
    """A member stream whose refusals (a bad CRC at the end) are not read errors
    of the pickle but a reason to read the member from its local header."""

    def __init__(self, stream: IO[bytes] | io.RawIOBase) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stream.seekable()

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._stream.read(size if size is not None else -1) or b""
        except zipfile.BadZipFile as exc:
            raise _Refused(str(exc)) from None


def _refused_mark(info: zipfile.ZipInfo) -> str | None:
    """Why a zip reader refuses a member before reading it (its flag bits)."""
    if info.flag_bits & 0x1:
        return "marked encrypted"
    if info.flag_bits & 0x20:
        return "marked as compressed patched data"
    if info.flag_bits & 0x40:
        return "marked as strongly encrypted"
    return None


def _raw_member(stream: IO[bytes], info: zipfile.ZipInfo, budget: _FileBudget, limit: int | None = None) -> bytes:
    """A member's data read from its local header, ignoring its flag bits, its CRC
    and the directory's name for it (stored or deflated only)."""
    stream.seek(info.header_offset)
    header = stream.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _RawError("no local header where the directory says")
    method, name_len, extra_len = struct.unpack("<8xH16xHH", header)
    if info.compress_size > MAX_RAW_MEMBER_BYTES:
        raise _RawError(f"{info.compress_size} bytes compressed is over the {_size(MAX_RAW_MEMBER_BYTES)} read")
    stream.seek(info.header_offset + 30 + name_len + extra_len)
    data = stream.read(info.compress_size)
    if method == zipfile.ZIP_STORED:
        return data[:limit] if limit is not None else data
    if method != zipfile.ZIP_DEFLATED:
        raise _RawError(f"compression method {method} is not read")
    inflater = zlib.decompressobj(-15)
    cap = limit if limit is not None else MAX_RAW_MEMBER_BYTES
    try:
        out = inflater.decompress(data, cap)
    except zlib.error as exc:
        raise _RawError(f"data does not inflate: {exc}") from None
    budget.inflate(len(out))
    if limit is None and inflater.unconsumed_tail:
        raise _RawError(f"inflates to more than {_size(MAX_RAW_MEMBER_BYTES)}")
    return out


def _zip_directory(stream: IO[bytes], size: int) -> tuple[int, int] | None:
    """``(entries, directory bytes)`` from an archive's end-of-central-directory
    record (ZIP64 included), read without parsing the directory itself."""
    tail_size = min(size, 65536 + 22)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    _sig, _disk, _cd_disk, _here, entries, cd_size, _cd_offset, _comment = struct.unpack(
        "<IHHHHIIH", tail[at : at + 22]
    )
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        if 0 <= offset < size:
            stream.seek(offset)
            record = stream.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                entries64, cd_size64 = struct.unpack("<QQ", record[32:48])
                entries, cd_size = max(entries, entries64), max(cd_size, cd_size64)
    return entries, cd_size


def _zip_anomalies(infos: list[zipfile.ZipInfo], size: int) -> list[str]:
    """Why an archive's layout is one no archiver writes: entries sharing a name
    (a loader and a scanner may read different ones), entries whose data overlap
    (a zip bomb reusing the same bytes), data beyond the end of the file."""
    reasons: list[str] = []
    seen: dict[str, int] = {}
    for info in infos:
        seen[info.filename] = seen.get(info.filename, 0) + 1
    duplicated = sorted(name for name, count in seen.items() if count > 1)
    if duplicated:
        shown = ", ".join(duplicated[:3]) + (f" and {len(duplicated) - 3} more" if len(duplicated) > 3 else "")
        reasons.append(f"archive has several entries named {shown} (a loader may read another one than a scanner)")
    spans = sorted(
        (info.header_offset, info.header_offset + 30 + len(info.orig_filename.encode("utf-8", "surrogateescape"))
         + info.compress_size)
        for info in infos
    )
    for (start, end), (next_start, _next_end) in itertools.pairwise(spans):
        if next_start < end and next_start >= start:
            reasons.append("archive has entries whose data overlap (a zip bomb or a scanner evasion)")
            break
    if spans and spans[-1][1] > size:
        reasons.append("archive has an entry whose data run past the end of the file")
    return reasons


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
        reasons=tuple(f"{name} layer holds Python bytecode that runs when the model is loaded" for name in dangerous),
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
