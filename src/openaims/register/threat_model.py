"""A draft threat model from what the register knows about a system.

Facts come from three places: the components scans found in the system's repositories
(models and providers, MCP servers, agent instruction files, keys, model files and their
pickle verdicts, AI steps in CI), the system record (datasets, suppliers, human oversight),
and a short questionnaire for what code cannot show. Each fact is a *signal* of
:data:`openaims.frameworks.threats.SIGNALS` with the reasons that raise it (the component or
the answer). A threat applies when the system shows every signal its catalogue entry names
under ``all`` and at least one under ``any``; the reasons are those signals' reasons. A threat
that does not apply says which signal is missing.

An unanswered question counts as the worst answer ("assumed yes"), so a review never
misses a threat because a question was skipped; the reason says so.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from openaims.errors import UsageError
from openaims.frameworks.threats import SIGNALS, FindingItemRule, Threat

#: Component categories that mean a language model is in use.
LLM_CATEGORIES = frozenset({"llm-api", "agent-framework", "ai-gateway", "coding-assistant"})
#: Components reasons name at most this many of, then "and N more".
MAX_NAMED = 3


class DataReach(enum.StrEnum):
    """Which data the system can reach (questionnaire)."""

    PERSONAL = "personal"
    CONFIDENTIAL = "confidential"
    CREDENTIALS = "credentials"
    PUBLIC = "public"
    NONE = "none"


class OutputUse(enum.StrEnum):
    """What happens to the system's output (questionnaire)."""

    SHOWN = "shown"
    EXECUTED = "executed"
    BOTH = "both"
    NONE = "none"


#: Questions, in the order they are asked, with the prompt shown on a terminal.
QUESTIONS: Mapping[str, str] = {
    "untrusted_input": "Does the system take untrusted input (customers, the public, e-mail, web pages, files)?",
    "acts_externally": "Can it act on external systems (send, write, pay, call APIs, run tools)?",
    "data": "Which data can it reach? (personal, confidential, credentials, public, none; comma-separated)",
    "output": "Is its output shown to users, executed, both, or neither? (shown, executed, both, none)",
    "other_agents": "Does it work with other agents (delegates to them or takes their messages)?",
}


@dataclass(frozen=True)
class Answers:
    """The questionnaire; ``None`` where a question was not answered."""

    untrusted_input: bool | None = None
    acts_externally: bool | None = None
    data: tuple[DataReach, ...] | None = None
    output: OutputUse | None = None
    other_agents: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "untrusted_input": self.untrusted_input,
            "acts_externally": self.acts_externally,
            "data": [d.value for d in self.data] if self.data is not None else None,
            "output": self.output.value if self.output is not None else None,
            "other_agents": self.other_agents,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Answers:
        data = raw.get("data")
        output = raw.get("output")
        return cls(
            untrusted_input=raw.get("untrusted_input"),
            acts_externally=raw.get("acts_externally"),
            data=tuple(DataReach(d) for d in data) if data is not None else None,
            output=OutputUse(output) if output is not None else None,
            other_agents=raw.get("other_agents"),
        )

    def merged(self, newer: Answers) -> Answers:
        """These answers with every question ``newer`` answers replaced."""
        return Answers(**{k: (v if v is not None else getattr(self, k)) for k, v in vars(newer).items()})


def parse_yes_no(value: str, question: str) -> bool:
    text = value.strip().lower()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise UsageError(f"--{question.replace('_', '-')}: answer yes or no, not {value!r}")


def parse_data(value: str) -> tuple[DataReach, ...]:
    parts = [p.strip().lower() for p in value.split(",") if p.strip()]
    allowed = ", ".join(d.value for d in DataReach)
    if not parts:
        raise UsageError(f"--data: name one or more of {allowed}")
    try:
        reach = tuple(dict.fromkeys(DataReach(p) for p in parts))
    except ValueError:
        bad = next(p for p in parts if p not in {d.value for d in DataReach})
        raise UsageError(f"--data: {bad!r} is not one of {allowed}") from None
    if DataReach.NONE in reach and len(reach) > 1:
        raise UsageError("--data: 'none' cannot be combined with other kinds of data")
    return reach


def parse_output(value: str) -> OutputUse:
    try:
        return OutputUse(value.strip().lower())
    except ValueError:
        allowed = ", ".join(o.value for o in OutputUse)
        raise UsageError(f"--output: answer one of {allowed}, not {value!r}") from None


