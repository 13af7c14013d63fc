"""The contract of the red-team result parsers: one parser per tool's result format.

A parser turns the bytes of one result file into :class:`RedTeamResults`: pass and fail
counts per attack category, as the tool names its categories. It never executes anything
from the file and never keeps the prompts or outputs it reads (they may hold the data an
attack extracted). A file it cannot read is one :class:`ResultFormatError` naming the
format it expected; nothing else escapes a parser.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from openaims.errors import UsageError
from openaims.untrusted import Limits

#: Bounds on one result file (promptfoo and garak keep every prompt and output in it).
RESULT_LIMITS = Limits(max_bytes=256 * 1024 * 1024, max_depth=128, max_elements=20_000_000)


class ResultFormat(enum.StrEnum):
    """Result formats OpenAIMS reads. The values are what ``--format`` takes."""

    PROMPTFOO = "promptfoo"
    GARAK = "garak"


class ResultFormatError(UsageError):
    """A result file is not in the format expected (exit 2; one line)."""


@dataclass(frozen=True, slots=True)
class CategoryResult:
    """Attempts of one attack category: passed (the system resisted), failed, errored."""

    category: str
    passed: int
    failed: int
    errors: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors

    @property
    def verdict(self) -> str:
        return "fail" if self.failed else ("pass" if self.passed else "error")


@dataclass(frozen=True, slots=True)
class RedTeamResults:
    """What one result file says, per category, in the tool's category order."""

    format: ResultFormat
    categories: tuple[CategoryResult, ...]
    tool_version: str | None = None
    run_id: str | None = None

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.categories)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.categories)


class ResultParser(abc.ABC):
    """One tool's result format."""

    format: ResultFormat
    #: What the format is, as the error for a file that is not in it says.
    expected: str

    @abc.abstractmethod
    def looks_like(self, data: bytes) -> bool:
        """Cheaply: whether ``data`` is probably in this format (for detection)."""

    @abc.abstractmethod
    def parse(self, data: bytes, source: str) -> RedTeamResults:
        """The results in ``data``; :class:`ResultFormatError` when it is not in this format."""

    def error(self, source: str, problem: str) -> ResultFormatError:
        return ResultFormatError(
            f"{source}: not a {self.format.value} result file ({problem}); expected {self.expected}"
        )
