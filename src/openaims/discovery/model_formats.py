"""Recognising model files by their content, with bounded header readers.

Each reader takes the first bytes or a binary stream and returns what the header
says (format version, tensor counts, architecture...) or ``None`` when the data
is not that format. Readers never raise on malformed data and read at most a
bounded number of bytes, whatever the header claims.
"""

from __future__ import annotations

import ast
import codecs
import json
import struct
import time
from dataclasses import dataclass
from typing import IO, Any

#: Largest safetensors JSON header read: the safetensors library's own limit (real
#: headers are a few hundred KB). It is parsed incrementally, never held whole.
MAX_SAFETENSORS_HEADER = 100_000_000
#: Most tensor entries of a safetensors header read.
MAX_SAFETENSORS_TENSORS = 200_000
#: Longest single entry of a safetensors header (its name and value).
MAX_SAFETENSORS_ENTRY = 1024 * 1024
_HEADER_CHUNK = 1024 * 1024
#: Bytes of GGUF key/value data read looking for the architecture and name.
MAX_GGUF_KV_BYTES = 4 * 1024 * 1024
#: Longest GGUF string read into memory (longer ones are skipped).
MAX_GGUF_STRING = 64 * 1024
#: Longest NumPy header.
MAX_NPY_HEADER = 64 * 1024

SAFETENSORS_DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "F64": 8,
    "I64": 8,
    "U64": 8,
}

LFS_SPEC = b"version https://git-lfs.github.com/spec/v1"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
GGUF_MAGIC = b"GGUF"


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


# --------------------------------------------------------------------------- Git LFS


@dataclass(frozen=True, slots=True)
class LfsPointer:
    oid: str
    size: int


def read_lfs_pointer(head: bytes) -> LfsPointer | None:
    """A Git LFS pointer file (``version``, ``oid sha256:...``, ``size`` lines)."""
    if not head.startswith(LFS_SPEC) or len(head) > 1024:
        return None
    oid = ""
    size = -1
    for line in head.decode("ascii", "replace").splitlines():
        key, _, value = line.partition(" ")
        if key == "oid" and value.startswith("sha256:"):
            oid = value[len("sha256:") :].strip()
        elif key == "size" and value.strip().isdigit():
            size = int(value.strip())
    if len(oid) != 64 or any(c not in "0123456789abcdef" for c in oid) or size < 0:
        return None
    return LfsPointer(oid, size)


# --------------------------------------------------------------------------- safetensors


def read_safetensors_header(
    stream: IO[bytes], file_size: int | None = None, *, deadline: float | None = None
) -> dict[str, Any] | None:
    """Tensor count, dtypes, parameter count and metadata of a safetensors file:
    8-byte little-endian header length, then a JSON object of tensor entries.

    The header is parsed entry by entry from a small window, so memory does not grow
    with its size. A header over :data:`MAX_SAFETENSORS_HEADER` bytes (the
    safetensors library's own limit) is not read, and reading stops after
    :data:`MAX_SAFETENSORS_TENSORS` entries or at ``deadline``; the result then says
    why under ``incomplete``."""
    raw = _read_exact(stream, 8)
    if raw is None:
        return None
    (length,) = struct.unpack("<Q", raw)
    if length < 2:
        return None
    if file_size is not None and 8 + length > file_size:
        return None
    if stream.read(1) != b"{":
        return None
    if length > MAX_SAFETENSORS_HEADER:
        return {
            "tensors": None,
            "header_bytes": length,
            "incomplete": f"header of {length} bytes is over the {MAX_SAFETENSORS_HEADER} bytes read; not parsed",
        }
    header = _SafetensorsHeader(stream, length - 1, deadline).parse()
    if header is not None:
        header["header_bytes"] = length
    return header


