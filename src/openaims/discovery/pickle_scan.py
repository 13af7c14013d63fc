"""Static analysis of Python pickles, from their opcodes only.

A pickle is a small program for a stack machine; loading it can import any
module attribute (``GLOBAL``, ``STACK_GLOBAL``, ``INST``) and call it
(``REDUCE``, ``NEWOBJ``, ``OBJ``, ``INST``). This module decodes the opcodes
itself and simulates the unpickler's stack (with its marks and memo) just far
enough to know which globals a pickle imports and what it calls. Nothing is
ever unpickled, imported or called.

The verdict is by **allowlist** (``catalog/pickle_allowlist.yaml``): a pickle
is safe only when every global it imports is on the list of what PyTorch,
NumPy, SciPy, scikit-learn, joblib and standard-library reconstruction needs.
Any other global, a ``STACK_GLOBAL`` whose name is computed while loading, a
call of something that is not an imported global, a ``BUILD`` that would
change a global, and an extension-registry code make the pickle unsafe, each
with a reason. Globals known to run code (``catalog/model_formats.yaml``) are
named as such.

Bounded and linear: each opcode is decoded once; at most ``max_opcodes``
opcodes per stream and the :class:`Budget` of the whole file (opcodes and
wall-clock time, shared by every pickle of one file) are examined; the memo,
the stack and the values kept for the analysis are capped. Long arguments are
skipped in chunks, never read into memory. Malformed or truncated data ends the
analysis with what was found so far, never an exception. When a bound stops
the analysis, :attr:`PickleReport.limit` says which, and the pickle can be
neither safe nor fully judged.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import enum
import io
import lzma
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

from openaims.discovery import catalog

#: Defaults; callers may pass their own.
MAX_OPCODES = 2_000_000
MAX_MEMO = 1_000_000
#: Most values on the unpickler's stack (marks included).
MAX_STACK = 1_000_000
#: Most values the analysis keeps (strings, tuples, dict items, call results); beyond
#: this, new values are not tracked and a name built from them cannot be resolved.
MAX_KEPT = 2_000_000
#: Arguments longer than this are skipped, not read into memory.
MAX_ARGUMENT_BYTES = 1 << 20
#: Strings longer than this are not kept (no module or attribute name is this long).
MAX_KEPT_STRING = 512
#: Longest protocol-0 line read.
MAX_LINE_BYTES = 1 << 16
#: Most pickles analysed in one stream.
MAX_PICKLES = 64
#: Most distinct globals recorded for one stream.
MAX_GLOBALS = 10_000
#: Most unsafe reasons kept per report.
MAX_REASONS = 20

#: The highest protocol this analysis understands.
HIGHEST_PROTOCOL = 5

#: A dynamic STACK_GLOBAL (its module or name not a constant string) is reported as this.
DYNAMIC_GLOBAL = "<dynamic>.<dynamic>"

_CHUNK = 1 << 16
#: What reading a damaged archive member or compressed stream may raise.
_STREAM_ERRORS = (OSError, EOFError, RuntimeError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)
#: How often (in opcodes) the clock is read.
_CLOCK_EVERY = 1 << 14


class Verdict(enum.StrEnum):
    DANGEROUS = "dangerous"
    SAFE = "safe"
    UNKNOWN = "unknown"


class LimitReached(Exception):
    """A bound of the analysis was reached; ``str()`` says which."""


class Budget:
    """What analysing one file may spend, shared by all its pickles (the members of
    a PyTorch archive, the arrays of a joblib file): opcodes, and wall-clock time."""

    def __init__(self, opcodes: int = 2 * MAX_OPCODES, deadline: float | None = None) -> None:
        self.opcodes = opcodes
        self.total_opcodes = opcodes
        #: ``time.monotonic()`` after which the analysis stops.
        self.deadline = deadline

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitReached("time budget of the file spent")

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


# --------------------------------------------------------------------------- classification


def normalise(module: str, name: str) -> str:
    """``module.name`` as a Python 3 unpickler resolves it (Python 2 names mapped)."""
    module, name = _mapped(module, name)
    return f"{module}.{name}"


def _mapped(module: str, name: str) -> tuple[str, str]:
    """What ``Unpickler.find_class`` imports for ``module``/``name`` (fix_imports)."""
    pair = _compat_pickle.NAME_MAPPING.get((module, name))
    if pair is not None:
        return pair
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


@cache
def _denylist() -> tuple[frozenset[str], frozenset[str]]:
    data = catalog.load("model_formats")["pickle"]
    return frozenset(data["dangerous_modules"]), frozenset(data["dangerous_callables"])


@cache
def allowlist() -> frozenset[tuple[str, str]]:
    """Every ``(module, name)`` a pickle may import and still be safe."""
    data = catalog.load("pickle_allowlist")["globals"]
    return frozenset((str(module), str(name)) for module, names in data.items() for name in names)


def classify_pair(module: str, name: str) -> Verdict:
    """Whether importing ``name`` from ``module`` is known dangerous, allowlisted, or neither."""
    module, name = _mapped(module, name)
    dangerous_modules, dangerous_callables = _denylist()
    qualified = f"{module}.{name}"
    if qualified in dangerous_callables:
        return Verdict.DANGEROUS
    parts = module.split(".")
    if any(".".join(parts[:i]) in dangerous_modules for i in range(1, len(parts) + 1)):
        return Verdict.DANGEROUS
    if (module, name) in allowlist():
        return Verdict.SAFE
    return Verdict.UNKNOWN


def classify(qualified: str) -> Verdict:
    """:func:`classify_pair` for ``module.name`` split at its last dot."""
    if qualified == DYNAMIC_GLOBAL:
        return Verdict.DANGEROUS
    module, _, name = qualified.rpartition(".")
    return classify_pair(module, name)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class PickleReport:
    """What a pickle stream imports and calls, and why it is unsafe."""

    #: Every ``module.name`` imported, in order of first reference.
    globals: tuple[str, ...]
    #: Those that are called (REDUCE, NEWOBJ, OBJ, INST).
    called: tuple[str, ...]
    #: Imported globals known to run code, read files or reach the network.
    dangerous: tuple[str, ...]
    #: Imported globals on neither list: not allowlisted, so unsafe.
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
    #: Why loading it is unsafe, one line each (dangerous and unknown globals included).
    reasons: tuple[str, ...] = ()
    #: Whether ``error`` is a bound of the analysis (opcodes, memory, time), not bad data.
    limit: bool = False

    @property
    def unsafe(self) -> bool:
        return bool(self.reasons or self.dangerous or self.unknown)

    @property
    def valid(self) -> bool:
        """Whether at least one whole pickle was read."""
        return self.pickles > 0


# --------------------------------------------------------------------------- reading


class _Malformed(Exception):
    pass


class _Truncated(Exception):
    pass


class _Source:
    """A stream read in chunks, with positions, line reading and skipping."""

    __slots__ = ("buf", "consumed", "pos", "stream")

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.buf = b""
        self.pos = 0
        #: Bytes of the stream before ``buf``.
        self.consumed = 0

    def tell(self) -> int:
        return self.consumed + self.pos

    def _fill(self, n: int) -> bool:
        """At least ``n`` unread bytes in ``buf`` (False at the end of the stream)."""
        have = len(self.buf) - self.pos
        if have >= n:
            return True
        self.consumed += self.pos
        rest = self.buf[self.pos :]
        parts = [rest]
        while have < n:
            chunk = self.stream.read(max(_CHUNK, n - have))
            if not chunk:
                self.buf = b"".join(parts)
                self.pos = 0
                return False
            parts.append(chunk)
            have += len(chunk)
        self.buf = b"".join(parts)
        self.pos = 0
        return True

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return self.buf[self.pos : self.pos + n]

    def byte(self) -> int:
        if self.pos >= len(self.buf) and not self._fill(1):
            raise _Truncated
        value = self.buf[self.pos]
        self.pos += 1
        return value

    def read(self, n: int) -> bytes:
        if not self._fill(n):
            raise _Truncated
        start = self.pos
        self.pos += n
        return self.buf[start : self.pos]

    def skip(self, n: int) -> None:
        """Step over ``n`` bytes without keeping them (seeking where the stream can)."""
        have = len(self.buf) - self.pos
        if n <= have:
            self.pos += n
            return
        n -= have
        self.consumed += len(self.buf)
        self.buf = b""
        self.pos = 0
        seekable = False
        try:
            seekable = self.stream.seekable()
        except (OSError, ValueError):
            seekable = False
        if seekable:
            here = self.stream.tell()
            end = self.stream.seek(0, io.SEEK_END)
            if here + n > end:
                self.consumed += end - here
                raise _Truncated
            self.stream.seek(here + n)
            self.consumed += n
            return
        while n > 0:
            chunk = self.stream.read(min(n, MAX_ARGUMENT_BYTES))
            if not chunk:
                raise _Truncated
            n -= len(chunk)
            self.consumed += len(chunk)

    def line(self) -> bytes:
        """One line without its newline (at most :data:`MAX_LINE_BYTES`)."""
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end >= 0:
                if end - self.pos > MAX_LINE_BYTES:
                    raise _Malformed
                value = self.buf[self.pos : end]
                self.pos = end + 1
                return value
            if len(self.buf) - self.pos > MAX_LINE_BYTES:
                raise _Malformed
            if not self._fill(len(self.buf) - self.pos + 1):
                raise _Truncated


# --------------------------------------------------------------------------- values on the stack


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Something the analysis does not follow (a list, a float, bytes...).
_OTHER = _Sentinel("<other>")
#: A value the analysis dropped because of one of its bounds.
_LOST = _Sentinel("<lost>")


class _Str(str):
    """A text string of the pickle (a distinct type, so no int or bytes is mistaken for it)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _Global:
    module: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


