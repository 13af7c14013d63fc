"""Static analysis of Python pickles, from their opcodes only.

A pickle is a small program for a stack machine; loading it can import any
module attribute (``GLOBAL``, ``STACK_GLOBAL``, ``INST``) and call it
(``REDUCE``, ``NEWOBJ``, ``OBJ``, ``INST``). This module walks the opcodes with
:func:`pickletools.genops`, simulating just enough of the stack (strings, memo
entries, globals) to know which callables a pickle references and which it
calls, and classifies each one as dangerous, safe or unknown from the lists in
``catalog/model_formats.yaml``. Nothing is ever unpickled, imported or called.

Bounded: at most ``max_opcodes`` opcodes and ``max_memo`` memo entries per
stream; large string and bytes arguments are skipped in chunks instead of being
read into memory, and lines (protocol 0) are read up to a limit. Malformed or
truncated data ends the analysis with what was found so far, never an
exception. Several pickles one after another in one stream (``joblib``,
repeated ``pickle.dump``) are all analysed.
"""

from __future__ import annotations

import enum
import io
import pickletools
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO, Any, cast

from openaims.discovery import catalog

#: Defaults; callers may pass their own.
MAX_OPCODES = 2_000_000
MAX_MEMO = 200_000
#: Arguments longer than this are skipped, not read into memory.
MAX_ARGUMENT_BYTES = 1 << 20
#: Longest protocol-0 line read.
MAX_LINE_BYTES = 1 << 16
#: Most pickles analysed in one stream.
MAX_PICKLES = 64

#: The highest protocol this analysis understands.
HIGHEST_PROTOCOL = 5

#: A dynamic STACK_GLOBAL (its module or name not a constant string) is reported as this.
DYNAMIC_GLOBAL = "<dynamic>.<dynamic>"


class Verdict(enum.StrEnum):
    DANGEROUS = "dangerous"
    SAFE = "safe"
    UNKNOWN = "unknown"


# Python 2 module names found in old pickles.
_RENAMES = {"__builtin__": "builtins", "copy_reg": "copyreg", "exceptions": "builtins"}


def normalise(module: str, name: str) -> str:
    """``module.name`` with Python 2 module names mapped to Python 3 ones."""
    module = _RENAMES.get(module, module)
    return f"{module}.{name}"


@cache
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    data = catalog.load("model_formats")["pickle"]
    return (
        frozenset(data["dangerous_modules"]),
        frozenset(data["dangerous_callables"]),
        frozenset(data["safe_callables"]),
        frozenset(data.get("safe_modules", ())),
    )


def classify(qualified: str) -> Verdict:
    """Whether calling or importing ``module.name`` is dangerous, known safe, or unknown."""
    dangerous_modules, dangerous_callables, safe_callables, safe_modules = _lists()
    if qualified == DYNAMIC_GLOBAL or qualified in dangerous_callables:
        return Verdict.DANGEROUS
    module, _, name = qualified.rpartition(".")
    # A name may be dotted (``os.path.join`` as module ``os`` name ``path.join``
    # in protocol 4); check every module prefix.
    parts = qualified.split(".")
    for i in range(1, len(parts)):
        if ".".join(parts[:i]) in dangerous_modules:
            return Verdict.DANGEROUS
    if qualified in safe_callables:
        return Verdict.SAFE
    for i in range(1, len(parts)):
        if ".".join(parts[:i]) in safe_modules:
            return Verdict.SAFE
    del module, name
    return Verdict.UNKNOWN


