"""The EU AI Act classification questionnaire: questions as data, branching, answer checking.

Questions live in ``questions.yaml`` with stable ids. Each may carry a ``when``
condition over earlier answers; a condition on a question that was not asked is
false. :func:`validate_answers` turns a raw mapping (from a YAML file or prompts) into
typed answers for exactly the questions that apply, or raises
:class:`AnswersError` naming every problem.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openaims.errors import UsageError
from openaims.frameworks.loader import CatalogueError, Framework, load_catalogue
from openaims.untrusted import InputError, read_yaml

QuestionType = Literal["bool", "choice", "multi", "number"]
#: Catalogue collections a ``multi`` question may take its choices from.
CHOICE_SOURCES: Mapping[str, tuple[str, ...]] = {
    "prohibited_practices": ("prohibited_practice",),
    "annex_i": ("annex_i_legislation",),
    "annex_iii_points": ("annex_iii_point", "annex_iii_area"),
    "art6_3_exceptions": ("art6_3_exception",),
}
NONE_CHOICE = "none"
#: The answer "don't know": kept as this value, it makes the outcome "needs legal review".
UNKNOWN = "unknown"
#: What people type for "don't know".
_UNKNOWN_WORDS = frozenset({"unknown", "don't know", "dont know", "do not know", "not sure", "?", "dont_know"})
MAX_NUMBER = 1e40


class AnswersError(UsageError):
    """Answers that do not fit the questionnaire; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("answers do not fit the questionnaire: " + "; ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Strict):
    """A ``when`` condition; exactly one form is set."""

    question: str | None = None
    equals: bool | str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    contains: str | None = None
    not_empty: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [self.equals is not None, self.in_ is not None, self.contains is not None, self.not_empty]
        combinators = [self.all is not None, self.any is not None, self.not_ is not None]
        if self.question is not None:
            if sum(bool(t) for t in tests) != 1 or any(combinators):
                raise ValueError("a question condition needs exactly one of equals, in, contains, not_empty")
        elif sum(combinators) != 1 or any(bool(t) for t in tests):
            raise ValueError("a condition is a question test or exactly one of all, any, not")
        if (self.all is not None and not self.all) or (self.any is not None and not self.any):
            raise ValueError("an empty all/any is an error, not a pass")
        return self

    def questions(self) -> Iterator[str]:
        """Every question id this condition refers to."""
        if self.question is not None:
            yield self.question
        for sub in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            yield from sub.questions()

    def describe(self) -> str:
        """The condition in words: ``role.provider is no and subject is system or system_and_gpai_model``."""
        if self.all is not None:
            return " and ".join(c._part() for c in self.all)
        if self.any is not None:
            return " or ".join(c._part() for c in self.any)
        if self.not_ is not None:
            return f"not ({self.not_.describe()})"
        if self.equals is not None:
            value = {True: "yes", False: "no"}.get(self.equals, self.equals) if isinstance(self.equals, bool) else (
                self.equals
            )
            return f"{self.question} is {value}"
        if self.in_ is not None:
            return f"{self.question} is {' or '.join(self.in_)}"
        if self.contains is not None:
            return f"{self.question} includes {self.contains}"
        return f"{self.question} has an answer"

    def _part(self) -> str:
        """:meth:`describe` inside an all/any: combinations in parentheses."""
        text = self.describe()
        return f"({text})" if self.all is not None or self.any is not None else text

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition holds; a test on an answer that is "don't know" does not hold,
        so follow-up questions wait until the answer is known."""
        if self.all is not None:
            return all(c.holds(answers) for c in self.all)
        if self.any is not None:
            return any(c.holds(answers) for c in self.any)
        if self.not_ is not None:
            return not self.not_.holds(answers)
        assert self.question is not None
        if self.question not in answers or answers[self.question] == UNKNOWN:
            return False
        value = answers[self.question]
        if self.equals is not None:
            return bool(value == self.equals)
        if self.in_ is not None:
            return value in self.in_
        if self.contains is not None:
            return isinstance(value, list | tuple) and self.contains in value
        return bool(value)


class Choice(_Strict):
    id: str
    label: str


class Question(_Strict):
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")
    section: str
    type: QuestionType
    text: str = Field(min_length=1)
    help: str | None = None
    basis: str = Field(min_length=1)
    choices: list[Choice] = []
    choices_from: str | None = None
    when: Condition | None = None
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "section": self.section, "type": self.type, "text": self.text}
        if self.help:
            out["help"] = self.help
        out["basis"] = self.basis
        if self.choices:
            out["choices"] = [c.model_dump() for c in self.choices]
        if self.when is not None:
            out["when"] = self.when.model_dump(by_alias=True, exclude_none=True)
        out["required"] = self.required
        return out


class _File(_Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    questions: list[Question] = Field(min_length=1)


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise UsageError(f"no question {question_id!r}; run 'aims classify --questions' for the list")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def applies(self, question: Question, answers: Mapping[str, Any]) -> bool:
        return question.when is None or question.when.holds(answers)


def _with_choices(question: Question, eu: Framework) -> Question:
    if question.choices_from is None:
        return question
    kinds = CHOICE_SOURCES.get(question.choices_from)
    if kinds is None:
        raise CatalogueError(f"question {question.id}: unknown choices_from {question.choices_from!r}")
    items = [i for i in eu.items.values() if i.kind in kinds]
    if question.choices_from == "annex_iii_points":  # areas only stand in for areas without points
        with_points = {i.parent for i in items if i.kind == "annex_iii_point"}
        items = [i for i in items if i.kind == "annex_iii_point" or i.id not in with_points]
        items.sort(key=lambda i: (int(i.id.split(".")[1].split("(")[0]), i.id))
    choices = [Choice(id=i.id, label=f"{i.label}: {i.title}{_extra(i)}") for i in items]
    choices.append(Choice(id=NONE_CHOICE, label="None of these"))
    return question.model_copy(update={"choices": choices})


def _extra(item: Any) -> str:
    """What a choice label adds to the catalogue title: examples, a moved section, provisional numbering."""
    details = item.details
    if details.get("examples"):
        return " (for example: " + "; ".join(details["examples"]) + ")"
    if details.get("original_section"):
        section, was = details["section"], details["original_section"]
        return f" (Annex I Section {section} since the Digital Omnibus; was Section {was})"
    if details.get("numbering") == "provisional":
        return " (point letter provisional until the Official Journal text)"
    return ""


@functools.cache
def _aliases() -> dict[str, tuple[str, ...]]:
    """Old choice ids answers files may still use, and the ids that replaced them."""
    out: dict[str, list[str]] = {}
    for item in load_catalogue().framework("eu-ai-act").items.values():
        old = item.details.get("replaces_id")
        if old:
            out.setdefault(str(old), []).append(item.id)
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def load_questionnaire() -> Questionnaire:
    """The questionnaire with catalogue-backed choices, checked: unique ids, branching only on
    earlier questions, valid choice values in conditions."""
    text = resources.files("openaims.frameworks.euaiact").joinpath("questions.yaml").read_text("utf-8")
    try:
        parsed = _File.model_validate(read_yaml(text, "questions.yaml"))
    except (InputError, ValidationError) as exc:
        raise CatalogueError(f"questions.yaml is invalid: {exc}") from None
    eu = load_catalogue().framework("eu-ai-act")
    questions: list[Question] = []
    seen: dict[str, Question] = {}
    for raw in parsed.questions:
        q = _with_choices(raw, eu)
        if q.id in seen:
            raise CatalogueError(f"questions.yaml: duplicate question id {q.id}")
        if q.type in ("choice", "multi") and not q.choices:
            raise CatalogueError(f"questions.yaml: {q.id} has no choices")
        if q.when is not None:
            for ref in q.when.questions():
                if ref not in seen:
                    raise CatalogueError(
                        f"questions.yaml: {q.id} branches on {ref!r}, which is not an earlier question"
                    )
            _check_condition_values(q.id, q.when, seen)
        seen[q.id] = q
        questions.append(q)
    return Questionnaire(parsed.version, tuple(questions))


def _check_condition_values(qid: str, cond: Condition, seen: Mapping[str, Question]) -> None:
    for sub in (cond.all or []) + (cond.any or []) + ([cond.not_] if cond.not_ else []):
        _check_condition_values(qid, sub, seen)
    if cond.question is None:
        return
    target = seen[cond.question]
    allowed = {c.id for c in target.choices}
    values: list[Any] = [*(cond.in_ or []), *([cond.contains] if cond.contains else [])]
    if target.type == "choice" and cond.equals is not None:
        values.append(cond.equals)
    if target.type == "bool" and cond.equals is not None and not isinstance(cond.equals, bool):
        raise CatalogueError(f"questions.yaml: {qid} compares yes/no question {target.id} with {cond.equals!r}")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise CatalogueError(f"questions.yaml: {qid} tests {target.id} for unknown choice(s) {bad}")


_TRUE = {"yes", "y", "true", "1", "on"}
_FALSE = {"no", "n", "false", "0", "off"}


def is_unknown(value: Any) -> bool:
    """Whether ``value`` says "don't know"."""
    return isinstance(value, str) and value.strip().lower().replace("’", "'") in _UNKNOWN_WORDS


def coerce(question: Question, value: Any) -> Any:
    """``value`` as ``question`` needs it; :class:`ValueError` with a plain message if it does not fit.

    Every question accepts "don't know" (``unknown``), returned as :data:`UNKNOWN`.
    """
    if is_unknown(value) or (isinstance(value, list) and len(value) == 1 and is_unknown(value[0])):
        return UNKNOWN
    if question.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("answer yes, no or unknown")
    if question.type == "number":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError("answer a number such as 3e24")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("answer a number such as 3e24") from None
        if not math.isfinite(number) or number < 0 or number > MAX_NUMBER:
            raise ValueError("answer a non-negative number")
        return number
    allowed = [c.id for c in question.choices]
    if question.type == "choice":
        if not isinstance(value, str) or value.strip() not in allowed:
            raise ValueError(f"choose one of {', '.join(allowed)}")
        return value.strip()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise ValueError("give a list of choice ids, or none")
    chosen = [alias for v in items for alias in _aliases().get(v.strip(), (v.strip(),))]
    if any(is_unknown(v) for v in chosen):
        raise ValueError("'unknown' cannot be combined with other choices")
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ValueError(f"unknown choice(s) {', '.join(unknown)}; run 'aims classify --questions'")
    if NONE_CHOICE in chosen and len(chosen) > 1:
        raise ValueError("'none' cannot be combined with other choices")
    return [v for v in dict.fromkeys(chosen) if v != NONE_CHOICE]


#: Largest answers file read.
MAX_ANSWERS_BYTES = 1_000_000


def read_answers(path: Path) -> dict[str, Any]:
    """The raw answers in a YAML file mapping question ids to answers (optionally under an
    ``answers:`` key), read through the bounded reader: a key given twice, YAML that is too
    large, too deep or malformed is refused naming the file and line (a usage error, exit 2)."""
    from openaims.untrusted import DEFAULT_LIMITS, read_text, read_yaml

    limits = DEFAULT_LIMITS.replace(max_bytes=MAX_ANSWERS_BYTES)
    data = read_yaml(read_text(path, limits), str(path), limits=limits)
    if isinstance(data, Mapping) and isinstance(data.get("answers"), Mapping):
        data = data["answers"]
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"{path}: an answers file maps question ids to answers (see aims classify --questions)")
    return dict(data)


def validate_answers(raw: Mapping[str, Any], questionnaire: Questionnaire | None = None) -> dict[str, Any]:
    """Typed answers for every question that applies, in questionnaire order.

    Unknown question ids and answers of the wrong type are errors; an answer to a question
    that does not apply (its ``when`` is false) is dropped; a required question that applies
    and has no answer is an error.
    """
    qn = questionnaire or load_questionnaire()
    problems: list[str] = []
    unknown = sorted(k for k in raw if k not in qn.ids)
    if unknown:
        problems.append(f"unknown question id(s) {', '.join(map(str, unknown))}")
    answers: dict[str, Any] = {}
    for q in qn.questions:
        if not qn.applies(q, answers):
            continue
        if q.id not in raw:
            if q.required:
                problems.append(f"{q.id} is not answered")
            continue
        try:
            value = coerce(q, raw[q.id])
        except ValueError as exc:
            problems.append(f"{q.id}: {exc}")
            continue
        if value is not None:
            answers[q.id] = value
    if problems:
        raise AnswersError(problems)
    return answers


__all__ = [
    "NONE_CHOICE",
    "UNKNOWN",
    "AnswersError",
    "Condition",
    "Question",
    "Questionnaire",
    "coerce",
    "is_unknown",
    "load_questionnaire",
    "read_answers",
    "validate_answers",
]
