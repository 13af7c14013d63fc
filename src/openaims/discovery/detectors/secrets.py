"""AI provider keys and tokens in any text file.

Key shapes and placeholder rules are data (``catalog/secrets.yaml``). A value
is reported only when it has its shape, is not a placeholder, has enough
entropy and, for generic shapes, is assigned to a credential-like name with
the provider named nearby. The value itself never
leaves this module: a finding carries its redacted form and a salted
fingerprint (:mod:`openaims.discovery.redact`).

One finding per (file, line, fingerprint).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from openaims.discovery import catalog
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.prefilter import LiteralSet
from openaims.discovery.redact import fingerprint, redact

_DEFAULT_BOUNDARY = "[A-Za-z0-9_-]"
_SHORT_TYPE_PREFIX = re.compile(r"[A-Za-z]{2,3}[-_]")

#: Files that are never text worth reading for keys.
_BINARY_EXTENSIONS = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".tif",
        ".tiff",
        ".psd",
        ".mp3",
        ".mp4",
        ".wav",
        ".ogg",
        ".flac",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".rar",
        ".jar",
        ".war",
        ".whl",
        ".egg",
        ".so",
        ".dll",
        ".dylib",
        ".exe",
        ".o",
        ".a",
        ".lib",
        ".class",
        ".pyc",
        ".pyo",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".safetensors",
        ".gguf",
        ".ggml",
        ".onnx",
        ".pt",
        ".pth",
        ".ckpt",
        ".bin",
        ".pkl",
        ".pickle",
        ".joblib",
        ".h5",
        ".hdf5",
        ".keras",
        ".tflite",
        ".npy",
        ".npz",
        ".parquet",
        ".arrow",
        ".feather",
        ".db",
        ".sqlite",
        ".sqlite3",
        ".dat",
    ]
)


@dataclass(frozen=True, slots=True)
class KeyShape:
    """One kind of key: how it looks and whose it is."""

    id: str
    title: str
    provider: str
    pattern: re.Pattern[str]
    #: A character that may not come right before a match (checked apart from
    #: ``pattern`` so that the regex engine can scan for a literal prefix).
    boundary: re.Pattern[str]
    prefilter: tuple[str, ...]
    context: re.Pattern[str] | None
    min_entropy: float

    def display_prefix(self, value: str) -> str:
        """The longest of this shape's literals that ``value`` starts with:
        the part of a key that says its type and may be shown."""
        literal = max((lit for lit in self.prefilter if value.startswith(lit)), key=len, default="")
        if literal:
            return literal
        short = _SHORT_TYPE_PREFIX.match(value)  # "sk-" of a DeepSeek key, "sk_" of ElevenLabs
        return short.group(0) if short else ""


@dataclass(frozen=True, slots=True)
class SecretRules:
    """Every key shape plus the placeholder and allow rules."""

    shapes: tuple[KeyShape, ...]
    placeholder_words: tuple[str, ...]
    placeholder_patterns: tuple[re.Pattern[str], ...]
    placeholder_before: frozenset[str]
    allow_markers: tuple[str, ...]
    credential_names: re.Pattern[str]

    def prefilter(self) -> tuple[str, ...]:
        """Literal fragments for the engine's combined prefilter."""
        literals = {lit for shape in self.shapes for lit in shape.prefilter}
        # A literal that contains a shorter one adds nothing to an alternation.
        kept = {lit for lit in literals if not any(o != lit and o in lit for o in literals)}
        return tuple(sorted(re.escape(lit) for lit in kept))

    def is_placeholder(self, value: str) -> bool:
        lowered = value.lower()
        if any(word in lowered for word in self.placeholder_words):
            return True
        return any(p.search(value) for p in self.placeholder_patterns)


