"""Bounds of model-file analysis: archives, pickles and headers an attacker made
expensive are reported unsafe or unscanned with the reason, never safe."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
import zlib
from importlib import resources

import pytest
import yaml
from tests.discovery.files import modelkit as mk
from tests.discovery.files.conftest import MemoryFile, run

from openaims.discovery import model_formats as fmt
from openaims.discovery.detectors import model_files
from openaims.discovery.detectors.model_files import ModelFileDetector
from openaims.discovery.pickle_scan import Budget, scan_pickle

DETECTOR = ModelFileDetector()


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


# --------------------------------------------------------------------------- archives


def test_duplicate_entry_names_make_the_archive_unsafe() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        data = _zip([("archive/data.pkl", mk.torch_like_pickle()), ("archive/data.pkl", mk.torch_like_pickle())])
    (finding,) = run(DETECTOR, "model.pt", data)
    assert finding.unsafe is True
    assert finding.details["unsafe_reasons"] == [
        "archive has several entries named archive/data.pkl (a loader may read another one than a scanner)"
    ]


def _overlapping_zip() -> bytes:
    """Two central-directory entries pointing at the same local file (a quoted-overlap bomb)."""
    single = _zip([("archive/data.pkl", mk.torch_like_pickle())])
    archive = zipfile.ZipFile(io.BytesIO(single))
    info = archive.infolist()[0]
    end = single.rfind(b"PK\x05\x06")
    directory_at = struct.unpack("<I", single[end + 16 : end + 20])[0]
    entry = single[directory_at:end]
    second = entry.replace(b"archive/data.pkl", b"archive/more.pkl")
    directory = entry + second
    record = single[end : end + 22]
    count = struct.pack("<H", 2)
    record = record[:8] + count + count + struct.pack("<I", len(directory)) + record[16:]
    assert info.header_offset == 0
    return single[:directory_at] + directory + record


def test_overlapping_entries_make_the_archive_unsafe() -> None:
    (finding,) = run(DETECTOR, "model.pt", _overlapping_zip())
    assert finding.unsafe is True
    assert "archive has entries whose data overlap (a zip bomb or a scanner evasion)" in finding.details[
        "unsafe_reasons"
    ]


def test_a_compressed_member_that_inflates_too_far_is_not_inflated() -> None:
    # 32 MiB of zeros behind a BINBYTES8 opcode compress to about 32 KiB
    body = b"\x80\x04\x8e" + struct.pack("<Q", 32 << 20) + b"\x00" * (32 << 20) + b"0" + mk.evil_pickle()[2:]
    data = _zip([("archive/data.pkl", body)], zipfile.ZIP_DEFLATED)
    started = time.process_time()
    (finding,) = run(DETECTOR, "model.pt", data)
    assert time.process_time() - started < 5  # refused from the directory, not inflated
    assert finding.unsafe is None
    assert finding.details["unscanned"].startswith("archive/data.pkl: would inflate")
    assert "over 100" in finding.details["unscanned"]


def test_archive_with_more_pickles_than_analysed_is_unscanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_ZIP_PICKLES", 3)
    members = [("archive/data.pkl", mk.torch_like_pickle())]
    members += [(f"archive/extra{i}.pkl", mk.torch_like_pickle()) for i in range(4)]
    (finding,) = run(DETECTOR, "model.pt", _zip(members))
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "archive holds 5 pickles; only the first 3 were analysed"
    assert len(finding.details["analysed"]) == 3


def test_archive_directory_over_the_entry_bound_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_ZIP_ENTRIES", 10)
    members = [("archive/data.pkl", mk.torch_like_pickle())] + [(f"archive/data/{i}", b"\x00") for i in range(20)]
    (finding,) = run(DETECTOR, "model.pt", _zip(members))
    assert finding.unsafe is None
    assert finding.details["unscanned"].startswith("archive lists 21 entries")


def test_opcode_flood_in_every_member_stops_at_the_file_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_FILE_OPCODES", 50_000)
    flood = b"\x80\x04" + b"N0" * 40_000 + b"N."
    members = [("archive/data.pkl", flood)] + [(f"archive/m{i}.pkl", flood) for i in range(8)]
    (finding,) = run(DETECTOR, "model.pt", _zip(members))
    assert finding.unsafe is None
    assert "stopped after 50000 opcodes in the file" in finding.details["unscanned"]


def test_dangerous_member_is_found_even_when_another_is_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_FILE_OPCODES", 50_000)
    flood = b"\x80\x04" + b"N0" * 20_000 + b"N."
    members = [("archive/data.pkl", flood), ("archive/evil.pkl", mk.evil_pickle())]
    (finding,) = run(DETECTOR, "model.pt", _zip(members))
    assert finding.unsafe is True
    assert finding.details["dangerous_globals"] == ["os.system"]


def test_time_budget_of_a_file_stops_the_analysis() -> None:
    flood = b"\x80\x04" + b"N0" * 200_000 + b"N."
    file = MemoryFile("model.pkl", flood)
    file.deadline = lambda: time.monotonic() - 1  # type: ignore[method-assign]
    (finding,) = DETECTOR.scan(file)
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "time budget of the file spent"
    assert "sha256" not in finding.details


def test_budget_is_shared_by_the_pickles_of_one_file() -> None:
    budget = Budget(opcodes=1000)
    first = scan_pickle(b"\x80\x04" + b"N0" * 300 + b"N.", budget=budget)
    assert first.complete
    second = scan_pickle(b"\x80\x04" + b"N0" * 300 + b"N.", budget=budget)
    assert (second.complete, second.limit, second.error) == (False, True, "stopped after 1000 opcodes in the file")


def test_big_keras_config_is_unscanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MAX_CONFIG_BYTES", 1024)
    layers = [{"class_name": "Dense", "config": {"name": f"d{i}"}} for i in range(100)]
    (finding,) = run(DETECTOR, "model.keras", mk.keras_zip(layers))
    assert finding.unsafe is None
    assert finding.details["unscanned"].startswith("config.json of ")


def test_encrypted_member_is_unscanned() -> None:
    # data that is really encrypted (no pickle in it), marked so in the local
    # header and the central directory entry
    data = bytearray(_zip([("archive/data.pkl", bytes(range(7, 256)))]))
    data[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    (finding,) = run(DETECTOR, "model.pt", bytes(data))
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "archive/data.pkl: marked encrypted; its data is not a readable pickle"


# --------------------------------------------------------------------------- headers


def _safetensors_header(count: int) -> bytes:
    header = {f"t{i}": {"dtype": "F32", "shape": [2], "data_offsets": [8 * i, 8 * i + 8]} for i in range(count)}
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * (8 * count)


def test_large_safetensors_header_is_read_incrementally() -> None:
    data = _safetensors_header(50_000)
    header = fmt.read_safetensors_header(io.BytesIO(data), len(data))
    assert header is not None
    assert (header["tensors"], header["parameters"], header["dtypes"]) == (50_000, 100_000, ["F32"])
    assert "incomplete" not in header


def test_safetensors_entry_names_with_separators_take_the_slow_path() -> None:
    header = {"a},\"b": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}, "c": {"dtype": "F32", "shape": []}}
    raw = json.dumps(header).encode() + b"  "
    data = struct.pack("<Q", len(raw)) + raw + b"\x00" * 16
    parsed = fmt.read_safetensors_header(io.BytesIO(data), len(data))
    assert parsed is not None
    assert (parsed["tensors"], parsed["dtypes"], parsed["parameters"]) == (2, ["F16", "F32"], 4)


def test_safetensors_tensor_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "MAX_SAFETENSORS_TENSORS", 1000)
    data = _safetensors_header(5000)
    header = fmt.read_safetensors_header(io.BytesIO(data), len(data))
    assert header is not None
    assert header["tensors"] == 1000
    assert header["incomplete"] == "stopped after 1000 tensors"


def test_safetensors_header_over_the_limit_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "MAX_SAFETENSORS_HEADER", 1000)
    data = _safetensors_header(100)
    (finding,) = run(DETECTOR, "model.safetensors", data)
    assert finding.format == "safetensors"
    assert finding.details["tensors"] is None
    assert finding.details["incomplete"].startswith("header of ")
    assert finding.unsafe is None
    assert "unscanned" not in finding.details  # a safetensors file holds no code


def test_safetensors_entry_longer_than_the_window_stops_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "MAX_SAFETENSORS_ENTRY", 4096)
    monkeypatch.setattr(fmt, "_HEADER_CHUNK", 1024)
    header = {"a": {"dtype": "F32", "shape": [1] * 5000, "data_offsets": [0, 4]}}
    raw = json.dumps(header).encode()
    data = struct.pack("<Q", len(raw)) + raw + b"\x00" * 4
    parsed = fmt.read_safetensors_header(io.BytesIO(data), len(data))
    assert parsed is not None
    assert parsed["incomplete"] == "an entry longer than 4096 bytes; not parsed further"


@pytest.mark.parametrize(
    "raw",
    [b'{"a": 1}', b'{"a": {"dtype": "F32", "shape": [-1]}}', b"[1, 2]", b'{"a": {"dtype": "F32", "shape": [1]}', b"{"],
)
def test_safetensors_lookalikes_are_not_safetensors(raw: bytes) -> None:
    data = struct.pack("<Q", len(raw)) + raw
    assert fmt.read_safetensors_header(io.BytesIO(data), len(data)) is None


def test_compression_ratio_bound_does_not_touch_small_members() -> None:
    small = zlib.compress(b"\x00" * 1000)
    assert len(small) < 100  # a high ratio, but under the floor: analysed as usual
    data = _zip([("archive/data.pkl", mk.torch_like_pickle() + b"\x00" * 100_000)], zipfile.ZIP_DEFLATED)
    (finding,) = run(DETECTOR, "model.pt", data)
    assert finding.unsafe is False


def test_catalogues_have_no_duplicate_keys() -> None:
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        duplicated = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert duplicated == [], f"line {node.start_mark.line + 1}: {duplicated}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    for name in ("pickle_allowlist", "model_formats"):
        text = resources.files("openaims.discovery.catalog").joinpath(f"{name}.yaml").read_text("utf-8")
        assert yaml.load(text, Strict)
