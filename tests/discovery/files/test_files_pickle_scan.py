"""Static pickle analysis. Pickles with dangerous references are assembled by
hand from opcodes; nothing in these tests is ever unpickled."""

from __future__ import annotations

import collections
import datetime
import io
import pickle
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openaims.discovery.pickle_scan import (
    DYNAMIC_GLOBAL,
    Verdict,
    classify,
    looks_like_pickle,
    scan_pickle,
)

# --------------------------------------------------------------------------- opcode assembly


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def ustr(value: str) -> bytes:
    raw = value.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def call_with_str(callable_ops: bytes, argument: str) -> bytes:
    """callable(argument) then STOP."""
    return callable_ops + ustr(argument) + b"\x85" + b"R" + b"."


def reduce_global(module: str, name: str, argument: str = "id", protocol: int = 2) -> bytes:
    return proto(protocol) + call_with_str(glob(module, name), argument)


def stack_global(module: str, name: str, argument: str = "1") -> bytes:
    return proto(4) + ustr(module) + ustr(name) + b"\x93" + ustr(argument) + b"\x85R."


def frame(body: bytes) -> bytes:
    return proto(4) + b"\x95" + struct.pack("<Q", len(body)) + body


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("protocol", range(0, 6))
def test_harmless_pickles_of_every_protocol(protocol: int) -> None:
    value = {
        "weights": [1.5, 2.5],
        "layers": collections.OrderedDict(a=1, b=(1, 2)),
        "ids": {1, 2, 3},
        "when": datetime.date(2024, 1, 2),
        "blob": b"\x00\x01" * 10,
        "name": "model",
    }
    report = scan_pickle(pickle.dumps(value, protocol=protocol))
    assert report.complete
    assert report.error is None
    assert report.pickles == 1
    assert report.protocol == (protocol if protocol >= 2 else 0)
    assert report.dangerous == ()
    assert report.unknown == ()
    assert not report.unsafe
    assert "collections.OrderedDict" in report.globals
    assert "datetime.date" in report.globals


@pytest.mark.parametrize(
    ("data", "dangerous"),
    [
        (reduce_global("os", "system"), ("os.system",)),
        (reduce_global("posix", "system", protocol=3), ("posix.system",)),
        (reduce_global("nt", "system", protocol=5), ("nt.system",)),
        (reduce_global("subprocess", "Popen"), ("subprocess.Popen",)),
        (reduce_global("builtins", "eval"), ("builtins.eval",)),
        (reduce_global("__builtin__", "exec"), ("builtins.exec",)),
        (reduce_global("builtins", "getattr"), ("builtins.getattr",)),
        (reduce_global("runpy", "run_path"), ("runpy.run_path",)),
        (reduce_global("importlib", "import_module"), ("importlib.import_module",)),
        (reduce_global("socket", "create_connection"), ("socket.create_connection",)),
        (reduce_global("shutil", "rmtree"), ("shutil.rmtree",)),
        (reduce_global("webbrowser", "open"), ("webbrowser.open",)),
        (reduce_global("pty", "spawn"), ("pty.spawn",)),
        (reduce_global("pip", "main"), ("pip.main",)),
        (reduce_global("torch.hub", "load"), ("torch.hub.load",)),
        (stack_global("builtins", "eval"), ("builtins.eval",)),
        (stack_global("os", "system"), ("os.system",)),
        (
            frame(ustr("subprocess") + ustr("check_output") + b"\x93" + ustr("ls") + b"\x85R."),
            ("subprocess.check_output",),
        ),
        # protocol 0, no PROTO opcode: c os\nsystem\n (S'id'\n tR.
        (glob("os", "system") + b"(S'id'\ntR.", ("os.system",)),
        # INST: calls os.system directly from a MARKed argument list
        (b"(S'id'\n" + b"i" + b"os\nsystem\n" + b".", ("os.system",)),
    ],
)
def test_dangerous_callables_are_found(data: bytes, dangerous: tuple[str, ...]) -> None:
    report = scan_pickle(data)
    assert report.dangerous == dangerous
    assert report.unsafe
    assert report.called == dangerous
    assert report.complete


def test_stack_global_through_the_memo() -> None:
    # the module and name strings are memoised, then fetched again with BINGET
    data = (
        proto(4)
        + ustr("builtins")
        + b"\x94"  # memo 0
        + ustr("exec")
        + b"\x94"  # memo 1
        + ustr("x")
        + b"0"  # noise, popped
        + b"h\x00"
        + b"h\x01"
        + b"\x93"
        + ustr("print(1)")
        + b"\x85R."
    )
    report = scan_pickle(data)
    assert report.dangerous == ("builtins.exec",)
    assert report.called == ("builtins.exec",)