def _str_list(raw: Any, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ValueError(f"secrets.yaml: {what} must be a list of strings")
    return tuple(raw)


@cache
def secret_rules() -> SecretRules:
    """The validated rules of ``secrets.yaml``."""
    data = catalog.load("secrets")
    providers = catalog.provider_ids()
    shapes: list[KeyShape] = []
    seen: set[str] = set()
    for raw in data.get("shapes") or []:
        if not isinstance(raw, dict):
            raise ValueError("secrets.yaml: each shape must be a mapping")
        sid = str(raw["id"])
        if sid in seen:
            raise ValueError(f"secrets.yaml: duplicate shape id {sid!r}")
        seen.add(sid)
        if raw["provider"] not in providers:
            raise ValueError(f"secrets.yaml {sid}: unknown provider {raw['provider']!r}")
        boundary = str(raw.get("boundary", _DEFAULT_BOUNDARY))
        pattern = re.compile(f"(?:{raw['regex']})(?!{boundary})")
        context = raw.get("context")
        shapes.append(
            KeyShape(
                id=sid,
                title=str(raw["title"]),
                provider=str(raw["provider"]),
                pattern=pattern,
                boundary=re.compile(boundary),
                prefilter=_str_list(raw.get("prefilter"), f"{sid}.prefilter"),
                context=re.compile(str(context), re.I) if context else None,
                min_entropy=float(raw.get("min_entropy", 3.0)),
            )
        )
    ph = data.get("placeholders") or {}
    return SecretRules(
        shapes=tuple(shapes),
        placeholder_words=tuple(w.lower() for w in _str_list(ph.get("words"), "placeholders.words")),
        placeholder_patterns=tuple(re.compile(p) for p in _str_list(ph.get("patterns"), "placeholders.patterns")),
        placeholder_before=frozenset(_str_list(ph.get("before"), "placeholders.before")),
        allow_markers=_str_list(data.get("allow_markers"), "allow_markers"),
        credential_names=re.compile(str(data.get("credential_names", "key|token|secret")), re.I),
    )


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


_ASSIGNED_TO = re.compile(
    r"""([A-Za-z_][\w.\-]*)\\?["'`]?\]?\s*(?::=|=>|=|:)\s*(?:\\?["'`])?\s*(?:(?:Bearer|Token|Basic)\s+)?$"""
)
_FLAG = re.compile(r"""--([A-Za-z][\w-]*)(?:\s+|=)\\?["']?$""")


def variable_name(before: str) -> str | None:
    """The env/config/argument name a value on this line is assigned to."""
    tail = before[-200:]
    m = _ASSIGNED_TO.search(tail) or _FLAG.search(tail)
    return m.group(1) if m else None


@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    shape: KeyShape
    order: int


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def number(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1

    def span(self, line: int) -> tuple[int, int]:
        """Start and end offsets of the 1-based ``line`` (without the break)."""
        start = self.breaks[line - 2] + 1 if line >= 2 else 0
        end = self.breaks[line - 1] if line - 1 < len(self.breaks) else len(self.text)
        return start, end


class _Haystack:
    """The file's text, with cheap literal and context look-ups."""

    def __init__(self, text: str, data: bytes | None, literals: LiteralSet | None = None) -> None:
        self.text = text
        self.data = data if data is not None and text.isascii() else None
        self._present: dict[str, bool] = {}
        self._lowered: str | None = None
        #: Every shape literal in the file, from one pass (when Hyperscan is in use).
        self._all: frozenset[str] | None = None
        if literals is not None and self.data is not None:
            self._all = literals.present(self.data)

    def has(self, literal: str) -> bool:
        if self._all is not None:
            return literal in self._all
        found = self._present.get(literal)
        if found is None:
            # bytes search is much faster than str search
            found = literal.encode() in self.data if self.data is not None else literal in self.text
            self._present[literal] = found
        return found

    def context_matches(self, context: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of a case-insensitive, lower-case ``context`` pattern."""
        if self.text.isascii():  # lower() keeps offsets; a plain search is faster
            if self._lowered is None:
                self._lowered = self.text.lower()
            return _case_sensitive(context).finditer(self._lowered)
        return context.finditer(self.text)


@cache
def _case_sensitive(context: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(context.pattern)


def _context_windows(hay: _Haystack, context: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of the lines where ``context`` occurs, each with the next line."""
    text = hay.text
    spans: list[tuple[int, int]] = []
    for m in hay.context_matches(context):
        start = text.rfind("\n", 0, m.start()) + 1
        if spans and start < spans[-1][1]:
            start = spans[-1][0]
            spans.pop()
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else text.find("\n", end + 1)
        end = len(text) if end < 0 else end
        spans.append((start, end))
    return spans


@cache
def _literal_set(rules: SecretRules) -> LiteralSet:
    return LiteralSet(sorted({lit for shape in rules.shapes for lit in shape.prefilter}))


def find_secrets(
    text: str, rules: SecretRules | None = None, *, data: bytes | None = None
) -> list[tuple[KeyShape, str, int, str | None]]:
    """Every secret of ``text`` as (shape, value, line, variable name).

    ``data``, the file's bytes when at hand, speeds up literal look-ups.

    Overlapping matches resolve to the shape listed first in the catalogue.
    """
    rules = rules or secret_rules()
    hay = _Haystack(text, data, _literal_set(rules))
    candidates: list[_Candidate] = []
    context_windows: dict[str, list[tuple[int, int]]] = {}
    for order, shape in enumerate(rules.shapes):
        if shape.prefilter and not any(hay.has(lit) for lit in shape.prefilter):
            continue
        if shape.context is None:
            spans = [(0, len(text))]
        else:
            # A generic shape needs its context on its own line or the line
            # before: only those lines are searched.
            key = shape.context.pattern
            if key not in context_windows:
                context_windows[key] = _context_windows(hay, shape.context)
            spans = context_windows[key]
        for pos, endpos in spans:
            for m in shape.pattern.finditer(text, pos, endpos):
                start = m.start()
                if start == 0 or shape.boundary.match(text, start - 1) is None:
                    candidates.append(_Candidate(start, m.end(), shape, order))
    if not candidates:
        return []
    candidates.sort(key=lambda c: (c.order, c.start))
    taken: list[tuple[int, int]] = []
    lines = _Lines(text)
    out: list[tuple[KeyShape, str, int, str | None]] = []
    for cand in candidates:
        if any(cand.start < end and start < cand.end for start, end in taken):
            continue
        if not _accept(rules, cand.shape, text, start=cand.start, end=cand.end, lines=lines):
            continue
        taken.append((cand.start, cand.end))
        line = lines.number(cand.start)
        line_start = lines.span(line)[0]
        value = text[cand.start : cand.end]
        out.append((cand.shape, value, line, variable_name(text[line_start : cand.start])))
    out.sort(key=lambda t: t[2])
    return out


def _accept(rules: SecretRules, shape: KeyShape, text: str, *, start: int, end: int, lines: _Lines) -> bool:
    value = text[start:end]
    line = lines.number(start)
    line_start, line_end = lines.span(line)
    line_text = text[line_start:line_end]
    if any(marker in line_text for marker in rules.allow_markers):
        return False
    if rules.is_placeholder(value):
        return False
    if start > 0 and text[start - 1] in rules.placeholder_before:
        return False
    if shannon_entropy(value) < shape.min_entropy:
        return False
    if shape.context is not None:
        return _generic_value_in_context(
            rules, shape.context, value, before=text[line_start:start], text=text, lines=lines, line=line
        )
    return True


def _generic_value_in_context(
    rules: SecretRules,
    context: re.Pattern[str],
    value: str,
    *,
    before: str,
    text: str,
    lines: _Lines,
    line: int,
) -> bool:
    """A generic shape (32 hex, 40 alphanumerics, a UUID) is a key only when it
    looks random (letters and digits), is assigned to a credential-like name,
    and the provider is named by that name, earlier on the line, or by the
    parent key on the line before (nested YAML/JSON)."""
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    variable = variable_name(before)
    if variable is None or rules.credential_names.search(variable) is None:
        return False
    if context.search(before):
        return True
    if line > 1:
        prev_start, prev_end = lines.span(line - 1)
        return context.search(text[prev_start:prev_end]) is not None
    return False


class ProviderSecrets(Detector):
    """API keys and tokens of AI providers (and GitHub/Slack tokens found in
    MCP configs) in any text file: code, notebooks, .env, YAML, JSON, shell."""

    id = "secret.provider-key"
    kinds = frozenset({FindingKind.SECRET})
    prefilter = secret_rules().prefilter()

    def wants(self, path: str, name: str) -> bool:
        lowered = name.lower()
        dot = lowered.rfind(".")
        return dot < 0 or lowered[dot:] not in _BINARY_EXTENSIONS

    def scan(self, file: FileView) -> Iterable[Finding]:
        text = file.text()
        if "\x00" in text[:8192]:
            return []
        salt = file.options.fingerprint_salt
        seen: set[tuple[int, str]] = set()
        out: list[Finding] = []
        for shape, value, line, variable in find_secrets(text, data=file.data()):
            fp = fingerprint(value, salt)
            if (line, fp) in seen:
                continue
            seen.add((line, fp))
            details: dict[str, Any] = {"key_type": shape.id}
            if variable:
                details["variable"] = variable
            out.append(
                Finding(
                    kind=FindingKind.SECRET,
                    name=shape.title,
                    path=file.path,
                    line=line,
                    detector=self.id,
                    provider=shape.provider,
                    redacted=redact(value, shape.display_prefix(value)),
                    fingerprint=fp,
                    details=details,
                )
            )
        return out
