"""Every global of the published pickle-scanner bypasses, in every way a pickle can
import and call it, is reported unsafe; so are the structural tricks (a name computed
while loading, calling a computed value, BUILD on a global). The pickles are assembled
here from opcodes and never loaded."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections.abc import Callable

import pytest
from tests.discovery.files import modelkit as mk
from tests.discovery.files.conftest import run
from tests.discovery.files.pickle_bypasses import ADVISORIES, ALL, MODELSCAN, PICKLESCAN

from openaims.discovery.detectors.model_files import ModelFileDetector
from openaims.discovery.pickle_scan import allowlist, classify_pair, normalise, scan_pickle

DETECTOR = ModelFileDetector()


def _line_str(value: str) -> bytes:
    return b"S'" + value.encode() + b"'\n"


def _short(value: str) -> bytes:
    raw = value.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def global_reduce_p0(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode() + b"(" + _line_str("id") + b"tR."


def global_reduce_p2(module: str, name: str) -> bytes:
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x02\x00\x00\x00id\x85R."


def stack_global_p4(module: str, name: str) -> bytes:
    body = _short(module) + b"\x94" + _short(name) + b"\x94\x93\x94" + _short("id") + b"\x85R\x94."
    return b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body


def stack_global_memo(module: str, name: str) -> bytes:
    # the strings are memoised first and fetched back, as hand-written exploits do
    return (
        b"\x80\x04"
        + _short(module)
        + b"\x94"
        + _short(name)
        + b"\x940"
        + b"0"
        + b"h\x00h\x01\x93"
        + _short("id")
        + b"\x85R."
    )


def inst_p0(module: str, name: str) -> bytes:
    return b"(" + _line_str("id") + b"i" + f"{module}\n{name}\n".encode() + b"."


def obj_p1(module: str, name: str) -> bytes:
    return b"(c" + f"{module}\n{name}\n".encode() + b"X\x02\x00\x00\x00ido."


def newobj_p2(module: str, name: str) -> bytes:
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")\x81."


def referenced_only(module: str, name: str) -> bytes:
    # imported and kept in a list, never called: the import alone runs module code
    return b"\x80\x02]c" + f"{module}\n{name}\n".encode() + b"a."


def after_benign_content(module: str, name: str) -> bytes:
    benign = pickle.dumps({"weights": [1.0, 2.0], "epoch": 3}, protocol=2)[2:-1] + b"0"
    return b"\x80\x02" + benign + global_reduce_p2(module, name)[2:]


def protocol_0_memoised(module: str, name: str) -> bytes:
    # no PROTO, text strings memoised and fetched back, bytes after STOP (modelscan's
    # malicious14, picklescan's malicious11 and malicious-invalid-bytes)
    strings = b"V" + module.encode() + b"\np2\n0V" + name.encode() + b"\np3\n0Vtorch\np0\n0VLongStorage\np1\n0"
    return strings + b"g2\ng3\n\x93(Vid\ntR.\n\n\t\t"


def protocol_0_quoted(module: str, name: str) -> bytes:
    # no PROTO, quoted strings and STACK_GLOBAL (picklescan's malicious23)
    return _line_str(module) + _line_str(name) + b"\x93" + _line_str("id") + b"\x85R."


def second_pickle_framed(module: str, name: str) -> bytes:
    # a harmless pickle, then one that opens with FRAME and no PROTO: an unpickler
    # reading on (as the legacy PyTorch format does) runs it
    body = b"c" + f"{module}\n{name}\n".encode() + b"(" + _line_str("id") + b"tR."
    return pickle.dumps([1, 2], protocol=2) + b"\x95" + struct.pack("<Q", len(body)) + body


def second_pickle_protocol_1(module: str, name: str) -> bytes:
    # a harmless pickle, then one led by PROTO 1 (legal, though no pickler writes it)
    return pickle.dumps([1, 2], protocol=2) + b"\x80\x01" + global_reduce_p2(module, name)[2:]


BUILDERS: dict[str, Callable[[str, str], bytes]] = {
    "GLOBAL+REDUCE p0": global_reduce_p0,
    "GLOBAL+REDUCE p2": global_reduce_p2,
    "STACK_GLOBAL p4 framed": stack_global_p4,
    "STACK_GLOBAL via memo": stack_global_memo,
    "INST": inst_p0,
    "OBJ": obj_p1,
    "NEWOBJ": newobj_p2,
    "referenced only": referenced_only,
    "after benign content": after_benign_content,
    "protocol 0 memoised": protocol_0_memoised,
    "protocol 0 quoted": protocol_0_quoted,
    "second pickle framed": second_pickle_framed,
    "second pickle protocol 1": second_pickle_protocol_1,
}


def test_the_lists_were_read_whole() -> None:
    assert len(ADVISORIES) >= 45
    assert len(ALL) >= 100
    assert set(MODELSCAN) <= set(ALL)
    assert set(PICKLESCAN) <= set(ALL)


@pytest.mark.parametrize(("module", "name"), ALL, ids=[f"{m}.{n}" for m, n in ALL])
def test_no_bypass_global_is_on_the_allowlist(module: str, name: str) -> None:
    assert classify_pair(module, name).value in {"dangerous", "unknown"}


@pytest.mark.parametrize(("module", "name"), ALL, ids=[f"{m}.{n}" for m, n in ALL])
@pytest.mark.parametrize("way", list(BUILDERS))
def test_every_bypass_global_is_unsafe_every_way(way: str, module: str, name: str) -> None:
    report = scan_pickle(BUILDERS[way](module, name))
    qualified = normalise(module, name)
    assert report.unsafe, (way, qualified)
    assert qualified in report.dangerous + report.unknown
    assert any(qualified in reason for reason in report.reasons)


@pytest.mark.parametrize("way", list(BUILDERS))
def test_every_way_is_unsafe_as_a_file_under_each_pickle_extension(way: str) -> None:
    missed = []
    for module, name in ALL:
        qualified = normalise(module, name)
        for path in ("model.pkl", "model.pt", "pytorch_model.bin", "model.ckpt", "model.joblib"):
            findings = run(DETECTOR, path, BUILDERS[way](module, name))
            reasons = findings[0].details.get("unsafe_reasons", []) if findings else []
            if not findings or findings[0].unsafe is not True or not any(qualified in r for r in reasons):
                missed.append((path, qualified))
    assert missed == []


def _torch_zip_with(data_pkl: bytes) -> bytes:
    return mk.torch_zip(data_pkl)


@pytest.mark.parametrize(("module", "name"), ALL, ids=[f"{m}.{n}" for m, n in ALL])
def test_every_bypass_global_makes_the_model_file_unsafe(module: str, name: str) -> None:
    qualified = normalise(module, name)
    inner = global_reduce_p2(module, name)
    cases = {
        "model.pkl": stack_global_p4(module, name),
        "model.pt": _torch_zip_with(mk.torch_like_pickle(extra=inner[2:-1] + b"0")),
        "model.joblib": mk.joblib_like((2,), "f8", b"\x00" * 16, after=_short("x") + inner[2:-1]),
        "arrays.npy": mk.npy("|O", (1,), inner),
    }
    for path, data in cases.items():
        (finding,) = run(DETECTOR, path, data)
        assert finding.unsafe is True, (path, qualified, finding.details)
        reasons = finding.details["unsafe_reasons"]
        assert any(qualified in reason for reason in reasons), (path, reasons)


# --------------------------------------------------------------------------- structural tricks


def test_a_name_computed_while_loading_is_unsafe() -> None:
    # STACK_GLOBAL whose name is the result of calling an allowlisted builtins.str
    data = b"\x80\x04" + _short("os") + b"cbuiltins\nstr\n" + _short("system") + b"\x85R\x93N\x85R."
    report = scan_pickle(data)
    assert report.unsafe
    assert "imports a global whose name is computed while loading (STACK_GLOBAL)" in report.reasons


def test_calling_a_computed_value_is_unsafe() -> None:
    # builtins.dict() is allowlisted; calling its result is not a call of an imported global
    data = b"\x80\x02cbuiltins\ndict\n)R)R."
    report = scan_pickle(data)
    assert report.unknown == ()
    assert report.dangerous == ()
    assert report.reasons == ("calls a value computed while loading, not an imported global",)


def test_build_on_a_global_is_unsafe() -> None:
    # the shape of sys_module_override_sploit: BUILD on the torch._utils module object,
    # and the same on an allowlisted class
    module_build = b"\x80\x04" + _short("torch") + _short("_utils") + b"\x93}" + _short("x") + _short("y") + b"sb."
    report = scan_pickle(module_build)
    assert report.unsafe
    assert "imports torch._utils, which is not on the allowlist of safe globals" in report.reasons
    class_build = b"\x80\x02ccollections\nOrderedDict\nN}X\x01\x00\x00\x00aK\x01s\x86b."
    report = scan_pickle(class_build)
    assert report.unknown == ()
    assert report.dangerous == ()
    assert report.reasons == ("changes collections.OrderedDict itself while loading (BUILD on a global)",)


def test_extension_registry_codes_are_unsafe() -> None:
    report = scan_pickle(b"\x80\x02\x82\x01)R.")
    assert report.unsafe
    assert report.unknown == ("<extension>.1",)


def test_dangerous_call_before_a_broken_memo_is_still_found() -> None:
    # keyerror-exploit: os.system runs, then a GET of a memo slot never set
    data = b"\x80\x04cos\nsystem\nV echo\n\x85R0" + _short("os") + b"\x94h\x03."
    report = scan_pickle(data)
    assert report.dangerous == ("os.system",)
    assert report.unsafe
    assert not report.complete


def test_python2_module_names_are_mapped_before_the_allowlist() -> None:
    assert classify_pair("__builtin__", "set").value == "safe"
    assert classify_pair("copy_reg", "_reconstructor").value == "safe"
    assert classify_pair("commands", "getoutput").value in {"dangerous", "unknown"}
    # "httplib" is imported as http.client by a Python 3 unpickler
    assert normalise("httplib", "HTTPSConnection") == "http.client.HTTPSConnection"


def test_allowlist_and_denylist_do_not_overlap() -> None:
    clashes = [f"{m}.{n}" for m, n in allowlist() if classify_pair(m, n).value != "safe"]
    assert clashes == []


def test_zip_member_with_an_unknown_global_names_the_member() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", mk.torch_like_pickle())
        archive.writestr("archive/extra.pkl", global_reduce_p2("mypkg.hooks", "on_load"))
    (finding,) = run(DETECTOR, "model.pt", buf.getvalue())
    assert finding.unsafe is True
    assert finding.details["unsafe_reasons"] == [
        "archive/extra.pkl: imports mypkg.hooks.on_load, which is not on the allowlist of safe globals"
    ]


# --------------------------------------------------------------------------- archive tricks


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return bytearray(buf.getvalue())


def _headers(data: bytearray) -> tuple[int, int]:
    """Offsets of the first local header and the first central directory header."""
    return data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")


def flag_bits(bits: int) -> Callable[[bytearray], None]:
    def patch(data: bytearray) -> None:
        local, central = _headers(data)
        data[local + 6] |= bits
        data[central + 8] |= bits

    return patch


def bad_crc(data: bytearray) -> None:
    local, central = _headers(data)
    for at in (local + 14, central + 16):
        data[at] ^= 0xFF


def local_name_differs(data: bytearray) -> None:
    # the local header's name is changed after the directory's (same length)
    local, _central = _headers(data)
    data[local + 30 + 4] ^= 0x01


TRICKS: dict[str, tuple[str, Callable[[bytearray], None]]] = {
    "marked encrypted": ("archive/data.pkl", flag_bits(0x01)),
    "marked patched data": ("archive/data.pkl", flag_bits(0x20)),
    "marked strongly encrypted": ("archive/data.pkl", flag_bits(0x40)),
    "bad CRC": ("archive/data.pkl", bad_crc),
    "local name differs": ("archive/data.pkl", local_name_differs),
    "pickle not named data.pkl": ("model/config.pkl", lambda data: None),
    "pickle in a member not named .pkl": ("data.txt", lambda data: None),
}


@pytest.mark.parametrize("trick", list(TRICKS))
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_archive_tricks_do_not_hide_a_bypass_global(trick: str, compression: int) -> None:
    member, patch = TRICKS[trick]
    missed = []
    for module, name in ALL:
        qualified = normalise(module, name)
        archive = _zip({member: stack_global_p4(module, name)}, compression)
        patch(archive)
        for path in ("model.pt", "model.zip", "model.pkl"):
            findings = run(DETECTOR, path, bytes(archive))
            reasons = findings[0].details.get("unsafe_reasons", []) if findings else []
            if not findings or findings[0].unsafe is not True or not any(qualified in r for r in reasons):
                missed.append((path, qualified, reasons))
    assert missed == []


def test_a_member_a_zip_reader_refuses_is_named_as_an_evasion() -> None:
    archive = _zip({"archive/data.pkl": mk.torch_like_pickle()})
    bad_crc(archive)
    (finding,) = run(DETECTOR, "model.pt", bytes(archive))
    assert finding.unsafe is True
    assert finding.details["unsafe_reasons"] == [
        "archive/data.pkl: a zip reader refuses this member (Bad CRC-32 for file 'archive/data.pkl'), "
        "but a loader that ignores that reads a pickle from it (a scanner evasion)"
    ]


def test_plain_archives_are_not_model_files() -> None:
    documents = _zip({"README.md": b"# notes\n", "data/table.csv": b"a,b\n1,2\n"}, zipfile.ZIP_DEFLATED)
    assert run(DETECTOR, "docs.zip", bytes(documents)) == []
    encrypted = _zip({"notes.txt": bytes(range(256))})
    flag_bits(0x01)(encrypted)
    assert run(DETECTOR, "private.zip", bytes(encrypted)) == []


def test_an_archive_of_benign_pickles_under_any_member_name_is_safe() -> None:
    benign = pickle.dumps({"weights": [1.0, 2.0], "classes": ["a", "b"]}, protocol=4)
    archive = _zip({"model/config.pkl": benign, "state.bin": benign, "README.txt": b"weights\n"})
    (finding,) = run(DETECTOR, "bundle.zip", bytes(archive))
    assert (finding.unsafe, finding.format, finding.details["analysed"]) == (False, "pickle", ["model/config.pkl", "state.bin"])


def test_a_refused_member_is_inflated_only_up_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from openaims.discovery.detectors import model_files

    monkeypatch.setattr(model_files, "MAX_RAW_MEMBER_BYTES", 4096)
    big = pickle.dumps({"weights": [0.0] * 10_000}, protocol=4)
    archive = _zip({"archive/data.pkl": big}, zipfile.ZIP_DEFLATED)
    flag_bits(0x01)(archive)
    (finding,) = run(DETECTOR, "model.pt", bytes(archive))
    assert finding.unsafe is None
    assert finding.details["unscanned"] == "archive/data.pkl: marked encrypted; inflates to more than 4 KiB"
