"""Model files recognised by content, pickles analysed statically."""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zipfile
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.discovery.files import modelkit as mk
from tests.discovery.files.conftest import MemoryFile, run, run_tree

from openaims.discovery import model_formats as fmt
from openaims.discovery.detectors.model_files import ModelFileDetector
from openaims.discovery.interface import FindingKind

DETECTOR = ModelFileDetector()

CLEAN_TORCH = mk.torch_zip(mk.torch_like_pickle())
EVIL_TORCH = mk.torch_zip(mk.torch_like_pickle(extra=mk.op_global("os", "system") + b"0"))


@pytest.mark.parametrize(
    ("path", "content", "format_", "unsafe", "dangerous"),
    [
        ("model.safetensors", mk.safetensors({"w": ("F32", [2, 3])}), "safetensors", None, []),
        ("weights/pytorch_model.bin", mk.safetensors({"w": ("F16", [4])}), "safetensors", None, []),
        ("llama.gguf", mk.gguf(), "gguf", None, []),
        ("models/llama", mk.gguf(), "gguf", None, []),
        ("net.onnx", mk.onnx(), "onnx", None, []),
        ("clf.pkl", pickle.dumps({"coef": [1.0, 2.0]}, protocol=4), "pickle", False, []),
        ("clf.pickle", pickle.dumps([1, 2], protocol=0), "pickle", False, []),
        ("clf.joblib", mk.evil_pickle("subprocess", "Popen"), "pickle", True, ["subprocess.Popen"]),
        ("x.dill", mk.evil_pickle("builtins", "eval", protocol=4), "pickle", True, ["builtins.eval"]),
        ("legacy.pt", mk.evil_pickle(), "pickle", True, ["os.system"]),
        ("data/no-extension-pickle.dat", b"", None, None, []),
        ("model.pt", CLEAN_TORCH, "pytorch", False, []),
        ("model.pth", EVIL_TORCH, "pytorch", True, ["os.system"]),
        ("ckpt/last.ckpt", CLEAN_TORCH, "pytorch", False, []),
        ("pytorch_model.bin", EVIL_TORCH, "pytorch", True, ["os.system"]),
        ("model.keras", mk.keras_zip([{"class_name": "Dense", "config": {"name": "d"}}]), "keras", False, []),
        (
            "model.keras",
            mk.keras_zip([{"class_name": "Lambda", "config": {"name": "evil", "function": "4wEAAAA="}}]),
            "keras",
            True,
            ["keras.layers.Lambda"],
        ),
        (
            "model.h5",
            b"\x89HDF\r\n\x1a\n" + b"\x00" * 100 + b"keras_version" + b"\x00" * 10,
            "keras",
            None,
            [],
        ),
        ("data.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "hdf5", None, []),
        ("model.tflite", b"\x1c\x00\x00\x00TFL3" + b"\x00" * 40, "tflite", None, []),
        ("arr.npy", mk.npy("<f4", (2,), b"\x00" * 8), "numpy", None, []),
        ("obj.npy", mk.npy("|O", (1,), mk.evil_pickle("os", "system")), "numpy", True, ["os.system"]),
        ("obj2.npy", mk.npy("|O", (1,), pickle.dumps(["a"], protocol=3)), "numpy", False, []),
        (
            "bundle.npz",
            mk.npz(
                {
                    "a.npy": mk.npy("<i8", (1,), b"\x00" * 8),
                    "b.npy": mk.npy("|O", (1,), mk.evil_pickle("nt", "system")),
                }
            ),
            "numpy",
            True,
            ["nt.system"],
        ),
        ("big.safetensors", mk.lfs_pointer(), "safetensors", None, []),
        ("model.mlmodel", b"\x08\x04\x12\x00", "coreml", None, []),
        ("llama-7b.ggml", b"tjgg" + struct.pack("<I", 3) + b"\x00" * 64, "ggml", None, []),
        ("models/old-q4", b"lmgg" + b"\x00" * 64, "ggml", None, []),
    ],
)
def test_recognised(
    path: str, content: bytes | str, format_: str | None, unsafe: bool | None, dangerous: list[str]
) -> None:
    findings = run(DETECTOR, path, content)
    if format_ is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.kind is FindingKind.MODEL_FILE
    assert (finding.name, finding.path, finding.line) == (path.rsplit("/", 1)[-1], path, None)
    assert finding.format == format_
    assert finding.unsafe is unsafe
    assert finding.details["dangerous_globals"] == dangerous


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("firmware.bin", b"\x7fELF" + b"\x00" * 100),
        ("random.bin", bytes(range(256))),
        ("fake.onnx", b"this is not a model\n"),
        ("notes.pkl", b"hello world\n"),
        ("empty.pt", b""),
        ("bad.safetensors", struct.pack("<Q", 1 << 40) + b"{}"),
        ("short.safetensors", struct.pack("<Q", 100) + b'{"a": 1}'),
        ("bad.gguf", b"GGUF" + struct.pack("<I", 99) + b"\x00" * 16),
        ("not.npy", b"\x93NUMPX" + b"\x00" * 20),
        ("plain.h5.txt", b"\x89HDF\r\n\x1a\n"),
        ("archive.pt", mk.npz({"readme.txt": b"hi"})),
        ("models/README", b"Model card text\n"),
        ("src/main", mk.gguf()),
        ("saved.pb", b"\x08\x01"),
        ("fake.mlmodel", b"<xml/>"),
        ("pointer.safetensors", "version https://git-lfs.github.com/spec/v1\noid sha256:xyz\nsize 1\n"),
    ],
)
def test_not_a_model_file(path: str, content: bytes | str) -> None:
    assert run(DETECTOR, path, content) == []


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("a/b/model.safetensors", True),
        ("x.GGUF", True),
        ("model.onnx", True),
        ("m.pkl", True),
        ("models/llama-7b", True),
        ("weights/sub/shard-00001", True),
        ("checkpoints/step100", True),
        ("src/app.py", False),
        ("models/.gitkeep", False),
        ("models/card.md", False),
        ("bin/tool", False),
        ("README", False),
    ],
)
def test_wants_is_by_name_only(path: str, wanted: bool) -> None:
    assert DETECTOR.wants(path, path.rsplit("/", 1)[-1]) is wanted


