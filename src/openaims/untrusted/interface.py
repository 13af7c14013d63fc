"""What every bounded reader shares: its limits and its one error class."""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass

from openaims.errors import UsageError

MIB = 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}"


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds a reader enforces before or while it builds anything from untrusted text.

    ``max_bytes`` bounds the input (characters, for text already decoded);
    ``max_depth`` the nesting of collections (a document that is a bare scalar
    has depth 0); ``max_elements`` the values a document expands to, counting
    each collection and each scalar, with YAML aliases counted as many times as
    they are used (so an alias bomb is refused while it is read); for CSV it
    bounds the cells, for XML the elements, for an archive its members.
    """

    max_bytes: int = 8 * MIB
    max_depth: int = 64
    max_elements: int = 1_000_000

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) < 1:
                raise ValueError(f"{field.name} must be positive")

    def replace(self, **changes: int) -> Limits:
        """These limits with some changed."""
        return dataclasses.replace(self, **changes)


#: Limits for files a person hands to a command (policy, answers, import, catalogues).
DEFAULT_LIMITS = Limits()

#: Limits for files found in a scanned tree: deeper, since lock files nest, yet still far
#: below the recursion limits of the parsers and of the code that walks their results.
SCAN_LIMITS = Limits(max_bytes=64 * MIB, max_depth=128, max_elements=2_000_000)


class Problem(enum.StrEnum):
    """What is wrong with an input, for callers that count or report skips by kind."""

    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    TOO_MANY = "too_many"
    DUPLICATE_KEY = "duplicate_key"
    ENCODING = "encoding"
    SYNTAX = "syntax"
    FORBIDDEN = "forbidden"
    SHAPE = "shape"


class InputError(UsageError):
    """An untrusted input that a reader refuses; one line that names the source and, when
    known, the line: ``policy.yaml:12: duplicate key 'providers' (first at line 3)``."""

    def __init__(self, source: str, reason: str, *, line: int | None = None, problem: Problem = Problem.SYNTAX) -> None:
        self.source = source
        self.reason = _CONTROL.sub(_escape, " ".join(reason.split()))
        self.line = line
        self.problem = problem
        name = _CONTROL.sub(_escape, source)  # a file or member name may hold a newline or an escape
        where = f"{name}:{line}" if line is not None else name
        super().__init__(f"{where}: {self.reason}")