def test_stack_global_with_put_and_long_binget() -> None:
    data = (
        proto(3)
        + ustr("os")
        + b"q\x05"  # BINPUT 5
        + ustr("system")
        + b"r"
        + struct.pack("<I", 70000)  # LONG_BINPUT
        + b"0"
        + b"0"
        + b"h\x05"
        + b"j"
        + struct.pack("<I", 70000)
        + b"\x93"
        + ustr("id")
        + b"\x85R."
    )
    assert scan_pickle(data).dangerous == ("os.system",)


def test_dynamic_stack_global_is_dangerous() -> None:
    # the name is not a constant string (a REDUCE result), so it cannot be resolved
    data = proto(4) + ustr("os") + glob("builtins", "str") + ustr("x") + b"\x85R" + b"\x93" + b"N\x85R."
    report = scan_pickle(data)
    assert DYNAMIC_GLOBAL in report.dangerous
    assert "builtins.str" in report.globals


def test_referenced_but_not_called_is_still_reported() -> None:
    # os.system placed in a list, never REDUCEd
    data = proto(2) + b"]" + glob("os", "system") + b"a."
    report = scan_pickle(data)
    assert report.dangerous == ("os.system",)
    assert report.called == ()
    assert report.unsafe


def test_newobj_and_obj_calls_are_tracked() -> None:
    newobj = proto(2) + glob("collections", "OrderedDict") + b")" + b"\x81."
    report = scan_pickle(newobj)
    assert report.called == ("collections.OrderedDict",)
    assert not report.unsafe
    obj = proto(1) + b"(" + glob("mypkg.models", "Net") + b"o."
    report = scan_pickle(obj)
    assert report.called == ("mypkg.models.Net",)
    assert report.unknown == ("mypkg.models.Net",)
    assert report.unsafe


def test_a_global_off_the_allowlist_makes_the_pickle_unsafe_with_the_reason() -> None:
    report = scan_pickle(reduce_global("mypkg.train", "Trainer"))
    assert report.unknown == ("mypkg.train.Trainer",)
    assert report.dangerous == ()
    assert report.unsafe
    assert report.reasons == ("imports mypkg.train.Trainer, which is not on the allowlist of safe globals",)


def test_allowlisted_estimator_is_safe() -> None:
    data = proto(4) + glob("sklearn.linear_model._logistic", "LogisticRegression") + b")\x81}b."
    report = scan_pickle(data)
    assert report.unknown == ()
    assert not report.unsafe


def test_several_pickles_in_one_stream() -> None:
    first = pickle.dumps({"a": 1}, protocol=2)
    second = reduce_global("os", "system")
    third = pickle.dumps([collections.OrderedDict()], protocol=4)
    report = scan_pickle(first + second + third)
    assert report.pickles == 3
    assert report.dangerous == ("os.system",)
    assert report.complete


def test_raw_data_after_the_last_pickle_is_not_an_error() -> None:
    data = pickle.dumps([1, 2], protocol=2) + b"\x00\x10\xff\xfe" * 100
    report = scan_pickle(data)
    assert (report.pickles, report.complete, report.dangerous) == (1, True, ())


@pytest.mark.parametrize("cut", [1, 3, 7, 8, 15, 19])
def test_truncated_pickle_keeps_what_was_seen(cut: int) -> None:
    data = reduce_global("os", "system")[:-cut]
    report = scan_pickle(data)
    assert not report.complete
    assert report.error is not None
    assert report.pickles == 0
    if cut <= 7:  # the GLOBAL (bytes 2..12 of 20) was read before the cut
        assert report.dangerous == ("os.system",)
    else:
        assert report.dangerous == ()


def test_opcode_limit_stops_the_analysis() -> None:
    data = proto(2) + b"]" + b"(" + b"K\x01" * 5000 + b"e" + glob("os", "system") + b"a."
    report = scan_pickle(data, max_opcodes=1000)
    assert not report.complete
    assert report.limit
    assert report.error == "stopped after 1000 opcodes of one pickle"
    assert report.dangerous == ()
    assert scan_pickle(data).dangerous == ("os.system",)


def test_huge_declared_argument_is_skipped_not_read_into_memory() -> None:
    # BINBYTES8 declaring 8 MiB, with all of it present, then a dangerous global
    payload = b"\x00" * (8 << 20)
    data = proto(4) + b"\x8e" + struct.pack("<Q", len(payload)) + payload + b"0" + reduce_global("os", "system")[2:]
    report = scan_pickle(io.BytesIO(data))
    assert report.dangerous == ("os.system",)
    assert report.complete
    # declared far beyond the data: truncated, no exception
    lying = proto(4) + b"\x8e" + struct.pack("<Q", 1 << 60) + b"abc"
    assert not scan_pickle(lying).complete


def test_long_protocol0_line_is_bounded() -> None:
    data = b"S'" + b"a" * (1 << 18)
    report = scan_pickle(data)
    assert not report.complete


