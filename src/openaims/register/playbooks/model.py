"""The playbooks file: incident steps, the playbook of each severity, what closing needs, and the
EU AI Act Art. 73 reporting limits.

The shipped ``playbooks.yaml`` holds the defaults; an organisation names its own file with the
``AIMS_PLAYBOOKS_FILE`` setting. A file that does not fit is refused with what to fix (exit 2),
never half read.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from openaims.errors import UsageError
from openaims.untrusted import InputError, read_text, read_yaml
from openaims.untrusted.interface import DEFAULT_LIMITS
from openaims.untrusted.wording import plain_problem

DEFAULT_FILE = Path(__file__).with_name("playbooks.yaml")
FORMAT = 1
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
#: What closing an incident may require, each checked by the incident service.
CLOSE_REQUIREMENTS: tuple[str, ...] = (
    "containment", "root-cause", "post-incident-review", "nonconformity-or-reason", "authority-report",
)  # fmt: skip
#: Incident fields a step may fill from its note.
STEP_FIELDS: tuple[str, ...] = ("containment", "communications", "root_cause", "post_incident_review")

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
_Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class PlaybooksFileError(UsageError):
    """The playbooks file cannot be used (exit 2); the message says what to fix."""


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: _Id
    title: _Title
    does: _Text
    field: Literal["containment", "communications", "root_cause", "post_incident_review"] | None = None
    evidence: bool = False


class _Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Literal["low", "medium", "high", "critical"]
    steps: list[_Id] = Field(min_length=1)
    close_requires: list[
        Literal["containment", "root-cause", "post-incident-review", "nonconformity-or-reason", "authority-report"]
    ] = []


class _Kind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: _Id
    title: _Title
    days: int = Field(ge=1, le=365)
    source: _Title


class _Serious(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: _Title
    kinds: list[_Kind] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = Field(ge=1, le=FORMAT)
    steps: list[_Step] = Field(min_length=1)
    playbooks: list[_Playbook]
    post_incident_review_min_words: int = Field(default=12, ge=1, le=500)
    serious_incidents: _Serious


@dataclass(frozen=True, slots=True)
class Step:
    """One playbook step; ``field`` is the incident field its note fills, ``evidence`` whether
    evidence must be attached to the incident before it is recorded."""

    id: str
    title: str
    does: str
    field: str | None
    evidence: bool


@dataclass(frozen=True, slots=True)
class Playbook:
    severity: str
    steps: tuple[Step, ...]
    close_requires: tuple[str, ...]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True, slots=True)
class SeriousKind:
    """A kind of EU AI Act serious incident and the days to report it from awareness."""

    id: str
    title: str
    days: int
    source: str


@dataclass(frozen=True, slots=True)
class Playbooks:
    """Every severity's playbook, the serious-incident kinds, from ``source``."""

    playbooks: tuple[Playbook, ...]
    kinds: tuple[SeriousKind, ...]
    regulation: str
    min_review_words: int
    source: str

    def for_severity(self, severity: str) -> Playbook:
        for playbook in self.playbooks:
            if playbook.severity == severity:
                return playbook
        raise UsageError(f"no playbook for severity {severity!r}")

    def kind(self, kind_id: str) -> SeriousKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def kind_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)


@dataclass(frozen=True, slots=True)
class ReportDeadline:
    """When the Art. 73 report of a serious incident is due, and whether it was made."""

    kind: SeriousKind
    aware_at: dt.datetime
    due_at: dt.datetime
    reported_at: dt.datetime | None
    regulation: str

    def overdue(self, now: dt.datetime) -> bool:
        if self.reported_at is not None:
            return self.reported_at > self.due_at
        return now > self.due_at

    def describe(self, now: dt.datetime) -> str:
        basis = f"{self.kind.days} days from awareness on {self.aware_at:%Y-%m-%d %H:%M} UTC, {self.kind.source}"
        if self.reported_at is not None:
            late = " (late)" if self.reported_at > self.due_at else ""
            return (
                f"EU AI Act report ({self.kind.title}) due {self.due_at:%Y-%m-%d %H:%M} UTC ({basis}); "
                f"reported to the authority {self.reported_at:%Y-%m-%d %H:%M} UTC{late}"
            )
        state = "OVERDUE" if now > self.due_at else "not yet reported"
        return f"EU AI Act report ({self.kind.title}) due {self.due_at:%Y-%m-%d %H:%M} UTC ({basis}): {state}"