class ComponentLike(Protocol):
    """What the threat model reads of a scanned component."""

    id: str
    kind: str
    name: str
    provider: str | None
    details: dict[str, Any]
    disappeared: bool


class SystemLike(Protocol):
    """What the threat model reads of the system record."""

    dataset_ids: list[str]
    supplier_ids: list[str]
    human_oversight: str | None


class LintLike(Protocol):
    """What the threat model reads of a linter finding."""

    rule_id: str
    title: str
    path: str
    line: int | None
    fingerprint: str


def describe(component: ComponentLike) -> str:
    kind = component.kind.replace("_", " ")
    provider = f" ({component.provider})" if component.provider and component.provider != "other" else ""
    return f"{component.id} {kind} {component.name}{provider}"


def _named(label: str, components: Sequence[ComponentLike]) -> str:
    shown = ", ".join(describe(c) for c in components[:MAX_NAMED])
    more = f" and {len(components) - MAX_NAMED} more" if len(components) > MAX_NAMED else ""
    return f"{label}: {shown}{more}"


def mcp_unpinned(component: ComponentLike) -> bool:
    """An MCP server started from a package with no version (``npx pkg``, ``uvx pkg``)."""
    package = str(component.details.get("package") or "")
    if not package or component.details.get("version"):
        return False
    bare = package[1:] if package.startswith("@") else package
    return not any(mark in bare for mark in ("@", "==", ":"))


def mcp_plain_http(component: ComponentLike) -> bool:
    return str(component.details.get("url") or "").lower().startswith("http://")


def model_file_unsafe(component: ComponentLike) -> bool:
    return component.details.get("unsafe") is True


def _component_checks() -> Mapping[str, Any]:
    return {"mcp_server:unpinned": mcp_unpinned, "mcp_server:plain_http": mcp_plain_http,
            "model_file:unsafe": model_file_unsafe}  # fmt: skip


@dataclass
class Facts:
    """Signal -> the reasons that raise it."""

    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, signal: str, reason: str) -> None:
        assert signal in SIGNALS, signal
        self.reasons.setdefault(signal, [])
        if reason not in self.reasons[signal]:
            self.reasons[signal].append(reason)

    def has(self, signal: str) -> bool:
        return bool(self.reasons.get(signal))


def _assumed(question: str) -> str:
    return f"questionnaire: '{question.replace('_', ' ')}' not answered, assumed yes"


def facts_of(system: SystemLike, components: Iterable[ComponentLike], answers: Answers) -> Facts:
    """The signals a system shows, each with its reasons."""
    present = [c for c in components if not c.disappeared]
    facts = Facts()

    def of(*kinds: str) -> list[ComponentLike]:
        return [c for c in present if c.kind in kinds]

    llm = of("model") + [c for c in of("dependency", "import") if c.details.get("category") in LLM_CATEGORIES]
    groups: list[tuple[str, str, list[ComponentLike]]] = [
        ("llm", "language model or AI provider", llm),
        ("mcp", "MCP server", of("mcp_server")),
        ("agent_files", "agent instruction file", of("agent_instructions")),
        ("secret", "key found by a scan", of("secret")),
        ("model_file", "model file", of("model_file")),
        ("ci_ai", "AI step in CI", of("ai_workflow")),
        ("vector_store", "vector store", [c for c in present if c.details.get("category") == "vector-store"]),
    ]
    for signal, label, found in groups:
        if found:
            facts.add(signal, _named(label, found))
    pickles = [c for c in of("model_file") if c.details.get("unsafe") is not None]
    for verdict, found in (("unsafe", [c for c in pickles if model_file_unsafe(c)]),
                           ("no dangerous imports", [c for c in pickles if not model_file_unsafe(c)])):  # fmt: skip
        if found:
            facts.add("pickle_model_file", _named(f"pickle-based model file (pickle scan: {verdict})", found))
    if system.dataset_ids:
        facts.add("dataset", "datasets: " + ", ".join(system.dataset_ids))
    if system.supplier_ids:
        facts.add("supplier", "suppliers: " + ", ".join(system.supplier_ids))
    if system.human_oversight:
        facts.add("oversight", "human oversight: " + system.human_oversight)

    for question, signal in (("untrusted_input", "untrusted_input"), ("acts_externally", "acts_externally"),
                             ("other_agents", "multi_agent")):  # fmt: skip
        value = getattr(answers, question)
        if value is None:
            facts.add(signal, _assumed(question))
        elif value:
            facts.add(signal, f"questionnaire: {question.replace('_', ' ')} = yes")
    if answers.data is None:
        facts.add("sensitive_data", _assumed("data"))
    else:
        sensitive = [d.value for d in answers.data if d in (DataReach.PERSONAL, DataReach.CONFIDENTIAL,
                                                             DataReach.CREDENTIALS)]  # fmt: skip
        if sensitive:
            facts.add("sensitive_data", "questionnaire: data reachable = " + ", ".join(sensitive))
    if answers.output is None:
        facts.add("output_shown", _assumed("output"))
        facts.add("output_executed", _assumed("output"))
    else:
        if answers.output in (OutputUse.SHOWN, OutputUse.BOTH):
            facts.add("output_shown", f"questionnaire: output = {answers.output.value}")
        if answers.output in (OutputUse.EXECUTED, OutputUse.BOTH):
            facts.add("output_executed", f"questionnaire: output = {answers.output.value}")
    for signal in ("mcp", "acts_externally"):
        for reason in facts.reasons.get(signal, []):
            facts.add("agentic", reason)
    return facts


