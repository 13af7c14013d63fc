"""The policy file: a versioned YAML model and a loader that names the line of each error.

A policy says which AI providers, models, packages, MCP servers and CI actions
are approved or prohibited, whether hard-coded keys and unsafe model files
block a change, from which severity agent-configuration lint findings count,
which exceptions are granted (with an owner, a reason and an expiry date), and
which severities fail the check.

The loader parses the YAML twice: once into a node tree (which keeps the line
of every key and value) and once into plain data for pydantic. A validation
error's location (``exceptions[0].expires``) is walked back through the node
tree, so every message names the line to fix.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from openaims.discovery.globs import GlobError, compile_glob
from openaims.errors import UsageError
from openaims.policy import subjects
from openaims.untrusted import InputError, Limits, parse_yaml, read_bytes, text_of
from openaims.untrusted.wording import plain_problem

#: Version of the policy file format this release reads and writes.
POLICY_VERSION: Final = 1
#: Policy file looked for at the root of the scanned tree.
DEFAULT_POLICY_FILE: Final = "aims-policy.yaml"
#: Largest policy file the loader reads.
MAX_POLICY_BYTES: Final = 1024 * 1024

#: Package ecosystems a ``packages`` entry may name (purl types).
ECOSYSTEMS: Final = subjects.ECOSYSTEMS
#: Prefixes an ``mcp_servers`` entry may carry to say what it matches.
MCP_PREFIXES: Final = subjects.LIST_PREFIXES["mcp_servers"]


class Severity(enum.StrEnum):
    """How serious a violation is; ordered from ``info`` to ``critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK: Final = {s: i for i, s in enumerate(Severity)}


class Mode(enum.StrEnum):
    """How a category list is read."""

    #: Anything not approved is a violation (prohibited entries too).
    ALLOWLIST = "allowlist"
    #: Only prohibited entries are violations.
    DENYLIST = "denylist"


class Action(enum.StrEnum):
    """What a built-in check does with what it finds."""

    BLOCK = "block"
    WARN = "warn"
    OFF = "off"