def parse_playbooks(text: str, source: str) -> Playbooks:
    """A playbooks file's text as :class:`Playbooks`; PlaybooksFileError naming what is wrong."""
    try:
        raw = _File.model_validate(read_yaml(text, source))
    except InputError as exc:
        raise PlaybooksFileError(f"{source}: {exc.message}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlaybooksFileError(f"{source}: {where}: {plain_problem(first)}") from None
    steps = {s.id: s for s in raw.steps}
    if len(steps) != len(raw.steps):
        raise PlaybooksFileError(f"{source}: steps repeat an id")
    severities = [p.severity for p in raw.playbooks]
    if sorted(severities, key=SEVERITIES.index) != list(SEVERITIES) or len(severities) != len(SEVERITIES):
        raise PlaybooksFileError(
            f"{source}: playbooks must give one playbook for each severity: {', '.join(SEVERITIES)} "
            f"(got {', '.join(severities) or 'none'})"
        )
    playbooks = []
    for playbook in raw.playbooks:
        unknown = [s for s in playbook.steps if s not in steps]
        if unknown:
            raise PlaybooksFileError(
                f"{source}: playbook {playbook.severity}: unknown steps {', '.join(unknown)}; "
                f"steps: {', '.join(steps)}"
            )
        if len(set(playbook.steps)) != len(playbook.steps):
            raise PlaybooksFileError(f"{source}: playbook {playbook.severity} repeats a step")
        playbooks.append(Playbook(
            severity=playbook.severity,
            steps=tuple(Step(s.id, s.title, s.does, s.field, s.evidence) for s in (steps[i] for i in playbook.steps)),
            close_requires=tuple(dict.fromkeys(playbook.close_requires)),
        ))  # fmt: skip
    kinds = [k.id for k in raw.serious_incidents.kinds]
    if len(set(kinds)) != len(kinds):
        raise PlaybooksFileError(f"{source}: serious_incidents.kinds repeat an id")
    return Playbooks(
        playbooks=tuple(playbooks),
        kinds=tuple(SeriousKind(k.id, k.title, k.days, k.source) for k in raw.serious_incidents.kinds),
        regulation=raw.serious_incidents.source,
        min_review_words=raw.post_incident_review_min_words,
        source=source,
    )


@functools.cache
def _load(path: Path, mtime_ns: int) -> Playbooks:
    try:
        text = read_text(path, DEFAULT_LIMITS)
    except InputError as exc:
        raise PlaybooksFileError(
            f"the playbooks file cannot be read: {exc.message} (see AIMS_PLAYBOOKS_FILE)"
        ) from None
    return parse_playbooks(text, str(path))


def load_playbooks(path: Path | None = None) -> Playbooks:
    """The organisation's playbooks: ``path``, else the ``AIMS_PLAYBOOKS_FILE`` setting, else the defaults."""
    if path is None:
        from openaims.settings import load_settings

        path = load_settings().playbooks_file or DEFAULT_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise PlaybooksFileError(f"the playbooks file {path} does not exist (see AIMS_PLAYBOOKS_FILE)") from None
    return _load(path, mtime)


def report_deadline(
    playbooks: Playbooks,
    kind_id: str | None,
    aware_at: dt.datetime | None,
    reported_at: dt.datetime | None,
) -> ReportDeadline | None:
    """The Art. 73 deadline of a serious incident of ``kind_id`` known since ``aware_at`` (None when
    it is not a serious incident)."""
    if not kind_id or aware_at is None:
        return None
    kind = playbooks.kind(kind_id)
    if kind is None:
        return None
    return ReportDeadline(kind, aware_at, aware_at + dt.timedelta(days=kind.days), reported_at, playbooks.regulation)