def test_details_of_a_pytorch_archive() -> None:
    (finding,) = run(DETECTOR, "model.pth", EVIL_TORCH)
    assert finding.provider == "pytorch"
    assert finding.details["sha256"] == hashlib.sha256(EVIL_TORCH).hexdigest()
    assert finding.details["size"] == len(EVIL_TORCH)
    assert finding.details["lfs_pointer"] is False
    assert finding.details["analysed"] == ["archive/data.pkl"]
    assert finding.details["unknown_globals"] == []
    assert finding.details["dangerous_globals"] == ["os.system"]


def test_globals_off_the_allowlist_make_the_file_unsafe() -> None:
    data = b"\x80\x04" + mk.op_global("mypkg.models", "Net") + b")\x81."
    (finding,) = run(DETECTOR, "clf.pkl", data)
    assert finding.unsafe is True
    assert finding.details["unknown_globals"] == ["mypkg.models.Net"]
    assert finding.details["dangerous_globals"] == []
    assert finding.details["unsafe_reasons"] == [
        "imports mypkg.models.Net, which is not on the allowlist of safe globals"
    ]


def test_truncated_pickle_is_not_declared_safe() -> None:
    data = pickle.dumps(list(range(100)), protocol=4)[:-20]
    (finding,) = run(DETECTOR, "clf.pkl", data)
    assert finding.format == "pickle"
    assert finding.unsafe is None
    assert finding.details["analysis_errors"]