def test_memo_limit_ends_the_analysis_as_a_bound_not_as_safe() -> None:
    data = proto(4) + ustr("os") + b"\x94" + ustr("system") + b"\x94" + b"h\x00h\x01\x93N\x85R."
    report = scan_pickle(data, max_memo=1)
    assert (report.complete, report.limit, report.dangerous) == (False, True, ())
    assert report.error == "more than 1 memo entries followed"
    assert scan_pickle(data).dangerous == ("os.system",)


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("os.system", Verdict.DANGEROUS),
        ("os.path.join", Verdict.DANGEROUS),
        ("subprocess.Popen", Verdict.DANGEROUS),
        ("builtins.eval", Verdict.DANGEROUS),
        ("builtins.open", Verdict.DANGEROUS),
        ("builtins.__import__", Verdict.DANGEROUS),
        ("sys.modules", Verdict.DANGEROUS),
        ("torch._utils._rebuild_tensor_v2", Verdict.SAFE),
        ("collections.OrderedDict", Verdict.SAFE),
        ("numpy.core.multiarray._reconstruct", Verdict.SAFE),
        ("numpy.dtypes.Float32DType", Verdict.SAFE),
        ("builtins.set", Verdict.SAFE),
        ("sklearn.tree.DecisionTreeClassifier", Verdict.UNKNOWN),
        ("ossify.thing", Verdict.UNKNOWN),
        ("systemd.x", Verdict.UNKNOWN),
    ],
)
def test_classification(name: str, verdict: Verdict) -> None:
    assert classify(name) is verdict


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (pickle.dumps([1], protocol=2)[:16], True),
        (pickle.dumps({}, protocol=3)[:16], True),
        (pickle.dumps("x", protocol=4)[:16], True),
        (pickle.dumps(1.0, protocol=5)[:16], True),
        (pickle.dumps([1], protocol=0)[:16], False),
        (b"\x80\x09}", False),
        (b"\x80\x02\xff", False),
        (b"\x80\x04\x95\x01", False),
        (b"PK\x03\x04", False),
        (b"", False),
    ],
)
def test_looks_like_pickle(head: bytes, expected: bool) -> None:
    assert looks_like_pickle(head) is expected


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    report = scan_pickle(data, max_opcodes=10_000)
    assert report.complete or report.error
    looks_like_pickle(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"(",
                b"t",
                b"R",
                b"\x93",
                b"\x94",
                b"h\x00",
                b"0",
                b"2",
                b"1",
                b"o",
                b"\x81",
                b"b",
                b"e",
                b"s",
                b"u",
                b"N",
                ustr("os"),
                ustr("system"),
                b"]",
                b"}",
                b"\x85",
                b".",
            ]
        ),
        max_size=40,
    )
)
def test_never_raises_on_opcode_soup(ops: list[bytes]) -> None:
    scan_pickle(proto(4) + b"".join(ops), max_opcodes=10_000)


def legacy_torch(main: bytes, raw: bytes) -> bytes:
    """torch.save(..., _use_new_zipfile_serialization=False): magic number,
    protocol version and sys_info pickles, the main pickle, the storage keys
    pickle, then raw storage bytes."""
    magic = proto(2) + b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + b"."
    version = proto(2) + b"M\xe9\x03."
    sys_info = proto(2) + b"}(" + ustr("little_endian") + b"\x88u."
    keys = proto(2) + b"]" + ustr("0") + b"a."
    return magic + version + sys_info + main + keys + raw


def test_legacy_torch_format_with_raw_storage() -> None:
    main = proto(2) + glob("collections", "OrderedDict") + b")R."
    # raw storage that starts like a GLOBAL opcode ('c') and contains a newline
    raw = b"c" + b"\x00" * 7 + b"junk\nmore\n" + b"\x00" * 64
    report = scan_pickle(legacy_torch(main, raw))
    assert report.pickles == 5
    assert report.complete
    assert report.globals == ("collections.OrderedDict",)
    assert report.unknown == ()


@pytest.mark.parametrize("elements", [128, 129, 384])
def test_legacy_torch_storage_size_that_looks_like_proto_is_data(elements: int) -> None:
    """A storage of 128 elements writes its size as 0x80 0x00 ...: a PROTO opcode with protocol 0,
    which pickle never writes; the bytes after it (the weights) must not make the file malformed."""
    main = proto(2) + glob("collections", "OrderedDict") + b")R."
    weights = struct.pack("<4f", -0.206, -0.233, 0.5, 1e-3) * 8
    report = scan_pickle(legacy_torch(main, struct.pack("<q", elements) + weights))
    assert (report.pickles, report.complete, report.error) == (5, True, None)


def test_legacy_torch_format_with_dangerous_main_pickle() -> None:
    report = scan_pickle(legacy_torch(reduce_global("os", "system"), b"\x00" * 32))
    assert report.pickles == 5
    assert report.dangerous == ("os.system",)


def test_dangerous_reference_in_trailing_data_is_kept() -> None:
    # a second, protocol 0 pickle that fails after referencing os.system
    data = pickle.dumps([1], protocol=2) + glob("os", "system") + b"(S'id'\ntR" + b"\xff"
    report = scan_pickle(data)
    assert report.dangerous == ("os.system",)