@dataclass(frozen=True, slots=True)
class PickleReport:
    """What a pickle stream references and calls."""

    #: Every ``module.name`` referenced, in order of first reference.
    globals: tuple[str, ...]
    #: Those that are called (REDUCE, NEWOBJ, OBJ, INST).
    called: tuple[str, ...]
    dangerous: tuple[str, ...]
    unknown: tuple[str, ...]
    #: Number of pickles found in the stream.
    pickles: int
    #: Highest PROTO seen (0 when the stream had none).
    protocol: int
    opcodes: int
    #: Whether every byte up to the last STOP was analysed.
    complete: bool
    #: Why the analysis ended early (truncated data, a limit), or None.
    error: str | None = None

    @property
    def unsafe(self) -> bool:
        return bool(self.dangerous)

    @property
    def valid(self) -> bool:
        """Whether at least one whole pickle was read."""
        return self.pickles > 0


class _Skipped(bytes):
    """Stands for a long argument that was skipped rather than read."""

    _length: int

    def __new__(cls, length: int) -> _Skipped:
        obj = super().__new__(cls, b"")
        obj._length = length
        return obj

    def __len__(self) -> int:
        return self._length


class _Reader:
    """A bounded reading view of a stream for :func:`pickletools.genops`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._pos = 0
        self._peeked = b""

    def tell(self) -> int:
        return self._pos

    def _raw(self, n: int) -> bytes:
        if self._peeked:
            head, self._peeked = self._peeked[:n], self._peeked[n:]
            if len(head) < n:
                head += self._stream.read(n - len(head))
            return head
        return self._stream.read(n)

    def peek(self, n: int) -> bytes:
        if len(self._peeked) < n:
            self._peeked += self._stream.read(n - len(self._peeked))
        return self._peeked[:n]

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = MAX_ARGUMENT_BYTES
        if n <= MAX_ARGUMENT_BYTES:
            data = self._raw(n)
            self._pos += len(data)
            return data
        skipped = 0
        while skipped < n:
            chunk = self._raw(min(MAX_ARGUMENT_BYTES, n - skipped))
            if not chunk:
                break
            skipped += len(chunk)
        self._pos += skipped
        return _Skipped(skipped)

    def readline(self) -> bytes:
        out = bytearray()
        while len(out) < MAX_LINE_BYTES:
            ch = self._raw(1)
            if not ch:
                break
            out += ch
            if ch == b"\n":
                break
        self._pos += len(out)
        return bytes(out)


_MARK = object()


@dataclass(frozen=True, slots=True)
class _Str:
    value: str


@dataclass(frozen=True, slots=True)
class _Global:
    name: str


_OTHER = object()

#: Bounds on the literal values the machine keeps (tuples, dicts).
_MAX_TUPLE = 16
_MAX_DICT = 64

#: joblib writes each NumPy array's raw bytes (or a nested pickle, for object
#: arrays) into the stream right after the BUILD of one of these.
_JOBLIB_WRAPPERS = frozenset(
    {"joblib.numpy_pickle.NumpyArrayWrapper", "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper"}
)
_DTYPE_CALLABLES = frozenset({"numpy.dtype", "numpy.core.multiarray.dtype", "numpy._core.multiarray.dtype"})
_DTYPE_STR = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)")


class _Obj:
    """The result of calling a global (REDUCE, NEWOBJ), with its BUILD state."""

    __slots__ = ("args", "name", "state")

    def __init__(self, name: str, args: Any) -> None:
        self.name = name
        self.args = args
        self.state: Any = None


class _Dict:
    """A dict literal (string keys only) built by EMPTY_DICT and SETITEM(S)."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def set(self, key: Any, value: Any) -> None:
        if isinstance(key, _Str) and len(self.items) < _MAX_DICT:
            self.items[key.value] = value


def _itemsize(dtype: Any) -> int | None:
    """Bytes per element of a pickled ``numpy.dtype`` (None: unknown or object)."""
    if not isinstance(dtype, _Obj) or dtype.name not in _DTYPE_CALLABLES:
        return None
    args = dtype.args
    code = args[0].value if isinstance(args, tuple) and args and isinstance(args[0], _Str) else None
    if code is None:
        return None
    state = dtype.state
    if isinstance(state, tuple) and len(state) > 5 and isinstance(state[5], int) and state[5] > 0:
        return state[5]
    match = _DTYPE_STR.match(code)
    if match is None:
        return None
    kind, digits = match.group(1), match.group(2)
    if kind == "O":
        return None
    if kind == "?":
        return 1
    if kind in "MmbiufcSaV" and digits:
        return int(digits)
    if kind == "U" and digits:
        return 4 * int(digits)
    return None