def test_truncated_zip_is_reported_by_extension_without_verdict() -> None:
    data = CLEAN_TORCH[: len(CLEAN_TORCH) // 2]
    findings = run(DETECTOR, "model.pt", data)
    assert [(f.format, f.unsafe) for f in findings] in ([], [("pytorch", None)])


def test_headers_in_details() -> None:
    (st_file,) = run(
        DETECTOR,
        "m.safetensors",
        mk.safetensors({"a": ("F32", [2, 3]), "b": ("BF16", [4])}, {"format": "pt"}),
    )
    assert (st_file.details["tensors"], st_file.details["dtypes"], st_file.details["parameters"]) == (
        2,
        ["BF16", "F32"],
        10,
    )
    assert st_file.details["metadata"] == {"format": "pt"}
    (gg,) = run(DETECTOR, "m.gguf", mk.gguf("qwen2", "Qwen Tiny"))
    assert (gg.details["gguf_version"], gg.details["tensors"], gg.details["kv_count"]) == (3, 2, 4)
    assert (gg.details["architecture"], gg.details["model_name"]) == ("qwen2", "Qwen Tiny")
    (ox,) = run(DETECTOR, "m.onnx", mk.onnx("tf2onnx", "1.16"))
    assert (ox.details["ir_version"], ox.details["producer_name"], ox.details["producer_version"]) == (
        9,
        "tf2onnx",
        "1.16",
    )
    (lfs,) = run(DETECTOR, "big.gguf", mk.lfs_pointer("cd" * 32, 42))
    assert lfs.format == "gguf"
    assert lfs.details == {
        "size": len(mk.lfs_pointer("cd" * 32, 42)),
        "lfs_pointer": True,
        "oid": "cd" * 32,
        "lfs_size": 42,
        "dangerous_globals": [],
        "unknown_globals": [],
    }


def test_fixture_tree_exact_findings() -> None:
    tree: dict[str, str | bytes] = {
        "README.md": "# demo\n",
        "src/train.py": "import torch\n",
        "models/classifier.pkl": mk.evil_pickle("os", "system"),
        "models/encoder.safetensors": mk.safetensors({"w": ("F32", [8])}),
        "models/encoder.onnx": mk.onnx(),
        "models/llm/model.gguf": mk.lfs_pointer(),
        "weights/state": CLEAN_TORCH,
        "checkpoints/epoch1.ckpt": EVIL_TORCH,
        "assets/logo.bin": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        "data/embeddings.npy": mk.npy("<f4", (1,), b"\x00" * 4),
    }
    findings = run_tree([DETECTOR], tree)
    assert {
        (f.path, f.format, f.unsafe, tuple(f.details["dangerous_globals"]), f.details["lfs_pointer"]) for f in findings
    } == {
        ("models/classifier.pkl", "pickle", True, ("os.system",), False),
        ("models/encoder.safetensors", "safetensors", None, (), False),
        ("models/encoder.onnx", "onnx", None, (), False),
        ("models/llm/model.gguf", "gguf", None, (), True),
        ("weights/state", "pytorch", False, (), False),
        ("checkpoints/epoch1.ckpt", "pytorch", True, ("os.system",), False),
        ("data/embeddings.npy", "numpy", None, (), False),
    }


def test_large_file_is_streamed() -> None:
    payload = mk.safetensors({"w": ("F32", [1 << 20])})  # 4 MiB of tensor data
    file = MemoryFile("big.safetensors", payload)
    (finding,) = DETECTOR.scan(file)
    assert finding.details["sha256"] == hashlib.sha256(payload).hexdigest()
    assert file.binary_opened >= 1


# --------------------------------------------------------------------------- header readers never raise


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_header_readers_never_raise(data: bytes) -> None:
    fmt.read_safetensors_header(io.BytesIO(data), len(data))
    fmt.read_safetensors_header(io.BytesIO(struct.pack("<Q", len(data)) + data), len(data) + 8)
    fmt.read_gguf_header(io.BytesIO(data))
    fmt.read_gguf_header(io.BytesIO(b"GGUF" + struct.pack("<I", 3) + data))
    fmt.read_onnx_header(data, len(data))
    fmt.read_npy_header(io.BytesIO(data))
    fmt.read_npy_header(io.BytesIO(b"\x93NUMPY\x01\x00" + data))
    fmt.read_lfs_pointer(data)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=400),
    st.sampled_from(
        [
            "m.pt",
            "m.bin",
            "m.pkl",
            "m.safetensors",
            "m.gguf",
            "m.onnx",
            "m.npy",
            "m.npz",
            "m.keras",
            "m.h5",
            "m.tflite",
            "models/x",
        ]
    ),
)
def test_detector_never_raises(data: bytes, path: str) -> None:
    for prefix in (
        b"",
        b"PK\x03\x04",
        b"\x80\x04",
        b"GGUF\x03\x00\x00\x00",
        b"\x93NUMPY\x01\x00",
        b"\x89HDF\r\n\x1a\n",
    ):
        for finding in DETECTOR.scan(MemoryFile(path, prefix + data)):
            assert finding.kind is FindingKind.MODEL_FILE


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_with_mutated_bytes_never_raises(compression: int) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        archive.writestr("archive/data.pkl", mk.torch_like_pickle(extra=mk.op_global("os", "system") + b"0"))
    base = buf.getvalue()
    (finding,) = DETECTOR.scan(MemoryFile("m.pt", base))
    assert finding.unsafe is True
    for i in range(len(base)):
        for flip in (0xFF, 0x01):
            mutated = bytearray(base)
            mutated[i] ^= flip
            for finding in DETECTOR.scan(MemoryFile("m.pt", bytes(mutated))):
                assert finding.format in {"pytorch", "pickle"}


def test_zip_members_are_read_through_zipfile() -> None:
    # a data.pkl nested deeper, plus extra pickles, as torch.save archives name them
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("net/data.pkl", mk.torch_like_pickle())
        archive.writestr("net/constants.pkl", mk.evil_pickle("builtins", "exec"))
    (finding,) = run(DETECTOR, "net.pt", buf.getvalue())
    assert finding.details["analysed"] == ["net/data.pkl", "net/constants.pkl"]
    assert finding.details["dangerous_globals"] == ["builtins.exec"]


# --------------------------------------------------------------------------- joblib and compression


def _evil_entry(module: str = "os", name: str = "system") -> bytes:
    return mk.op_str("evil") + mk.op_global(module, name) + mk.op_str("id") + b"\x85R"


