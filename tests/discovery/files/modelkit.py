"""Model files built at test time, byte by byte. Pickles that reference
dangerous callables are assembled from opcodes; nothing is ever unpickled."""

from __future__ import annotations

import io
import json
import struct
import zipfile


def op_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def op_str(value: str) -> bytes:
    raw = value.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def evil_pickle(module: str = "os", name: str = "system", protocol: int = 2) -> bytes:
    """module.name("id") as a pickle."""
    return b"\x80" + bytes([protocol]) + op_global(module, name) + op_str("id") + b"\x85R."


def torch_like_pickle(extra: bytes = b"") -> bytes:
    """An OrderedDict of one tensor rebuilt by torch._utils._rebuild_tensor_v2 from
    a persistent storage id, the shape of a PyTorch state_dict's data.pkl."""
    storage = b"(" + op_str("storage") + op_global("torch", "FloatStorage") + op_str("0") + op_str("cpu") + b"K\x04tQ"
    tensor = (
        op_global("torch._utils", "_rebuild_tensor_v2")
        + b"("
        + storage
        + b"K\x00"
        + b"K\x04\x85"
        + b"K\x01\x85"
        + b"\x89"
        + op_global("collections", "OrderedDict")
        + b")R"
        + b"tR"
    )
    body = op_global("collections", "OrderedDict") + b")R" + op_str("layer.weight") + tensor + b"s"
    return b"\x80\x02" + extra + body + b"."


def torch_zip(data_pkl: bytes, root: str = "archive") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(f"{root}/data.pkl", data_pkl)
        archive.writestr(f"{root}/data/0", b"\x00" * 16)
        archive.writestr(f"{root}/version", b"3\n")
        archive.writestr(f"{root}/byteorder", b"little")
    return buf.getvalue()


def safetensors(tensors: dict[str, tuple[str, list[int]]], metadata: dict[str, str] | None = None) -> bytes:
    header: dict[str, object] = {}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = 4
        for dim in shape:
            size *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * offset


def _gguf_str(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(architecture: str = "llama", name: str = "Tiny Llama", version: int = 3) -> bytes:
    kvs = [
        _gguf_str("general.architecture") + struct.pack("<I", 8) + _gguf_str(architecture),
        _gguf_str("tokenizer.ggml.tokens")
        + struct.pack("<I", 9)
        + struct.pack("<I", 8)
        + struct.pack("<Q", 3)
        + _gguf_str("<s>")
        + _gguf_str("a")
        + _gguf_str("b"),
        _gguf_str("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 2048),
        _gguf_str("general.name") + struct.pack("<I", 8) + _gguf_str(name),
    ]
    return b"GGUF" + struct.pack("<I", version) + struct.pack("<QQ", 2, len(kvs)) + b"".join(kvs) + b"\x00" * 64


def onnx(producer: str = "pytorch", version: str = "2.3.0") -> bytes:
    graph = b"\x0a\x03Add"  # a node list stand-in
    return (
        b"\x08\x09"  # ir_version 9
        + b"\x12"
        + bytes([len(producer)])
        + producer.encode()
        + b"\x1a"
        + bytes([len(version)])
        + version.encode()
        + b"\x3a"
        + bytes([len(graph)])
        + graph
        + b"\x42\x04\x10\x11\x00\x00"[:6]
    )


def npy(descr: str, shape: tuple[int, ...], payload: bytes) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def npz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def keras_zip(layers: list[dict[str, object]]) -> bytes:
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 32)
    return buf.getvalue()


def lfs_pointer(oid: str = "ab" * 32, size: int = 123456789) -> str:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n"


def _dtype(code: str) -> bytes:
    return (
        op_global("numpy", "dtype")
        + op_str(code)
        + b"\x89\x88\x87R"  # (code, False, True) REDUCE
        + b"(K\x03"
        + op_str("<")
        + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"  # state, BUILD
    )


def joblib_like(
    shape: tuple[int, ...],
    dtype: str,
    payload: bytes,
    *,
    after: bytes = b"",
    alignment: bool = True,
) -> bytes:
    """A joblib.dump stream: a dict whose array is a NumpyArrayWrapper followed
    by the array's raw bytes (or, for object arrays, a nested pickle), then
    ``after`` (more dict entries) and STOP."""
    dims = b"".join(b"K" + bytes([d]) for d in shape)
    tuple_op = {0: b")", 1: b"\x85", 2: b"\x86", 3: b"\x87"}[len(shape)]
    state = (
        b"}("
        + op_str("subclass")
        + op_global("numpy", "ndarray")
        + op_str("shape")
        + dims
        + tuple_op
        + op_str("order")
        + op_str("C")
        + op_str("dtype")
        + _dtype(dtype)
        + op_str("allow_mmap")
        + b"\x88"
        + (op_str("numpy_array_alignment_bytes") + b"K\x10" if alignment else b"")
        + b"u"
    )
    wrapper = op_global("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b"
    padding = b"\x03\xff\xff\xff" if alignment and not dtype.startswith("O") else b""
    return b"\x80\x04}(" + op_str("w") + wrapper + padding + payload + after + b"u."