class _SafetensorsHeader:
    """An incremental reader of the JSON object of a safetensors header."""

    def __init__(self, stream: IO[bytes], remaining: int, deadline: float | None) -> None:
        self.stream = stream
        self.remaining = remaining
        self.deadline = deadline
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text = ""
        self.pos = 0
        self.json = json.JSONDecoder()
        self.counts = _HeaderCounts(deadline)

    def _more(self) -> bool:
        if self.remaining <= 0:
            return False
        chunk = self.stream.read(min(_HEADER_CHUNK, self.remaining))
        if not chunk:
            raise ValueError("truncated header")
        self.remaining -= len(chunk)
        self.text = self.text[self.pos :] + self.decoder.decode(chunk, final=self.remaining <= 0)
        self.pos = 0
        return True

    def _skip_space(self) -> str:
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                raise ValueError("truncated header")

    def _value(self) -> Any:
        """The JSON value at ``pos``, reading more while it may continue past the window."""
        while True:
            if len(self.text) - self.pos > MAX_SAFETENSORS_ENTRY:
                raise _TooLong
            try:
                value, end = self.json.raw_decode(self.text, self.pos)
            except ValueError:
                if not self._more():
                    raise
                continue
            if end >= len(self.text) and self.remaining > 0:
                if not self._more():
                    raise ValueError("truncated header")
                continue
            self.pos = end
            return value

    def parse(self) -> dict[str, Any] | None:
        self.counts = _HeaderCounts(self.deadline)
        try:
            if not self._fast():
                self._slow()
        except _TooLong:
            self.counts.incomplete = f"an entry longer than {MAX_SAFETENSORS_ENTRY} bytes; not parsed further"
        except _Stop:
            pass
        except (ValueError, RecursionError, UnicodeDecodeError, _NotSafetensors):
            return None
        return self.counts.result()

    def _fast(self) -> bool:
        """Parse whole runs of entries at once: the window up to its last ``},`` is
        wrapped in braces and decoded in one call. False when a run does not decode
        that way (a ``},`` inside a name): the rest is then read entry by entry."""
        while True:
            if self.remaining <= 0:
                try:
                    tail = json.loads("{" + self.text[self.pos :])
                except ValueError:
                    return False
                self._entries(tail)
                return True
            cut = self.text.rfind("},", self.pos)
            if cut < 0:
                if len(self.text) - self.pos > MAX_SAFETENSORS_ENTRY:
                    raise _TooLong
                self._more()
                continue
            try:
                run = json.loads("{" + self.text[self.pos : cut + 1] + "}")
            except ValueError:
                return False
            self._entries(run)
            self.pos = cut + 2
            self._more()

    def _slow(self) -> None:
        """Entry by entry, from ``pos`` (the start of a key or the closing brace)."""
        if self._skip_space() == "}":
            return
        while True:
            if self._skip_space() != '"':
                raise _NotSafetensors
            name = self._value()
            if self._skip_space() != ":":
                raise _NotSafetensors
            self.pos += 1
            self._skip_space()
            self.counts.add(name, self._value())
            separator = self._skip_space()
            if separator == "}":
                return
            if separator != ",":
                raise _NotSafetensors
            self.pos += 1

    def _entries(self, entries: Any) -> None:
        if not isinstance(entries, dict):
            raise _NotSafetensors
        for name, entry in entries.items():
            self.counts.add(name, entry)