@pytest.mark.parametrize(
    ("data", "unsafe", "dangerous"),
    [
        # raw array bytes that are not valid opcodes are stepped over
        (mk.joblib_like((3,), "f8", b"\x0c" * 24), False, []),
        (mk.joblib_like((2, 3), "i4", b"\x10" * 24, alignment=False), False, []),
        (mk.joblib_like((3,), "f8", b"\x0c" * 24, after=_evil_entry()), True, ["os.system"]),
        (
            mk.joblib_like((2,), "U3", b"\x01" * 24, after=_evil_entry("subprocess", "run")),
            True,
            ["subprocess.run"],
        ),
        # an object array is a nested pickle, analysed too
        (mk.joblib_like((1,), "O8", mk.evil_pickle("builtins", "exec", protocol=5)), True, ["builtins.exec"]),
        (
            mk.joblib_like((1,), "O8", pickle.dumps([None], protocol=5), after=_evil_entry("nt", "system")),
            True,
            ["nt.system"],
        ),
    ],
)
def test_joblib_streams(data: bytes, unsafe: bool, dangerous: list[str]) -> None:
    (finding,) = run(DETECTOR, "model.joblib", data)
    assert finding.format == "pickle"
    assert finding.unsafe is unsafe
    assert finding.details["dangerous_globals"] == dangerous
    assert "analysis_errors" not in finding.details


def test_truncated_joblib_array_is_not_declared_safe() -> None:
    (finding,) = run(DETECTOR, "model.joblib", mk.joblib_like((100,), "f8", b"\x00" * 10))
    assert finding.unsafe is None
    assert finding.details["analysis_errors"] == ["truncated pickle (no STOP)"]
    assert finding.details["unscanned"] == "truncated pickle (no STOP)"


@pytest.mark.parametrize("method", ["gzip", "bz2", "xz", "lzma", "zlib"])
def test_compressed_pickles_are_analysed(method: str) -> None:
    import bz2
    import gzip
    import lzma
    import zlib

    raw = mk.joblib_like((3,), "f8", b"\x0c" * 24, after=_evil_entry())
    compressors: dict[str, Callable[[bytes], bytes]] = {
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "xz": lambda b: lzma.compress(b, format=lzma.FORMAT_XZ),
        "lzma": lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE),
        "zlib": zlib.compress,
    }
    packed = compressors[method](raw)
    (finding,) = run(DETECTOR, "model.joblib", packed)
    assert (finding.format, finding.unsafe, finding.details["compression"]) == ("pickle", True, method)
    assert finding.details["dangerous_globals"] == ["os.system"]
    assert finding.details["sha256"] == hashlib.sha256(packed).hexdigest()


def test_compressed_non_pickle_is_not_reported() -> None:
    import gzip

    assert run(DETECTOR, "notes.pkl", gzip.compress(b"just text, not a pickle")) == []


def test_decompression_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    import zlib

    from openaims.discovery.detectors import model_files

    monkeypatch.setattr(model_files, "MAX_INFLATED_BYTES", 1 << 20)
    # a BINBYTES8 of 4 MiB of zeros (compresses to a few KB) followed by os.system
    body = b"\x80\x04\x8e" + struct.pack("<Q", 4 << 20) + b"\x00" * (4 << 20) + b"0" + mk.evil_pickle()[2:]
    (finding,) = run(DETECTOR, "bomb.pkl", zlib.compress(body, 9))
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "more than 1 MiB inflated from the file"


def test_zip_member_reading_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from openaims.discovery.detectors import model_files

    monkeypatch.setattr(model_files, "MAX_INFLATED_BYTES", 1 << 16)
    monkeypatch.setattr(model_files, "MAX_MEMBER_RATIO", 10_000)
    body = b"\x80\x04\x8e" + struct.pack("<Q", 1 << 20) + b"\x00" * (1 << 20) + b"0" + mk.evil_pickle()[2:]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", body)
    (finding,) = run(DETECTOR, "model.pt", buf.getvalue())
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "archive/data.pkl: more than 64 KiB inflated from the file"


@pytest.mark.parametrize(
    ("path", "content", "reported"),
    [
        ("weights.bin", b"config\nvalue\n\x00\x01", False),  # looks like GLOBAL, is not a pickle
        ("notes.pkl", b"cos\nsystem\n(S'id'\n", True),  # truncated protocol 0 pickle reaching os.system
        ("blob.pt", b"N" + b"\xff" * 10, False),
        ("old.pt", pickle.dumps({"a": 1}, protocol=0), True),
    ],
)
def test_old_protocol_pickles_need_structure(path: str, content: bytes, reported: bool) -> None:
    findings = run(DETECTOR, path, content)
    assert bool(findings) is reported
    if findings:
        assert findings[0].format == "pickle"
