"""Small helpers shared by the manifest parsers: safe loading, type narrowing,
line lookup for formats whose parsers do not report positions.

Loading goes through :mod:`openaims.untrusted` (bounded size, depth and values,
duplicate keys refused, XML without DTDs or entities); a manifest it refuses reads
as empty here, so one hostile file does not stop a scan, and the refusal is noted
(:func:`unreadable`) for the detector to report the file as not read fully
(:func:`noting_unreadable`), so a policy check fails closed instead of passing.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any
from xml.etree.ElementTree import Element

from openaims.untrusted import SCAN_LIMITS, InputError, read_json, read_toml, read_xml

#: Reads a file relative to the parsed file's directory; ``None`` if absent.
Reader = Callable[[str], "str | None"]


_PROBLEMS: ContextVar[list[str] | None] = ContextVar("manifest_problems", default=None)


def unreadable(reason: str) -> None:
    """Note that (part of) the manifest being parsed could not be read, and why."""
    problems = _PROBLEMS.get()
    if problems is not None:
        problems.append(" ".join(reason.split()))


@contextlib.contextmanager
def noting_unreadable() -> Iterator[list[str]]:
    """Collect what :func:`unreadable` notes while a manifest is parsed."""
    problems: list[str] = []
    token = _PROBLEMS.set(problems)
    try:
        yield problems
    finally:
        _PROBLEMS.reset(token)


def _refused(exc: InputError) -> None:
    unreadable(f"line {exc.line}: {exc.reason}" if exc.line is not None else exc.reason)


def load_toml(text: str) -> dict[str, Any]:
    try:
        return read_toml(text, "<manifest>", limits=SCAN_LIMITS)
    except InputError as exc:
        _refused(exc)
        return {}


def load_json(text: str) -> Any:
    try:
        return read_json(text, "<manifest>", limits=SCAN_LIMITS)
    except InputError as exc:
        _refused(exc)
        return None


def as_dict(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def items(value: Any) -> Iterator[tuple[str, Any]]:
    """Key/value pairs of a mapping (nothing for anything else)."""
    if isinstance(value, dict):
        for key, val in value.items():
            yield str(key), val


class Lines:
    """Line lookup in a text: section headers and the first line, after a
    start line, where a name occurs as a whole token."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> int | None:
        """1-based number of the first line (0-based index >= ``start``) matching."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        for index in range(max(start, 0), stop):
            if pattern.search(self.lines[index]):
                return index + 1
        return None

    def token(self, name: str, start: int = 0, end: int | None = None, default: int = 1) -> int:
        """Line of ``name`` as a token (not part of a longer name)."""
        pat = re.compile(r"(?<![\w.@/-])" + re.escape(name) + r"(?![\w-])", re.IGNORECASE)
        found = self.find(pat, start, end)
        if found is None and start:
            found = self.find(pat, 0, end)
        return found if found is not None else default

    def key(self, name: str, start: int = 0, end: int | None = None, default: int = 1) -> int:
        """Line where ``name`` is a key (``name = ...``, quoted or bare), else where it is a token."""
        pat = re.compile(r"^\s*[\"']?" + re.escape(name) + r"[\"']?\s*=", re.IGNORECASE)
        found = self.find(pat, start, end)
        return found if found is not None else self.token(name, start, end, default)

    def quoted(self, value: str, name: str, start: int = 0, end: int | None = None) -> int:
        """Line of a string ``value`` inside quotes, else of a quoted string starting with ``name``."""
        exact = re.compile(r"[\"']" + re.escape(value.strip()) + r"\s*[\"']")
        found = self.find(exact, start, end)
        if found is None:
            begins = re.compile(r"[\"']\s*" + re.escape(name) + r"(?![\w-])", re.IGNORECASE)
            found = self.find(begins, start, end)
        return found if found is not None else self.token(name, start, end)

    def header(self, pattern: str) -> int | None:
        """0-based index of the first line matching ``pattern`` (a section header)."""
        compiled = re.compile(pattern)
        for index, line in enumerate(self.lines):
            if compiled.match(line):
                return index
        return None


class JsonKeys:
    """Where each object key of a pretty-printed JSON document starts a line.

    Built in one pass, so finding the line of every entry of a large lock
    file stays linear; ``line(key, after)`` is the first occurrence after a
    line (a nested object is found below its parent).
    """

    _KEY = re.compile(r'^[ \t]*"((?:[^"\\\n]|\\.)*)"[ \t]*:', re.MULTILINE)

    def __init__(self, text: str) -> None:
        self._lines: dict[str, list[int]] = {}
        line, last = 1, 0
        for match in self._KEY.finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            self._lines.setdefault(match.group(1), []).append(line)

    def line(self, key: str, after: int = 0, default: int = 1) -> int:
        found = self._lines.get(json.dumps(key, ensure_ascii=False)[1:-1])
        if not found:
            return default
        pos = bisect.bisect_right(found, after)
        return found[pos] if pos < len(found) else found[0]


_BLOCK_NAME = re.compile(r"^name\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


def toml_blocks(text: str, table: str = "package") -> Iterator[tuple[int, str | None, str]]:
    """Each ``[[table]]`` entry of a TOML lock file as (line of its ``name``,
    the name, its own text with sub-tables), without parsing the document.

    Lock files are long lists of small entries; reading only the entries a
    caller wants is much faster than parsing the whole file, and one broken
    entry does not hide the others.
    """
    header = f"[[{table}]]"
    own = (f"[{table}.", f"[[{table}.")
    lines = text.splitlines()
    start: int | None = None

    def emit(begin: int, end: int) -> tuple[int, str | None, str]:
        block = "\n".join(lines[begin:end])
        match = _BLOCK_NAME.search(block)
        line = begin + 1 + (block.count("\n", 0, match.start()) if match else 0)
        return line, (match.group(1) if match else None), block

    for index, raw in enumerate(lines):
        if raw.startswith("["):
            stripped = raw.strip()
            if stripped == header:
                if start is not None:
                    yield emit(start, index)
                start = index
            elif start is not None and not stripped.startswith(own):
                yield emit(start, index)
                start = None
    if start is not None:
        yield emit(start, len(lines))


def toml_sections(text: str) -> dict[str, tuple[int, int]]:
    """TOML table header -> (0-based first line after the header, end index).

    Keys are the header as written without brackets and spaces (``tool.poetry.dependencies``);
    quoted keys keep their quotes stripped. Array-of-table headers are skipped.
    """
    heads: list[tuple[str, int]] = []
    header = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
    for index, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("[["):
            heads.append(("[[", index))
            continue
        match = header.match(line)
        if match:
            key = re.sub(r"\s*\.\s*", ".", match.group(1)).replace('"', "").replace("'", "")
            heads.append((key, index))
    total = text.count("\n") + 1
    out: dict[str, tuple[int, int]] = {}
    for pos, (key, index) in enumerate(heads):
        end = heads[pos + 1][1] if pos + 1 < len(heads) else total
        if key != "[[" and key not in out:
            out[key] = (index + 1, end)
    return out


def parse_xml(text: str, *, own: bool = True) -> Element | None:
    """Parse XML safely (no DTDs, entities or external references), with lines.

    ``own=False`` for another file read along (a parent POM): its refusal is that
    file's to report, when it is scanned itself."""
    try:
        return read_xml(text, "<manifest>", limits=SCAN_LIMITS)
    except InputError as exc:
        if own:
            _refused(exc)
        return None


def local(tag: str) -> str:
    """Tag without namespace."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: Element, name: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def children(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        if isinstance(child.tag, str) and local(child.tag) == name:
            yield child


def attr(element: Element, name: str) -> str | None:
    """Attribute by name, case-insensitive (MSBuild is)."""
    lower = name.lower()
    for key, value in element.attrib.items():
        if key.lower() == lower:
            return value.strip() or None
    return None