class _HeaderCounts:
    """What a safetensors header says, summed entry by entry."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.dtypes: dict[str, int] = {}
        self.tensors = 0
        self.parameters = 0
        self.metadata: dict[str, str] = {}
        self.incomplete: str | None = None

    def add(self, name: Any, entry: Any) -> None:
        if name == "__metadata__":
            if isinstance(entry, dict):
                self.metadata = {str(k)[:100]: str(v)[:200] for k, v in list(entry.items())[:50]}
            return
        if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
            raise _NotSafetensors
        shape = entry.get("shape")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise _NotSafetensors
        self.tensors += 1
        dtype = str(entry["dtype"])[:32]
        if dtype in self.dtypes or len(self.dtypes) < 64:
            self.dtypes[dtype] = self.dtypes.get(dtype, 0) + 1
        count = 1
        for dim in shape:
            count *= dim
        self.parameters += count
        if self.tensors >= MAX_SAFETENSORS_TENSORS:
            self.incomplete = f"stopped after {MAX_SAFETENSORS_TENSORS} tensors"
            raise _Stop
        if self.tensors % 8192 == 0 and self.deadline is not None and time.monotonic() > self.deadline:
            self.incomplete = "time budget of the file spent"
            raise _Stop

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tensors": self.tensors,
            "dtypes": sorted(self.dtypes),
            "parameters": self.parameters,
            "metadata": self.metadata,
        }
        if self.incomplete is not None:
            out["incomplete"] = self.incomplete
        return out


class _NotSafetensors(Exception):
    pass


class _Stop(Exception):
    pass


class _TooLong(Exception):
    pass


# --------------------------------------------------------------------------- GGUF

_GGUF_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_WANTED_KEYS = ("general.architecture", "general.name", "general.file_type", "general.quantization_version")


class _Budget:
    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.left = limit

    def read(self, size: int) -> bytes | None:
        if size > self.left:
            return None
        self.left -= size
        return _read_exact(self.stream, size)

    def skip(self, size: int) -> bool:
        while size > 0:
            chunk = self.read(min(size, 1 << 16))
            if chunk is None:
                return False
            size -= len(chunk)
        return True


def _gguf_string(budget: _Budget, wide: bool) -> str | None:
    raw = budget.read(8 if wide else 4)
    if raw is None:
        return None
    (length,) = struct.unpack("<Q" if wide else "<I", raw)
    if length > MAX_GGUF_STRING:
        return "" if budget.skip(length) else None
    data = budget.read(length)
    return None if data is None else data.decode("utf-8", "replace")


def _gguf_value(budget: _Budget, kind: int, wide: bool, depth: int = 0) -> tuple[bool, Any]:
    if kind in _GGUF_SCALARS:
        fmt = _GGUF_SCALARS[kind]
        raw = budget.read(struct.calcsize(fmt))
        return (False, None) if raw is None else (True, struct.unpack(fmt, raw)[0])
    if kind == _STRING:
        text = _gguf_string(budget, wide)
        return (text is not None, text)
    if kind == _ARRAY and depth < 3:
        head = budget.read(4 + (8 if wide else 4))
        if head is None:
            return False, None
        (item_kind,) = struct.unpack("<I", head[:4])
        (count,) = struct.unpack("<Q" if wide else "<I", head[4:])
        if item_kind in _GGUF_SCALARS:
            return budget.skip(count * struct.calcsize(_GGUF_SCALARS[item_kind])), None
        for _ in range(count):
            ok, _value = _gguf_value(budget, item_kind, wide, depth + 1)
            if not ok:
                return False, None
        return True, None
    return False, None


def read_gguf_header(stream: IO[bytes]) -> dict[str, Any] | None:
    """GGUF version, tensor and key/value counts, and the general.* keys found
    within the first :data:`MAX_GGUF_KV_BYTES` of key/value data."""
    head = _read_exact(stream, 8)
    if head is None or head[:4] != GGUF_MAGIC:
        return None
    (version,) = struct.unpack("<I", head[4:8])
    if version not in {1, 2, 3}:
        return None
    wide = version >= 2
    counts = _read_exact(stream, 16 if wide else 8)
    if counts is None:
        return None
    tensors, kv_count = struct.unpack("<QQ" if wide else "<II", counts)
    if tensors > 1 << 32 or kv_count > 1 << 32:
        return None
    found: dict[str, Any] = {}
    budget = _Budget(stream, MAX_GGUF_KV_BYTES)
    for _ in range(min(kv_count, 100_000)):
        key = _gguf_string(budget, wide)
        raw_kind = budget.read(4)
        if key is None or raw_kind is None:
            break
        (kind,) = struct.unpack("<I", raw_kind)
        ok, value = _gguf_value(budget, kind, wide)
        if not ok:
            break
        if key in _WANTED_KEYS and value is not None:
            found[key] = value
            if all(k in found for k in _WANTED_KEYS[:2]):
                break
    out: dict[str, Any] = {"gguf_version": version, "tensors": tensors, "kv_count": kv_count}
    if "general.architecture" in found:
        out["architecture"] = str(found["general.architecture"])[:200]
    if "general.name" in found:
        out["model_name"] = str(found["general.name"])[:200]
    return out


#: Magic numbers (little-endian uint32) of the formats llama.cpp used before GGUF.
_GGML_MAGICS = {b"lmgg": "ggml", b"fmgg": "ggmf", b"tjgg": "ggjt", b"algg": "ggla"}


def read_ggml_magic(head: bytes) -> str | None:
    """The pre-GGUF llama.cpp variant (ggml, ggmf, ggjt, ggla) of a file, if any."""
    return _GGML_MAGICS.get(head[:4])


# --------------------------------------------------------------------------- ONNX / protobuf

#: Field numbers of onnx.ModelProto.
_ONNX_FIELDS = {1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25}


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    value = 0
    shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None


def read_onnx_header(head: bytes, file_size: int) -> dict[str, Any] | None:
    """A light check that ``head`` starts an ``onnx.ModelProto``: top-level
    fields with known numbers and sane wire types and lengths. Returns the
    IR version and producer when they are in ``head``."""
    pos = 0
    fields = 0
    out: dict[str, Any] = {}
    while pos < len(head) and fields < 64:
        tag = _varint(head, pos)
        if tag is None:
            break
        key, pos = tag
        number, wire = key >> 3, key & 7
        if number not in _ONNX_FIELDS:
            return None
        if wire == 0:
            value = _varint(head, pos)
            if value is None:
                break
            if number == 1:
                out["ir_version"] = value[0]
            pos = value[1]
        elif wire == 2:
            length = _varint(head, pos)
            if length is None:
                break
            size, pos = length
            if pos + size > file_size:
                return None
            if number in {2, 3} and pos + size <= len(head):
                text = head[pos : pos + size].decode("utf-8", "replace")[:200]
                out["producer_name" if number == 2 else "producer_version"] = text
            pos += size
        else:
            return None
        fields += 1
    if fields == 0 or ("ir_version" not in out and fields < 2):
        return None
    return out


# --------------------------------------------------------------------------- NumPy


def read_npy_header(stream: IO[bytes]) -> dict[str, Any] | None:
    """dtype, shape and order of a ``.npy`` array; ``pickled`` when the array
    holds Python objects (its data is then a pickle, loaded with allow_pickle)."""
    head = _read_exact(stream, 8)
    if head is None or head[:6] != NPY_MAGIC:
        return None
    major = head[6]
    if major == 1:
        raw = _read_exact(stream, 2)
        length = struct.unpack("<H", raw)[0] if raw else None
    elif major in {2, 3}:
        raw = _read_exact(stream, 4)
        length = struct.unpack("<I", raw)[0] if raw else None
    else:
        return None
    if length is None or length > MAX_NPY_HEADER:
        return None
    text = _read_exact(stream, length)
    if text is None:
        return None
    try:
        header = ast.literal_eval(text.decode("latin-1").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    if not isinstance(header, dict) or "descr" not in header:
        return None
    descr = header["descr"]
    shape = header.get("shape")
    return {
        "dtype": str(descr)[:200],
        "shape": list(shape) if isinstance(shape, tuple) and all(isinstance(d, int) for d in shape) else None,
        "pickled": _has_object(descr),
        "npy_version": major,
    }


def _has_object(descr: Any, depth: int = 0) -> bool:
    if depth > 20:
        return True
    if isinstance(descr, str):
        return descr.lstrip("|<>=").startswith("O")
    if isinstance(descr, (list, tuple)):
        return any(_has_object(part, depth + 1) for part in descr)
    return False


# --------------------------------------------------------------------------- TFLite


def is_tflite(head: bytes) -> bool:
    """FlatBuffer with the ``TFL3`` file identifier at offset 4."""
    return len(head) >= 8 and head[4:8] == b"TFL3"
