"""The life-cycle file: stages in order, each stage's entry criteria, the decommissioning checklist.

The shipped ``lifecycle.yaml`` holds the defaults; an organisation names its own file with the
``AIMS_LIFECYCLE_FILE`` setting. Stage ids are the register's (a system's ``lifecycle_stage``);
criteria are named checks of :mod:`openaims.register.lifecycle.criteria`. A file that does not
fit is refused with what to fix, never half read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from openaims.errors import UsageError
from openaims.untrusted import InputError, read_text, read_yaml
from openaims.untrusted.interface import DEFAULT_LIMITS
from openaims.untrusted.wording import plain_problem

DEFAULT_FILE = Path(__file__).with_name("lifecycle.yaml")
FORMAT = 1

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
_Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class LifecycleFileError(UsageError):
    """The life-cycle file cannot be used (exit 2); the message says what to fix."""


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: _Id
    title: _Title
    criteria: list[_Id] = []
    from_any_stage: bool = False


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: _Id
    title: _Title


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = Field(ge=1, le=FORMAT)
    stages: list[_Stage]
    decommissioning_checklist: list[_Item] = []


@dataclass(frozen=True, slots=True)
class Stage:
    """A life-cycle stage and the criteria for entering it."""

    id: str
    title: str
    criteria: tuple[str, ...]
    from_any_stage: bool


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The stages in order and the decommissioning checklist, from ``source``."""

    stages: tuple[Stage, ...]
    decommissioning_checklist: tuple[ChecklistItem, ...]
    source: str

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise UsageError(f"no life-cycle stage {stage_id!r}; stages: {', '.join(self.stage_ids())}")

    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def gates_between(self, current: str, target: str) -> tuple[Stage, ...]:
        """The stages whose gates a move from ``current`` to ``target`` passes (none backwards)."""
        order = self.stage_ids()
        goal = self.stage(target)
        if target == current:
            return ()
        if goal.from_any_stage:
            return (goal,)
        start = order.index(current) if current in order else -1
        end = order.index(target)
        if end < start:
            return ()
        return tuple(s for s in self.stages[start + 1 : end + 1] if not s.from_any_stage or s.id == target)


def parse_lifecycle(text: str, source: str, *, known_stages: Iterable[str], known_criteria: Iterable[str]) -> Lifecycle:
    """A life-cycle file's text as a :class:`Lifecycle`; LifecycleFileError naming what is wrong."""
    try:
        raw = _File.model_validate(read_yaml(text, source))
    except InputError as exc:
        raise LifecycleFileError(f"{source}: {exc.message}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LifecycleFileError(f"{source}: {where}: {plain_problem(first)}") from None
    wanted = list(known_stages)
    ids = [s.id for s in raw.stages]
    if ids != wanted:
        raise LifecycleFileError(
            f"{source}: stages must be the register's, in order: {', '.join(wanted)} (got {', '.join(ids)})"
        )
    criteria = set(known_criteria)
    for stage in raw.stages:
        unknown = sorted(set(stage.criteria) - criteria)
        if unknown:
            raise LifecycleFileError(
                f"{source}: stage {stage.id}: unknown criteria {', '.join(unknown)}; "
                f"known: {', '.join(sorted(criteria))}"
            )
    items = [i.id for i in raw.decommissioning_checklist]
    if len(set(items)) != len(items):
        raise LifecycleFileError(f"{source}: decommissioning_checklist repeats an item id")
    return Lifecycle(
        stages=tuple(Stage(s.id, s.title, tuple(dict.fromkeys(s.criteria)), s.from_any_stage) for s in raw.stages),
        decommissioning_checklist=tuple(ChecklistItem(i.id, i.title) for i in raw.decommissioning_checklist),
        source=source,
    )


@functools.cache
def _load(path: Path, mtime_ns: int) -> Lifecycle:
    from openaims.register.lifecycle.criteria import CRITERIA
    from openaims.register.services.systems import LIFECYCLE_STAGES

    try:
        text = read_text(path, DEFAULT_LIMITS)
    except InputError as exc:
        raise LifecycleFileError(
            f"the life-cycle file cannot be read: {exc.message} (see AIMS_LIFECYCLE_FILE)"
        ) from None
    return parse_lifecycle(text, str(path), known_stages=LIFECYCLE_STAGES, known_criteria=CRITERIA)


def load_lifecycle(path: Path | None = None) -> Lifecycle:
    """The organisation's life cycle: ``path``, else the ``AIMS_LIFECYCLE_FILE`` setting, else the defaults."""
    if path is None:
        from openaims.settings import load_settings

        path = load_settings().lifecycle_file or DEFAULT_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise LifecycleFileError(f"the life-cycle file {path} does not exist (see AIMS_LIFECYCLE_FILE)") from None
    return _load(path, mtime)