class _Obj:
    """The result of calling a global (REDUCE, NEWOBJ), with its BUILD state."""

    __slots__ = ("args", "callee", "state")

    def __init__(self, callee: _Global, args: Any) -> None:
        self.callee = callee
        self.args = args
        self.state: Any = None


class _Dict:
    """A dict literal built by EMPTY_DICT / DICT and SETITEM(S); string keys, a few items."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}


#: joblib writes each NumPy array's raw bytes (or a nested pickle, for object
#: arrays) into the stream right after the BUILD of one of these.
_JOBLIB_WRAPPERS = frozenset(
    {"joblib.numpy_pickle.NumpyArrayWrapper", "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper"}
)
_DTYPE_CALLABLES = frozenset({"numpy.dtype", "numpy.core.multiarray.dtype", "numpy._core.multiarray.dtype"})
_DTYPE_STR = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)")
_MAX_TUPLE = 16
_MAX_DICT = 32


def _itemsize(dtype: Any) -> int | None:
    """Bytes per element of a pickled ``numpy.dtype`` (None: unknown or object)."""
    if not isinstance(dtype, _Obj) or dtype.callee.qualified not in _DTYPE_CALLABLES:
        return None
    args = dtype.args
    code = args[0] if isinstance(args, tuple) and args and isinstance(args[0], _Str) else None
    if code is None:
        return None
    state = dtype.state
    if isinstance(state, tuple) and len(state) > 5 and type(state[5]) is int and state[5] > 0:
        return int(state[5])
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
        and dtype.args[0].lstrip("<>|=").startswith("O")
    )


# --------------------------------------------------------------------------- opcodes

# Argument kinds.
_A_NONE, _A_U1, _A_U2, _A_I4, _A_U4, _A_U8, _A_F8 = range(7)
_A_BYTES1, _A_BYTES4, _A_SBYTES4, _A_BYTES8, _A_LINE, _A_LINE2 = range(7, 13)

#: opcode byte -> argument kind, for every opcode of protocols 0 to 5.
_ARGS: dict[int, int] = {}
for _codes, _kind in (
    (b"(.012NQRabdelostu}])\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98", _A_NONE),
    (b"Khq\x80\x82", _A_U1),
    (b"M\x83", _A_U2),
    (b"J", _A_I4),
    (b"jr\x84", _A_U4),
    (b"\x95", _A_U8),
    (b"G", _A_F8),
    (b"UC\x8c\x8a", _A_BYTES1),
    (b"BX", _A_BYTES4),
    (b"T\x8b", _A_SBYTES4),
    (b"\x8d\x8e\x96", _A_BYTES8),
    (b"FILSVPgp", _A_LINE),
    (b"ci", _A_LINE2),
):
    for _code in _codes:
        _ARGS[_code] = _kind

#: Opcodes that only push a value the analysis does not follow.
_PUSH_OTHER = frozenset(b"FG]\x8f\x97")
_TEXT_OPS = frozenset(b"STUVX\x8c\x8d")
_INT_OPS = frozenset(b"IJKLM\x8a\x8b")


#: Memo indices below this are remembered in a bitmap when their value is not followed.
_PLAIN_INDICES = 1 << 24


class _Memo:
    """The unpickler's memo. Values the analysis follows (globals, strings, tuples,
    dicts, call results) are kept, at most ``limit`` of them; the others only as
    "set" (one byte each in a bitmap for indices below 16M), so a memo of millions of
    floats or lists costs megabytes, not gigabytes. ``size`` is the unpickler's
    ``len(memo)``, which MEMOIZE uses as its index."""

    __slots__ = ("limit", "plain", "size", "values")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.values: dict[int, Any] = {}
        self.plain = bytearray()
        self.size = 0

    def put(self, index: int, value: Any) -> None:
        values, plain = self.values, self.plain
        was_plain = index < len(plain) and plain[index]
        if index not in values and not was_plain:
            self.size += 1
        followed = not (value is _OTHER or value is None or type(value) is int or type(value) is bool)
        if followed or index >= _PLAIN_INDICES:
            if was_plain:
                plain[index] = 0
            if index not in values and len(values) >= self.limit:
                raise LimitReached(f"more than {self.limit} memo entries followed")
            values[index] = value if followed else _OTHER
            return
        values.pop(index, None)
        if index >= len(plain):
            plain.extend(bytes(min(max(index + 1, 2 * len(plain), 1024), _PLAIN_INDICES) - len(plain)))
        plain[index] = 1

    def get(self, index: int) -> Any:
        value = self.values.get(index, _MISSING)
        if value is not _MISSING:
            return value
        if index < len(self.plain) and self.plain[index]:
            return _OTHER
        raise _Malformed  # the unpickler fails here too ("memo value not found")


_MISSING = _Sentinel("<missing>")


@dataclass(slots=True)
class _Limits:
    max_opcodes: int
    max_memo: int
    max_stack: int
    max_kept: int


class _Machine:
    """Runs pickles over a :class:`_Source`, collecting globals, calls and reasons."""

    def __init__(self, limits: _Limits, budget: Budget) -> None:
        self.limits = limits
        self.budget = budget
        self.globals: dict[str, None] = {}
        self.called: dict[str, None] = {}
        self.reasons: dict[str, None] = {}
        self._interned: dict[tuple[str, str], _Global] = {}
        self.opcodes = 0
        self.protocol = 0
        self.kept = 0
        self.depth = 0

    # ---------------------------------------------------------------- findings

    def _reason(self, text: str) -> None:
        if len(self.reasons) < MAX_REASONS:
            self.reasons.setdefault(text, None)

    def reference(self, module: str, name: str) -> _Global:
        module, name = _mapped(module, name)
        key = (module, name)
        found = self._interned.get(key)
        if found is not None:
            return found
        value = _Global(module, name)
        if len(self._interned) < MAX_GLOBALS:
            self._interned[key] = value
            self.globals.setdefault(value.qualified, None)
        verdict = classify_pair(module, name)
        if verdict is Verdict.DANGEROUS:
            self._reason(f"imports {value.qualified}, which can run code or reach files or the network")
        elif verdict is Verdict.UNKNOWN:
            self._reason(f"imports {value.qualified}, which is not on the allowlist of safe globals")
        return value

    def dynamic(self) -> _Global:
        self.globals.setdefault(DYNAMIC_GLOBAL, None)
        self._reason("imports a global whose name is computed while loading (STACK_GLOBAL)")
        return _Global("<dynamic>", "<dynamic>")

    def call(self, target: Any) -> _Global | None:
        if isinstance(target, _Global):
            self.called.setdefault(target.qualified, None)
            return target
        if target is _LOST:
            raise LimitReached("a called value was dropped by the analysis' memory bound")
        self._reason("calls a value computed while loading, not an imported global")
        return None

    # ---------------------------------------------------------------- values

    def keep(self, cost: int = 1) -> bool:
        self.kept += cost
        return self.kept <= self.limits.max_kept

    def text(self, raw: bytes, encoding: str) -> Any:
        if len(raw) > MAX_KEPT_STRING:
            return _OTHER
        if not self.keep():
            return _LOST
        try:
            return _Str(raw.decode(encoding, "surrogatepass" if encoding == "utf-8" else "strict"))
        except UnicodeDecodeError:
            raise _Malformed from None

    # ---------------------------------------------------------------- running

    def run(self, src: _Source) -> str | None:
        """Analyse one pickle; None when it ended at STOP, else why it did not."""
        try:
            self._run(src)
        except _Truncated:
            return "truncated pickle (no STOP)"
        except _Malformed:
            return "malformed pickle"
        except (ValueError, OverflowError, struct.error, UnicodeError) as exc:
            return f"malformed pickle: {type(exc).__name__}"
        except _STREAM_ERRORS as exc:
            return f"could not read the pickle: {type(exc).__name__}"
        return None

    def _run(self, src: _Source) -> None:
        limits = self.limits
        budget = self.budget
        stack: list[Any] = []
        metastack: list[list[Any]] = []
        memo = _Memo(limits.max_memo)
        depth = 0  # values on the stack, marks included
        ops = 0
        args_of = _ARGS
        try:
            while True:
                code = src.byte()
                kind = args_of.get(code)
                if kind is None:
                    raise _Malformed
                ops += 1
                if ops & (_CLOCK_EVERY - 1) == 0:
                    budget.check_time()
                if ops > limits.max_opcodes:
                    raise LimitReached(f"stopped after {limits.max_opcodes} opcodes of one pickle")
                if ops > budget.opcodes:
                    raise LimitReached(f"stopped after {budget.total_opcodes} opcodes in the file")
                # ---------------------------------------------------- argument
                arg: Any = None
                if kind == _A_NONE:
                    pass
                elif kind == _A_U1:
                    arg = src.byte()
                elif kind == _A_BYTES1:
                    n = src.byte()
                    arg = src.read(n)
                elif kind == _A_U4:
                    arg = struct.unpack("<I", src.read(4))[0]
                elif kind == _A_I4:
                    arg = struct.unpack("<i", src.read(4))[0]
                elif kind == _A_U2:
                    arg = struct.unpack("<H", src.read(2))[0]
                elif kind in (_A_BYTES4, _A_SBYTES4, _A_BYTES8):
                    if kind == _A_BYTES8:
                        n = struct.unpack("<Q", src.read(8))[0]
                    elif kind == _A_BYTES4:
                        n = struct.unpack("<I", src.read(4))[0]
                    else:
                        n = struct.unpack("<i", src.read(4))[0]
                        if n < 0:
                            raise _Malformed
                    if n > MAX_ARGUMENT_BYTES:
                        src.skip(n)
                        arg = None
                    else:
                        arg = src.read(n)
                elif kind == _A_LINE:
                    arg = src.line()
                elif kind == _A_LINE2:
                    arg = (src.line(), src.line())
                elif kind == _A_U8:
                    arg = struct.unpack("<Q", src.read(8))[0]
                else:  # _A_F8
                    src.read(8)
                # ---------------------------------------------------- effect
                if code == 0x28:  # MARK
                    if depth >= limits.max_stack:
                        raise LimitReached(f"more than {limits.max_stack} values on the pickle's stack")
                    metastack.append(stack)
                    stack = []
                    depth += 1
                elif code == 0x2E:  # STOP
                    if not stack:
                        raise _Malformed
                    break
                elif code in (0x71, 0x72, 0x70, 0x94):  # BINPUT, LONG_BINPUT, PUT, MEMOIZE
                    if code == 0x94:
                        arg = memo.size
                    elif code == 0x70:
                        arg = int(arg)
                        if arg < 0:
                            raise _Malformed
                    if not stack:
                        raise _Malformed
                    memo.put(arg, stack[-1])
                elif code in (0x68, 0x6A, 0x67):  # BINGET, LONG_BINGET, GET
                    if code == 0x67:
                        arg = int(arg)
                    stack.append(memo.get(arg))
                    depth += 1
                elif code in _TEXT_OPS:
                    value = self._text_op(code, arg)
                    stack.append(value)
                    depth += 1
                elif code in _INT_OPS:
                    stack.append(self._int_op(code, arg))
                    depth += 1
                elif code == 0x4E:  # NONE
                    stack.append(None)
                    depth += 1
                elif code == 0x88:  # NEWTRUE
                    stack.append(True)
                    depth += 1
                elif code == 0x89:  # NEWFALSE
                    stack.append(False)
                    depth += 1
                elif code in (0x42, 0x43, 0x8E, 0x96) or code in _PUSH_OTHER:  # bytes, floats, lists, sets
                    stack.append(_OTHER)
                    depth += 1
                elif code == 0x29:  # EMPTY_TUPLE
                    stack.append(())
                    depth += 1
                elif code in (0x85, 0x86, 0x87):  # TUPLE1..3
                    count = code - 0x84
                    if len(stack) < count:
                        raise _Malformed
                    items = tuple(stack[-count:])
                    del stack[-count:]
                    stack.append(items if self.keep(count) else _LOST)
                    depth += 1 - count
                elif code == 0x74:  # TUPLE
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list) + 1
                    if len(items_list) <= _MAX_TUPLE and self.keep(len(items_list) or 1):
                        stack.append(tuple(items_list))
                    else:
                        stack.append(_OTHER)
                    depth += 1
                elif code == 0x7D:  # EMPTY_DICT
                    stack.append(_Dict() if self.keep() else _LOST)
                    depth += 1
                elif code == 0x64:  # DICT
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list)
                    new = _Dict() if self.keep() else _LOST
                    if isinstance(new, _Dict):
                        self._set_items(new, items_list)
                    stack.append(new)
                elif code == 0x73:  # SETITEM
                    if len(stack) < 3:
                        raise _Malformed
                    value = stack.pop()
                    key = stack.pop()
                    depth -= 2
                    target = stack[-1]
                    if isinstance(target, _Dict):
                        self._set_items(target, [key, value])
                elif code == 0x75:  # SETITEMS
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list) + 1
                    if not stack:
                        raise _Malformed
                    if isinstance(stack[-1], _Dict):
                        self._set_items(stack[-1], items_list)
                elif code == 0x63:  # GLOBAL
                    module, name = arg
                    stack.append(self.reference(module.decode("utf-8"), name.decode("utf-8")))
                    depth += 1
                elif code == 0x93:  # STACK_GLOBAL
                    if len(stack) < 2:
                        raise _Malformed
                    name_v = stack.pop()
                    module_v = stack.pop()
                    depth -= 1
                    if isinstance(module_v, _Str) and isinstance(name_v, _Str):
                        stack.append(self.reference(str(module_v), str(name_v)))
                    elif module_v is _LOST or name_v is _LOST:
                        raise LimitReached("a STACK_GLOBAL name was dropped by the analysis' memory bound")
                    else:
                        stack.append(self.dynamic())
                elif code in {82, 129}:  # REDUCE
                    if len(stack) < 2:
                        raise _Malformed
                    args = stack.pop()
                    target = stack.pop()
                    depth -= 1
                    callee = self.call(target)
                    stack.append(_Obj(callee, args) if callee is not None and self.keep() else _OTHER)
                elif code == 0x92:  # NEWOBJ_EX
                    if len(stack) < 3:
                        raise _Malformed
                    stack.pop()
                    stack.pop()
                    target = stack.pop()
                    depth -= 2
                    self.call(target)
                    stack.append(_OTHER)
                elif code == 0x6F:  # OBJ
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list) + 1
                    if not items_list:
                        raise _Malformed
                    self.call(items_list[0])
                    stack.append(_OTHER)
                    depth += 1
                elif code == 0x69:  # INST
                    module, name = arg
                    target = self.reference(module.decode("utf-8"), name.decode("utf-8"))
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list) + 1
                    self.call(target)
                    stack.append(_OTHER)
                    depth += 1
                elif code == 0x62:  # BUILD
                    if len(stack) < 2:
                        raise _Malformed
                    state = stack.pop()
                    depth -= 1
                    target = stack[-1]
                    if target is _LOST:
                        raise LimitReached("a value changed by BUILD was dropped by the analysis' memory bound")
                    if isinstance(target, _Global):
                        self._reason(f"changes {target.qualified} itself while loading (BUILD on a global)")
                    elif isinstance(target, _Obj):
                        target.state = state
                        if target.callee.qualified in _JOBLIB_WRAPPERS:
                            self._joblib_array(src, state)
                elif code in (0x82, 0x83, 0x84):  # EXT1, EXT2, EXT4
                    stack.append(self.reference("<extension>", str(arg)))
                    depth += 1
                elif code == 0x80:  # PROTO
                    if arg > HIGHEST_PROTOCOL:
                        raise _Malformed
                    self.protocol = max(self.protocol, arg)
                elif code == 0x95:  # FRAME
                    pass
                elif code == 0x30:  # POP
                    if stack:
                        stack.pop()
                        depth -= 1
                    else:
                        stack = self._pop_mark(metastack)
                        depth -= 1
                elif code == 0x31:  # POP_MARK
                    depth -= len(stack) + 1
                    stack = self._pop_mark(metastack)
                elif code == 0x32:  # DUP
                    if not stack:
                        raise _Malformed
                    stack.append(stack[-1])
                    depth += 1
                elif code == 0x61:  # APPEND
                    if len(stack) < 2:
                        raise _Malformed
                    stack.pop()
                    depth -= 1
                elif code in (0x65, 0x90):  # APPENDS, ADDITEMS
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list) + 1
                    if not stack:
                        raise _Malformed
                elif code in (0x6C, 0x91):  # LIST, FROZENSET
                    items_list = stack
                    stack = self._pop_mark(metastack)
                    depth -= len(items_list)
                    stack.append(_OTHER)
                elif code == 0x50:  # PERSID
                    stack.append(_OTHER)
                    depth += 1
                elif code in (0x51, 0x98):  # BINPERSID, READONLY_BUFFER
                    if not stack:
                        raise _Malformed
                    stack[-1] = _OTHER
                else:  # pragma: no cover - every opcode of _ARGS is handled above
                    raise _Malformed
                if depth > limits.max_stack:
                    raise LimitReached(f"more than {limits.max_stack} values on the pickle's stack")
        finally:
            self.opcodes += ops
            budget.opcodes -= ops

    @staticmethod
    def _pop_mark(metastack: list[list[Any]]) -> list[Any]:
        if not metastack:
            raise _Malformed
        return metastack.pop()

    def _set_items(self, target: _Dict, items: list[Any]) -> None:
        for i in range(0, len(items) - 1, 2):
            key = items[i]
            if isinstance(key, _Str) and len(target.items) < _MAX_DICT and self.keep():
                target.items[str(key)] = items[i + 1]

    def _text_op(self, code: int, arg: Any) -> Any:
        if arg is None:  # skipped: longer than MAX_ARGUMENT_BYTES
            return _OTHER
        if code == 0x56:  # UNICODE: raw-unicode-escape
            if len(arg) > MAX_KEPT_STRING:
                return _OTHER
            try:
                return _Str(arg.decode("raw-unicode-escape")) if self.keep() else _LOST
            except UnicodeDecodeError:
                raise _Malformed from None
        if code == 0x53:  # STRING: a quoted repr
            if len(arg) < 2 or arg[0] != arg[-1] or arg[:1] not in (b"'", b'"'):
                raise _Malformed
            body = arg[1:-1]
            if len(body) > MAX_KEPT_STRING:
                return _OTHER
            try:
                raw = codecs.escape_decode(body)[0]
            except ValueError:
                raise _Malformed from None
            return self.text(raw, "ascii") if raw.isascii() else _OTHER
        if code in (0x54, 0x55):  # BINSTRING, SHORT_BINSTRING: Python 2 str, read as ASCII
            return self.text(arg, "ascii") if arg.isascii() else _OTHER
        return self.text(arg, "utf-8")

    def _int_op(self, code: int, arg: Any) -> Any:
        if code in (0x4B, 0x4D, 0x4A):  # BININT1, BININT2, BININT
            return arg
        if code in (0x8A, 0x8B):  # LONG1, LONG4
            if arg is None or len(arg) > 8:
                return _OTHER
            return int.from_bytes(arg, "little", signed=True)
        text = arg.strip()
        if code == 0x49:  # INT
            if text == b"00":
                return False
            if text == b"01":
                return True
        if code == 0x4C:  # LONG
            text = text.removesuffix(b"L")
        if len(text) > 40:
            int(text[:40])  # validate the shape; do not convert huge numbers
            return _OTHER
        return int(text)

    def _joblib_array(self, src: _Source, state: Any) -> None:
        """Step over the array data joblib wrote after a NumpyArrayWrapper."""
        if not isinstance(state, _Dict):
            raise _Malformed
        dtype = state.items.get("dtype")
        if _is_object_dtype(dtype):
            if self.depth >= 4:
                raise LimitReached("joblib arrays nested too deeply")
            self.depth += 1
            try:
                reason = self.run(src)  # object arrays are a pickle of their own
            finally:
                self.depth -= 1
            if reason is not None:
                raise _Malformed
            return
        shape = state.items.get("shape")
        itemsize = _itemsize(dtype)
        if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
            raise _Malformed
        if itemsize is None:
            raise _Malformed
        if type(state.items.get("numpy_array_alignment_bytes")) is int:
            pad = src.byte()
            src.skip(pad)
        size = itemsize
        for dim in shape:
            size *= dim
        src.skip(size)


def _as_stream(data: bytes | bytearray | memoryview | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data


def scan_pickle(
    data: bytes | bytearray | memoryview | IO[bytes],
    *,
    max_opcodes: int = MAX_OPCODES,
    max_memo: int = MAX_MEMO,
    max_pickles: int = MAX_PICKLES,
    max_stack: int = MAX_STACK,
    max_kept: int = MAX_KEPT,
    budget: Budget | None = None,
) -> PickleReport:
    """Analyse every pickle in ``data`` (bytes or a binary stream), statically.

    ``budget`` is shared by the pickles of one file; a new one (twice
    ``max_opcodes``, no deadline) when not given. A stream that raises
    :class:`LimitReached` while being read (a decompression bound) ends the
    analysis like any other bound.
    """
    src = _Source(_as_stream(data))
    limits = _Limits(max_opcodes, max_memo, max_stack, max_kept)
    machine = _Machine(limits, budget if budget is not None else Budget(max(max_opcodes, 2 * MAX_OPCODES)))
    pickles = 0
    error: str | None = None
    limit = False
    while pickles < max_pickles:
        try:
            if pickles:
                head = src.peek(2)
                if not head:
                    break
                # PROTO is written from protocol 2 on; 0x80 followed by 0 or 1 is data that merely looks like
                # it (a legacy torch file's storage size of 128 elements, say)
                led_by_proto = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= HIGHEST_PROTOCOL
                if not led_by_proto and not can_open_pickle(head):
                    break  # bytes after the last pickle that are not a pickle (raw tensor data)
            else:
                led_by_proto = True
            seen = (dict(machine.globals), dict(machine.called), dict(machine.reasons))
            reason = machine.run(src)
        except LimitReached as exc:
            error, limit = str(exc), True
            break
        if reason is None:
            pickles += 1
            continue
        if pickles and not led_by_proto:
            # trailing data that merely started like an opcode: forget what it seemed to
            # reference, unless that is dangerous (a loader reading on would run it first)
            _forget_trailing(machine, seen)
            break
        error = reason
        break
    globals_ = tuple(machine.globals)
    dangerous = tuple(g for g in globals_ if classify(g) is Verdict.DANGEROUS)
    unknown = tuple(g for g in globals_ if classify(g) is Verdict.UNKNOWN)
    return PickleReport(
        globals=globals_,
        called=tuple(machine.called),
        dangerous=dangerous,
        unknown=unknown,
        pickles=pickles,
        protocol=machine.protocol,
        opcodes=machine.opcodes,
        complete=error is None,
        error=error,
        reasons=tuple(machine.reasons),
        limit=limit,
    )


def _forget_trailing(machine: _Machine, seen: tuple[dict[str, None], dict[str, None], dict[str, None]]) -> None:
    globals_, called, reasons = seen
    kept = {g: None for g in machine.globals if g not in globals_ and classify(g) is Verdict.DANGEROUS}
    machine.globals = globals_ | kept
    machine.called = called | {g: None for g in machine.called if g in kept}
    machine.reasons = reasons | {
        r: None for r in machine.reasons if r not in reasons and any(f"imports {g}," in r for g in kept)
    }


def can_open_pickle(head: bytes) -> bool:
    """Whether ``head`` starts with an opcode a pickle may begin with: an opening
    opcode (protocols 0 and 1 need no PROTO), PROTO of any protocol up to the highest,
    or FRAME (which the unpickler accepts whatever the protocol)."""
    first = head[:1]
    if first == b"\x80":
        return len(head) < 2 or head[1] <= HIGHEST_PROTOCOL
    return first == b"\x95" or first in _OPENING_OPCODES


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


def describe(globals_: Iterable[str]) -> str:
    """``a, b and 2 more`` for messages."""
    names = list(globals_)
    if len(names) <= 3:
        return ", ".join(names)
    return f"{', '.join(names[:3])} and {len(names) - 3} more"