def _is_object_dtype(dtype: Any) -> bool:
    return (
        isinstance(dtype, _Obj)
        and isinstance(dtype.args, tuple)
        and bool(dtype.args)
        and isinstance(dtype.args[0], _Str)
        and dtype.args[0].value.lstrip("<>|=").startswith("O")
    )


_ERRORS = (ValueError, EOFError, struct.error, OverflowError, IndexError, KeyError, UnicodeError)


class _Machine:
    def __init__(self, max_opcodes: int, max_memo: int) -> None:
        self.max_opcodes = max_opcodes
        self.max_memo = max_memo
        self.globals: dict[str, None] = {}
        self.called: dict[str, None] = {}
        self.opcodes = 0
        self.protocol = 0
        self.reader: _Reader | None = None
        self.detail: str | None = None
        self.depth = 0

    def _reference(self, name: str) -> _Global:
        self.globals.setdefault(name, None)
        return _Global(name)

    def _call(self, value: Any) -> None:
        if isinstance(value, _Global):
            self.called.setdefault(value.name, None)

    def run(self, reader: _Reader) -> str | None:
        """Analyse one pickle; None when it ended at STOP, else the reason."""
        self.reader = reader
        stack: list[Any] = []
        memo: dict[int, Any] = {}
        ops: Iterator[tuple[pickletools.OpcodeInfo, Any, int | None]]
        ops = pickletools.genops(cast("IO[bytes]", reader))
        try:
            for op, arg, _pos in ops:
                self.opcodes += 1
                if self.opcodes > self.max_opcodes:
                    return f"stopped after {self.max_opcodes} opcodes"
                if not self._step(op, arg, stack, memo):
                    detail, self.detail = self.detail, None
                    return detail or f"malformed pickle at opcode {op.name}"
                if op.name == "STOP":
                    return None
        except _ERRORS as exc:
            return f"truncated or malformed pickle: {type(exc).__name__}"
        return "truncated pickle (no STOP)"

    def _pop_to_mark(self, stack: list[Any]) -> list[Any] | None:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1 :]
                del stack[i:]
                return items
        return None

    def _step(self, op: pickletools.OpcodeInfo, arg: Any, stack: list[Any], memo: dict[int, Any]) -> bool:
        name = op.name
        if name == "PROTO":
            self.protocol = max(self.protocol, int(arg))
            return True
        if name in {"GLOBAL", "INST"}:
            module, _, attr = str(arg).partition(" ")
            value = self._reference(normalise(module, attr))
            if name == "INST":
                if self._pop_to_mark(stack) is None:
                    return False
                self._call(value)
                stack.append(_OTHER)
            else:
                stack.append(value)
            return True
        if name == "STACK_GLOBAL":
            if len(stack) < 2:
                return False
            attr, module = stack.pop(), stack.pop()
            if isinstance(module, _Str) and isinstance(attr, _Str):
                stack.append(self._reference(normalise(module.value, attr.value)))
            else:
                stack.append(self._reference(DYNAMIC_GLOBAL))
            return True
        if name in {"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE"}:
            stack.append(_Str(arg) if isinstance(arg, str) and not isinstance(arg, _Skipped) else _OTHER)
            return True
        if name in {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"}:
            stack.append(arg if isinstance(arg, int) and abs(arg) < 1 << 63 else _OTHER)
            return True
        if name in {"NONE", "NEWTRUE", "NEWFALSE"}:
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
            return True
        if name == "EMPTY_TUPLE":
            stack.append(())
            return True
        if name in {"TUPLE1", "TUPLE2", "TUPLE3"}:
            count = int(name[-1])
            if len(stack) < count or any(v is _MARK for v in stack[-count:]):
                return False
            values = tuple(stack[-count:])
            del stack[-count:]
            stack.append(values)
            return True
        if name == "TUPLE":
            items_list = self._pop_to_mark(stack)
            if items_list is None:
                return False
            stack.append(tuple(items_list) if len(items_list) <= _MAX_TUPLE else _OTHER)
            return True
        if name == "EMPTY_DICT":
            stack.append(_Dict())
            return True
        if name == "SETITEM":
            if len(stack) < 3 or _MARK in (stack[-1], stack[-2], stack[-3]):
                return False
            value, key = stack.pop(), stack.pop()
            if isinstance(stack[-1], _Dict):
                stack[-1].set(key, value)
            return True
        if name == "SETITEMS":
            pairs = self._pop_to_mark(stack)
            if pairs is None or not stack or stack[-1] is _MARK:
                return False
            if isinstance(stack[-1], _Dict):
                for i in range(0, len(pairs) - 1, 2):
                    stack[-1].set(pairs[i], pairs[i + 1])
            return True
        if name == "BUILD":
            if len(stack) < 2 or stack[-1] is _MARK or stack[-2] is _MARK:
                return False
            state = stack.pop()
            target = stack[-1]
            if isinstance(target, _Obj):
                target.state = state
                if target.name in _JOBLIB_WRAPPERS:
                    return self._joblib_array(state)
            return True
        if name in {"PUT", "BINPUT", "LONG_BINPUT"}:
            if not stack or stack[-1] is _MARK:
                return False
            if len(memo) < self.max_memo or arg in memo:
                memo[int(arg)] = stack[-1]
            return True
        if name == "MEMOIZE":
            if not stack or stack[-1] is _MARK:
                return False
            if len(memo) < self.max_memo:
                memo[len(memo)] = stack[-1]
            return True
        if name in {"GET", "BINGET", "LONG_BINGET"}:
            stack.append(memo.get(int(arg), _OTHER))
            return True
        if name == "DUP":
            if not stack:
                return False
            stack.append(stack[-1])
            return True
        if name in {"EXT1", "EXT2", "EXT4"}:
            stack.append(self._reference(f"<extension>.{int(arg)}"))
            return True
        if name in {"REDUCE", "NEWOBJ"}:
            if len(stack) < 2 or stack[-1] is _MARK or stack[-2] is _MARK:
                return False
            args = stack.pop()
            target = stack.pop()
            self._call(target)
            stack.append(_Obj(target.name, args) if isinstance(target, _Global) else _OTHER)
            return True
        if name == "NEWOBJ_EX":
            if len(stack) < 3:
                return False
            stack.pop()
            stack.pop()
            self._call(stack.pop())
            stack.append(_OTHER)
            return True
        if name == "OBJ":
            items = self._pop_to_mark(stack)
            if not items:
                return False
            self._call(items[0])
            stack.append(_OTHER)
            return True
        return self._generic(op, stack)

    def _joblib_array(self, state: Any) -> bool:
        """Step over the array data joblib wrote after a NumpyArrayWrapper."""
        reader = self.reader
        if reader is None or not isinstance(state, _Dict):
            self.detail = "joblib array wrapper without a readable state"
            return False
        dtype = state.items.get("dtype")
        if _is_object_dtype(dtype):
            if self.depth >= 4:
                self.detail = "joblib arrays nested too deeply"
                return False
            self.depth += 1
            stack_reader = self.reader
            reason = self.run(reader)  # object arrays are a pickle of their own
            self.reader = stack_reader
            self.depth -= 1
            if reason is not None:
                self.detail = f"joblib object array: {reason}"
                return False
            return True
        shape = state.items.get("shape")
        itemsize = _itemsize(dtype)
        if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
            self.detail = "joblib array of unknown shape"
            return False
        if itemsize is None:
            self.detail = "joblib array of unknown element size"
            return False
        if isinstance(state.items.get("numpy_array_alignment_bytes"), int):
            pad = reader.read(1)
            if len(pad) != 1 or len(reader.read(pad[0])) != pad[0]:
                self.detail = "truncated joblib array padding"
                return False
        size = itemsize
        for dim in shape:
            size *= dim
        if len(reader.read(size)) != size:
            self.detail = "truncated joblib array data"
            return False
        return True

    def _generic(self, op: pickletools.OpcodeInfo, stack: list[Any]) -> bool:
        before = op.stack_before
        marked = any(s is pickletools.markobject for s in before)
        if marked:
            if self._pop_to_mark(stack) is None:
                return False
            count = next(i for i, s in enumerate(before) if s is pickletools.markobject)
        else:
            count = len(before)
        if len(stack) < count:
            return False
        if count:
            del stack[-count:]
        for item in op.stack_after:
            stack.append(_MARK if item is pickletools.markobject else _OTHER)
        return True


def _as_stream(data: bytes | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data


def scan_pickle(
    data: bytes | IO[bytes],
    *,
    max_opcodes: int = MAX_OPCODES,
    max_memo: int = MAX_MEMO,
    max_pickles: int = MAX_PICKLES,
) -> PickleReport:
    """Analyse every pickle in ``data`` (bytes or a binary stream), statically."""
    reader = _Reader(_as_stream(data))
    machine = _Machine(max_opcodes, max_memo)
    pickles = 0
    error: str | None = None
    while pickles < max_pickles:
        if pickles:
            head = reader.peek(2)
            if not head:
                break
            led_by_proto = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= HIGHEST_PROTOCOL
            if not led_by_proto and head[:1] not in _OPENING_OPCODES:
                break  # bytes after the last pickle that are not a pickle (raw tensor data)
        else:
            led_by_proto = True
        seen_globals, seen_called = dict(machine.globals), dict(machine.called)
        reason = machine.run(reader)
        if reason is None:
            pickles += 1
            continue
        if pickles and not led_by_proto:
            # trailing data that merely started like an opcode: forget what it
            # seemed to reference, unless that is dangerous (a loader reading on
            # would run it before failing)
            machine.globals = seen_globals | {g: None for g in machine.globals if classify(g) is Verdict.DANGEROUS}
            machine.called = seen_called | {g: None for g in machine.called if g in machine.globals}
            break
        error = reason
        break
    dangerous = tuple(g for g in machine.globals if classify(g) is Verdict.DANGEROUS)
    unknown = tuple(g for g in machine.globals if classify(g) is Verdict.UNKNOWN)
    return PickleReport(
        globals=tuple(machine.globals),
        called=tuple(machine.called),
        dangerous=dangerous,
        unknown=unknown,
        pickles=pickles,
        protocol=machine.protocol,
        opcodes=machine.opcodes,
        complete=error is None,
        error=error,
    )


def looks_like_pickle(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts like a binary pickle:
    PROTO 2..5 followed by an opcode that can open a pickle."""
    if len(head) < 3 or head[0] != 0x80 or not 2 <= head[1] <= HIGHEST_PROTOCOL:
        return False
    nxt = head[2:3]
    if nxt == b"\x95":  # FRAME (protocol 4+): the opcode after the 8-byte length
        if len(head) < 12 or head[1] < 4:
            return False
        nxt = head[11:12]
    return nxt in _OPENING_OPCODES


#: Opcodes a real pickle's first instruction (after PROTO/FRAME) is one of.
_OPENING_OPCODES = frozenset(
    bytes([c]) for c in b"}]()NKJMIL\x88\x89\x8a\x8bcCBXU\x8c\x8d\x8e\x8fGF\x93\x82\x83\x84VST\x96\x97P"
)
