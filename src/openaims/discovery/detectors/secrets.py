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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from openaims.discovery import catalog
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.redact import fingerprint, redact

_DEFAULT_BOUNDARY = "[A-Za-z0-9_-]"

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
        placeholder_patterns=tuple(
            re.compile(p) for p in _str_list(ph.get("patterns"), "placeholders.patterns")
        ),
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


def find_secrets(text: str, rules: SecretRules | None = None) -> list[tuple[KeyShape, str, int, str | None]]:
    """Every secret of ``text`` as (shape, value, line, variable name).

    Overlapping matches resolve to the shape listed first in the catalogue.
    """
    rules = rules or secret_rules()
    candidates: list[_Candidate] = []
    lowered: str | None = None
    for order, shape in enumerate(rules.shapes):
        if shape.prefilter and not any(lit in text for lit in shape.prefilter):
            continue
        if shape.context is not None:
            lowered = lowered if lowered is not None else text.lower()
            if shape.context.search(lowered) is None:
                continue
        for m in shape.pattern.finditer(text):
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
        for shape, value, line, variable in find_secrets(text):
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
                    redacted=redact(value),
                    fingerprint=fp,
                    details=details,
                )
            )
        return out