@dataclass(frozen=True)
class Proposal:
    """Whether one threat applies, and why (or why not)."""

    threat: Threat
    applicable: bool
    reasons: tuple[str, ...]


def _missing(threat: Threat, facts: Facts) -> str:
    absent = [s for s in threat.applies.all if not facts.has(s)] or list(threat.applies.any)
    return "not applicable: nothing shows the system " + " or ".join(SIGNALS[s] for s in absent)


def propose(threats: Iterable[Threat], facts: Facts) -> list[Proposal]:
    """Every threat, applicable or not, with its reasons."""
    out: list[Proposal] = []
    for threat in threats:
        needs_all = all(facts.has(s) for s in threat.applies.all)
        matched_any = [s for s in threat.applies.any if facts.has(s)]
        applies = needs_all and (not threat.applies.any or bool(matched_any))
        if applies:
            signals = [*threat.applies.all, *matched_any]
            reasons = tuple(dict.fromkeys(r for s in signals for r in facts.reasons[s]))
            out.append(Proposal(threat, True, reasons))
        else:
            out.append(Proposal(threat, False, (_missing(threat, facts),)))
    return out


@dataclass(frozen=True)
class Item:
    """A scanner or linter finding that enables a threat."""

    rule: str
    title: str
    threat: str
    source: str
    where: str
    key: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "title": self.title, "threat": self.threat, "source": self.source,
                "where": self.where, "key": self.key}  # fmt: skip


def items_of(
    rules: Iterable[FindingItemRule], components: Iterable[ComponentLike], lint: Iterable[LintLike] = ()
) -> list[Item]:
    """Review items for the findings ``rules`` name, one per component or lint finding."""
    present = [c for c in components if not c.disappeared]
    findings = list(lint)
    checks = _component_checks()
    out: dict[str, Item] = {}
    for rule in rules:
        for selector in rule.components:
            kind, _, check = selector.partition(":")
            for comp in present:
                if comp.kind != kind or (check and not checks[selector](comp)):
                    continue
                where = ", ".join(str(x) for x in comp.details.get("locations", [])[:MAX_NAMED])
                key = f"{rule.id}:{comp.id}"
                out.setdefault(key, Item(rule.id, f"{rule.title}: {comp.name}", rule.threat, comp.id, where, key))
        for finding in findings:
            if finding.rule_id not in rule.lint:
                continue
            where = finding.path if finding.line is None else f"{finding.path}:{finding.line}"
            key = f"{rule.id}:{finding.fingerprint}"
            out.setdefault(key, Item(rule.id, f"{rule.title}: {finding.title}", rule.threat,
                                     f"lint {finding.rule_id}", where, key))  # fmt: skip
    return list(out.values())


#: Component kinds whose arrival makes a completed review stale.
MATERIAL_KINDS = ("mcp_server", "model")


def material(components: Iterable[ComponentLike]) -> dict[str, ComponentLike]:
    """What a review is built on that, when new, makes it stale: MCP servers, models, providers."""
    out: dict[str, ComponentLike] = {}
    for comp in components:
        if comp.disappeared:
            continue
        if comp.kind in MATERIAL_KINDS:
            out.setdefault(f"{comp.kind}:{comp.name}", comp)
        if comp.provider and comp.provider != "other":
            out.setdefault(f"provider:{comp.provider}", comp)
    return out


def describe_basis(key: str) -> str:
    kind, _, name = key.partition(":")
    return {"mcp_server": "MCP server", "model": "model", "provider": "provider"}.get(kind, kind) + f" {name}"