def _lower_str(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _action_value(value: Any) -> Any:
    # YAML 1.1 reads a bare ``off``/``no`` as false and ``on``/``yes`` as true.
    if value is False:
        return Action.OFF
    if value is True:
        return Action.BLOCK
    return _lower_str(value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


def _entry(value: str) -> str:
    if not value.strip():
        raise ValueError("entries must not be empty")
    return _bounded_glob(value.strip())


def _bounded_glob(value: str) -> str:
    """A glob the matcher accepts (not over its length bound)."""
    try:
        compile_glob(value)
    except GlobError as exc:
        raise ValueError(f"{exc}; shorten it") from None
    return value


#: What the entries of each list look like, for messages.
_FORMS: Final = {
    "providers": "provider ids such as openai (or provider:openai)",
    "models": "model ids such as gpt-4o (or model:gpt-4o)",
    "packages": "packages such as pypi:openai, a bare name, or package:<name>",
    "mcp_servers": "MCP servers by name (github, mcp:github, name:github), package:<package> or host:<host>",
    "ci_actions": "actions or images such as anthropics/claude-code-action (or ci:<action>)",
}
#: Where a name with each prefix belongs.
_HOME: Final = {
    "provider": "providers",
    "model": "models",
    "package": "packages",
    **dict.fromkeys(subjects.ECOSYSTEMS, "packages"),
    "mcp": "mcp_servers",
    "name": "mcp_servers",
    "host": "mcp_servers",
    "ci": "ci_actions",
    "secret": "the 'secrets' setting or an exception",
    "model-file": "the 'unsafe_model_files' setting or an exception",
    "agent-config": "the 'agent_config' setting or an exception",
}


def _in_vocabulary(category: str, value: str) -> None:
    """Refuse an entry that names something another list judges (it could never match here)."""
    prefix = subjects.prefix_of(value)
    if prefix is not None and prefix not in subjects.LIST_PREFIXES[category]:
        home = _HOME[prefix]
        where = f"list it under {home}" if home in _FORMS else f"use {home}"
        raise ValueError(
            f"{value!r} names {subjects.PREFIXES[prefix]}, which this list never matches; {where} "
            f"({category} entries are {_FORMS[category]})"
        )
    mistaken = subjects.mistaken_prefix(value)
    if mistaken is not None:
        written, meant = mistaken
        raise ValueError(f"unknown prefix {written + ':'!r} in {value!r}; did you mean {meant + ':'!r}?")


def _provider_entry(value: str) -> str:
    value = _entry(value)
    _in_vocabulary("providers", value)
    return value


def _model_entry(value: str) -> str:
    value = _entry(value)
    _in_vocabulary("models", value)
    return value


def _ci_entry(value: str) -> str:
    value = _entry(value)
    _in_vocabulary("ci_actions", value)
    return value


def _package_entry(value: str) -> str:
    value = _entry(value)
    if ":" in value:
        ecosystem = value.split(":", 1)[0].lower()
        if ecosystem not in subjects.PREFIXES and "*" not in ecosystem:
            mistaken = subjects.mistaken_prefix(value)
            hint = f"; did you mean {mistaken[1] + ':'!r}?" if mistaken else ""
            raise ValueError(
                f"unknown ecosystem {ecosystem!r} in {value!r}{hint} "
                f"(use one of {', '.join(sorted(ECOSYSTEMS))}, or package:)"
            )
    _in_vocabulary("packages", value)
    return value


def _mcp_entry(value: str) -> str:
    value = _entry(value)
    prefix, sep, _ = value.partition(":")
    known = prefix.lower() in subjects.PREFIXES or subjects.mistaken_prefix(value) is not None
    if sep and not known and not prefix.startswith("@"):
        raise ValueError(f"unknown prefix {prefix!r} in {value!r}; use name:, mcp:, package: or host: (or none)")
    _in_vocabulary("mcp_servers", value)
    return value


Entry = Annotated[str, AfterValidator(_entry)]
ProviderEntry = Annotated[str, AfterValidator(_provider_entry)]
ModelEntry = Annotated[str, AfterValidator(_model_entry)]
CiEntry = Annotated[str, AfterValidator(_ci_entry)]
PackageEntry = Annotated[str, AfterValidator(_package_entry)]
McpEntry = Annotated[str, AfterValidator(_mcp_entry)]


def _as_list(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


class CategoryRule(_Model):
    """Approved and prohibited entries (glob patterns) of one category."""

    mode: Mode = Mode.DENYLIST
    approved: tuple[Entry, ...] = ()
    prohibited: tuple[Entry, ...] = ()

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return _lower_str(value)

    @field_validator("approved", "prohibited", mode="before")
    @classmethod
    def _entries(cls, value: Any) -> Any:
        return _as_list(value)

    @model_validator(mode="after")
    def _allowlist_needs_entries(self) -> Self:
        if self.mode is Mode.ALLOWLIST and not self.approved:
            raise ValueError(
                "mode allowlist needs at least one approved entry "
                "(an empty allowlist would flag everything; use denylist instead)"
            )
        return self


class ProviderRule(CategoryRule):
    """AI providers by id (``openai``, ``provider:openai``); a provider's rule judges every use
    of it: packages, imports, model references, keys and CI steps."""

    approved: tuple[ProviderEntry, ...] = ()
    prohibited: tuple[ProviderEntry, ...] = ()


class ModelRule(CategoryRule):
    """Model ids (``gpt-4o``, ``model:gpt-4o``, ``openai/gpt-4o``)."""

    approved: tuple[ModelEntry, ...] = ()
    prohibited: tuple[ModelEntry, ...] = ()


class PackageRule(CategoryRule):
    """Packages as ``ecosystem:name`` (``pypi:ollama``, ``npm:@xenova/*``), ``package:name`` or a
    bare name glob; judged on declared dependencies and on imports in code."""

    approved: tuple[PackageEntry, ...] = ()
    prohibited: tuple[PackageEntry, ...] = ()


class McpServerRule(CategoryRule):
    """MCP servers by configured name, package or URL host (``name:``/``mcp:``, ``package:``, ``host:``)."""

    approved: tuple[McpEntry, ...] = ()
    prohibited: tuple[McpEntry, ...] = ()


class CiActionRule(CategoryRule):
    """AI actions and images in CI (``owner/action``, ``image``, ``ci:owner/action``)."""

    approved: tuple[CiEntry, ...] = ()
    prohibited: tuple[CiEntry, ...] = ()


class AgentConfigRule(_Model):
    """Agent-configuration lint findings at or above ``fail_at`` are violations."""

    fail_at: Severity = Severity.HIGH

    @field_validator("fail_at", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        return _lower_str(value)


class PolicyException(_Model):
    """A granted exception: what it covers, who owns it, why, and until when."""

    match: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    #: Optional glob over rule ids (``package.*``) the exception is limited to.
    rule: str | None = None
    #: Optional path globs the exception is limited to.
    paths: tuple[str, ...] = ()
    #: Optional reference (ticket, risk record).
    id: str | None = None

    @field_validator("match", "owner", "reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("match", "rule")
    @classmethod
    def _bounded(cls, value: str | None) -> str | None:
        return None if value is None else _bounded_glob(value)

    @field_validator("paths", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("paths")
    @classmethod
    def _bounded_paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_bounded_glob(path) for path in value)


class Policy(_Model):
    """A whole policy file. The defaults are the built-in policy."""

    version: int = POLICY_VERSION
    providers: ProviderRule = ProviderRule()
    models: ModelRule = ModelRule()
    packages: PackageRule = PackageRule()
    mcp_servers: McpServerRule = McpServerRule()
    ci_actions: CiActionRule = CiActionRule()
    secrets: Action = Action.BLOCK
    unsafe_model_files: Action = Action.BLOCK
    #: ``None`` (the default, or ``agent_config: off``): lint findings are not judged.
    agent_config: AgentConfigRule | None = None
    #: Violations of these severities fail the check.
    fail_on: tuple[Severity, ...] = (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
    #: Severity per rule id, overriding the rule's default.
    severity: dict[str, Severity] = Field(default_factory=dict)
    exceptions: tuple[PolicyException, ...] = ()

    @field_validator("secrets", "unsafe_model_files", mode="before")
    @classmethod
    def _action(cls, value: Any) -> Any:
        return _action_value(value)

    @field_validator("agent_config", mode="before")
    @classmethod
    def _agent_config(cls, value: Any) -> Any:
        if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
            return None
        if isinstance(value, str):
            return {"fail_at": value}
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _fail_on(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(_lower_str(v) for v in value)
        return value

    @field_validator("fail_on")
    @classmethod
    def _fail_on_not_empty(cls, value: tuple[Severity, ...]) -> tuple[Severity, ...]:
        if not value:
            raise ValueError("fail_on needs at least one severity (an empty list would never fail)")
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _lower_str(v) for k, v in value.items()}
        return value

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        from openaims.policy.rules import AGENT_CONFIG_PREFIX, RULES

        for rule_id in value:
            if rule_id not in RULES and not rule_id.startswith(AGENT_CONFIG_PREFIX):
                close = difflib.get_close_matches(rule_id, list(RULES), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"unknown rule id {rule_id!r}{hint}")
        return value

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)

    def fails(self, severity: Severity) -> bool:
        return severity in self.fail_on


# --- loading -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file, with the line to fix."""

    line: int
    location: str
    message: str

    def render(self, source: str) -> str:
        where = f" {self.location}:" if self.location else ""
        return f"{source}:{self.line}:{where} {self.message}"


class PolicyError(UsageError):
    """The policy file cannot be read or is not valid."""

    def __init__(self, source: str, problems: list[PolicyProblem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0].render(source)
        more = f" (and {len(problems) - 1} more; run 'aims policy validate')" if len(problems) > 1 else ""
        super().__init__(f"invalid policy: {first}{more}")


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """A policy and where it came from (``source`` is ``None`` for the built-in default)."""

    policy: Policy
    source: Path | None

    @property
    def description(self) -> str:
        if self.source is None:
            return "built-in default policy (hard-coded AI keys and unsafe model files block)"
        return str(self.source)


#: Upgrade steps: ``UPGRADES[n]`` turns a version ``n`` document into version ``n + 1``.
UPGRADES: Final[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}


#: Bounds on a policy file (see :mod:`openaims.untrusted`).
POLICY_LIMITS: Final = Limits(max_bytes=MAX_POLICY_BYTES, max_depth=32, max_elements=200_000)


def default_policy() -> Policy:
    """The policy used when a tree has no policy file."""
    return Policy()


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate policy text; raise :class:`PolicyError` naming the line of each problem."""
    # Dates stay text (no implicit timestamps), so a bad date is a validation error with a line.
    try:
        document = parse_yaml(text, source, limits=POLICY_LIMITS)
    except InputError as exc:
        raise PolicyError(source, [PolicyProblem(exc.line or 1, "", exc.reason)]) from None
    root, data = document.root, document.data
    if root is None or not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else 1
        raise PolicyError(
            source, [PolicyProblem(line, "", "a policy is a mapping that starts with 'version: 1'")]
        )

    data = _upgrade(data, root, source)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_problem(root, err) for err in exc.errors()]) from None


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at ``path``."""
    if not path.exists():
        raise UsageError(f"policy file not found: {path} (create one with 'aims policy init')")
    if path.is_dir():
        raise UsageError(f"{path} is a directory; pass the policy file itself")
    text = text_of(read_bytes(path, POLICY_LIMITS), str(path), POLICY_LIMITS)  # InputError: one line, exit 2
    return parse_policy(text, str(path))


def resolve_policy(root: Path, explicit: Path | None) -> LoadedPolicy:
    """The policy for a check of ``root``: ``explicit``, else ``root/aims-policy.yaml``, else the default."""
    if explicit is not None:
        return LoadedPolicy(load_policy(explicit), explicit)
    candidate = root / DEFAULT_POLICY_FILE
    if candidate.is_file():
        return LoadedPolicy(load_policy(candidate), candidate)
    return LoadedPolicy(default_policy(), None)


def _upgrade(data: dict[str, Any], root: yaml.MappingNode, source: str) -> dict[str, Any]:
    version = data.get("version")
    line = _line(_node_at(root, ("version",)))
    if version is None:
        raise PolicyError(source, [PolicyProblem(1, "version", f"missing; add 'version: {POLICY_VERSION}'")])
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PolicyError(
            source,
            [PolicyProblem(line, "version", f"must be a whole number (this release reads {POLICY_VERSION})")],
        )
    if version > POLICY_VERSION:
        raise PolicyError(
            source,
            [
                PolicyProblem(
                    line,
                    "version",
                    f"policy version {version} is newer than this aims supports "
                    f"({POLICY_VERSION}); upgrade aims",
                )
            ],
        )
    while data["version"] < POLICY_VERSION:
        data = UPGRADES[data["version"]](data)
    return data


def line_in(text: str, loc: tuple[int | str, ...]) -> int:
    """The line of ``loc`` (``("exceptions", 0, "match")``) in valid policy text (1 if not found)."""
    try:
        root = parse_yaml(text, limits=POLICY_LIMITS, construct=False).root
    except InputError:
        return 1
    return _line(_node_at(root, loc)) if root is not None else 1


def _node_at(root: yaml.Node, loc: tuple[int | str, ...], *, want_key: bool = False) -> yaml.Node:
    """The node a pydantic error location points at (the nearest existing ancestor if missing)."""
    current = root
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    # a misspelt key, or a block that is wrong as a whole: point at the key's line
                    use_key = want_key or isinstance(value, yaml.MappingNode | yaml.SequenceNode)
                    current = key if (last and use_key) else value
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            items = current.value
            current = items[part] if 0 <= part < len(items) else current
    return current


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in part:  # pydantic's internal steps ("[key]", "function-after[...]")
            continue
        else:
            out += ("." if out else "") + part
    return out


def _problem(root: yaml.MappingNode, error: Any) -> PolicyProblem:
    loc: tuple[int | str, ...] = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    node = _node_at(root, loc, want_key=kind == "extra_forbidden")
    if kind == "extra_forbidden":
        message = "unknown key" + _suggest(root, loc)
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = plain_problem(error)
    return PolicyProblem(_line(node), _location(loc), message)


def _suggest(root: yaml.MappingNode, loc: tuple[int | str, ...]) -> str:
    """``; did you mean 'x'?`` for a misspelt key, from the fields of the model at that place."""
    model: type[BaseModel] | None = Policy
    for part in loc[:-1]:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return ""
        annotation = field.annotation
        model = None
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


#: ``$id`` of the policy file's JSON Schema (``aims policy schema``).
JSON_SCHEMA_ID: Final = "https://openaims.dev/schemas/policy/v1.json"


def json_schema() -> dict[str, Any]:
    """JSON Schema of the policy file, for editors (``# yaml-language-server: $schema=...``).

    It describes what the loader accepts, including the YAML readings of ``off`` (false)
    and the one-word forms (``agent_config: high``); the loader stays the authority.
    """
    schema = Policy.model_json_schema()
    props = schema["properties"]
    for key in ("secrets", "unsafe_model_files"):
        props[key] = {"anyOf": [{"$ref": "#/$defs/Action"}, {"type": "boolean"}], "default": "block"}
    props["agent_config"] = {
        "anyOf": [
            {"$ref": "#/$defs/AgentConfigRule"},
            {"$ref": "#/$defs/Severity"},
            {"enum": ["off", False]},
            {"type": "null"},
        ],
        "default": None,
    }
    props["version"] = {"const": POLICY_VERSION, "description": "Policy file format version."}
    for key in ("approved", "prohibited"):
        for model in ("ProviderRule", "ModelRule", "PackageRule", "McpServerRule", "CiActionRule"):
            field = schema["$defs"][model]["properties"][key]
            schema["$defs"][model]["properties"][key] = {"anyOf": [field, {"type": "string"}], "default": []}
    exception = schema["$defs"]["PolicyException"]["properties"]
    exception["paths"] = {"anyOf": [exception["paths"], {"type": "string"}], "default": []}
    schema["required"] = ["version"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": JSON_SCHEMA_ID,
        "title": "OpenAIMS AI policy",
        **schema,
    }
